"""Abstract values: what the analysis knows about the object an expression evaluates to.

A value is immutable; facts that are not known are left at their neutral default, so that
every rule stays silent on what the analysis could not establish (precision first).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

# Value kinds.
UNKNOWN = "unknown"
TENSOR = "tensor"
NDARRAY = "ndarray"
STDLIB_ARRAY = "array.array"
LIST = "list"
TUPLE = "tuple"
SET = "set"
DICT = "dict"
RANGE = "range"
STR = "str"
BYTES = "bytes"
NUMBER = "number"
NONE = "none"
REF = "ref"  # an importable object known by its qualified name (module, function, class)
DTYPE = "dtype"  # a torch or numpy dtype object
SHAPE = "shape"  # x.shape / x.size() of a tensor
MODULE = "module"  # an nn.Module instance
LOSS_FN = "loss_fn"  # an nn.*Loss instance
OBJECT = "object"  # some other known non-tensor object (dataset, user class instance)
SELF = "self"  # the first parameter of a method

#: Kinds that are certainly not tensors.
NOT_TENSOR = frozenset(
    {NDARRAY, STDLIB_ARRAY, LIST, TUPLE, SET, DICT, RANGE, STR, BYTES, NUMBER, NONE, REF, DTYPE,
     SHAPE, MODULE, LOSS_FN, OBJECT, SELF}
)

#: A size expression: an integer coefficient times a product of symbolic dimension tokens.
Size = tuple[int, tuple[str, ...]]

_ids = itertools.count(1)


def fresh_id() -> int:
    """A new identity for a tensor's shape (sizes that flow unchanged keep their identity)."""
    return next(_ids)


@dataclass(frozen=True, slots=True)
class Value:
    kind: str = UNKNOWN
    qualname: str | None = None
    dtype: str | None = None
    loss: bool = False  # carries the autograd graph of a loss
    grad_leaf: bool = False  # a leaf that requires grad, or a view of one
    detached: bool = False  # made by .detach() (or a copy of such a tensor): no autograd history
    param: bool = False  # a module parameter
    noncontig: str | None = None  # the op that left this tensor non-contiguous
    perm: tuple[int, ...] | None = None  # with noncontig: dims in storage order, when known
    dims: tuple[Size | None, ...] | None = None  # per-dimension sizes (rank known when set)
    open_rank: bool = False  # dims/perm cover the leading dimensions only; more may follow, in place
    shape_id: int = 0
    size: Size | None = None  # NUMBER: a readable size expression
    int_value: int | None = None
    elem: Value | None = None  # what iterating over this value yields
    items: tuple[Value, ...] | None = None  # tuple/list literal items

    @property
    def maybe_tensor(self) -> bool:
        return self.kind not in NOT_TENSOR

    def dim_size(self, index: int) -> Size | None:
        """The size of dimension `index`, as a token when it was never read from the source."""
        if self.dims is not None:
            if -len(self.dims) <= index < len(self.dims):
                return self.dims[index]
            return None
        if index < 0:
            return None
        return (1, (shape_token(self.shape_id, index),))

    def rank_dims(self, rank: int) -> tuple[Size | None, ...]:
        """Sizes of all dimensions, given the rank when the value does not know it."""
        if self.dims is not None:
            return self.dims
        return tuple(self.dim_size(i) for i in range(rank))


#: A dimension's size never read from the source: `s<shape id>.<dimension>`.
SHAPE_TOKEN = re.compile(r"s(\d+)\.(\d+)")


def shape_token(shape_id: int | str, index: int) -> str:
    return f"s{shape_id}.{index}"


UNKNOWN_VALUE = Value()
NUMBER_VALUE = Value(NUMBER)


def ref(qualname: str) -> Value:
    return Value(REF, qualname=qualname)


def tensor(**facts: object) -> Value:
    facts.setdefault("shape_id", fresh_id())
    return Value(TENSOR, **facts)  # type: ignore[arg-type]


def derived(source: Value, **facts: object) -> Value:
    """A tensor computed from `source`: keeps the loss graph, drops layout, leaf-ness and sizes."""
    base = dict(loss=source.loss, dtype=source.dtype)
    base.update(facts)
    return tensor(**base)


def join(a: Value, b: Value) -> Value:
    """What is known on both paths (facts that differ are forgotten)."""
    if a == b:
        return a
    if a.kind != b.kind:
        return UNKNOWN_VALUE
    return Value(
        kind=a.kind,
        qualname=a.qualname if a.qualname == b.qualname else None,
        dtype=a.dtype if a.dtype == b.dtype else None,
        loss=a.loss and b.loss,
        grad_leaf=a.grad_leaf and b.grad_leaf,
        detached=a.detached and b.detached,
        param=a.param and b.param,
        noncontig=a.noncontig if a.noncontig == b.noncontig and a.perm == b.perm else None,
        perm=a.perm if a.perm == b.perm else None,
        dims=a.dims if a.dims == b.dims else None,
        open_rank=a.open_rank if a.open_rank == b.open_rank and a.dims == b.dims else False,
        shape_id=a.shape_id if a.shape_id == b.shape_id else fresh_id(),
        elem=a.elem if a.elem == b.elem else None,
    )


def with_facts(value: Value, **facts: object) -> Value:
    return replace(value, **facts)  # type: ignore[arg-type]

"""Abstract values: what the analysis knows about the object an expression evaluates to.

A value is immutable. Its kind says what sort of object it is (the provenance TPF004 asks about:
ndarray, `array.array`, list, ...); a tensor's facts come in groups, each with its own join, so a fact
added to a group flows, joins and is forgotten with the rest of it. Facts that are not known stay at
their neutral default, so that every rule stays silent on what the analysis could not establish.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from enum import Enum


class Kind(Enum):
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
    OBJECT = "object"  # some other known non-tensor object (dataset, user class instance, a slice)
    SELF = "self"  # the first parameter of a method


#: A size expression: an integer coefficient times a product of symbolic dimension tokens.
Size = tuple[int, tuple[str, ...]]

_ids = itertools.count(1)


def fresh_id() -> int:
    """A new identity for a tensor's shape (sizes that flow unchanged keep their identity)."""
    return next(_ids)


#: A dimension's size never read from the source: `s<shape id>.<dimension>`.
SHAPE_TOKEN = re.compile(r"s(\d+)\.(\d+)")


def shape_token(shape_id: int | str, index: int) -> str:
    return f"s{shape_id}.{index}"


@dataclass(frozen=True, slots=True)
class Autograd:
    """How a tensor relates to autograd."""

    loss: bool = False  # carries the autograd graph of a loss
    leaf: bool = False  # a leaf that requires grad, or a view of one
    detached: bool = False  # made by .detach() (or a copy of such a tensor): no autograd history
    param: bool = False  # a parameter reached through its module (`m.weight`, `model.parameters()`)
    #: known not to be an `nn.Parameter` object: a factory's, an op's or a copy's result (not `nn.Parameter(...)`,
    #: a module's parameter, or a value known only to be some Tensor: an annotation, an isinstance check)
    plain: bool = True

    def join(self, other: Autograd) -> Autograd:
        """True on both paths, or not known."""
        if self == other:
            return self
        return Autograd(self.loss and other.loss, self.leaf and other.leaf, self.detached and other.detached,
                        self.param and other.param, self.plain and other.plain)


@dataclass(frozen=True, slots=True)
class Layout:
    """A tensor's sizes and memory layout, as far as the source shows them."""

    noncontig: str | None = None  # the op that left this tensor non-contiguous
    perm: tuple[int, ...] | None = None  # with noncontig: dims in storage order, when known
    dims: tuple[Size | None, ...] | None = None  # per-dimension sizes (rank known when set)
    open_rank: bool = False  # dims/perm cover the leading dimensions only; more may follow, in place
    shape_id: int = 0  # identity of the shape: sizes that flow unchanged keep it (0: none given)

    def join(self, other: Layout) -> Layout:
        if self == other:
            return self
        shape_id = self.shape_id if self.shape_id == other.shape_id else fresh_id()
        return Layout(
            noncontig=self.noncontig if self.noncontig == other.noncontig and self.perm == other.perm else None,
            perm=self.perm if self.perm == other.perm else None,
            dims=self.dims if self.dims == other.dims else self._joined_dims(other, shape_id),
            open_rank=self.open_rank if self.open_rank == other.open_rank and self.dims == other.dims else False,
            shape_id=shape_id,
        )

    def _joined_dims(self, other: Layout, shape_id: int) -> tuple[Size | None, ...] | None:
        """Two tensors of one known rank (`x = f(a).permute(...)` in both branches): the sizes they share,
        and for the others sizes of the joined shape's own, so that `x.shape[:-2]` still reads as x's."""
        if self.dims is None or other.dims is None or len(self.dims) != len(other.dims) \
                or self.open_rank or other.open_rank:
            return None
        pairs = enumerate(zip(self.dims, other.dims))
        return tuple(a if a == b else (1, (shape_token(shape_id, i),)) for i, (a, b) in pairs)

    def more_than_one_element(self) -> bool:
        """A dimension of literal size other than 1: the tensor is not a single value (nor a Python scalar)."""
        return self.dims is not None and any(size is not None and not size[1] and size[0] != 1 for size in self.dims)

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
        """Sizes of all dimensions, given the rank when the layout does not know it."""
        if self.dims is not None:
            return self.dims
        return tuple(self.dim_size(i) for i in range(rank))


NO_AUTOGRAD = Autograd()
NO_LAYOUT = Layout()
#: The qualname of a subscript part that is a bare `:`, which keeps its dimension's size.
WHOLE_SLICE = "whole slice"


@dataclass(frozen=True, slots=True)
class Value:
    kind: Kind = Kind.UNKNOWN
    #: REF: the object's qualified name; STR: the literal's text; SHAPE: the dotted name of its tensor;
    #: OBJECT: "slice" / WHOLE_SLICE (`:`) / "Ellipsis" for subscript parts.
    qualname: str | None = None
    #: TENSOR / NDARRAY / DTYPE: a canonical dtype name ("float32"); NUMBER: "int" / "float" / "bool".
    dtype: str | None = None
    autograd: Autograd = NO_AUTOGRAD  # TENSOR
    layout: Layout = NO_LAYOUT  # TENSOR, and values of unknown kind whose sizes were read
    size: Size | None = None  # NUMBER: a readable size expression
    int_value: int | None = None  # NUMBER: a literal int (or bool) value
    elem: Value | None = None  # what iterating over this value yields
    items: tuple[Value, ...] | None = None  # tuple/list literal items; a dict's values under `keys`
    keys: tuple[str, ...] | None = None  # DICT: the literal string keys its `items` are stored under

    @property
    def maybe_tensor(self) -> bool:
        return self.kind is Kind.TENSOR or self.kind is Kind.UNKNOWN

    def with_autograd(self, autograd: Autograd) -> Value:
        return replace(self, autograd=autograd)

    def with_layout(self, layout: Layout) -> Value:
        return replace(self, layout=layout)

    def with_dtype(self, dtype: str | None) -> Value:
        return replace(self, dtype=dtype)


UNKNOWN_VALUE = Value()
#: An object of unknown class known to be a model (`.train()`, `.parameters()` were called on it), and
#: what calling one returns: a tensor, or a structure of tensors (a tuple, a dict, a `ModelOutput`).
MODEL = Value(qualname="<model>")
MODEL_OUTPUT = Value(qualname="<model output>")
NONE_VALUE = Value(Kind.NONE)


def ref(qualname: str) -> Value:
    return Value(Kind.REF, qualname=qualname)


def number(dtype: str | None = None, int_value: int | None = None, size: Size | None = None) -> Value:
    return Value(Kind.NUMBER, dtype=dtype, int_value=int_value, size=size)


def fresh_layout(noncontig: str | None = None, perm: tuple[int, ...] | None = None,
                 dims: tuple[Size | None, ...] | None = None, open_rank: bool = False) -> Layout:
    """The layout of a newly made tensor: a shape identity of its own."""
    return Layout(noncontig, perm, dims, open_rank, fresh_id())


def tensor(dtype: str | None = None, autograd: Autograd = NO_AUTOGRAD, layout: Layout | None = None) -> Value:
    return Value(Kind.TENSOR, dtype=dtype, autograd=autograd, layout=layout if layout is not None else fresh_layout())


#: Value fields that join forgets even when both paths agree: literal numbers and items belong to one path.
PER_PATH_FIELDS = frozenset({"size", "int_value", "items", "keys"})


def join(a: Value, b: Value) -> Value:
    """What is known on both paths: facts that differ are forgotten, and so are PER_PATH_FIELDS.

    Every other field must be kept when both agree (tests/test_analysis.py checks each one, so a fact
    added to Value or to a group cannot be dropped here by accident)."""
    if a == b:
        return a
    if a.kind is not b.kind:
        return UNKNOWN_VALUE
    if a.items == () or b.items == ():  # an empty display: what holds of every element of the other holds here
        return Value(a.kind, elem=b.elem if a.items == () else a.elem) if a.kind in (Kind.LIST, Kind.DICT) else \
            Value(a.kind)
    return Value(
        kind=a.kind,
        qualname=a.qualname if a.qualname == b.qualname else None,
        dtype=a.dtype if a.dtype == b.dtype else None,
        autograd=a.autograd.join(b.autograd),
        layout=a.layout.join(b.layout),
        elem=join(a.elem, b.elem) if a.elem is not None and b.elem is not None else None,
    )


def without_identity(value: Value) -> Value:
    """The value with its shape identities cleared: facts compared across interpretations (each one
    makes tensors with fresh identities)."""
    if value.layout.shape_id == 0 and value.layout.dims is None and value.elem is None and value.items is None:
        return value
    dims = value.layout.dims
    if dims is not None:  # sizes named for a shape identity (`s12.0`) name the dimension only
        dims = tuple(None if size is None else (size[0], tuple(SHAPE_TOKEN.sub(r"s.\2", t) for t in size[1]))
                     for size in dims)
    return replace(value, layout=replace(value.layout, shape_id=0, dims=dims),
                   elem=without_identity(value.elem) if value.elem is not None else None,
                   items=tuple(map(without_identity, value.items)) if value.items is not None else None)


def keyed(container: Value, key: str) -> Value | None:
    """The value a dict holds under the literal key `key`, when known."""
    if container.keys is None or container.items is None or key not in container.keys:
        return None
    return container.items[container.keys.index(key)]


def stored(container: Value, key: str | None, value: Value) -> Value:
    """A dict or list after `container[key] = value` (`key`: a literal string, or None): its elements may now
    be `value`, and it holds a loss's graph only if `value` does or (for a literal key) another entry does."""
    elem = _elements_with(container, value)
    if key is None or container.kind is not Kind.DICT or container.keys is None or container.items is None:
        return Value(container.kind, elem=elem, autograd=Autograd(loss=value.autograd.loss))
    entries = dict(zip(container.keys, container.items))
    entries[key] = value
    return Value(Kind.DICT, elem=elem, keys=tuple(entries), items=tuple(entries.values()),
                 autograd=Autograd(loss=any(v.autograd.loss for v in entries.values())))


def appended(container: Value, value: Value) -> Value:
    """A list after `.append(value)`."""
    return Value(container.kind, elem=_elements_with(container, value))


def _elements_with(container: Value, value: Value) -> Value | None:
    """What a container's elements are once `value` is one of them: the ones it had (none, for an empty
    display) joined with it."""
    if container.items == ():
        return value
    return join(container.elem, value) if container.elem is not None else None


def join_all(values: list[Value]) -> Value | None:
    if not values:
        return None
    result = values[0]
    for value in values[1:]:
        result = join(result, value)
    return result

"""Expression evaluation: the abstract value of each expression, from the values of its parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from . import torch_api as api
from .syntax import dotted_name, names_in, target_names
from .layout import UNREAD, move_order, permute_order, swap_order
from .values import (
    BYTES, DICT, DTYPE, LIST, LOSS_FN, MODULE, NDARRAY, NONE, NUMBER, OBJECT, RANGE, REF, SET, SHAPE,
    STDLIB_ARRAY, STR, TENSOR, TUPLE, UNKNOWN, UNKNOWN_VALUE, Size, Value, derived, fresh_id, join, ref,
    tensor, with_facts,
)

if TYPE_CHECKING:
    from .interpreter import Frame, Settings

_CONTAINERS = {"builtins.list": LIST, "builtins.tuple": TUPLE, "builtins.set": SET, "builtins.dict": DICT,
               "builtins.range": RANGE, "builtins.str": STR, "builtins.bytes": BYTES,
               "builtins.bytearray": BYTES}
_NUMBER_BUILTINS = frozenset({"builtins.float", "builtins.int", "builtins.len", "builtins.round",
                              "builtins.bool", "builtins.abs"})


@dataclass(frozen=True)
class CallArgs:
    """Argument values of one call, in source order."""

    positional: list[Value]
    keywords: dict[str, Value]
    starred: bool
    star_last: bool = False  # the only starred argument is the last one

    def get(self, index: int, keyword: str | None = None) -> Value | None:
        if keyword is not None and keyword in self.keywords:
            return self.keywords[keyword]
        return self.positional[index] if index < len(self.positional) else None

    def ints(self) -> list[int] | None:
        """The positional arguments as literal ints (a single tuple/list argument is unpacked)."""
        values = self.positional
        if len(values) == 1 and values[0].items is not None:
            values = list(values[0].items)
        ints = [v.int_value for v in values]
        if self.starred or any(i is None for i in ints):
            return None
        return [i for i in ints if i is not None]

    def sizes(self) -> list[Size | None] | None:
        """Positional sizes as read from the source (None for -1); None when they cannot be read.

        A trailing `*sizes` beside other sizes is read as one unreadable size (it splits a dimension).
        """
        values = self.positional
        if len(values) == 1 and values[0].items is not None:
            values = list(values[0].items)
        if self.starred and values and self.star_last:
            values = [*values, UNKNOWN_VALUE]
        elif self.starred or not values:
            return None
        sizes: list[Size | None] = []
        for value in values:
            if value.int_value == -1:
                sizes.append(None)
            elif value.kind == NUMBER and value.size is not None:
                sizes.append(value.size)
            elif value.kind in (NUMBER, UNKNOWN, TENSOR) and value.items is None:
                sizes.append(UNREAD)  # a size the source does not show (a 0-dim tensor counts: `hw[i][0]`)
            else:
                return None
        return sizes


class Evaluator:
    """Evaluates expressions to abstract values; the interpreter supplies names and events."""

    frame: Frame
    module_classes: set[str]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.values: dict[int, Value] = {}  # by id(node): LibCST nodes hash in Python, ids are free
        self.float_default: str | None = api.FLOAT_DEFAULT if settings.default_float_known else None

    # Provided by the interpreter.
    def lookup(self, name: str) -> Value: raise NotImplementedError
    def bind_name(self, name: str, value: Value) -> None: raise NotImplementedError
    def after_eval(self, node: cst.BaseExpression) -> None: raise NotImplementedError
    def note_parent(self, child: cst.CSTNode, parent: cst.CSTNode) -> None: raise NotImplementedError
    def record_backward(self, expressions: list[cst.CSTNode]) -> None: raise NotImplementedError
    def record_flow(self, source: cst.CSTNode, sink: str) -> None: raise NotImplementedError
    def rebind_receiver(self, receiver: cst.BaseExpression, value: Value) -> None: raise NotImplementedError

    @property
    def grad_disabled(self) -> bool: raise NotImplementedError

    def value(self, node: cst.CSTNode) -> Value:
        return self.values.get(id(node), UNKNOWN_VALUE)

    # ---- dispatch -----------------------------------------------------------------------------

    def eval(self, node: cst.BaseExpression, parent: cst.CSTNode) -> Value:
        self.note_parent(node, parent)
        method = _EVALUATORS.get(type(node))
        value = method(self, node) if method is not None else self.eval_children(node)
        self.values[id(node)] = value
        self.after_eval(node)
        return value

    def eval_children(self, node: cst.CSTNode) -> Value:
        """Evaluate every expression below a node this evaluator does not model."""
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.eval(child, node)
            elif isinstance(child, (cst.BaseSuite, cst.BaseStatement)):
                continue
            else:
                self.eval_children(child)
        return UNKNOWN_VALUE

    # ---- atoms --------------------------------------------------------------------------------

    def eval_name(self, node: cst.Name) -> Value:
        constant = _CONSTANTS.get(node.value)
        return constant if constant is not None else self.lookup(node.value)

    def eval_integer(self, node: cst.Integer) -> Value:
        try:
            number = int(node.value.replace("_", ""), 0)
        except ValueError:
            return Value(NUMBER, dtype="int")
        return Value(NUMBER, dtype="int", int_value=number, size=(number, ()))

    def eval_float(self, _node: cst.BaseExpression) -> Value:
        return Value(NUMBER, dtype="float")

    def eval_string(self, node: cst.BaseExpression) -> Value:
        prefix = ""
        if isinstance(node, cst.SimpleString):
            prefix = node.prefix.lower()
        elif isinstance(node, cst.ConcatenatedString):
            left = node.left
            prefix = left.prefix.lower() if isinstance(left, cst.SimpleString) else ""
        self.eval_children(node)
        literal = node.evaluated_value if isinstance(node, cst.SimpleString) else None
        return Value(BYTES if "b" in prefix else STR, qualname=literal if isinstance(literal, str) else None)

    def eval_sequence(self, node: cst.List | cst.Tuple | cst.Set) -> Value:
        items = []
        starred = False
        for element in node.elements:
            item = self.eval(element.value, node)
            if isinstance(element, cst.StarredElement):
                starred = True
            items.append(item)
        kind = {cst.List: LIST, cst.Tuple: TUPLE, cst.Set: SET}[type(node)]
        return Value(kind, items=None if starred else tuple(items), elem=_join_all(items))

    def eval_dict(self, node: cst.Dict) -> Value:
        self.eval_children(node)
        return Value(DICT)

    def eval_comprehension(self, node: cst.BaseComp | cst.DictComp) -> Value:
        saved = dict(self.frame.env)
        for_in: cst.CompFor | None = node.for_in
        while for_in is not None:
            iterable = self.eval(for_in.iter, for_in)
            self.bind_comprehension_target(for_in.target, iterable)
            for condition in for_in.ifs:
                self.eval(condition.test, condition)
            for_in = for_in.inner_for_in
        if isinstance(node, cst.DictComp):
            self.eval(node.key, node)
            self.eval(node.value, node)
            element = UNKNOWN_VALUE
        else:
            element = self.eval(node.elt, node)
        self.frame.env = saved
        kind = {cst.ListComp: LIST, cst.SetComp: SET, cst.DictComp: DICT}.get(type(node), UNKNOWN)
        return Value(kind, elem=element)

    def bind_comprehension_target(self, target: cst.BaseExpression, iterable: Value) -> None:
        element = iterable.elem or UNKNOWN_VALUE
        if isinstance(target, cst.Name):
            self.frame.env[target.value] = element
            return
        for name in target_names(target):
            self.frame.env[name] = UNKNOWN_VALUE

    def eval_lambda(self, node: cst.Lambda) -> Value:
        saved = dict(self.frame.env)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self.eval(param.default, node)
            self.frame.env[param.name.value] = UNKNOWN_VALUE
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.frame.env[star.name.value] = UNKNOWN_VALUE
        self.eval(node.body, node)
        self.frame.env = saved
        return UNKNOWN_VALUE

    def eval_named_expr(self, node: cst.NamedExpr) -> Value:
        value = self.eval(node.value, node)
        if isinstance(node.target, cst.Name):
            self.bind_name(node.target.value, value)
        return value

    def eval_if_exp(self, node: cst.IfExp) -> Value:
        self.eval(node.test, node)
        return join(self.eval(node.body, node), self.eval(node.orelse, node))

    def eval_boolean(self, node: cst.BooleanOperation) -> Value:
        return join(self.eval(node.left, node), self.eval(node.right, node))

    def eval_comparison(self, node: cst.Comparison) -> Value:
        operands = [self.eval(node.left, node)]
        for target in node.comparisons:
            operands.append(self.eval(target.comparator, target))
        if any(o.kind == TENSOR for o in operands):
            return tensor(dtype="bool")
        return UNKNOWN_VALUE

    def eval_unary(self, node: cst.UnaryOperation) -> Value:
        operand = self.eval(node.expression, node)
        if isinstance(node.operator, cst.Not):
            return UNKNOWN_VALUE
        if operand.kind == TENSOR:
            return derived(operand, noncontig=operand.noncontig, perm=operand.perm, dims=operand.dims)
        if operand.kind == NUMBER and isinstance(node.operator, cst.Minus) and operand.int_value is not None:
            return Value(NUMBER, dtype="int", int_value=-operand.int_value)
        return Value(NUMBER, dtype=operand.dtype) if operand.kind == NUMBER else UNKNOWN_VALUE

    def eval_binary(self, node: cst.BinaryOperation) -> Value:
        left = self.eval(node.left, node)
        right = self.eval(node.right, node)
        return self.combine(left, node.operator, right)

    def combine(self, left: Value, operator: cst.BaseBinaryOp, right: Value, in_place: bool = False) -> Value:
        """The value of `left <op> right` (or of `left <op>= right` when `in_place`)."""
        if left.kind == TENSOR or right.kind == TENSOR:
            loss = (left.loss or right.loss) and not self.grad_disabled
            if in_place and left.kind == TENSOR:
                return with_facts(left, loss=left.loss or loss)
            if isinstance(operator, cst.MatrixMultiply):
                return tensor(loss=loss, dtype=_common_dtype(left, right))
            layout = left if left.kind == TENSOR else right
            detached = all(v.detached or v.kind == NUMBER for v in (left, right))  # `0.1 * x.detach()`
            return tensor(loss=loss, dtype=_promoted_dtype(left, right), noncontig=layout.noncontig,
                          perm=layout.perm, dims=layout.dims if layout.noncontig else None, detached=detached)
        if left.kind == NUMBER and right.kind == NUMBER:
            size = None
            if isinstance(operator, cst.Multiply) and left.size is not None and right.size is not None:
                size = (left.size[0] * right.size[0], tuple(sorted(left.size[1] + right.size[1])))
            dtype = "float" if "float" in (left.dtype, right.dtype) or isinstance(operator, cst.Divide) else (
                "int" if left.dtype == right.dtype == "int" else None)
            return Value(NUMBER, dtype=dtype, size=size)
        if left.kind == right.kind and left.kind in (LIST, TUPLE, STR, BYTES) and isinstance(operator, cst.Add):
            return Value(left.kind)
        if in_place and left.kind in (LIST, SET, DICT):
            return left
        return UNKNOWN_VALUE

    def eval_subscript(self, node: cst.Subscript) -> Value:
        base = self.eval(node.value, node)
        indices: list[Value] = []
        for element in node.slice:
            self.note_parent(element, node)
            if isinstance(element.slice, cst.Index) and isinstance(element.slice.value, cst.Ellipsis):
                indices.append(Value(OBJECT, qualname="Ellipsis"))
            elif isinstance(element.slice, cst.Index):
                indices.append(self.eval(element.slice.value, element))
            else:
                self.eval_children(element.slice)
                indices.append(Value(OBJECT, qualname="slice"))
        return self.subscript_value(base, indices)

    def subscript_value(self, base: Value, indices: list[Value]) -> Value:
        single = indices[0] if len(indices) == 1 else None
        if base.kind == TENSOR:
            slices_only = all(i.kind == OBJECT and i.qualname in ("slice", "Ellipsis") for i in indices)
            layout = dict(noncontig=base.noncontig, perm=base.perm) if slices_only else {}
            return tensor(dtype=base.dtype, loss=base.loss, grad_leaf=base.grad_leaf, **layout)
        if base.kind == SHAPE and base.elem is not None and single is not None and single.int_value is not None:
            return Value(NUMBER, dtype="int", size=base.elem.dim_size(single.int_value))
        if base.kind in (LIST, TUPLE) and single is not None:
            if single.kind == OBJECT:  # a slice
                return Value(base.kind, elem=base.elem)
            index = single.int_value
            if base.items is not None and index is not None and -len(base.items) <= index < len(base.items):
                return base.items[index]
            return base.elem or UNKNOWN_VALUE
        if base.kind == NDARRAY:
            return Value(NDARRAY, dtype=base.dtype)
        return UNKNOWN_VALUE

    # ---- attributes ---------------------------------------------------------------------------

    def eval_attribute(self, node: cst.Attribute) -> Value:
        base = self.eval(node.value, node)
        return self.attribute_value(base, node, node.attr.value)

    def attribute_value(self, base: Value, node: cst.Attribute, attr: str) -> Value:
        if base.kind == REF and base.qualname is not None:
            return qualified(f"{base.qualname}.{attr}")
        if base.kind == "self":
            owner = node.value
            if isinstance(owner, cst.Name):
                return self.lookup(f"{owner.value}.{attr}")
            return UNKNOWN_VALUE
        if base.kind == TENSOR:
            return self.tensor_attribute(base, attr, dotted_name(node.value))
        if base.kind == UNKNOWN and (attr == "shape" or attr in api.TRANSPOSING_ATTRS):
            base = self.shaped(node.value, base)
            return Value(SHAPE, elem=base, qualname=dotted_name(node.value)) if attr == "shape" else (
                self.transposed(base, "." + attr, []))
        if base.kind in (MODULE, UNKNOWN) and attr in ("weight", "bias"):
            return tensor(param=True)
        if base.kind == NDARRAY:
            if attr == "T":
                return Value(NDARRAY, dtype=base.dtype)
            return UNKNOWN_VALUE
        if base.kind == UNKNOWN:
            name = dotted_name(node)
            if name is not None:
                found = self.lookup(name)
                if found.kind != UNKNOWN:
                    return found
        return UNKNOWN_VALUE

    def shaped(self, owner: cst.BaseExpression, value: Value) -> Value:
        """Give a value of unknown kind whose sizes are read a stable shape identity."""
        if value.shape_id:
            return value
        value = with_facts(value, shape_id=fresh_id())
        name = dotted_name(owner)
        if name is not None and self.frame.lookup(name) is not None:
            self.frame.env[name] = value
        return value

    def tensor_attribute(self, base: Value, attr: str, owner: str | None = None) -> Value:
        if attr in api.TRANSPOSING_ATTRS:
            return self.transposed(base, "." + attr, [])
        if attr == "data":
            return tensor(dtype=base.dtype, shape_id=base.shape_id, dims=base.dims,
                          noncontig=base.noncontig, perm=base.perm)
        if attr == "grad":
            return tensor(dtype=base.dtype, shape_id=base.shape_id, dims=base.dims)
        if attr == "shape":
            return Value(SHAPE, elem=base, qualname=owner)
        if attr == "dtype":
            return Value(DTYPE, dtype=base.dtype)
        if attr in ("real", "imag"):
            return derived(base)
        if attr in ("ndim",):
            return Value(NUMBER, dtype="int")
        return UNKNOWN_VALUE

    # ---- calls --------------------------------------------------------------------------------

    def eval_call(self, node: cst.Call) -> Value:
        func = node.func
        receiver_node = func.value if isinstance(func, cst.Attribute) else None
        receiver = None
        if receiver_node is not None:
            self.note_parent(func, node)
            receiver = self.eval(receiver_node, func)
            callee = (qualified(f"{receiver.qualname}.{func.attr.value}") if receiver.kind == REF
                      else self.attribute_value(receiver, func, func.attr.value)
                      if receiver.kind in ("self", MODULE) else UNKNOWN_VALUE)
            self.values[id(func)] = callee
        else:
            callee = self.eval(func, node)
        args = self.eval_args(node)
        if receiver is not None and receiver.kind not in (REF, "self"):
            return self.call_method(receiver, receiver_node, func.attr.value, node, args)  # type: ignore[union-attr]
        return self.call_value(callee, node, args)

    def eval_args(self, node: cst.Call) -> CallArgs:
        positional: list[Value] = []
        keywords: dict[str, Value] = {}
        starred = False
        for arg in node.args:
            value = self.eval(arg.value, node)  # an argument's parent is the call it is passed to
            if arg.star:
                starred = True
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = value
            else:
                positional.append(value)
        return CallArgs(positional, keywords, starred)

    def call_value(self, callee: Value, node: cst.Call, args: CallArgs) -> Value:
        if callee.kind == LOSS_FN:
            return tensor(loss=not self.grad_disabled)
        if callee.kind == MODULE:
            return tensor()
        if callee.kind != REF or callee.qualname is None:
            if callee.kind == UNKNOWN and _is_backward_call(node):
                self.record_backward([a.value for a in node.args])
            return UNKNOWN_VALUE
        return self.call_qualified(callee.qualname, node, args)

    def call_qualified(self, qualname: str, node: cst.Call, args: CallArgs) -> Value:
        handler = _QUALIFIED_CALLS.get(qualname)
        if handler is not None:
            return handler(self, node, args)
        if qualname in api.LOSS_MODULES or (qualname in self.settings.extra_losses and _is_class_name(qualname)):
            return Value(LOSS_FN)
        if qualname in api.FUNCTIONAL_LOSSES or qualname in self.settings.extra_losses:
            return tensor(loss=not self.grad_disabled)
        if qualname in api.FLOAT_FACTORIES or qualname in api.INT_FACTORIES or qualname in api.LIKE_FACTORIES:
            return self.factory(qualname, args)
        if qualname in api.TYPED_TENSORS:
            return self.new_tensor(args, api.TYPED_TENSORS[qualname])
        if qualname in api.MATRIX_PRODUCTS:
            operands = [args.get(i) or UNKNOWN_VALUE for i in api.MATRIX_PRODUCTS[qualname]]
            return tensor(dtype=_common_dtype(*operands), loss=self.any_loss(args))
        if qualname in api.TRANSPOSING_FUNCTIONS and args.positional:
            rest = CallArgs(args.positional[1:], args.keywords, args.starred)
            return self.transposed(args.positional[0], qualname.rsplit(".", 1)[1] + "()", rest.ints())
        if qualname.startswith("torch.autograd.") and qualname.rsplit(".", 1)[1] in ("backward", "grad"):
            self.record_backward([a.value for a in node.args[:1]])
            return UNKNOWN_VALUE
        if qualname.startswith(("torch.nn.", "torch.optim.", "torch.utils.data.", "torchvision.datasets.")):
            return self.construct(qualname)
        if qualname.startswith("local:"):
            return Value(MODULE if qualname[6:] in self.module_classes else OBJECT)
        if qualname in _CONTAINERS:
            return self.container(_CONTAINERS[qualname], args)
        if qualname in _NUMBER_BUILTINS:
            return Value(NUMBER, dtype="int" if qualname in ("builtins.len", "builtins.int") else None)
        if qualname.startswith("numpy."):
            return self.numpy_call(qualname, args)
        if qualname.startswith("torch.") and qualname.endswith("_") and args.positional:
            return args.positional[0]  # torch.relu_(x) and friends update and return x
        if qualname.startswith("torch.") and qualname.rsplit(".", 1)[1] in api.INDEX_OPS:
            return tensor(dtype="int64")
        if qualname.startswith("torch.") and any(v.kind == TENSOR for v in args.positional):
            return tensor(loss=self.any_loss(args))
        return UNKNOWN_VALUE

    def any_loss(self, args: CallArgs) -> bool:
        values = [*args.positional, *args.keywords.values()]
        carried = any(v.loss or (v.elem is not None and v.elem.loss) for v in values)
        return carried and not self.grad_disabled

    def construct(self, qualname: str) -> Value:
        last = qualname.rsplit(".", 1)[1]
        if qualname.startswith("torch.nn.") and last[:1].isupper() and qualname not in api.NN_NON_MODULES \
                and not qualname.startswith("torch.nn.utils."):
            return Value(MODULE)
        if qualname.startswith(("torchvision.datasets.", "torch.optim.", "torch.utils.data.")) and last[:1].isupper():
            return Value(OBJECT)
        return UNKNOWN_VALUE

    def dtype_of(self, value: Value | None) -> str | None:
        if value is None:
            return None
        if value.kind == DTYPE:
            return value.dtype
        if value.kind == REF and value.qualname in api.TYPED_TENSORS:
            return api.TYPED_TENSORS[value.qualname]
        if value.kind == STR and value.qualname in api.DTYPE_STRINGS:
            return api.DTYPE_STRINGS[value.qualname]
        return None

    def shape_dims(self, args: CallArgs) -> tuple[Size | None, ...] | None:
        values = args.positional
        if len(values) == 1 and values[0].items is not None:
            values = list(values[0].items)
        if args.starred or not values or any(v.kind != NUMBER for v in values):
            return None
        return tuple(v.size for v in values)

    def factory(self, qualname: str, args: CallArgs) -> Value:
        explicit = args.keywords.get("dtype")
        like = args.positional[0] if qualname in api.LIKE_FACTORIES and args.positional else None
        if explicit is not None:
            dtype = self.dtype_of(explicit)
        elif like is not None:
            dtype = like.dtype if like.kind == TENSOR else None
        elif qualname in api.INT_FACTORIES:
            dtype = "int64"
        else:
            dtype = self.float_default
        requires_grad = args.keywords.get("requires_grad")
        dims = None if like is not None or qualname in api.INT_FACTORIES else self.shape_dims(args)
        if like is not None and like.kind == TENSOR:
            dims = like.dims
        return tensor(dtype=dtype, dims=dims, grad_leaf=_is_true(requires_grad))

    def new_tensor(self, args: CallArgs, dtype: str | None) -> Value:
        return tensor(dtype=dtype, dims=self.shape_dims(args))

    def literal_tensor(self, node: cst.Call, args: CallArgs) -> Value:
        """torch.tensor / torch.as_tensor: dtype from `dtype=` or from the data."""
        data = args.get(0, "data")
        dtype = self.dtype_of(args.keywords.get("dtype"))
        if dtype is None and data is not None:
            if data.kind in (TENSOR, NDARRAY):
                dtype = data.dtype
            else:
                dtype = {"float": self.float_default, "int": "int64", "bool": "bool"}.get(
                    _literal_dtype(data) or "")
        return tensor(dtype=dtype, grad_leaf=_is_true(args.keywords.get("requires_grad")))

    def arange(self, _node: cst.Call, args: CallArgs) -> Value:
        dtype = self.dtype_of(args.keywords.get("dtype"))
        bounds = [v for v in args.positional if v.kind == NUMBER]
        if dtype is None and bounds and len(bounds) == len(args.positional):
            if all(v.dtype == "int" for v in bounds):
                dtype = "int64"
            elif any(v.dtype == "float" for v in bounds):
                dtype = self.float_default
        return tensor(dtype=dtype, grad_leaf=_is_true(args.keywords.get("requires_grad")))

    def full(self, _node: cst.Call, args: CallArgs) -> Value:
        dtype = self.dtype_of(args.keywords.get("dtype"))
        fill = args.get(1, "fill_value")
        if dtype is None and fill is not None and fill.kind == NUMBER:
            dtype = {"float": self.float_default, "int": "int64", "bool": "bool"}.get(fill.dtype or "")
        size = args.positional[0] if args.positional else None
        dims = None
        if size is not None and size.items is not None and all(i.kind == NUMBER for i in size.items):
            dims = tuple(i.size for i in size.items)
        return tensor(dtype=dtype, dims=dims, grad_leaf=_is_true(args.keywords.get("requires_grad")))

    def from_numpy(self, _node: cst.Call, args: CallArgs) -> Value:
        source = args.get(0)
        return tensor(dtype=source.dtype if source is not None and source.kind == NDARRAY else None)

    def parameter(self, _node: cst.Call, args: CallArgs) -> Value:
        data = args.get(0, "data")
        requires_grad = args.get(1, "requires_grad")
        enabled = requires_grad is None or _is_true(requires_grad)
        base = data if data is not None and data.kind == TENSOR else tensor()
        return tensor(dtype=base.dtype, dims=base.dims, shape_id=base.shape_id, grad_leaf=enabled, param=True)

    def joined_tensors(self, _node: cst.Call, args: CallArgs) -> Value:
        sequence = args.get(0, "tensors")
        element = sequence.elem if sequence is not None else None
        dtype = element.dtype if element is not None and element.kind == TENSOR else None
        loss = element is not None and element.loss and not self.grad_disabled
        return tensor(dtype=dtype, loss=loss)

    def stdlib_array(self, _node: cst.Call, _args: CallArgs) -> Value:
        return Value(STDLIB_ARRAY)

    def builtin_sum(self, _node: cst.Call, args: CallArgs) -> Value:
        sequence = args.get(0)
        element = sequence.elem if sequence is not None else None
        if element is not None and element.kind == TENSOR:
            return tensor(dtype=element.dtype, loss=element.loss and not self.grad_disabled)
        return UNKNOWN_VALUE

    def builtin_enumerate(self, _node: cst.Call, args: CallArgs) -> Value:
        sequence = args.get(0)
        element = sequence.elem if sequence is not None and sequence.elem is not None else UNKNOWN_VALUE
        return Value(OBJECT, elem=Value(TUPLE, items=(Value(NUMBER, dtype="int"), element)))

    def container(self, kind: str, args: CallArgs) -> Value:
        source = args.get(0)
        element = source.elem if source is not None else None
        return Value(kind, elem=element)

    def numpy_call(self, qualname: str, args: CallArgs) -> Value:
        explicit = self.dtype_of(args.keywords.get("dtype"))
        if qualname in api.NUMPY_FLOAT64_MAKERS:
            return Value(NDARRAY, dtype=explicit or "float64")
        if qualname in api.NUMPY_ARRAY_MAKERS:
            dtype = explicit
            data = args.get(0)
            if dtype is None and qualname in ("numpy.array", "numpy.asarray") and data is not None:
                if data.kind == NDARRAY:
                    dtype = data.dtype
                else:
                    dtype = {"float": "float64", "int": "int64"}.get(_literal_dtype(data) or "")
            return Value(NDARRAY, dtype=dtype)
        if qualname in api.DTYPES:
            return UNKNOWN_VALUE  # np.float32(x): a numpy scalar
        if args.positional and not args.starred and not any(v.maybe_tensor for v in args.positional):
            return Value(NDARRAY)  # `np.mean([...])`: numpy over Python or numpy data gives numpy back
        return UNKNOWN_VALUE

    # ---- methods ------------------------------------------------------------------------------

    def call_method(self, receiver: Value, receiver_node: cst.BaseExpression, name: str, node: cst.Call,
                    args: CallArgs) -> Value:
        if name in ("backward", "manual_backward"):
            # `loss.backward()`, `t.backward(w * d.grad)` (a gradient: the receiver is backpropagated)
            # vs `accelerator.backward(loss)`, `self.manual_backward(loss)` (the argument is).
            first = next((a.value for a in node.args if a.keyword is None and not a.star), None)
            if name == "backward" and (first is None or _reads_grad(first)):
                self.record_backward([receiver_node])
            elif first is not None:
                self.record_backward([first])
            return Value(NONE)
        if receiver.kind == TENSOR:
            return self.tensor_method(receiver, receiver_node, name, args)
        if receiver.kind == NDARRAY:
            if name == "astype":
                return Value(NDARRAY, dtype=self.dtype_of(args.get(0, "dtype")))
            if name in ("reshape", "copy", "transpose", "squeeze", "flatten", "ravel"):
                return Value(NDARRAY, dtype=receiver.dtype)
            return Value(LIST) if name == "tolist" else UNKNOWN_VALUE
        if receiver.kind == UNKNOWN and (name in api.TRANSPOSING_METHODS or name == "size"):
            return self.tensor_method(self.shaped(receiver_node, receiver), receiver_node, name, args)
        if receiver.kind in (MODULE, UNKNOWN, LOSS_FN):
            return self.object_method(receiver, name, node, args)
        if receiver.kind in (LIST, SET, DICT) and name in ("append", "add", "extend", "insert"):
            target = dotted_name(receiver_node)
            if target is not None:
                for arg in node.args:
                    self.record_flow(arg.value, target)
            return Value(NONE)
        if receiver.kind == DICT and name in ("items", "values", "keys"):
            return Value(OBJECT)
        if receiver.kind == STR:
            return Value(STR) if name in ("format", "join", "strip", "lower", "upper", "replace") else UNKNOWN_VALUE
        return UNKNOWN_VALUE

    def object_method(self, receiver: Value, name: str, node: cst.Call, args: CallArgs) -> Value:
        if name == "parameters":
            return Value(OBJECT, elem=tensor(param=True))
        if name == "named_parameters":
            return Value(OBJECT, elem=Value(TUPLE, items=(Value(STR), tensor(param=True))))
        if name in ("modules", "children"):
            return Value(OBJECT, elem=Value(MODULE))
        if receiver.kind in (MODULE, LOSS_FN) and name in ("to", "cuda", "cpu", "train", "eval", "float",
                                                           "double", "half", "requires_grad_"):
            return receiver
        if receiver.kind == MODULE and name == "forward":
            return tensor()
        if receiver.kind == UNKNOWN and name in ("append", "add", "extend", "insert"):
            target = dotted_name(node.func.value) if isinstance(node.func, cst.Attribute) else None
            if target is not None:
                for arg in node.args:
                    self.record_flow(arg.value, target)
        if receiver.kind == UNKNOWN and name in api.INDEX_OPS:
            return Value(dtype="int64")  # a tensor's or an array's indices: never differentiable
        return UNKNOWN_VALUE

    def tensor_method(self, receiver: Value, receiver_node: cst.BaseExpression, name: str,
                      args: CallArgs) -> Value:
        if name in api.TRANSPOSING_METHODS:
            return self.transposed(receiver, name + "()", args.ints())
        if name == "contiguous":
            return with_facts(receiver, noncontig=None, perm=None, grad_leaf=False)
        if name in ("view", "reshape"):
            dtype = self.dtype_of(args.get(0)) if name == "view" else None
            if dtype is not None:
                return derived(receiver, dtype=dtype)
            sizes = args.sizes()
            dims = tuple(None if s == UNREAD else s for s in sizes) if sizes is not None and None not in sizes else None
            return derived(receiver, dims=dims, grad_leaf=receiver.grad_leaf and name == "view")
        if name in api.DTYPE_METHODS and not args.positional:
            return self.layout_kept(receiver, dtype=api.DTYPE_METHODS[name])
        if name in ("to", "type"):
            target = args.get(0, "dtype")
            dtype = self.dtype_of(target)
            if dtype is None and target is not None and target.kind == TENSOR:
                dtype = target.dtype
            keep = dtype is None and (target is None or target.kind not in (REF, DTYPE, STR) or name == "to")
            return self.layout_kept(receiver, dtype=dtype if dtype is not None else (receiver.dtype if keep else None))
        if name == "type_as":
            other = args.get(0)
            return self.layout_kept(receiver, dtype=other.dtype if other is not None else None)
        if name in ("detach", "detach_"):
            result = with_facts(receiver, loss=False, grad_leaf=False, detached=True)
            if name == "detach_":
                self.rebind_receiver(receiver_node, result)
            return result
        if name in ("cpu", "cuda"):
            return with_facts(receiver, grad_leaf=False)
        if name == "clone":
            memory_format = args.keywords.get("memory_format")
            if memory_format is not None and memory_format.qualname != "torch.preserve_format":
                return with_facts(receiver, noncontig=None, perm=None, grad_leaf=False)
            return with_facts(receiver, grad_leaf=False)
        if name == "requires_grad_":
            flag = args.get(0, "requires_grad")
            result = with_facts(receiver, grad_leaf=flag is None or _is_true(flag))
            self.rebind_receiver(receiver_node, result)
            return result
        if name == "item":
            return Value(NUMBER)
        if name == "tolist":
            return Value(LIST)
        if name == "numpy":
            return Value(NDARRAY, dtype=receiver.dtype)
        if name == "size":
            index = args.get(0, "dim")
            if index is None:
                return Value(SHAPE, elem=receiver, qualname=dotted_name(receiver_node))
            if index.int_value is not None:
                return Value(NUMBER, dtype="int", size=receiver.dim_size(index.int_value))
            return Value(NUMBER, dtype="int")
        if name in ("dim", "numel", "ndimension", "nelement", "element_size"):
            return Value(NUMBER, dtype="int")
        if name in api.INDEX_OPS:
            return tensor(dtype="int64")
        if name in api.MATRIX_METHODS:
            return tensor(dtype=_common_dtype(receiver, args.get(0) or UNKNOWN_VALUE),
                          loss=(receiver.loss or self.any_loss(args)) and not self.grad_disabled)
        if name.endswith("_") and not name.startswith("_"):
            return receiver
        if name in api.DTYPE_KEEPING_METHODS:
            return derived(receiver, loss=receiver.loss and not self.grad_disabled)
        return derived(receiver, dtype=None, loss=receiver.loss and not self.grad_disabled)

    def layout_kept(self, receiver: Value, dtype: str | None) -> Value:
        """A same-shape copy (dtype or device change): keeps sizes, layout and the loss graph."""
        return with_facts(receiver, dtype=dtype, grad_leaf=False)

    def transposed(self, receiver: Value, op: str, ints: list[int] | None) -> Value:
        """The result of a dimension-reordering op: not contiguous, with its permutation when known."""
        if receiver.kind not in (TENSOR, UNKNOWN):
            return UNKNOWN_VALUE
        name = op.strip(".()")
        facts = dict(dtype=receiver.dtype, loss=receiver.loss, grad_leaf=receiver.grad_leaf)
        rank = len(receiver.dims) if receiver.dims is not None else None
        open_rank = receiver.open_rank or rank is None
        if rank is None or receiver.open_rank:
            if name not in _SWAPS or ints is None or len(ints) != 2 or min(ints) < 0:
                if name == "permute" and ints is not None and rank is None:
                    rank, open_rank = len(ints), False  # permute names every dimension
                elif name == "t" and rank is None:
                    rank, open_rank = 2, False  # t() only takes tensors of up to 2 dimensions
                else:
                    return tensor(noncontig=op, **facts)
            else:
                # Unknown rank: dimensions past the ones touched stay in place, so a prefix suffices.
                rank = max(rank or 0, max(ints) + 1)
        if receiver.noncontig is not None and receiver.perm is None:
            return tensor(noncontig=op, **facts)
        base = tuple(receiver.perm or ()) if receiver.noncontig is not None else ()
        base = base + tuple(range(len(base), rank))
        dims = tuple(receiver.dims or ()) + receiver.rank_dims(rank)[len(receiver.dims or ()):] \
            if receiver.shape_id or receiver.dims is not None else (None,) * rank
        if len(base) != rank or len(dims) != rank:
            return tensor(noncontig=op, **facts)
        order: tuple[int, ...] | None = None
        if name == "permute" and ints is not None:
            order = permute_order(rank, ints)
        elif name in ("t", "T", "H"):
            order = tuple(reversed(range(rank))) if not open_rank else None
        elif name in ("mT", "mH"):
            order = swap_order(rank, -2, -1) if rank >= 2 and not open_rank else None
        elif name in _SWAPS and ints is not None and len(ints) == 2:
            order = (swap_order if name in ("transpose", "swapaxes", "swapdims") else move_order)(rank, *ints)
        if order is None:
            return tensor(noncontig=op, **facts)
        perm = tuple(base[i] for i in order)
        new_dims = tuple(dims[i] for i in order)
        if perm == tuple(range(rank)):
            return tensor(dims=new_dims, open_rank=open_rank, **facts)
        return tensor(noncontig=op, perm=perm, dims=new_dims, open_rank=open_rank, **facts)

    def annotated_tensor(self) -> Value:
        return tensor()


_SWAPS = frozenset({"transpose", "swapaxes", "swapdims", "movedim", "moveaxis"})


def qualified(qualname: str) -> Value:
    """The value an imported qualified name denotes (dtypes are values, the rest references)."""
    if qualname in api.DTYPES:
        return Value(DTYPE, dtype=api.DTYPES[qualname])
    if api.OTHER_TORCH_DTYPE.fullmatch(qualname):
        return Value(DTYPE, dtype=qualname.rsplit(".", 1)[1])  # float8_e4m3fn, float4_e2m1fn_x2, qint8, ...
    return ref(qualname)


def _is_class_name(qualname: str) -> bool:
    return qualname.rsplit(".", 1)[-1][:1].isupper()


def _reads_grad(node: cst.BaseExpression) -> bool:
    """Whether an expression reads some tensor's `.grad` (it is a gradient, not a loss)."""
    return any(name == "grad" or name.endswith(".grad") for name in names_in(node))


def _is_backward_call(node: cst.Call) -> bool:
    return isinstance(node.func, cst.Attribute) and node.func.attr.value in ("backward", "manual_backward")


def _is_true(value: Value | None) -> bool:
    return value is not None and value.dtype == "bool" and value.int_value == 1


def _join_all(values: list[Value]) -> Value | None:
    if not values:
        return None
    result = values[0]
    for value in values[1:]:
        result = join(result, value)
    return result


def _literal_dtype(data: Value) -> str | None:
    """'float', 'int' or 'bool' for a (nested) literal of Python numbers."""
    if data.kind == NUMBER:
        return data.dtype
    if data.kind in (LIST, TUPLE) and data.items is not None:
        kinds = {_literal_dtype(item) for item in data.items}
        if None in kinds or not kinds:
            return None
        if "float" in kinds:
            return "float"
        return "int" if kinds <= {"int", "bool"} and "int" in kinds else kinds.pop()
    return None


def _common_dtype(*operands: Value) -> str | None:
    dtypes = {o.dtype for o in operands}
    return dtypes.pop() if len(dtypes) == 1 else None


def _promoted_dtype(left: Value, right: Value) -> str | None:
    if left.kind == TENSOR and right.kind == TENSOR:
        return left.dtype if left.dtype == right.dtype else None
    tensor_side, other = (left, right) if left.kind == TENSOR else (right, left)
    if other.kind == NUMBER and tensor_side.dtype is not None and tensor_side.dtype.startswith(("float", "bfloat")):
        return tensor_side.dtype
    if other.kind == NUMBER and other.dtype == "int":
        return tensor_side.dtype
    return None


_CONSTANTS = {
    "True": Value(NUMBER, dtype="bool", int_value=1),
    "False": Value(NUMBER, dtype="bool", int_value=0),
    "None": Value(NONE),
}

_QUALIFIED_CALLS: dict[str, Callable[[Evaluator, cst.Call, CallArgs], Value]] = {
    "torch.tensor": Evaluator.literal_tensor,
    "torch.as_tensor": Evaluator.literal_tensor,
    "torch.arange": Evaluator.arange,
    "torch.full": Evaluator.full,
    "torch.from_numpy": Evaluator.from_numpy,
    "torch.nn.Parameter": Evaluator.parameter,
    "torch.nn.parameter.Parameter": Evaluator.parameter,
    "torch.stack": Evaluator.joined_tensors,
    "torch.cat": Evaluator.joined_tensors,
    "torch.concat": Evaluator.joined_tensors,
    "array.array": Evaluator.stdlib_array,
    "builtins.sum": Evaluator.builtin_sum,
    "builtins.enumerate": Evaluator.builtin_enumerate,
}

_EVALUATORS: dict[type, Callable[[Evaluator, cst.CSTNode], Value]] = {
    cst.Name: Evaluator.eval_name,  # type: ignore[dict-item]
    cst.Integer: Evaluator.eval_integer,  # type: ignore[dict-item]
    cst.Float: Evaluator.eval_float,
    cst.Imaginary: Evaluator.eval_float,
    cst.SimpleString: Evaluator.eval_string,
    cst.ConcatenatedString: Evaluator.eval_string,
    cst.FormattedString: Evaluator.eval_string,
    cst.List: Evaluator.eval_sequence,  # type: ignore[dict-item]
    cst.Tuple: Evaluator.eval_sequence,  # type: ignore[dict-item]
    cst.Set: Evaluator.eval_sequence,  # type: ignore[dict-item]
    cst.Dict: Evaluator.eval_dict,  # type: ignore[dict-item]
    cst.ListComp: Evaluator.eval_comprehension,  # type: ignore[dict-item]
    cst.SetComp: Evaluator.eval_comprehension,  # type: ignore[dict-item]
    cst.DictComp: Evaluator.eval_comprehension,  # type: ignore[dict-item]
    cst.GeneratorExp: Evaluator.eval_comprehension,  # type: ignore[dict-item]
    cst.Lambda: Evaluator.eval_lambda,  # type: ignore[dict-item]
    cst.NamedExpr: Evaluator.eval_named_expr,  # type: ignore[dict-item]
    cst.IfExp: Evaluator.eval_if_exp,  # type: ignore[dict-item]
    cst.BooleanOperation: Evaluator.eval_boolean,  # type: ignore[dict-item]
    cst.Comparison: Evaluator.eval_comparison,  # type: ignore[dict-item]
    cst.UnaryOperation: Evaluator.eval_unary,  # type: ignore[dict-item]
    cst.BinaryOperation: Evaluator.eval_binary,  # type: ignore[dict-item]
    cst.Subscript: Evaluator.eval_subscript,  # type: ignore[dict-item]
    cst.Attribute: Evaluator.eval_attribute,  # type: ignore[dict-item]
    cst.Call: Evaluator.eval_call,  # type: ignore[dict-item]
}

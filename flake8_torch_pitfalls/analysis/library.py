"""The library model: what torch, numpy and the stdlib `array` module return, as abstract values.

Python's own semantics (names, literals, containers, operators on numbers) are in expressions.py; this
module answers for tensors, ndarrays, modules and the library calls that make them, reading the tables
of torch_api.py. It knows nothing about rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Protocol

import libcst as cst

from ..settings import Settings
from . import other_libraries as libs
from . import torch_api as api
from .arguments import CallArgs
from .layout import UNREAD, move_order, permute_order, swap_order
from .syntax import dotted_name, names_in
from .values import (
    NONE_VALUE, UNKNOWN_VALUE, WHOLE_SLICE, Autograd, Kind, Layout, Size, Value, fresh_id, fresh_layout, number,
    ref, tensor,
)


class Host(Protocol):
    """What the model needs from the interpreter that runs it."""

    settings: Settings
    float_default: str | None

    @property
    def grad_disabled(self) -> bool: ...

    def record_backward(self, expressions: list[cst.CSTNode]) -> None: ...

    def record_flow(self, source: cst.CSTNode, sink: str) -> None: ...

    def rebind_receiver(self, receiver: cst.BaseExpression, value: Value) -> None: ...


def qualified(qualname: str) -> Value:
    """The value an imported qualified name denotes (dtypes are values, the rest references)."""
    if qualname in api.DTYPES:
        return Value(Kind.DTYPE, dtype=api.DTYPES[qualname])
    if api.OTHER_TORCH_DTYPE.fullmatch(qualname):
        return Value(Kind.DTYPE, dtype=qualname.rsplit(".", 1)[1])  # float8_e4m3fn, float4_e2m1fn_x2, qint8, ...
    return ref(qualname)


def dtype_of(value: Value | None) -> str | None:
    """The dtype a `dtype=` argument names: a dtype object, a typed-tensor class, or a numpy dtype string."""
    if value is None:
        return None
    if value.kind is Kind.DTYPE:
        return value.dtype
    if value.kind is Kind.REF and value.qualname in api.TYPED_TENSORS:
        return api.TYPED_TENSORS[value.qualname]
    if value.kind is Kind.STR and value.qualname in api.DTYPE_STRINGS:
        return api.DTYPE_STRINGS[value.qualname]
    return None


def is_true(value: Value | None) -> bool:
    return value is not None and value.dtype == "bool" and value.int_value == 1


def literal_dtype(data: Value) -> str | None:
    """'float', 'int' or 'bool' for a (nested) literal of Python numbers."""
    if data.kind is Kind.NUMBER:
        return data.dtype
    if data.kind in (Kind.LIST, Kind.TUPLE) and data.items is not None:
        kinds = {literal_dtype(item) for item in data.items}
        if None in kinds or not kinds:
            return None
        if "float" in kinds:
            return "float"
        return "int" if kinds <= {"int", "bool"} and "int" in kinds else kinds.pop()
    return None


def common_dtype(*operands: Value) -> str | None:
    dtypes = {o.dtype for o in operands}
    return dtypes.pop() if len(dtypes) == 1 else None


def _promoted_dtype(left: Value, right: Value) -> str | None:
    if left.kind is Kind.TENSOR and right.kind is Kind.TENSOR:
        return left.dtype if left.dtype == right.dtype else None
    tensor_side, other = (left, right) if left.kind is Kind.TENSOR else (right, left)
    floating = tensor_side.dtype is not None and tensor_side.dtype.startswith(("float", "bfloat"))
    if other.kind is Kind.NUMBER and floating:
        return tensor_side.dtype
    if other.kind is Kind.NUMBER and other.dtype == "int":
        return tensor_side.dtype
    return None


def _is_class_name(qualname: str) -> bool:
    return qualname.rsplit(".", 1)[-1][:1].isupper()


def _reads_grad(node: cst.BaseExpression) -> bool:
    """Whether an expression reads some tensor's `.grad` (it is a gradient, not a loss)."""
    return any(name == "grad" or name.endswith(".grad") for name in names_in(node))


def _kept(receiver: Value, dtype: str | None) -> Value:
    """A same-shape copy (dtype or device change): keeps sizes, layout and the loss graph; not a leaf."""
    return _not_leaf(receiver).with_dtype(dtype)


def _not_leaf(receiver: Value) -> Value:
    return receiver.with_autograd(replace(receiver.autograd, leaf=False))


def _copied(receiver: Value) -> Value:
    """A copy keeps the graph, but is a new tensor: never a leaf, never an nn.Parameter."""
    return receiver.with_autograd(replace(receiver.autograd, leaf=False, plain=True))


def _result_layout(functional: bool, name: str, layout: Layout) -> Layout | None:
    """The layout of an op's result on a non-contiguous input: elementwise ops keep it (TensorIterator keeps
    the input's strides), resampling, conv and pooling keep channels_last (so permuting back gives a
    contiguous tensor; checked on CPU with torch 2.13); every other result is new and contiguous (None)."""
    if layout.noncontig is None:
        return None
    if name in (api.LAYOUT_KEEPING_FUNCTIONALS if functional else api.ELEMENTWISE):
        return fresh_layout(layout.noncontig, layout.perm, layout.dims, layout.open_rank)
    if functional and name in api.CHANNELS_LAST_KEEPING_FUNCTIONALS and layout.perm in api.CHANNELS_LAST_PERMS \
            and not layout.open_rank:
        dims = layout.rank_dims(len(layout.perm))
        kept = dims[:2] if name in api.CHANNEL_KEEPING else dims[:1]  # batch (and channels); spatial sizes change
        return fresh_layout(layout.noncontig, layout.perm, kept + (None,) * (len(layout.perm) - len(kept)))
    return None


_SLICE_PARTS = frozenset({"slice", WHOLE_SLICE, "Ellipsis"})


def _sliced_layout(layout: Layout, parts: list[str]) -> Layout:
    """A slice keeps the layout, and the size of every dimension it takes whole (`x[:, :k]` keeps
    dimension 0's; `...` stands for as many `:` as the rank leaves)."""
    dims = layout.dims
    if dims is not None and "Ellipsis" in parts:
        fill = len(dims) - len(parts) + 1
        at = parts.index("Ellipsis")
        parts = parts[:at] + [WHOLE_SLICE] * fill + parts[at + 1:] \
            if parts.count("Ellipsis") == 1 and fill >= 0 and not layout.open_rank else []
        dims = dims if parts else None
    if dims is None or len(parts) > len(dims):
        return fresh_layout(layout.noncontig, layout.perm)
    kept = tuple(size if part == WHOLE_SLICE else None for size, part in zip(dims, parts)) + dims[len(parts):]
    return fresh_layout(layout.noncontig, layout.perm, kept, layout.open_rank)


def _contiguous_layout(layout: Layout) -> Layout:
    return replace(layout, noncontig=None, perm=None)


_SWAPS = frozenset({"transpose", "swapaxes", "swapdims", "movedim", "moveaxis"})

QualifiedCall = Callable[["TorchModel", cst.Call, CallArgs], Value]
TensorMethod = Callable[["TorchModel", Value, cst.BaseExpression, str, CallArgs], Value]


class TorchModel:
    """Abstract values of torch / numpy expressions, given the values of their parts."""

    def __init__(self, host: Host) -> None:
        self.host = host

    @property
    def _grad_on(self) -> bool:
        return not self.host.grad_disabled

    # ---- operators ----------------------------------------------------------------------------

    def binary(self, left: Value, operator: cst.BaseBinaryOp, right: Value, in_place: bool) -> Value:
        """`left <op> right` (or `left <op>= right`) where one side is a tensor."""
        loss = (left.autograd.loss or right.autograd.loss) and self._grad_on
        if in_place and left.kind is Kind.TENSOR:
            return left.with_autograd(replace(left.autograd, loss=left.autograd.loss or loss))
        if isinstance(operator, cst.MatrixMultiply):
            return tensor(common_dtype(left, right), Autograd(loss=loss))
        layout = left.layout if left.kind is Kind.TENSOR else right.layout
        detached = all(v.autograd.detached or v.kind is Kind.NUMBER for v in (left, right))  # `0.1 * x.detach()`
        return tensor(self._arithmetic_dtype(left, operator, right), Autograd(loss=loss, detached=detached),
                      fresh_layout(layout.noncontig, layout.perm, layout.dims if layout.noncontig else None))

    def _arithmetic_dtype(self, left: Value, operator: cst.BaseBinaryOp, right: Value) -> str | None:
        """Integer tensors become the default float under true division, and with a Python float."""
        dtype = _promoted_dtype(left, right)
        tensors = [v for v in (left, right) if v.kind is Kind.TENSOR]
        integral = bool(tensors) and all(v.dtype is not None and v.dtype not in api.FLOAT_DTYPES for v in tensors)
        other = right if left.kind is Kind.TENSOR else left
        if integral and (isinstance(operator, cst.Divide) or (other.kind is Kind.NUMBER and other.dtype == "float")):
            return self.host.float_default
        return dtype

    def unary(self, operand: Value) -> Value:
        layout = operand.layout
        return tensor(operand.dtype, Autograd(loss=operand.autograd.loss),
                      fresh_layout(layout.noncontig, layout.perm, layout.dims))

    def subscript(self, base: Value, indices: list[Value]) -> Value | None:
        """`base[...]` for tensors, shapes and ndarrays; None for other kinds."""
        single = indices[0] if len(indices) == 1 else None
        if base.kind is Kind.TENSOR:
            slices_only = all(i.kind is Kind.OBJECT and i.qualname in _SLICE_PARTS for i in indices)
            layout = _sliced_layout(base.layout, [i.qualname or "" for i in indices]) if slices_only else None
            return tensor(base.dtype, Autograd(loss=base.autograd.loss, leaf=base.autograd.leaf), layout)
        if base.kind is Kind.SHAPE and base.elem is not None and single is not None and single.int_value is not None:
            return number("int", size=base.elem.layout.dim_size(single.int_value))
        if base.kind is Kind.NDARRAY:
            return Value(Kind.NDARRAY, dtype=base.dtype)
        if base.kind is Kind.STDLIB_ARRAY and single is not None and single.kind is Kind.OBJECT:
            return base  # a slice of an `array.array` is one
        if base.kind is Kind.OBJECT and base.qualname in libs.COLUMN_OF and single is not None:
            column = single.kind is Kind.STR
            return Value(Kind.OBJECT, qualname=libs.COLUMN_OF[base.qualname] if column else base.qualname)
        return None

    def shape_slice(self, shape: Value, bounds: tuple[int | None, int | None] | None) -> Value | None:
        """`x.shape[:-2]`: a tuple of those sizes, when the rank is known or the bounds count from the front."""
        owner = shape.elem
        if owner is None or bounds is None:
            return None
        layout = owner.layout
        rank = len(layout.dims) if layout.dims is not None and not layout.open_rank else None
        if rank is not None:
            picked = range(rank)[bounds[0]:bounds[1]]
        elif all(b is not None and b >= 0 for b in bounds):
            picked = range(bounds[0] or 0, bounds[1] or 0)
        else:
            return None
        return Value(Kind.TUPLE, items=tuple(number("int", size=layout.dim_size(i)) for i in picked))

    # ---- other libraries ----------------------------------------------------------------------

    def object_result(self, receiver: Value, name: str, table: Mapping[tuple[str, str], str]) -> Value | None:
        """A method's (or an attribute's) result on another library's object, from its table."""
        result = table.get((receiver.qualname or "", name))
        if result is None:
            return None
        if result == "ndarray":
            return Value(Kind.NDARRAY)
        if result.startswith("tuple:"):
            source = libs.TUPLE_SOURCES.get((receiver.qualname or "", name))
            return Value(Kind.TUPLE, qualname=source, items=(UNKNOWN_VALUE,) * int(result.split(":")[1]))
        return Value(Kind.OBJECT, qualname=result)

    # ---- attributes ---------------------------------------------------------------------------

    def attribute(self, base: Value, node: cst.Attribute, attr: str) -> Value | None:
        """`base.attr` for tensors, modules and ndarrays (and unknown objects used as one); None otherwise."""
        if base.kind is Kind.TENSOR:
            return self.tensor_attribute(base, attr, dotted_name(node.value))
        if base.kind is Kind.UNKNOWN and (attr == "shape" or attr in api.TRANSPOSING_ATTRS):
            base = self.shaped(node.value, base)
            return Value(Kind.SHAPE, elem=base, qualname=dotted_name(node.value)) if attr == "shape" else (
                self.transposed(base, "." + attr, []))
        if base.kind is Kind.MODULE and attr in ("weight", "bias"):
            return self.parameter_of(base)
        if base.kind is Kind.UNKNOWN and attr in ("weight", "bias"):
            return tensor(autograd=Autograd(param=True, plain=False))
        if base.kind is Kind.NDARRAY:
            return Value(Kind.NDARRAY, dtype=base.dtype) if attr == "T" else UNKNOWN_VALUE
        if base.kind is Kind.OBJECT:
            return self.object_result(base, attr, libs.ATTRIBUTES)
        return None

    def shaped(self, owner: cst.BaseExpression, value: Value) -> Value:
        """Give a value of unknown kind whose sizes are read a stable shape identity."""
        if value.layout.shape_id:
            return value
        value = value.with_layout(replace(value.layout, shape_id=fresh_id()))
        self.host.rebind_receiver(owner, value)
        return value

    def tensor_attribute(self, base: Value, attr: str, owner: str | None = None) -> Value:
        if attr in api.TRANSPOSING_ATTRS:
            return self.transposed(base, "." + attr, [])
        layout = base.layout
        if attr == "data":
            return tensor(base.dtype, layout=Layout(layout.noncontig, layout.perm, layout.dims, False, layout.shape_id))
        if attr == "grad":
            return tensor(base.dtype, layout=Layout(dims=layout.dims, shape_id=layout.shape_id))
        if attr == "shape":
            return Value(Kind.SHAPE, elem=base, qualname=owner)
        if attr == "dtype":
            return Value(Kind.DTYPE, dtype=base.dtype)
        if attr in ("real", "imag"):
            return tensor(base.dtype, Autograd(loss=base.autograd.loss))
        if attr in ("ndim",):
            return number("int")
        return UNKNOWN_VALUE

    # ---- calls of values ----------------------------------------------------------------------

    def call_object(self, callee: Value) -> Value | None:
        """Calling a module or a loss module instance (a `torch.nn` layer's output has its weights' dtype)."""
        if callee.kind is Kind.LOSS_FN:
            return tensor(autograd=Autograd(loss=self._grad_on))
        if callee.kind is Kind.MODULE:
            return tensor(callee.dtype if (callee.qualname or "").startswith("torch.nn.") else None)
        return None

    def parameter_of(self, module: Value) -> Value:
        """A parameter of a module built in the file: a leaf that requires grad (unless the module was
        frozen with `requires_grad_(False)`), in the module's dtype."""
        return tensor(module.dtype, Autograd(param=True, leaf=module.autograd.param, plain=False))

    def module_value(self, qualname: str, dtype: str | None) -> Value:
        """A module instance: its class, its parameters' dtype, parameters that require grad."""
        return Value(Kind.MODULE, qualname=qualname, dtype=dtype, autograd=Autograd(param=True))

    def call(self, qualname: str, node: cst.Call, args: CallArgs) -> Value | None:
        """A call of a library function or class by qualified name; None when the model does not know it."""
        handler = _QUALIFIED_CALLS.get(qualname)
        if handler is not None:
            return handler(self, node, args)
        made = libs.MAKERS.get(qualname)  # another library's object (`gym.make`, `pd.read_csv`)
        if made is not None:
            return Value(Kind.OBJECT, qualname=made)
        if qualname.startswith(libs.WRAPPER_PREFIXES) and args.positional:
            return args.positional[0]
        extra_losses = self.host.settings.extra_losses
        if qualname in api.LOSS_MODULES or (qualname in extra_losses and _is_class_name(qualname)):
            return Value(Kind.LOSS_FN)
        if qualname in api.FUNCTIONAL_LOSSES or qualname in extra_losses:
            inputs = [v for v in (*args.positional, *args.keywords.values()) if v.maybe_tensor]
            detached = bool(inputs) and all(v.kind is Kind.TENSOR and v.autograd.detached for v in inputs) \
                and not args.starred
            return tensor(autograd=Autograd(loss=self._grad_on and not detached))  # detached inputs: no graph
        if qualname in api.FLOAT_FACTORIES or qualname in api.INT_FACTORIES or qualname in api.LIKE_FACTORIES:
            return self.factory(qualname, args)
        if qualname in api.TYPED_TENSORS:
            return tensor(api.TYPED_TENSORS[qualname], layout=fresh_layout(dims=self.shape_dims(args)))
        if qualname in api.MATRIX_PRODUCTS:
            operands = [args.get(i) or UNKNOWN_VALUE for i in api.MATRIX_PRODUCTS[qualname]]
            return tensor(common_dtype(*operands), Autograd(loss=self.any_loss(args)))
        if qualname in api.TRANSPOSING_FUNCTIONS and args.positional:
            rest = CallArgs(args.positional[1:], args.keywords, args.starred)
            return self.transposed(args.positional[0], qualname.rsplit(".", 1)[1] + "()", rest.ints())
        if qualname.startswith("torch.autograd.") and qualname.rsplit(".", 1)[1] in ("backward", "grad"):
            self.host.record_backward([a.value for a in node.args[:1]])
            return UNKNOWN_VALUE
        if qualname in api.PACKED_SEQUENCE_MAKERS:
            return Value(Kind.OBJECT)
        kept = self.dtype_kept(qualname, args)
        if kept is not None:
            return kept
        if qualname.startswith(("torch.nn.", "torch.optim.", "torch.utils.data.", "torchvision.datasets.")):
            return self.construct(qualname, args)
        if qualname.startswith("numpy."):
            return self.numpy_call(qualname, args)
        if qualname.startswith("torch.") and qualname.endswith("_") and args.positional:
            return args.positional[0]  # torch.relu_(x) and friends update and return x
        if qualname.startswith("torch.") and qualname.rsplit(".", 1)[1] in api.INDEX_OPS:
            return tensor("int64")
        if qualname.startswith("torch.") and any(v.kind is Kind.TENSOR for v in args.positional):
            return tensor(autograd=Autograd(loss=self.any_loss(args)))
        return None

    def dtype_kept(self, qualname: str, args: CallArgs) -> Value | None:
        """`torch.tanh(x)`, `F.relu(x)`, `torch.index_select(x, ...)`: a tensor of its first argument's dtype."""
        module, _, name = qualname.rpartition(".")
        if module not in ("torch", "torch.nn.functional") or not args.positional or "dtype" in args.keywords:
            return None
        first = args.positional[0]
        functional = module == "torch.nn.functional" and (
            name in api.DTYPE_KEEPING_FUNCTIONALS or name in api.CHANNELS_LAST_KEEPING_FUNCTIONALS)
        if first.kind is not Kind.TENSOR or (name not in api.DTYPE_KEEPING_METHODS and not functional):
            return None
        if functional:
            dtype = first.dtype if first.dtype in api.FLOAT_DTYPES or name in ("relu", "pad") else None
        else:
            dtype = api.kept_dtype(name, first.dtype)
        return tensor(dtype, Autograd(loss=self.any_loss(args)), _result_layout(functional, name, first.layout))

    def any_loss(self, args: CallArgs) -> bool:
        values = [*args.positional, *args.keywords.values()]
        carried = any(v.autograd.loss or (v.elem is not None and v.elem.autograd.loss) for v in values)
        return carried and self._grad_on

    def summed(self, element: Value | None) -> Value | None:
        """`sum(xs)` of tensors: a tensor that carries their graph."""
        if element is not None and element.kind is Kind.TENSOR:
            return tensor(element.dtype, Autograd(loss=element.autograd.loss and self._grad_on))
        return None

    def construct(self, qualname: str, args: CallArgs) -> Value:
        last = qualname.rsplit(".", 1)[1]
        if qualname.startswith("torch.nn.") and last[:1].isupper() and qualname not in api.NN_NON_MODULES \
                and not qualname.startswith("torch.nn.utils."):
            if last == "Sequential":  # what its input meets first is its first layer
                first = args.positional[0] if args.positional and not args.starred else None
                if first is not None and first.kind is Kind.MODULE and first.qualname is not None:
                    return self.module_value(first.qualname, first.dtype)
                return self.module_value(qualname, None)
            first = args.positional[0] if args.positional else None
            if first is not None and first.kind is Kind.MODULE:  # a wrapper (`DataParallel(model)`) is its module
                return first
            if last in ("ModuleList", "ModuleDict") and first is not None and first.elem is not None:
                return replace(self.module_value(qualname, None), elem=first.elem)  # its modules, indexed
            if qualname.startswith("torch.nn.parallel.") or last in api.MODULE_WRAPPERS:
                return self.module_value(qualname, None)  # of a module the analysis does not know
            explicit = args.keywords.get("dtype")
            return self.module_value(qualname, dtype_of(explicit) if explicit is not None else self.host.float_default)
        if qualname.startswith("torch.optim.") and not qualname.startswith("torch.optim.lr_scheduler.") \
                and last[:1].isupper():
            return Value(Kind.OBJECT, qualname="torch.optim.Optimizer")
        if qualname.startswith(("torchvision.datasets.", "torch.utils.data.")) and last[:1].isupper():
            return Value(Kind.OBJECT)
        return UNKNOWN_VALUE

    def shape_dims(self, args: CallArgs) -> tuple[Size | None, ...] | None:
        values = args.positional
        if len(values) == 1 and values[0].items is not None:
            values = list(values[0].items)
        if args.starred or not values or any(v.kind is not Kind.NUMBER for v in values):
            return None
        return tuple(v.size for v in values)

    def factory(self, qualname: str, args: CallArgs) -> Value:
        explicit = args.keywords.get("dtype")
        like = args.positional[0] if qualname in api.LIKE_FACTORIES and args.positional else None
        if explicit is not None:
            dtype = dtype_of(explicit)
        elif like is not None:
            dtype = like.dtype if like.kind is Kind.TENSOR else None
        elif qualname in api.INT_FACTORIES:
            dtype = "int64"
        else:
            dtype = self.host.float_default
        requires_grad = args.keywords.get("requires_grad")
        dims = None if like is not None or qualname in api.INT_FACTORIES else self.shape_dims(args)
        if like is not None and like.kind is Kind.TENSOR:
            dims = like.layout.dims
        return tensor(dtype, Autograd(leaf=is_true(requires_grad)), fresh_layout(dims=dims))

    def literal_tensor(self, _node: cst.Call, args: CallArgs) -> Value:
        """torch.tensor / torch.as_tensor: dtype from `dtype=` or from the data."""
        data = args.get(0, "data")
        dtype = dtype_of(args.keywords.get("dtype"))
        if dtype is None and data is not None:
            if data.kind in (Kind.TENSOR, Kind.NDARRAY):
                dtype = data.dtype
            else:
                dtype = {"float": self.host.float_default, "int": "int64", "bool": "bool"}.get(
                    literal_dtype(data) or "")
        return tensor(dtype, Autograd(leaf=is_true(args.keywords.get("requires_grad"))))

    def arange(self, _node: cst.Call, args: CallArgs) -> Value:
        dtype = dtype_of(args.keywords.get("dtype"))
        bounds = [v for v in args.positional if v.kind is Kind.NUMBER]
        if dtype is None and bounds and len(bounds) == len(args.positional):
            if all(v.dtype == "int" for v in bounds):
                dtype = "int64"
            elif any(v.dtype == "float" for v in bounds):
                dtype = self.host.float_default
        return tensor(dtype, Autograd(leaf=is_true(args.keywords.get("requires_grad"))))

    def full(self, _node: cst.Call, args: CallArgs) -> Value:
        dtype = dtype_of(args.keywords.get("dtype"))
        fill = args.get(1, "fill_value")
        if dtype is None and fill is not None and fill.kind is Kind.NUMBER:
            dtype = {"float": self.host.float_default, "int": "int64", "bool": "bool"}.get(fill.dtype or "")
        size = args.positional[0] if args.positional else None
        dims = None
        if size is not None and size.items is not None and all(i.kind is Kind.NUMBER for i in size.items):
            dims = tuple(i.size for i in size.items)
        return tensor(dtype, Autograd(leaf=is_true(args.keywords.get("requires_grad"))), fresh_layout(dims=dims))

    def from_numpy(self, _node: cst.Call, args: CallArgs) -> Value:
        source = args.get(0)
        return tensor(source.dtype if source is not None and source.kind is Kind.NDARRAY else None)

    def parameter(self, _node: cst.Call, args: CallArgs) -> Value:
        data = args.get(0, "data")
        requires_grad = args.get(1, "requires_grad")
        enabled = requires_grad is None or is_true(requires_grad)
        base = data if data is not None and data.kind is Kind.TENSOR else tensor()
        return tensor(base.dtype, Autograd(leaf=enabled, plain=False),
                      Layout(dims=base.layout.dims, shape_id=base.layout.shape_id))

    def joined_tensors(self, _node: cst.Call, args: CallArgs) -> Value:
        sequence = args.get(0, "tensors")
        element = sequence.elem if sequence is not None else None
        dtype = element.dtype if element is not None and element.kind is Kind.TENSOR else None
        loss = element is not None and element.autograd.loss and self._grad_on
        return tensor(dtype, Autograd(loss=loss))

    def stdlib_array(self, _node: cst.Call, _args: CallArgs) -> Value:
        return Value(Kind.STDLIB_ARRAY)

    def numpy_call(self, qualname: str, args: CallArgs) -> Value:
        explicit = dtype_of(args.keywords.get("dtype"))
        if qualname in api.NUMPY_FLOAT64_MAKERS:
            return Value(Kind.NDARRAY, dtype=explicit or "float64")
        if qualname in api.NUMPY_ARRAY_MAKERS:
            dtype = explicit
            data = args.get(0)
            if dtype is None and qualname in ("numpy.array", "numpy.asarray") and data is not None:
                if data.kind is Kind.NDARRAY:
                    dtype = data.dtype
                else:
                    dtype = {"float": "float64", "int": "int64"}.get(literal_dtype(data) or "")
            if dtype is None and qualname in ("numpy.stack", "numpy.concatenate") and data is not None:
                parts = data.elem  # arrays of one dtype stacked keep it
                dtype = parts.dtype if parts is not None and parts.kind is Kind.NDARRAY else None
            return Value(Kind.NDARRAY, dtype=dtype)
        if qualname in api.DTYPES:
            return UNKNOWN_VALUE  # np.float32(x): a numpy scalar
        if args.positional and not args.starred and not any(v.maybe_tensor for v in args.positional):
            return Value(Kind.NDARRAY)  # `np.mean([...])`: numpy over Python or numpy data gives numpy back
        return UNKNOWN_VALUE

    # ---- methods ------------------------------------------------------------------------------

    def backward(self, receiver_node: cst.BaseExpression, name: str, node: cst.Call) -> Value:
        """`loss.backward()`, `t.backward(w * d.grad)` (a gradient: the receiver is backpropagated) vs
        `accelerator.backward(loss)`, `self.manual_backward(loss)` (the argument is)."""
        first = next((a.value for a in node.args if a.keyword is None and not a.star), None)
        if name == "backward" and (first is None or _reads_grad(first)):
            self.host.record_backward([receiver_node])
        elif first is not None:
            self.host.record_backward([first])
        return NONE_VALUE

    def method(self, receiver: Value, receiver_node: cst.BaseExpression, name: str, node: cst.Call,
               args: CallArgs) -> Value:
        """A method call on a tensor, ndarray, module or unknown object."""
        if receiver.kind is Kind.TENSOR:
            return self.tensor_method(receiver, receiver_node, name, args)
        if receiver.kind is Kind.NDARRAY:
            if name == "astype":
                return Value(Kind.NDARRAY, dtype=dtype_of(args.get(0, "dtype")))
            if name in ("reshape", "copy", "transpose", "squeeze", "flatten", "ravel"):
                return Value(Kind.NDARRAY, dtype=receiver.dtype)
            return Value(Kind.LIST) if name == "tolist" else UNKNOWN_VALUE
        if receiver.kind is Kind.UNKNOWN and (name in api.TRANSPOSING_METHODS or name == "size"):
            return self.tensor_method(self.shaped(receiver_node, receiver), receiver_node, name, args)
        if receiver.kind is Kind.UNKNOWN and name == "detach":  # only tensors detach
            return self.tensor_method(tensor(), receiver_node, name, args)
        if receiver.kind is Kind.UNKNOWN and name == "requires_grad_":  # a module's result is the module
            flag = args.get(0, "requires_grad")
            return tensor(autograd=Autograd(leaf=True)) if flag is None or is_true(flag) else UNKNOWN_VALUE
        if receiver.kind in (Kind.MODULE, Kind.UNKNOWN, Kind.LOSS_FN):
            return self.object_method(receiver, name, node, args)
        if receiver.kind is Kind.OBJECT:
            return self.object_result(receiver, name, libs.METHODS) or UNKNOWN_VALUE
        return UNKNOWN_VALUE

    def object_method(self, receiver: Value, name: str, node: cst.Call, args: CallArgs) -> Value:
        # `model.parameters()`: of a module built here (leaves that require grad), or of any other object
        # (parameters that may have been frozen or detached where the analysis does not look).
        parameter = self.parameter_of(receiver) if receiver.kind is Kind.MODULE else tensor(
            autograd=Autograd(param=True, plain=False))
        if name == "parameters":
            return Value(Kind.OBJECT, elem=parameter)
        if name == "named_parameters":
            return Value(Kind.OBJECT, elem=Value(Kind.TUPLE, items=(Value(Kind.STR), parameter)))
        if name in ("modules", "children"):
            return Value(Kind.OBJECT, elem=Value(Kind.MODULE))
        if receiver.kind is Kind.MODULE and name in api.MODULE_DTYPE_METHODS and not args.positional:
            return replace(receiver, dtype=api.MODULE_DTYPE_METHODS[name])
        if receiver.kind is Kind.MODULE and name == "to":  # `.to(device)` keeps the dtype, `.to(dtype)` sets it
            dtype_arg = args.keywords.get("dtype") or next((v for v in args.positional if v.kind is Kind.DTYPE), None)
            return receiver if dtype_arg is None else replace(receiver, dtype=dtype_of(dtype_arg))
        if receiver.kind is Kind.MODULE and name == "requires_grad_":
            flag = args.get(0, "requires_grad")
            return replace(receiver, autograd=Autograd(param=flag is None or is_true(flag)))
        if receiver.kind in (Kind.MODULE, Kind.LOSS_FN) and name in ("to", "cuda", "cpu", "train", "eval", "float",
                                                                     "double", "half", "requires_grad_"):
            return receiver
        if receiver.kind is Kind.MODULE and name == "forward":
            return tensor()
        if receiver.kind is Kind.UNKNOWN and name in ("append", "add", "extend", "insert"):
            target = dotted_name(node.func.value) if isinstance(node.func, cst.Attribute) else None
            if target is not None:
                for arg in node.args:
                    self.host.record_flow(arg.value, target)
        if receiver.kind is Kind.UNKNOWN and name in api.INDEX_OPS:
            return Value(dtype="int64")  # a tensor's or an array's indices: never differentiable
        return UNKNOWN_VALUE

    def tensor_method(self, receiver: Value, receiver_node: cst.BaseExpression, name: str, args: CallArgs) -> Value:
        handler = _TENSOR_METHODS.get(name)
        if handler is not None:
            return handler(self, receiver, receiver_node, name, args)
        if name.endswith("_") and not name.startswith("_"):
            return receiver  # an in-place update returns its receiver
        dtype = api.kept_dtype(name, receiver.dtype) if name in api.DTYPE_KEEPING_METHODS else (
            "bool" if name in api.COMPARISONS else None)
        if "dtype" in args.keywords:  # `x.sum(dtype=torch.float64)`, `x.softmax(-1, dtype=...)`
            dtype = dtype_of(args.keywords["dtype"])
        return tensor(dtype, Autograd(loss=receiver.autograd.loss and self._grad_on),
                      _result_layout(False, name, receiver.layout))

    def _transposing(self, receiver: Value, node: cst.BaseExpression, name: str, args: CallArgs) -> Value:
        ints = args.ints()
        layout = receiver.layout
        if name == "permute" and ints is not None and layout.dims is None and layout.shape_id:
            # `permute` names every dimension: the receiver's rank is now known (`*x.shape[1:]` reads)
            receiver = receiver.with_layout(replace(layout, dims=layout.rank_dims(len(ints))))
            self.host.rebind_receiver(node, receiver)
        return self.transposed(receiver, name + "()", ints)

    def _contiguous(self, receiver: Value, _node: cst.BaseExpression, _name: str, _args: CallArgs) -> Value:
        return _not_leaf(receiver).with_layout(_contiguous_layout(receiver.layout))

    def _view_or_reshape(self, receiver: Value, _node: cst.BaseExpression, name: str, args: CallArgs) -> Value:
        dtype = dtype_of(args.get(0)) if name == "view" else None
        if dtype is not None:
            return tensor(dtype, Autograd(loss=receiver.autograd.loss))
        sizes = args.sizes() if not args.starred else None
        dims = tuple(None if s == UNREAD else s for s in sizes) if sizes is not None and None not in sizes else None
        grad = Autograd(loss=receiver.autograd.loss, leaf=receiver.autograd.leaf and name == "view")
        return tensor(receiver.dtype, grad, fresh_layout(dims=dims))

    def _dtype_method(self, receiver: Value, node: cst.BaseExpression, name: str, args: CallArgs) -> Value:
        if args.positional:  # `x.float(...)` with arguments is no dtype conversion this model knows
            return tensor(None, Autograd(loss=receiver.autograd.loss and self._grad_on))
        return _kept(receiver, api.DTYPE_METHODS[name])

    def _to(self, receiver: Value, _node: cst.BaseExpression, name: str, args: CallArgs) -> Value:
        target = args.get(0, "dtype")
        dtype = dtype_of(target)
        if dtype is None and target is not None and target.kind is Kind.TENSOR:
            dtype = target.dtype
        if dtype is None and target is not None and (
                target.kind is Kind.DTYPE or (name == "type" and target.kind in (Kind.REF, Kind.STR))):
            return _kept(receiver, None)  # a dtype, not known which (`.to(y.dtype)`, `.type("torch.X")`)
        # Otherwise an unknown argument is read as a device (`.to(device)`): the dtype is kept.
        return _kept(receiver, dtype if dtype is not None else receiver.dtype)

    def _type_as(self, receiver: Value, _node: cst.BaseExpression, _name: str, args: CallArgs) -> Value:
        other = args.get(0)
        return _kept(receiver, other.dtype if other is not None else None)

    def _detach(self, receiver: Value, node: cst.BaseExpression, name: str, _args: CallArgs) -> Value:
        result = receiver.with_autograd(replace(receiver.autograd, loss=False, leaf=False, detached=True, plain=True))
        if name == "detach_":
            self.host.rebind_receiver(node, result)
        return result

    def _device_copy(self, receiver: Value, _node: cst.BaseExpression, _name: str, _args: CallArgs) -> Value:
        return _not_leaf(receiver)

    def _clone(self, receiver: Value, _node: cst.BaseExpression, _name: str, args: CallArgs) -> Value:
        memory_format = args.keywords.get("memory_format")
        if memory_format is not None and memory_format.qualname != "torch.preserve_format":
            return _copied(receiver).with_layout(_contiguous_layout(receiver.layout))
        return _copied(receiver)

    def _requires_grad(self, receiver: Value, node: cst.BaseExpression, _name: str, args: CallArgs) -> Value:
        flag = args.get(0, "requires_grad")
        result = receiver.with_autograd(replace(receiver.autograd, leaf=flag is None or is_true(flag)))
        self.host.rebind_receiver(node, result)
        return result

    def _size(self, receiver: Value, node: cst.BaseExpression, _name: str, args: CallArgs) -> Value:
        index = args.get(0, "dim")
        if index is None:
            return Value(Kind.SHAPE, elem=receiver, qualname=dotted_name(node))
        if index.int_value is not None:
            return number("int", size=receiver.layout.dim_size(index.int_value))
        return number("int")

    def _matrix(self, receiver: Value, _node: cst.BaseExpression, _name: str, args: CallArgs) -> Value:
        loss = (receiver.autograd.loss or self.any_loss(args)) and self._grad_on
        return tensor(common_dtype(receiver, args.get(0) or UNKNOWN_VALUE), Autograd(loss=loss))

    def transposed(self, receiver: Value, op: str, ints: list[int] | None) -> Value:
        """The result of a dimension-reordering op: not contiguous, with its permutation when known."""
        if receiver.kind not in (Kind.TENSOR, Kind.UNKNOWN):
            return UNKNOWN_VALUE
        name = op.strip(".()")
        layout = receiver.layout
        dtype, grad = receiver.dtype, Autograd(loss=receiver.autograd.loss, leaf=receiver.autograd.leaf)

        def unordered() -> Value:
            return tensor(dtype, grad, fresh_layout(noncontig=op))

        rank = len(layout.dims) if layout.dims is not None else None
        open_rank = layout.open_rank or rank is None
        if rank is None or layout.open_rank:
            if name not in _SWAPS or ints is None or len(ints) != 2 or min(ints) < 0:
                if name == "permute" and ints is not None and rank is None:
                    rank, open_rank = len(ints), False  # permute names every dimension
                elif name in ("t", "T", "H") and rank is None:
                    rank, open_rank = 2, False  # t() takes up to 2 dimensions; .T of any other rank is deprecated
                else:
                    return unordered()
            else:
                # Unknown rank: dimensions past the ones touched stay in place, so a prefix suffices.
                rank = max(rank or 0, max(ints) + 1)
        if layout.noncontig is not None and layout.perm is None:
            return unordered()
        base = tuple(layout.perm or ()) if layout.noncontig is not None else ()
        base = base + tuple(range(len(base), rank))
        dims = tuple(layout.dims or ()) + layout.rank_dims(rank)[len(layout.dims or ()):] \
            if layout.shape_id or layout.dims is not None else (None,) * rank
        if len(base) != rank or len(dims) != rank:
            return unordered()
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
            return unordered()
        perm = tuple(base[i] for i in order)
        new_dims = tuple(dims[i] for i in order)
        if perm == tuple(range(rank)):
            return tensor(dtype, grad, fresh_layout(dims=new_dims, open_rank=open_rank))
        return tensor(dtype, grad, fresh_layout(op, perm, new_dims, open_rank))


def _returns(result: Value) -> TensorMethod:
    return lambda _model, _receiver, _node, _name, _args: result


def _index_result(model: TorchModel, receiver: Value, node: cst.BaseExpression, name: str, args: CallArgs) -> Value:
    return tensor("int64")


#: What a tensor method returns, by name; a method not listed returns a new tensor (dtype kept for
#: DTYPE_KEEPING_METHODS), and an in-place method (`add_`) its receiver.
_TENSOR_METHODS: dict[str, TensorMethod] = {
    **{name: TorchModel._transposing for name in api.TRANSPOSING_METHODS},
    "contiguous": TorchModel._contiguous,
    "view": TorchModel._view_or_reshape,
    "reshape": TorchModel._view_or_reshape,
    **{name: TorchModel._dtype_method for name in api.DTYPE_METHODS},
    "to": TorchModel._to,
    "type": TorchModel._to,
    "type_as": TorchModel._type_as,
    "detach": TorchModel._detach,
    "detach_": TorchModel._detach,
    "cpu": TorchModel._device_copy,
    "cuda": TorchModel._device_copy,
    "clone": TorchModel._clone,
    "requires_grad_": TorchModel._requires_grad,
    "item": _returns(Value(Kind.NUMBER)),
    "tolist": _returns(Value(Kind.LIST)),
    "numpy": lambda _model, receiver, _node, _name, _args: Value(Kind.NDARRAY, dtype=receiver.dtype),
    "size": TorchModel._size,
    **{name: _returns(number("int")) for name in ("dim", "numel", "ndimension", "nelement", "element_size")},
    **{name: _index_result for name in api.INDEX_OPS},
    **{name: TorchModel._matrix for name in api.MATRIX_METHODS},
}

_QUALIFIED_CALLS: dict[str, QualifiedCall] = {
    "torch.tensor": TorchModel.literal_tensor,
    "torch.as_tensor": TorchModel.literal_tensor,
    "torch.arange": TorchModel.arange,
    "torch.full": TorchModel.full,
    "torch.from_numpy": TorchModel.from_numpy,
    "torch.nn.Parameter": TorchModel.parameter,
    "torch.nn.parameter.Parameter": TorchModel.parameter,
    "torch.stack": TorchModel.joined_tensors,
    "torch.cat": TorchModel.joined_tensors,
    "torch.concat": TorchModel.joined_tensors,
    "array.array": TorchModel.stdlib_array,
}

"""Python's expression semantics: the abstract value of each expression, from the values of its parts.

Names, literals, containers, comprehensions, operators on numbers, subscripts of sequences, attributes of
imported modules and of `self`, and the builtins. Tensors, ndarrays and library calls are the library
model's (library.py); statements are the interpreter's (statements.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import libcst as cst

from ..settings import Settings
from . import torch_api as api
from .arguments import CallArgs, call_arguments
from .events import Dispatcher
from .flows import Frame
from .grad import GradState
from .library import TorchModel, qualified
from .summaries import module_output
from .syntax import dotted_name, target_names
from .values import (MODEL, MODEL_OUTPUT, NONE_VALUE, UNKNOWN_VALUE, WHOLE_SLICE, Autograd, Kind, Value, appended, join,
                     join_all, keyed, number, ref, tensor)

_CONTAINERS = {"builtins.list": Kind.LIST, "builtins.tuple": Kind.TUPLE, "builtins.set": Kind.SET,
               "builtins.dict": Kind.DICT, "builtins.range": Kind.RANGE, "builtins.str": Kind.STR,
               "builtins.bytes": Kind.BYTES, "builtins.bytearray": Kind.BYTES}
_NUMBER_BUILTINS = frozenset({"builtins.float", "builtins.int", "builtins.len", "builtins.round",
                              "builtins.bool", "builtins.abs"})
_APPENDERS = ("append", "add", "extend", "insert")
_STR_METHODS = ("format", "join", "strip", "lower", "upper", "replace")
_CONSTANTS = {
    "True": number("bool", int_value=1),
    "False": number("bool", int_value=0),
    "None": NONE_VALUE,
}


class ExpressionEvaluator:
    """Evaluates expressions to abstract values in the current frame, emitting an event for each."""

    def __init__(self, settings: Settings, events: Dispatcher) -> None:
        self.settings = settings
        self.events = events
        self.values: dict[int, Value] = {}  # by id(node): LibCST nodes hash in Python, ids are free
        self.parents: dict[int, cst.CSTNode] = {}  # of attributes, calls and subscripts, by id (what checks ask)
        self.frame = Frame(env={}, parent=None, grad=GradState())
        self.module_classes: dict[str, Value] = {}  # local classes that are nn.Modules -> their instances
        self.properties: set[str] = set()  # the file's methods read as attributes (`@property`)
        self.classes: set[str] = set()  # the names of the classes the file defines (instances are objects)
        self.float_default: str | None = api.FLOAT_DEFAULT if settings.default_float_known else None
        self.library = TorchModel(self)

    # ---- the state expressions read and change -------------------------------------------------

    def value(self, node: cst.CSTNode) -> Value:
        return self.values.get(id(node), UNKNOWN_VALUE)

    @property
    def grad_disabled(self) -> bool:
        return self.frame.grad.disabled

    def lookup(self, name: str) -> Value:
        found = self.frame.lookup(name)
        if found is not None:
            return found
        if name in api.BUILTIN_NAMES:
            return ref(f"builtins.{name}")
        return UNKNOWN_VALUE

    def bind_name(self, name: str, value: Value, fresh: bool = True) -> None:
        """Bind `name`; a fresh binding (not an update like `x += 1`) starts a per-iteration value."""
        self.frame.env[name] = value
        self.frame.rebound.add(name)
        if fresh:
            for bound in self.frame.loops:
                bound.add(name)

    def rebind_receiver(self, receiver: cst.BaseExpression, value: Value) -> None:
        """A method that changed its receiver's facts in place (`x.requires_grad_(False)`)."""
        name = dotted_name(receiver)
        if name is not None and self.frame.lookup(name) is not None:
            self.frame.env[name] = value  # a fact learned (a rank) or changed (`requires_grad_`: see eval_call)

    def record_backward(self, expressions: list[cst.CSTNode]) -> None:
        frame = self.frame
        frame.backward_nodes.extend(expressions)
        # The backward consumes the graphs built so far: what they saved is no longer pending.
        frame.computed.clear()
        frame.graph_inputs.clear()
        frame.statement_inputs.clear()

    def record_flow(self, source: cst.CSTNode, sink: str) -> None:
        self.frame.flow_nodes.append((source, sink))

    def note_parent(self, child: cst.CSTNode, parent: cst.CSTNode) -> None:
        if type(child) is cst.Attribute or type(child) is cst.Call or type(child) is cst.Subscript:
            self.parents[id(child)] = parent

    # ---- dispatch -----------------------------------------------------------------------------

    def eval(self, node: cst.BaseExpression, parent: cst.CSTNode) -> Value:
        self.note_parent(node, parent)
        method = _EVALUATORS.get(type(node))
        value = method(self, node) if method is not None else self.eval_children(node)
        self.values[id(node)] = value
        self.events.emit(node)
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
            literal = int(node.value.replace("_", ""), 0)
        except ValueError:
            return number("int")
        return number("int", int_value=literal, size=(literal, ()))

    def eval_float(self, _node: cst.BaseExpression) -> Value:
        return number("float")

    def eval_string(self, node: cst.BaseExpression) -> Value:
        prefix = ""
        if isinstance(node, cst.SimpleString):
            prefix = node.prefix.lower()
        elif isinstance(node, cst.ConcatenatedString):
            left = node.left
            prefix = left.prefix.lower() if isinstance(left, cst.SimpleString) else ""
        self.eval_children(node)
        literal = node.evaluated_value if isinstance(node, cst.SimpleString) else None
        return Value(Kind.BYTES if "b" in prefix else Kind.STR, qualname=literal if isinstance(literal, str) else None)

    def eval_sequence(self, node: cst.List | cst.Tuple | cst.Set) -> Value:
        items = []
        starred = False
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                starred = True
                items.append(self.eval(element, node))
            else:
                items.append(self.eval(element.value, node))
        kind = {cst.List: Kind.LIST, cst.Tuple: Kind.TUPLE, cst.Set: Kind.SET}[type(node)]
        return Value(kind, items=None if starred else tuple(items), elem=join_all(items))

    def eval_starred(self, node: cst.StarredElement) -> Value:
        """`*xs` inside a display: what `xs` is."""
        return self.eval(node.value, node)

    def eval_dict(self, node: cst.Dict) -> Value:
        """A dict display: subscripting it with one of its literal string keys gives that entry; any other
        subscript, and iterating over its values, give the join of its values."""
        values: list[Value] = []
        keys: list[str | None] = []
        unpacked = False
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = self.eval(element.key, node)
                keys.append(key.qualname if key.kind is Kind.STR and isinstance(element.key, cst.SimpleString)
                            else None)
                values.append(self.eval(element.value, node))
            else:
                unpacked = True
                self.eval(element.value, node)
        carried = Autograd(loss=any(v.autograd.loss for v in values))  # `{"loss": loss, "n": n}` holds a graph
        literal = not unpacked and None not in keys and len(set(keys)) == len(keys)  # `{"image": x, "label": y}`
        return Value(Kind.DICT, elem=None if unpacked else join_all(values), autograd=carried,
                     keys=tuple(k for k in keys if k is not None) if literal else None,
                     items=tuple(values) if literal else None)

    def eval_comprehension(self, node: cst.BaseComp | cst.DictComp) -> Value:
        saved = dict(self.frame.env)
        for_in: cst.CompFor | None = node.for_in
        while for_in is not None:
            iterable = self.eval(for_in.iter, for_in)
            self.bind_comprehension_target(for_in.target, iterable)
            for condition in for_in.ifs:
                self.eval(condition.test, condition)
            for_in = for_in.inner_for_in
        if isinstance(node, cst.DictComp):  # its elements are what subscripting it gives: the values
            self.eval(node.key, node)
            element = self.eval(node.value, node)
        else:
            element = self.eval(node.elt, node)  # type: ignore[attr-defined]
        self.frame.env = saved
        kind = {cst.ListComp: Kind.LIST, cst.SetComp: Kind.SET, cst.DictComp: Kind.DICT}.get(type(node), Kind.UNKNOWN)
        return Value(kind, elem=element)

    def bind_comprehension_target(self, target: cst.BaseExpression, iterable: Value) -> None:
        """`for n, p in model.named_parameters()` unpacks the element as a `for` statement would."""
        keys = iterable.kind is Kind.DICT  # iterating a dict gives its keys
        self.bind_local(target, UNKNOWN_VALUE if keys else iterable.elem or UNKNOWN_VALUE)

    def bind_local(self, target: cst.BaseExpression, value: Value) -> None:
        if isinstance(target, cst.Name):
            self.frame.env[target.value] = value
            return
        elements = target.elements if isinstance(target, (cst.Tuple, cst.List)) else ()
        if value.items is not None and len(value.items) == len(elements) and not any(
                isinstance(e, cst.StarredElement) for e in elements):
            for element, item in zip(elements, value.items):
                self.bind_local(element.value, item)
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

    def eval_yield(self, node: cst.Yield) -> Value:
        self.frame.generator = True
        value = node.value
        if isinstance(value, cst.From):
            self.eval(value.item, node)
            self.frame.yielded_values.append(UNKNOWN_VALUE)
        else:
            self.frame.yielded_values.append(NONE_VALUE if value is None else self.eval(value, node))
        return UNKNOWN_VALUE  # what the consumer sends back in

    def eval_if_exp(self, node: cst.IfExp) -> Value:
        self.eval(node.test, node)
        return join(self.eval(node.body, node), self.eval(node.orelse, node))

    def eval_boolean(self, node: cst.BooleanOperation) -> Value:
        return join(self.eval(node.left, node), self.eval(node.right, node))

    def eval_comparison(self, node: cst.Comparison) -> Value:
        operands = [self.eval(node.left, node)]
        for target in node.comparisons:
            operands.append(self.eval(target.comparator, target))
        if any(o.kind is Kind.TENSOR for o in operands):
            return tensor("bool")
        return UNKNOWN_VALUE

    def eval_unary(self, node: cst.UnaryOperation) -> Value:
        operand = self.eval(node.expression, node)
        if isinstance(node.operator, cst.Not):
            return UNKNOWN_VALUE
        if operand.kind is Kind.TENSOR:
            return self.library.unary(operand)
        if operand.kind is Kind.NUMBER and isinstance(node.operator, cst.Minus) and operand.int_value is not None:
            return number("int", int_value=-operand.int_value)
        return number(operand.dtype) if operand.kind is Kind.NUMBER else UNKNOWN_VALUE

    def eval_binary(self, node: cst.BinaryOperation) -> Value:
        left = self.eval(node.left, node)
        right = self.eval(node.right, node)
        self.note_graph_inputs((node.left, node.right))
        return self.combine(left, node.operator, right)

    def note_graph_inputs(self, operands: Iterable[cst.BaseExpression]) -> None:
        """Tensors an op reads while grad is enabled: a graph may save them (what `graph_pending` asks)."""
        if self.grad_disabled:
            return
        for operand in operands:
            name = dotted_name(operand)
            if name is not None and self.value(operand).kind in (Kind.TENSOR, Kind.UNKNOWN, Kind.MODULE):
                self.frame.statement_inputs.add(name)

    def combine(self, left: Value, operator: cst.BaseBinaryOp, right: Value, in_place: bool = False) -> Value:
        """The value of `left <op> right` (or of `left <op>= right` when `in_place`)."""
        if left.kind is Kind.TENSOR or right.kind is Kind.TENSOR:
            return self.library.binary(left, operator, right, in_place)
        if MODEL_OUTPUT in (left, right) and not isinstance(operator, cst.MatrixMultiply):
            return tensor()  # arithmetic on what a model returned: it was a tensor
        if Kind.NDARRAY in (left.kind, right.kind) and {left.kind, right.kind} <= {Kind.NDARRAY, Kind.NUMBER}:
            return _numpy_arithmetic(left, operator, right)
        if left.kind is Kind.NUMBER and right.kind is Kind.NUMBER:
            size = None
            if isinstance(operator, cst.Multiply) and left.size is not None and right.size is not None:
                size = (left.size[0] * right.size[0], tuple(sorted(left.size[1] + right.size[1])))
            dtype = "float" if "float" in (left.dtype, right.dtype) or isinstance(operator, cst.Divide) else (
                "int" if left.dtype == right.dtype == "int" else None)
            return number(dtype, size=size)
        if left.kind is right.kind and left.kind in (Kind.LIST, Kind.TUPLE, Kind.STR, Kind.BYTES) \
                and isinstance(operator, cst.Add):  # concatenation: the items of both, one after the other
            items = left.items + right.items if left.items is not None and right.items is not None else None
            if left.items == () or right.items == ():
                elements = right.elem if left.items == () else left.elem
            else:
                elements = join(left.elem, right.elem) if left.elem is not None and right.elem is not None else None
            return Value(left.kind, items=items, elem=elements)
        if in_place and left.kind in (Kind.LIST, Kind.SET, Kind.DICT):
            return left
        return UNKNOWN_VALUE

    def eval_subscript(self, node: cst.Subscript) -> Value:
        base = self.eval(node.value, node)
        indices: list[Value] = []
        for element in node.slice:
            self.note_parent(element, node)
            if isinstance(element.slice, cst.Index) and isinstance(element.slice.value, cst.Ellipsis):
                indices.append(Value(Kind.OBJECT, qualname="Ellipsis"))
            elif isinstance(element.slice, cst.Index):
                indices.append(self.eval(element.slice.value, element))
            else:
                self.eval_children(element.slice)
                part = element.slice
                whole = isinstance(part, cst.Slice) and part.lower is None and part.upper is None and part.step is None
                indices.append(Value(Kind.OBJECT, qualname=WHOLE_SLICE if whole else "slice"))
        if base.kind is Kind.SHAPE and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
            sliced = self.library.shape_slice(base, self._literal_bounds(node.slice[0].slice))
            if sliced is not None:
                return sliced
        return self.subscript_value(base, indices)

    def _literal_bounds(self, node: cst.Slice) -> tuple[int | None, int | None] | None:
        """`[1:]`, `[:-2]`: the bounds' int values (None where omitted); None for a step or a bound not read."""
        if node.step is not None:
            return None
        lower, upper = (None if b is None else self.value(b).int_value for b in (node.lower, node.upper))
        if (lower is None) != (node.lower is None) or (upper is None) != (node.upper is None):
            return None
        return lower, upper

    def subscript_value(self, base: Value, indices: list[Value]) -> Value:
        known = self.library.subscript(base, indices)
        if known is not None:
            return known
        single = indices[0] if len(indices) == 1 else None
        if base.kind in (Kind.LIST, Kind.TUPLE) and single is not None:
            if single.kind is Kind.OBJECT:  # a slice
                return Value(base.kind, elem=base.elem)
            index = single.int_value
            if base.items is not None and index is not None and -len(base.items) <= index < len(base.items):
                return base.items[index]
            return base.elem or UNKNOWN_VALUE
        if base.kind is Kind.DICT and single is not None and single.kind is not Kind.OBJECT:
            entry = keyed(base, single.qualname) if single.kind is Kind.STR and single.qualname is not None else None
            return entry or base.elem or UNKNOWN_VALUE
        if base.kind is Kind.MODULE and base.elem is not None and single is not None and single.kind is not Kind.OBJECT:
            return base.elem  # `self.layers[i]` of a ModuleList
        return UNKNOWN_VALUE

    # ---- attributes ---------------------------------------------------------------------------

    def eval_attribute(self, node: cst.Attribute) -> Value:
        base = self.eval(node.value, node)
        return self.attribute_value(base, node, node.attr.value)

    def attribute_value(self, base: Value, node: cst.Attribute, attr: str) -> Value:
        if base.kind is Kind.REF and base.qualname is not None:
            return qualified(f"{base.qualname}.{attr}")
        if base.kind is Kind.SELF:
            owner = node.value
            if isinstance(owner, cst.Name):
                found = self.lookup(f"{owner.value}.{attr}")
                if found.kind is Kind.UNKNOWN:  # a property of the class: what its getter returns
                    getter = self.local_callee(attr, method=True)
                    if getter is not None and getter.qualname in self.properties:
                        return self.function_result(getter.qualname, CallArgs([], {}, False)) or found
                return found
            return UNKNOWN_VALUE
        if base.kind is Kind.MODULE:  # `layer.weight` after `layer.weight.requires_grad = False`
            name = dotted_name(node)
            bound = self.frame.lookup(name) if name is not None else None
            if bound is not None:
                return bound
        if base.kind in (Kind.MODULE, Kind.OBJECT, Kind.LOSS_FN) and (base.qualname or "").startswith("local:"):
            cls = (base.qualname or "")[6:]
            kept = self.instance_attribute(cls, attr)  # `model.encoder` of the file's class
            if kept is not None:
                built = self.module_classes.get(cls)
                if built is not None and base.dtype != built.dtype and kept.dtype in api.FLOAT_DTYPES:
                    kept = kept.with_dtype(base.dtype)  # `Net().double().fc`: converted with its module
                return kept
        known = self.library.attribute(base, node, attr)
        if known is not None:
            return known
        if base.kind is Kind.UNKNOWN and attr == "loss" and self.training_code():
            return tensor(autograd=Autograd(loss=True))  # a model output's loss (`outputs.loss`), training code
        if base.kind is Kind.UNKNOWN:
            name = dotted_name(node)
            if name is not None:
                found = self.lookup(name)
                if found.kind is not Kind.UNKNOWN:
                    return found
        return UNKNOWN_VALUE

    # ---- calls --------------------------------------------------------------------------------

    def eval_call(self, node: cst.Call) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            self.note_parent(func, node)
            receiver = self.eval(func.value, func)
            callee = (qualified(f"{receiver.qualname}.{func.attr.value}") if receiver.kind is Kind.REF
                      else self.attribute_value(receiver, func, func.attr.value)
                      if receiver.kind in (Kind.SELF, Kind.MODULE) else UNKNOWN_VALUE)
            if receiver.kind is Kind.SELF and callee.kind is Kind.UNKNOWN:
                callee = self.local_callee(func.attr.value, method=True) or callee
            self.values[id(func)] = callee
            args = self.eval_args(node)
            method = func.attr.value
            if receiver.kind is Kind.SELF and callee.kind in (Kind.MODULE, Kind.UNKNOWN, Kind.REF) or (
                    receiver.kind in (Kind.UNKNOWN, Kind.MODULE) and method in api.MODEL_METHODS):
                self.note_model_run(method)  # `self.encoder(x)`, `model.forward(x)`
            if method in ("requires_grad_", "detach_"):  # its facts change, whether or not they are known
                target = dotted_name(func.value)
                if target is not None:
                    self.frame.rebound.add(target)
            if method.endswith("_") and method not in api.NOT_INPLACE:
                target = dotted_name(func.value)
                if target is not None:
                    self.frame.inplace_names.add(target)
            elif method not in api.GRAPH_FREE_METHODS:
                self.note_graph_inputs((func.value, *(arg.value for arg in node.args)))
            if receiver.kind is not Kind.REF and receiver.kind is not Kind.SELF:
                own = self.local_method(receiver, method)  # a method of one of the file's classes
                if own is not None:
                    self.note_model_run(method)
                result = self.call_value(own, node, args) if own is not None else None
                if result is not None and result.kind is not Kind.UNKNOWN:
                    return result
                return self.call_method(receiver, func.value, method, node, args)
            return self.call_value(callee, node, args)
        callee = self.eval(func, node)
        if callee.kind is Kind.MODULE or (callee.kind is Kind.UNKNOWN and isinstance(func, cst.Name)) or (
                (callee.qualname or "").startswith("local:")):
            self.note_model_run(dotted_name(func) or "")  # `model(x)`, `net(x)`, the file's own functions
        if callee.kind is Kind.UNKNOWN and isinstance(func, cst.Name) and self.frame.lookup(func.value) is None:
            callee = self.local_callee(func.value, method=False) or callee  # defined further down the file
        args = self.eval_args(node)
        self.note_graph_inputs((func, *(arg.value for arg in node.args)))
        return self.call_value(callee, node, args)

    def training_code(self) -> bool:
        """Grad is on and the code runs on a forward or training path (the interpreter knows liveness)."""
        return False

    def note_model_run(self, called: str) -> None:
        """A call that may run a model: the loops around it build a fresh graph each iteration. Not one
        named for a loss (`self._distillation_loss(...)`): computing a loss adds nodes to a graph."""
        if api.LOSS_NAME.search(called):
            return
        models = self.frame.loop_models
        for index in range(len(models)):
            models[index] = True

    def local_callee(self, name: str, method: bool) -> Value | None:
        """The file's own function (or, with `method`, the method of the enclosing class) called `name`
        where no binding is in sight; the interpreter knows the file's definitions."""
        return None

    def local_method(self, receiver: Value, name: str) -> Value | None:
        """The file's own method `name` of an instance of the file's class, or of an object of unknown
        class when exactly one class of the file defines a method of that name (the interpreter's)."""
        return None

    def instance_attribute(self, owner: str, attr: str) -> Value | None:
        """What the file's class `owner` keeps in `self.<attr>` once constructed (the interpreter's)."""
        return None

    def function_result(self, qualname: str, args: CallArgs, module_call: bool = False,
                        node: cst.Call | None = None) -> Value | None:
        """What a call of the file's own function `qualname` with `args` returns, when known (the
        interpreter's; it also keeps what each call hands the function)."""
        return None

    def eval_args(self, node: cst.Call) -> CallArgs:
        for arg in node.args:
            self.eval(arg.value, node)  # an argument's parent is the call it is passed to
        return call_arguments(node, self.value)

    def call_value(self, callee: Value, node: cst.Call, args: CallArgs) -> Value:
        if callee.kind in (Kind.MODULE, Kind.LOSS_FN) and (callee.qualname or "").startswith("local:"):
            forward = self.function_result(f"{callee.qualname}.forward", args, True, node)  # own module
            if forward is not None and forward.kind is not Kind.UNKNOWN:
                return module_output(forward)
        called = self.library.call_object(callee)
        if called is not None:
            return called
        if callee == MODEL:
            return MODEL_OUTPUT
        if callee.kind is not Kind.REF or callee.qualname is None:
            if callee.kind is Kind.UNKNOWN and _is_backward_call(node):
                self.record_backward([a.value for a in node.args])
            return UNKNOWN_VALUE
        return self.call_qualified(callee.qualname, node, args)

    def call_qualified(self, qualname: str, node: cst.Call, args: CallArgs) -> Value:
        known = self.library.call(qualname, node, args)
        if known is not None:
            return known
        if qualname.startswith("local:"):
            result = self.function_result(qualname, args, node=node)
            if result is not None:
                return result
            if qualname[6:] in self.classes:
                self.function_result(f"{qualname}.__init__", args, node=node)  # what its `self.` attributes hold
            if qualname[6:] in self.module_classes:
                return self.module_classes[qualname[6:]]
            return Value(Kind.OBJECT, qualname=qualname) if qualname[6:] in self.classes else UNKNOWN_VALUE
        if qualname == "builtins.sum":
            sequence = args.get(0)
            return self.library.summed(sequence.elem if sequence is not None else None) or UNKNOWN_VALUE
        if qualname == "builtins.enumerate":
            sequence = args.get(0)
            element = sequence.elem if sequence is not None and sequence.elem is not None else UNKNOWN_VALUE
            return Value(Kind.OBJECT, elem=Value(Kind.TUPLE, items=(number("int"), element)))
        if qualname == "builtins.zip":  # one element of each iterable, side by side
            if args.starred:
                return UNKNOWN_VALUE
            elements = tuple(v.elem or UNKNOWN_VALUE for v in args.positional)
            return Value(Kind.OBJECT, elem=Value(Kind.TUPLE, items=elements))
        if qualname == "itertools.chain":  # the elements of every iterable, one after the other
            joined = join_all([v.elem or UNKNOWN_VALUE for v in args.positional])
            return Value(Kind.OBJECT, elem=joined) if joined is not None and not args.starred else UNKNOWN_VALUE
        if qualname in _CONTAINERS:
            source = args.get(0)
            items = source.elem if source is not None and source.kind is not Kind.DICT else None  # a dict: keys
            return Value(_CONTAINERS[qualname], elem=items)
        if qualname in _NUMBER_BUILTINS:
            return number("int" if qualname in ("builtins.len", "builtins.int") else None)
        return UNKNOWN_VALUE

    def call_method(self, receiver: Value, receiver_node: cst.BaseExpression, name: str, node: cst.Call,
                    args: CallArgs) -> Value:
        if name in ("backward", "manual_backward"):
            return self.library.backward(receiver_node, name, node)
        if receiver.kind in (Kind.LIST, Kind.SET, Kind.DICT) and name in _APPENDERS:
            target = dotted_name(receiver_node)
            if target is not None:
                for arg in node.args:
                    self.record_flow(arg.value, target)
                if receiver.kind is Kind.LIST and name == "append" and len(node.args) == 1:
                    self.rebind_receiver(receiver_node, appended(receiver, args.get(0) or UNKNOWN_VALUE))
                elif receiver.kind is Kind.LIST:
                    self.rebind_receiver(receiver_node, Value(Kind.LIST))
            return NONE_VALUE
        if receiver.kind is Kind.DICT and name in ("items", "values", "keys", "get"):
            value = receiver.elem or UNKNOWN_VALUE
            return {"items": Value(Kind.OBJECT, elem=Value(Kind.TUPLE, items=(UNKNOWN_VALUE, value))),
                    "values": Value(Kind.OBJECT, elem=value), "keys": Value(Kind.OBJECT),
                    "get": self.subscript_value(receiver, [args.positional[0]]) if len(node.args) == 1
                    and args.positional else UNKNOWN_VALUE}[name]
        if receiver.kind is Kind.STR:
            return Value(Kind.STR) if name in _STR_METHODS else UNKNOWN_VALUE
        if receiver.kind is Kind.UNKNOWN and name in api.MODULE_ONLY_METHODS and all(
                v.kind is Kind.NUMBER for v in args.positional):  # no argument but a mode or `recurse`
            self.rebind_receiver(receiver_node, MODEL)  # `netG.train()`: calling it runs a model
        if receiver.kind is Kind.OBJECT and receiver.qualname == "torch.optim.Optimizer" and name == "step" \
                and len(args.positional) == 1:  # `optimizer.step(closure)` runs the closure, returns what it does
            self.note_model_run(dotted_name(node.args[0].value) or "")
            return self.call_value(args.positional[0], node, CallArgs([], {}, False))
        return self.library.method(receiver, receiver_node, name, node, args)


def _numpy_arithmetic(left: Value, operator: cst.BaseBinaryOp, right: Value) -> Value:
    """An ndarray with an ndarray or a number: float64 when a float64 array takes part (numpy promotes
    every other real dtype to it) or an integer one is divided; otherwise not known."""
    arrays = [v for v in (left, right) if v.kind is Kind.NDARRAY]
    if any(v.dtype == "float64" for v in arrays) or (
            isinstance(operator, cst.Divide) and all(v.dtype in ("int64", "int32") for v in arrays)):
        return Value(Kind.NDARRAY, dtype="float64")
    return Value(Kind.NDARRAY)


def _is_backward_call(node: cst.Call) -> bool:
    return isinstance(node.func, cst.Attribute) and node.func.attr.value in ("backward", "manual_backward")


_EVALUATORS: dict[type, Callable[[ExpressionEvaluator, Any], Value]] = {
    cst.Name: ExpressionEvaluator.eval_name,
    cst.Integer: ExpressionEvaluator.eval_integer,
    cst.Float: ExpressionEvaluator.eval_float,
    cst.Imaginary: ExpressionEvaluator.eval_float,
    cst.SimpleString: ExpressionEvaluator.eval_string,
    cst.ConcatenatedString: ExpressionEvaluator.eval_string,
    cst.FormattedString: ExpressionEvaluator.eval_string,
    cst.List: ExpressionEvaluator.eval_sequence,
    cst.Tuple: ExpressionEvaluator.eval_sequence,
    cst.Set: ExpressionEvaluator.eval_sequence,
    cst.StarredElement: ExpressionEvaluator.eval_starred,
    cst.Dict: ExpressionEvaluator.eval_dict,
    cst.ListComp: ExpressionEvaluator.eval_comprehension,
    cst.SetComp: ExpressionEvaluator.eval_comprehension,
    cst.DictComp: ExpressionEvaluator.eval_comprehension,
    cst.GeneratorExp: ExpressionEvaluator.eval_comprehension,
    cst.Lambda: ExpressionEvaluator.eval_lambda,
    cst.NamedExpr: ExpressionEvaluator.eval_named_expr,
    cst.IfExp: ExpressionEvaluator.eval_if_exp,
    cst.Yield: ExpressionEvaluator.eval_yield,
    cst.BooleanOperation: ExpressionEvaluator.eval_boolean,
    cst.Comparison: ExpressionEvaluator.eval_comparison,
    cst.UnaryOperation: ExpressionEvaluator.eval_unary,
    cst.BinaryOperation: ExpressionEvaluator.eval_binary,
    cst.Subscript: ExpressionEvaluator.eval_subscript,
    cst.Attribute: ExpressionEvaluator.eval_attribute,
    cst.Call: ExpressionEvaluator.eval_call,
}

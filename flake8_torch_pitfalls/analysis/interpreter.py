"""One abstract interpretation per file: the facts every check asks about, at each program point.

The interpreter walks statements in order, keeping an environment from names to abstract values per
function (reassignment replaces facts, branches join them, loops are run to a joined state before the
pass that reports). Imports bind qualified names, so `th.mm`, `from torch import mm` and
`torch.mm` are all `torch.mm`, and a parameter named `torch` shadows the module. Checks subscribe to
events named like LibCST visitor methods (`visit_Call`, `visit_AugAssign`, ...) and query the
interpreter for the facts at that point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from . import torch_api as api
from .context import GradState, with_item_effect
from .evaluation import Evaluator, qualified
from .imports import ImportSpec, from_cst
from .syntax import dotted_name, names_in, target_root
from .values import SELF, SHAPE, TUPLE, UNKNOWN_VALUE, Value, join, ref, with_facts

Handler = Callable[[cst.CSTNode, "Interpreter"], None]
Deferred = Callable[["Frame"], None]
#: (region index, its code: parsed, or only imports, or None when skipped, the names a skipped one binds)
Segment = tuple[int, "cst.Module | tuple[ImportSpec, ...] | None", frozenset[str]]

#: Loops nested deeper than this are interpreted once (no joined pre-pass), bounding the work.
MAX_PREPASS_DEPTH = 2
MODULE_BASES = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module", "pytorch_lightning.LightningModule",
                          "lightning.LightningModule", "lightning.pytorch.LightningModule"})


@dataclass(frozen=True)
class Settings:
    """Project-specific knowledge (from flake8 options or pyproject.toml)."""

    extra_losses: frozenset[str] = frozenset()
    extra_no_grad: frozenset[str] = frozenset()
    default_float_known: bool = True  # False when the file changes torch's default dtype


@dataclass
class Frame:
    """A function body (or the module) being interpreted.

    Name flows are kept as syntax and read only when a check asks (most frames never need them).
    """

    env: dict[str, Value]
    parent: Frame | None
    grad: GradState
    function: str = ""  # the function's name ("" for the module and class bodies)
    owner: str = ""  # the name of the class the function is a method of
    loops: list[set[str]] = field(default_factory=list)  # names bound so far in each loop's iteration
    loop_entries: list[dict[str, Value]] = field(default_factory=list)  # facts entering each loop
    backward_nodes: list[cst.CSTNode] = field(default_factory=list)  # what reaches .backward()
    returned_nodes: list[cst.CSTNode] = field(default_factory=list)  # what `return` statements read
    flow_nodes: list[tuple[cst.CSTNode, str]] = field(default_factory=list)  # (source expression, sink name)
    deferred: list[Deferred] = field(default_factory=list)

    def lookup(self, name: str) -> Value | None:
        frame: Frame | None = self
        while frame is not None:
            value = frame.env.get(name)
            if value is not None:
                return value
            frame = frame.parent
        return None

    @cached_property
    def backward_names(self) -> set[str]:
        """Names read by expressions that are backpropagated."""
        return set().union(*(names_in(node) for node in self.backward_nodes))

    @cached_property
    def returned_names(self) -> set[str]:
        return set().union(*(names_in(node) for node in self.returned_nodes))

    @cached_property
    def flows(self) -> dict[str, set[str]]:
        """name -> names its value flows into (through assignments and appends)."""
        flows: dict[str, set[str]] = {}
        for node, sink in self.flow_nodes:
            for source in names_in(node):
                if source != sink:
                    flows.setdefault(source, set()).add(sink)
        return flows

    def reaches_backward(self) -> set[str]:
        """Names whose values flow (through assignments and appends) into a backpropagated value."""
        into: dict[str, set[str]] = {}
        for source, sinks in self.flows.items():
            for sink in sinks:
                into.setdefault(sink, set()).add(source)
        reached = set(self.backward_names)
        pending = list(reached)
        while pending:
            for source in into.get(pending.pop(), ()):
                if source not in reached:
                    reached.add(source)
                    pending.append(source)
        return reached


class Interpreter(Evaluator):
    """Runs the abstract interpretation and dispatches events to the subscribed checks."""

    def __init__(self, module: cst.Module, handlers: dict[str, list[Handler]], settings: Settings) -> None:
        super().__init__(settings)
        self.module = module
        self.handlers = handlers
        self.parents: dict[int, cst.CSTNode] = {}  # of Attribute nodes only, by id (what checks ask)
        self.stores: set[int] = set()
        self.frame = Frame(env={}, parent=None, grad=GradState())
        self.module_frame = self.frame
        self.module_classes: set[str] = set()
        self.metric_classes: set[str] = set()
        self.silent = 0  # > 0 during a loop's pre-pass: facts only, no events
        self.prepass_depth = 0
        self.last_frame = self.frame
        self.region = 0  # the region being interpreted (findings are located within it)
        self.asserting = 0  # > 0 while an `assert` statement's expressions are evaluated

    # ---- queries for checks -------------------------------------------------------------------

    def value(self, node: cst.CSTNode) -> Value:
        return self.values.get(id(node), UNKNOWN_VALUE)

    def parent(self, node: cst.Attribute) -> cst.CSTNode | None:
        """The node an attribute expression sits in (recorded for attributes only)."""
        return self.parents.get(id(node))

    def is_store(self, node: cst.CSTNode) -> bool:
        return id(node) in self.stores

    @property
    def grad_disabled(self) -> bool:
        return self.frame.grad.disabled

    @property
    def in_autocast(self) -> bool:
        return self.frame.grad.autocast

    def outlives_iteration(self, target: cst.BaseExpression) -> bool:
        """Whether a store into `target` survives the current loop iteration (or the call, for self).

        Not when the accumulator was bound afresh earlier in this iteration (`self.loss = zero()`
        at the top of the loop body): what it holds is dropped when the next iteration rebinds it.
        """
        root = target_root(target)
        accumulator = dotted_name(root)
        if self.frame.loops and accumulator is not None and accumulator in self.frame.loops[-1]:
            return False
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        if self.value(root).kind == SELF or (self.frame.lookup(root.value) or UNKNOWN_VALUE).kind == SELF:
            return True
        return bool(self.frame.loops) and root.value not in self.frame.loops[-1]

    def value_entering_loop(self, name: str) -> Value:
        """The (joined) facts about `name` at the top of the innermost loop's iteration."""
        if not self.frame.loop_entries:
            return self.frame.lookup(name) or UNKNOWN_VALUE
        return self.frame.loop_entries[-1].get(name) or self.frame.lookup(name) or UNKNOWN_VALUE

    def defer(self, callback: Deferred) -> None:
        """Run `callback` when the current function (or module) has been fully interpreted."""
        region = self.region

        def in_region(frame: Frame) -> None:
            current, self.region = self.region, region
            try:
                callback(frame)
            finally:
                self.region = current

        self.frame.deferred.append(in_region)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    # ---- event plumbing -----------------------------------------------------------------------

    def emit(self, event: str, node: cst.CSTNode) -> None:
        if self.silent:
            return
        for handler in self.handlers.get(event, ()):
            handler(node, self)

    def after_eval(self, node: cst.BaseExpression) -> None:
        if not self.silent:
            handlers = self.handlers.get("visit_" + type(node).__name__)
            if handlers:
                for handler in handlers:
                    handler(node, self)

    def note_parent(self, child: cst.CSTNode, parent: cst.CSTNode) -> None:
        if type(child) is cst.Attribute:
            self.parents[id(child)] = parent

    # ---- name binding -------------------------------------------------------------------------

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
        if fresh:
            for bound in self.frame.loops:
                bound.add(name)

    def rebind_receiver(self, receiver: cst.BaseExpression, value: Value) -> None:
        """A method that changed its receiver's facts in place (`x.requires_grad_(False)`)."""
        name = dotted_name(receiver)
        if name is not None and self.frame.lookup(name) is not None:
            self.frame.env[name] = value

    def record_backward(self, expressions: Iterable[cst.CSTNode]) -> None:
        self.frame.backward_nodes.extend(expressions)

    def record_flow(self, source: cst.CSTNode, sink: str) -> None:
        self.frame.flow_nodes.append((source, sink))

    # ---- statements ---------------------------------------------------------------------------

    def run(self) -> None:
        self.exec_block(self.module.body)
        self.finish_frame(self.frame)

    def run_segments(self, segments: Sequence[Segment]) -> None:
        """Interpret a file given as regions: parsed ones run, import-only ones bind their names, and
        skipped ones only forget what they bind."""
        for region, body, forgotten in segments:
            self.region = region
            if isinstance(body, cst.Module):
                self.exec_block(body.body)
            elif body is not None:
                for spec in body:
                    self.exec_import(spec)
            else:
                for name in forgotten:
                    self.frame.env[name] = UNKNOWN_VALUE
        self.finish_frame(self.frame)

    def finish_frame(self, frame: Frame) -> None:
        for callback in frame.deferred:
            callback(frame)

    def exec_block(self, statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            self.exec_statement(statement)

    def exec_statement(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self.exec_small(small)
            return
        method = _COMPOUND.get(type(statement))
        if method is not None:
            method(self, statement)
        else:
            self.exec_other(statement)

    def exec_other(self, node: cst.CSTNode) -> None:
        """A statement the interpreter does not model (`match`): its expressions, then its blocks."""
        for child in node.children:
            if isinstance(child, cst.BaseSuite):
                self.exec_body(child)
            elif isinstance(child, cst.BaseExpression):
                self.eval(child, node)
            else:
                self.exec_other(child)

    def exec_body(self, body: cst.BaseSuite) -> None:
        if isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self.exec_small(small)
        else:
            self.exec_block(body.body)

    def exec_small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            self.exec_assign(small)
        elif isinstance(small, cst.AugAssign):
            self.exec_aug_assign(small)
        elif isinstance(small, cst.AnnAssign):
            self.exec_ann_assign(small)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, small)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            self.exec_import(from_cst(small))
        elif isinstance(small, cst.Return):
            if small.value is not None:
                self.eval(small.value, small)
                self.frame.returned_nodes.append(small.value)
        elif isinstance(small, (cst.Pass, cst.Break, cst.Continue, cst.Global, cst.Nonlocal)):
            return
        elif isinstance(small, cst.Assert):
            self.asserting += 1
            try:
                self.eval_children(small)
            finally:
                self.asserting -= 1
        else:
            self.eval_children(small)

    def prepare_target(self, target: cst.BaseExpression, statement: cst.CSTNode) -> None:
        """Evaluate what a store target reads (`d` and `k` in `d[k] = v`) and mark it as a store."""
        self.stores.add(id(target))
        self.note_parent(target, statement)
        if isinstance(target, cst.Name):
            self.values[id(target)] = self.lookup(target.value)
        elif isinstance(target, cst.Attribute):
            self.eval(target.value, target)
            self.values[id(target)] = self.attribute_value(self.value(target.value), target, target.attr.value)
            self.after_eval(target)
        elif isinstance(target, cst.Subscript):
            self.eval(target, statement)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.prepare_target(element.value, statement)
        elif isinstance(target, cst.StarredElement):
            self.prepare_target(target.value, statement)

    def bind(self, target: cst.BaseExpression, value: Value, fresh: bool = True) -> None:
        if isinstance(target, cst.Name):
            self.bind_name(target.value, value, fresh)
        elif isinstance(target, cst.Attribute):
            self.bind_attribute(target, value, fresh)
        elif isinstance(target, (cst.Tuple, cst.List)):
            self.bind_unpacked(target, value)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, UNKNOWN_VALUE)

    def bind_attribute(self, target: cst.Attribute, value: Value, fresh: bool = True) -> None:
        name = dotted_name(target)
        if name is None:
            return
        owner = dotted_name(target.value)
        attr = target.attr.value
        if attr == "requires_grad" and owner is not None:
            current = self.frame.lookup(owner)
            if current is not None and current.maybe_tensor:
                enabled = self.truth(target, value)
                if enabled is not None:
                    self.frame.env[owner] = with_facts(current, grad_leaf=enabled)
            return
        if self.lookup(name.split(".", 1)[0]).kind == SELF:
            self.bind_name(name, value, fresh)

    @staticmethod
    def truth(_target: cst.CSTNode, value: Value) -> bool | None:
        return bool(value.int_value) if value.dtype == "bool" and value.int_value is not None else None

    def bind_unpacked(self, target: cst.Tuple | cst.List, value: Value) -> None:
        elements = target.elements
        starred = any(isinstance(e, cst.StarredElement) for e in elements)
        if value.kind == SHAPE and value.elem is not None and not starred:
            dims = value.elem.rank_dims(len(elements))
            owner = value.qualname and self.frame.lookup(value.qualname)
            if owner and owner.dims is None and owner.shape_id == value.elem.shape_id:
                self.frame.env[value.qualname] = with_facts(owner, dims=dims)  # the unpack tells the rank
            for element, size in zip(elements, dims):
                self.bind(element.value, Value("number", size=size))
            return
        items: Sequence[Value] | None = value.items
        if items is None and value.elem is not None and value.elem.items is not None:
            items = None
        if items is not None and len(items) == len(elements) and not starred:
            for element, item in zip(elements, items):
                self.bind(element.value, item)
            return
        for element in elements:
            self.bind(element.value, UNKNOWN_VALUE)

    def exec_assign(self, node: cst.Assign) -> None:
        value = self.eval(node.value, node)
        for assign_target in node.targets:
            self.prepare_target(assign_target.target, node)
        self.emit("visit_Assign", node)
        for assign_target in node.targets:
            sink = dotted_name(target_root(assign_target.target))
            if sink is not None:
                self.record_flow(node.value, sink)
            fresh = sink is None or not self.frame.loops or not _reads(node.value, sink)
            self.bind(assign_target.target, value, fresh=fresh)

    def exec_ann_assign(self, node: cst.AnnAssign) -> None:
        annotation = self.eval(node.annotation.annotation, node)
        if node.value is None:
            if isinstance(node.target, cst.Name) and annotation.qualname == "torch.Tensor":
                self.bind_name(node.target.value, self.annotated_tensor())
            return
        value = self.eval(node.value, node)
        self.prepare_target(node.target, node)
        self.emit("visit_AnnAssign", node)
        sink = dotted_name(target_root(node.target))
        if sink is not None:
            self.record_flow(node.value, sink)
        self.bind(node.target, value)

    def exec_aug_assign(self, node: cst.AugAssign) -> None:
        value = self.eval(node.value, node)
        self.prepare_target(node.target, node)
        current = self.value(node.target)
        self.emit("visit_AugAssign", node)
        sink = dotted_name(target_root(node.target))
        if sink is not None:
            self.record_flow(node.value, sink)
        if isinstance(node.target, (cst.Name, cst.Attribute)):
            operator = _AUG_TO_BINARY.get(type(node.operator), cst.Add)
            self.bind(node.target, self.combine(current, operator(), value, in_place=True), fresh=False)

    def exec_import(self, spec: ImportSpec) -> None:
        if spec.module is None:  # `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`
            for name, asname in spec.names:
                top = name.split(".", 1)[0]
                self.bind_name(asname or top, ref(name if asname else top))
            return
        module = spec.module
        if spec.level:  # the project's own modules: known objects, never tensors
            module = "relative:" + "." * spec.level + module
        if spec.star:
            if not spec.level:
                self.import_star(module)
            return
        for name, asname in spec.names:
            self.bind_name(asname or name, qualified(f"{module}.{name}"))

    def import_star(self, module: str) -> None:
        """`from torch import *` binds the names the checks know of in that module."""
        known = {q for q in _known_qualnames() if q.rsplit(".", 1)[0] == module}
        for qualname in known:
            self.bind_name(qualname.rsplit(".", 1)[1], qualified(qualname))

    def exec_if(self, node: cst.If) -> None:
        self.eval(node.test, node)
        before = dict(self.frame.env)
        self.exec_body(node.body)
        after_body = self.frame.env
        self.frame.env = before
        if isinstance(node.orelse, cst.If):
            self.exec_if(node.orelse)
        elif isinstance(node.orelse, cst.Else):
            self.exec_body(node.orelse.body)
        self.frame.env = join_envs(after_body, self.frame.env)

    def exec_for(self, node: cst.For) -> None:
        iterable = self.eval(node.iter, node)
        element = self.iteration_element(iterable)
        self.prepare_loop_target(node.target, node)

        def iteration() -> None:
            self.bind(node.target, element)
            self.exec_body(node.body)

        self.run_loop(iteration)
        if node.orelse is not None:
            self.exec_body(node.orelse.body)

    def prepare_loop_target(self, target: cst.BaseExpression, statement: cst.CSTNode) -> None:
        if not isinstance(target, cst.Name):
            self.stores.add(id(target))
            self.note_parent(target, statement)

    def exec_while(self, node: cst.While) -> None:
        def iteration() -> None:
            self.eval(node.test, node)
            self.exec_body(node.body)

        self.run_loop(iteration)
        if node.orelse is not None:
            self.exec_body(node.orelse.body)

    def run_loop(self, iteration: Callable[[], None]) -> None:
        """Interpret a loop body: a silent pre-pass joins loop-carried facts, then the reporting pass."""
        entry = dict(self.frame.env)
        if self.prepass_depth < MAX_PREPASS_DEPTH:
            self.prepass_depth += 1
            self.silent += 1
            self.frame.loops.append(set())
            self.frame.loop_entries.append(entry)
            try:
                iteration()
            finally:
                self.frame.loops.pop()
                self.frame.loop_entries.pop()
                self.silent -= 1
                self.prepass_depth -= 1
            self.frame.env = join_envs(entry, self.frame.env)
        before = dict(self.frame.env)
        self.frame.loops.append(set())
        self.frame.loop_entries.append(before)
        try:
            iteration()
        finally:
            self.frame.loops.pop()
            self.frame.loop_entries.pop()
        self.frame.env = join_envs(before, self.frame.env)

    def exec_with(self, node: cst.With) -> None:
        saved = self.frame.grad
        for item in node.items:
            value = self.eval(item.item, node)
            self.frame.grad = with_item_effect(self.frame.grad, item.item, value, self, self.settings)
            if item.asname is not None:
                self.prepare_target(item.asname.name, node)
                self.bind(item.asname.name, UNKNOWN_VALUE)
        try:
            self.exec_body(node.body)
        finally:
            self.frame.grad = saved

    def exec_try(self, node: cst.Try | cst.TryStar) -> None:
        self.exec_body(node.body)
        for handler in node.handlers:
            if handler.type is not None:
                self.eval(handler.type, handler)
            if handler.name is not None:
                self.bind(handler.name.name, UNKNOWN_VALUE)
            self.exec_body(handler.body)
        if node.orelse is not None:
            self.exec_body(node.orelse.body)
        if node.finalbody is not None:
            self.exec_body(node.finalbody.body)

    def exec_function(self, node: cst.FunctionDef, self_attrs: dict[str, Value] | None = None,
                      owner: str | None = None) -> None:
        """Interpret a function; `owner` names the class when it is a method."""
        in_class = owner is not None
        grad = GradState()
        for decorator in node.decorators:
            value = self.eval(decorator.decorator, node)
            grad = with_item_effect(grad, decorator.decorator, value, self, self.settings)
        if in_class and node.name.value in api.NO_GRAD_HOOKS:
            grad = GradState(disabled=True)
        if owner in self.metric_classes and api.is_metric_update(node.name.value):
            grad = GradState(disabled=True)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self.eval(param.default, node)
        self.bind_name(node.name.value, UNKNOWN_VALUE)
        frame = Frame(env={}, parent=self.frame, grad=grad, function=node.name.value, owner=owner or "")
        outer = self.frame
        self.frame = frame
        try:
            self.bind_parameters(params, in_class and not _is_static(node), self_attrs or {})
            self.exec_body(node.body)
        finally:
            self.frame = outer
        self.finish_frame(frame)
        self.last_frame = frame

    def bind_parameters(self, params: cst.Parameters, is_method: bool, self_attrs: dict[str, Value]) -> None:
        ordered = [*params.posonly_params, *params.params]
        for index, param in enumerate([*ordered, *params.kwonly_params]):
            value = UNKNOWN_VALUE
            if index == 0 and is_method and param in ordered:
                value = Value(SELF)
                for attr, attr_value in self_attrs.items():
                    self.frame.env[f"{param.name.value}.{attr}"] = attr_value
            elif param.annotation is not None and self.annotation_is_tensor(param.annotation.annotation):
                value = self.annotated_tensor()
            self.frame.env[param.name.value] = value
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.frame.env[star.name.value] = UNKNOWN_VALUE

    def annotation_is_tensor(self, annotation: cst.BaseExpression) -> bool:
        saved = self.silent
        self.silent = 1
        try:
            return self.eval(annotation, annotation).qualname == "torch.Tensor"
        finally:
            self.silent = saved

    def exec_class(self, node: cst.ClassDef) -> None:
        is_module = is_metric = False
        for base in node.bases:
            value = self.eval(base.value, node)
            qualname = value.qualname or ""
            if qualname.startswith(api.METRIC_PACKAGES) or qualname.removeprefix("local:") in self.metric_classes:
                is_metric = True
            if qualname in MODULE_BASES or qualname.removeprefix("local:") in self.module_classes or (
                    qualname.startswith("torch.nn.") and qualname.rsplit(".", 1)[1][:1].isupper()
                    and qualname not in api.NN_NON_MODULES):
                is_module = True
        for keyword in node.keywords:
            self.eval(keyword.value, node)
        for decorator in node.decorators:
            self.eval(decorator.decorator, node)
        name = node.name.value
        if is_module:
            self.module_classes.add(name)
        if is_metric:
            self.metric_classes.add(name)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else node.body.body
        methods = [s for s in body if isinstance(s, cst.FunctionDef)]
        outer = self.frame
        self.frame = Frame(env={}, parent=outer, grad=GradState())
        try:
            for statement in body:
                if not isinstance(statement, cst.FunctionDef):
                    self.exec_statement(statement)
            self_attrs: dict[str, Value] = {}
            init = next((m for m in methods if m.name.value == "__init__"), None)
            if init is not None:
                self.exec_function(init, owner=name)
                self_attrs = _persistent_self_attrs(self.last_frame)
            for method in methods:
                if method is not init:
                    self.exec_function(method, self_attrs, owner=name)
        finally:
            self.frame = outer
        self.bind_name(name, ref(f"local:{name}"))

    def iteration_element(self, iterable: Value) -> Value:
        if iterable.elem is not None:
            return iterable.elem
        if iterable.kind == "range":
            return Value("number")
        if iterable.kind == TUPLE and iterable.items:
            element = iterable.items[0]
            for item in iterable.items[1:]:
                element = join(element, item)
            return element
        return UNKNOWN_VALUE


def _reads(node: cst.CSTNode, name: str) -> bool:
    """Whether `node` reads `name` (`x = x + 1` updates x; `x = f(y)` binds it afresh)."""
    return name in names_in(node)


def join_envs(a: dict[str, Value], b: dict[str, Value]) -> dict[str, Value]:
    joined = dict(a)
    for name, value in b.items():
        other = joined.get(name)
        joined[name] = value if other is None else join(other, value)
    return joined


def _persistent_self_attrs(frame: Frame) -> dict[str, Value]:
    """`self.x` facts from `__init__` that later methods may rely on (never per-call state)."""
    attrs: dict[str, Value] = {}
    for name, value in frame.env.items():
        if "." in name:
            attrs[name.split(".", 1)[1]] = with_facts(value, loss=False, grad_leaf=False)
    return attrs


def _is_static(node: cst.FunctionDef) -> bool:
    return any(dotted_name(d.decorator) in ("staticmethod", "classmethod") for d in node.decorators)


def _known_qualnames() -> set[str]:
    return {*api.FLOAT_FACTORIES, *api.LIKE_FACTORIES, *api.INT_FACTORIES, *api.OTHER_FACTORIES,
            *api.FUNCTIONAL_LOSSES, *api.LOSS_MODULES, *api.MATRIX_PRODUCTS, *api.TRANSPOSING_FUNCTIONS,
            *api.DTYPES, *api.TYPED_TENSORS, *api.NO_GRAD, *api.AUTOCAST, "array.array"}


_AUG_TO_BINARY: dict[type, type] = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.MatrixMultiplyAssign: cst.MatrixMultiply,
    cst.FloorDivideAssign: cst.FloorDivide, cst.ModuloAssign: cst.Modulo, cst.PowerAssign: cst.Power,
}

_COMPOUND: dict[type, Callable[[Interpreter, cst.CSTNode], None]] = {
    cst.If: Interpreter.exec_if,  # type: ignore[dict-item]
    cst.For: Interpreter.exec_for,  # type: ignore[dict-item]
    cst.While: Interpreter.exec_while,  # type: ignore[dict-item]
    cst.With: Interpreter.exec_with,  # type: ignore[dict-item]
    cst.Try: Interpreter.exec_try,  # type: ignore[dict-item]
    cst.TryStar: Interpreter.exec_try,  # type: ignore[dict-item]
    cst.FunctionDef: Interpreter.exec_function,  # type: ignore[dict-item]
    cst.ClassDef: Interpreter.exec_class,  # type: ignore[dict-item]
}

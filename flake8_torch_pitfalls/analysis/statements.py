"""Statement execution: one abstract interpretation per file, statement by statement, in order.

The interpreter keeps an environment from names to abstract values per function (reassignment replaces
facts, branches join them, loops are run to a joined state before the pass that emits events). Imports
bind qualified names, so `th.mm`, `from torch import mm` and `torch.mm` are all `torch.mm`, and a
parameter named `torch` shadows the module. Every statement and expression emits its event (events.py);
checks subscribe to them and ask the facts (facts.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import libcst as cst

from ..settings import Settings
from . import other_libraries as libs
from . import torch_api as api
from .events import Dispatcher, Subscriber
from .expressions import ExpressionEvaluator
from .facts import FactsView, FunctionFacts
from .flows import Frame
from .grad import GradState, with_item_effect
from .imports import ImportSpec, from_cst
from .library import qualified
from .liveness import Liveness
from .arguments import CallArgs
from .summaries import (PROPERTY_DECORATORS, TRANSPARENT_DECORATORS, CallSite, at_call_site, computed_parameters,
                        falls_through, generator, parameter_facts, returned, returned_parameter)
from .syntax import dotted_name, names_in, target_root
from .values import (MODEL_OUTPUT, NONE_VALUE, UNKNOWN_VALUE, Autograd, Kind, Value, join, number, ref, stored, tensor,
                     without_identity)

#: (region index, its code: parsed, or only imports, or None when skipped, the names a skipped one binds)
Segment = tuple[int, "cst.Module | tuple[ImportSpec, ...] | None", frozenset[str]]

#: Loops nested deeper than this are interpreted once (no joined pre-pass), bounding the work.
MAX_PREPASS_DEPTH = 2
#: How many times the file's functions are read again as their callers, read again, hand them more.
MAX_RERUN_ROUNDS = 3
#: Functions interpreted ahead of their definition, one inside another, at most (a call chain's depth).
MAX_SUMMARY_DEPTH = 3


class Interpreter(ExpressionEvaluator):
    """Runs the abstract interpretation of one file's regions, emitting events to the subscribers."""

    def __init__(self, settings: Settings, subscribers: Sequence[Subscriber], tree: ast.Module | None = None) -> None:
        super().__init__(settings, Dispatcher(subscribers, FactsView(self)))
        self.tree = tree  # the whole file as `ast` read it: what the liveness of autograd is computed from
        self._liveness: Liveness | None = None
        self.module = cst.Module(body=[])  # renders any node's code with default formatting
        self.stores: set[int] = set()
        self.metric_classes: set[str] = set()
        self.prepass_depth = 0
        self.region = 0  # the region being interpreted (findings are located within it)
        self.asserting = 0  # > 0 while an `assert` statement's expressions are evaluated
        self.statement: cst.CSTNode | None = None  # the simple statement being interpreted
        self.summaries: dict[str, Value] = {}  # "local:<scope>" of a function -> what its calls return
        #: module-level functions and methods: their definition, class (None for a function) and region
        self.definitions: dict[str, tuple[cst.FunctionDef, str | None, int]] = {}
        self.call_sites: dict[str, dict[int, CallSite]] = {}  # what each call of one of them hands it, by call
        self.one_run_sites: dict[str, CallSite] = {}  # a call seen in a one-run interpretation (the latest)
        self.passed_through: dict[str, tuple[int | None, str]] = {}  # functions that return a parameter
        self.one_call: cst.FunctionDef | None = None  # the function read with the facts of one call
        self._init_only: frozenset[str] | None = None  # attributes stored only in an `__init__`
        self.readers: dict[str, set[str]] = {}  # function -> the file's functions that read what it returns
        self.class_attrs: dict[str, dict[str, Value]] = {}  # a class's `self.` facts after `__init__`
        self.methods_by_name: dict[str, list[str]] = {}  # a method name -> the file's methods of that name
        self._methods_in_file: dict[str, int] | None = None
        self.summarising: list[str] = []  # functions interpreted ahead of their definition, innermost last

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def liveness(self) -> Liveness:
        if self._liveness is None:
            self._liveness = Liveness(self.tree if self.tree is not None else ast.Module(body=[], type_ignores=[]))
        return self._liveness

    def autograd_live(self) -> bool:
        """Autograd is live here: grad is enabled and the function runs on a forward or training path."""
        return not self.frame.grad.disabled and self.liveness().is_live(self.frame.scope)

    def training_code(self) -> bool:
        return self.autograd_live()

    def grad_disabled_by_caller(self) -> bool:
        return self.liveness().called_without_grad(self.frame.scope)

    def graph_pending(self, node: cst.CSTNode) -> bool:
        """Whether a graph still to be backpropagated may have saved the tensor `node` denotes (or the
        tensor it is a slice of: `delta[i]` shares `delta`'s storage; not an entry of a container)."""
        name = dotted_name(node)
        if name is None and isinstance(node, cst.Subscript):
            root = target_root(node)
            value, root_name = self.value(root), dotted_name(root)
            if root_name in self.frame.computed or value.kind is Kind.TENSOR or value == MODEL_OUTPUT:
                name = root_name
        if name is None or self.frame.grad.disabled:
            return False
        if name in self.frame.computed:
            return True
        return name in self.frame.graph_inputs and self.liveness().returns_graph(self.frame.scope)

    def release(self) -> None:
        """Drop what the interpretation holds (every node's value, the subscribers). It refers to itself
        (its facts view, its library model), so without this the whole file's state would wait for the
        cyclic garbage collector, which costs the next files' parse its time."""
        self.values.clear()
        self.parents.clear()
        self.stores.clear()
        self.frame = Frame(env={}, parent=None, grad=GradState())
        self.events.by_type.clear()
        self.tree, self._liveness = None, None

    def defer(self, callback: Callable[[FunctionFacts], None]) -> None:
        """Run `callback` when the current function (or module) has been fully interpreted."""
        region = self.region

        def in_region(frame: FunctionFacts) -> None:
            current, self.region = self.region, region
            try:
                callback(frame)
            finally:
                self.region = current

        self.frame.deferred.append(in_region)

    # ---- regions ------------------------------------------------------------------------------

    def run_segments(self, segments: Sequence[Segment]) -> None:
        """Interpret a file given as regions: parsed ones run, import-only ones bind their names, and
        skipped ones only forget what they bind."""
        self.index_definitions(segments)
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
        self.rerun_with_call_sites()
        self.finish_frame(self.frame)

    def index_definitions(self, segments: Sequence[Segment]) -> None:
        """The parsed module-level functions and methods, for calls that precede their definition."""
        for region, body, _ in segments:
            if not isinstance(body, cst.Module):
                continue
            for statement in body.body:
                if isinstance(statement, cst.FunctionDef):
                    self.definitions[f"local:{statement.name.value}"] = (statement, None, region)
                elif isinstance(statement, cst.ClassDef):
                    owner = statement.name.value
                    for item in statement.body.body:
                        if not isinstance(item, cst.FunctionDef):
                            continue
                        qualname = f"local:{owner}.{item.name.value}"
                        self.definitions[qualname] = (item, owner, region)
                        self.methods_by_name.setdefault(item.name.value, []).append(qualname)
                        if any(_decorator_name(d) in PROPERTY_DECORATORS for d in item.decorators):
                            self.properties.add(qualname)

    def local_callee(self, name: str, method: bool) -> Value | None:
        if not method:
            qualname = f"local:{name}"
            return ref(qualname) if qualname in self.definitions else None
        frame: Frame | None = self.frame
        while frame is not None and not frame.owner:
            frame = frame.parent
        if frame is None:
            return None
        qualname = "local:" + ".".join((*frame.scope[:-1], name))
        return ref(qualname) if qualname in self.summaries or qualname in self.definitions else None

    def local_method(self, receiver: Value, name: str) -> Value | None:
        if receiver.kind in (Kind.MODULE, Kind.LOSS_FN, Kind.OBJECT) and (receiver.qualname or "").startswith("local:"):
            qualname = f"{receiver.qualname}.{name}"
            return ref(qualname) if qualname in self.definitions else None
        if receiver.kind is not Kind.UNKNOWN or name in api.LIBRARY_METHOD_NAMES:
            return None
        definers = self.methods_by_name.get(name, ())
        if len(definers) != 1 or self.methods_in_file().get(name, 0) != 1:
            return None  # another class defines one too (parsed or not): which one runs is not known
        return ref(definers[0])

    def methods_in_file(self) -> dict[str, int]:
        """How many classes of the whole file (not only its parsed regions) define each method name."""
        if self._methods_in_file is None:
            counts: dict[str, int] = {}
            for node in ast.walk(self.tree) if self.tree is not None else ():
                if isinstance(node, ast.ClassDef):
                    for name in {item.name for item in node.body
                                 if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}:
                        counts[name] = counts.get(name, 0) + 1
            self._methods_in_file = counts
        return self._methods_in_file

    def instance_attribute(self, owner: str, attr: str) -> Value | None:
        """What `__init__` keeps in `self.<attr>`, for an attribute the file stores nowhere else (a buffer's
        `self.obs = np.array(self.obs)` in another method, `buf.obs = ...` elsewhere, change it)."""
        self.note_reader(f"local:{owner}.__init__")
        value = self.class_attrs.get(owner, {}).get(attr)
        if value is None or value.kind is Kind.UNKNOWN or attr not in self.init_only_attributes():
            return None
        return value

    def init_only_attributes(self) -> frozenset[str]:
        """Attribute names the file stores only as `self.<name>` inside an `__init__` (read once per file)."""
        if self._init_only is None:
            stored: dict[str, bool] = {}
            for function in ast.walk(self.tree) if self.tree is not None else ():
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module, ast.ClassDef)):
                    continue
                in_init = isinstance(function, ast.FunctionDef) and function.name == "__init__"
                for node in _own_nodes(function):
                    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                        by_self = in_init and isinstance(node.value, ast.Name) and node.value.id == "self"
                        stored[node.attr] = stored.get(node.attr, True) and by_self
            self._init_only = frozenset(name for name, only in stored.items() if only)
        return self._init_only

    def function_result(self, qualname: str, args: CallArgs, module_call: bool = False,
                        node: cst.Call | None = None) -> Value | None:
        recursive = qualname == "local:" + ".".join(self.frame.scope)  # says nothing of how it is entered
        if qualname in self.definitions and not recursive and (not self.events.muted or self.events.one_run_only):
            site = CallSite(args, module_call, self.computed_arguments(node) if node is not None else frozenset())
            if not self.events.muted:  # the latest reading of a call knows the most
                sites = self.call_sites.setdefault(qualname, {})
                sites[id(node) if node is not None else -len(sites) - 1] = site
            else:
                self.one_run_sites[qualname] = site
        self.note_reader(qualname)
        summary = self.call_summary(qualname)
        through = self.passed_through.get(qualname)
        if through is not None and not args.starred:
            handed = args.get(through[0], through[1]) if through[0] is not None else args.keywords.get(through[1])
            if handed is not None:
                return handed  # `x = scale_(x)`: what was handed, changed in place
        return summary

    def note_reader(self, qualname: str) -> None:
        """The function being interpreted reads what `qualname` returns (or, for an `__init__`, what it
        keeps in `self.`): read it again when that says more."""
        reader = "local:" + ".".join(self.frame.scope)
        if not self.events.muted and reader in self.definitions:
            self.readers.setdefault(qualname, set()).add(reader)

    def computed_arguments(self, node: cst.Call) -> frozenset[int | str]:
        """The call's arguments that are results of grad-enabled operations (`helper(model(x))`)."""
        if self.grad_disabled:
            return frozenset()
        found: set[int | str] = set()
        for index, arg in enumerate(node.args):
            if arg.star:
                break
            value = self.value(arg.value)
            name = dotted_name(arg.value)
            computed = (name in self.frame.computed if name is not None else _is_graph_op(arg.value, self.value)) \
                and value.kind in (Kind.TENSOR, Kind.UNKNOWN) and not value.autograd.detached \
                and value.dtype not in api.NON_DIFFERENTIABLE_DTYPES
            if computed:
                found.add(arg.keyword.value if arg.keyword is not None else index)
        return frozenset(found)

    def rerun_with_call_sites(self) -> None:
        """Interpret again each function of the file whose calls all hand a parameter facts worth reasoning
        about, with those facts bound (what only shows in the callee: the `.view` of a tensor the caller
        transposed); again when a caller read again hands it more (`build()` makes an LSTM, `init(rnn)` loops
        over its parameters, `scale_(param)` updates one), at most MAX_RERUN_ROUNDS times. Findings it
        repeats are the same findings. Then, for one-run subscribers only, each function with the facts of
        the first call a loop's first iteration makes, when they say more (`env.reset()`'s tuple handed to a
        policy on the first step, an ndarray on the later ones)."""
        read_with: dict[str, dict[str, Value]] = {}
        stale: set[str] = set()  # functions that read a summary that has changed since
        for _ in range(MAX_RERUN_ROUNDS):
            refined: set[str] = set()
            reran = False
            for qualname in dict.fromkeys([*self.call_sites, *sorted(stale)]):
                sites = list(self.call_sites.get(qualname, {}).values())
                facts = self.parameter_facts(qualname, sites)
                normalised = _identity_free(facts)
                if (not facts or read_with.get(qualname) == normalised) and qualname not in stale:
                    continue
                stale.discard(qualname)
                read_with[qualname] = normalised
                node, owner, _ = self.definitions[qualname]
                reran = True
                if self.rerun(qualname, facts, computed_parameters(
                        node.params, owner is not None and not _is_static(node), sites), keep_summary=bool(facts)):
                    refined.add(qualname)
            stale = {reader for qualname in refined for reader in self.readers.get(qualname, ())}
            if not reran:  # what a round read again may hand its callees more: another round
                break
        for qualname, site in list(self.one_run_sites.items()):
            facts = self.parameter_facts(qualname, [site])
            every_call = self.parameter_facts(qualname, list(self.call_sites.get(qualname, {}).values()))
            if not facts or _same_facts(facts, every_call):
                continue
            counters = self.events.muted, self.events.one_run
            self.events.muted += 1
            self.events.one_run += 1
            self.one_call = self.definitions[qualname][0]
            try:
                self.rerun(qualname, facts)
            finally:
                self.events.muted, self.events.one_run = counters
                self.one_call = None

    def parameter_facts(self, qualname: str, sites: list[CallSite]) -> dict[str, Value]:
        node, owner, _ = self.definitions[qualname]
        if owner is not None and owner not in self.class_attrs:
            return {}
        return parameter_facts(node.params, owner is not None and not _is_static(node), sites)

    def rerun(self, qualname: str, arguments: dict[str, Value], computed: set[str] | None = None,
              keep_summary: bool = False) -> bool:
        """Interpret one of the file's functions again with `arguments` bound (and `computed` the parameters
        a pending graph may have saved). `keep_summary`: the arguments hold for every call the file makes,
        so what it returns with them holds for every call too (a minibatch generator handed a float64
        tensor yields float64 batches); otherwise the summary stays. Whether the summary now says more."""
        node, owner, region = self.definitions[qualname]
        summary = self.summaries.get(qualname)
        module_frame, self.region = self.frame, region
        self.frame = self.definition_frame(owner)
        attrs = self.class_attrs.get(owner or "")
        try:
            frame = self.exec_function(node, attrs, owner=owner, arguments=arguments, computed=computed)
        finally:
            self.frame = module_frame
            refined = summary is not None and qualname in self.summaries and without_identity(
                self.summaries[qualname]) != without_identity(summary)
            if summary is not None and not (keep_summary and refined):
                self.summaries[qualname] = summary
        if keep_summary and owner is not None and attrs is not None and node.name.value == "__init__":
            kept = {**attrs, **_persistent_self_attrs(frame)}  # what every construction in the file hands it
            if not _same_facts(kept, attrs):
                self.class_attrs[owner] = kept
                self.readers.setdefault(qualname, set()).update(
                    q for q in self.definitions if q.startswith(f"local:{owner}.") and q != qualname)
                return True
        return keep_summary and refined

    def definition_frame(self, owner: str | None) -> Frame:
        """Where a module-level function is defined (the module), or a method: a class body of its own
        (its `__init__`'s facts come as `self_attrs`)."""
        module = self.frame
        while module.parent is not None:
            module = module.parent
        return module if owner is None else Frame(env={}, parent=module, grad=GradState(), scope=(owner,))

    def call_summary(self, qualname: str) -> Value | None:
        """What a call of the file's own function returns, or None when it is not known: interpreted
        ahead of its definition (muted) when it comes later in the file, at most once, never recursively."""
        summary = self.summaries.get(qualname)
        if summary is None and qualname in self.definitions and qualname not in self.summarising \
                and len(self.summarising) < MAX_SUMMARY_DEPTH:
            node, owner, _ = self.definitions[qualname]
            if owner is not None and owner not in self.class_attrs:
                return None
            caller, statement = self.frame, self.statement
            self.frame = self.definition_frame(owner)
            self.summarising.append(qualname)
            self.events.muted += 1
            try:
                self.exec_function(node, self.class_attrs.get(owner or ""), owner=owner)
            finally:
                self.events.muted -= 1
                self.summarising.pop()
                self.frame, self.statement = caller, statement
            summary = self.summaries.setdefault(qualname, UNKNOWN_VALUE)
        if summary is None:
            return None
        return at_call_site(summary, self.frame.grad.disabled)

    def finish_frame(self, frame: Frame) -> None:
        for callback in frame.deferred:
            callback(frame)

    # ---- blocks -------------------------------------------------------------------------------

    def exec_block(self, statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            self.exec_statement(statement)

    def exec_statement(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self.exec_small(small)
            return
        if isinstance(statement, cst.BaseSmallStatement):  # the body of `class A: x = 1`
            self.exec_small(statement)
            return
        self.statement = None
        method = _COMPOUND.get(type(statement))
        if method is not None:
            method(self, statement)
        else:
            self.exec_other(statement)

    def exec_other(self, node: cst.CSTNode) -> None:
        """A statement the interpreter does not model (`match`): its expressions, then its blocks."""
        self.events.emit(node)
        self._exec_parts(node)

    def _exec_parts(self, node: cst.CSTNode) -> None:
        for child in node.children:
            if isinstance(child, cst.BaseSuite):
                self.exec_body(child)
            elif isinstance(child, cst.BaseExpression):
                self.eval(child, node)
            else:
                self._exec_parts(child)

    def exec_body(self, body: cst.BaseSuite) -> None:
        if isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self.exec_small(small)
        else:
            self.exec_block(body.body)

    # ---- simple statements --------------------------------------------------------------------

    def exec_small(self, small: cst.BaseSmallStatement) -> None:
        self.statement = small
        frame = self.frame
        if frame.statement_inputs:  # what the previous statements fed to grad-enabled ops
            frame.graph_inputs |= frame.statement_inputs
            frame.statement_inputs.clear()
        if isinstance(small, cst.Assign):
            self.exec_assign(small)
        elif isinstance(small, cst.AugAssign):
            self.exec_aug_assign(small)
        elif isinstance(small, cst.AnnAssign):
            self.exec_ann_assign(small)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, small)
            self.events.emit(small)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            self.events.emit(small)
            self.exec_import(from_cst(small))
        elif isinstance(small, cst.Return):
            if small.value is not None:
                self.frame.returned_values.append(self.backpropagated_loss(small.value, self.eval(small.value, small)))
                self.frame.returned_nodes.append(small.value)
            else:
                self.frame.returned_values.append(NONE_VALUE)
            self.events.emit(small)
        elif isinstance(small, (cst.Pass, cst.Break, cst.Continue, cst.Global, cst.Nonlocal)):
            self.events.emit(small)
        elif isinstance(small, cst.Assert):
            self.asserting += 1
            try:
                self.eval_children(small)
                self.events.emit(small)
            finally:
                self.asserting -= 1
        elif isinstance(small, cst.Del):
            self.eval_children(small)
            self.events.emit(small)
            self.forget_deleted(small.target)
        else:
            self.eval_children(small)
            self.events.emit(small)

    def forget_deleted(self, target: cst.BaseExpression) -> None:
        """`del x`, `del m.weight`, `del m._parameters["weight"]`: what the name held is gone (a module's
        parameter deleted this way becomes a plain attribute when assigned again)."""
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.forget_deleted(element.value)
            return
        name = dotted_name(target)
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Attribute) \
                and target.value.attr.value in ("_parameters", "_buffers", "_modules") and len(target.slice) == 1:
            key = target.slice[0].slice
            owner = dotted_name(target.value.value)
            literal = key.value.evaluated_value if isinstance(key, cst.Index) and isinstance(
                key.value, cst.SimpleString) else None
            if isinstance(literal, str) and owner is not None:
                name = f"{owner}.{literal}"
        if name is not None:
            self.frame.env[name] = UNKNOWN_VALUE
            self.frame.rebound.add(name)

    def prepare_target(self, target: cst.BaseExpression, statement: cst.CSTNode) -> None:
        """Evaluate what a store target reads (`d` and `k` in `d[k] = v`) and mark it as a store."""
        self.stores.add(id(target))
        self.note_parent(target, statement)
        if isinstance(target, cst.Name):
            self.values[id(target)] = self.lookup(target.value)
        elif isinstance(target, cst.Attribute):
            self.eval(target.value, target)
            self.values[id(target)] = self.attribute_value(self.value(target.value), target, target.attr.value)
            self.events.emit(target)
        elif isinstance(target, cst.Subscript):
            self.eval(target, statement)
            changed = dotted_name(target.value)
            if changed is not None:
                self.frame.inplace_names.add(changed)
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
        elif isinstance(target, cst.Subscript):
            self.bind_item(target, value)

    def bind_item(self, target: cst.Subscript, value: Value) -> None:
        """`d["k"] = v`, `xs[i] = v`: what the container now holds (values.stored)."""
        name = dotted_name(target.value)
        current = self.frame.lookup(name) if name is not None else None
        if name is None or current is None or current.kind not in (Kind.DICT, Kind.LIST):
            return
        index = target.slice[0].slice if len(target.slice) == 1 else None
        if isinstance(index, cst.Slice) or index is None:  # `xs[:] = ys`: the elements of what is assigned
            value = value.elem or UNKNOWN_VALUE
        key = index.value.evaluated_value if isinstance(index, cst.Index) and isinstance(
            index.value, cst.SimpleString) else None
        self.frame.env[name] = stored(current, key if isinstance(key, str) else None, value)
        self.frame.rebound.add(name)

    def bind_attribute(self, target: cst.Attribute, value: Value, fresh: bool = True) -> None:
        name = dotted_name(target)
        if name is None:
            return
        owner = dotted_name(target.value)
        if target.attr.value == "requires_grad" and owner is not None:
            current = self.frame.lookup(owner) or self.value(target.value)  # `layer.weight.requires_grad = False`
            if current.maybe_tensor and value.dtype == "bool" and value.int_value is not None:
                self.frame.env[owner] = current.with_autograd(replace(current.autograd, leaf=bool(value.int_value)))
                self.frame.rebound.add(owner)
            return
        if self.lookup(name.split(".", 1)[0]).kind is Kind.SELF:
            self.bind_name(name, value, fresh)

    def bind_unpacked(self, target: cst.Tuple | cst.List, value: Value) -> None:
        elements = target.elements
        starred = any(isinstance(e, cst.StarredElement) for e in elements)
        if value.kind is Kind.SHAPE and value.elem is not None and not starred:
            dims = value.elem.layout.rank_dims(len(elements))
            name = value.qualname
            owner = self.frame.lookup(name) if name else None
            if name and owner and owner.layout.dims is None and owner.layout.shape_id == value.elem.layout.shape_id:
                self.frame.env[name] = owner.with_layout(replace(owner.layout, dims=dims))  # the unpack tells the rank
            for element, size in zip(elements, dims):
                self.bind(element.value, number(size=size))
            return
        items: Sequence[Value] | None = value.items if value.kind is not Kind.DICT else None  # a dict unpacks keys
        if items is not None and len(items) == len(elements) and not starred:
            for element, item in zip(elements, items):
                self.bind(element.value, item)
            return
        element_value = value.elem if value.kind is Kind.LIST and value.elem is not None and not starred else None
        for element in elements:  # every element of a list has what its elements share
            self.bind(element.value, element_value or UNKNOWN_VALUE)

    def exec_assign(self, node: cst.Assign) -> None:
        value = self.eval(node.value, node)
        for assign_target in node.targets:
            self.prepare_target(assign_target.target, node)
        self.events.emit(node)
        for assign_target in node.targets:
            sink = dotted_name(target_root(assign_target.target))
            if sink is not None:
                self.record_flow(node.value, sink)
            fresh = sink is None or not self.frame.loops or sink not in names_in(node.value)
            self.bind(assign_target.target, value, fresh=fresh)
            self.note_computed(assign_target.target, node.value, value)

    def note_computed(self, target: cst.BaseExpression, expression: cst.BaseExpression, value: Value) -> None:
        """Names bound to the result of a grad-enabled operation (`out = a.sigmoid()`, `h, c = self.rnn(x)`):
        autograd may have saved that result for a backward still to come."""
        names = [target.value] if isinstance(target, cst.Name) else [
            e.value.value for e in target.elements if isinstance(e.value, cst.Name)] if isinstance(
            target, (cst.Tuple, cst.List)) else []
        computed = not self.grad_disabled and _is_graph_op(expression, self.value) and not value.autograd.detached \
            and value.dtype not in api.NON_DIFFERENTIABLE_DTYPES \
            and value.kind in (Kind.TENSOR, Kind.UNKNOWN, Kind.TUPLE)
        for name in names:
            if computed:
                self.frame.computed.add(name)
            else:
                self.frame.computed.discard(name)

    def backpropagated_loss(self, node: cst.BaseExpression, value: Value) -> Value:
        """What a `return` hands back: a loss when the function backpropagated it (an optimizer's closure,
        `loss.backward(); return loss`), whatever made it."""
        if not isinstance(node, cst.Name) or not value.maybe_tensor or value.autograd.loss or self.grad_disabled:
            return value
        if not any(node.value in names_in(backpropagated) for backpropagated in self.frame.backward_nodes):
            return value
        return value.with_autograd(replace(value.autograd, loss=True)) if value.kind is Kind.TENSOR else tensor(
            autograd=Autograd(loss=True))

    def exec_ann_assign(self, node: cst.AnnAssign) -> None:
        annotation = self.eval(node.annotation.annotation, node)
        if node.value is None:
            self.events.emit(node)
            if isinstance(node.target, cst.Name) and annotation.qualname == "torch.Tensor":
                self.bind_name(node.target.value, tensor())
            return
        value = self.eval(node.value, node)
        self.prepare_target(node.target, node)
        self.events.emit(node)
        sink = dotted_name(target_root(node.target))
        if sink is not None:
            self.record_flow(node.value, sink)
        self.bind(node.target, value)

    def exec_aug_assign(self, node: cst.AugAssign) -> None:
        value = self.eval(node.value, node)
        self.prepare_target(node.target, node)
        current = self.value(node.target)
        changed = dotted_name(node.target.value if isinstance(node.target, cst.Subscript) else node.target)
        if changed is not None:
            self.frame.inplace_names.add(changed)
        self.events.emit(node)
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
        """`from torch import *` binds the names the library model knows of in that module."""
        for qualname in sorted(q for q in api.known_qualnames() if q.rsplit(".", 1)[0] == module):
            self.bind_name(qualname.rsplit(".", 1)[1], qualified(qualname))

    # ---- compound statements ------------------------------------------------------------------

    def exec_if(self, node: cst.If) -> None:
        self.eval(node.test, node)
        self.events.emit(node)
        before = dict(self.frame.env)
        self.narrow(node.test)
        with self.beyond_one_run():  # which branch one run takes is not known
            self.exec_body(node.body)
            after_body = self.frame.env
            self.frame.env = before
            if isinstance(node.orelse, cst.If):
                self.exec_if(node.orelse)
            elif isinstance(node.orelse, cst.Else):
                self.exec_body(node.orelse.body)
        self.frame.env = join_envs(after_body, self.frame.env)
        self.cut_one_run_after(node)

    @contextmanager
    def beyond_one_run(self) -> Iterator[None]:
        """Code a one-run interpretation may not reach with its facts (a branch, a handler, a nested
        function's body): nobody hears it there."""
        if not self.events.one_run_only:
            yield
            return
        self.events.muted += 1
        try:
            yield
        finally:
            self.events.muted -= 1

    def cut_one_run_after(self, node: cst.CSTNode) -> None:
        """After a statement that may leave the iteration or the call early (`if done: continue`), the one run
        may reach what follows only later, with other facts: nobody hears the rest of it (the loop's pre-pass,
        or the one-run reading, restores the counters when it ends)."""
        if self.events.one_run_only and _may_jump(node):
            self.events.muted += 1

    def narrow(self, test: cst.BaseExpression) -> None:
        """`if isinstance(x, torch.Tensor):` (alone or in an `and`): `x` is a tensor in the body."""
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            self.narrow(test.left)
            self.narrow(test.right)
            return
        if not (isinstance(test, cst.Call) and self.value(test.func).qualname == "builtins.isinstance"
                and len(test.args) == 2 and isinstance(test.args[0].value, cst.Name)):
            return
        kinds = test.args[1].value
        options = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
        if all(self.value(option).qualname in api.TENSOR_CLASSES for option in options):
            name = test.args[0].value.value
            if self.lookup(name).kind is not Kind.TENSOR:
                self.frame.env[name] = tensor(autograd=Autograd(param="Parameter" in self.code(kinds), plain=False))

    def exec_for(self, node: cst.For) -> None:
        iterable = self.eval(node.iter, node)
        element = iteration_element(iterable)
        if not isinstance(node.target, cst.Name):
            self.stores.add(id(node.target))
            self.note_parent(node.target, node)
        self.events.emit(node)

        def iteration() -> None:
            self.bind(node.target, element)
            self.exec_body(node.body)

        self.run_loop(iteration, node.orelse)

    def exec_while(self, node: cst.While) -> None:
        self.events.emit(node)

        def iteration() -> None:
            self.eval(node.test, node)
            self.exec_body(node.body)

        self.run_loop(iteration, node.orelse)

    def run_loop(self, iteration: Callable[[], None], orelse: cst.Else | None) -> None:
        """Interpret a loop body: a silent pre-pass joins loop-carried facts, then the reporting pass;
        then the loop's `else:` block."""
        entry = dict(self.frame.env)
        if self.prepass_depth < MAX_PREPASS_DEPTH:
            pending = set(self.frame.computed), set(self.frame.graph_inputs)  # the pre-pass runs nothing
            self.prepass_depth += 1
            counters = self.events.muted, self.events.one_run
            self.events.muted += 1
            self.events.one_run += 1  # the first iteration: what it sees holds of that run
            self.frame.loops.append(set())
            self.frame.loop_entries.append(entry)
            self.frame.loop_models.append(False)
            try:
                iteration()
            finally:
                self.frame.loops.pop()
                self.frame.loop_entries.pop()
                runs_model = self.frame.loop_models.pop()
                self.events.muted, self.events.one_run = counters  # also ends a cut (`beyond_one_run`)
                self.prepass_depth -= 1
            self.frame.env = join_envs(entry, self.frame.env)
            self.frame.computed, self.frame.graph_inputs = pending
            self.frame.statement_inputs.clear()
        else:
            runs_model = False
        before = dict(self.frame.env)
        self.frame.loops.append(set())
        self.frame.loop_entries.append(before)
        self.frame.loop_models.append(runs_model)  # the pre-pass saw the whole body
        try:
            iteration()
        finally:
            self.frame.loops.pop()
            self.frame.loop_entries.pop()
            self.frame.loop_models.pop()
        self.frame.env = join_envs(before, self.frame.env)
        if orelse is not None:
            self.exec_body(orelse.body)

    def exec_with(self, node: cst.With) -> None:
        saved = self.frame.grad
        for item in node.items:
            value = self.eval(item.item, node)
            self.frame.grad = with_item_effect(self.frame.grad, item.item, value, self.value, self.settings)
            if item.asname is not None:
                self.prepare_target(item.asname.name, node)
                self.bind(item.asname.name, UNKNOWN_VALUE)
        try:
            self.events.emit(node)
            self.exec_body(node.body)
        finally:
            self.frame.grad = saved

    def exec_try(self, node: cst.Try | cst.TryStar) -> None:
        self.events.emit(node)
        with self.beyond_one_run():  # where an exception cuts the body short is not known
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
        self.cut_one_run_after(node)

    def exec_function(self, node: cst.FunctionDef, self_attrs: dict[str, Value] | None = None,
                      owner: str | None = None, arguments: dict[str, Value] | None = None,
                      computed: set[str] | None = None) -> Frame:
        """Interpret a function; `owner` names the class when it is a method; `arguments` are the facts its
        parameters get (none: they are unknown). Returns its finished frame."""
        in_class = owner is not None
        grad = GradState()
        for decorator in node.decorators:
            value = self.eval(decorator.decorator, node)
            grad = with_item_effect(grad, decorator.decorator, value, self.value, self.settings)
        if in_class and node.name.value in api.NO_GRAD_HOOKS:
            grad = GradState(disabled=True)
        if owner in self.metric_classes and api.is_metric_update(node.name.value):
            grad = GradState(disabled=True)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self.eval(param.default, node)
        self.events.emit(node)
        qualname = "local:" + ".".join((*self.frame.scope, node.name.value))
        summarised = all(_decorator_name(d) in TRANSPARENT_DECORATORS for d in node.decorators)
        self.bind_name(node.name.value, ref(qualname) if summarised and not in_class else UNKNOWN_VALUE)
        frame = Frame(env={}, parent=self.frame, grad=grad, function=node.name.value, owner=owner or "",
                      scope=(*self.frame.scope, node.name.value))
        outer = self.frame
        self.frame = frame
        muted = self.events.one_run_only and node is not self.one_call  # a body run later, with other facts
        self.events.muted += muted
        try:
            self.bind_parameters(params, in_class and not _is_static(node), self_attrs or {})
            self.frame.env.update(arguments or {})
            self.frame.computed.update(computed or ())
            frame.entry = dict(self.frame.env)
            self.exec_body(node.body)
        finally:
            self.frame = outer
            self.events.muted -= muted
        if summarised:
            if node.asynchronous:
                self.summaries[qualname] = UNKNOWN_VALUE
            elif frame.generator:
                self.summaries[qualname] = generator(frame.yielded_values)
            else:
                ends = falls_through(node.body)
                self.summaries[qualname] = returned(frame.returned_values, ends)
                through = None if ends or len(frame.returned_nodes) != len(frame.returned_values) else \
                    returned_parameter(params, in_class and not _is_static(node), frame.returned_nodes, frame.rebound)
                # handed back with the facts it came with (not frozen, detached or refilled on the way)
                entry = frame.entry.get(through[1]) if through is not None else None
                if through is not None and entry is not None and all(
                        _same_object_facts(v, entry) for v in frame.returned_values):
                    self.passed_through[qualname] = through
                else:
                    self.passed_through.pop(qualname, None)
        self.finish_frame(frame)
        return frame

    def bind_parameters(self, params: cst.Parameters, is_method: bool, self_attrs: dict[str, Value]) -> None:
        ordered = [*params.posonly_params, *params.params]
        for index, param in enumerate([*ordered, *params.kwonly_params]):
            value = UNKNOWN_VALUE
            if index == 0 and is_method and param in ordered:
                value = Value(Kind.SELF)
                for attr, attr_value in self_attrs.items():
                    self.frame.env[f"{param.name.value}.{attr}"] = attr_value
            elif param.annotation is not None:
                value = self.annotated(param.annotation.annotation)
            self.frame.env[param.name.value] = value
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.frame.env[star.name.value] = UNKNOWN_VALUE

    def annotated(self, annotation: cst.BaseExpression) -> Value:
        """What a parameter annotated `torch.Tensor` (or `pd.DataFrame`, ...) holds."""
        self.events.muted += 1
        try:
            qualname = self.eval(annotation, annotation).qualname or ""
        finally:
            self.events.muted -= 1
        if qualname == "torch.Tensor":
            return tensor(autograd=Autograd(plain=False))  # an nn.Parameter is a Tensor too
        if qualname in libs.CLASSES:
            return Value(Kind.OBJECT, qualname=libs.CLASS_ALIASES.get(qualname, qualname))
        return UNKNOWN_VALUE

    def exec_class(self, node: cst.ClassDef) -> None:
        is_module = is_metric = False
        inherited: dict[str, Value] = {}  # `self.weight` of an `nn.Linear` subclass
        for base in node.bases:
            value = self.eval(base.value, node)
            qualname = value.qualname or ""
            layer = api.nn_layer(qualname)
            if layer in api.LAYER_PARAMETERS:
                inherited = {attr: tensor(autograd=Autograd(param=True, leaf=True, plain=False))
                             for attr in api.LAYER_PARAMETERS[layer]}
            if qualname.startswith(api.METRIC_PACKAGES) or qualname.removeprefix("local:") in self.metric_classes:
                is_metric = True
            if qualname in api.MODULE_BASES or qualname.removeprefix("local:") in self.module_classes or (
                    qualname.startswith("torch.nn.") and qualname.rsplit(".", 1)[1][:1].isupper()
                    and qualname not in api.NN_NON_MODULES):
                is_module = True
        for keyword in node.keywords:
            self.eval(keyword.value, node)
        for decorator in node.decorators:
            self.eval(decorator.decorator, node)
        self.events.emit(node)
        name = node.name.value
        self.classes.add(name)
        if is_module:
            self.module_classes[name] = self.instance_of(node)
        if is_metric:
            self.metric_classes.add(name)
        body = node.body.body
        methods = [s for s in body if isinstance(s, cst.FunctionDef)]
        outer = self.frame
        self.frame = Frame(env={}, parent=outer, grad=GradState(), scope=(*outer.scope, name))
        try:
            for statement in body:
                if not isinstance(statement, cst.FunctionDef):
                    self.exec_statement(statement)
            self_attrs: dict[str, Value] = dict(inherited)
            init = next((m for m in methods if m.name.value == "__init__"), None)
            if init is not None:
                self_attrs |= _persistent_self_attrs(self.exec_function(init, dict(inherited), owner=name))
            self.class_attrs[name] = self_attrs
            for method in methods:
                if method is not init:
                    self.exec_function(method, self_attrs, owner=name)
        finally:
            self.frame = outer
        self.bind_name(name, ref(f"local:{name}"))

    def instance_of(self, node: cst.ClassDef) -> Value:
        """What calling a module class of the file makes: a loss module when it is named for a loss; else a
        module whose parameters have the default dtype, when its `forward` takes its input as it comes."""
        name = node.name.value
        if api.LOSS_NAME.search(name):
            return Value(Kind.LOSS_FN, qualname=f"local:{name}")
        forward = next((s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "forward"),
                       None)
        known = forward is not None and not self.converts_input(name, forward)
        return self.library.module_value(f"local:{name}", self.float_default if known else None)

    def converts_input(self, owner: str, forward: cst.FunctionDef) -> bool:
        """Whether a `forward` passes its first argument through a dtype conversion somewhere
        (`x.float()`, `torch.as_tensor(x, ...)`): then what dtype a caller hands it does not matter. Read
        from flake8's `ast` of the method (walking it is cheap; a LibCST visitor is not)."""
        params = forward.params.params
        if len(params) < 2:
            return True
        name = params[1].name.value
        method = self.ast_method(owner, "forward")
        if method is None:
            return True
        for node in ast.walk(method):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if called in api.DTYPE_CONVERTERS and any(
                        isinstance(n, ast.Name) and n.id == name for n in ast.walk(node)):
                    return True
        return False

    def ast_method(self, owner: str, name: str) -> ast.FunctionDef | None:
        """A method of a module-level class, as flake8's `ast` read it."""
        for statement in self.tree.body if self.tree is not None else ():
            if isinstance(statement, ast.ClassDef) and statement.name == owner:
                return next((item for item in statement.body
                             if isinstance(item, ast.FunctionDef) and item.name == name), None)
        return None


def _is_graph_op(expression: cst.BaseExpression, value_of: Callable[[cst.CSTNode], Value]) -> bool:
    """An operation whose result autograd may track: arithmetic, a call or a slice of one, but not a
    factory, a constructor or a detaching method."""
    if isinstance(expression, (cst.BinaryOperation, cst.UnaryOperation)):
        return True
    if isinstance(expression, cst.Subscript):
        return _is_graph_op(expression.value, value_of)
    if not isinstance(expression, cst.Call):
        return False
    func = expression.func
    if isinstance(func, cst.Attribute) and func.attr.value in api.GRAPH_FREE_METHODS:
        return False
    if isinstance(func, cst.Attribute) and func.attr.value.endswith("_"):
        return _is_graph_op(func.value, value_of)  # `torch.empty(3).uniform_()` is what its receiver is
    qualname = value_of(func).qualname or ""
    return not (qualname in api.FACTORY_NAMES or qualname.startswith(("builtins.", "numpy.")))


def iteration_element(iterable: Value) -> Value:
    """What one iteration over `iterable` binds (a dict's keys, not the values its `elem` describes)."""
    if iterable.kind is Kind.DICT:
        return UNKNOWN_VALUE
    if iterable.elem is not None:
        return iterable.elem
    if iterable.kind is Kind.RANGE:
        return number()
    if iterable.kind is Kind.TUPLE and iterable.items:
        element = iterable.items[0]
        for item in iterable.items[1:]:
            element = join(element, item)
        return element
    return UNKNOWN_VALUE


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
            attrs[name.split(".", 1)[1]] = value.with_autograd(replace(value.autograd, loss=False, leaf=False))
    return attrs


def _decorator_name(decorator: cst.Decorator) -> str:
    """`no_grad` for `@torch.no_grad()`, `property` for `@property`."""
    expression = decorator.decorator
    return (dotted_name(expression.func if isinstance(expression, cst.Call) else expression) or "").rsplit(".", 1)[-1]


def _is_static(node: cst.FunctionDef) -> bool:
    return any(dotted_name(d.decorator) in ("staticmethod", "classmethod") for d in node.decorators)


_AUG_TO_BINARY: dict[type, type[cst.BaseBinaryOp]] = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.MatrixMultiplyAssign: cst.MatrixMultiply,
    cst.FloorDivideAssign: cst.FloorDivide, cst.ModuloAssign: cst.Modulo, cst.PowerAssign: cst.Power,
}

_COMPOUND: dict[type, Callable[[Interpreter, Any], object]] = {
    cst.If: Interpreter.exec_if,
    cst.For: Interpreter.exec_for,
    cst.While: Interpreter.exec_while,
    cst.With: Interpreter.exec_with,
    cst.Try: Interpreter.exec_try,
    cst.TryStar: Interpreter.exec_try,
    cst.FunctionDef: Interpreter.exec_function,
    cst.ClassDef: Interpreter.exec_class,
}


def _may_jump(node: cst.CSTNode) -> bool:
    """Whether a compound statement may leave the enclosing iteration or function early (a `continue`,
    `break`, `return` or `raise` in it, nested functions and classes aside). Read from the statements'
    fields: LibCST's `.children` runs a visitor per call."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.Continue, cst.Break, cst.Return, cst.Raise)):
            return True
        if isinstance(current, cst.SimpleStatementLine):
            stack.extend(current.body)
        elif isinstance(current, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            stack.extend(current.body)
        elif isinstance(current, (cst.If, cst.For, cst.While, cst.With, cst.Else, cst.Finally, cst.ExceptHandler,
                                  cst.ExceptStarHandler)):
            stack.append(current.body)
            orelse = getattr(current, "orelse", None)
            if orelse is not None:
                stack.append(orelse)
        elif isinstance(current, (cst.Try, cst.TryStar)):
            stack.extend([current.body, *current.handlers])
            stack.extend(part for part in (current.orelse, current.finalbody) if part is not None)
    return False


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function, class or module body, without the bodies of the definitions nested in it."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _identity_free(facts: dict[str, Value]) -> dict[str, Value]:
    return {name: without_identity(value) for name, value in facts.items()}


def _same_facts(a: dict[str, Value], b: dict[str, Value]) -> bool:
    """The same facts, whatever shape identities each reading gave its tensors."""
    return _identity_free(a) == _identity_free(b)


def _same_object_facts(value: Value, entry: Value) -> bool:
    """What a parameter is at a `return` still says what it said on entry (its sizes may have been learned)."""
    return (value.kind, value.qualname, value.dtype, value.autograd) == (
        entry.kind, entry.qualname, entry.dtype, entry.autograd)

"""Where autograd is live: the functions of a file that build graphs and backpropagate through them.

A `.data` write is a silent wrong gradient only while a graph that saved the tensor is pending; in init,
setup and no-grad code it is a legacy idiom. So the analysis tells the two apart once per file, from
flake8's `ast` tree of the whole file (regions LibCST never parses included), and only when a check
first asks.

Live roots: `forward` methods; loss functions and loss modules (named for a loss or a criterion);
functions that call `.backward()`, `torch.autograd.grad()` or an optimizer's `.step()`; hand-written
optimizer steps (an in-place update computed from a `.grad`); training functions by name (`train_step`,
`training_step`, `fit`); and module-level code that backpropagates. Liveness flows along the file's own
calls and references (`helper(x)`, `self.helper(x)`, a closure passed to `optimizer.step`). It never
enters init code (`__init__`, `*init*`, `reset_parameters`, functions passed to `.apply()`), setup code
named for what it does (`merge`, `fuse`, `load_*`, `convert_*`, `resize_*`, `tie_*`), functions decorated
with no_grad, or what is called inside a `with torch.no_grad():` block.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import torch_api as api

#: A function's place in its file: the names of the classes and functions around it, then its own.
Scope = tuple[str, ...]

_INIT = re.compile(r"init|^reset_parameters$", re.IGNORECASE)
#: Setup code by name: building, loading, converting, fusing, merging, resizing, tying, pruning, casting.
#: Such a function is live only when it backpropagates itself, never by being called from a live path:
#: `forward` calling `self.unmerge()` first (peft) runs before any graph exists.
_SETUP = re.compile(r"(un)?merge|fuse|load|convert|resize|(^|_)tie(_|$)|reparam|prune|quantize|(^|_)build|"
                    r"state_dict|swap|(^|_)cast(_|$)", re.IGNORECASE)
_LOSS = api.LOSS_NAME
#: `train`, `train_step`, `training_step`, `_train_one_epoch`, `fit`, `do_train`; not the hooks around a
#: step (`on_train_batch_end`), which run between graphs.
_TRAIN = re.compile(r"^_?(train|training|fit)(_|$)|(^|_)train(ing)?_(step|epoch|one_epoch|batch|loop|iteration)$"
                    r"|_train$", re.IGNORECASE)
_OPTIMIZER = re.compile(r"optim|^opt(_|$)|_opt$", re.IGNORECASE)
_NO_GRAD = frozenset(qualname.rsplit(".", 1)[1] for qualname in api.NO_GRAD)  # as written, unresolved
_BACKWARD_METHODS = frozenset({"backward", "manual_backward"})
_NOT_UPDATES = api.NOT_INPLACE | {"zero_"}  # zeroing is no step


@dataclass
class _Function:
    """What one function's body says about autograd, outside its no_grad blocks."""

    scope: Scope
    is_method: bool
    blocked: bool  # init code or a no_grad function: never live
    setup: bool = False  # setup code by name: live only as a root
    root: bool = False
    forward: bool = False  # a forward or a loss: its caller backpropagates what it returns
    steps: bool = False  # an in-place update computed from a `.grad` (`p.add_(p.grad, alpha=-lr)`)
    grads: set[str] = field(default_factory=set)  # names bound to a gradient (`d_p = p.grad`)
    detached: set[str] = field(default_factory=set)  # names bound to a detached tensor (`adv = x.detach()`)
    returns: list[bool] = field(default_factory=list)  # per `return`: whether it hands back nothing with a graph
    names: set[str] = field(default_factory=set)  # names read (calls and references)
    self_attrs: set[str] = field(default_factory=set)  # `self.x` / `cls.x` / `super().x` read


@dataclass(frozen=True)
class _Class:
    loss: bool  # a loss module (named for a loss or a criterion, or derived from one): every method is live
    optimizer: bool  # an `Optimizer` subclass: its `step` is live


class Liveness:
    """Which scopes of one file run with autograd live (module-level code is the scope `()`)."""

    def __init__(self, tree: ast.Module) -> None:
        collector = _Collector()
        collector.module(tree)
        functions = collector.functions
        by_name: dict[str, list[_Function]] = {}
        for function in functions:
            if function.scope:
                by_name.setdefault(function.scope[-1], []).append(function)
            if function.scope and function.scope[-1] in collector.applied:
                function.blocked = True
        self._live = _propagate([f for f in functions if f.root or f.steps], by_name)
        self._no_grad_names = _closure(collector.no_grad_names, functions)
        # Who references each name (calls, attribute reads): a function's own recursion is not a caller.
        self._referenced: dict[str, set[Scope]] = {}
        for function in functions:
            for name in function.names | function.self_attrs:
                self._referenced.setdefault(name, set()).add(function.scope)
        for name in collector.no_grad_names:
            self._referenced.setdefault(name, set()).add(("<no_grad>",))
        # A function that hands back only detached tensors (an attack's `forward`) builds no graph for its caller.
        detached = {f.scope for f in functions if f.returns and all(f.returns)}
        self._forward = _propagate([f for f in functions if f.forward], by_name) - detached

    def is_live(self, scope: Scope) -> bool:
        return scope in self._live

    def called_without_grad(self, scope: Scope) -> bool:
        """Whether the function is called (or referenced) inside a no_grad block or a no_grad function of
        the file, or from a function so called, or is a method of a class used there: its caller may have
        turned grad off."""
        return any(name in self._no_grad_names for name in scope)

    def called_in_file(self, scope: Scope) -> bool:
        """Whether code of the file other than the function itself calls it (for `__init__`: constructs
        its class), or it is module-level code: the file shows a path that runs it."""
        if not scope:
            return True
        name = scope[-2] if scope[-1] == "__init__" and len(scope) > 1 else scope[-1]
        return any(caller != scope for caller in self._referenced.get(name, ()))

    def returns_graph(self, scope: Scope) -> bool:
        """A forward or a loss, or what one calls: the caller backpropagates the graph it builds, so a
        tensor it fed to an op may be saved for a backward still to come."""
        return scope in self._forward


def _closure(names: set[str], functions: list[_Function]) -> set[str]:
    """`names`, and what the functions so named read, until nothing is added (no-grad reaches callees)."""
    closed = set(names)
    changed = True
    while changed:
        changed = False
        for function in functions:
            if function.scope and function.scope[-1] in closed:
                added = (function.names | function.self_attrs) - closed
                if added:
                    closed |= added
                    changed = True
    return closed


def _propagate(roots: list[_Function], by_name: dict[str, list[_Function]]) -> set[Scope]:
    """The scopes reachable from `roots` along names, skipping blocked and setup functions."""
    live: set[Scope] = set()
    work = [f for f in roots if not f.blocked]
    while work:
        function = work.pop()
        if function.scope in live:
            continue
        live.add(function.scope)
        work.extend(f for f in _callees(function, by_name) if not (f.blocked or f.setup) and f.scope not in live)
    return live


def _callees(caller: _Function, by_name: dict[str, list[_Function]]) -> Iterable[_Function]:
    for name in caller.names:  # a function visible where the caller is: defined around it or beside it
        yield from (f for f in by_name.get(name, ()) if not f.is_method and caller.scope[:len(f.scope) - 1]
                    == f.scope[:-1])
    for name in caller.self_attrs:  # a method of any class of the file (inherited ones included)
        yield from (f for f in by_name.get(name, ()) if f.is_method)


class _Collector:
    """One walk over the file: a `_Function` per function (and one for module-level code)."""

    def __init__(self) -> None:
        self.functions: list[_Function] = []
        self.applied: set[str] = set()  # names passed to `.apply(...)`: init functions
        self.no_grad_names: set[str] = set()  # names and `self.` attributes read in no-grad code

    def module(self, tree: ast.Module) -> None:
        top = _Function((), is_method=False, blocked=False)
        self.functions.append(top)
        self.body(tree.body, top, ())

    def body(self, statements: Iterable[ast.AST], owner: _Function | None, scope: Scope,
             in_class: _Class | None = None) -> None:
        for statement in statements:
            self.node(statement, owner, scope, in_class)

    def node(self, node: ast.AST, owner: _Function | None, scope: Scope,
             in_class: _Class | None = None) -> None:
        """Visit `node`, crediting what it does to `owner` (None: nothing is credited, a no_grad block or
        a class body); `in_class` is the class whose body this is."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node, scope, in_class)
            return
        if isinstance(node, ast.ClassDef):
            for child in (*node.bases, *node.keywords, *node.decorator_list):
                self.node(child, owner, scope)
            loss_module = bool(_LOSS.search(node.name)) or any(
                _LOSS.search(_dotted(base) or "") for base in node.bases)
            optimizer = any((_dotted(base) or "").endswith("Optimizer") for base in node.bases)
            self.body(node.body, None, (*scope, node.name), _Class(loss_module, optimizer))
            return
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(_is_no_grad(item.context_expr) for item in node.items):
            for item in node.items:
                self.node(item.context_expr, owner, scope)
            self.no_grad_names.update(_names_read(node.body))
            self.body(node.body, None, scope)
            return
        if owner is not None:
            self.credit(node, owner)
        for child in ast.iter_child_nodes(node):
            self.node(child, owner, scope)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope,
                 in_class: _Class | None) -> None:
        name = node.name
        no_grad = any(_is_no_grad(d) for d in node.decorator_list)
        blocked = no_grad or bool(_INIT.search(name))
        function = _Function((*scope, name), is_method=in_class is not None, blocked=blocked,
                             setup=bool(_SETUP.search(name)))
        mode_switch = in_class is not None and name == "train"  # `nn.Module.train(mode)` overridden
        loss_method = in_class is not None and in_class.loss and not function.setup
        function.forward = name == "forward" or bool(_LOSS.search(name)) or loss_method
        function.root = function.forward or (bool(_TRAIN.search(name)) and not mode_switch) or (
            in_class is not None and in_class.optimizer and name == "step")
        self.functions.append(function)
        if no_grad:
            self.no_grad_names.update(_names_read(node.body))
        for child in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if child is not None:
                self.node(child, None, scope)
        self.body(node.body, function, function.scope)

    def credit(self, node: ast.AST, owner: _Function) -> None:
        """What one node tells of the function it runs in."""
        if isinstance(node, ast.Assign) and _is_detached(node.value, owner.detached):
            owner.detached.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Return):
            owner.returns.append(node.value is None or _is_detached(node.value, owner.detached))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            owner.names.add(node.id)
        elif isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Load) and _is_self(node.value):
                owner.self_attrs.add(node.attr)
        elif isinstance(node, ast.Assign) and _reads_grad(node.value, owner.grads):
            owner.grads.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AugAssign):
            owner.steps |= not _reads_grad(node.target, owner.grads) and _reads_grad(node.value, owner.grads)
        elif isinstance(node, ast.Call):
            self.credit_call(node, owner)

    def credit_call(self, node: ast.Call, owner: _Function) -> None:
        func = node.func
        dotted = _dotted(func) or ""
        if dotted == "autograd.grad" or dotted.endswith(".autograd.grad"):
            owner.root = True
        if not isinstance(func, ast.Attribute):
            return
        method = func.attr
        if method in _BACKWARD_METHODS:
            owner.root = True
        elif method == "step" and (_OPTIMIZER.search(_last_name(func.value)) or any(
                _OPTIMIZER.search(_last_name(arg)) for arg in node.args)):
            owner.root = True  # `optimizer.step()`, `scaler.step(optimizer)`
        elif method == "apply":
            self.applied.update(_last_name(arg) for arg in node.args)
        elif method.endswith("_") and method not in _NOT_UPDATES:
            owner.steps |= not _reads_grad(func.value, owner.grads) and any(
                _reads_grad(arg, owner.grads) for arg in (*node.args, *(k.value for k in node.keywords)))


def _names_read(statements: Iterable[ast.AST]) -> set[str]:
    """Names and attribute names read by some statements (`helper(x)`, `self.update(...)`, `Model(...)`)."""
    names = set()
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                names.add(node.attr)
    return names


def _reads_grad(node: ast.AST, grads: set[str]) -> bool:
    """Whether an expression reads some tensor's `.grad` (a gradient, not the parameter), directly or
    through a name bound to one."""
    return any((isinstance(n, ast.Attribute) and n.attr == "grad") or (isinstance(n, ast.Name) and n.id in grads)
               for n in ast.walk(node))


def _is_detached(node: ast.AST, detached: set[str]) -> bool:
    """`x.detach()`, `torch.clamp(x, 0, 1).detach().cpu()`, or a name bound to one."""
    if isinstance(node, ast.Name):
        return node.id in detached
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "detach":
            return True
        node = node.func.value
    return False


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return None


def _last_name(node: ast.AST) -> str:
    """`optimizer` for `self.optimizer`, `opt` for `opt`; "" for anything else."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _is_self(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id in ("self", "cls")) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super")


def _is_no_grad(node: ast.AST) -> bool:
    """`torch.no_grad()`, `@torch.inference_mode()`, `torch.set_grad_enabled(False)` as written."""
    dotted = _dotted(node) or ""
    if dotted.rsplit(".", 1)[-1] in _NO_GRAD:
        return True
    return (dotted.endswith("set_grad_enabled") and isinstance(node, ast.Call) and bool(node.args)
            and isinstance(node.args[0], ast.Constant) and node.args[0].value is False)

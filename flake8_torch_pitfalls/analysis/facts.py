"""The narrow, typed interface through which checks see the analysis.

Checks receive a `Facts` with every event and may only ask: the value of an expression, its qualified
name, the analysed arguments of a call, the grad context, and the flow facts of the function they are
in. They cannot run or change the interpretation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import libcst as cst

from .arguments import CallArgs, call_arguments
from .flows import outlives_iteration, value_entering_loop
from .values import Kind, Value

if TYPE_CHECKING:
    from .statements import Interpreter


class FunctionFacts(Protocol):
    """What is known of a function (or the module) once all of it has been interpreted."""

    @property
    def function(self) -> str:
        """The function's name ("" for the module)."""

    @property
    def owner(self) -> str:
        """The name of the class the function is a method of ("" for none)."""

    @property
    def backward_names(self) -> set[str]:
        """Names read by expressions that are backpropagated."""

    @property
    def returned_names(self) -> set[str]:
        """Names read by `return` statements."""

    @property
    def detached_names(self) -> set[str]:
        """Names rebound somewhere to a detached copy (`loss = loss.detach()`)."""

    @property
    def inplace_names(self) -> set[str]:
        """Dotted names the function changes in place (`x.add_(1)`, `x += 1`, `x[i] = v`)."""

    def reaches_backward(self) -> set[str]:
        """Names whose values flow (through assignments and appends) into a backpropagated value."""

    def reaches_return(self) -> set[str]:
        """Names whose values flow into what the function returns (`part` in `total += part; return total`)."""


class Facts(Protocol):
    """What a check may ask at the point of the event it handles."""

    def value(self, node: cst.CSTNode) -> Value:
        """The abstract value of an evaluated expression (unknown when it was not evaluated)."""

    def qualname(self, node: cst.CSTNode) -> str | None:
        """The qualified name an expression denotes (`torch.from_numpy` for `th.from_numpy`)."""

    def call_args(self, node: cst.Call) -> CallArgs:
        """The analysed arguments of an evaluated call."""

    def parent(self, node: cst.Attribute | cst.Call | cst.Subscript) -> cst.CSTNode | None:
        """The node an attribute, call or subscript expression sits in."""

    def is_store(self, node: cst.CSTNode) -> bool:
        """Whether an expression is the target of an assignment."""

    @property
    def grad_disabled(self) -> bool:
        """Autograd is off here (no_grad, inference_mode, set_grad_enabled(False), a no-grad hook)."""

    @property
    def called_in_file(self) -> bool:
        """Code of the file other than the function this runs in calls it (constructs its class, for
        `__init__`), or this is module-level code: the file shows a path that runs it."""

    @property
    def loop_runs_model(self) -> bool:
        """A loop around here calls a model (a module, the file's own function, or a callable the analysis
        cannot see into) in its body: each iteration builds a graph of its own, not one more node of a
        graph built before the loop."""

    @property
    def grad_disabled_by_caller(self) -> bool:
        """The function this runs in is called in the file from no-grad code (a `with torch.no_grad():`
        block, a `@torch.no_grad()` function): grad may be off here although nothing here says so."""

    @property
    def autograd_live(self) -> bool:
        """Autograd is live here: grad is enabled, in a function on a forward or training path (a `forward`,
        a loss, a function that backpropagates or steps an optimizer, what those call in the file) or in
        module-level code that backpropagates; never in init, setup or no-grad code (liveness.py)."""

    def requires_grad(self, value: Value) -> bool:
        """Whether a tensor with these facts requires grad here, as far as the source shows: grad is enabled
        (here and in the file's callers) and it is a leaf that requires grad, or a loss (not detached) in code
        where autograd is live (elsewhere a loss, say a metric's, may be of tensors that need no grad)."""

    def graph_pending(self, node: cst.CSTNode) -> bool:
        """Whether a graph still to be backpropagated may have saved the tensor `node` names: a name this
        function bound to a grad-enabled operation's result (`out = a.sigmoid()`), or, in a forward or a
        loss (whose caller backpropagates), a tensor an earlier statement fed to a grad-enabled operation."""

    @property
    def in_autocast(self) -> bool:
        """Inside torch.autocast(...)."""

    @property
    def asserting(self) -> bool:
        """Inside an `assert` statement's expressions."""

    @property
    def statement(self) -> cst.CSTNode | None:
        """The simple statement being interpreted (None in a compound statement's header)."""

    def outlives_iteration(self, target: cst.BaseExpression) -> bool:
        """Whether a store into `target` survives the current loop iteration (or the call, for self)."""

    def value_entering_loop(self, name: str) -> Value:
        """The joined facts about `name` at the top of the innermost loop's iteration."""

    def defer(self, callback: Callable[[FunctionFacts], None]) -> None:
        """Run `callback` once the current function (or module) has been fully interpreted."""

    def code(self, node: cst.CSTNode) -> str:
        """The source text of a node."""


class FactsView:
    """The `Facts` of a running interpretation: queries only."""

    __slots__ = ("_run",)

    def __init__(self, run: Interpreter) -> None:
        self._run = run

    def value(self, node: cst.CSTNode) -> Value:
        return self._run.value(node)

    def qualname(self, node: cst.CSTNode) -> str | None:
        value = self._run.value(node)
        return value.qualname if value.kind is Kind.REF else None

    def call_args(self, node: cst.Call) -> CallArgs:
        return call_arguments(node, self._run.value)

    def parent(self, node: cst.Attribute | cst.Call | cst.Subscript) -> cst.CSTNode | None:
        return self._run.parents.get(id(node))

    def is_store(self, node: cst.CSTNode) -> bool:
        return id(node) in self._run.stores

    @property
    def grad_disabled(self) -> bool:
        return self._run.frame.grad.disabled

    @property
    def called_in_file(self) -> bool:
        return self._run.liveness().called_in_file(self._run.frame.scope)

    @property
    def loop_runs_model(self) -> bool:
        return any(self._run.frame.loop_models)

    @property
    def grad_disabled_by_caller(self) -> bool:
        return self._run.grad_disabled_by_caller()

    @property
    def autograd_live(self) -> bool:
        return self._run.autograd_live()

    def requires_grad(self, value: Value) -> bool:
        autograd = value.autograd
        if value.kind is not Kind.TENSOR or autograd.detached or not (autograd.leaf or autograd.loss):
            return False
        if self._run.frame.grad.disabled or self._run.grad_disabled_by_caller():
            return False
        return autograd.leaf or self._run.autograd_live()

    def graph_pending(self, node: cst.CSTNode) -> bool:
        return self._run.graph_pending(node)

    @property
    def in_autocast(self) -> bool:
        return self._run.frame.grad.autocast

    @property
    def asserting(self) -> bool:
        return self._run.asserting > 0

    @property
    def statement(self) -> cst.CSTNode | None:
        return self._run.statement

    def outlives_iteration(self, target: cst.BaseExpression) -> bool:
        return outlives_iteration(self._run.frame, target, self._run.value)

    def value_entering_loop(self, name: str) -> Value:
        return value_entering_loop(self._run.frame, name)

    def defer(self, callback: Callable[[FunctionFacts], None]) -> None:
        self._run.defer(callback)

    def code(self, node: cst.CSTNode) -> str:
        return self._run.code(node)

"""TPF001: a loss tensor stored so that it outlives the loop iteration keeps its autograd graph alive.

`total += loss` chains every iteration's graph onto the accumulator (PyTorch FAQ, "my model reports
cuda runtime error(2): out of memory"). Flagged: `acc += loss`, `acc = acc + loss`, `lst.append(loss)`,
`self.x += loss`, `d[k] = loss` into an accumulator that outlives the iteration. Silent: the same
statements on `.item()` / `float()` / `.detach()` values, under no_grad/inference_mode, when the
accumulator itself is later backpropagated (`loss += reg` then `loss.backward()`, or
`torch.stack(losses).sum().backward()`), or when a tensor accumulator is returned (a loss summed over
heads or codebooks, backpropagated by the caller).
"""

from __future__ import annotations

import libcst as cst

from ..analysis.interpreter import Frame, Interpreter
from ..analysis.syntax import dotted_name, names_in, target_root
from ..analysis.values import NUMBER, TENSOR
from .base import Check

_APPENDERS = frozenset({"append", "extend", "insert", "add"})


class LossKeptAcrossIterations(Check):
    code = "TPF001"
    summary = "loss tensor kept across iterations (use .item() / float() / .detach())"
    # A loss is named (`loss`, `nn.MSELoss`, `F.mse_loss`, the functional losses without the word)
    # or backpropagated (`x.backward(`, not `fsdp_backward_prefetch`), and something outlives an
    # iteration: a loop statement, or an accumulation into `self.` (what `outlives_iteration` asks).
    triggers = ((r"loss|Loss|LOSS|cross_entropy|kl_div|backward\(",
                 r"^for\s|^async\s+for\s|^while\s|self\.([\w.]+)(?:\s*(?:[-+*/%@&|^]|<<|>>|//|\*\*)=|"
                 r"\.(?:append|extend|insert|add)\(|\[[^\n]*\]\s*=[^=]|\s*=[^\n]*self\.\1\b)"),)

    def visit_AugAssign(self, node: cst.AugAssign, at: Interpreter) -> None:
        self._consider(node, node.target, node.value, at)

    def visit_Assign(self, node: cst.Assign, at: Interpreter) -> None:
        for assign_target in node.targets:
            target = assign_target.target
            if isinstance(target, cst.Subscript):
                self._consider(node, target, node.value, at)
            elif isinstance(target, (cst.Name, cst.Attribute)) and isinstance(node.value, cst.BinaryOperation):
                own = dotted_name(target)
                if own is not None and own in names_in(node.value):  # `acc = acc + loss`
                    self._consider(node, target, node.value, at)

    def visit_Call(self, node: cst.Call, at: Interpreter) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in _APPENDERS and node.args):
            return
        self._consider(node, func.value, node.args[-1].value, at)

    def _consider(self, node: cst.CSTNode, target: cst.BaseExpression, stored: cst.BaseExpression,
                  at: Interpreter) -> None:
        if at.grad_disabled or not at.outlives_iteration(target):
            return
        value = at.value(stored)
        if isinstance(stored, (cst.List, cst.Tuple)) and value.elem is not None:
            value = value.elem  # `losses += [loss]`
        if not value.maybe_tensor or value.kind == NUMBER:
            return
        accumulator = dotted_name(target_root(target))
        tensor_accumulator = accumulator is not None and at.value_entering_loop(accumulator).kind == TENSOR
        carriers = _graph_carrying_names(stored)
        expression = at.code(stored)

        def decide(frame: Frame) -> None:
            if accumulator is not None and accumulator in frame.reaches_backward():
                return  # the accumulated graph is itself backpropagated: that is the point of it
            if tensor_accumulator and accumulator in frame.returned_names:
                return  # a loss built from parts in a tensor and returned: the caller backpropagates it
            if value.loss or carriers & frame.backward_names:
                self.report(node, f"loss tensor kept across iterations keeps its autograd graph alive; "
                                  f"accumulate {_item_of(expression)} (or float(...), or .detach())")

        at.defer(decide)


def _graph_carrying_names(node: cst.BaseExpression) -> set[str]:
    """Plain names whose tensors an arithmetic expression carries (`loss * n` carries `loss`)."""
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.BinaryOperation):
        return _graph_carrying_names(node.left) | _graph_carrying_names(node.right)
    if isinstance(node, cst.UnaryOperation):
        return _graph_carrying_names(node.expression)
    if isinstance(node, (cst.List, cst.Tuple)):
        return set().union(*(_graph_carrying_names(e.value) for e in node.elements)) if node.elements else set()
    return set()


def _item_of(expression: str) -> str:
    if len(expression) > 40 or "\n" in expression:
        return "loss.item()"
    if expression.isidentifier():
        return f"{expression}.item()"
    return f"({expression}).item()"

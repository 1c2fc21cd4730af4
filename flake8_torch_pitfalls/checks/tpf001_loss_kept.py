"""TPF001: a loss tensor stored so that it outlives the loop iteration keeps its autograd graph alive.

`total += loss` chains every iteration's graph onto the accumulator (PyTorch FAQ, "my model reports
cuda runtime error(2): out of memory"). Flagged: `acc += loss`, `acc = acc + loss`, `lst.append(loss)`,
`self.x += loss`, `d[k] = loss` into an accumulator that outlives the iteration. Silent: the same
statements on `.item()` / `float()` / `.detach()` values, under no_grad/inference_mode (and in a
torchmetrics/ignite metric's `update()`, which those frameworks run without grad), when the
accumulator itself is later backpropagated (`loss += reg` then `loss.backward()`, or
`torch.stack(losses).sum().backward()`), when it is returned as a loss for the caller to backpropagate
(a tensor accumulator, or one returned from `forward` or from a function or class named for a loss,
which does not backpropagate it itself), when it is rebound earlier in the same iteration, and for
`d["key"] = loss`, which replaces one entry instead of collecting them.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.interpreter import Frame, Interpreter
from ..analysis.syntax import dotted_name, names_in, target_root
from ..analysis.values import NUMBER, TENSOR
from .base import Check

#: Methods that store one more item in a list or set, by the number of positional arguments they take
#: (`tracker.add("loss", loss)` is a logger's call, not `set.add`).
_APPENDERS = {"append": 1, "extend": 1, "add": 1, "insert": 2}


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
                if not _constant_key(target):  # `d["loss"] = loss` replaces one entry each time
                    self._consider(node, target, node.value, at)
            elif isinstance(target, (cst.Name, cst.Attribute)) and isinstance(node.value, cst.BinaryOperation):
                own = dotted_name(target)
                if own is not None and own in names_in(node.value):  # `acc = acc + loss`
                    self._consider(node, target, node.value, at)

    def visit_Call(self, node: cst.Call, at: Interpreter) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and len(node.args) == _APPENDERS.get(func.attr.value)
                and all(arg.keyword is None and not arg.star for arg in node.args)):
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
            # Names backpropagated here, unless also rebound to their `.detach()` (detached on some path).
            backpropagated = carriers & frame.backward_names - _detached_names(frame)
            if accumulator in frame.returned_names and (
                    tensor_accumulator or (_builds_loss(frame) and not backpropagated)):
                return  # a loss built from parts and returned: the caller backpropagates it
            if value.loss or backpropagated:
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


def _constant_key(target: cst.Subscript) -> bool:
    """`d["loss"]`, `d[0]`: the same entry on every iteration."""
    return all(isinstance(element.slice, cst.Index)
               and isinstance(element.slice.value, (cst.SimpleString, cst.Integer))
               for element in target.slice)


def _detached_names(frame: Frame) -> set[str]:
    """Names the function rebinds to a detached copy somewhere (`loss = loss.detach()`)."""
    return {sink for source, sink in frame.flow_nodes
            if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute)
            and source.func.attr.value == "detach"}


def _builds_loss(frame: Frame) -> bool:
    """A function whose job is computing a loss for its caller: a `forward`, or one named for a loss."""
    return (frame.function in ("forward", "__call__") or "loss" in frame.function.lower()
            or "loss" in frame.owner.lower())


def _item_of(expression: str) -> str:
    if len(expression) > 40 or "\n" in expression:
        return "loss.item()"
    if expression.isidentifier():
        return f"{expression}.item()"
    return f"({expression}).item()"

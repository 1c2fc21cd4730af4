"""TPF001: a loss tensor stored so that it outlives the loop iteration keeps its autograd graph alive."""

from __future__ import annotations

import re

import libcst as cst

from ..analysis.facts import Facts, FunctionFacts
from ..analysis.syntax import dotted_name, names_in, target_root
from ..analysis.values import Kind
from ..settings import Settings
from .base import Check
from .declaration import GraphLeak, Message, Page

#: Methods that store one more item in a list or set, by the number of positional arguments they take
#: (`tracker.add("loss", loss)` is a logger's call, not `set.add`).
#: Methods that store their last argument into their receiver (`add_`: a tensor accumulated in place).
_APPENDERS = {"append": 1, "extend": 1, "add": 1, "insert": 2, "add_": 1}


class LossKeptAcrossIterations(Check):
    code = "TPF001"
    title = "loss tensor kept across iterations"
    summary = "loss tensor kept across iterations (graph kept alive, memory grows every step)"
    fix_summary = "accumulate `loss.item()` / `float(loss)` / `loss.detach()`"
    messages = {
        "kept": Message("loss tensor kept across iterations keeps its autograd graph alive; "
                        "accumulate {item} (or float(...), or .detach())", fix="accumulate {item}"),
        "kept_in_container": Message("{container} holding a loss tensor is kept across iterations and keeps its "
                                     "autograd graph alive; put the loss's .item() (or .detach()) in it instead",
                                     fix="put the loss's .item() (or .detach()) in it"),
    }
    expectation = GraphLeak()
    # A loss is named (`loss`, `nn.MSELoss`, `F.mse_loss`, the functional losses without the word)
    # or backpropagated (`x.backward(`, not `fsdp_backward_prefetch`), and something outlives an
    # iteration: a loop statement, or an accumulation into `self.` (what `outlives_iteration` asks).
    triggers = ((r"loss|Loss|LOSS|cross_entropy|kl_div|backward\(",
                 r"^for\s|^async\s+for\s|^while\s|self\.([\w.]+)(?:\s*(?:[-+*/%@&|^]|<<|>>|//|\*\*)=|"
                 r"\.(?:append|extend|insert|add_?)\(|\[[^\n]*\]\s*=[^=]|\s*=[^\n]*self\.\1\b)"),)

    @classmethod
    def triggers_for(cls, settings: Settings) -> tuple[tuple[str, ...], ...]:
        """A project's own loss functions and classes are losses too (`extra-losses`)."""
        return cls.triggers + tuple((re.escape(name.rsplit(".", 1)[-1]),) for name in sorted(settings.extra_losses))

    page = Page(
        pitfall="""\
After `loss.backward()`, storing `loss` itself (`total += loss`, `losses.append(loss)`,
`self.running += loss`, `history[epoch] = loss`) keeps a tensor that carries the autograd graph. Each
iteration adds its graph to the accumulator, so memory grows with every step until the GPU runs out
(PyTorch FAQ: "My model reports cuda runtime error(2): out of memory" — `total_loss += loss`).""",
        runtime="""\
No exception. The autograd graph reachable from the accumulator grows
by a fixed number of nodes every iteration. Where the graph was not yet backpropagated (validation loops,
logging before `backward()`), it also keeps every step's saved activations, so on CUDA
`torch.cuda.memory_allocated()` grows by the same amount each step until the GPU runs out. After
`backward()` the saved tensors are freed, but the node chain still grows with every step.""",
        fix="""\
Accumulate a number or a detached tensor:

```python
total += loss.item()        # or float(loss), or loss.detach()
```""",
        flagged="""\
A value that carries a loss — the result of an `nn.*Loss` module call, a
`torch.nn.functional` loss function, anything derived from those by arithmetic (`loss * n`), or a name
on which `.backward()` is called, a model output's `.loss` (`outputs.loss`), the call of a loss class of
the file (`class FocalLoss(nn.Module)`) — stored into an accumulator that outlives the loop iteration: a name
bound before the loop, a `self.` attribute, or a list/dict defined outside the loop (`+=`, `append`, a tensor
accumulated in place with `acc.add_(loss)`). The loss may come from the file's own function or method (a
train step that returns its loss, or the loss it backpropagated; `model.compute_loss(...)` when one class of
the file defines it; an optimizer's closure, through `optimizer.step(closure)`), unpacked from the tuple or
list it returns (each element keeps its facts), or from the values of a dict of losses
(`for k, v in losses.items(): totals[k] += v`); a dict or list holding a loss that is stored whole
(`outputs.append(step_output)`, `{"loss": loss, "n": n}` returned by a step) keeps it too, unless its loss
entry was replaced first (`out["loss"] = out["loss"].detach()`).""",
        silent="""\
- `loss += reg` / `loss = loss + term` before that same loss is backpropagated;
- a list of losses that is later reduced and backpropagated (`torch.stack(losses).sum().backward()`,
  or `objective = sum(parts); objective.backward()`), and multi-head sums backpropagated afterwards;
- anything under `torch.no_grad()`, `torch.inference_mode()`, a `@torch.no_grad()` function, a
  Lightning `validation_step` / `test_step` / `predict_step`, or the `update()` (and `_update...`
  helpers) of a torchmetrics or ignite metric: torchmetrics wraps `update()` in
  `torch.set_grad_enabled(False)` and ignite calls it from a `@torch.no_grad()` hook;
- a sum of the parts of one graph returned for the caller to backpropagate: a loop that runs no model
  (`for out, target in zip(outputs, targets): total = total + F.mse_loss(out, target)`);
- a loss built from parts and returned for the caller to backpropagate: a tensor accumulator
  (`loss = torch.zeros([])`), or any accumulator returned from a `forward` / `__call__` or from a
  function or class named for a loss (`compute_loss`, `class FeatureMatchingLoss`) that does not
  backpropagate the parts itself. An `evaluate()` that returns `total_loss` without `no_grad` is still
  flagged, and so is one that calls `loss.backward()` on each part and returns the sum;
- an accumulator rebound earlier in the same iteration (`self.loss = zero()` at the top of the loop
  body): the next iteration drops what it held;
- `d["loss"] = loss` with a constant key: one entry replaced each time, not a growing collection;
- a name detached on some path (`if with_backward: loss.backward(); loss = loss.detach()`) then stored;
- `.item()`, `float()`, `.detach()`, `.cpu().item()`, `.tolist()` values; number accumulators; numpy
  results (`np.mean([...])`);
- a logger's `tracker.add("loss", loss)`: only `append`/`add`/`extend` with one argument and
  `insert` with two are list and set stores;
- tensors that are not losses (`total += model(x).sum()`).""",
    )

    def visit_AugAssign(self, node: cst.AugAssign, at: Facts) -> None:
        self._consider(node, node.target, node.value, at)

    def visit_Assign(self, node: cst.Assign, at: Facts) -> None:
        for assign_target in node.targets:
            target = assign_target.target
            if isinstance(target, cst.Subscript):
                if not _constant_key(target):  # `d["loss"] = loss` replaces one entry each time
                    self._consider(node, target, node.value, at)
            elif isinstance(target, (cst.Name, cst.Attribute)) and isinstance(node.value, cst.BinaryOperation):
                own = dotted_name(target)
                if own is not None and own in names_in(node.value):  # `acc = acc + loss`
                    self._consider(node, target, node.value, at)

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and len(node.args) == _APPENDERS.get(func.attr.value)
                and all(arg.keyword is None and not arg.star for arg in node.args)):
            return
        self._consider(node, func.value, node.args[-1].value, at)

    def _consider(self, node: cst.CSTNode, target: cst.BaseExpression, stored: cst.BaseExpression,
                  at: Facts) -> None:
        if at.grad_disabled or not at.outlives_iteration(target):
            return
        value = at.value(stored)
        displays: list[cst.BaseExpression] | None = None  # `losses += [loss]`: the items, for the message
        if isinstance(stored, (cst.List, cst.Tuple)) and value.elem is not None:
            value = value.elem
            displays = [element.value for element in stored.elements]
            if len(stored.elements) == 1:
                stored = stored.elements[0].value
        container = value.kind in (Kind.DICT, Kind.LIST, Kind.TUPLE)  # a step's `{"loss": loss, ...}`
        if not (value.maybe_tensor or container) or value.kind is Kind.NUMBER:
            return
        accumulator = dotted_name(target_root(target))
        tensor_accumulator = accumulator is not None and at.value_entering_loop(accumulator).kind is Kind.TENSOR
        carriers = _graph_carrying_names(stored, at)
        parts_of_one_graph = not at.loop_runs_model  # `total = total + loss(head, target)` over the heads
        expression = (at.code(stored) if displays is None
                      else "[" + ", ".join(_item_of(at.code(item)) for item in displays) + "]")
        carries_loss = value.autograd.loss or (container and any(
            part.autograd.loss for part in (*(value.items or ()), *((value.elem,) if value.elem else ()))))

        def decide(frame: FunctionFacts) -> None:
            if accumulator is not None and accumulator in frame.reaches_backward():
                return  # the accumulated graph is itself backpropagated: that is the point of it
            # Names backpropagated here, unless also rebound to their `.detach()` (detached on some path).
            backpropagated = carriers & frame.backward_names - frame.detached_names
            if accumulator in frame.reaches_return() and not backpropagated and (
                    tensor_accumulator or _builds_loss(frame) or parts_of_one_graph):
                return  # a loss built from parts and returned: the caller backpropagates it
            if not (carries_loss or backpropagated):
                return
            if container:
                self.report(node, "kept_in_container", container=f"a {value.kind.value}")
            else:
                self.report(node, "kept", item=expression if displays is not None else _item_of(expression))

        at.defer(decide)


def _graph_carrying_names(node: cst.BaseExpression, at: Facts) -> set[str]:
    """Names whose tensors an arithmetic expression carries (`loss * n` carries `loss`; an attribute only
    when it holds a tensor: `outputs.loss`, not `self.num_particles`)."""
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.Attribute):
        name = dotted_name(node)
        return {name} if name is not None and at.value(node).kind is Kind.TENSOR else set()
    if isinstance(node, cst.BinaryOperation):
        return _graph_carrying_names(node.left, at) | _graph_carrying_names(node.right, at)
    if isinstance(node, cst.UnaryOperation):
        return _graph_carrying_names(node.expression, at)
    if isinstance(node, (cst.List, cst.Tuple)):
        return set().union(*(_graph_carrying_names(e.value, at) for e in node.elements)) if node.elements else set()
    return set()


def _constant_key(target: cst.Subscript) -> bool:
    """`d["loss"]`, `d[0]`: the same entry on every iteration."""
    return all(isinstance(element.slice, cst.Index)
               and isinstance(element.slice.value, (cst.SimpleString, cst.Integer))
               for element in target.slice)


def _builds_loss(frame: FunctionFacts) -> bool:
    """A function whose job is computing a loss for its caller: a `forward`, or one named for a loss."""
    return (frame.function in ("forward", "__call__") or "loss" in frame.function.lower()
            or "loss" in frame.owner.lower())


def _item_of(expression: str) -> str:
    if len(expression) > 40 or "\n" in expression:
        return "loss.item()"
    if expression.isidentifier():
        return f"{expression}.item()"
    return f"({expression}).item()"

"""TPF002: `.data` used where `.detach()` (or `torch.no_grad()`) is meant, in code where autograd is live."""

from __future__ import annotations

import libcst as cst

from ..analysis.facts import Facts
from .base import Check
from .data_access import DATA_MESSAGES, report_data_use
from .declaration import Page, Raises, WrongGradient


class DataInsteadOfDetach(Check):
    code = "TPF002"
    title = ("`.data` used where `.detach()` (or `torch.no_grad()`) is meant, on a tensor a pending graph may "
             "have saved")
    summary = "`.data` change to a tensor a pending graph saved (gradients silently wrong)"
    fix_summary = "`.detach()`; updates under `torch.no_grad()` or out of place"
    messages = {key: DATA_MESSAGES[key] for key in ("read", "update", "assign", "replace", "share", "legacy_index")}
    expectation = WrongGradient(detach_raises=Raises("RuntimeError", (
        r"one of the variables needed for gradient computation has been modified by an inplace operation",
    )))
    triggers = ((r"\.data\b",),)
    page = Page(
        pitfall="""\
`x.data` gives the tensor's storage without autograd tracking *and* without the
version counter. Changes made through it while a graph that saved the tensor is pending are invisible to
autograd, so gradients come out wrong with no error. `x.detach()` shares the storage too, but autograd
notices in-place changes and raises.""",
        runtime="""\
Nothing — that is the danger. In the reproducer, zeroing
`sigmoid(a)` through `.data` makes `a.grad` all zeros instead of `sigmoid'(a)`; the same change through
`.detach()` raises `one of the variables needed for gradient computation has been modified by an
inplace operation`.""",
        fix="""\
- reads: `x.detach()` instead of `x.data`;
- in-place updates (`p.data.add_(...)`, `p.data -= lr * p.grad`, `p.data[i] = v`): do the update on the
  tensor itself inside `with torch.no_grad():` (or `p.copy_(t)` there);
- `p.data = t`: `p.copy_(t)` under `torch.no_grad()` when shape, dtype and device stay the same; when they
  change, `torch.utils.swap_tensors(p, nn.Parameter(t))` or a new `nn.Parameter` assigned under
  `torch.no_grad()` (never an in-place fix: `copy_` cannot change a shape);
- legacy `loss.data[0]` (an `IndexError` on a 0-dim tensor since PyTorch 0.4): `loss.item()`, wherever it
  runs (no-grad code too), on a loss value or a name or key named for one (`loss_fn(...)` passed in,
  `state["loss"].data[0]`, `loss.data.cpu()[0]`).""",
        flagged="""\
A `.data` whose change reaches a graph that is still to be backpropagated, in grad-enabled code where
autograd is live (a `forward`, a loss, a function that calls `.backward()`, `torch.autograd.grad()` or an
optimizer's `.step()`, a training function, and what those call in the file; never init, setup or no-grad
code):
- an in-place update or assignment through `.data` (`x.data.masked_fill_(...)`, `x.data -= v`,
  `x.data[i] = v`, `x.data = t`) of a tensor the same function computed with grad enabled
  (`attn = q @ k.t()`, `pred = model(x)`), or, in a forward or a loss (whose caller backpropagates), of a
  tensor an earlier statement fed to an op (`torch.cdist(x, self.codebook)`, then
  `self.codebook.data.copy_(...)`), or of a parameter every call of the file hands such a result
  (`rescale_(netG(noise))`, where `rescale_` does `delta.data *= s`), slices and elements included
  (`delta[i].data *= s`);
- a read of such a tensor bound to a name the function later changes in place (`c = out.data; c.zero_()`,
  the notes' example);
- legacy `loss.data[0]`, an `IndexError` since PyTorch 0.4.""",
        silent="""\
`.data` of things that are not tensors: `self.data` in a `Dataset`,
`numpy_array.data` (a memoryview), `response.data`, graph/batch objects, `PackedSequence.data`,
`torchvision.datasets.X(...).data`, and any receiver the analysis cannot show to be a tensor. Metadata
reads (`.data.dtype`, `.data.shape`, `.data.size(0)`, `isinstance(p.data, ...)`, `torch.zeros_like(p.data)`)
and test assertions; index and mask tensors (integer and bool dtypes never require grad); reads that end in
numpy, an index or a comparison (`out.data.cpu().numpy()`, `out.data.max(1)[1]`); a tensor just detached;
gradients (`p.grad.data`); a bitsandbytes parameter's packed storage; `p.data = p.data.to(dtype)`-style
retyping. Every other `.data` of a tensor is the legacy idiom without a pending graph, TPF012's (off by
default): init code, setup code (loading, converting, fusing, merging, resizing, tying), no-grad code,
hand-written optimizer steps and projections that run between backward and the next forward, parameters
clamped in a forward before they are used, and plain reads.""",
        notes=(("Where autograd is live", """\
The analysis decides it once per file, from the whole file (liveness.py): the roots above, then
everything they call or reference in the file (`helper(x)`, `self._step(p)`, a closure passed to
`optimizer.step`), never through init code, setup code named for what it does (`merge`, `fuse`, `load_*`,
`convert_*`, `resize_*`), a no_grad function or a call inside a `with torch.no_grad():` block. A helper in
another file called from a training loop is not followed."""), ("Where this is narrower than the first spec", """\
The first spec flagged every `.data` of a tensor in live code (optimizer steps, projections, clamps,
reads). An independent review of a fixed sample of those findings in the library and training corpora
judged them spec-true and almost never worth changing: the update runs after backward, before the next
forward, when no graph has saved the tensor. So TPF002 asks the analysis whether a pending graph may have
saved the tensor, and the rest went to TPF012 (see
[`benchmarks/REAL_WORLD.md`](../benchmarks/REAL_WORLD.md))."""),),
    )

    def visit_Attribute(self, node: cst.Attribute, at: Facts) -> None:
        report_data_use(self, node, at, hazard=True)

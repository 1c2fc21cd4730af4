"""TPF012 (opt-in): `.data` in init, setup and no-grad code, the legacy idiom TPF002 leaves alone there."""

from __future__ import annotations

import libcst as cst

from ..analysis.facts import Facts
from .base import Check
from .data_access import DATA_MESSAGES, report_data_use
from .declaration import Page, Raises, WrongGradient


class DataInSetupCode(Check):
    code = "TPF012"
    title = "`.data` where no pending graph can be affected: the legacy idiom (opt-in, off by default)"
    summary = "`.data` in init / setup / no-grad code, optimizer steps (opt-in): retire the legacy idiom"
    fix_summary = "`nn.init.*_`, updates under `torch.no_grad()`, `.detach()`"
    default_enabled = False
    messages = DATA_MESSAGES
    expectation = WrongGradient(detach_raises=Raises("RuntimeError", (
        r"one of the variables needed for gradient computation has been modified by an inplace operation",
    )))
    triggers = ((r"\.data\b",),)
    page = Page(
        pitfall="""\
The `.data` uses TPF002 leaves alone because no graph is pending where they run: weight init, checkpoint
loading and conversion, fusing and resizing, `torch.no_grad()` code, hand-written optimizer steps and
projections that run between backward and the next forward, parameters clamped before use, plain reads.
They work as long as that stays true. The day such a helper runs while a graph that saved the tensor is
pending (an EMA update or a re-parameterisation between forward and backward), the change is invisible to
autograd and the gradient is silently wrong, where the same code without `.data` would have raised.
PyTorch's own examples replaced the idiom with `nn.init.*_`, `torch.no_grad()` and `.detach()`.""",
        runtime="""\
Nothing while no graph is pending. In the reproducer, a rescaling helper that writes through `.data`
runs between forward and backward: the input's gradient comes out doubled with no error; the same helper
written with `torch.no_grad()` and no `.data` raises `one of the variables needed for gradient computation
has been modified by an inplace operation`.""",
        fix="""\
- init: `nn.init.normal_(m.weight, 0.0, 0.02)`, `nn.init.zeros_(m.bias)` (they run under no_grad);
- updates: the tensor itself inside `with torch.no_grad():` (drop `.data` where grad is already off);
- `p.data = t`: `p.copy_(t)` under `torch.no_grad()`, or `torch.utils.swap_tensors(p, nn.Parameter(t))`
  when shape, dtype or device change;
- reads: `.detach()` (or the tensor itself where grad is already off).""",
        flagged="""\
Every `.data` use of a tensor (read, updated, assigned, passed to `nn.init`) that TPF002 does not flag:
under `torch.no_grad()` / `inference_mode()` / `@torch.no_grad()`; in init code (`__init__`, functions passed
to `.apply()`, `_init_weights`, `reset_parameters`, `*init*` helpers) and setup code (loading, converting,
fusing, merging, resizing, tying); and on a forward or training path where no pending graph can have saved
the tensor (optimizer steps, projections, clamps before use, reads, gradients' `.data`). Off by default:
turn it on with `flake8 --extend-select TPF012` (or `extend-select = TPF012` in the flake8 config) or
`torch-pitfalls check --extend-select TPF012` (or `extend-select = ["TPF012"]` in
`[tool.torch-pitfalls]`).""",
        silent="""\
Everything TPF002 keeps silent for every code: `.data` of things that are not tensors (`Dataset.data`,
memoryviews, `PackedSequence.data`, `torchvision` datasets), metadata reads (`.data.shape`, `.data.dtype`,
`isinstance(p.data, ...)`), test assertions, index and detached tensors, `p.data = p.data.to(dtype)`
retyping, reads that end in numpy, an index or a comparison; and the hazards, which are TPF002's.""",
        notes=(("Why off by default", """\
An independent review of 40 library findings of `.data` in such code judged every one an idiom no
engineer would change in a release (weight init, `@torch.no_grad()` fusing, checkpoint conversion). It is a
modernisation rule for projects that want to retire the idiom, not a bug finder."""),),
    )

    def visit_Attribute(self, node: cst.Attribute, at: Facts) -> None:
        report_data_use(self, node, at, hazard=False)

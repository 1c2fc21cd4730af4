"""The safety net below the rules: the analysis asked directly for the facts of an expression at a point.

`reveal(x)` in a snippet records what the analysis knows of `x` there (its value, the grad context), the
way mypy's `reveal_type` does; the snippet is interpreted for real (regions, LibCST, events), by a
subscriber that is no rule.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass, fields

import libcst as cst
import pytest

from flake8_torch_pitfalls.analysis.events import EVENTS, EXPRESSION_NODES, STATEMENT_NODES, Subscriber
from flake8_torch_pitfalls.analysis.facts import Facts
from flake8_torch_pitfalls.analysis.values import (MODEL_OUTPUT, PER_PATH_FIELDS, UNKNOWN_VALUE, Autograd, Kind, Layout,
                                                   Value, join)
from flake8_torch_pitfalls.engine import interpret
from flake8_torch_pitfalls.settings import Settings


@dataclass(frozen=True)
class Seen:
    code: str
    value: Value
    grad_disabled: bool
    autocast: bool
    live: bool  # autograd is live here (liveness.py)
    pending: bool  # a pending graph may have saved it

    @property
    def kind(self) -> Kind:
        return self.value.kind


class Reveal(Subscriber):
    triggers = ((r"reveal\(",),)

    def __init__(self) -> None:
        self.seen: list[Seen] = []

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "reveal":
            argument = node.args[0].value
            self.seen.append(Seen(at.code(argument), at.value(argument), at.grad_disabled, at.in_autocast,
                                  at.autograd_live, at.graph_pending(argument)))


def reveal(source: str, settings: Settings = Settings()) -> list[Seen]:
    probe = Reveal()
    interpret("import torch\n" + textwrap.dedent(source), [probe], settings)
    return probe.seen


def revealed(source: str) -> Value:
    (seen,) = reveal(source)
    return seen.value


# ---- dtype ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "dtype"), [
    ("torch.randn(3)", "float32"),
    ("torch.zeros(2, 3, dtype=torch.float64)", "float64"),
    ("torch.arange(5)", "int64"),
    ("torch.arange(0.0, 1.0)", "float32"),
    ("torch.tensor([1, 2])", "int64"),
    ("torch.tensor([1.0, 2])", "float32"),
    ("torch.tensor([True])", "bool"),
    ("torch.randn(3).double()", "float64"),
    ("torch.randn(3).to(torch.half)", "float16"),
    ("torch.randn(3).to('cpu')", "float32"),
    ("torch.randn(3).to(device)", "float32"),  # an unknown argument of `.to()` is read as a device
    ("torch.randn(3).long().t()", "int64"),
    ("torch.randn(2, 3).view(6)", "float32"),
    ("torch.DoubleTensor(2, 3)", "float64"),
    ("torch.from_numpy(np.zeros(3))", "float64"),
    ("torch.from_numpy(np.ones(3, dtype=np.float32))", "float32"),
    ("torch.randn(3) * 2", "float32"),
    ("torch.randn(3) @ torch.randn(3)", "float32"),
    ("torch.zeros_like(torch.arange(3))", "int64"),
    ("torch.randn(3).argmax()", "int64"),
    ("torch.randn(3) > 0", "bool"),
])
def test_dtype_of_factories_conversions_and_ops(expression: str, dtype: str) -> None:
    value = revealed(f"import numpy as np\nreveal({expression})\n")
    assert (value.kind, value.dtype) == (Kind.TENSOR, dtype)


@pytest.mark.parametrize("expression", [
    "torch.randn(3) + torch.randn(3).double()",  # mixed: promotion is not modelled, so unknown
    "torch.from_numpy(unknown)",
    "torch.randn(3).to(torch.from_numpy(u).dtype)",  # a dtype, not known which
    "torch.randn(3).sum(dtype=d)",
])
def test_dtype_stays_unknown_where_the_source_does_not_show_it(expression: str) -> None:
    assert revealed(f"reveal({expression})\n").dtype is None


def test_changing_the_default_dtype_makes_float_factories_unknown() -> None:
    assert revealed("torch.set_default_dtype(torch.float64)\nreveal(torch.randn(3))\n").dtype is None


# ---- autograd: leaf, parameter, detached, loss ------------------------------------------------------

def test_leaves_that_require_grad_and_what_ends_them() -> None:
    seen = reveal("""
        import torch.nn as nn
        w = torch.zeros(3, requires_grad=True)
        reveal(w)
        reveal(w[0])
        reveal(w.view(3))
        reveal(w * 2)
        reveal(w.detach())
        reveal(nn.Parameter(torch.randn(2)))
        reveal(nn.Parameter(torch.randn(2), requires_grad=False))
        v = torch.ones(2)
        v.requires_grad_()
        reveal(v)
        v.requires_grad = False
        reveal(v)
    """)
    leaf = [s.value.autograd.leaf for s in seen]
    assert leaf == [True, True, True, False, False, True, False, True, False]
    assert seen[4].value.autograd.detached and not seen[3].value.autograd.detached
    # `param` marks a parameter reached through its module; one made here is a leaf of its own
    assert not seen[5].value.autograd.param and not seen[6].value.autograd.param


def test_losses_and_what_drops_the_graph() -> None:
    seen = reveal("""
        import torch.nn.functional as F
        from torch import nn
        criterion = nn.CrossEntropyLoss()
        logits, y = torch.randn(4, 3), torch.arange(4)
        loss = F.cross_entropy(logits, y)
        reveal(loss)
        reveal(criterion(logits, y))
        reveal(loss * 2 + 1)
        reveal(loss.item())
        reveal(loss.detach())
        reveal(logits.sum())
        with torch.no_grad():
            reveal(F.mse_loss(logits, logits))
    """)
    assert [s.value.autograd.loss for s in seen] == [True, True, True, False, False, False, False]
    assert seen[3].kind is Kind.NUMBER


def test_module_parameters_and_outputs() -> None:
    seen = reveal("""
        import torch.nn as nn
        model = nn.Linear(3, 2)
        reveal(model)
        reveal(model.weight)
        reveal(model(torch.randn(1, 3)))
        for p in model.parameters():
            reveal(p)
        for name, q in model.named_parameters():
            reveal(q)
    """)
    assert seen[0].kind is Kind.MODULE
    assert seen[1].value.autograd.param and seen[2].kind is Kind.TENSOR
    assert seen[3].value.autograd.param and seen[4].value.autograd.param


# ---- layout -------------------------------------------------------------------------------------------

def test_layout_after_transposes_and_what_restores_it() -> None:
    seen = reveal("""
        x = torch.randn(2, 3, 4)
        reveal(x)
        reveal(x.permute(0, 2, 1))
        reveal(x.transpose(0, 1))
        reveal(x.permute(0, 2, 1).contiguous())
        reveal(x.permute(0, 2, 1).permute(0, 2, 1))
        reveal(x.mT)
        reveal(torch.transpose(x, 1, 2).clone(memory_format=torch.contiguous_format))
    """)
    layouts = [s.value.layout for s in seen]
    assert layouts[0].noncontig is None and layouts[0].dims == ((2, ()), (3, ()), (4, ()))
    assert (layouts[1].noncontig, layouts[1].perm) == ("permute()", (0, 2, 1))
    assert layouts[1].dims == ((2, ()), (4, ()), (3, ()))
    assert (layouts[2].noncontig, layouts[2].perm) == ("transpose()", (1, 0, 2))
    assert layouts[3].noncontig is None and layouts[4].noncontig is None
    assert (layouts[5].noncontig, layouts[5].perm) == (".mT", (0, 2, 1))
    assert layouts[6].noncontig is None


def test_sizes_read_from_the_shape_name_the_dimensions() -> None:
    seen = reveal("""
        def f(x):
            b, c, h, w = x.shape
            reveal(x)
            reveal(h * w)
            reveal(x.size(1))
            y = x.permute(0, 2, 3, 1)
            reveal(y)
    """)
    x, hw, c, y = (s.value for s in seen)
    assert x.layout.dims is not None and len(x.layout.dims) == 4  # the unpack told the rank
    assert hw.size == (1, tuple(sorted((x.layout.dims[2][1][0], x.layout.dims[3][1][0]))))  # type: ignore[index]
    assert c.size == x.layout.dims[1]
    assert y.layout.perm == (0, 2, 3, 1) and y.layout.open_rank is False


# ---- provenance: what kind of object --------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "kind"), [
    ("array.array('f', [1.0])", Kind.STDLIB_ARRAY),
    ("A('d', [1.0])", Kind.STDLIB_ARRAY),
    ("[1, 2]", Kind.LIST),
    ("[v for v in range(3)]", Kind.LIST),
    ("(1, 2)", Kind.TUPLE),
    ("{1}", Kind.SET),
    ("{'a': 1}", Kind.DICT),
    ("range(3)", Kind.RANGE),
    ("'abc'", Kind.STR),
    ("b'abc'", Kind.BYTES),
    ("list(range(3))", Kind.LIST),
    ("np.asarray([1])", Kind.NDARRAY),
    ("np_array([1.0])", Kind.NDARRAY),
    ("torch.randn(2).numpy()", Kind.NDARRAY),
    ("torch.float64", Kind.DTYPE),
    ("torch.randn(2).shape", Kind.SHAPE),
    ("len([1])", Kind.NUMBER),
    ("unknown_thing", Kind.UNKNOWN),
])
def test_provenance(expression: str, kind: Kind) -> None:
    source = ("import array\nfrom array import array as A\nimport numpy as np\nfrom numpy import array as np_array\n"
              f"reveal({expression})\n")
    assert revealed(source).kind is kind


# ---- the grad context ---------------------------------------------------------------------------------

def test_grad_context_of_blocks_decorators_and_hooks() -> None:
    seen = reveal("""
        import torch.nn as nn
        from torch import no_grad
        x = torch.randn(2)
        reveal(x)
        with torch.no_grad():
            reveal(x)
            with torch.enable_grad():
                reveal(x)
        with torch.inference_mode():
            reveal(x)
        with torch.inference_mode(False):
            reveal(x)
        with torch.set_grad_enabled(False):
            reveal(x)
        with torch.autocast("cuda"):
            reveal(x)

        @no_grad()
        def evaluate():
            reveal(x)

        class Net(nn.Module):
            def validation_step(self, batch):
                reveal(batch)

            def training_step(self, batch):
                reveal(batch)
    """)
    assert [s.grad_disabled for s in seen] == [False, True, False, True, False, True, False, True, True, False]
    assert [s.autocast for s in seen] == [False] * 6 + [True] + [False] * 3


def test_project_no_grad_contexts_from_the_settings() -> None:
    source = "from mylib import frozen\nwith frozen():\n    reveal(1)\n"
    assert not reveal(source)[0].grad_disabled
    assert reveal(source, Settings(extra_no_grad=frozenset({"mylib.frozen"})))[0].grad_disabled


# ---- where autograd is live ---------------------------------------------------------------------------

LIVE = [
    ("forward", "class M(torch.nn.Module):\n    def forward(self, x):\n        reveal(x)\n"),
    ("what forward calls through self", """\
        class M(torch.nn.Module):
            def forward(self, x):
                return self._head(x)
            def _head(self, x):
                reveal(x)
        """),
    ("a loss function", "def focal_loss(x):\n    reveal(x)\n"),
    ("a loss module's method", "class FocalLoss(torch.nn.Module):\n    def compute(self, x):\n        reveal(x)\n"),
    ("a function that backpropagates", "def run(loss, x):\n    reveal(x)\n    loss.backward()\n"),
    ("a function that steps an optimizer", "def run(self, x):\n    reveal(x)\n    self.optimizer.step()\n"),
    ("a scaler stepping an optimizer", "def run(scaler, opt, x):\n    reveal(x)\n    scaler.step(opt)\n"),
    ("torch.autograd.grad", "def run(y, x):\n    reveal(x)\n    return torch.autograd.grad(y, x)\n"),
    ("a training function by name", "class M:\n    def training_step(self, x):\n        reveal(x)\n"),
    ("a hand-written optimizer step", "def sgd(params, lr):\n    for p in params:\n        p.add_(p.grad * -lr)\n"
                                      "        reveal(p)\n"),
    ("a hand-written Adam step", "def adam(p, m, b1):\n    g = p.grad\n    m.mul_(b1).add_(g, alpha=1 - b1)\n"
                                 "    reveal(p)\n"),
    ("a helper the training loop calls", """\
        def _clip(x):
            reveal(x)
        def train(model, loss):
            loss.backward()
            _clip(model)
        """),
    ("a closure passed to optimizer.step", """\
        def run(optimizer, x):
            def closure():
                reveal(x)
            optimizer.step(closure)
        """),
    ("module-level code that backpropagates", "loss = torch.randn(1, requires_grad=True).sum()\nreveal(loss)\n"
                                              "loss.backward()\n"),
]
NOT_LIVE = [
    ("__init__", "class M(torch.nn.Module):\n    def __init__(self, x):\n        reveal(x)\n"),
    ("an init helper", "def _init_weights(m):\n    reveal(m)\n"),
    ("reset_parameters", "class M:\n    def reset_parameters(self):\n        reveal(self)\n"),
    ("a function passed to .apply, even from a training loop", """\
        def fill(m):
            reveal(m)
        def train(model, loss):
            model.apply(fill)
            loss.backward()
        """),
    ("setup code nothing live calls", "def fuse(conv, bn):\n    reveal(conv)\n"),
    ("setup code a forward calls first", """\
        class Lora(torch.nn.Module):
            def forward(self, x):
                self.unmerge()
                return x
            def unmerge(self):
                reveal(self)
        """),
    ("a no_grad function a forward calls", """\
        class M(torch.nn.Module):
            def forward(self, x):
                return self._ema(x)
            @torch.no_grad()
            def _ema(self, x):
                reveal(x)
        """),
    ("a helper called inside a no_grad block of a forward", """\
        def _update(x):
            reveal(x)
        class M(torch.nn.Module):
            def forward(self, x):
                with torch.no_grad():
                    _update(x)
                return x
        """),
    ("a no_grad block inside a forward", """\
        class M(torch.nn.Module):
            def forward(self, x):
                with torch.no_grad():
                    reveal(x)
        """),
    ("nn.Module.train(mode) overridden", "class M(torch.nn.Module):\n    def train(self, mode=True):\n"
                                         "        reveal(self)\n"),
    ("a scheduler's or an environment's step", "def run(env, scheduler, x):\n    env.step(x)\n    scheduler.step()\n"
                                               "    reveal(x)\n"),
    ("module-level code that does not backpropagate", "w = torch.randn(2)\nreveal(w)\n"),
    ("a hook around a training step", "class C:\n    def on_train_batch_end(self, p):\n        reveal(p)\n"),
    ("gradient scaling is no optimizer step", "def unscale(p, s):\n    p.grad.mul_(s)\n    p.grad += s\n"
                                              "    reveal(p)\n"),
]


@pytest.mark.parametrize(("where", "source"), LIVE, ids=[w for w, _ in LIVE])
def test_autograd_is_live(where: str, source: str) -> None:
    assert [s.live for s in reveal(source)] == [True]


@pytest.mark.parametrize(("where", "source"), NOT_LIVE, ids=[w for w, _ in NOT_LIVE])
def test_autograd_is_not_live(where: str, source: str) -> None:
    assert [s.live for s in reveal(source)] == [False]


def test_liveness_reads_the_parts_of_the_file_libcst_never_parses() -> None:
    """The training loop that makes a helper live holds no trigger, so its region is never parsed."""
    source = "def helper(x):\n    reveal(x)\n\n\ndef train(model, loss):\n    helper(model)\n    loss.backward()\n"
    assert [s.live for s in reveal(source)] == [True]


# ---- what a pending graph may have saved -------------------------------------------------------------

@pytest.mark.parametrize(("source", "pending"), [
    ("def f(a):\n    out = a.sigmoid()\n    reveal(out)\n", True),
    ("def f(a, b):\n    out = a @ b\n    reveal(out)\n", True),
    ("def f(model, x):\n    h, c = model(x)\n    reveal(h)\n", True),
    ("def f(model, x):\n    h = model(x)[0]\n    reveal(h)\n", True),
    ("def f():\n    w = torch.zeros(3)\n    reveal(w)\n", False),
    ("def f(a):\n    out = a.sigmoid().detach()\n    reveal(out)\n", False),
    ("def f(a):\n    out = a.sigmoid()\n    out = torch.ones(2)\n    reveal(out)\n", False),
    ("def f(a):\n    with torch.no_grad():\n        out = a.sigmoid()\n    reveal(out)\n", False),
    ("def f(p):\n    reveal(p)\n", False),
    # in a forward, a tensor an earlier statement fed to an op; not in the statement that uses it first
    ("class M(torch.nn.Module):\n    def forward(self, x):\n        d = torch.cdist(x, self.codebook)\n"
     "        reveal(self.codebook)\n", True),
    ("class M(torch.nn.Module):\n    def forward(self, x):\n        reveal(self.codebook)\n"
     "        d = torch.cdist(x, self.codebook)\n", False),
    # an attack's forward hands back a detached result: its caller backpropagates nothing it built
    ("class Attack:\n    def forward(self, x, delta):\n        d = delta + x\n        reveal(delta)\n"
     "        adv = torch.clamp(d, 0, 1).detach()\n        return adv\n", False),
    ("class Attack:\n    def forward(self, x, delta):\n        return self._run(x, delta)\n"
     "    def _run(self, x, delta):\n        d = delta + x\n        reveal(delta)\n        return d.detach()\n", False),
    # an optimizer step reads the parameter too, but nothing backpropagates through what it computes
    ("def step(p, lr):\n    d = p * lr\n    reveal(p)\n", False),
    # a backward consumes the graph: an attack step after it changes nothing pending
    ("def attack(model, x, eta):\n    for _ in range(3):\n        out = model(x + eta)\n        out.sum().backward()\n"
     "        eta = eta + 1\n        eta.sum().backward()\n        reveal(eta)\n", False),
    ("def attack(model, x):\n    out = model(x)\n    out.sum().backward()\n    reveal(out)\n", False),
    # a slice shares the storage of the tensor it is taken from; an entry of a container is its own object
    ("def f(a):\n    out = a.sigmoid()\n    reveal(out[0, 1:])\n", True),
    ("class M(torch.nn.Module):\n    def forward(self, x):\n"
     "        self.bindings['x'] = self.bindings['x']._replace(x=x)\n        reveal(self.bindings['x'])\n", False),
], ids=["method result", "arithmetic", "unpacked module call", "indexed module call", "factory", "detached",
        "rebound", "no_grad", "argument", "fed to an op in a forward", "not yet fed", "detached forward",
        "detached helper of a forward", "optimizer step", "after a backward in a loop", "after a backward",
        "slice of a computed tensor", "entry of a container"])
def test_graph_pending(source: str, pending: bool) -> None:
    assert [s.pending for s in reveal(source)] == [pending]


def test_names_changed_in_place_are_collected_per_function() -> None:
    class Changed(Subscriber):
        triggers = ((r"return",),)

        def __init__(self) -> None:
            self.changed: list[set[str]] = []

        def visit_Return(self, node: cst.Return, at: Facts) -> None:
            at.defer(lambda frame: self.changed.append(set(frame.inplace_names)))

    probe = Changed()
    interpret("import torch\ndef f(a, b, c, d, e):\n    a.zero_()\n    b += 1\n    c[0] = 1\n    d.x.add_(1)\n"
              "    e.requires_grad_()\n    return e.sum()\n", [probe])
    assert probe.changed == [{"a", "b", "c", "d.x"}]


# ---- facts the analysis keeps through containers, narrowing and inheritance ----------------------------

@pytest.mark.parametrize(("source", "name"), [
    ("for n, p in dict((k, v) for k, v in model.named_parameters()).items():\n    pass\n"
     "ps = [p for n, p in model.named_parameters()]\nreveal(ps[0])\n", "ps[0]"),
    ("for p, q in zip(model.parameters(), ema.parameters()):\n    reveal(q)\n", "q"),
    ("import itertools\nfor p in itertools.chain(a.parameters(), b.parameters()):\n    reveal(p)\n", "p"),
    ("from itertools import chain\nfor p in chain(a.parameters(), b.parameters()):\n    reveal(p)\n", "p"),
    ("class L(torch.nn.Linear):\n    def forward(self, x):\n        reveal(self.weight)\n", "self.weight"),
    ("from torch import nn\nclass C(nn.Conv2d):\n    def extra(self):\n        reveal(self.bias)\n", "self.bias"),
])
def test_parameters_stay_parameters(source: str, name: str) -> None:
    (seen,) = [s for s in reveal(source) if s.code == name]
    assert seen.kind is Kind.TENSOR and seen.value.autograd.param


def test_isinstance_narrows_a_name_to_a_tensor() -> None:
    seen = reveal("def f(x):\n    if isinstance(x, torch.Tensor) and x.dim():\n        reveal(x)\n    reveal(x)\n")
    assert [s.kind for s in seen] == [Kind.TENSOR, Kind.UNKNOWN]


def test_named_parameters_unpack_in_a_comprehension() -> None:
    seen = reveal("d = {n: reveal(p) for n, p in model.named_parameters()}\n")
    assert seen[0].kind is Kind.TENSOR and seen[0].value.autograd.param


# ---- how facts flow ----------------------------------------------------------------------------------

def test_assignment_and_rebinding() -> None:
    seen = reveal("""
        x = torch.randn(3).double()
        y = x
        reveal(y)
        y = y.float()
        reveal(y)
        reveal(x)
        (a, b) = (torch.arange(2), [1])
        reveal(a)
        reveal(b)
        c: torch.Tensor
        reveal(c)
    """)
    assert [s.value.dtype for s in seen[:4]] == ["float64", "float32", "float64", "int64"]
    assert seen[4].kind is Kind.LIST and seen[5].kind is Kind.TENSOR


def test_branches_join_what_both_paths_know() -> None:
    seen = reveal("""
        def f(flag):
            if flag:
                x = torch.randn(3).double()
                y = torch.randn(3).double()
            else:
                x = torch.zeros(3).double()
                y = torch.zeros(3)
            reveal(x)
            reveal(y)
            z = torch.arange(3) if flag else [1]
            reveal(z)
    """)
    assert (seen[0].value.dtype, seen[1].value.dtype) == ("float64", None)
    assert seen[1].kind is Kind.TENSOR and seen[2].kind is Kind.UNKNOWN


def test_loops_carry_facts_into_the_next_iteration() -> None:
    seen = reveal("""
        def f(loader):
            x = torch.randn(3)
            w = torch.zeros(3, requires_grad=True)
            for batch in loader:
                reveal(x)
                reveal(w)
                x = x.double()
            reveal(x)
    """)
    assert seen[0].value.dtype is None  # float32 on the first pass, float64 on the next ones
    assert seen[1].value.autograd.leaf
    assert seen[2].value.dtype is None


def test_self_attributes_flow_from_init_to_the_other_methods() -> None:
    seen = reveal("""
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(1))
                self.proj = nn.Linear(2, 2)
                reveal(self.scale)

            def forward(self, x):
                reveal(self.scale)
                reveal(self.proj)
                reveal(self)
                return self.proj(x) * self.scale
    """)
    in_init, in_forward, proj, itself = (s.value for s in seen)
    assert in_init.autograd.leaf
    assert not in_forward.autograd.leaf  # per-call state is not carried over
    assert in_forward.dtype == "float32"
    assert proj.kind is Kind.MODULE and itself.kind is Kind.SELF


def test_nested_functions_see_the_enclosing_names() -> None:
    seen = reveal("""
        def outer():
            x = torch.arange(3)

            def inner():
                reveal(x)

            return inner
    """)
    assert seen[0].value.dtype == "int64"


@pytest.mark.parametrize("imports, expression", [
    ("import torch as th", "th.randn(3, dtype=th.float64)"),
    ("from torch import randn, float64", "randn(3, dtype=float64)"),
    ("from torch import randn as r, float64 as f64", "r(3, dtype=f64)"),
    ("import torch.nn.functional as F", "torch.randn(3, dtype=torch.double)"),
    ("from torch import *", "randn(3, dtype=float64)"),
])
def test_every_import_style_names_the_same_api(imports: str, expression: str) -> None:
    value = revealed(f"{imports}\nreveal({expression})\n")
    assert (value.kind, value.dtype) == (Kind.TENSOR, "float64")


def test_a_parameter_named_like_the_module_shadows_it() -> None:
    value = revealed("def f(torch):\n    reveal(torch.randn(3, dtype=torch.float64))\n")
    assert value.kind is Kind.UNKNOWN


def test_functional_losses_through_every_import_style() -> None:
    seen = reveal("""
        import torch.nn.functional as F
        from torch.nn import functional as fn
        from torch.nn.functional import mse_loss
        a = torch.randn(3)
        reveal(F.l1_loss(a, a))
        reveal(fn.l1_loss(a, a))
        reveal(mse_loss(a, a))
        reveal(torch.nn.functional.smooth_l1_loss(a, a))
    """)
    assert [s.value.autograd.loss for s in seen] == [True] * 4


# ---- events --------------------------------------------------------------------------------------------

PROGRAM = '''
import torch
from torch import nn
import torch.nn.functional as F
x: int = 1
y: torch.Tensor
z = [a for a in range(3)] + [*range(2)]
z += [1]
s = {a for a in z} or {1: 2} and {k: v for k, v in {}.items()}
g = (a for a in z)
t = (1, 2.0, 3j, "s" "t", f"{x}", b"b", ..., None, not x, -x, x if x else x, lambda q: q, z[0], z[1:2])
if (w := x) > 0 and x is not None:
    pass
elif x:
    del t
else:
    assert x, "message"
for i in z:
    continue
while False:
    break
with torch.no_grad() as ctx:
    torch.randn(2).t()
try:
    raise ValueError("x")
except ValueError as error:
    print(error)
finally:
    print({1})
try:
    pass
except* ValueError:
    pass
def f(a, *args, b=1, **kwargs):
    global x
    def inner():
        nonlocal a
        yield a
    return a
async def h():
    await h()
class C(nn.Module):
    def forward(self, v):
        return F.relu(v)
match x:
    case 1:
        pass
'''
#: Node kinds of syntax newer than Python 3.11 (type aliases, lazy imports, t-strings, `{**d for ...}`).
NEWER_SYNTAX = {"TypeAlias", "LazyImport", "LazyImportFrom", "TemplatedString", "StarredDictComp"}


def test_every_statement_and_expression_kind_emits_its_event() -> None:
    emitted: set[str] = set()

    def record(self: Subscriber, node: cst.CSTNode, at: Facts) -> None:
        emitted.add(type(node).__name__)

    recorder_class = type("Recorder", (Subscriber,), {"triggers": ((r"\w",),), **{name: record for name in EVENTS}})
    recorder = recorder_class()
    ast.parse(PROGRAM)  # valid on this Python
    interpret(PROGRAM, [recorder])
    expected = (set(STATEMENT_NODES) | set(EXPRESSION_NODES)) - NEWER_SYNTAX
    assert sorted(expected - emitted) == []


# ---- joins keep every fact both paths agree on ---------------------------------------------------------

_SAMPLES: dict[str, object] = {
    "Kind": Kind.TENSOR, "Autograd": Autograd(loss=True), "Layout": Layout(noncontig="t()", perm=(1, 0), shape_id=5),
    "Value": Value(Kind.NUMBER), "tuple[int, ...]": (1, 0), "tuple[Size": ((2, ()),), "bool": True, "str": "x",
    "int": 7,
}


def _sample(annotation: str) -> object:
    """A non-default value for a field, by its annotation."""
    for prefix, sample in _SAMPLES.items():
        if annotation.startswith(prefix):
            return sample
    raise AssertionError(f"no sample for a field annotated {annotation!r}: add one")


@pytest.mark.parametrize("group", [Value, Autograd, Layout], ids=lambda g: g.__name__)
def test_a_join_keeps_each_fact_that_both_paths_share(group: type) -> None:
    """Two values that agree on one fact and differ on another: the join keeps the shared one (for every
    field but the per-path ones), so a fact added to Value or a group cannot be dropped by its join."""
    for field in fields(group):
        if field.name in PER_PATH_FIELDS | {"kind"}:
            continue
        differing = {Value: "qualname" if field.name == "dtype" else "dtype",
                     Autograd: "param" if field.name == "loss" else "loss",
                     Layout: "noncontig" if field.name == "shape_id" else "shape_id"}[group]
        base = {"kind": Kind.TENSOR} if group is Value else {}
        flag = isinstance(field.default, bool)  # a flag's non-default value is the one worth keeping
        shared = {field.name: not field.default if flag else _sample(str(field.type))}
        a = group(**base, **shared)
        other = next(f for f in fields(group) if f.name == differing)
        b = group(**base, **shared, **{differing: _sample(str(other.type))})
        assert a != b
        joined = join(a, b) if group is Value else a.join(b)
        assert getattr(joined, field.name) == shared[field.name], f"{group.__name__}.{field.name} dropped by the join"


# ---- what the file's own functions hand back and are handed -----------------------------------------

def test_a_call_of_the_files_own_function_returns_what_it_returns() -> None:
    seen = reveal("""
        import torch.nn.functional as F

        def step(model, x, y):
            loss = F.mse_loss(model(x), y)
            loss.backward()
            return loss

        def parts(out, y):
            return F.l1_loss(out, y), out.t(), torch.zeros(2, dtype=torch.float64)

        def train(model, x, y):
            reveal(step(model, x, y))
            reveal(later(x))
            loss, kept, wide = parts(x, y)
            reveal(loss)
            reveal(kept)
            reveal(wide)
            with torch.no_grad():
                reveal(step(model, x, y))

        def later(x):
            return torch.zeros(3, requires_grad=True)
    """)
    assert seen[0].value.autograd.loss, "a train step's returned loss"
    assert seen[1].value.autograd.leaf, "a function defined further down the file"
    assert seen[2].value.autograd.loss and seen[3].value.layout.noncontig == "t()" and seen[4].value.dtype == "float64"
    assert not seen[5].value.autograd.loss, "called with grad off, the result carries no graph"


@pytest.mark.parametrize("source", [
    "def make():\n    for i in range(3):\n        yield torch.zeros(3, requires_grad=True)\n\nreveal(make())\n",
    "def make(flag):\n    if flag:\n        return torch.zeros(3, requires_grad=True)\n\nreveal(make(1))\n",
    "def wrap(f):\n    return f\n\n@wrap\ndef make():\n    return torch.zeros(3, requires_grad=True)\n\n"
    "reveal(make())\n",
    "def make():\n    return make()\n\nreveal(make())\n",
], ids=["generator", "may return None", "unknown decorator", "recursion"])
def test_what_a_function_may_return_otherwise_stays_unknown(source: str) -> None:
    assert revealed(source).kind is Kind.UNKNOWN


def test_methods_through_self_instances_and_unique_names() -> None:
    seen = reveal("""
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def forward(self, x):
                return self.head(x), F.cross_entropy(x, x)

            def compute_loss(self, out, y):
                return {"total": F.mse_loss(out, y)}

            def fit(self, x, y):
                reveal(self.compute_loss(x, y))

        def train(net, x, y):
            reveal(net.compute_loss(x, y))
            reveal(Net()(x))
            reveal(net.train())
    """)
    assert seen[0].kind is Kind.DICT and seen[0].value.elem is not None and seen[0].value.elem.autograd.loss
    assert seen[1].kind is Kind.DICT, "the only class of the file with that method"
    assert seen[2].kind is Kind.TUPLE and seen[2].value.items is not None and seen[2].value.items[1].autograd.loss
    assert seen[3].kind is Kind.UNKNOWN, "a name torch's own objects have is not read as the file's method"


def test_a_property_reads_as_what_its_getter_returns() -> None:
    seen = reveal("""
        class Tied(torch.nn.Module):
            @property
            def weight_t(self):
                return self.base.weight.T

            def penalty(self):
                reveal(self.weight_t)
    """)
    assert seen[0].value.layout.noncontig == ".T"


def test_parameters_get_what_every_call_of_the_file_hands_them() -> None:
    class AcrossCalls(Reveal):
        """Needs a transpose and a reveal, which a function and the functions it calls hold between them."""
        triggers = ((r"reveal\(", r"transpose"),)

    probe = AcrossCalls()
    interpret(textwrap.dedent("""
        import torch

        def flatten(x):
            reveal(x)

        def mixed(x):
            reveal(x)

        def run(a):
            flatten(a.transpose(1, 2))
            mixed(a.transpose(1, 2))
            mixed(a)
    """), [probe])
    transposed = [s for s in probe.seen if s.value.layout.noncontig == "transpose()"]
    assert len(probe.seen) == 3, "the helper whose calls agree is interpreted again with their facts"
    assert len(transposed) == 1, "only where every call agrees"


def test_modules_built_in_the_file_have_typed_parameters() -> None:
    seen = reveal("""
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 2)

            def forward(self, x):
                return self.fc(x)

        class Scaled(nn.Module):
            def forward(self, x):
                return self.fc(x.float())

        class FocalLoss(nn.Module):
            def forward(self, x, y):
                return (x - y).abs().mean()

        lin = nn.Linear(3, 2)
        reveal(lin)
        reveal(lin.double())
        reveal(lin.to(torch.float16))
        reveal(nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 1)))
        reveal(lin.weight)
        reveal(lin.requires_grad_(False).weight)
        reveal(Net())
        reveal(Scaled())
        reveal(FocalLoss())
        for p in lin.parameters():
            reveal(p)
    """)
    assert seen[0].kind is Kind.MODULE and seen[0].value.dtype == "float32"
    assert seen[1].value.dtype == "float64" and seen[2].value.dtype == "float16"
    assert seen[3].value.qualname == "torch.nn.Embedding", "a Sequential meets its input with its first layer"
    assert seen[4].value.autograd.leaf and seen[4].value.autograd.param and seen[4].value.dtype == "float32"
    assert not seen[5].value.autograd.leaf, "a frozen module's parameters require no grad"
    assert seen[6].kind is Kind.MODULE and seen[6].value.dtype == "float32"
    assert seen[7].value.dtype is None, "a forward that converts its input takes any dtype"
    assert seen[8].kind is Kind.LOSS_FN
    assert seen[9].value.autograd.leaf


def test_dicts_keep_their_values_facts_and_iterate_over_keys() -> None:
    seen = reveal("""
        import torch.nn.functional as F
        losses = {"a": F.mse_loss(x, y), "b": F.l1_loss(x, y)}
        reveal(losses["a"])
        for name, value in losses.items():
            reveal(value)
        for key in losses:
            reveal(key)
        for value in losses.values():
            reveal(value)
    """)
    assert [s.value.autograd.loss for s in seen] == [True, True, False, True]


def test_other_libraries_objects() -> None:
    seen = reveal("""
        import array
        import gymnasium as gym
        import pandas as pd

        env = gym.wrappers.RecordEpisodeStatistics(gym.make("CartPole-v1"))
        reveal(env.reset())
        frame = pd.read_csv("x.csv")
        reveal(frame["col"])
        reveal(frame["col"].to_numpy())
        reveal(frame.values)
        samples = array.array("h", b"")
        reveal(samples[0::2])

        def column(df: pd.DataFrame):
            reveal(df["x"])
    """)
    assert seen[0].kind is Kind.TUPLE and seen[0].value.qualname == "gymnasium.Env.reset"
    assert seen[1].value.qualname == "pandas.Series"
    assert seen[2].kind is Kind.NDARRAY and seen[3].kind is Kind.NDARRAY
    assert seen[4].kind is Kind.STDLIB_ARRAY
    assert seen[5].value.qualname == "pandas.Series", "a parameter annotated with the class"


def test_elementwise_results_keep_a_transposed_layout() -> None:
    seen = reveal("""
        def f(pred, target):
            pred = pred.t()
            correct = pred.eq(target.view(1, -1).expand_as(pred))
            reveal(correct)
            reveal(correct[:5])
            reveal(pred.sum(0))
    """)
    assert seen[0].value.layout.noncontig == "t()" and seen[0].value.dtype == "bool"
    assert seen[1].value.layout.noncontig == "t()"
    assert seen[2].value.layout.noncontig is None, "a reduction makes a new tensor"


def test_grad_turned_off_by_the_files_callers() -> None:
    source = textwrap.dedent("""
        import torch

        def update(ema, model):
            reveal(ema)

        def refresh(w):
            reveal(w)

        def train(ema, model, w):
            with torch.no_grad():
                update(ema, model)
            refresh(w)
    """)

    class Probe(Subscriber):
        triggers = ((r"reveal\(",),)
        found: list[bool] = []

        def visit_Call(self, node: cst.Call, at: Facts) -> None:
            if isinstance(node.func, cst.Name) and node.func.value == "reveal":
                self.found.append(at.grad_disabled_by_caller)

    interpret(source, [Probe()])
    assert Probe.found[:2] == [True, False]


def test_a_generator_hands_its_loop_what_it_yields() -> None:
    seen = reveal("""
        import numpy as np

        def batches(count, size):
            for start in range(0, count, size):
                yield torch.from_numpy(np.random.normal(0, 1, (size, 2))), start

        def train(count):
            for x, start in batches(count, 4):
                reveal(x)
            reveal(batches(count, 4))
    """)
    assert seen[0].kind is Kind.TENSOR and seen[0].value.dtype == "float64"
    assert seen[1].kind is Kind.OBJECT, "calling a generator function makes a generator, not what it yields"


def test_a_list_filled_by_append_holds_what_was_appended() -> None:
    seen = reveal("""
        parts, mixed = [], []
        for x in xs:
            parts.append(x.permute(0, 2, 3, 1))
            mixed.append(x.permute(0, 2, 3, 1))
            mixed.append(x)
        for p in parts:
            reveal(p)
        reveal([q for q in mixed][0])
    """)
    assert seen[0].value.layout.noncontig == "permute()"
    assert seen[1].value.layout.noncontig is None, "elements appended with other facts join"


def test_dtype_flows_through_functions_stacks_and_dict_comprehensions() -> None:
    seen = reveal("""
        import numpy as np
        import torch.nn.functional as F
        x = torch.randn(3).double()
        reveal(torch.tanh(x))
        reveal(F.relu(x))
        reveal(torch.index_select(x, 0, idx))
        reveal(np.stack([np.zeros(3) for _ in range(2)]))
        arrays = {"a": np.zeros(3)}
        reveal({k: torch.from_numpy(v) for k, v in arrays.items()}["a"])
    """)
    assert [s.value.dtype for s in seen] == ["float64"] * 5
    assert seen[3].kind is Kind.NDARRAY and seen[4].kind is Kind.TENSOR


def test_module_only_methods_make_a_model() -> None:
    seen = reveal("""
        def step(net, noise):
            net.train()
            reveal(net(noise))
            reveal(net(noise) + 1)

        def other(net, noise):
            reveal(net(noise))
    """)
    assert seen[0].value == MODEL_OUTPUT, "`.train()` is called only on models: calling one runs it"
    assert seen[1].kind is Kind.TENSOR, "arithmetic on a model's output: it was a tensor"
    assert seen[2].value == UNKNOWN_VALUE


class OneRunReveal(Reveal):
    one_run = True


def reveal_one_run(source: str) -> list[Kind]:
    """The kinds a one-run subscriber sees (a loop's first iteration, a function read with one call's facts)."""
    probe = OneRunReveal()
    interpret("import torch\n" + textwrap.dedent(source), [probe], Settings())
    return [s.kind for s in probe.seen]


def test_one_run_subscribers_also_hear_a_loops_first_iteration() -> None:
    source = """
        import gymnasium as gym
        env = gym.make("CartPole-v1")
        obs = env.reset()
        for _ in range(3):
            reveal(obs)
            obs, reward, done, truncated, info = env.step(0)
    """
    assert [s.kind for s in reveal(source)] == [Kind.UNKNOWN], "every iteration: reset's tuple or step's array"
    assert reveal_one_run(source) == [Kind.TUPLE, Kind.UNKNOWN], "the first iteration sees reset's tuple"


def test_one_run_subscribers_hear_a_function_read_with_its_first_iterations_call() -> None:
    source = """
        import gymnasium as gym

        class Agent:
            def act(self, obs):
                reveal(obs)

        def play():
            env = gym.make("CartPole-v1")
            agent = Agent()
            obs = env.reset()
            for _ in range(3):
                agent.act(obs)
                obs, reward, done, truncated, info = env.step(0)
    """
    assert [s.kind for s in reveal(source)] == [Kind.UNKNOWN], "what every call hands it: nothing known"
    assert reveal_one_run(source) == [Kind.UNKNOWN, Kind.TUPLE], "the first step's call hands it the tuple"


def test_a_helper_handed_a_models_output_sees_a_pending_graph_and_hands_it_back() -> None:
    seen = reveal("""
        def rescale_(delta):
            delta.mul_(0.5)
            reveal(delta)
            return delta

        def train(net, noise):
            net.train()
            out = rescale_(net(noise))
            reveal(out)
            out.sum().backward()
    """)
    # read alone, then with what its call hands it; then its caller again, since what it returns says more
    assert [s.code for s in seen] == ["delta", "out", "delta", "out"]
    assert not seen[0].pending and seen[2].pending, "the caller's model output: a graph may have saved it"
    assert seen[1].value == MODEL_OUTPUT == seen[3].value, "a function that returns its parameter returns its argument"


def test_what_a_function_returns_for_the_files_own_calls_reaches_its_callers() -> None:
    seen = reveal("""
        import numpy as np

        def batches(features, size):
            for start in range(0, len(features), size):
                yield features.index_select(0, torch.arange(start, start + size)), start

        def fit(x, w):
            reveal(x)
            return torch.mm(x, w)

        def train():
            features = torch.from_numpy(np.random.normal(0, 1, (10, 2)))
            for x, _ in batches(features, 2):
                fit(x, torch.zeros(2, 1))
    """)
    assert seen[0].value.dtype is None, "read alone: its parameter is unknown"
    assert seen[-1].value.dtype == "float64", "the generator handed float64 features yields float64 batches"


def test_an_instance_keeps_what_every_construction_hands_its_init() -> None:
    seen = reveal("""
        import numpy as np

        class Holder:
            def __init__(self, flow):
                self.flow = flow

            def get(self):
                reveal(self.flow)

        def use(h):
            reveal(h.flow)

        def make():
            use(Holder(torch.from_numpy(np.zeros(3)) / 2))
    """)
    assert seen[0].value.dtype is None and seen[1].value.dtype is None, "read alone: the attribute is unknown"
    assert seen[-1].value.dtype == "float64" and seen[-2].value.dtype == "float64"
    assert {s.code for s in seen[-2:]} == {"self.flow", "h.flow"}


def test_numpy_arithmetic_with_a_float64_array_is_float64() -> None:
    seen = reveal("""
        import numpy as np
        a = np.zeros(3)
        reveal(a / np.array([2.0, 1.0, 1.0]) - 1)
        reveal(np.asarray(b) * 2.0)
    """)
    assert seen[0].kind is Kind.NDARRAY and seen[0].value.dtype == "float64"
    assert seen[1].kind is Kind.NDARRAY and seen[1].value.dtype is None, "float32 * 2.0 stays float32"


def test_a_dict_keeps_what_each_literal_key_holds() -> None:
    seen = reveal("""
        sample = {"shape": tuple(image.shape), "label": 3}
        sample["image"] = torch.randn(2, 4).t()
        reveal(sample["image"])
        reveal(sample.get("image"))
        reveal(sample["label"])
        reveal(sample[key])
        a, b, c = sample
        reveal(a)
    """)
    assert seen[0].value.layout.noncontig == "t()" and seen[1].value.layout.noncontig == "t()"
    assert seen[2].kind is Kind.NUMBER
    assert seen[3].kind is Kind.UNKNOWN, "another key: any of its entries"
    assert seen[4].kind is not Kind.TENSOR, "unpacking a dict gives its keys"


def test_a_closure_handed_to_an_optimizer_step_is_what_the_step_returns() -> None:
    seen = reveal("""
        def fit(model, x, params):
            optimizer = torch.optim.LBFGS(params)

            def closure():
                optimizer.zero_grad()
                objective = model(x).pow(2).mean()
                objective.backward()
                return objective

            reveal(optimizer.step(closure))
    """)
    assert seen[0].value.autograd.loss, "what a function backpropagates and returns is a loss"

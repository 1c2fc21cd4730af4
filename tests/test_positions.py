"""The lightweight span recorder agrees with LibCST's PositionProvider, node for node."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_torch_pitfalls.positions import spans

from .helpers import FIXTURE_FILES

ODD = [
    "x = (a @ b)\ny = ((c.t())).view(-1)\n",
    "if x:\r\n\tw = torch.zeros(3)\r\n\tw.add_(1)\r\n",
    "z = f(a,\n      b) \\\n    + g(c)\n",
    '"""doc\nstring"""\nq = [x.data for x in y]; r = s[0].view(2)\n',
]
REPORTED = (cst.Call, cst.Attribute, cst.BinaryOperation, cst.AugAssign, cst.Assign, cst.Subscript)


def _reported_nodes(module: cst.Module) -> list[cst.CSTNode]:
    nodes: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, REPORTED):
                nodes.append(node)
            return True

    module.visit(Collect())
    return nodes


def test_spans_match_position_provider() -> None:
    sources = [p.read_text() for p in FIXTURE_FILES] + ODD
    checked = 0
    for source in sources:
        module = cst.parse_module(source)
        nodes = _reported_nodes(module)
        mine = spans(module, nodes)
        reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for node in nodes:
            start, end = reference[node].start, reference[node].end
            assert mine[id(node)] == ((start.line, start.column), (end.line, end.column)), source
            checked += 1
    assert checked > 1000

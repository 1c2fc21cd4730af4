"""Small questions about syntax trees that need no facts: dotted names, store roots, read names."""

from __future__ import annotations

import libcst as cst


def dotted_name(node: cst.CSTNode) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def target_root(node: cst.BaseExpression) -> cst.BaseExpression:
    """The object a store lands in: `d` for `d[k]`, `self.log` for `self.log[k]`."""
    while isinstance(node, cst.Subscript):
        node = node.value
    return node


def names_in(node: cst.CSTNode) -> set[str]:
    """Names and dotted attribute chains that an expression reads."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
            continue
        if isinstance(current, cst.Attribute):
            dotted = dotted_name(current)
            if dotted is not None:
                found.add(dotted)
        stack.extend(current.children)
    return found


def target_names(target: cst.BaseExpression) -> list[str]:
    """Names a binding target binds (`a, (b, c)` binds a, b, c)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in target_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []

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


def called_name(func: cst.BaseExpression) -> str:
    """The last name of a callee (`range` for `torch.range` and for `range`): a cheap test before a lookup."""
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def target_root(node: cst.BaseExpression) -> cst.BaseExpression:
    """The object a store lands in: `d` for `d[k]`, `self.log` for `self.log[k]`."""
    while isinstance(node, cst.Subscript):
        node = node.value
    return node


def _parts(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The sub-expressions of common expression nodes, read from their fields.

    LibCST's `.children` runs a visitor per call; this is the hot path of name collection.
    """
    if isinstance(node, cst.Call):
        return [node.func, *(arg.value for arg in node.args)]
    if isinstance(node, cst.BinaryOperation):
        return [node.left, node.right]
    if isinstance(node, cst.UnaryOperation):
        return [node.expression]
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return [element.value for element in node.elements]
    if isinstance(node, cst.Subscript):
        parts: list[cst.CSTNode] = [node.value]
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                parts.append(element.slice.value)
            elif isinstance(element.slice, cst.Slice):
                parts.extend(p for p in (element.slice.lower, element.slice.upper, element.slice.step) if p)
        return parts
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.Imaginary)):
        return []
    return list(node.children)


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
                found.update(_prefixes(dotted))
                continue
            stack.append(current.value)
            continue
        stack.extend(_parts(current))
    return found


def _prefixes(dotted: str) -> list[str]:
    """`a` and `a.b` for `a.b.c`."""
    parts = dotted.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def target_names(target: cst.BaseExpression) -> list[str]:
    """Names a binding target binds (`a, (b, c)` binds a, b, c)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in target_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []

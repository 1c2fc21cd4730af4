"""Stride reasoning for `.view()`: which view groupings a permuted tensor can serve without a copy.

A tensor produced by permuting a contiguous one keeps its storage order; `perm[i]` is the storage
dimension that its dimension `i` walks. `.view()` may merge dimensions i..j only when they are adjacent
in storage and in order (perm[i+1] == perm[i] + 1 ...); splitting a dimension is always possible.
"""

from __future__ import annotations

from collections import Counter
from enum import Enum

from .values import Size


class ViewVerdict(Enum):
    OK = "ok"  # every merge joins dimensions that are adjacent in storage
    MERGES_SWAPPED = "merges_swapped"  # a merge joins dimensions out of storage order
    UNREADABLE = "unreadable"  # the grouping of the view's sizes cannot be read from the source


def _normalize(rank: int, dim: int) -> int | None:
    dim = dim + rank if dim < 0 else dim
    return dim if 0 <= dim < rank else None


def permute_order(rank: int, dims: list[int]) -> tuple[int, ...] | None:
    """The order `.permute(*dims)` puts a rank-`rank` tensor's dimensions in."""
    normalized = [_normalize(rank, d) for d in dims]
    if len(dims) != rank or sorted(d for d in normalized if d is not None) != list(range(rank)):
        return None
    return tuple(d for d in normalized if d is not None)


def swap_order(rank: int, a: int, b: int) -> tuple[int, ...] | None:
    na, nb = _normalize(rank, a), _normalize(rank, b)
    if na is None or nb is None:
        return None
    order = list(range(rank))
    order[na], order[nb] = order[nb], order[na]
    return tuple(order)


def move_order(rank: int, source: int, destination: int) -> tuple[int, ...] | None:
    s, d = _normalize(rank, source), _normalize(rank, destination)
    if s is None or d is None:
        return None
    order = [i for i in range(rank) if i != s]
    order.insert(d, s)
    return tuple(order)


def _times(a: Size, b: Size) -> Size:
    return a[0] * b[0], tuple(sorted(a[1] + b[1]))


def _divides(part: Size, whole: Size) -> bool:
    part_tokens, whole_tokens = Counter(part[1]), Counter(whole[1])
    return all(whole_tokens[t] >= n for t, n in part_tokens.items()) and whole[0] % part[0] == 0


def _match(dims: list[Size], start: int, step: int, target: Size) -> int | None:
    """How many dims, walking from `start` by `step`, multiply to exactly `target`."""
    target = (target[0], tuple(sorted(target[1])))
    product: Size = (1, ())
    taken, index = 0, start
    while product != target:
        if not 0 <= index < len(dims):
            return None
        product = _times(product, dims[index])
        if not _divides(product, target):
            return None
        taken += 1
        index += step
    return taken


def group_dims(dims: tuple[Size | None, ...], sizes: list[Size | None]) -> list[range] | None:
    """The input dimensions each view size takes, or None when that cannot be read.

    `sizes` holds None for `-1`, which takes whatever the other sizes leave over.
    """
    known = [d for d in dims if d is not None]
    wildcards = [i for i, s in enumerate(sizes) if s is None]
    if len(known) != len(dims) or len(wildcards) > 1:
        return None
    split = wildcards[0] if wildcards else len(sizes)
    groups: list[range] = []
    position = 0
    for size in sizes[:split]:
        taken = _match(known, position, 1, size) if size is not None else None
        if taken is None:
            return None
        groups.append(range(position, position + taken))
        position += taken
    if not wildcards:
        return groups if position == len(known) else None
    tail: list[range] = []
    end = len(known)
    for size in reversed(sizes[split + 1:]):
        taken = _match(known, end - 1, -1, size) if size is not None else None
        if taken is None or end - taken < position:
            return None
        tail.insert(0, range(end - taken, end))
        end -= taken
    return groups + [range(position, end)] + tail


def check_view(perm: tuple[int, ...], dims: tuple[Size | None, ...], sizes: list[Size | None]) -> ViewVerdict:
    """Whether `.view(*sizes)` works without a copy on a tensor laid out as `perm` with sizes `dims`."""
    groups = group_dims(dims, sizes)
    if groups is None:
        return ViewVerdict.UNREADABLE
    for group in groups:
        walked = [perm[i] for i in group if dims[i] != (1, ())]
        if any(b != a + 1 for a, b in zip(walked, walked[1:])):
            return ViewVerdict.MERGES_SWAPPED
    return ViewVerdict.OK

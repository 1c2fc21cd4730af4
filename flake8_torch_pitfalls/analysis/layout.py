"""Stride reasoning for `.view()`: which view groupings a permuted tensor can serve without a copy.

A tensor produced by permuting a contiguous one keeps its storage order; `perm[i]` is the storage
dimension that its dimension `i` walks. `.view()` may merge dimensions i..j only when they are adjacent
in storage and in order (perm[i+1] == perm[i] + 1 ...); splitting a dimension is always possible.
"""

from __future__ import annotations

from collections import Counter
from enum import Enum

from .values import SHAPE_TOKEN, Size, shape_token


#: A view size whose value cannot be read from the source (`dim`, `self.num_heads`): read as one dimension.
UNREAD: Size = (-1, ("<unread>",))


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


def _foreign(size: Size, dims: list[Size]) -> bool:
    """A symbolic size read from some other tensor (`b = images.shape[0]` used on `feat`)."""
    own = {token for dim in dims for token in dim[1]}
    return bool(size[1]) and not own.intersection(size[1])


def _token(size: Size | None) -> tuple[str, int] | None:
    """`("7", 2)` for dimension 2 of shape 7, never read from the source (`s7.2`)."""
    if size is None or size[0] != 1 or len(size[1]) != 1:
        return None
    match = SHAPE_TOKEN.fullmatch(size[1][0])
    return (match.group(1), int(match.group(2))) if match else None


def _adopted(dims: list[Size], sizes: list[Size | None]) -> list[Size | None]:
    """Sizes read from another tensor's shape, naming each of its dimensions once, as this tensor's.

    `b, c, h, w = x.shape`, then `x = self.proj(x)` (sizes never read), then
    `x.permute(0, 2, 3, 1).view(b, h * w, c)`: a tensor of the same rank whose sizes the source never
    shows is read as having those sizes. If it had others, the view would fail whatever the strides.
    """
    own = [_token(d) for d in dims]
    if any(t is None for t in own) or len({t[0] for t in own if t}) != 1 \
            or sorted(t[1] for t in own if t) != list(range(len(dims))):
        return sizes
    shape = own[0][0] if own[0] else ""
    tokens = [token for size in sizes if size is not None and size != UNREAD for token in size[1]]
    read = [SHAPE_TOKEN.fullmatch(token) for token in tokens]
    if not read or any(m is None for m in read):
        return sizes
    others = {m.group(1) for m in read if m}
    if len(others) != 1 or shape in others or sorted({int(m.group(2)) for m in read if m}) != list(range(len(dims))):
        return sizes
    rename = {token: shape_token(shape, int(match.group(2))) for token, match in zip(tokens, read) if match}
    return [s if s is None or s == UNREAD else (s[0], tuple(sorted(rename[t] for t in s[1]))) for s in sizes]


def _split(dims: list[Size], index: int, size: Size | None) -> Size | None:
    """What is left of dimension `index` once `size` is split off it (`view(b, h, w, c)` of a
    `(b, h * w, c)` tensor), or None when `size` is not a proper factor of it."""
    if size is None or size in (UNREAD, (1, ())) or not 0 <= index < len(dims):
        return None
    whole = dims[index]
    if size[0] <= 0 or whole == (size[0], tuple(sorted(size[1]))) or not _divides(size, whole):
        return None
    rest = Counter(whole[1])
    rest.subtract(size[1])
    return whole[0] // size[0], tuple(sorted(rest.elements()))


def _take(dims: list[Size], start: int, step: int, size: Size | None, following: Size | None = None) -> int | None:
    """How many dims `size` takes from `start`; `following` is the next size in the walk.

    0 means a new singleton; a split of dimension `start` is left to the caller (`_split`)."""
    inside = 0 <= start < len(dims)
    if size == UNREAD:
        return 1 if inside else None  # an unreadable size names one dimension
    if size == (1, ()) and inside and dims[start][1]:
        if following is not None and following != UNREAD and _match(dims, start, step, following) is not None:
            return 0  # `view(h, w, 1, c)`: a new singleton before the size that names this dimension
        return 1  # `1` against a dimension of symbolic size names that dimension (`view(1, -1, dim)`)
    taken = _match(dims, start, step, size) if size is not None else None
    if taken is None and _split(dims, start, size) is not None:
        return None
    if taken is None and size is not None and not size[1] and inside and dims[start][1]:
        return 1  # a literal against a symbolic dimension (`view(b, -1, 2, n)` splits it): one dimension
    return taken


def _walk(known: list[Size], start: int, step: int, size: Size | None, following: Size | None) -> range | None:
    """The dims `size` takes walking from `start` by `step`; a split leaves the rest of the dimension
    in `known[start]` for the sizes that follow."""
    taken = _take(known, start, step, size, following)
    if taken is not None:
        return range(start, start + taken) if step > 0 else range(start - taken + 1, start + 1)
    rest = _split(known, start, size)
    if rest is None:
        return None
    known[start] = rest
    return range(start, start + 1)


def group_dims(dims: tuple[Size | None, ...], sizes: list[Size | None]) -> list[range] | None:
    """The input dimensions each view size takes, or None when that cannot be read.

    `sizes` holds None for `-1`, which takes whatever the other sizes leave over, and UNREAD for a size
    the source does not show, which is read as naming one dimension (the usual `view(b, -1, dim)`).
    When there is no `-1` and more sizes than dimensions, unreadable sizes are read as splits.
    """
    known = [d if d is not None else (1, (f"<unknown {i}>",)) for i, d in enumerate(dims)]
    sizes = _adopted(known, sizes)
    # A size read from another tensor says nothing about this one's dimensions: unreadable.
    sizes = [UNREAD if s is not None and s != UNREAD and _foreign(s, known) else s for s in sizes]
    grouped = _group_in_order(known, sizes)
    return grouped if grouped is not None else _read_around(known, sizes)


def _read_around(known: list[Size], sizes: list[Size | None]) -> list[range] | None:
    """Sizes that name whole dimensions from both ends, and between them sizes that can only split or
    merge what is left: `view(b, -1, st, sh, sw, f, h, w)` of a `(b, c, f, h, w)` tensor splits `c`."""
    head = 0
    while head < min(len(sizes), len(known)) and sizes[head] is not None and sizes[head] == known[head]:
        head += 1
    tail = 0
    while tail < min(len(sizes), len(known)) - head and sizes[-1 - tail] is not None \
            and sizes[-1 - tail] == known[-1 - tail]:
        tail += 1
    between, left = len(sizes) - head - tail, range(head, len(known) - tail)
    if between == 0 or (len(left) > 1 and between > 1):
        return None  # nothing in between, or several sizes over several dimensions: not readable
    middle = [left] * between if len(left) <= 1 else [left]
    return [range(i, i + 1) for i in range(head)] + middle + [range(i, i + 1) for i in range(left.stop, len(known))]


def _group_in_order(known: list[Size], sizes: list[Size | None]) -> list[range] | None:
    """Each view size's dimensions, read from the front up to the one `-1`, then from the back."""
    wildcards = [i for i, s in enumerate(sizes) if s is None]
    if len(wildcards) > 1:
        return None
    if not wildcards and UNREAD in sizes and len(sizes) > len(known):
        return [range(i, i + 1) for i in range(len(known))]
    split = wildcards[0] if wildcards else len(sizes)
    groups: list[range] = []
    position = 0
    for index, size in enumerate(sizes[:split]):
        following = sizes[index + 1] if index + 1 < split else None
        before = known[position] if position < len(known) else None
        group = _walk(known, position, 1, size, following)
        if group is None:
            return None
        groups.append(group)
        if position >= len(known) or known[position] == before:  # taken whole, not split
            position = group.stop
    if not wildcards:
        return groups if position == len(known) else None
    tail: list[range] = []
    end = len(known)
    tail_sizes = sizes[split + 1:]
    for index in range(len(tail_sizes) - 1, -1, -1):
        following = tail_sizes[index - 1] if index > 0 else None
        before = known[end - 1] if end > 0 else None
        group = _walk(known, end - 1, -1, tail_sizes[index], following)
        if group is None or group.start < position:
            return None
        tail.insert(0, group)
        if end == 0 or known[end - 1] == before:
            end = group.start
    return groups + [range(position, end)] + tail


def check_view(perm: tuple[int, ...], dims: tuple[Size | None, ...], sizes: list[Size | None]) -> ViewVerdict:
    """Whether `.view(*sizes)` works without a copy on a tensor laid out as `perm` with sizes `dims`."""
    groups = group_dims(dims, sizes)
    if groups is None:
        return ViewVerdict.UNREADABLE
    return ViewVerdict.OK if swapped_merge(perm, dims, groups) is None else ViewVerdict.MERGES_SWAPPED


def swapped_merge(perm: tuple[int, ...], dims: tuple[Size | None, ...], groups: list[range]) -> list[int] | None:
    """The dimensions of the first view size that merges dimensions out of storage order (size-1
    dimensions left out: they never stop a merge), or None when every merge keeps storage order."""
    for group in groups:
        merged = [i for i in group if dims[i] != (1, ())]
        walked = [perm[i] for i in merged]
        if any(b != a + 1 for a, b in zip(walked, walked[1:])):
            return merged
    return None


def proven_sizes(dims: tuple[Size | None, ...], merged: list[int]) -> bool:
    """Every merged dimension has a literal size above 1: the merge raises whatever the values."""
    return all((size := dims[i]) is not None and not size[1] and size[0] > 1 for i in merged)


def check_view_open(perm: tuple[int, ...], dims: tuple[Size | None, ...], sizes: list[Size | None]) -> ViewVerdict:
    """Like check_view for a tensor whose rank is unknown: `perm`/`dims` cover its leading dimensions.

    Judged both with no further dimension and with one more, untouched, after them; a verdict that
    depends on the rank is UNREADABLE.
    """
    readings = {check_view(perm, dims, sizes),
                check_view(perm + (len(perm),), dims + ((1, ("<tail>",)),), sizes)}
    readings.discard(ViewVerdict.UNREADABLE)  # a rank under which the sizes cannot fit is ruled out
    return readings.pop() if len(readings) == 1 else ViewVerdict.UNREADABLE

"""A listing's name order: directories first, each group by casefolded name (the exact name breaks ties).

Part of :class:`gterm.tui.listing_view.ListingView` (no Textual here), kept apart so the view's module
stays readable. Every comparison runs in C: the key is ``list.__getitem__``/``tuple.__getitem__`` of a
column of strings made once per listing, never a Python function per entry.

A name whose bytes are not UTF-8 has two spellings (see ``gterm.globus.paths``): a collection lists it
as Transfer does (U+FFFD, then the bytes read as latin-1), this computer as Python does (lone
surrogates). Both panes show it byte by byte (``caf\\xe9.bin``), so both sort it by its bytes: a
collection's such names are casefolded in Python's spelling (:func:`by_name` gives the column back so
respelled; the filter and the dot-file test read it too), as the Local pane's are, not sorted last
behind their U+FFFD. They begin with U+FFFD, so a sorted group holds them in one run at its end, found
by bisection: a listing without any pays two bisections, nothing per entry.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from itertools import compress
from typing import TYPE_CHECKING

from gterm.globus.paths import UNDECODABLE_MARK, with_surrogates

if TYPE_CHECKING:
    from array import array

_FLIPPED = bytes.maketrans(b"\x00\x01", b"\x01\x00")  # is-a-directory flags -> is-a-file flags
_AFTER_MARK = chr(ord(UNDECODABLE_MARK) + 1)
# Up to this many respelled names a group are inserted one by one (a bisection and a move of the list's tail
# each); more are merged by one sort of the group.
INSERTED_ONE_BY_ONE = 64


def _key(names: Sequence[str], folded: tuple[str, ...]) -> Callable[[int], str | tuple[str, str]]:
    """An entry index's sort key: its casefolded name, with its name when two casefold alike (a deterministic order)."""
    if len(set(folded)) != len(folded):
        return list(zip(folded, names, strict=True)).__getitem__
    return folded.__getitem__


def by_name(names: Sequence[str], folded: tuple[str, ...], is_dir: bytes,
            earlier: tuple[array[int], int, int] | None = None) -> tuple[list[int], list[int], tuple[str, ...]]:
    """The entry indices of the directories and of the rest, each sorted by ``folded`` (then ``names``), and
    ``folded`` as sorted by: with the names in Transfer's spelling of bytes that are not UTF-8 respelled.

    ``earlier``: the name order of the first entries (the order, its number of directories, how many entries
    it covered), sorted by this key already: merged instead of sorted again.
    """
    n = len(folded)
    key = _key(names, folded)
    # Split first, then sort each group: cheaper than sorting everything and splitting the
    # sorted order (one pass over the flags in entry order instead of one in sorted order).
    known = earlier[2] if earlier is not None else 0
    new = range(known, n)
    dirs = sorted(compress(new, is_dir[known:]), key=key)
    files = sorted(compress(new, is_dir[known:].translate(_FLIPPED)), key=key)
    if earlier is not None:
        # The earlier entries' groups are sorted already, by this key too: names equal when
        # casefolded among them are among all of them (both sorted by (casefolded, name));
        # with none, their order by casefolded name is their order by the pair. A list of
        # two sorted runs is merged by sort() in about one comparison per entry.
        earlier_order, earlier_dirs, _ = earlier
        dirs = sorted(earlier_order[:earlier_dirs].tolist() + dirs, key=key)
        files = sorted(earlier_order[earlier_dirs:].tolist() + files, key=key)
    return _respelled(names, folded, dirs, files)


def _respelled(names: Sequence[str], folded: tuple[str, ...], dirs: list[int],
               files: list[int]) -> tuple[list[int], list[int], tuple[str, ...]]:
    """``dirs`` and ``files`` (sorted by ``folded``) and ``folded``, with each name in Transfer's spelling of bytes
    that are not UTF-8 casefolded in Python's spelling instead (as this computer's listing gives it) and moved
    to its place. Only each group's run of names that begin with U+FFFD is looked at."""
    by_folded = folded.__getitem__
    found: dict[int, str] = {}
    runs = []
    for group in (dirs, files):
        start = bisect_left(group, UNDECODABLE_MARK, key=by_folded)
        end = bisect_left(group, _AFTER_MARK, start, key=by_folded)
        runs.append((start, end))
        for index in group[start:end]:
            bytes_spelled = with_surrogates(names[index])
            if bytes_spelled != names[index]:  # else an ordinary name that begins with U+FFFD: it stays
                found[index] = bytes_spelled.casefold()
    if not found:
        return dirs, files, folded
    column = list(folded)
    for index, value in found.items():
        column[index] = value
    folded = tuple(column)

    def pair(index: int) -> tuple[str, str]:
        return folded[index], names[index]

    merged = []
    for group, (start, end) in zip((dirs, files), runs, strict=True):
        moved = [index for index in group[start:end] if index in found]
        if not moved:
            merged.append(group)
            continue
        # The rest keep their keys, so their order: sorted by (casefolded, name) too, whichever key sorted them.
        rest = group[:start] + [index for index in group[start:end] if index not in found] + group[end:]
        if len(moved) <= INSERTED_ONE_BY_ONE:  # the usual few: bisected into place, not a pass over every name
            for index in moved:
                insort(rest, index, key=pair)
        else:
            rest = sorted(rest + moved, key=list(zip(folded, names, strict=True)).__getitem__)
        merged.append(rest)
    return merged[0], merged[1], folded

"""The rows a file list shows, computed from a :class:`Listing` (no Textual here).

A directory may hold 100,000 entries, and every keystroke in the filter or a
press of ``s`` must answer within a frame. So the view never builds a Python
object per row: it keeps the entries once, plus a few parallel lists computed
once per listing (names, casefolded names, dir flags, file sizes on first use), and
a *view* is only a list of entry indices in display order.

* Memory traffic, not Python bytecode, is what costs at this size (the entries
  sit all over the heap): sort orders are arrays of C ints (untracked by the
  garbage collector, so a young one costs no collection pause), and every
  per-row pass is a ``map``/``compress`` chain that runs in C.
* Sorting: the name order (dirs first, then casefolded name; the exact name
  breaks ties; a name that is not UTF-8 by its bytes, as this computer's: see
  ``gterm.tui.name_order``) is computed once per listing with ``list.__getitem__``
  as the key function, which stays in C. Size and time orders are a stable sort of
  that name order (so ties keep it) by keys made in that order: floats of the
  sizes, timedeltas since 1970 of the times (compared in C; see _sorted_by).
  Each order is cached with its number of directories, so "reverse" is two slices.
* Filtering: a substring match against the casefolded names (or a glob when
  the text holds ``*`` or ``?``; brackets alone are text, as in many real
  names, and a class in a glob: ``*[0-9].dat``), tested in entry order (sequential
  memory) into one byte per entry, then projected onto the sorted base order
  with ``itertools.compress``. When the new filter text contains the previous
  one and the previous result is small, only that result is scanned.
* Selection and compare marks are sets of entry indices; a selection's bytes
  are summed from a per-entry array of file sizes.
"""

from __future__ import annotations

import fnmatch
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import compress, filterfalse, repeat
from operator import attrgetter, contains, eq, mul, not_, sub
from typing import Any, Literal

from gterm.globus.models import Entry, Listing
from gterm.tui import name_order
from gterm.tui.safe_text import escape_controls

SortKey = Literal["name", "size", "time"]
SORT_KEYS: tuple[SortKey, ...] = ("name", "size", "time")

GLOB_CHARS = frozenset("*?")
"""What makes a filter a glob of the whole name. Not ``[``: "[b" must find "[b]dir" (a class is only
read inside a glob)."""
BASE_CACHE_SIZE = 4
FILTER_CACHE_SIZE = 4  # recent filter texts' rows per base: a backspace is a lookup, not a scan of every name
# Narrowing (a longer filter text tests only the previous matches) reads those names in display
# order: scattered memory, one cache miss a name. A full scan reads every name in entry order, the
# order the strings were made. At 1,000,000 entries narrowing cost about 0.3 us a match and a full
# scan with its projection about 0.07 us an entry (measured), so narrowing pays only when the
# previous text matched under a quarter of the entries; above that it was the slowest keystroke.
NARROW_BELOW_FRACTION = 4
# Entries read per chunk when a view is built (see _per_entry_columns): a chunk's entries and names
# (~300 kB) stay in a core's L2 cache. 512 to 2,048 measured the same; 8,192 was slower.
COLUMN_CHUNK = 2048
# A selection up to this size is summed entry by entry (a space on one row must not read 1,000,000 sizes).
SUMMED_ONE_BY_ONE = 4096
HIDDEN_SET_BELOW_FRACTION = 16  # dot files under 1/16 of the entries are a set too (not 1,000,000: 60 MB)

# Sorts before any real time; entries without a time sort first (oldest).
_NO_TIME = datetime.min.replace(tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EXACT_IN_FLOAT = 2**53  # every int of smaller magnitude is a float exactly (and keeps its order)
_size_of = attrgetter("size")
_time_of = attrgetter("last_modified")


def _sorted_by(group: Iterable[int], keys: Iterator[Any]) -> list[int]:
    """``group`` stably sorted by ``keys`` (one per item, in the group's order), compared in C.

    ``sorted`` calls its key once per item, first to last, before comparing (CPython's list sort), so
    ``next(keys, item)`` hands each item its own key, the keys made side by side in memory. A key list
    per entry read by index cost a pass over every entry, then scattered reads: 0.8 s, not 0.4, at 1,000,000.
    """
    return sorted(group, key=partial(next, keys))


def _utc_seconds(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp() if value > _NO_TIME else float("-inf")


# --- formatting ------------------------------------------------------------------


_SI_UNITS: tuple[str, ...] = ("kB", "MB", "GB", "TB", "PB", "EB")


def human_size(size: int) -> str:
    """The one size format of the whole UI: decimal (SI) units, as the Globus web app shows them.

    ``0 B``, ``999 B``, ``1.5 kB``, ``12.3 MB``, ``216 kB``, ``3.1 GB``: one decimal
    below 100, none from 100 up, so the text never exceeds 7 cells (the file
    list's size column) and the file list, the status line, the transfer
    dialog and the task panel all say the same thing for the same bytes.
    """
    if size < 1000:
        return f"{max(int(size), 0)} B"
    value = float(size)
    for unit in _SI_UNITS:
        value /= 1000.0
        if round(value, 1) < 100.0:
            return f"{value:.1f} {unit}"
        if round(value) < 1000 or unit == _SI_UNITS[-1]:
            return f"{value:.0f} {unit}"
    return f"{value:.0f} {_SI_UNITS[-1]}"  # pragma: no cover - loop always returns


def format_time(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in UTC (deterministic whatever the machine's zone); ``""`` when unknown."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


_TYPE_CHAR = {
    "dir": "d", "link": "l", "file": "-", "invalid_symlink": "l",
    "fifo": "p", "socket": "s", "char_device": "c", "block_device": "b",  # as ls -l shows them
}


def format_permissions(permissions: str, entry_type: str = "file") -> str:
    """``0755`` -> ``drwxr-xr-x`` (type letter first); anything unparseable is returned as given."""
    text = permissions.strip()
    try:
        mode = int(text, 8) if text else None
    except ValueError:
        return permissions
    if mode is None:
        return ""
    bits = ""
    for shift in (6, 3, 0):
        part = (mode >> shift) & 7
        bits += ("r" if part & 4 else "-") + ("w" if part & 2 else "-") + ("x" if part & 1 else "-")
    # setuid/setgid/sticky shown the way ls does
    chars = list(bits)
    if mode & 0o4000:
        chars[2] = "s" if chars[2] == "x" else "S"
    if mode & 0o2000:
        chars[5] = "s" if chars[5] == "x" else "S"
    if mode & 0o1000:
        chars[8] = "t" if chars[8] == "x" else "T"
    return _TYPE_CHAR.get(entry_type, "-") + "".join(chars)


INVALID_LINK_TARGET = "?"
"""Shown as the target of a link the service will not follow (broken, or pointing outside the collection)."""


def slashed_name(entry: Entry) -> str:
    """The name, a directory's ending in ``/`` (as the dialogs list what they act on)."""
    return entry.name + "/" if entry.is_dir else entry.name


def display_name(entry: Entry) -> str:
    """The name column's text (before escaping).

    Dirs end in ``/``; links show ``name -> target`` (a link to a directory
    ``name/ -> /target/``); a link the service reports as invalid (broken or
    leading outside the collection) shows ``name -> ?``.
    """
    if entry.is_invalid_link:
        return f"{entry.name} -> {INVALID_LINK_TARGET}"
    name = slashed_name(entry)
    if entry.link_target:
        return f"{name} -> {entry.link_target}"
    return name


def invalid_link_notice(entry: Entry) -> str:
    """What Enter or F3 on an invalid link says: nothing behind it can be opened (the name escaped on its own)."""
    return (f"{escape_controls(entry.name)} is a broken link or leads outside the collection; it cannot be opened "
            "or transferred.")


def glob_matcher(pattern: str, *, casefold: bool = False) -> Callable[[str], bool]:
    """A fast ``fnmatch``-style matcher (the regex is compiled once, not per name)."""
    regex = re.compile(fnmatch.translate(pattern.casefold() if casefold else pattern), re.DOTALL)
    match = regex.match
    return lambda name: match(name) is not None


# --- the view --------------------------------------------------------------------


# Entry indices live in arrays of C ints: an array is not tracked by the
# garbage collector, while a young 100,000-item list of ints or strings costs
# a collection 5-25 ms of cache misses each time it is traversed (measured on
# the 2-core reference machine), which is what made keystrokes miss a frame.
_INDEX_TYPE = "I" if array("I").itemsize >= 4 else "L"


def _index_array(indices: Iterable[int] = ()) -> array[int]:
    return array(_INDEX_TYPE, indices)


def _counts_up(rows: array[int], size: int) -> bool:
    """Whether ``rows`` is 0, 1, 2, ... ``size`` - 1: the entries in their own order.

    Its ends decide at once for a listing in another order (the ones sent in no order); only rows
    that start and end as the count would are compared in full (a count built for that, ~5 ms at 100,000).
    """
    if len(rows) != size or (size and (rows[0] != 0 or rows[-1] != size - 1)):
        return False
    return rows == _index_array(range(size))


def _same_or_new(name: str, folded: str) -> str:
    """``name`` itself when casefolding did not change it (the common case), so no second copy is kept."""
    return name if name == folded else folded


_name_of = attrgetter("name")
_type_of = attrgetter("type")


def _per_entry_columns(entries: Sequence[Entry]) -> tuple[tuple[str, ...], tuple[str, ...], bytes]:
    """Every entry's name, casefolded name and is-a-directory flag, in entry order.

    Read in chunks of :data:`COLUMN_CHUNK` entries, each chunk for all three
    while its entries and names are still in the CPU cache: the entries of a
    big listing sit all over the heap, and three whole passes (one per column)
    paid a cache miss per entry three times, about 15 of the 35 ms at 100,000
    entries (measured). ``map`` + ``attrgetter`` / ``str.casefold`` run each
    chunk's loops in C.
    """
    names: list[str] = []
    folded: list[str] = []
    is_dir = bytearray()
    for start in range(0, len(entries), COLUMN_CHUNK):
        chunk = entries[start : start + COLUMN_CHUNK]
        chunk_names = tuple(map(_name_of, chunk))
        names += chunk_names
        # Casefolding makes a new string even when nothing changes (most names are lower case):
        # keep the name itself then (~66 bytes an entry, 66 MB at 1,000,000 entries).
        folded += map(_same_or_new, chunk_names, map(str.casefold, chunk_names))
        is_dir.extend(map(eq, map(_type_of, chunk), repeat("dir")))
    return tuple(names), tuple(folded), bytes(is_dir)


def _starts_with(entries: Sequence[Entry], first: Sequence[Entry]) -> bool:
    """Whether ``entries`` begins with the very entry objects of ``first``.

    The ends are checked first, so a listing read again (equal entries, other objects) or another
    directory is told apart at once; then every position, by identity first (tuple comparison).
    """
    count = len(first)
    if count > len(entries) or entries[0] is not first[0] or entries[count - 1] is not first[-1]:
        return False
    return tuple(entries[:count]) == tuple(first)


def _reverse_groups(order: array[int], dir_count: int) -> array[int]:
    """``order`` reversed within its two groups, so directories stay first."""
    if not dir_count:
        return order[::-1]
    return order[dir_count - 1 :: -1] + order[: dir_count - 1 : -1]


@dataclass(frozen=True, slots=True)
class SelectionSummary:
    count: int
    total_size: int  # bytes of the selected files (directories count 0)


class ListingView:
    """Sorted, filtered, selectable rows of one listing, as entry indices.

    ``rows`` is the entry indices in display order, a C-int array like the
    sort orders (it does not include a ``..`` row; that is the widget's business).
    """

    def __init__(
        self,
        listing: Listing | None = None,
        *,
        sort_key: SortKey = "name",
        reverse: bool = False,
        show_hidden: bool = False,
        filter_text: str = "",
        extends: ListingView | None = None,
    ) -> None:
        """``extends``: a view of an earlier part of this listing (its entries are the first of
        these, as :meth:`Listing.extended` makes them). Its per-entry columns and name order are
        reused, so a page merged into a big listing costs the page, not the whole listing again.
        A view of anything else is ignored."""
        self.listing = listing
        entries: Sequence[Entry] = listing.entries if listing is not None else ()
        self.entries: Sequence[Entry] = entries
        # Tuples, not lists: the collector untracks a tuple of strings the first time it sees it,
        # while every full collection walks a list's items (one cache miss per name: 10-20 ms per
        # list at 100,000 entries, landing on whichever keystroke triggers it).
        self.names: tuple[str, ...]
        self.folded: tuple[str, ...]
        self._is_dir: bytes
        # the earlier view's name order and how many entries it covered, until the name order is merged
        self._earlier_name_order: tuple[array[int], int, int] | None = None
        if extends is not None and extends.entries and _starts_with(entries, extends.entries):
            known = len(extends.entries)
            names, folded, is_dir = _per_entry_columns(entries[known:])
            self.names, self.folded = extends.names + names, extends.folded + folded
            self._is_dir = extends._is_dir + is_dir
            self._earlier_name_order = (*extends._name_order(), known)
        else:
            self.names, self.folded, self._is_dir = _per_entry_columns(entries)
        # 1 per entry shown when dot files are hidden; found while sorting by name
        self._visible = b""
        self._hidden_count = 0
        self._hidden: frozenset[int] | None = None
        # key -> (order with dirs first, number of dirs); reverse is derived
        self._orders: dict[SortKey, tuple[array[int], int]] = {}
        self._file_sizes: array[int] | None = None
        self._base: array[int] = _index_array()
        self._base_key: tuple[SortKey, bool, bool] | None = None
        # a few recent (sort, reverse, hidden) views, so toggling back and forth is instant
        self._bases: dict[tuple[SortKey, bool, bool], array[int]] = {}
        self._index_by_name: dict[str, int] | None = None
        self._last_filter = ""
        self._filtered: dict[str, array[int]] = {}
        self._filtered_base: array[int] | None = None
        self._filtered_base_in_entry_order: bool | None = None  # found out by the first filter of a base
        self.sort_key: SortKey = sort_key
        self.reverse = reverse
        self.show_hidden = show_hidden
        self.filter_text = filter_text
        self.rows: array[int] = _index_array()
        self.selected: set[int] = set()
        self.marked: set[int] = set()
        self._refresh_rows(incremental=False)

    # --- configuration ------------------------------------------------------

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> int:
        return len(self.entries)

    def configure(
        self,
        *,
        sort_key: SortKey | None = None,
        reverse: bool | None = None,
        show_hidden: bool | None = None,
        filter_text: str | None = None,
    ) -> None:
        """Change any of the view options and recompute ``rows``."""
        incremental = True
        if sort_key is not None and sort_key != self.sort_key:
            if sort_key not in SORT_KEYS:
                raise ValueError(f"unknown sort key {sort_key!r}")
            self.sort_key = sort_key
            incremental = False
        if reverse is not None and reverse != self.reverse:
            self.reverse = reverse
            incremental = False
        if show_hidden is not None and show_hidden != self.show_hidden:
            self.show_hidden = show_hidden
            incremental = False
        if filter_text is not None:
            self.filter_text = filter_text
        self._refresh_rows(incremental=incremental)

    def _name_order(self) -> tuple[array[int], int]:
        """Dirs first, each group by casefolded name (exact name breaks ties): the base of every order.

        Also finds the dot files: one run per group in casefolded order (between "." and "/"), bisected.
        """
        if "name" not in self._orders:
            earlier, self._earlier_name_order = self._earlier_name_order, None
            # Names that are not UTF-8, in Transfer's spelling, come back respelled: sorted, hidden and filtered
            # as the Local pane has them.
            dirs, files, self.folded = name_order.by_name(self.names, self.folded, self._is_dir, earlier)
            folded = self.folded
            n = len(folded)
            visible = bytearray(b"\x01") * n
            by_folded = folded.__getitem__
            hidden: list[int] = []
            for group in (dirs, files):
                hidden += group[bisect_left(group, ".", key=by_folded) : bisect_left(group, "/", key=by_folded)]
            for index in hidden:
                visible[index] = 0
            self._hidden_count = len(hidden)
            self._visible = bytes(visible)
            # Few dot files (the usual) are a set too: looked up in half the time of the bytes (see _shown).
            self._hidden = frozenset(hidden) if len(hidden) * HIDDEN_SET_BELOW_FRACTION <= n else None
            order = _index_array(dirs)
            order.fromlist(files)
            self._orders["name"] = (order, len(dirs))
        return self._orders["name"]

    def _order(self, key: SortKey) -> tuple[array[int], int]:
        """The order for ``key``: a stable sort of the name order, so ties keep the name order."""
        if key not in self._orders:
            self._orders[key] = self._computed_order(key)
        return self._orders[key]

    def _computed_order(self, key: SortKey) -> tuple[array[int], int]:
        name_order, dir_count = self._name_order()
        if key == "name":
            return name_order, dir_count
        try:
            order = self._sorted_groups(name_order, dir_count, self._by_size if key == "size" else self._by_time)
        except TypeError:  # (by time) an entry without a time, or a naive one: compared as datetimes
            times = [value or _NO_TIME for value in map(_time_of, self.entries)]
            try:
                order = self._sorted_groups(name_order, dir_count, partial(sorted, key=times.__getitem__))
            except TypeError:  # naive and aware datetimes mixed: compare as UTC timestamps instead
                seconds = [_utc_seconds(value) for value in times]
                order = self._sorted_groups(name_order, dir_count, partial(sorted, key=seconds.__getitem__))
        return order, dir_count

    def _by_size(self, group: array[int]) -> list[int]:
        """``group`` by size: as floats (the fastest compare) if the ends show each size is one exactly."""
        entries = self.entries
        with suppress(OverflowError):  # a size beyond any float
            order = _sorted_by(group, map(float, map(_size_of, map(entries.__getitem__, group))))
            if not order or max(abs(entries[order[0]].size), abs(entries[order[-1]].size)) < _EXACT_IN_FLOAT:
                return order
        return _sorted_by(group, map(_size_of, map(entries.__getitem__, group)))

    def _by_time(self, group: array[int]) -> list[int]:
        """``group`` by time, as the (exact) timedelta since 1970. TypeError for a missing or naive time."""
        times = map(_time_of, map(self.entries.__getitem__, group))
        return _sorted_by(group, map(sub, times, repeat(_EPOCH)))

    def other_orders(self) -> dict[SortKey, tuple[array[int], int]]:
        """The sort orders not computed yet, computed without changing the view (for a worker thread).

        A re-sort of 1,000,000 entries costs half a second: a pane computes them (and select-all's file sizes,
        as long) on its listing worker once the listing is whole; :meth:`adopt_orders` hands them over.
        """
        self._bytes_of_files()
        return {key: self._computed_order(key) for key in SORT_KEYS if key not in self._orders}

    def adopt_orders(self, orders: dict[SortKey, tuple[array[int], int]]) -> None:
        """Keep orders from :meth:`other_orders` (those computed here meanwhile stay)."""
        for key, order in orders.items():
            self._orders.setdefault(key, order)

    @staticmethod
    def _sorted_groups(name_order: array[int], dir_count: int, by_key: Callable[[array[int]], list[int]]) -> array[int]:
        order = _index_array(by_key(name_order[:dir_count]))
        order.fromlist(by_key(name_order[dir_count:]))
        return order

    def _base_rows(self) -> array[int]:
        """All rows in display order before the text filter (sorted, dirs first, hidden applied)."""
        wanted = (self.sort_key, self.reverse, self.show_hidden)
        if self._base_key != wanted:
            cached = self._bases.get(wanted)
            if cached is None:
                cached = self._compute_base(*wanted)
                if len(self._bases) >= BASE_CACHE_SIZE:
                    self._bases.pop(next(iter(self._bases)))
                self._bases[wanted] = cached
            self._base = cached
            self._base_key = wanted
        return self._base

    def _compute_base(self, sort_key: SortKey, reverse: bool, show_hidden: bool) -> array[int]:
        order, dir_count = self._order(sort_key)
        if not show_hidden and self._hidden_count:
            dirs, files = self._shown(order[:dir_count]), self._shown(order[dir_count:])
            order, dir_count = dirs + files, len(dirs)
        return _reverse_groups(order, dir_count) if reverse else order

    def _shown(self, rows: array[int]) -> array[int]:
        """``rows`` less the dot files."""
        if self._hidden is not None:
            return _index_array(filterfalse(self._hidden.__contains__, rows))
        return _index_array(compress(rows, map(self._visible.__getitem__, rows)))

    def _refresh_rows(self, *, incremental: bool) -> None:
        text = self.filter_text.casefold()
        base = self._base_rows()
        if base is not self._filtered_base:
            self._filtered.clear()
            self._filtered_base = base
            self._filtered_base_in_entry_order = None
        if not text:
            self.rows = base  # shared with the cache of bases: rows are never changed in place
        elif text in self._filtered:
            self.rows = self._filtered[text]
        else:
            if GLOB_CHARS.intersection(text):
                self.rows = self._matching(base, map(bool, map(glob_matcher(text), self.folded)))
            else:
                previous = self._last_filter
                if (
                    incremental
                    and previous
                    and previous in text
                    and not GLOB_CHARS.intersection(previous)
                    and len(self.rows) * NARROW_BELOW_FRACTION <= len(self.folded)
                ):
                    # Narrowing: only the rows that matched the shorter text can match.
                    rows = self.rows
                    names = map(self.folded.__getitem__, rows)
                    self.rows = _index_array(compress(rows, map(contains, names, repeat(text))))
                else:
                    self.rows = self._matching(base, map(contains, self.folded, repeat(text)))
            if len(self._filtered) >= FILTER_CACHE_SIZE:
                self._filtered.pop(next(iter(self._filtered)))
            self._filtered[text] = self.rows
        self._last_filter = text

    def _matching(self, base: array[int], hits: Iterable[bool]) -> array[int]:
        """The rows of ``base`` whose entry is a hit (``hits`` in entry order).

        Testing the names in entry order walks memory in the order the
        strings were made (cache friendly); the flags then fit in 100 kB.
        """
        flags = bytes(hits)
        if b"\x00" not in flags:  # every name matches (a first letter most names share): the base itself
            return base
        if b"\x01" not in flags:
            return _index_array()
        if self._filtered_base_in_entry_order is None:
            # Pages asked for in the pane's order usually arrive in it: then the hits need no projection
            # onto the base (at 1,000,000 entries 60 ms instead of 220; one compare per base, ~30 ms).
            self._filtered_base_in_entry_order = _counts_up(base, len(flags))
        if self._filtered_base_in_entry_order:  # base is 0, 1, 2, ...: the flags are in its order already
            return _index_array(compress(base, flags))
        return _index_array(compress(base, map(flags.__getitem__, base)))

    # --- lookups -------------------------------------------------------------------

    def index_of(self, name: str) -> int | None:
        """The entry index of ``name`` (None when the listing has no such entry).

        One name is looked for with ``list.index`` (a scan in C, a few ms at
        1,000,000 entries); an index by name (tens of MB at that size) is
        built only for lookups of many names (:meth:`_indexed`).
        """
        if self._index_by_name is not None:
            return self._index_by_name.get(name)
        try:
            return self.names.index(name)
        except ValueError:
            return None

    def _indexed(self, names: Iterable[str]) -> Iterable[int | None]:
        """The entry index of each of ``names`` (None for those missing)."""
        wanted = names if isinstance(names, (list, tuple, set, frozenset)) else list(names)
        if len(wanted) <= 8:
            return map(self.index_of, wanted)
        if self._index_by_name is None:
            self._index_by_name = {name: i for i, name in enumerate(self.names)}
        return map(self._index_by_name.get, wanted)

    def row_of(self, name: str) -> int | None:
        """The display row of ``name`` (None when absent or not visible). O(n) but only on demand."""
        index = self.index_of(name)
        return None if index is None else self.row_of_index(index)

    def row_of_index(self, index: int) -> int | None:
        """The display row of entry ``index`` (None when not visible).

        An entry the filter or the hidden flag leaves out is answered without
        scanning the rows: while a filter is typed the cursor's entry usually
        no longer matches, and a scan of 1,000,000 rows would cost the keystroke.
        """
        if not self._passes(index):
            return None
        try:
            return self.rows.index(index)
        except ValueError:
            return None

    def _passes(self, index: int) -> bool:
        """Whether entry ``index`` passes the hidden flag and the filter (not whether it is in ``rows``)."""
        if not 0 <= index < len(self.folded):
            return False
        if not self.show_hidden and self._visible and not self._visible[index]:
            return False
        text = self._last_filter
        if not text:
            return True
        if GLOB_CHARS.intersection(text):
            return glob_matcher(text)(self.folded[index])
        return text in self.folded[index]

    def entry_at(self, row: int) -> Entry:
        return self.entries[self.rows[row]]

    # --- selection -------------------------------------------------------------------

    def toggle(self, index: int) -> None:
        if index in self.selected:
            self.selected.discard(index)
        else:
            self.selected.add(index)

    def select_glob(self, pattern: str) -> int:
        """Select the visible entries whose name matches the glob; returns how many were newly selected."""
        match = glob_matcher(pattern)
        names = self.names
        hits = {i for i in self.rows if match(names[i])} - self.selected
        self.selected |= hits
        return len(hits)

    def unselect_glob(self, pattern: str) -> int:
        """Unselect the selected entries whose name matches the glob; returns how many were dropped."""
        match = glob_matcher(pattern)
        names = self.names
        hits = {i for i in self.selected if match(names[i])}
        self.selected -= hits
        return len(hits)

    def invert_selection(self) -> None:
        """Invert the selection among the visible files (selected rows not visible stay selected).

        Directories keep their state, as in Midnight Commander: ``*`` then F8 must not take
        whole directories the user never chose. Filtered in C (100,000 rows in a few ms).
        """
        self.selected.symmetric_difference_update(filterfalse(self._is_dir.__getitem__, self.rows))

    def select_all(self) -> None:
        if self.selected:
            self.selected.update(self.rows)
        else:
            # one presized build from a list: about 3x faster than 100,000 inserts (or a set from the array)
            self.selected = set(self.rows.tolist())

    def clear_selection(self) -> None:
        self.selected.clear()

    def select_names(self, names: Iterable[str]) -> None:
        """Select entries by name (names missing from this listing are ignored)."""
        self.selected.update(index for index in self._indexed(names) if index is not None)

    @property
    def selected_names(self) -> set[str]:
        names = self.names
        return {names[i] for i in self.selected}

    def selected_entries(self) -> list[Entry]:
        """The selected entries, visible ones in display order first, then any others in listing order."""
        if not self.selected:
            return []
        selected = self.selected
        ordered = [i for i in self.rows if i in selected]
        if len(ordered) < len(selected):
            seen = set(ordered)
            ordered += sorted(i for i in selected if i not in seen)
        return [self.entries[i] for i in ordered]

    def visible_count(self, indexes: set[int]) -> int:
        """How many of ``indexes`` (selected or marked entries) a row shows now; the rest the filter (or the
        hidden-files switch) hides, and an action on the selection acts on them too."""
        if not indexes:
            return 0
        return sum(1 for index in self.rows if index in indexes)

    def selection_summary(self) -> SelectionSummary:
        selected = self.selected
        if len(selected) <= SUMMED_ONE_BY_ONE and self._file_sizes is None:  # (every new listing asks, with none)
            entries, is_dir = self.entries, self._is_dir
            return SelectionSummary(len(selected), sum(entries[i].size for i in selected if not is_dir[i]))
        # Looked up in a C array: select-all over 100,000 entries must not cost a frame.
        return SelectionSummary(len(selected), sum(map(self._bytes_of_files().__getitem__, selected)))

    def _bytes_of_files(self) -> array[int]:
        """Per entry: size * is-a-file (directories count 0 in a selection's bytes)."""
        if self._file_sizes is None:
            self._file_sizes = array("q", map(mul, map(_size_of, self.entries), map(not_, self._is_dir)))
        return self._file_sizes

    def set_marks(self, names: Iterable[str]) -> None:
        """Compare marks, by name."""
        self.marked = {index for index in self._indexed(names) if index is not None}

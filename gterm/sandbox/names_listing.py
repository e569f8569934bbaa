"""A directory listed in an order of names and types: read once, sorted when first needed, paged as Items.

An order by ``name``, ``type``, ``user`` or ``group`` needs no file facts, so
a listing in such an order is the directory's names grouped by type
(:func:`scan`, one ``readdir`` pass and no ``lstat`` per entry), and the
Items of a page are made as the page is sent, with the facts read then
(:func:`file_listing.read_facts`). Measured on 1,000,000 entries here: a
pass that keeps names only costs a third of one that makes an Item per
entry, and sorting a million names costs about as much as that pass again.

So the first page of a directory nobody listed yet is picked without
sorting the rest (``heapq.nsmallest`` over each type's names), and the whole
order is sorted once, when a page further on is first asked for. The
listing lives in the sandbox's kept listings (``listing_cache``) between
those requests, which may run on several handler threads at once: sorting
builds new lists and swaps them in, so a reader never sees a list half sorted.
"""

from __future__ import annotations

import heapq
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from gterm.sandbox import file_listing as fl
from gterm.sandbox.confined import Root
from gterm.sandbox.file_listing import UNSTATED, Item, Predicate
from gterm.sandbox.temporaries import is_temporary

KINDS = ("dir", "file", "invalid_symlink")
"""An entry's ``type``, in the order ``type ASC`` sorts them (by code point, as every other field)."""

PARTIAL_SHARE = 10
"""A page within the first 1/PARTIAL_SHARE of a listing not sorted yet is picked, not sorted for."""


@dataclass(frozen=True, slots=True)
class NameOrder:
    """What a names-and-types ``orderby`` comes to: grouped by type or not, and each way round.

    Names are unique in a directory, so no key after ``name`` can change the
    order; ``group`` is one value for every entry, and ``user`` is too, except
    in ``/home`` where each entry's owner is its own name.
    """

    by_type: bool
    type_descending: bool
    name_descending: bool

    @classmethod
    def of(cls, keys: Sequence[tuple[str, bool]], *, owner_is_name: bool) -> NameOrder:
        """The order of ``keys`` (as :func:`file_listing.parse_orderby` gives them; name, type, user, group only)."""
        type_key: bool | None = None
        for field, descending in keys:
            if field == "name" or (field == "user" and owner_is_name):
                return cls(type_key is not None, bool(type_key), descending)
            if field == "type" and type_key is None:
                type_key = descending
        return cls(type_key is not None, bool(type_key), False)  # ties by name, ascending


class NamesListing:
    """A directory's names by type, in a :class:`NameOrder`; a page's file facts are read as it is sent.

    ``owner`` is every entry's ``user``; None: each entry's own name (``/home``).
    """

    def __init__(self, by_kind: dict[str, list[str]], order: NameOrder, owner: str | None) -> None:
        self._order = order
        self._owner = owner
        kinds = sorted(by_kind, key=KINDS.index, reverse=order.type_descending)
        # The names in runs sent one after the other: one run per type, or all in one when not by type.
        self._runs = [by_kind[kind] for kind in kinds] if order.by_type else [
            [name for kind in kinds for name in by_kind[kind]]
        ]
        self._total = sum(map(len, self._runs))
        self._sorted = False
        self._sorting = threading.Lock()

    def __len__(self) -> int:
        return self._total

    def names(self, offset: int, limit: int) -> list[str]:
        """The names of entries ``offset`` to ``offset + limit`` in the order."""
        end = min(offset + limit, self._total)
        if offset >= end:
            return []
        if not self._sorted and end * PARTIAL_SHARE <= self._total:
            return self._first(end)[offset:]
        self._sort()
        picked: list[str] = []
        start = 0
        for names in self._runs:  # the page may span the end of one type's run
            if start + len(names) > offset and start < end:
                picked += names[max(offset - start, 0): end - start]
            start += len(names)
        return picked

    def read(self, root: Root, dir_fd: int, dir_parts: Sequence[str], offset: int, limit: int) -> list[Item]:
        """The Items of entries ``offset`` to ``offset + limit``, their facts read now (gone ones drop out)."""
        return fl.read_facts(root, dir_fd, dir_parts, self.names(offset, limit), self._owner)

    def _first(self, count: int) -> list[str]:
        """The first ``count`` names in the order, without sorting the rest."""
        pick = heapq.nlargest if self._order.name_descending else heapq.nsmallest
        picked: list[str] = []
        for names in self._runs:
            picked += pick(count - len(picked), names)
            if len(picked) == count:
                break
        return picked

    def _sort(self) -> None:
        with self._sorting:  # one sort per listing; the others wait for it rather than sort too
            if not self._sorted:
                self._runs = [sorted(names, reverse=self._order.name_descending) for names in self._runs]
                self._sorted = True


def scan(
    root: Root,
    dir_fd: int,
    dir_parts: Sequence[str],
    dir_path: str,
    *,
    show_hidden: bool,
    predicates: Sequence[Predicate],
    keys: Sequence[tuple[str, bool]],
) -> NamesListing:
    """The entries of a directory opened beneath ``root`` that pass ``predicates``, in the order of ``keys``.

    The directory's own listing tells each entry's type (``d_type``). A
    symlink is followed here, beneath the root only: its type is its
    target's (``invalid_symlink`` when broken or leading outside), which the
    order needs; its page reads it again. ``predicates`` test names, types
    and owners only (the caller checks), on an Item made for the test.
    """
    owner = fl.entry_owner(dir_path)
    by_kind: dict[str, list[str]] = {kind: [] for kind in KINDS}
    dirs, files = by_kind["dir"].append, by_kind["file"].append
    with os.scandir(dir_fd) as it:
        for entry in it:
            name = entry.name
            if name[0] == "." and (not show_hidden or is_temporary(name)):
                continue  # hidden, or a copy or upload in flight
            try:
                if entry.is_symlink():
                    kind = fl.item_from_stat(root, dir_parts, name, entry.stat(follow_symlinks=False), "").type
                else:
                    kind = "dir" if entry.is_dir(follow_symlinks=False) else "file"
            except OSError:
                continue  # vanished between readdir and stat
            if predicates:
                stub = Item(name, kind, UNSTATED, 0, 0, owner or name, None, None, None)
                if not all(test(stub) for test in predicates):
                    continue
            if kind == "dir":
                dirs(name)
            elif kind == "file":
                files(name)
            else:
                by_kind[kind].append(name)
    return NamesListing(by_kind, NameOrder.of(keys, owner_is_name=owner is None), owner)

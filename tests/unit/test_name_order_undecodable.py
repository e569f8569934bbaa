"""A name whose bytes are not UTF-8 sorts by its bytes in a collection's listing, as in this computer's.

A collection lists ``b"caf\\xe9.bin"`` in Transfer's spelling (U+FFFD, then latin-1), this computer in
Python's (lone surrogates); both panes show ``caf\\xe9.bin``, so both put it between ``bin.dat`` and
``esc.txt``, not last behind its U+FFFD. Pages merged into a big listing (``extends``) agree.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from gterm.globus.models import Entry, Listing
from gterm.tui.listing_view import ListingView

RAW_NAMES = [b"bin.dat", b"esc.txt", "数据.csv".encode(), b"caf\xe9.bin", b"CAF\xc9-2.bin", b"Zeta", b".h\xe9",
             b"d\xe9r", "\ufffd数据.txt".encode()]  # the last: UTF-8 that really begins with U+FFFD
DIRS = {b"d\xe9r"}


def wire(raw: bytes) -> str:
    """Transfer's spelling of a name (what a collection lists)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "\ufffd" + raw.decode("latin-1")


def listing(spell: Callable[[bytes], str], raws: list[bytes]) -> Listing:
    entries = tuple(Entry(spell(raw), "dir" if raw in DIRS else "file", 1, None) for raw in raws)
    return Listing("coll", "/d/", entries, total=len(raws))


def rows_as_bytes(view: ListingView, spelled_by: dict[str, bytes]) -> list[bytes]:
    return [spelled_by[view.names[i]] for i in view.rows]


def test_a_collection_sorts_such_names_as_this_computer_does() -> None:
    local = ListingView(listing(os.fsdecode, RAW_NAMES), show_hidden=True)
    remote = ListingView(listing(wire, RAW_NAMES), show_hidden=True)
    local_order = rows_as_bytes(local, {os.fsdecode(raw): raw for raw in RAW_NAMES})
    remote_order = rows_as_bytes(remote, {wire(raw): raw for raw in RAW_NAMES})
    assert remote_order == local_order
    assert local_order == [b"d\xe9r", b".h\xe9", b"bin.dat", b"CAF\xc9-2.bin", b"caf\xe9.bin", b"esc.txt", b"Zeta",
                           "数据.csv".encode(), "\ufffd数据.txt".encode()]


def test_a_dot_name_that_is_not_utf8_is_hidden_in_both() -> None:
    for spell in (os.fsdecode, wire):
        view = ListingView(listing(spell, RAW_NAMES))
        assert spell(b".h\xe9") not in [view.names[i] for i in view.rows]
        assert len(view) == len(RAW_NAMES) - 1


def test_pages_merged_into_a_listing_sort_as_this_computer_does() -> None:
    """The name comes in an earlier page, a later one, or both (a name order merged from pages stays right)."""
    spelled_by = {wire(raw): raw for raw in RAW_NAMES}
    whole = listing(wire, RAW_NAMES)
    here = listing(os.fsdecode, RAW_NAMES)  # this computer's order of the same names
    expected = rows_as_bytes(ListingView(here, show_hidden=True), {os.fsdecode(raw): raw for raw in RAW_NAMES})
    for known in range(1, len(RAW_NAMES)):
        first = Listing("coll", "/d/", whole.entries[:known], total=len(RAW_NAMES))
        page = Listing("coll", "/d/", whole.entries[known:], total=len(RAW_NAMES))
        for sort_key in ("name", "size"):
            earlier = ListingView(first, sort_key=sort_key, show_hidden=True)  # type: ignore[arg-type]
            view = ListingView(first.extended(page), show_hidden=True, extends=earlier)
            assert rows_as_bytes(view, spelled_by) == expected, (known, sort_key)


def test_the_filter_matches_such_a_name_as_in_this_computer() -> None:
    """The names are casefolded once for sorting and filtering: a filter finds what the Local pane's finds."""
    for spell in (os.fsdecode, wire):
        view = ListingView(listing(spell, RAW_NAMES), filter_text="caf")
        assert sorted(view.names[i] for i in view.rows) == sorted([spell(b"caf\xe9.bin"), spell(b"CAF\xc9-2.bin")])


def test_many_such_names_sort_as_this_computer_does() -> None:
    """More than a few (merged by one sort of the group rather than inserted one by one), with names that
    casefold alike (``CAF\\xc9`` and ``caf\\xe9`` differ only in case where they are not UTF-8)."""
    raws = [bytes([0x61 + i % 26]) + bytes([0xC0 + i % 32]) + str(i).encode() for i in range(300)]
    raws += [b"caf\xe9", b"CAF\xe9", b"plain", b"Zz"]
    here = ListingView(listing(os.fsdecode, raws))
    there = ListingView(listing(wire, raws))
    assert rows_as_bytes(there, {wire(raw): raw for raw in raws}) == rows_as_bytes(
        here, {os.fsdecode(raw): raw for raw in raws})

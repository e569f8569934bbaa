"""compare_listings marks what Midnight Commander's compare marks; the sync preview follows Globus's levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gterm.globus.models import Entry, Listing
from gterm.tui.compare import compare_listings, preview_directory, would_send

T0 = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def f(name: str, size: int = 10, when: datetime = T0) -> Entry:
    return Entry(name=name, type="file", size=size, last_modified=when)


def d(name: str, when: datetime = T0) -> Entry:
    return Entry(name=name, type="dir", size=4096, last_modified=when)


def listing(*entries: Entry) -> Listing:
    return Listing(collection_id="c", path="/x/", entries=tuple(entries))


def test_identical_listings_mark_nothing() -> None:
    result = compare_listings(listing(f("a"), d("sub")), listing(f("a"), d("sub", T0 + timedelta(days=3))))
    assert result.left_marked == frozenset()
    assert result.right_marked == frozenset()


def test_one_side_only_size_and_mtime_differences_are_marked() -> None:
    left = listing(
        f("same"), f("only-left"), f("bigger", 20), f("newer", when=T0 + timedelta(seconds=5)), d("dir-left")
    )
    right = listing(f("same"), f("only-right"), f("bigger", 10), f("newer"), d("dir-right"))
    result = compare_listings(left, right)
    assert result.left_marked == {"only-left", "bigger", "newer", "dir-left"}
    assert result.right_marked == {"only-right", "bigger", "newer", "dir-right"}


def test_type_mismatch_is_marked_and_subsecond_noise_is_not() -> None:
    left = listing(f("thing"), f("t", when=T0 + timedelta(milliseconds=300)))
    right = listing(d("thing"), f("t"))
    result = compare_listings(left, right)
    assert result.left_marked == {"thing"}
    assert result.right_marked == {"thing"}


def test_names_are_compared_literally() -> None:
    result = compare_listings(listing(f("[bold]x[/bold]"), f("Résumé.pdf")), listing(f("Résumé.pdf")))
    assert result.left_marked == {"[bold]x[/bold]"}
    assert result.right_marked == frozenset()


def test_would_send_follows_the_cumulative_levels() -> None:
    src = f("a", 10, T0 + timedelta(seconds=10))
    assert would_send(None, src, f("a", 10, T0)) is True
    assert would_send("exists", src, f("a", 99, T0)) is False
    assert would_send("exists", src, None) is True
    assert would_send("size", src, f("a", 10, T0)) is False
    assert would_send("size", src, f("a", 11, T0)) is True
    assert would_send("mtime", src, f("a", 10, T0)) is True  # destination older
    assert would_send("mtime", src, f("a", 10, T0 + timedelta(seconds=10))) is False
    assert would_send("mtime", src, f("a", 10, T0 + timedelta(seconds=60))) is False  # newer dest kept
    assert would_send("checksum", src, f("a", 11, T0)) is True
    assert would_send("checksum", src, f("a", 10, T0)) is None  # only the service can tell


def test_preview_directory_splits_send_skip_extra_and_subdirs() -> None:
    source = [f("new", 5), f("same", 7), f("changed", 8), d("sub"), d("fresh")]
    destination = [f("same", 7), f("changed", 3), f("stale"), d("sub")]
    preview, dirs = preview_directory("size", source, destination, prefix="top/")
    assert sorted(preview.send) == ["top/changed", "top/new"]
    assert preview.send_bytes == 13
    assert preview.skip == ["top/same"]
    assert preview.extra == ["top/stale"]
    assert dirs == [("sub", True), ("fresh", False)]
    assert "2 files to send" in preview.summary("size", delete_extra=True)
    assert "deleted" in preview.summary("size", delete_extra=True)


def test_a_name_that_is_not_utf8_matches_across_spellings() -> None:
    """This computer lists b"caf\\xe9" with a lone surrogate, a collection as U+FFFD + latin-1: same file."""
    local, remote = "caf\udce9.txt", "\ufffdcaf\xe9.txt"
    assert compare_listings(listing(f(local)), listing(f(remote))) == compare_listings(listing(), listing())
    result = compare_listings(listing(f(local, 20)), listing(f(remote, 10)))
    assert result.left_marked == {local} and result.right_marked == {remote}

"""compare_listings picks what Midnight Commander's quick compare selects; the sync preview follows Globus's levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gterm.globus.models import Entry, Listing
from gterm.tui.compare import Side, compare_listings, preview_directory, would_send

T0 = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def f(name: str, size: int = 10, when: datetime = T0) -> Entry:
    return Entry(name=name, type="file", size=size, last_modified=when)


def d(name: str, when: datetime = T0) -> Entry:
    return Entry(name=name, type="dir", size=4096, last_modified=when)


def listing(*entries: Entry) -> Listing:
    return Listing(collection_id="c", path="/x/", entries=tuple(entries))


def test_identical_listings_mark_nothing() -> None:
    result = compare_listings(listing(f("a"), d("sub")), listing(f("a"), d("sub", T0 + timedelta(days=3))))
    assert result.same
    assert result.left == Side() and result.right == Side()


def test_only_the_newer_copy_is_to_send_and_one_side_only_entries_are() -> None:
    later = T0 + timedelta(seconds=5)
    left = listing(
        f("same"),
        f("only-left"),
        f("newer-here", when=later),
        f("newer-and-bigger-here", 20, later),
        f("newer-there"),
        f("same-time-other-size", 20),
        d("dir-left"),
    )
    right = listing(
        f("same"),
        f("only-right"),
        f("newer-here"),
        f("newer-and-bigger-here", 10),
        f("newer-there", 99, later),
        f("same-time-other-size", 10),
        d("dir-right"),
    )
    result = compare_listings(left, right)
    # same size, newer here: only this copy (Midnight Commander marks only the newer); a newer copy is
    # sent whatever the sizes; the same time with other sizes says nothing of which is right: both.
    assert result.left.send == {"only-left", "newer-here", "newer-and-bigger-here", "same-time-other-size", "dir-left"}
    assert result.right.send == {"only-right", "newer-there", "same-time-other-size", "dir-right"}
    assert result.left.older == {"newer-there"}
    assert result.right.older == {"newer-here", "newer-and-bigger-here"}
    assert not result.left.clash and not result.right.clash


def test_type_mismatch_is_a_clash_and_subsecond_noise_is_not() -> None:
    left = listing(f("thing"), f("t", when=T0 + timedelta(milliseconds=300)))
    right = listing(d("thing"), f("t"))
    result = compare_listings(left, right)
    assert result.left == Side(clash=frozenset({"thing"}))
    assert result.right == Side(clash=frozenset({"thing"}))


def test_a_missing_time_cannot_say_which_is_newer() -> None:
    unknown = Entry(name="u", type="file", size=10, last_modified=None)
    result = compare_listings(listing(unknown), listing(f("u")))
    assert result.left.send == {"u"} and result.right.send == {"u"}


def test_names_are_compared_literally() -> None:
    result = compare_listings(listing(f("[bold]x[/bold]"), f("Résumé.pdf")), listing(f("Résumé.pdf")))
    assert result.left.send == {"[bold]x[/bold]"}
    assert result.right.differing == frozenset()


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
    assert result.left.send == {local} and result.right.send == {remote}  # same time, other sizes: both

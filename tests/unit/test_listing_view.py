"""The pure model behind FileList: sorting, filtering, hidden, glob selection, formatting."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gterm.globus.models import Entry, Listing
from gterm.tui.listing_view import (
    COLUMN_CHUNK,
    SUMMED_ONE_BY_ONE,
    ListingView,
    display_name,
    format_permissions,
    format_time,
    human_size,
)

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def entry(name: str, kind: str = "file", size: int = 0, minutes: int = 0, **extra: object) -> Entry:
    return Entry(name, kind, size, T0 + timedelta(minutes=minutes), "0644", **extra)  # type: ignore[arg-type]


def listing(*entries: Entry) -> Listing:
    return Listing("coll", "/home/alice/", tuple(entries))


SAMPLE = listing(
    entry("b.txt", size=300, minutes=3),
    entry("A.txt", size=100, minutes=5),
    entry("zdir", "dir", size=4096, minutes=1),
    entry("adir", "dir", size=4096, minutes=9),
    entry(".hidden", size=5, minutes=7),
    entry("c.log", size=200, minutes=2),
    entry("Bdir", "dir", size=4096, minutes=4),
)


def names(view: ListingView) -> list[str]:
    return [view.names[i] for i in view.rows]


def test_default_is_dirs_first_casefolded_name_and_hides_dot_files() -> None:
    view = ListingView(SAMPLE)
    assert names(view) == ["adir", "Bdir", "zdir", "A.txt", "b.txt", "c.log"]
    assert view.total == 7 and len(view) == 6


def test_show_hidden() -> None:
    view = ListingView(SAMPLE, show_hidden=True)
    assert names(view)[3] == ".hidden"
    view.configure(show_hidden=False)
    assert ".hidden" not in names(view)


def test_reverse_keeps_dirs_first() -> None:
    view = ListingView(SAMPLE)
    view.configure(reverse=True)
    assert names(view) == ["zdir", "Bdir", "adir", "c.log", "b.txt", "A.txt"]


def test_sort_by_size_and_time() -> None:
    view = ListingView(SAMPLE, sort_key="size")
    assert names(view) == ["adir", "Bdir", "zdir", "A.txt", "c.log", "b.txt"]
    view.configure(sort_key="time")
    assert names(view) == ["zdir", "Bdir", "adir", "c.log", "b.txt", "A.txt"]
    view.configure(reverse=True)
    assert names(view) == ["adir", "Bdir", "zdir", "A.txt", "b.txt", "c.log"]


def test_equal_keys_fall_back_to_name_order_deterministically() -> None:
    same = listing(entry("b"), entry("a"), entry("B"), entry("A"))
    view = ListingView(same, sort_key="size")
    assert names(view) == ["A", "a", "B", "b"]


def test_unknown_times_sort_first() -> None:
    items = listing(entry("new", minutes=10), Entry("unknown", "file", 1, None), entry("old"))
    view = ListingView(items, sort_key="time")
    assert names(view) == ["unknown", "old", "new"]


def test_filter_is_casefolded_substring_and_narrows_incrementally() -> None:
    view = ListingView(SAMPLE)
    view.configure(filter_text="T")
    assert names(view) == ["A.txt", "b.txt"]
    view.configure(filter_text="TX")
    assert names(view) == ["A.txt", "b.txt"]
    view.configure(filter_text="b.tx")
    assert names(view) == ["b.txt"]
    view.configure(filter_text="t")  # widening again scans everything
    assert names(view) == ["A.txt", "b.txt"]
    view.configure(filter_text="")
    assert len(view) == 6


def test_filter_with_glob_characters() -> None:
    view = ListingView(SAMPLE)
    view.configure(filter_text="*.LOG")
    assert names(view) == ["c.log"]
    view.configure(filter_text="?dir")
    assert names(view) == ["adir", "Bdir", "zdir"]
    view.configure(filter_text="[ab]dir*")  # a class inside a glob
    assert names(view) == ["adir", "Bdir"]


def test_brackets_alone_filter_as_text() -> None:
    """Names with brackets are common ("[b]dir", "run[3].log"): "[b" found nothing when [ made a glob."""
    view = ListingView(listing(entry("[b]dir", "dir"), entry("bdir", "dir"), entry("run[3].log")))
    view.configure(filter_text="[b")
    assert names(view) == ["[b]dir"]
    view.configure(filter_text="[3]")
    assert names(view) == ["run[3].log"]


def test_filter_respects_hidden_and_sort_changes() -> None:
    view = ListingView(SAMPLE, filter_text="d")
    assert names(view) == ["adir", "Bdir", "zdir", ".hidden"][:3]
    view.configure(show_hidden=True)
    assert names(view) == ["adir", "Bdir", "zdir", ".hidden"]
    view.configure(reverse=True)
    assert names(view) == ["zdir", "Bdir", "adir", ".hidden"]


def test_glob_select_unselect_invert_all() -> None:
    view = ListingView(SAMPLE)
    assert view.select_glob("*.txt") == 2
    assert view.selected_names == {"A.txt", "b.txt"}
    assert view.select_glob("*.txt") == 0
    assert view.selection_summary().count == 2
    assert view.selection_summary().total_size == 400
    assert view.unselect_glob("A*") == 1
    assert view.selected_names == {"b.txt"}
    view.select_names(["zdir"])
    view.invert_selection()  # files only: directories keep their state
    assert view.selected_names == {"zdir", "A.txt", "c.log"}
    view.clear_selection()
    view.select_all()
    assert len(view.selected) == 6  # hidden entries are not visible, so not selected
    assert ".hidden" not in view.selected_names


def test_glob_select_only_touches_visible_rows() -> None:
    view = ListingView(SAMPLE, filter_text="a")
    view.select_glob("*")
    assert view.selected_names == {"adir", "A.txt"}


def test_selection_summary_counts_directories_as_zero_bytes() -> None:
    view = ListingView(SAMPLE)
    view.select_all()
    assert view.selection_summary().total_size == 600


def test_selected_entries_in_display_order_then_invisible_ones() -> None:
    view = ListingView(SAMPLE)
    view.select_names(["c.log", "adir", "nope"])
    view.configure(filter_text="dir")
    assert [e.name for e in view.selected_entries()] == ["adir", "c.log"]


def test_marks_by_name() -> None:
    view = ListingView(SAMPLE)
    view.set_marks({"b.txt", "zdir", "missing"})
    assert {view.names[i] for i in view.marked} == {"b.txt", "zdir"}


def test_row_of() -> None:
    view = ListingView(SAMPLE)
    assert view.row_of("zdir") == 2
    assert view.row_of(".hidden") is None
    assert view.row_of("missing") is None


def test_empty_view() -> None:
    view = ListingView()
    assert len(view.rows) == 0 and view.total == 0
    view.configure(sort_key="size", filter_text="x")
    assert len(view.rows) == 0


def test_unknown_sort_key_is_rejected() -> None:
    with pytest.raises(ValueError):
        ListingView(SAMPLE).configure(sort_key="colour")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (1536, "1.5 kB"), (20_026, "20.0 kB"),
     (99_949, "99.9 kB"), (99_950, "100 kB"), (215_900, "216 kB"), (999_499, "999 kB"), (999_500, "1.0 MB"),
     (3_145_728, "3.1 MB"), (10**9, "1.0 GB"), (5 * 10**12, "5.0 TB"), (-1, "0 B")],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


def test_format_time_is_utc_and_deterministic() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_time(datetime(2026, 1, 15, 14, 30, tzinfo=plus_two)) == "2026-01-15 12:30"
    assert format_time(datetime(2026, 1, 15, 14, 30)) == "2026-01-15 14:30"
    assert format_time(None) == ""


@pytest.mark.parametrize(
    ("perms", "kind", "text"),
    [("0755", "dir", "drwxr-xr-x"), ("0644", "file", "-rw-r--r--"), ("0777", "link", "lrwxrwxrwx"),
     ("4755", "file", "-rwsr-xr-x"), ("1777", "dir", "drwxrwxrwt"), ("", "file", ""), ("weird", "file", "weird")],
)
def test_format_permissions(perms: str, kind: str, text: str) -> None:
    assert format_permissions(perms, kind) == text


def test_display_name_marks_dirs_and_links() -> None:
    assert display_name(entry("d", "dir")) == "d/"
    assert display_name(entry("l", "link", link_target="/x/y")) == "l -> /x/y"
    assert display_name(entry("f")) == "f"


def test_display_name_of_directory_links_and_invalid_links() -> None:
    # QA F13: a link to a directory showed only "link-dir/"; broken links looked like files.
    link_dir = Entry.from_doc(
        {"name": "link-dir", "type": "dir", "size": 4096, "link_target": "/home/alice/experiments/"}
    )
    assert display_name(link_dir) == "link-dir/ -> /home/alice/experiments/"
    broken = Entry.from_doc({"name": "link-broken", "type": "invalid_symlink", "size": 7, "permissions": "0777"})
    assert broken.type == "invalid_symlink" and broken.is_invalid_link and not broken.is_dir
    assert display_name(broken) == "link-broken -> ?"
    assert format_permissions(broken.permissions, broken.type) == "lrwxrwxrwx"
    assert not Entry.from_doc({"name": "f", "type": "file"}).is_invalid_link
    assert Entry.from_doc({"name": "odd", "type": "socket"}).type == "file"


def test_entries_from_docs_keeps_invalid_links() -> None:
    from gterm.globus.models import entries_from_docs

    docs = [{"name": "a", "type": "file", "size": 1}, {"name": "b", "type": "invalid_symlink", "size": 4},
            {"name": "c", "type": "mystery"}]
    assert [e.type for e in entries_from_docs(docs)] == ["file", "invalid_symlink", "file"]
    assert list(entries_from_docs(docs)) == [Entry.from_doc(doc) for doc in docs]


def test_one_size_format_across_the_ui() -> None:
    # QA F2: the file list said 3.0M while the status line, dialog and panel said 3.1 MB.
    from gterm.tui import task_format
    from gterm.tui.widgets.status_line import StatusInfo

    for size in (0, 999, 1_000, 20_026, 3_145_728, 157_300_000, 12_345_678_901):
        assert task_format.human_bytes(size) == human_size(size)
        assert f"({human_size(size)})" in StatusInfo(total=1, shown=1, selected=1, selected_size=size).render_text()
    assert human_size(3_145_728) == "3.1 MB"


@pytest.mark.parametrize("size", [0, 9, 999, 1_000, 9_999, 99_949, 99_950, 999_499, 999_500, 10**15, 999 * 10**18])
def test_human_size_fits_the_size_column(size: int) -> None:
    from gterm.tui.widgets.file_list import SIZE_WIDTH

    assert len(human_size(size)) <= SIZE_WIDTH


def test_hundred_thousand_entries_sort_and_filter() -> None:
    big = listing(*(entry(f"file{i:06d}.dat", size=i % 977, minutes=i % 1000) for i in range(100_000)))
    view = ListingView(big)
    assert len(view) == 100_000
    view.configure(sort_key="size", reverse=True)
    sizes = [view.entries[i].size for i in view.rows]
    assert sizes == sorted(sizes, reverse=True)
    view.configure(filter_text="99999")
    assert names(view) == ["file099999.dat"]


def test_mixed_naive_and_aware_times_still_sort() -> None:
    items = listing(
        Entry("aware", "file", 1, datetime(2026, 1, 15, 12, 0, tzinfo=UTC)),
        Entry("naive", "file", 1, datetime(2026, 1, 15, 11, 0)),
        Entry("none", "file", 1, None),
    )
    view = ListingView(items, sort_key="time")
    assert names(view) == ["none", "naive", "aware"]


def reference_rows(items: Listing, key: str, reverse: bool, show_hidden: bool, text: str) -> list[str]:
    """The obvious, slow definition the fast view must agree with."""
    chosen = [
        e for e in items.entries if (show_hidden or not e.name.startswith(".")) and text.casefold() in e.name.casefold()
    ]
    name_key = {e.name: (e.name.casefold(), e.name) for e in chosen}
    by_name = sorted(chosen, key=lambda e: name_key[e.name])
    if key == "size":
        ordered = sorted(by_name, key=lambda e: e.size)
    elif key == "time":
        ordered = sorted(by_name, key=lambda e: e.last_modified)
    else:
        ordered = by_name
    dirs = [e.name for e in ordered if e.is_dir]
    files = [e.name for e in ordered if not e.is_dir]
    if reverse:
        dirs.reverse()
        files.reverse()
    return dirs + files


def test_agrees_with_a_naive_reference_on_random_listings() -> None:
    import random

    rng = random.Random(7)
    alphabet = ["a", "B", "c", ".", "-", "#", "~", "é", "Z", "0", " ", "_", "x"]
    for _ in range(30):
        seen: set[str] = set()
        entries = []
        for _ in range(rng.randint(0, 60)):
            name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
            if name in seen:
                continue
            seen.add(name)
            entries.append(
                entry(name, rng.choice(["file", "file", "dir"]), size=rng.randint(0, 5), minutes=rng.randint(0, 5))
            )
        items = listing(*entries)
        view = ListingView(items)
        for key in ("name", "size", "time"):
            for reverse in (False, True):
                for show_hidden in (False, True):
                    for text in ("", "a", "."):
                        view.configure(sort_key=key, reverse=reverse, show_hidden=show_hidden, filter_text=text)  # type: ignore[arg-type]
                        assert names(view) == reference_rows(items, key, reverse, show_hidden, text), (
                            key, reverse, show_hidden, text)


def test_select_all_keeps_earlier_selection_and_summary_counts_files_only() -> None:
    view = ListingView(SAMPLE, show_hidden=True, filter_text="dir")
    view.select_all()
    assert view.selected_names == {"adir", "Bdir", "zdir"}
    assert view.selection_summary().total_size == 0  # directories count 0 bytes
    view.configure(filter_text="")
    view.select_names([".hidden"])
    view.configure(show_hidden=False)
    view.select_all()  # adds the visible rows to what was selected before
    assert view.selected_names == {"adir", "Bdir", "zdir", "A.txt", "b.txt", "c.log", ".hidden"}
    summary = view.selection_summary()
    assert (summary.count, summary.total_size) == (7, 605)


def test_cached_orders_give_the_same_rows_as_fresh_ones() -> None:
    view = ListingView(SAMPLE)
    for options in [("size", True, False), ("time", False, True), ("size", True, False), ("name", True, True),
                    ("time", False, True), ("name", False, False)]:
        key, reverse, hidden = options
        view.configure(sort_key=key, reverse=reverse, show_hidden=hidden)  # type: ignore[arg-type]
        fresh = ListingView(SAMPLE, sort_key=key, reverse=reverse, show_hidden=hidden)  # type: ignore[arg-type]
        assert names(view) == names(fresh), options


def test_dot_files_among_dirs_and_files_are_hidden_in_every_order() -> None:
    items = listing(entry(".git", "dir"), entry("src", "dir"), entry(".env", size=9), entry("a", size=1))
    for key in ("name", "size", "time"):
        for reverse in (False, True):
            view = ListingView(items, sort_key=key, reverse=reverse)  # type: ignore[arg-type]
            assert sorted(names(view)) == ["a", "src"]
            assert names(view)[0] == "src"  # dirs first


def test_glob_filter_then_substring_does_not_narrow_from_the_glob() -> None:
    view = ListingView(SAMPLE)
    view.configure(filter_text="*.txt")
    assert names(view) == ["A.txt", "b.txt"]
    view.configure(filter_text="*.txtz")
    assert names(view) == []
    view.configure(filter_text="d")
    assert names(view) == ["adir", "Bdir", "zdir"]


def test_rows_are_entry_indices_the_collector_never_walks() -> None:
    view = ListingView(SAMPLE, sort_key="size")
    assert all(isinstance(i, int) for i in view.rows)
    assert view.row_of_index(view.rows[-1]) == len(view) - 1
    # Per-entry sequences the view keeps: none of them is a container a full collection walks
    # item by item (a list is; a C array's traversal visits its type only, and the collector
    # stops tracking a tuple of strings once it has seen it).
    def items_walked(kept: object) -> int:
        return len([r for r in gc.get_referents(kept) if not isinstance(r, type)]) if gc.is_tracked(kept) else 0

    gc.collect()
    assert [items_walked(kept) for kept in (view.rows, view.names, view.folded)] == [0, 0, 0]
    view.configure(filter_text="a")
    gc.collect()
    assert items_walked(view.rows) == 0


def test_orders_computed_elsewhere_sort_the_same_and_leave_the_view_as_it_was() -> None:
    view = ListingView(SAMPLE, show_hidden=True)
    rows_before = list(view.rows)
    orders = view.other_orders()  # as a worker thread computes them
    assert set(orders) == {"size", "time"} and list(view.rows) == rows_before
    fresh = ListingView(SAMPLE, show_hidden=True)
    view.adopt_orders(orders)
    for key in ("size", "time"):
        for reverse in (False, True):
            view.configure(sort_key=key, reverse=reverse)
            fresh.configure(sort_key=key, reverse=reverse)
            assert names(view) == names(fresh)
    view.adopt_orders({"size": orders["time"]})  # an order the view already has is kept
    view.configure(sort_key="size", reverse=False)
    assert names(view) == names(fresh.__class__(SAMPLE, show_hidden=True, sort_key="size"))


def test_a_backspace_takes_the_rows_the_shorter_text_had() -> None:
    view = ListingView(SAMPLE, show_hidden=True)
    view.configure(filter_text="a")
    rows_for_a = view.rows
    view.configure(filter_text="at")
    view.configure(filter_text="a")  # backspace
    assert view.rows is rows_for_a  # looked up, not a new scan of every name
    assert names(view) == names(ListingView(SAMPLE, show_hidden=True, filter_text="a"))
    view.configure(sort_key="size")  # another order: the texts' rows are found again, in it
    view.configure(filter_text="at")
    view.configure(filter_text="a")
    assert view.rows is not rows_for_a
    assert names(view) == names(ListingView(SAMPLE, show_hidden=True, sort_key="size", filter_text="a"))


def test_a_longer_filter_text_finds_the_same_rows_whether_it_narrows_or_scans_again() -> None:
    # "." matches every name, "q" none; "file" matches 40 of 41 (the next keystroke scans everything
    # again), "file_1" a few of them (the keystroke after tests only those); both must give exactly
    # a fresh view's rows.
    items = listing(*(entry(f"File_{i:02d}.dat", size=i) for i in range(40)), entry("zz.txt"))
    view = ListingView(items, sort_key="size", reverse=True)
    for text in (".", "q", "f", "fi", "file", "file_", "file_1", "file_1.", "file_1*", "file_12", "file_3"):
        view.configure(filter_text=text)
        fresh = ListingView(items, sort_key="size", reverse=True, filter_text=text)
        assert names(view) == names(fresh), text
    view.configure(filter_text="file_1")
    assert names(view) == [f"File_{i}.dat" for i in range(19, 9, -1)]


def test_row_of_index_answers_none_for_entries_the_filter_or_hidden_flag_leaves_out() -> None:
    view = ListingView(SAMPLE)
    by_name = {e.name: i for i, e in enumerate(SAMPLE.entries)}
    assert view.row_of_index(by_name[".hidden"]) is None
    view.configure(filter_text="T")
    assert view.row_of_index(by_name["adir"]) is None
    assert view.row_of_index(by_name["b.txt"]) == names(view).index("b.txt")
    view.configure(filter_text="*.TXT")
    assert view.row_of_index(by_name["c.log"]) is None
    assert view.row_of_index(by_name["A.txt"]) == names(view).index("A.txt")
    view.configure(filter_text="", show_hidden=True)
    assert view.row_of_index(by_name[".hidden"]) == names(view).index(".hidden")
    assert view.row_of_index(len(SAMPLE.entries)) is None


def test_a_listing_spanning_several_read_chunks_sorts_and_hides_like_the_reference() -> None:
    # The per-entry columns are read COLUMN_CHUNK entries at a time: dirs, dot files and names
    # differing only in case on both sides of each chunk boundary must come out as in one pass.
    import random

    rng = random.Random(11)
    count = 2 * COLUMN_CHUNK + 5
    stems = [f"{rng.choice(['', '.', '_'])}{rng.choice(['a', 'B', 'b', 'Z', 'é'])}{i % 97:02d}" for i in range(count)]
    unique = list(dict.fromkeys(f"{stem}-{i}" if i % 5 else stem for i, stem in enumerate(stems)))
    items = listing(*(entry(name, "dir" if i % 7 == 3 else "file", size=i % 13) for i, name in enumerate(unique)))
    view = ListingView(items)
    assert view.names == tuple(e.name for e in items.entries)
    assert view.folded == tuple(e.name.casefold() for e in items.entries)
    for show_hidden in (False, True):
        view.configure(show_hidden=show_hidden)
        assert names(view) == reference_rows(items, "name", False, show_hidden, "")
    view.configure(sort_key="size", reverse=True)
    assert names(view) == reference_rows(items, "size", True, True, "")


def test_names_casefolding_does_not_change_are_kept_once() -> None:
    view = ListingView(listing(entry("lower.txt"), entry("Upper.txt"), entry("dir", "dir")))
    assert view.folded[0] is view.names[0]
    assert view.folded[1] == "upper.txt" and view.folded[1] is not view.names[1]
    assert view.folded[2] is view.names[2]


def split_listing(items: Listing, known: int) -> tuple[Listing, Listing]:
    """The first ``known`` entries as a first page, and the whole listing as that page extended."""
    first = Listing(items.collection_id, items.path, items.entries[:known], total=len(items.entries))
    page = Listing(items.collection_id, items.path, items.entries[known:], total=len(items.entries))
    return first, first.extended(page)


def test_a_view_extending_an_earlier_part_shows_what_a_fresh_view_shows() -> None:
    # Pages merged into a big listing reuse the earlier view's columns and name order. The later
    # page brings names equal to earlier ones when casefolded ("Beta" after "beta"), dirs and dot
    # files on both sides, and names that sort before and after every earlier one.
    earlier_names = ["beta", "Alpha.txt", ".env", "mid", "zeta/", "Docs/", ".git/", "omega"]
    later_names = ["Beta", "aaa", "ALPHA.TXT", ".bashrc", "zzz/", "docs/", "MID", "b/", "Zeta.log"]
    everything = [
        entry(name.rstrip("/"), "dir" if name.endswith("/") else "file", size=i % 4, minutes=i % 3)
        for i, name in enumerate(earlier_names + later_names)
    ]
    items = listing(*everything)
    first, merged = split_listing(items, len(earlier_names))
    earlier = ListingView(first)
    assert len(set(earlier.folded)) == len(earlier.folded)  # no collision before the later page
    view = ListingView(merged, extends=earlier)
    fresh = ListingView(merged)
    assert (view.names, view.folded, view._is_dir) == (fresh.names, fresh.folded, fresh._is_dir)
    assert view.folded[1] is earlier.folded[1]  # "alpha.txt": the earlier casefolding, not a new one
    for key in ("name", "size", "time"):
        for reverse in (False, True):
            for show_hidden in (False, True):
                for text in ("", "a", "*.txt"):
                    options = {"sort_key": key, "reverse": reverse, "show_hidden": show_hidden, "filter_text": text}
                    view.configure(**options)  # type: ignore[arg-type]
                    fresh.configure(**options)  # type: ignore[arg-type]
                    assert names(view) == names(fresh), options
                    if "*" not in text:
                        assert names(view) == reference_rows(merged, key, reverse, show_hidden, text), options
    assert names(earlier) == reference_rows(first, "name", False, False, "")  # the earlier view is left as it was


def test_views_extended_page_by_page_agree_with_a_fresh_view_on_random_listings() -> None:
    import random

    rng = random.Random(5)
    alphabet = ["a", "A", "b", "B", ".", "é", "É", "z", "_"]
    for _ in range(20):
        unique = list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(80)))
        items = listing(*(entry(name, rng.choice(["file", "dir"]), size=rng.randint(0, 3)) for name in unique))
        cuts = sorted(rng.sample(range(1, len(unique)), 3))
        view = ListingView(Listing(items.collection_id, items.path, items.entries[: cuts[0]], total=len(unique)))
        shown = view.listing
        assert shown is not None
        for end in [*cuts[1:], len(unique)]:
            page = Listing(items.collection_id, items.path, items.entries[len(shown.entries) : end], total=len(unique))
            shown = shown.extended(page)
            view = ListingView(shown, sort_key="size", show_hidden=True, extends=view)
            assert names(view) == names(ListingView(shown, sort_key="size", show_hidden=True))
            view.configure(sort_key="name", show_hidden=False)
            assert names(view) == reference_rows(shown, "name", False, False, "")


def test_extends_is_ignored_for_a_view_of_other_entries() -> None:
    first, merged = split_listing(SAMPLE, 4)
    other = ListingView(listing(entry("Zed"), entry("Yak")))
    read_again = listing(*(Entry(e.name, e.type, e.size, e.last_modified, e.permissions) for e in first.entries))
    for unrelated in (other, ListingView(read_again), ListingView(merged)):  # the last one is longer
        view = ListingView(first, extends=unrelated)
        assert names(view) == names(ListingView(first))
        assert view.folded[1] is not unrelated.folded[1]  # "a.txt" casefolded again, not taken over
    assert names(ListingView(merged, extends=ListingView())) == names(ListingView(merged))


def test_a_listing_in_display_order_filters_like_one_in_any_other_order() -> None:
    # Pages asked for in the pane's order arrive in it, and a filter then skips projecting its hits
    # onto the display order; the rows must be those of the same entries in another order, in every
    # sort, reversed, and with the dot files hidden (the display order is then not every entry).
    made = [entry(f"{name}_{i:02d}.dat", size=(i * 7) % 13, minutes=i % 5) for i, name in
            enumerate(["alpha", "Beta", "gamma"] * 9)]
    made += [entry(f"dir{i}", "dir") for i in range(3)] + [entry(".hidden_1"), entry(".hidden_2", "dir")]
    shown_in_order = ListingView(listing(*made), show_hidden=True)
    in_display_order = listing(*(made[index] for index in shown_in_order.rows))
    shuffled = listing(*reversed(made))
    for sort_key, reverse, show_hidden in (("name", False, True), ("name", True, True), ("size", False, True),
                                           ("time", True, False), ("name", False, False)):
        for text in ("a", "_1", "be", "*.dat", "dir", "zz"):
            ordered = ListingView(in_display_order, sort_key=sort_key, reverse=reverse, show_hidden=show_hidden)
            ordered.configure(filter_text=text)
            other = ListingView(shuffled, sort_key=sort_key, reverse=reverse, show_hidden=show_hidden,
                                filter_text=text)
            assert names(ordered) == names(other), (sort_key, reverse, show_hidden, text)
    view = ListingView(in_display_order, show_hidden=True)
    view.configure(filter_text="_1")
    assert view._filtered_base_in_entry_order is True  # the shortcut was taken here


def test_sizes_a_float_cannot_hold_exactly_still_sort_by_their_exact_value() -> None:
    # Sizes are compared as floats when every one is a float exactly; 2**53 + 1 is not (it would tie
    # with 2**53 and fall back to the name order), nor is a size beyond any float.
    big = 2**53
    items = listing(
        entry("a", size=big + 1), entry("b", size=big), entry("c", size=-big), entry("d", size=-big - 1),
        entry("e", size=5), entry("g", size=5),
    )
    view = ListingView(items, sort_key="size")
    assert names(view) == ["d", "c", "e", "g", "b", "a"]
    view.configure(reverse=True)
    assert names(view) == ["a", "b", "g", "e", "c", "d"]
    beyond = listing(entry("f", size=10**400), entry("h", size=-big - 1), entry("i", size=-big))
    assert names(ListingView(beyond, sort_key="size")) == ["h", "i", "f"]
    exact = listing(entry("y", size=big - 1), entry("x", size=big - 1), entry("w", size=-big + 1), entry("v", size=0))
    assert names(ListingView(exact, sort_key="size")) == ["w", "v", "x", "y"]


def test_times_sort_by_the_instant_exactly_ties_keep_the_name_order() -> None:
    plus_two = timezone(timedelta(hours=2))
    far = datetime(9999, 12, 31, 23, 59, 59, 999_998, tzinfo=UTC)  # a float of seconds cannot tell these apart
    items = listing(
        Entry("b-same-instant", "file", 1, datetime(2026, 1, 15, 14, 0, tzinfo=plus_two)),
        Entry("a-same-instant", "file", 1, T0),
        Entry("far-later", "file", 1, far + timedelta(microseconds=1)),
        Entry("far", "file", 1, far),
        Entry("early", "file", 1, datetime(1, 1, 1, tzinfo=UTC)),
        Entry("d-dir", "dir", 1, T0),
        Entry("c-dir", "dir", 1, T0 - timedelta(microseconds=1)),
    )
    view = ListingView(items, sort_key="time")
    assert names(view) == ["c-dir", "d-dir", "early", "a-same-instant", "b-same-instant", "far", "far-later"]
    view.configure(reverse=True)
    assert names(view) == ["d-dir", "c-dir", "far-later", "far", "b-same-instant", "a-same-instant", "early"]


def test_only_naive_times_sort_as_before() -> None:
    eleven, noon = datetime(2026, 1, 15, 11, 0), datetime(2026, 1, 15, 12, 0)
    items = listing(Entry("b", "file", 1, eleven), Entry("a", "file", 1, noon), Entry("c", "file", 1, eleven))
    assert names(ListingView(items, sort_key="time")) == ["b", "c", "a"]
    assert names(ListingView(items, sort_key="time", reverse=True)) == ["a", "c", "b"]


def test_size_and_time_orders_agree_with_the_reference_on_random_values_with_ties() -> None:
    import random

    rng = random.Random(3)
    zones = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))]
    entries = [
        Entry(f"{rng.choice('aBcD.')}{i}", rng.choice(["file", "file", "dir"]),  # type: ignore[arg-type]
              rng.choice([rng.randrange(-5, 5), rng.randrange(10**12), 2**40]),
              (T0 + timedelta(seconds=rng.randrange(50), microseconds=rng.randrange(2))).astimezone(rng.choice(zones)))
        for i in range(3 * COLUMN_CHUNK)
    ]
    items = listing(*entries)
    view = ListingView(items)
    for key in ("size", "time"):
        for reverse in (False, True):
            for show_hidden in (False, True):
                view.configure(sort_key=key, reverse=reverse, show_hidden=show_hidden)  # type: ignore[arg-type]
                assert names(view) == reference_rows(items, key, reverse, show_hidden, ""), (key, reverse, show_hidden)


def test_a_selection_s_bytes_are_the_same_summed_one_by_one_or_from_the_per_entry_array() -> None:
    count = SUMMED_ONE_BY_ONE + 10
    items = listing(*(entry(f"f{i}", "dir" if i % 9 == 0 else "file", size=i * 3) for i in range(count)))
    view = ListingView(items)

    def expected() -> int:
        return sum(items.entries[i].size for i in view.selected if not items.entries[i].is_dir)

    view.select_names(["f1", "f9", "f10"])  # a few: summed one by one
    assert view.selection_summary().total_size == 3 + 30  # f9 is a directory: 0
    view.select_all()  # more than SUMMED_ONE_BY_ONE: from the array
    assert view.selection_summary().total_size == expected() and view.selection_summary().count == count
    view.clear_selection()
    view.select_names(["f2", "f18"])  # the array is made now: it serves the small ones too
    assert view.selection_summary().total_size == 6 and view.selection_summary().count == 2


@pytest.mark.parametrize("dot_every", [40, 3])  # few dot files (also kept as a set) and many (the flags only)
def test_few_or_many_dot_files_are_left_out_of_every_order_like_the_reference(dot_every: int) -> None:
    import random

    rng = random.Random(dot_every)
    items = listing(*(
        entry(f"{'.' if i % dot_every == 0 else ''}{rng.choice('aBz')}{i}", "dir" if i % 7 == 0 else "file",
              size=rng.randrange(4), minutes=rng.randrange(4))
        for i in range(400)
    ))
    view = ListingView(items)
    assert (view._hidden is not None) == (dot_every == 40)
    for key in ("name", "size", "time"):
        for reverse in (False, True):
            for show_hidden in (False, True):
                view.configure(sort_key=key, reverse=reverse, show_hidden=show_hidden)  # type: ignore[arg-type]
                assert names(view) == reference_rows(items, key, reverse, show_hidden, ""), (key, reverse, show_hidden)


def test_orders_prepared_elsewhere_bring_select_all_s_file_sizes_along() -> None:
    # A pane calls other_orders on its worker: select-all's per-entry file sizes (a read of every
    # entry) must not be left for the UI thread; the bytes it sums stay right.
    view = ListingView(SAMPLE, show_hidden=True)
    view.other_orders()
    assert view._file_sizes is not None
    view.select_all()
    assert (view.selection_summary().count, view.selection_summary().total_size) == (7, 605)

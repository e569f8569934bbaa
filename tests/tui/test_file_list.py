"""FileList on its own, driven by Pilot in a tiny host app with hand-built listings."""

from __future__ import annotations

import asyncio
import gc
import operator
from datetime import UTC, datetime, timedelta

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.message import Message

from gterm.globus.models import Entry, Listing
from gterm.tui.widgets.file_list import COLLECT_AFTER, FileList

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SIZE = (100, 16)


def entry(name: str, kind: str = "file", size: int = 0, minutes: int = 0, **extra: object) -> Entry:
    return Entry(name, kind, size, T0 + timedelta(minutes=minutes), "0644", **extra)  # type: ignore[arg-type]


def sample(path: str = "/home/alice/") -> Listing:
    return Listing(
        "coll",
        path,
        (
            entry("docs", "dir", 4096, 1),
            entry("b.txt", size=2048, minutes=3),
            entry("a.txt", size=100, minutes=5),
            entry(".secret", size=1),
            entry("[bold]x[/bold]", size=7),
            entry("esc\x1b[2Jname", size=9),
            entry("link", "link", 11, link_target="/data/target"),
        ),
    )


class Host(App[None]):
    """Hosts one FileList and records the messages it posts."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield FileList(id="files")

    def on_mount(self) -> None:
        self.query_one(FileList).focus()

    def on_file_list_entry_activated(self, message: FileList.EntryActivated) -> None:
        self.seen.append(message)

    def on_file_list_selection_changed(self, message: FileList.SelectionChanged) -> None:
        self.seen.append(message)

    def on_file_list_sort_changed(self, message: FileList.SortChanged) -> None:
        self.seen.append(message)

    def last(self, kind: type[Message]) -> Message:
        return [m for m in self.seen if isinstance(m, kind)][-1]


def screen_lines(file_list: FileList) -> list[str]:
    return [file_list.render_line(y).text for y in range(file_list.scrollable_content_region.height)]


def row_names(file_list: FileList) -> list[str]:
    """The name column of each row on screen (header excluded)."""
    return [line[2:].split("  ")[0].strip() for line in screen_lines(file_list)[1:] if line.strip()]


async def test_renders_header_rows_and_literal_names() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=True)
        await pilot.pause()
        lines = screen_lines(fl)
        assert "Name ▲" in lines[0] and "Size" in lines[0] and "Modified" in lines[0] and "Perms" in lines[0]
        assert row_names(fl) == [
            "../", "docs/", "[bold]x[/bold]", "a.txt", "b.txt", "esc\\x1b[2Jname", "link -> /data/target"
        ]
        docs = next(line for line in lines if "docs/" in line)
        assert "<DIR>" in docs and "2026-01-15 12:01" in docs and "drw-r--r--" in docs
        b_line = next(line for line in lines if "b.txt" in line)
        assert "2.0 kB" in b_line and "-rw-r--r--" in b_line
        for y in range(SIZE[1]):
            for segment in fl.render_line(y):
                assert "\x1b" not in segment.text
        assert fl.visible_count == 6 and fl.row_count == 7


async def test_cursor_keys_and_enter() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=True)
        await pilot.pause()
        assert fl.cursor_is_parent and fl.cursor_entry is None
        await pilot.press("enter")
        await pilot.pause()
        assert app.last(FileList.EntryActivated).entry is None  # type: ignore[attr-defined]
        await pilot.press("down")
        assert fl.cursor_entry is not None and fl.cursor_entry.name == "docs"
        await pilot.press("enter")
        await pilot.pause()
        assert app.last(FileList.EntryActivated).entry.name == "docs"  # type: ignore[attr-defined]
        await pilot.press("end")
        assert fl.cursor_entry.name == "link"
        await pilot.press("up")
        assert fl.cursor_entry.name == "esc\x1b[2Jname"
        await pilot.press("home")
        assert fl.cursor_row == 0
        await pilot.press("up")
        assert fl.cursor_row == 0
        await pilot.press("pagedown")
        assert fl.cursor_entry.name == "link"  # clamped at the last row
        await pilot.press("pageup")
        assert fl.cursor_row == 0


async def test_space_toggles_selection_and_moves_down() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=True)
        await pilot.pause()
        await pilot.press("space")  # on "..": nothing selected, cursor moves on
        assert fl.selected_names == set() and fl.cursor_entry.name == "docs"
        await pilot.press("down", "down", "space", "insert")
        await pilot.pause()
        assert fl.selected_names == {"a.txt", "b.txt"}
        changed = app.last(FileList.SelectionChanged)
        assert (changed.count, changed.total_size) == (2, 2148)  # type: ignore[attr-defined]
        assert [e.name for e in fl.selected_entries()] == ["a.txt", "b.txt"]
        lines = screen_lines(fl)
        assert next(line for line in lines if "a.txt" in line).startswith("* ")
        assert fl.cursor_entry.name == "esc\x1b[2Jname"
        await pilot.press("up", "space")
        assert fl.selected_names == {"a.txt"}


async def test_selected_entries_falls_back_to_cursor_never_parent() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=True)
        await pilot.pause()
        assert fl.selected_entries() == []
        await pilot.press("down")
        assert [e.name for e in fl.selected_entries()] == ["docs"]


async def test_glob_invert_select_all_and_marks() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=False)
        await pilot.pause()
        assert fl.select_glob("*.txt") == 2
        fl.invert_selection()
        assert fl.selected_names == {"[bold]x[/bold]", "esc\x1b[2Jname", "link"}  # files only: not docs/
        assert fl.unselect_glob("*") == 3
        fl.select_all()
        await pilot.pause()
        assert app.last(FileList.SelectionChanged).count == 6  # type: ignore[attr-defined]
        fl.clear_selection()
        fl.set_marks({"a.txt", "nothing"})
        await pilot.pause()
        assert fl.marked_names == {"a.txt"}
        assert next(line for line in screen_lines(fl) if "a.txt" in line).startswith(" ≠ ")


async def test_filter_hidden_and_sort_reactives() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=True)
        await pilot.pause()
        fl.filter_text = "TXT"
        await pilot.pause()
        assert row_names(fl) == ["../", "a.txt", "b.txt"]
        assert fl.cursor_entry.name == "a.txt"  # first match, so Enter opens it
        fl.filter_text = "zzz"
        await pilot.pause()
        assert fl.visible_count == 0
        assert any("Nothing matches" in line for line in screen_lines(fl))
        fl.filter_text = ""
        fl.show_hidden = True
        await pilot.pause()
        assert ".secret" in row_names(fl)
        fl.sort_key = "size"
        fl.sort_reverse = True
        await pilot.pause()
        assert row_names(fl)[:3] == ["../", "docs/", "b.txt"]
        assert "Size ▼" in screen_lines(fl)[0]


async def test_cursor_stays_on_its_entry_across_resort() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=False)
        await pilot.pause()
        assert fl.move_cursor_to_name("b.txt")
        fl.sort_key = "size"
        await pilot.pause()
        assert fl.cursor_entry.name == "b.txt"
        assert not fl.move_cursor_to_name(".secret")


async def test_header_click_sorts_and_reverses() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=False)
        await pilot.pause()
        header = screen_lines(fl)[0]
        await pilot.click(FileList, offset=(header.index("Size") + 1, 0))
        await pilot.pause()
        sort = app.last(FileList.SortChanged)
        assert (sort.key, sort.reverse) == ("size", False)  # type: ignore[attr-defined]
        assert fl.sort_key == "size"
        await pilot.click(FileList, offset=(header.index("Size") + 1, 0))
        await pilot.pause()
        assert app.last(FileList.SortChanged).reverse is True  # type: ignore[attr-defined]
        await pilot.click(FileList, offset=(header.index("Modified") + 1, 0))
        await pilot.pause()
        assert (fl.sort_key, fl.sort_reverse) == ("time", False)


async def test_click_moves_cursor_and_double_click_activates() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=True)
        await pilot.pause()
        await pilot.click(FileList, offset=(5, 3))  # header, "..", docs/, then row 2
        await pilot.pause()
        assert fl.cursor_entry.name == "[bold]x[/bold]"
        await pilot.click(FileList, offset=(5, 2), times=2)
        await pilot.pause()
        assert app.last(FileList.EntryActivated).entry.name == "docs"  # type: ignore[attr-defined]


async def test_messages_loading_overlay_and_empty_directory() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.clear_listing("Loading …")
        await pilot.pause()
        assert any("Loading …" in line for line in screen_lines(fl))
        assert fl.listing is None and fl.cursor_entry is None and fl.selected_entries() == []
        fl.set_listing(Listing("coll", "/empty/", ()), show_parent=False)
        await pilot.pause()
        assert any("Empty directory" in line for line in screen_lines(fl))
        await pilot.press("enter", "space", "down")  # nothing to act on: no crash, no message
        assert not [m for m in app.seen if isinstance(m, FileList.EntryActivated)]
        fl.set_listing(sample(), show_parent=False)
        fl.set_status_message("Loading /elsewhere …")
        await pilot.pause()
        lines = screen_lines(fl)
        assert any("Loading /elsewhere …" in line for line in lines)
        assert any("docs/" in line for line in lines)  # the previous rows stay visible
        fl.set_status_message(None)
        await pilot.pause()
        assert not any("Loading" in line for line in screen_lines(fl))


async def test_only_hidden_entries_says_so() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(Listing("coll", "/x/", (entry(".a"), entry(".b"))), show_parent=False)
        await pilot.pause()
        assert "hidden" in (fl.empty_message or "")


async def test_reload_keeps_selection_and_cursor_but_new_place_resets() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=False)
        await pilot.pause()
        fl.select_glob("*.txt")
        fl.move_cursor_to_name("link")
        fl.set_listing(sample(), show_parent=False)
        assert fl.selected_names == {"a.txt", "b.txt"} and fl.cursor_entry.name == "link"
        fl.set_listing(sample("/other/"), show_parent=True)
        await pilot.pause()
        assert fl.selected_names == set() and fl.cursor_is_parent
        assert app.last(FileList.SelectionChanged).count == 0  # type: ignore[attr-defined]


async def test_bindings_have_ids_and_can_be_remapped() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        ids = {binding.id for binding in FileList.BINDINGS if hasattr(binding, "id")}  # type: ignore[union-attr]
        assert {"file_list.toggle_select", "file_list.activate", "file_list.cursor_down"} <= ids
        app.set_keymap({"file_list.toggle_select": "x"})
        fl.set_listing(sample(), show_parent=False)
        await pilot.pause()
        await pilot.press("x")
        assert fl.selected_names == {"docs"}


async def test_hundred_thousand_entries_scroll_to_the_end() -> None:
    big = Listing("coll", "/big/", tuple(entry(f"f{i:06d}", size=i) for i in range(100_000)))
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(big, show_parent=True)
        await pilot.pause()
        assert fl.visible_count == 100_000
        await pilot.press("end")
        await pilot.pause()
        assert fl.cursor_entry.name == "f099999"
        assert "f099999" in screen_lines(fl)[-1]
        fl.filter_text = "09999"
        await pilot.pause()
        assert fl.visible_count == 11
        assert fl.cursor_entry.name == "f099999"  # still visible, so the cursor stays on it
        fl.filter_text = "0999"
        await pilot.pause()
        assert fl.cursor_entry.name == "f099999"
        await pilot.press("home")
        fl.filter_text = "f00000"
        await pilot.pause()
        assert fl.cursor_entry.name == "f000000"  # from "..", filtering lands on the first match


async def test_wide_names_keep_columns_aligned() -> None:
    listing = Listing(
        "coll",
        "/w/",
        (entry("数据" * 40, size=5), entry("naïve café.txt", size=2_000_000), entry("x" * 200, "dir")),
    )
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(listing, show_parent=False)
        await pilot.pause()
        width = fl.scrollable_content_region.width
        for y in range(4):
            assert fl.render_line(y).cell_length == width
        lines = screen_lines(fl)
        assert any("…" in line and "数据" in line for line in lines)
        assert any("2.0 MB" in line for line in lines)


WIDE_NAMES = (
    "データ解析_結果ファイル_二〇二六年版.csv",
    "abcデータ解析_結果ファイル_二〇二六年版.csv",  # odd boundary: a 2-cell character does not fit
    "ab" + "数" * 30,
    "a" + "数" * 30,
    "x😀" * 20,
    "😀\u200d😀" * 12,  # ZWJ sequences: terminals disagree on their width
    "❤️" * 20,  # VS16
    "trail\u200d",  # a ZWJ that would swallow the padding
    "e\u0301" * 40,  # combining marks
    "short.txt",
)


async def test_wide_and_joined_names_never_move_the_columns() -> None:
    for width in (60, 61, 62, 63):
        app = Host()
        async with app.run_test(size=(width, len(WIDE_NAMES) + 4)) as pilot:
            fl = app.query_one(FileList)
            fl.set_listing(Listing("coll", "/w/", tuple(entry(n, size=5) for n in WIDE_NAMES)), show_parent=False)
            await pilot.pause()
            full = fl.scrollable_content_region.width
            name_end = 3 + fl._current_layout().name_width
            for y in range(1, len(WIDE_NAMES) + 1):
                strip = fl.render_line(y)
                assert strip.cell_length == full
                assert strip.crop(0, name_end).cell_length == name_end
                assert strip.crop(name_end, full).text == "     5 B 2026-01-15 12:00 -rw-r--r--", strip.text
            lines = screen_lines(fl)
            cut = [line for line in lines[1:] if "…" in line]
            assert len(cut) >= 6
            assert all(cell_len(line[: line.index("…") + 1]) == name_end for line in cut)  # "…" in the last cell


async def test_narrow_list_drops_columns_but_keeps_names() -> None:
    app = Host()
    async with app.run_test(size=(30, 10)) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=False)
        await pilot.pause()
        header = screen_lines(fl)[0]
        assert "Name" in header and "Perms" not in header and "Modified" not in header
        assert any("docs/" in line for line in screen_lines(fl))
        for y in range(5):
            assert fl.render_line(y).cell_length == fl.scrollable_content_region.width


async def test_a_pane_too_narrow_for_size_and_time_shows_the_time_it_is_sorted_by() -> None:
    """Half of an 80-column terminal: size by default, the time instead while sorted by time."""
    app = Host()
    async with app.run_test(size=(38, 10)) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=False)
        await pilot.pause()
        header = screen_lines(fl)[0]
        assert "Size" in header and "Modified" not in header
        fl.sort_key = "time"
        await pilot.pause()
        header, *rows = screen_lines(fl)
        assert "Modified" in header and "▲" in header and "Size" not in header
        assert any("2026-01-15 12:05" in line and "a.txt" in line for line in rows)  # rendered again, not cached
        assert not any("2.0 kB" in line for line in rows)
        fl.sort_key = "name"
        await pilot.pause()
        header, *rows = screen_lines(fl)
        assert "Size" in header and "Modified" not in header
        assert any("2.0 kB" in line for line in rows)


async def test_cursor_is_kept_on_screen_while_moving() -> None:
    big = Listing("coll", "/big/", tuple(entry(f"f{i:04d}") for i in range(500)))
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(big, show_parent=False)
        await pilot.pause()
        for _ in range(30):
            await pilot.press("down")
        await pilot.pause()
        assert fl.cursor_entry.name == "f0030"
        assert any("f0030" in line for line in screen_lines(fl)[1:])
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        name = fl.cursor_entry.name
        assert any(name in line for line in screen_lines(fl)[1:])
        await pilot.press("home")
        await pilot.pause()
        assert fl.scroll_offset.y == 0


async def test_cursor_selected_marked_and_dir_rows_look_different() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=False)
        fl.select_glob("b.txt")
        fl.set_marks({"link"})
        await pilot.pause()
        lines = screen_lines(fl)

        def name_style(fragment: str) -> object:
            y = next(i for i, line in enumerate(lines) if fragment in line)
            return next(seg.style for seg in fl.render_line(y) if fragment in seg.text)

        styles = {name_style(fragment) for fragment in ("docs/", "a.txt", "b.txt", "link ->")}
        assert len(styles) == 4  # cursor (on docs/), plain, selected, marked
        escape = next(
            seg
            for seg in fl.render_line(lines.index(next(line for line in lines if "esc" in line)))
            if seg.text == "\\x1b"
        )
        assert escape.style is not None and escape.style.reverse


async def test_prepared_view_from_a_thread_is_used_and_brought_up_to_date() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        listing = sample()
        prepared = await asyncio.to_thread(fl.prepare_view, listing)
        fl.sort_key = "size"  # the user re-sorted while the listing was loading
        fl.set_listing(listing, show_parent=False, view=prepared)
        await pilot.pause()
        assert row_names(fl)[:3] == ["docs/", "[bold]x[/bold]", "esc\\x1b[2Jname"]
        assert "Size ▲" in screen_lines(fl)[0]
        other = sample("/other/")
        fl.set_listing(other, view=prepared)  # a view of another listing is ignored
        assert fl.listing is other


async def test_a_view_prepared_for_pages_merged_into_the_shown_listing_builds_on_the_shown_view() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        names = ("Docs", "B.txt", "a.txt", "C.log", "bin", "A.md")
        whole = Listing("coll", "/home/alice/", tuple(entry(n, "dir" if "." not in n else "file") for n in names))
        fl.set_listing(whole)
        await pilot.pause()
        expected = row_names(fl)
        assert expected == ["bin/", "Docs/", "A.md", "a.txt", "B.txt", "C.log"]
        first = Listing(whole.collection_id, whole.path, whole.entries[:3], total=len(whole.entries))
        fl.set_listing(first)
        shown = fl._view
        page = Listing(whole.collection_id, whole.path, whole.entries[3:], total=len(whole.entries))
        merged = first.extended(page)
        view = await asyncio.to_thread(fl.prepare_view, merged)  # on a worker, as a pane merges pages
        # the shown entries' casefolded names are the shown view's strings, not casefolded again
        assert view.folded[:3] == ("docs", "b.txt", "a.txt")
        assert all(map(operator.is_, view.folded[:3], shown.folded))
        fl.set_listing(merged, view=view)
        await pilot.pause()
        assert row_names(fl) == expected


async def test_marks_and_selection_show_together_and_marks_do_not_outlive_the_listing() -> None:
    # QA F7: a selected row hid its compare mark; marks stayed after the list showed another directory.
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(sample(), show_parent=False)
        fl.select_glob("*.txt")
        fl.set_marks({"a.txt", "docs", ".secret"})
        await pilot.pause()
        lines = screen_lines(fl)
        assert next(line for line in lines if "a.txt" in line).startswith("*≠ ")  # selected and marked
        assert next(line for line in lines if "b.txt" in line).startswith("*  ")  # selected only
        assert next(line for line in lines if "docs/" in line).startswith(" ≠ ")  # marked only
        assert fl.marked_names == {"a.txt", "docs", ".secret"}
        assert fl.visible_marked_count == 2  # .secret is hidden
        fl.show_hidden = True
        await pilot.pause()
        assert fl.visible_marked_count == 3
        fl.filter_text = "a.t"
        await pilot.pause()
        assert fl.visible_marked_count == 1
        fl.filter_text = ""
        fl.set_listing(sample("/home/alice/elsewhere/"), show_parent=True)
        await pilot.pause()
        assert fl.marked_names == set() and fl.visible_marked_count == 0
        assert not any("≠" in line for line in screen_lines(fl))
        fl.set_marks({"a.txt"})
        fl.set_listing(sample("/home/alice/elsewhere/"), show_parent=True)  # the same place, re-read
        await pilot.pause()
        assert fl.marked_names == set()


async def test_directory_links_show_their_target_and_invalid_links_stand_out() -> None:
    # QA F13: "link-dir/" without its target; a broken link looked like a 7-byte file.
    listing = Listing(
        "coll",
        "/home/alice/",
        (
            Entry.from_doc({"name": "link-dir", "type": "dir", "size": 4096, "permissions": "0755",
                            "link_target": "/home/alice/experiments/"}),
            Entry.from_doc({"name": "link-broken", "type": "invalid_symlink", "size": 7, "permissions": "0777"}),
            entry("plain.txt", size=7),
        ),
    )
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(listing, show_parent=False)
        await pilot.pause()
        lines = screen_lines(fl)
        assert any("link-dir/ -> /home/alice/experiments/" in line for line in lines)
        broken = next(line for line in lines if "link-broken" in line)
        assert "link-broken -> ?" in broken and "<LINK>" in broken and "lrwxrwxrwx" in broken
        plain = next(line for line in lines if "plain.txt" in line)
        assert "7 B" in plain
        y_broken = lines.index(broken)
        y_plain = lines.index(plain)
        broken_style = next(seg.style for seg in fl.render_line(y_broken) if "link-broken" in seg.text)
        plain_style = next(seg.style for seg in fl.render_line(y_plain) if "plain.txt" in seg.text)
        assert broken_style != plain_style and broken_style is not None and broken_style.strike
        # Enter on it explains instead of activating (nothing behind it can be opened).
        assert fl.move_cursor_to_name("link-broken")
        await pilot.press("enter")
        await pilot.pause()
        assert not [m for m in app.seen if isinstance(m, FileList.EntryActivated)]
        assert any("broken link" in str(n.message) for n in app._notifications)


async def test_every_cell_of_a_row_carries_the_list_background() -> None:
    """A plain file's name part has no style of its own; it must still be painted on the list's background."""
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(Listing("coll", "/w/", (entry("plain.txt", size=5), entry("docs", "dir"))), show_parent=False)
        await pilot.pause()
        fl.move_cursor(0)  # the cursor on the directory (dirs first): the file's row is a plain one
        await pilot.pause()
        background = fl.rich_style.bgcolor
        assert background is not None
        row = next(y for y in range(1, 4) if "plain.txt" in fl.render_line(y).text)
        segments = list(fl.render_line(row))
        assert segments and all(seg.style is not None and seg.style.bgcolor == background for seg in segments)


async def test_the_scrollbar_follows_the_number_of_rows() -> None:
    """Filtering changes the rows without a layout pass; the scrollbar must still match them."""
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(FileList)
        fl.set_listing(Listing("coll", "/big/", tuple(entry(f"f{i:04d}") for i in range(500))), show_parent=True)
        await pilot.pause()
        assert fl.show_vertical_scrollbar and fl.vertical_scrollbar.window_virtual_size == 502
        fl.filter_text = "f00"  # 100 rows
        await pilot.pause()
        assert fl.vertical_scrollbar.window_virtual_size == 102 and fl.max_scroll_y == 102 - fl.size.height
        fl.filter_text = "f000"  # 10 rows: fits, no scrollbar
        await pilot.pause()
        assert not fl.show_vertical_scrollbar and fl.max_scroll_y == 0
        fl.filter_text = ""
        await pilot.pause()
        assert fl.show_vertical_scrollbar and fl.vertical_scrollbar.window_virtual_size == 502
        await pilot.press("end")
        assert fl.cursor_entry is not None and fl.cursor_entry.name == "f0499"
        assert fl.scroll_offset.y == fl.max_scroll_y > 0


async def test_a_big_listing_is_followed_by_a_full_collection_once_painted() -> None:
    full_collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full_collections.append(info["generation"])

    big = Listing("coll", "/big/", tuple(entry(f"f{i:05d}", size=i) for i in range(COLLECT_AFTER)))
    app = Host()
    gc.callbacks.append(seen)
    try:
        async with app.run_test(size=SIZE) as pilot:
            files = app.query_one(FileList)
            files.set_listing(sample())  # small: the collector is left to its own schedule
            await pilot.pause()
            full_collections.clear()
            gc.disable()  # no automatic pass from here on: any full pass seen is the list's
            try:
                files.set_listing(big)
                await pilot.pause()
                await pilot.pause()
            finally:
                gc.enable()
            assert files.visible_count == COLLECT_AFTER
            assert full_collections, "no full collection after the big listing was painted"
    finally:
        gc.callbacks.remove(seen)

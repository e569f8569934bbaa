"""Tables of fixed columns (sharing, groups, roles, pause rules): a cell wider than its column ends in "…"."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from gterm.tui.fixed_columns import add_fitted_row, add_fixed_columns, shared_widths
from gterm.tui.safe_text import DEFAULT_ESCAPE_STYLE, safe_text
from gterm.tui.screens.pause_rules import rule_columns
from gterm.tui.widgets.file_columns import cut_left


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable[Text]()


async def test_a_cell_wider_than_its_column_ends_in_an_ellipsis_and_others_stay_as_they_are() -> None:
    """The table cut "Computational Biology Shared Data" to "Computational Biolo": a shorter name, seemingly."""
    app = OneTable()
    async with app.run_test(size=(80, 10)):
        table = app.query_one(DataTable)
        add_fixed_columns(table, (("Who", 10), ("Role", 8)))
        add_fitted_row(table, (Text("Computational Biology", style="bold"), "administrator", "extra"), key="a")
        add_fitted_row(table, ("Ann", "member"), key="b")
        long_name, role = table.get_row("a")
        assert long_name.plain == "Computati…" and long_name.style == "bold"
        assert str(role) == "adminis…"
        assert table.get_row("b") == ["Ann", "member"]  # untouched: no padding, same objects
        assert len(table.get_row("a")) == 2  # the cell past the last column is left out


def test_the_pause_rules_columns_fit_the_screen_from_80_columns() -> None:
    for width in (80, 100, 160):
        columns = rule_columns(width)
        assert [label for label, _ in columns] == ["Message", "Pauses", "For", "From"]
        assert sum(w + 2 for _, w in columns) + 2 <= width  # cell padding and the scrollbar
        assert dict(columns)["From"] == len("2031-01-02 03:04")


def test_a_path_cut_from_the_left_keeps_its_end_after_an_ellipsis() -> None:
    """A path's end says where it is: cut to fit, it keeps its end, marked '…' where it was cut; a 2-cell
    character straddling the cut gives its place to a space (never half a glyph), styles stay."""
    assert cut_left(Text("/a/b.txt"), 8).plain == "/a/b.txt"
    assert cut_left(Text("/home/alice/run-042/out.h5"), 12).plain == "…-042/out.h5"
    assert cut_left(Text("/data/漢字/x.txt"), 8).plain == "… /x.txt"
    escaped = cut_left(safe_text("/long/dir/\x1bname"), 9)
    assert escaped.plain == "…\\x1bname" and escaped.cell_len == 9
    assert any(span.style == DEFAULT_ESCAPE_STYLE for span in escaped.spans)
    assert cut_left(Text("abc"), 0).plain == ""


def test_at_80_columns_a_short_for_column_is_whole_and_gives_its_room_to_the_others() -> None:
    """QA: at 80 columns the list cut "bob@example.org" to "bob@example.o…" (and the operations to
    "transfers readi…") on fixed fractions of the screen, whatever the cells held."""
    long_message = dict(rule_columns(80, (60, len("transfers reading from it"), len("bob@example.org"))))
    assert long_message["For"] == len("bob@example.org")  # whole
    assert long_message["Message"] >= 20 and long_message["Pauses"] >= 16  # neither hidden
    short = dict(rule_columns(80, (len("Reads paused for Bob"), len("transfers reading from it"), len("everyone"))))
    # Every column whole: the operations take the room "everyone" left, the message what remains.
    assert short["Pauses"] == len("transfers reading from it") and short["For"] == len("everyone")
    assert short["Message"] >= len("Reads paused for Bob")
    for wants in ((60, 25, 15), (5, 5, 5), (200, 200, 200)):
        columns = rule_columns(80, wants)
        assert sum(w + 2 for _, w in columns) + 2 <= 80


def test_shared_widths_gives_each_column_its_want_or_its_share() -> None:
    assert shared_widths(54, [60, 25, 15], [40, 30, 30]) == [23, 16, 15]
    assert shared_widths(54, [10, 10, 10], [40, 30, 30]) == [34, 10, 10]  # all whole: the first takes the rest
    assert sum(shared_widths(54, [100, 100, 100], [40, 30, 30])) == 54

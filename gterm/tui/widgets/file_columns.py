"""The file list's columns: where they start for a width, and a name cut to fit its cells.

Kept apart from the widget so the geometry (and its unit tests) need no app:
the marker cells, the name (the rest of the width), then size, time and
permissions, each shown only while the width leaves the name its minimum.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from gterm.globus.models import Entry
from gterm.tui.listing_view import format_permissions, format_time, human_size
from gterm.tui.safe_text import escape_controls

SIZE_WIDTH = 7
TIME_WIDTH = 16
PERMS_WIDTH = 10
MARKER_WIDTH = 3
"""Two marker cells and a space: ``*`` (selected) then ``≠`` (compare mark), so a row can show both."""
MIN_NAME_WIDTH = 12

ColumnName = Literal["name", "size", "time", "perms"]


# Terminals disagree on how wide an emoji with variation selector 16 is (1 or
# 2 cells): without it every terminal and Rich count the same cells. (A ZWJ,
# invisible, is shown escaped by safe_text like every format character, so it
# can neither join the padding after the name nor hide inside one.)
JOINERS = str.maketrans({0xFE0F: None})
ELLIPSIS = "…"


def _fitting(characters: Iterable[str], room: int) -> tuple[int, int]:
    """How many of ``characters``, taken in turn, fit in ``room`` cells, and how many cells they take."""
    kept = cells = 0
    for character in characters:
        size = get_character_cell_size(character)
        if cells + size > room:
            break
        cells += size
        kept += 1
    return kept, cells


def fit_cells(text: Text, width: int) -> Text:
    """``text`` cut or padded to exactly ``width`` cells.

    A cut name ends in "…" in the column's last cell; when a 2-cell character
    would straddle the cut, a space takes its place (never half a glyph).
    """
    length = text.cell_len
    if length <= width:
        text.append(" " * (width - length))
        return text
    if width <= 0:
        return Text(end="")
    room = width - 1  # the ellipsis takes the last cell
    kept, cells = _fitting(text.plain, room)
    text.right_crop(len(text.plain) - kept)
    text.append(" " * (room - cells) + ELLIPSIS)
    return text


def cut_left(text: Text, width: int) -> Text:
    """``text`` if it fits in ``width`` cells; else its end, after a "…" in the first cell.

    For what is read from its end (a path, whose last directories and file name say where it is):
    the mark says it was cut, so the tail never reads as a whole, shorter path (Midnight Commander
    shortens a path from its left the same way). A 2-cell character straddling the cut becomes a space.
    """
    if text.cell_len <= width:
        return text
    if width <= 0:
        return Text(end="")
    room = width - 1  # the ellipsis takes the first cell
    kept, cells = _fitting(reversed(text.plain), room)
    tail = text[len(text.plain) - kept :]
    head = Text(ELLIPSIS + " " * (room - cells), style=text.style, end="")
    return Text.assemble(head, tail, no_wrap=True, end="")


class ColumnLayout:
    """Column positions for one width and sort column (recomputed only when either changes).

    A pane too narrow for both size and time (half of an 80-column terminal)
    shows the size, unless it is sorted by time: then the time takes the
    size's place, so the order the rows are in can be read off them.
    """

    __slots__ = ("cells", "name_width", "shape", "show_perms", "show_size", "show_time", "sort_key", "width")

    def __init__(self, width: int, sort_key: str = "name") -> None:
        self.width = width
        self.sort_key = sort_key
        self.show_perms = width >= MARKER_WIDTH + MIN_NAME_WIDTH + 3 + SIZE_WIDTH + TIME_WIDTH + PERMS_WIDTH
        self.show_time = width >= MARKER_WIDTH + MIN_NAME_WIDTH + 2 + SIZE_WIDTH + TIME_WIDTH
        self.show_size = width >= MARKER_WIDTH + MIN_NAME_WIDTH + 1 + SIZE_WIDTH
        if sort_key == "time" and not self.show_time and width >= MARKER_WIDTH + MIN_NAME_WIDTH + 1 + TIME_WIDTH:
            self.show_time, self.show_size = True, False
        self.shape = (width, self.show_size, self.show_time, self.show_perms)
        """What a rendered row depends on (the key of cached rows)."""
        fixed = MARKER_WIDTH
        if self.show_size:
            fixed += 1 + SIZE_WIDTH
        if self.show_time:
            fixed += 1 + TIME_WIDTH
        if self.show_perms:
            fixed += 1 + PERMS_WIDTH
        self.name_width = max(width - fixed, 0)
        # (column, start x, end x) for header clicks
        cells: list[tuple[ColumnName, int, int]] = []
        x = MARKER_WIDTH
        cells.append(("name", 0, x + self.name_width))
        x += self.name_width
        columns: tuple[tuple[ColumnName, bool, int], ...] = (
            ("size", self.show_size, SIZE_WIDTH),
            ("time", self.show_time, TIME_WIDTH),
            ("perms", self.show_perms, PERMS_WIDTH),
        )
        for column, shown, span in columns:
            if shown:
                cells.append((column, x, x + 1 + span))
                x += 1 + span
        self.cells = cells

    def column_at(self, x: int) -> ColumnName | None:
        for column, start, end in self.cells:
            if start <= x < end:
                return column
        return None


def header_text(layout: ColumnLayout, sort_key: str, reverse: bool, style: Style, sorted_style: Style) -> Text:
    """The header row: column titles where the columns are, the sorted one with its arrow."""
    arrow = "▼" if reverse else "▲"
    text = Text(style=style, end="", no_wrap=True)

    def cell(title: str, column: str, cell_width: int, right: bool) -> None:
        label = f"{title} {arrow}" if column == sort_key else title
        label = label[:cell_width]
        padded = label.rjust(cell_width) if right else label.ljust(cell_width)
        text.append(padded, style=sorted_style if column == sort_key else None)

    text.append(" " * MARKER_WIDTH)
    cell("Name", "name", layout.name_width, False)
    if layout.show_size:
        text.append(" ")
        cell("Size", "size", SIZE_WIDTH, True)
    if layout.show_time:
        text.append(" ")
        cell("Modified (UTC)", "time", TIME_WIDTH, False)
    if layout.show_perms:
        text.append(" ")
        cell("Perms", "perms", PERMS_WIDTH, False)
    return text


_SPECIAL_SIZE_TEXT = {"fifo": "<FIFO>", "socket": "<SOCK>", "char_device": "<CHR>", "block_device": "<BLK>"}


def column_texts(entry: Entry, layout: ColumnLayout) -> tuple[str, str, str]:
    """Size, time and permissions of a row as shown (permissions only when their column is)."""
    if entry.is_dir:
        size_text = "<DIR>"
    elif entry.is_invalid_link:
        size_text = "<LINK>"  # the link's own byte count would pass for a tiny file
    elif (special := _SPECIAL_SIZE_TEXT.get(entry.type)) is not None:
        size_text = special  # a pipe, socket or device: no contents, no size to show
    else:
        size_text = human_size(entry.size)
    perms_text = format_permissions(entry.permissions, entry.type) if layout.show_perms else ""
    return size_text, format_time(entry.last_modified), perms_text


def columns_line(texts: tuple[str, str, str], layout: ColumnLayout, base: Style, dim: Style) -> Text:
    """A row's size, time and permissions cells (:func:`column_texts`), each cut to its column.

    The size of a directory, link or special file (``<DIR>``, ``<LINK>``, ``<FIFO>``) and the
    permissions are ``dim``; the permissions are shown escaped (a server's text).
    """
    size_text, time_text, perms_text = texts
    columns = Text(style=base, end="", no_wrap=True)
    if layout.show_size:
        size_style = dim if size_text.startswith("<") else None  # <DIR>, <LINK>, <FIFO>...: not a size
        columns.append(" " + size_text.rjust(SIZE_WIDTH)[:SIZE_WIDTH], style=size_style)
    if layout.show_time:
        columns.append(" " + time_text.ljust(TIME_WIDTH)[:TIME_WIDTH])
    if layout.show_perms:
        perms = escape_controls(perms_text)
        columns.append(" " + perms.ljust(PERMS_WIDTH)[:PERMS_WIDTH], style=dim)
    return columns


def text_strip(text: Text, width: int, pad_style: Style, console: Console) -> Strip:
    """``text`` as a strip of exactly ``width`` cells, the base style under every segment.

    Text.render leaves a Text's own style out when it has no spans (a plain
    file's name part is one such Text), hence the base style laid underneath.
    """
    segments = list(text.render(console))
    length = sum(cell_len(segment.text) for segment in segments)
    strip = Strip(segments, length).apply_style(pad_style)
    return strip.adjust_cell_length(width, pad_style) if length != width else strip

"""F3: view a file from a collection (over HTTPS) or this computer, without transferring it.

The page is read where it is shown (see ``gterm.tui.text_pager``): the first
screen of a 1 GiB file costs one 64 KiB read, End one more. Text is shown with
syntax highlighting chosen by the file's extension, a file that looks binary as
a hex dump (``h`` switches). ``/`` searches forward, ``n`` finds the next match.

Reads run on one worker thread that owns the pager and takes the keys in the
order they were pressed (a queue), so a fast run of Page Down moves exactly
that many pages; the UI only paints the pages it is handed.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from gterm.globus.errors import GtermError
from gterm.globus.local_files import local_error
from gterm.tui.keymap import VIEWER_BINDINGS
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.text_pager import (
    FILE_DELETED,
    HEX_WIDTH,
    TEXT_LATIN_1,
    ByteSource,
    Line,
    LocalFile,
    TextPager,
    hex_columns,
    hex_line,
)
from gterm.tui.widgets.file_columns import cut_left
from gterm.tui.widgets.key_footer import KeyFooter
from gterm.tui.worker_errors import deliver, describe, report

OpenSource = Callable[[], ByteSource]
CONTEXT_LINES = 200  # lines lexed above the page so it is coloured as it would be in context
CONTEXT_BYTES = 16 * 1024



@dataclass(frozen=True, slots=True)
class Page:
    lines: list[Text]
    status: str


def open_local_file(path: str) -> ByteSource:
    """F3 on this computer: the file read with ``pread``; a failure to open it as a gterm error."""
    try:
        return LocalFile(path)
    except OSError as exc:
        raise local_error(exc, "read", path) from None


class ViewerPage(Static):
    """The visible lines; never wraps (long lines scroll sideways with → and ←).

    The pager counts file lines, one per row: a wrapped line would take rows the page does not
    know of (Page Down skipped lines, End stopped short). Textual decides wrapping from the
    widget's ``text-wrap`` style, not from the Text's ``no_wrap``, so it is set here.
    """

    DEFAULT_CSS = """
    ViewerPage { height: 1fr; width: 1fr; text-wrap: nowrap; text-overflow: clip; }
    """


class ViewerTitle(Widget):
    """Where the file is, in one row: a location too long for it is cut from the left with "…".

    Its end (the file's name, the directories just above it) is what the reader needs; a
    word-wrapped title kept only the first word of the collection's name.
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = title

    def render(self) -> Text:
        shown = cut_left(safe_text(self.title_text), self.content_size.width)
        shown.no_wrap = True
        return shown


class FileViewer(Screen[None]):
    """A read-only pager over a ByteSource opened on a worker thread."""

    BINDINGS: ClassVar[list[BindingType]] = [*VIEWER_BINDINGS]
    # Not None (that means "the app's"): the keys belong to the pager; the search box takes focus on "/".
    AUTO_FOCUS = ""
    DEFAULT_CSS = """
    FileViewer #viewer-title { height: 1; background: $panel; color: $text; text-style: bold; padding: 0 1; }
    FileViewer #viewer-status { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    FileViewer #viewer-search { display: none; height: 3; }
    FileViewer #viewer-search.-open { display: block; }
    """

    def __init__(self, title: str, file_name: str, open_source: OpenSource) -> None:
        super().__init__()
        self._title = title
        self._file_name = file_name
        self._open_source = open_source
        self._commands: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        self.page_shown: Page | None = None  # the last page painted (tests and the status line)
        self.opened = False

    def compose(self) -> ComposeResult:
        yield ViewerTitle(self._title, id="viewer-title")
        yield ViewerPage(Text("Opening…"), id="viewer-page")
        yield Input(placeholder="search (Enter finds, Esc cancels)", id="viewer-search")
        yield Static("", id="viewer-status")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self._start()

    def _start(self) -> None:
        self._commands = queue.Queue()
        self._commands.put(("resize", self._page_height(), self._page_width()))
        self._pager_loop()

    def on_unmount(self) -> None:
        self._commands.put(None)

    def on_resize(self, event: events.Resize) -> None:
        self._commands.put(("resize", self._page_height(), self._page_width()))

    def _page_height(self) -> int:
        height = self.query_one(ViewerPage).size.height
        return height if height > 0 else max(1, self.app.size.height - 2)

    def _page_width(self) -> int:
        width = self.query_one(ViewerPage).size.width
        return width if width > 0 else self.app.size.width

    # --- keys -----------------------------------------------------------------

    def action_close(self) -> None:
        search = self.query_one("#viewer-search", Input)
        if search.has_class("-open"):
            self._close_search()
            return
        self.dismiss()

    def action_move(self, lines: int) -> None:
        self._commands.put(("move", lines))

    def action_page(self, pages: int) -> None:
        self._commands.put(("page", pages))

    def action_top(self) -> None:
        self._commands.put(("top",))

    def action_bottom(self) -> None:
        self._commands.put(("bottom",))

    def action_shift(self, columns: int) -> None:
        self._commands.put(("shift", columns))

    def action_toggle_hex(self) -> None:
        self._commands.put(("hex",))

    def action_next_match(self) -> None:
        self._commands.put(("next",))

    def action_search(self) -> None:
        search = self.query_one("#viewer-search", Input)
        search.add_class("-open")
        search.value = ""
        search.focus()

    def action_help(self) -> None:
        from gterm.tui.screens.help import HelpScreen, collect_key_help

        self.app.push_screen(HelpScreen(collect_key_help(self)))

    @on(Input.Submitted, "#viewer-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        self._close_search()
        if text:
            # Said at once: in a big remote file the search reads on for seconds before the page moves.
            self.query_one("#viewer-status", Static).update(Text(f"Searching for {escape_controls(text)} …"))
            self._commands.put(("find", text))

    def _close_search(self) -> None:
        search = self.query_one("#viewer-search", Input)
        search.remove_class("-open")
        self.set_focus(None)

    # --- the pager thread -------------------------------------------------------

    @work(thread=True, group="viewer", exit_on_error=False)
    def _pager_loop(self) -> None:
        worker = get_current_worker()
        try:
            source = self._open_source()
        except GtermError as exc:
            deliver(self.app, self._open_failed, exc)
            return
        try:
            state = _PagerState(TextPager(source), self._file_name)  # reads the first block
        except GtermError as exc:
            source.close()
            deliver(self.app, self._open_failed, exc)
            return
        self.opened = True
        try:
            while not worker.is_cancelled:
                command = self._commands.get()
                if command is None:
                    break
                commands = [command]
                while True:  # apply every key pressed meanwhile, in order, then paint once
                    try:
                        more = self._commands.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        return
                    commands.append(more)
                try:
                    state.check()
                    for item in commands:
                        state.apply(item)
                    page = state.page()
                except GtermError as exc:
                    page = Page(state.last_lines, f"Cannot read: {describe(exc)}")
                deliver(self.app, self._show, page)
        finally:
            source.close()

    def _open_failed(self, error: GtermError) -> None:
        self.query_one(ViewerPage).update(Text(describe(error)))
        report(self.app, error, context=f"Viewing {self._file_name}", retry=self._start)

    def _show(self, page: Page) -> None:
        self.page_shown = page
        view = Text("\n").join(page.lines) if page.lines else Text("(empty file)", style="dim")
        view.no_wrap = True
        view.overflow = "crop"
        self.query_one(ViewerPage).update(view)
        self.query_one("#viewer-status", Static).update(Text(page.status))


class _PagerState:
    """What the pager thread knows: where the page starts, its size, the mode, the search."""

    def __init__(self, pager: TextPager, file_name: str) -> None:
        self.pager = pager
        self.hex = pager.looks_binary()
        self.encoding = pager.text_encoding()
        self.top = 0  # a byte offset (text) or a row (hex)
        self.height = 20
        self.width = 80
        self.column = 0
        self.needle: str | None = None
        self.match: tuple[int, int] | None = None  # the hex view's match: its byte offset and length
        self.note = ""
        self.last_lines: list[Text] = []
        self._lexer = _lexer_name(file_name)
        self._page_starts: list[int] = []
        self._page_end = 0  # the byte just past the page painted last
        self._changes = 0  # the pager's changes the page has been placed after

    # --- the file changing ------------------------------------------------------------

    def check(self) -> None:
        """Before a batch of keys: has the file changed on disk? (One stat per page painted.)"""
        self.pager.check()
        self._place_after_change()

    def _place_after_change(self) -> None:
        """When the file is not what the page was read from (found by check() or by a short read while
        the keys were applied): the same place in what is there now, at most its last page (a shrunk
        file's End is its new end, not a blank page past it)."""
        if self.pager.changes == self._changes:
            return
        self._changes = self.pager.changes
        self.encoding = self.pager.text_encoding()
        if self.match is not None and self.match[0] >= self.pager.size:
            self.match = None
        if self.hex:
            self.top = min(self.top, self._last_top())
        else:
            self.top = min(self.pager.line_start(min(self.top, self.pager.size)), self._last_top())

    # --- commands ------------------------------------------------------------------

    def apply(self, command: tuple[Any, ...]) -> None:
        kind = command[0]
        self.note = ""
        if kind == "resize":
            self.height, self.width = max(1, int(command[1])), max(10, int(command[2]))
        elif kind == "move":
            self._move(int(command[1]))
        elif kind == "page":
            self._move(int(command[1]) * max(1, self.height - 1))
        elif kind == "top":
            self.top = 0
        elif kind == "bottom":
            self.top = self._last_top()
        elif kind == "shift":
            self.column = max(0, self.column + int(command[1]))
        elif kind == "hex":
            self._toggle_hex()
        elif kind == "find":
            self.needle = str(command[1])
            self.match = None
            self._find(self.top)
        elif kind == "next":
            if self.needle is None:
                self.note = "No search yet: press / first"
            else:
                self._find(self._after_top())

    def _move(self, lines: int) -> None:
        if self.hex:
            self.top = max(0, min(self.top + lines, self._last_top()))
            return
        if lines < 0:
            self.top = self.pager.back(self.top, -lines)
            return
        last = self._last_top()
        for _ in range(lines):
            if self.top >= last:
                break
            page = self.pager.lines_from(self.top, 1)
            if not page:
                break
            self.top = min(self.pager.next_offset(page[0]), last)

    def _last_top(self) -> int:
        if self.hex:
            rows = (self.pager.size + HEX_WIDTH - 1) // HEX_WIDTH
            return max(0, rows - self.height)
        return self.pager.last_page(self.height)

    def _after_top(self) -> int:
        if self.hex:
            if self.match is not None and self.match[0] // HEX_WIDTH == self.top:
                return self.match[0] + 1  # the next match may be in the same row
            return (self.top + 1) * HEX_WIDTH
        first = self.pager.lines_from(self.top, 1)
        return self.pager.next_offset(first[0]) if first else self.pager.size

    def _toggle_hex(self) -> None:
        if self.hex:
            self.top = self.pager.line_start(self.top * HEX_WIDTH)
        else:
            self.top = self.top // HEX_WIDTH
        self.hex = not self.hex

    def _find(self, start: int) -> None:
        assert self.needle is not None
        # Hex rows are placed by the match's own byte; text pages by the start of its line.
        where = self.pager.find_bytes(self.needle, start) if self.hex else self.pager.find(self.needle, start)
        if where is None:
            self.note = f"Not found after this point: {escape_controls(self.needle)}"
            return
        if self.hex:
            self.match = (where, len(self.needle.encode(self.encoding)))
            self.top = where // HEX_WIDTH
            self.note = f"match at byte {where:,}"
        else:
            self.top = where

    # --- painting --------------------------------------------------------------------

    def page(self) -> Page:
        self._place_after_change()
        lines = self._hex_lines() if self.hex else self._text_lines()
        self.last_lines = lines
        return Page(lines, self._status())

    def _hex_lines(self) -> list[Text]:
        rows = self.pager.hex_rows(self.top, self.height)
        self._page_end = rows[-1][0] + len(rows[-1][1]) if rows else self.top * HEX_WIDTH
        return [self._hex_row(offset, data) for offset, data in rows]

    def _hex_row(self, offset: int, data: bytes) -> Text:
        """One hex row, the match's bytes reversed in both the hex pairs and the characters."""
        row = Text(hex_line(offset, data))
        if self.match is not None:
            start, length = self.match
            for index in range(max(start, offset) - offset, min(start + length, offset + len(data)) - offset):
                pair, char = hex_columns(index)
                row.stylize("reverse", pair, pair + 2)
                row.stylize("reverse", char, char + 1)
        return row

    def _text_lines(self) -> list[Text]:
        raw = self.pager.lines_from(self.top, self.height)
        self._page_end = self.pager.next_offset(raw[-1]) if raw else self.top
        shown = [_display(line.data, self.encoding)[self.column :] for line in raw]
        if self._lexer:
            # The lexer starts a little before the page, so a page that begins inside a
            # docstring or a block comment is coloured as such (not as code).
            context = [_display(line.data, self.encoding)[self.column :] for line in self._context_lines()]
            highlighted = Syntax("", self._lexer, theme="ansi_dark", background_color="default").highlight(
                "\n".join(context + shown)
            )
            highlighted.rstrip()
            lines = highlighted.split("\n", allow_blank=True)[len(context) : len(context) + len(shown)]
        else:
            lines = [Text(text) for text in shown]
        if self.needle:
            for line in lines:
                line.highlight_words([self.needle], style="reverse", case_sensitive=False)
        return lines

    def _context_lines(self) -> list[Line]:
        """Up to CONTEXT_LINES lines (within CONTEXT_BYTES) just above the page."""
        start = max(self.pager.back(self.top, CONTEXT_LINES), self.pager.line_start(max(0, self.top - CONTEXT_BYTES)))
        lines: list[Line] = []
        while start < self.top:
            line = self.pager.lines_from(start, 1)
            if not line:
                break
            lines.append(line[0])
            start = self.pager.next_offset(line[0])
        return lines

    def _status(self) -> str:
        size = self.pager.size
        offset = self.top * HEX_WIDTH if self.hex else self.top
        parts = [
            "hex" if self.hex else (self._lexer or "text"),
            *(["latin-1"] if self.encoding == TEXT_LATIN_1 and not self.hex else []),
            f"{_percent(offset, self._page_end, size)}%",
            f"byte {offset:,} of {size:,}",
        ]
        if self.column:
            parts.append(f"column {self.column + 1}")
        if self.needle:
            parts.append(f"/{escape_controls(self.needle)}")
        if self.note:
            parts.append(self.note)
        # A change is said once, on the page painted after it; a deletion on every page while it lasts.
        notice = self.pager.take_notice() or (FILE_DELETED if self.pager.deleted else "")
        if notice:
            parts.append(notice)
        return "  ·  ".join(parts)


def _percent(top: int, end: int, size: int) -> int:
    """Where the page is: its top byte against the size, rounded down; 100 only once the end is shown.

    Rows do not count: a line over the length limit is several rows, so a page of long lines
    that ends the file can start anywhere (even at byte 0 for a short file).
    """
    if end >= size:
        return 100
    return min(99, 100 * top // size)


def _display(data: bytes, encoding: str) -> str:
    """A line as shown: decoded, tabs to spaces, controls escaped.

    A byte the encoding cannot read is shown as its value (``\\xe9``, as a file name's is, and as
    less shows ``<E9>``), not as U+FFFD: the reader sees what is there.
    """
    return escape_controls(data.decode(encoding, "surrogateescape").rstrip("\r").expandtabs(4))


def _lexer_name(file_name: str) -> str | None:
    """The lexer for the file's extension; None for plain text (nothing to colour)."""
    name = Syntax.guess_lexer(file_name, code="")
    return None if name in ("default", "text") else name

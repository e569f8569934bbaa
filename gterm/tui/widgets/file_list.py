"""The file list: a Line-API widget whose cost does not grow with the directory.

The stock DataTable builds every row up front (about 10 s for 100,000 rows on the reference
machine). FileList instead keeps a :class:`ListingView` (entry indices in display order, see
:mod:`gterm.tui.listing_view`) and renders a line only when Textual asks for it in
:meth:`render_line`. A rendered line is a :class:`~textual.strip.Strip` cached in an LRU keyed by
what decides its look (entry, width, cursor/selected/marked state), so scrolling back and moving
the cursor repaint two lines, not the screen. A listing of :data:`COLLECT_AFTER` entries or more
is followed by one full garbage collection once painted: the collector's first full pass after it
costs 15-70 ms at 100,000 entries and would otherwise land on a filter keystroke.

Layout: line 0 of the widget is a sticky header (column titles, the sort column carries ▲/▼ and a
click on it re-sorts); lines below show rows ``scroll_y + y - 1``. An optional ``..`` row sits
before the entries when the listing is not the root.

Every name goes through :mod:`gterm.tui.safe_text`: markup is never interpreted, controls escaped.
"""

from __future__ import annotations

import gc
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gterm.globus.models import Entry, Listing
from gterm.tui.listing_view import (
    SORT_KEYS,
    ListingView,
    SortKey,
    display_name,
    invalid_link_notice,
)
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.typed_input import HoldsKeys
from gterm.tui.widgets.file_columns import (
    JOINERS,
    MARKER_WIDTH,
    SIZE_WIDTH,
    ColumnLayout,
    column_texts,
    columns_line,
    fit_cells,
    header_text,
    text_strip,
)

PARENT = -1
"""The pseudo entry index of the ``..`` row."""
COLLECT_AFTER = 20_000  # entries (see the module docstring)


def _collect_garbage() -> None:
    """``gc.collect()`` as a Python function: Textual counts a callback's parameters with
    ``inspect.signature``, which for a builtin parses its text signature with ``tokenize`` (its
    regexes compiled on first use: ~1.5 ms of CPU after the first big listing's frame, 0.1 ms after each).

    A full pass, ~10 ms of CPU at 100,000 entries: a young-generation pass was no cheaper (gen 1)
    or left the first filter keystroke at 22-26 ms instead of 11 (gen 0; measured)."""
    gc.collect()


class FileListMessage(Message):
    """A message about one FileList, which is its ``control`` (the base of FileList's messages)."""

    def __init__(self, file_list: FileList) -> None:
        super().__init__()
        self.file_list = file_list

    @property
    def control(self) -> FileList:
        return self.file_list


class FileList(ScrollView, HoldsKeys, can_focus=True):
    """A directory listing: sticky header, sorted/filtered rows, cursor, selection and compare marks."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "file-list--header",
        "file-list--header-sorted",
        "file-list--cursor",
        "file-list--selected",
        "file-list--marked",
        "file-list--dir",
        "file-list--link",
        "file-list--invalid-link",
        "file-list--parent",
        "file-list--dim",
        "file-list--escape",
        "file-list--message",
    }

    DEFAULT_CSS = """
    FileList {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .file-list--header { background: $panel; text-style: bold; }
        & > .file-list--header-sorted { color: $accent; text-style: bold; }
        & > .file-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .file-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .file-list--selected { color: $warning; text-style: bold; }
        & > .file-list--marked { color: $error; text-style: italic; }
        & > .file-list--dir { color: $primary-lighten-2; text-style: bold; }
        & > .file-list--link { color: $secondary-lighten-1; }
        & > .file-list--invalid-link { color: $error; text-style: strike; }
        & > .file-list--parent { color: $primary-lighten-2; }
        & > .file-list--dim { color: $foreground-muted; }
        & > .file-list--escape { text-style: reverse; }
        & > .file-list--message { color: $warning; background: $panel; text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="file_list.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="file_list.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="file_list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="file_list.page_down"),
        Binding("home", "first", "First", show=False, id="file_list.first"),
        Binding("end", "last", "Last", show=False, id="file_list.last"),
        Binding("enter", "activate", "Open", show=False, id="file_list.activate"),
        Binding("space,insert", "toggle_select", "Select", show=False, id="file_list.toggle_select"),
    ]

    filter_text: reactive[str] = reactive("", init=False)
    """Case-insensitive text the names must hold (with * or ?: a glob the whole name must match)."""
    show_hidden: reactive[bool] = reactive(False, init=False)
    """Show dot files."""
    sort_key: reactive[SortKey] = reactive[SortKey]("name", init=False)
    """``name``, ``size`` or ``time``; directories always come first."""
    sort_reverse: reactive[bool] = reactive(False, init=False)

    # --- messages ---------------------------------------------------------------

    class EntryActivated(FileListMessage):
        """Enter or double click on a row; ``entry`` is None for the ``..`` row."""

        def __init__(self, file_list: FileList, entry: Entry | None) -> None:
            super().__init__(file_list)
            self.entry = entry

    class SelectionChanged(FileListMessage):
        """The selection changed: how many entries and the bytes of the selected files."""

        def __init__(self, file_list: FileList, count: int, total_size: int) -> None:
            super().__init__(file_list)
            self.count = count
            self.total_size = total_size

    class SortChanged(FileListMessage):
        """The user clicked a header cell and the list re-sorted."""

        def __init__(self, file_list: FileList, key: SortKey, reverse: bool) -> None:
            super().__init__(file_list)
            self.key = key
            self.reverse = reverse

    # --- construction -----------------------------------------------------------

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._view = ListingView()
        self._show_parent = False
        self._cursor = 0
        self._empty_message: str | None = None
        self._status_message: str | None = None
        self._layout: ColumnLayout | None = None
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._base_style: Style | None = None

    # --- public API ---------------------------------------------------------------

    @property
    def listing(self) -> Listing | None:
        return self._view.listing

    @property
    def show_parent(self) -> bool:
        return self._show_parent

    @property
    def visible_count(self) -> int:
        """Entries shown after hidden/filter (the ``..`` row not counted)."""
        return len(self._view.rows)

    @property
    def row_count(self) -> int:
        """Display rows, including ``..``."""
        return len(self._view.rows) + (1 if self._show_parent else 0)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_is_parent(self) -> bool:
        return self._show_parent and self._cursor == 0

    @property
    def cursor_entry(self) -> Entry | None:
        """The entry under the cursor; None on ``..`` or when there are no rows."""
        index = self._index_at(self._cursor)
        if index is None or index == PARENT:
            return None
        return self._view.entries[index]

    @property
    def selected_names(self) -> set[str]:
        return self._view.selected_names

    @property
    def status_message(self) -> str | None:
        return self._status_message

    @property
    def empty_message(self) -> str | None:
        """What the list says when it shows no entries ("" when it does)."""
        return "" if self._view.rows else self._message_for_empty()

    def prepare_view(self, listing: Listing) -> ListingView:
        """Sort and filter ``listing`` with the current options, without touching the widget.

        Safe to call from a thread worker (it only reads four option values and
        the view shown), so a pane can do the O(n log n) work of a 100,000-entry
        listing off the UI thread and pass the result to :meth:`set_listing` as
        ``view``. When ``listing`` extends the listing shown (pages merged into
        it), the work already done for the shown part is reused.
        """
        return ListingView(listing, sort_key=self.sort_key, reverse=self.sort_reverse, show_hidden=self.show_hidden,
                           filter_text=self.filter_text, extends=self._view)

    def set_listing(self, listing: Listing, *, show_parent: bool = False, view: ListingView | None = None) -> None:
        """Show ``listing``. Reloading the same location keeps the selection and the cursor's entry.

        Compare marks never survive a new listing: they describe one pair of
        listings, and a list showing another directory (or the same one
        re-read, whose entries may have changed) must not keep them.

        ``view`` is an optional result of :meth:`prepare_view` for this listing
        (options changed since are applied here).
        """
        previous = self._view
        same_place = (
            previous.listing is not None
            and previous.listing.collection_id == listing.collection_id
            and previous.listing.path == listing.path
        )
        keep_selected = previous.selected_names if same_place else set()
        entry = self.cursor_entry if same_place else None
        keep_cursor, keep_row = (entry.name if entry is not None else None), (self._cursor if same_place else 0)
        if view is None or view.listing is not listing:
            view = self.prepare_view(listing)
        else:
            view.configure(
                sort_key=self.sort_key,
                reverse=self.sort_reverse,
                show_hidden=self.show_hidden,
                filter_text=self.filter_text,
            )
        view.marked = set()  # see the docstring: marks belong to the listing they were computed on
        self._view = view
        if keep_selected:
            self._view.select_names(keep_selected)
        self._show_parent = show_parent
        self._empty_message = None
        self._status_message = None
        self._line_cache.clear()
        self._cursor = 0
        self._update_virtual_size()
        if keep_cursor is None or not self.move_cursor_to_name(keep_cursor):
            if keep_row:  # its entry gone (deleted): the next takes its row, as in Midnight Commander
                self.move_cursor(keep_row)
            else:
                self.scroll_to(y=0, animate=False)
        self.refresh()
        self._post_selection()
        if len(listing.entries) >= COLLECT_AFTER:
            self.call_after_refresh(_collect_garbage)

    def clear_listing(self, message: str) -> None:
        """Drop the listing and show ``message`` centered (empty / loading / error text)."""
        had_selection = bool(self._view.selected)
        self._view = ListingView()
        self._show_parent = False
        self._empty_message = message
        self._status_message = None
        self._line_cache.clear()
        self._cursor = 0
        self._update_virtual_size()
        self.scroll_to(y=0, animate=False)
        self.refresh()
        if had_selection:
            self._post_selection()

    def set_status_message(self, message: str | None) -> None:
        """An overlay line (e.g. "Loading …") over the current rows, which stay visible; None removes it."""
        if message != self._status_message:
            self._status_message = message
            self.refresh()

    def move_cursor_to_name(self, name: str) -> bool:
        """Put the cursor on the entry called ``name`` if it is visible; returns whether it did."""
        row = self._view.row_of(name)
        if row is None:
            return False
        self.move_cursor(row + (1 if self._show_parent else 0))
        return True

    def move_cursor(self, row: int, *, scroll: bool = True) -> None:
        """Move the cursor to display row ``row`` (clamped) and keep it on screen."""
        count = self.row_count
        new = max(0, min(row, count - 1)) if count else 0
        old, self._cursor = self._cursor, new
        if old != new:
            self._refresh_row(old)
            self._refresh_row(new)
        if scroll:
            self._scroll_cursor_visible()

    def selected_entries(self) -> list[Entry]:
        """The selection; without one, the cursor's entry; never ``..``."""
        chosen = self._view.selected_entries()
        if chosen:
            return chosen
        entry = self.cursor_entry
        return [entry] if entry is not None else []

    def toggle_cursor_selection(self) -> None:
        """Space/Insert: toggle the cursor's entry (not ``..``) and move down."""
        index = self._index_at(self._cursor)
        if index is not None and index != PARENT:
            self._view.toggle(index)
            self._refresh_row(self._cursor)
            self._post_selection()
        self.move_cursor(self._cursor + 1)

    def select_glob(self, pattern: str) -> int:
        count = self._view.select_glob(pattern)
        self._selection_repaint()
        return count

    def unselect_glob(self, pattern: str) -> int:
        count = self._view.unselect_glob(pattern)
        self._selection_repaint()
        return count

    def invert_selection(self) -> None:
        self._view.invert_selection()
        self._selection_repaint()

    def select_all(self) -> None:
        self._view.select_all()
        self._selection_repaint()

    def clear_selection(self) -> None:
        self._view.clear_selection()
        self._selection_repaint()

    def replace_selection(self, names: set[str]) -> None:
        """Select exactly ``names`` (compare's choice; names not in the listing are ignored)."""
        self._view.clear_selection()
        self._view.select_names(names)
        self._selection_repaint()

    def set_marks(self, names: set[str]) -> None:
        """Compare marks (their own style and a ``≠`` marker)."""
        self._view.set_marks(names)
        self.refresh()

    @property
    def marked_names(self) -> set[str]:
        names = self._view.names
        return {names[i] for i in self._view.marked}

    @property
    def hidden_selected_count(self) -> int:
        return len(self._view.selected) - self._view.visible_count(self._view.selected)

    @property
    def visible_marked_count(self) -> int:
        return self._view.visible_count(self._view.marked)

    # --- reactive watchers ------------------------------------------------------------

    def watch_filter_text(self, value: str) -> None:
        self._reconfigure(filter_text=value)

    def watch_show_hidden(self, value: bool) -> None:
        self._reconfigure(show_hidden=value)

    def validate_sort_key(self, value: str) -> SortKey:
        return value if value in SORT_KEYS else "name"

    def watch_sort_key(self, value: SortKey) -> None:
        self._reconfigure(sort_key=value)

    def watch_sort_reverse(self, value: bool) -> None:
        self._reconfigure(reverse=value)

    def _reconfigure(self, **options: object) -> None:
        """Recompute the rows, keeping the cursor on its entry when it is still visible."""
        current = self._index_at(self._cursor)
        self._view.configure(**options)  # type: ignore[arg-type]  # the watchers pass configure's own keywords
        self._update_virtual_size()
        target: int | None = None
        typing_filter = "filter_text" in options and bool(self.filter_text)
        if current == PARENT and self._show_parent and not typing_filter:
            target = 0
        elif current is not None and current != PARENT:
            name_row = self._view.row_of_index(current)
            if name_row is not None:
                target = name_row + (1 if self._show_parent else 0)
        if target is None:
            # Filtering: land on the first match so Enter opens it.
            first_entry = 1 if self._show_parent and self._view.rows else 0
            target = first_entry if self.filter_text else 0
        self._cursor = -1  # force a repaint of the new cursor line
        self.move_cursor(target)
        self.refresh()

    # --- actions ----------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page_rows())

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page_rows())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    def action_activate(self) -> None:
        index = self._index_at(self._cursor)
        if index is None:
            return
        entry = None if index == PARENT else self._view.entries[index]
        if entry is not None and entry.is_invalid_link:
            # Nothing behind it can be opened or transferred: say so instead of activating.
            self.app.notify(
                escape_controls(invalid_link_notice(entry)),
                title="Invalid link",
                severity="warning",
            )
            return
        # Keys typed next wait: the pane handling this message a hop later holds them for what it opens.
        self.hold_keys()
        self.post_message(self.EntryActivated(self, entry))

    def action_toggle_select(self) -> None:
        self.toggle_cursor_selection()

    # --- mouse --------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            column = self._current_layout().column_at(offset.x)
            if column in ("name", "size", "time"):
                self._header_clicked(column)
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if row >= self.row_count:
            return
        self.move_cursor(row)
        if event.chain == 2:
            self.action_activate()

    def _header_clicked(self, key: SortKey) -> None:
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key = key
            self.sort_reverse = False
        self.post_message(self.SortChanged(self, self.sort_key, self.sort_reverse))

    # --- internals ------------------------------------------------------------------------

    def _index_at(self, row: int) -> int | None:
        """Entry index at display row (PARENT for ``..``), None when out of range."""
        if row < 0:
            return None
        if self._show_parent:
            if row == 0:
                return PARENT
            row -= 1
        rows = self._view.rows
        return rows[row] if row < len(rows) else None

    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _update_virtual_size(self) -> None:
        # width 0: the list always fits its width, no horizontal scrolling
        size = Size(0, self.row_count + 1)
        if size == self.virtual_size:
            return
        if not self.size:  # not laid out yet: the first layout sizes the scrollbar
            self.virtual_size = size
            return
        # Only the scrollbar depends on the number of rows. Setting ``virtual_size``
        # the usual way asks for a layout of the whole screen (a layout reactive), a
        # few milliseconds on every filter keystroke; update the scrollbar directly
        # instead. Showing or hiding it still goes through a layout (its own reactive).
        self.set_reactive(FileList.virtual_size, size)
        self._scroll_update(size)  # Textual (pinned): what a layout pass does for a ScrollView
        self.refresh()

    def _scroll_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 1:
            return
        top = int(self.scroll_offset.y)
        rows_shown = height - 1
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + rows_shown:
            self.scroll_to(y=self._cursor - rows_shown + 1, animate=False)

    def _refresh_row(self, row: int) -> None:
        if row >= 0:
            self.refresh_line(row + 1)

    def _selection_repaint(self) -> None:
        self.refresh()
        self._post_selection()

    def _post_selection(self) -> None:
        summary = self._view.selection_summary()
        self.post_message(self.SelectionChanged(self, summary.count, summary.total_size))

    def _message_for_empty(self) -> str:
        if self._empty_message is not None:
            return self._empty_message
        view = self._view
        if view.listing is None:
            return ""
        if not view.total:
            return "Empty directory"
        if self.filter_text:
            return f"Nothing matches “{escape_controls(self.filter_text)}”"
        return "Only hidden entries (press . to show them)"

    def notify_style_update(self) -> None:
        # Focus, theme and CSS changes arrive here; cached lines carry old styles.
        super().notify_style_update()
        self._line_cache.clear()
        self._base_style = None

    def _current_layout(self) -> ColumnLayout:
        width = self.scrollable_content_region.width
        if self._layout is None or self._layout.width != width or self._layout.sort_key != self.sort_key:
            self._layout = ColumnLayout(width, self.sort_key)
        return self._layout

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    # --- rendering ------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        layout = self._current_layout()
        width = layout.width
        base = self._base_style
        if base is None:
            # Resolving the widget's style walks the CSS; once per style change is enough.
            base = self._base_style = self.rich_style
        if y == 0:
            return self._header_strip(layout, base)
        height = self.scrollable_content_region.height
        message_y = max(1, height // 2)
        count = self.row_count
        if self._status_message and y == message_y:
            return self._message_strip(self._status_message, width, base)
        row = int(self.scroll_offset.y) + y - 1
        if row < count:
            return self._row_strip(row, layout, base)
        if not self._view.rows and y == max(message_y, count + 1):
            message = self._message_for_empty()
            if message:
                return self._message_strip(message, width, base, style_name="file-list--dim")
        return Strip.blank(width, base)

    def _header_strip(self, layout: ColumnLayout, base: Style) -> Strip:
        key = ("header", layout.shape, self.sort_key, self.sort_reverse)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        header_style = self._style("file-list--header")
        text = header_text(
            layout, self.sort_key, self.sort_reverse, base + header_style, self._style("file-list--header-sorted")
        )
        strip = self._to_strip(text, layout.width, base + header_style)
        self._line_cache[key] = strip
        return strip

    def _message_strip(self, message: str, width: int, base: Style, style_name: str = "file-list--message") -> Strip:
        style = self._style(style_name)
        text = safe_text(f" {message} ", escape_style=self._style("file-list--escape"))
        text.truncate(width, overflow="ellipsis")
        pad = max(0, (width - text.cell_len) // 2)
        line = Text(" " * pad, style=base, end="", no_wrap=True)
        text.stylize(base + style)
        line.append_text(text)
        return self._to_strip(line, width, base)

    def _row_strip(self, row: int, layout: ColumnLayout, base: Style) -> Strip:
        index = self._index_at(row)
        assert index is not None
        view = self._view
        is_cursor = row == self._cursor
        selected = index in view.selected
        marked = index in view.marked
        key = (index, layout.shape, is_cursor, selected, marked)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached

        text = Text(style=base, end="", no_wrap=True)
        # Selection and compare mark have a cell each, so a selected row that differs shows both.
        text.append(("*" if selected else " ") + ("≠" if marked else " ") + " ")

        if index == PARENT:
            name = Text("../", style=self._style("file-list--parent"), end="")
            size_text, time_text, perms_text = "", "", ""
        else:
            entry = view.entries[index]
            if entry.is_invalid_link:
                name_style = self._style("file-list--invalid-link")
            elif entry.is_dir:
                name_style = self._style("file-list--dir")
            elif entry.type == "link" or entry.link_target:
                name_style = self._style("file-list--link")
            else:
                name_style = Style()
            shown = display_name(entry).translate(JOINERS)
            name = safe_text(shown, name_style, escape_style=self._style("file-list--escape"))
            size_text, time_text, perms_text = column_texts(entry, layout)
        name = fit_cells(name, layout.name_width)
        text.append_text(name)
        columns = columns_line((size_text, time_text, perms_text), layout, base, self._style("file-list--dim"))

        # Row states override the column styles; the cursor wins over everything.
        for part in (text, columns):
            if marked:
                part.stylize(self._style("file-list--marked"))
            if selected:
                part.stylize(self._style("file-list--selected"))
                if marked and part is text:  # keep the ≠ in the mark's colour on a selected row
                    part.stylize(self._style("file-list--marked"), 1, 2)
            if is_cursor and self.row_count:
                part.stylize(self._style("file-list--cursor"))
        # Two strips, each measured on its own: whatever the name holds, the columns line up on every row.
        name_end = MARKER_WIDTH + layout.name_width
        strip = Strip.join(
            [self._to_strip(text, name_end, base), self._to_strip(columns, layout.width - name_end, base)]
        )
        self._line_cache[key] = strip
        return strip

    def _to_strip(self, text: Text, width: int, pad_style: Style) -> Strip:
        return text_strip(text, width, pad_style, self.app.console)

__all__ = ["PARENT", "SIZE_WIDTH", "FileList"]

"""The one-line summary under each file list.

``100,000 items · 3 selected (1.2 MB) · filter: *.csv · sort: name ▲``
``1,000 of 100,000… · sort: name ▲`` while the rest of a big listing arrives.

It is built from a small value object so the pane can recompute it cheaply on
every change without the status line knowing about listings.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from gterm.tui.listing_view import human_size  # the UI's one size format (also re-exported from here)
from gterm.wording import plural

SORT_ARROWS = {False: "▲", True: "▼"}


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """What the status line reports; ``shown`` < ``total`` when a filter or hidden entries hide some."""

    total: int = 0
    shown: int = 0
    selected: int = 0
    selected_size: int = 0
    filter_text: str = ""
    sort_key: str = "name"
    sort_reverse: bool = False
    truncated: bool = False
    expected: int | None = None
    """Entries in the whole listing when only part of it (``total``) has arrived."""
    loading: bool = False
    """The rest of the listing is on its way."""

    def render_text(self) -> str:
        partial = self.expected is not None and self.expected > self.total
        if partial:
            count = f"{self.total:,} of {self.expected:,}" + ("…" if self.loading else " (listing stopped: ctrl+r)")
            if self.shown != self.total:
                count = f"{self.shown:,} shown · {count}"
        else:
            count = plural(self.total, "item")
            if self.shown != self.total:
                count = f"{self.shown:,} of {count}"
        if self.truncated:
            count += " (truncated by the service)"
        parts = [count]
        if self.selected:
            parts.append(f"{self.selected:,} selected ({human_size(self.selected_size)})")
        if self.filter_text:
            parts.append(f"filter: {self.filter_text}")
        parts.append(f"sort: {self.sort_key} {SORT_ARROWS[self.sort_reverse]}")
        return " · ".join(parts)


class StatusLine(Static):
    """Shows a :class:`StatusInfo`; the filter text is user input, so it is rendered literally."""

    DEFAULT_CSS = """
    StatusLine {
        width: 1fr;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.info = StatusInfo()

    def show(self, info: StatusInfo) -> None:
        self.info = info
        # A Text (not a markup string) keeps "[x]" in a filter literal. The line's size is
        # fixed (one row, the pane's width): no layout pass per filter keystroke.
        self.update(Text(info.render_text(), no_wrap=True, overflow="ellipsis"), layout=False)

    def show_message(self, message: str) -> None:
        """Used before any listing exists (e.g. the start-up hint)."""
        self.update(Text(message, no_wrap=True, overflow="ellipsis"), layout=False)

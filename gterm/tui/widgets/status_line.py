"""The one-line summary under each file list.

``100,000 items · 3 selected (1.2 MB) · filter: *.csv · sort: name ▲``
``1,000 of 100,000… · sort: name ▲`` while the rest of a big listing arrives.

It is built from a small value object so the pane can recompute it cheaply on
every change without the status line knowing about listings.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
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

    def render_text(self, width: int | None = None) -> str:
        """The line in full, or (given the ``width`` it has) the first of ever shorter wordings that fits:
        ``9 of 12 items · 1 selected (2.0 kB) · sort: name ▲`` down to ``9/12 · 1 sel (2.0 kB) · name ▲``."""
        for brevity in range(_SHORTEST + 1):
            text = self._wording(brevity)
            if width is None or cell_len(text) <= width:
                break
        return text

    def _wording(self, brevity: int) -> str:
        """0: every word; 1: the sort without its label; 2: selection and filter in short; 3: bare counts;
        4: the selection without its size; 5: no filter (its field says it): the sort stays to the last."""
        partial = self.expected is not None and self.expected > self.total
        bare = brevity >= 3
        if partial:
            of = "/" if bare else " of "
            count = f"{self.total:,}{of}{self.expected:,}" + (
                "…" if self.loading else " (stopped: ctrl+r)" if bare else " (listing stopped: ctrl+r)"
            )
            if self.shown != self.total:
                count = f"{self.shown:,} shown · {count}"
        elif bare:
            count = f"{self.shown:,}/{self.total:,}" if self.shown != self.total else f"{self.total:,}"
        else:
            count = plural(self.total, "item")
            if self.shown != self.total:
                count = f"{self.shown:,} of {count}"
        if self.truncated:
            count += " (truncated)" if bare else " (truncated by the service)"
        parts = [count]
        if self.selected:
            word = "sel" if brevity >= 2 else "selected"
            size = "" if brevity >= 4 else f" ({human_size(self.selected_size)})"
            parts.append(f"{self.selected:,} {word}{size}")
        if self.filter_text and brevity < 5:
            parts.append(f"/{self.filter_text}" if brevity >= 2 else f"filter: {self.filter_text}")
        sort = f"{self.sort_key} {SORT_ARROWS[self.sort_reverse]}"
        parts.append(sort if brevity >= 1 else f"sort: {sort}")
        return " · ".join(parts)


_SHORTEST = 5


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
        self._message: str | None = None

    def show(self, info: StatusInfo) -> None:
        self.info = info
        self._message = None
        # A Text (not a markup string) keeps "[x]" in a filter literal. The line's size is
        # fixed (one row, the pane's width): no layout pass per filter keystroke.
        room = self.content_size.width or None  # 0 before the first layout: say it all
        self.update(Text(info.render_text(room), no_wrap=True, overflow="ellipsis"), layout=False)

    def show_message(self, message: str) -> None:
        """Used before any listing exists (e.g. the start-up hint)."""
        self._message = message
        self.update(Text(message, no_wrap=True, overflow="ellipsis"), layout=False)

    def on_resize(self, _event: events.Resize) -> None:
        if self._message is None:
            self.show(self.info)  # a narrower pane takes a shorter wording

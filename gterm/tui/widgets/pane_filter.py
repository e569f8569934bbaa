"""A pane's filter box (``/``): shown under the list, mounted by its first use.

A mixin of :class:`~gterm.tui.widgets.pane.Pane`; the box's messages are handled
by the pane (``Input.Changed`` and ``Input.Submitted`` from a FilterInput).
"""

from __future__ import annotations

from typing import Any, Protocol

from textual.css.query import DOMQuery
from textual.screen import Screen
from textual.widget import AwaitMount, Widget

from gterm.tui.widgets.file_list import FileList
from gterm.tui.widgets.filter_input import FilterInput


class Pane(Protocol):
    """What the filter's part of a pane uses of the rest of it."""

    @property
    def id(self) -> str | None: ...
    @property
    def screen(self) -> Screen[Any]: ...
    @property
    def file_list(self) -> FileList: ...
    @property
    def filter_input(self) -> FilterInput: ...
    def query(self, selector: type[FilterInput]) -> DOMQuery[FilterInput]: ...
    def mount(self, *widgets: Widget, after: Widget) -> AwaitMount: ...
    def refresh_status(self) -> None: ...
    def _hide_filter(self) -> None: ...


class PaneFilter:
    """The filter box of a Pane."""

    @property
    def filter_input(self: Pane) -> FilterInput:
        """The box, mounted when first asked for (by ``/``), not in the first frame: there an
        Input's styles and compose took ~8 ms of the start (tests/perf/startup)."""
        for box in self.query(FilterInput):
            return box
        box = FilterInput(placeholder="filter (Enter keeps, Esc clears)", id=f"{self.id}-filter", compact=True)
        self.mount(box, after=self.file_list)
        return box

    def start_filter(self: Pane) -> None:
        box = self.filter_input
        box.add_class("-shown")
        box.value = self.file_list.filter_text
        self.screen.set_focus(box)  # now, not after this message: the name typed next is here

    def clear_filter(self: Pane) -> None:
        """Esc on the list: drop a kept filter."""
        self._hide_filter()
        self.file_list.filter_text = ""
        self.refresh_status()

    def _hide_filter(self: Pane) -> None:
        for box in self.query(FilterInput):  # none before the first ``/``
            box.value = ""
            box.remove_class("-shown")

"""The as-you-type filter box under a pane's file list."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FilterInput(Input):
    """The as-you-type filter under the list: Enter keeps it, Esc clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear", "Clear filter", show=False)]

    # Input sets its virtual size (the text's width) on every keystroke, and in Textual
    # that is a layout reactive: a layout pass of the whole screen per typed character.
    # This box has a fixed size (one row, the pane's width) and no scrollbars, so the
    # new width only bounds its horizontal scroll, which reads it directly.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    DEFAULT_CSS = """
    FilterInput, FilterInput.-textual-compact {
        padding: 0 1;
        background: $boost;
        display: none;
    }
    FilterInput.-shown { display: block; }
    """

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Submitted(self, "", None))

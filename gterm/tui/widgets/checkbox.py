"""gterm's checkbox: its box holds an X only when it is on."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class ClearCheckbox(Checkbox):
    """A Checkbox whose box is empty when off.

    Textual's shows an X in both states and tells them apart by colour alone
    (a bright X on, a dim one off): in a terminal with few colours, or read as
    text, "Delete extras" looked ticked when it was not.
    """

    def render(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super().render()

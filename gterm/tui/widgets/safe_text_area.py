"""A multi-line editor for server text (a collection's description) that keeps its lines and tabs exactly.

A description such as ``"Line one.\\nLine two.\\n\\tIndented line."`` put in a
one-line field can only be shown with its newlines and tabs escaped, and the
user edits escapes instead of lines. Here, as in the Globus web app's textarea,
newlines are lines and a tab is a tab (drawn as spaces, kept as ``\\t``).

Every other control character is shown escaped and mapped back exactly as
:class:`~gterm.tui.widgets.safe_input.SafeInput` does (see that module): the
field's text is the escaped spelling of its original, and :attr:`raw_text`
keeps the original's characters wherever the user left them alone. ``\\r`` is
one of the escaped ones: a ``TextArea`` would take it for a line break and
save ``\\n`` in its place.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from gterm.tui.widgets.safe_input import KeysInOrder, from_display, to_display


def _typed(text: str) -> str:
    """Inserted text as the editor should hold it: a pasted CRLF or CR is a line break, other controls escaped."""
    return to_display(text.replace("\r\n", "\n").replace("\r", "\n"), multiline=True)


class SafeTextArea(KeysInOrder, TextArea):
    """``TextArea`` holding no control character but newline and tab. Create it with the raw text;
    read :attr:`raw_text`. Tab moves to the next field, as in a form."""

    DEFAULT_CSS = """
    SafeTextArea {
        height: auto;
        min-height: 3;
        max-height: 8;
    }
    """

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        self.original = text
        kwargs.setdefault("tab_behavior", "focus")
        kwargs.setdefault("soft_wrap", True)
        super().__init__(to_display(text, multiline=True), **kwargs)

    @property
    def raw_text(self) -> str:
        """The text the user means: the original's characters where unchanged, typed text literally."""
        row, column = self.cursor_location
        cursor = sum(len(line) + 1 for line in self.document.lines[:row]) + column  # lines end in "\n" alone
        return from_display(self.text, self.original, multiline=True, cursor=cursor)

    def load_text(self, text: str) -> None:
        # `text = ...` comes here too: whoever sets it, the editor holds the escaped spelling.
        super().load_text(to_display(text, multiline=True))

    def edit(self, edit: Edit) -> EditResult:
        # Typing and paste land here (undo and redo replay what was stored).
        # Escape first, so the cursor ends after an escape, not inside it.
        edit.text = _typed(edit.text)
        return super().edit(edit)

"""A pane's message line: loading, a note or an error, under the file list (hidden when empty)."""

from __future__ import annotations

from textual.widgets import Static

from gterm.tui.safe_text import safe_text


class PaneMessage(Static):
    """One line of server-supplied or gterm text, always shown literally (escaped, no markup)."""

    DEFAULT_CSS = """
    PaneMessage {
        height: auto;
        max-height: 3;
        padding: 0 1;
        display: none;
    }
    PaneMessage.-shown { display: block; }
    PaneMessage.-error { color: $error; background: $error 15%; }
    PaneMessage.-loading { color: $warning; }
    """

    def __init__(self) -> None:
        super().__init__("", classes="pane-message", markup=False)

    def show(self, message: str, kind: str = "") -> None:
        """Show ``message``; ``kind`` is "", "-error" or "-loading"."""
        self.update(safe_text(message))
        self.set_classes(f"pane-message -shown {kind}".strip())

    def hide(self) -> None:
        self.set_classes("pane-message")

    @property
    def text(self) -> str:
        """What the line says ("" when hidden)."""
        return str(self.render()) if self.has_class("-shown") else ""

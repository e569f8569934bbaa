"""A pane's message line: loading, a note or an error, under the file list (hidden when empty)."""

from __future__ import annotations

from textual.widgets import Static

from gterm.globus.errors import ConsentNeeded
from gterm.globus.models import Collection
from gterm.tui.safe_text import safe_text
from gterm.wording import plural


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
        self.loading_text = ""  # the loading line, which the count of keys typed ahead is added to

    def show_loading(self, message: str) -> None:
        self.loading_text = message
        self.show(message, "-loading")

    def show_keys_waiting(self, count: int) -> None:
        """The loading line counts the keys that wait for the listing."""
        waiting = f" · {plural(count, 'key')} typed ahead wait for it (Esc drops them)" if count else ""
        self.show(self.loading_text + waiting, "-loading")

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


def sign_in_note(error: BaseException, collection: Collection | None, where: str) -> str:
    """What the message line says while (and after) a sign-in for a failed listing runs."""
    if isinstance(error, ConsentNeeded):
        name = collection.display_name if collection is not None else "This collection"
        return f"{name} needs consent — ctrl+o to try again"
    return f"Cannot open {where}: sign-in needed — ctrl+o to try again"

"""The "who" field of the sharing dialogs: a username, an email address or a group name, with live matches.

Matches come from what gterm already knows (my groups, people named this
session, the words for everyone) without a network call per keystroke; a
complete email address is looked up at Auth (with provision) on a worker, and
its person joins the matches when Auth answers.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from gterm.globus.errors import GtermError
from gterm.globus.sharing import SharingService
from gterm.tui.safe_text import safe_text
from gterm.tui.worker_errors import deliver


class WhoField(Vertical):
    """An Input (``#<prefix>-who``) and the matches under it (``#<prefix>-matches``)."""

    DEFAULT_CSS = """
    WhoField { height: auto; }
    WhoField .who-matches { color: $text-muted; height: auto; min-height: 1; }
    """

    def __init__(self, sharing: SharingService, *, prefix: str, placeholder: str, words: bool = True) -> None:
        """``words``: offer "all users" and "public" (access rules) or not (roles)."""
        super().__init__()
        self.sharing = sharing
        self.prefix = prefix
        self.placeholder = placeholder
        self.words = words
        self.matches: list[str] = []
        self.note = ""  # a line under the matches (my groups need a sign-in, and the key that asks for it)

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, id=f"{self.prefix}-who")
        yield Static("", id=f"{self.prefix}-matches", classes="who-matches")

    @property
    def input(self) -> Input:
        return self.query_one(f"#{self.prefix}-who", Input)

    @property
    def value(self) -> str:
        return self.input.value.strip()

    def refresh_matches(self) -> None:
        """Recompute the matches (my groups arrived, a lookup finished)."""
        if self.value:
            self._show(self.sharing.matches(self.value, words=self.words))

    def show_note(self, note: str) -> None:
        """Say ``note`` under the matches until it is replaced ("" takes it away)."""
        self.note = note
        self._show(self.matches)

    def fill(self, value: str) -> None:
        """Put ``value`` (a suggestion Enter chose) in the field, its matches under it.

        The form hears no edit: what it says about the suggestion stays until the user types."""
        with self.input.prevent(Input.Changed):
            self.input.value = value
        self.input.cursor_position = len(value)
        self._show(self.sharing.matches(value, words=self.words))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        # Not stopped: the form around it hears of the edit too (an error about the old text goes).
        self._show(self.sharing.matches(event.value, words=self.words))
        text = event.value.strip()
        if "@" in text and "." in text.rpartition("@")[2]:
            self._look_up(text)

    @work(thread=True, group="who-lookup", exclusive=True, exit_on_error=False)
    def _look_up(self, username: str) -> None:
        worker = get_current_worker()
        try:
            # Not provisioned while typing: a half-typed address must not become an identity at Globus.
            found = self.sharing.identities_by_username([username], provision=False).get(username.lower())
        except GtermError:
            return  # a lookup while typing is a nicety; submitting says what went wrong
        if found is not None and not worker.is_cancelled:
            deliver(self.app, self._looked_up, username)

    def _looked_up(self, username: str) -> None:
        if self.value == username:
            self.refresh_matches()

    def _show(self, matches: list[str]) -> None:
        self.matches = matches
        labels = [self.sharing.match_label(match) for match in matches]
        lines = ([f"Matches: {' · '.join(labels)}"] if labels else []) + ([self.note] if self.note else [])
        # Each line escaped on its own (a newline inside safe_text would be shown as an escape).
        self.query_one(f"#{self.prefix}-matches", Static).update(Text("\n").join(safe_text(line) for line in lines))

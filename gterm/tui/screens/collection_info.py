"""``i``: what the focused pane's collection is, in sections (identity, contact, access, activity, servers).

The document is fetched on a worker when the screen opens (the pane's own
Collection holds only what listing needs). ``c`` copies the collection id to
the clipboard (OSC 52: works over SSH in terminals that allow it). ``e`` edits
the settings only from details that are loaded and current: pressed while they
load, the form opens once they are here; after a failed load (a reload after a
save, say) it is refused with the reason, and ``r`` / ctrl+r loads them again.

The body has the focus and scrolls by keyboard (arrows, PageUp/PageDown,
Home/End): on a short terminal (80x24) it gives up rows (``FIT``) so the title
and the key hint under it stay on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from gterm.globus.collection_details import CollectionDetails, Fact
from gterm.globus.collection_settings import CollectionSettings, SettingsService
from gterm.globus.errors import GtermError
from gterm.tui.keymap import INFO_BINDINGS
from gterm.tui.messages import CollectionRead
from gterm.tui.safe_text import safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.worker_errors import deliver, describe, report

FetchDetails = Callable[[], CollectionDetails]
HINT = "c copies the id · e edits the settings · Esc closes"
FAILED_HINT = "r (or ctrl+r) tries again · Esc closes"
#: The body's rows when the terminal has them (at 120x36 the frame is then 90% of the screen, as it was).
BODY_ROWS = 28


def title_of(name: str) -> str:
    return f"{name} — details"


def fact_text(fact: Fact) -> Text:
    """A fact's value shown literally; one written in lines (a description) keeps its lines, each escaped
    on its own, so a line break is a line and not a literal \\n while other control characters (a lone
    \\r, ESC) are still shown as escapes."""
    if not fact.multiline:
        return safe_text(fact.value)
    return Text("\n", end="").join(safe_text(line) for line in fact.value.replace("\r\n", "\n").split("\n"))


class CollectionInfo(GtermModal[None]):
    """The details of one collection, fetched when shown."""

    BINDINGS: ClassVar[list[BindingType]] = [*INFO_BINDINGS]
    # The body gives up rows on a short terminal: with the frame at 90% and the body at 100% of it, the
    # hint (the only place that says e edits) was pushed under the frame's bottom edge.
    FIT = ("#info-scroll", BODY_ROWS)
    DEFAULT_CSS = """
    CollectionInfo > .modal-frame { width: 100; }
    CollectionInfo #info-scroll { height: auto; }
    """

    def __init__(self, name: str, fetch: FetchDetails, *, settings: SettingsService | None = None) -> None:
        """``name``: the collection's, as the pane knows it (the title follows a rename once the details
        are read)."""
        super().__init__()
        self._title = title_of(name)
        self._fetch = fetch
        self._settings = settings
        self.details: CollectionDetails | None = None
        # A request for the details is out. (Not ``loading``: on a Screen that is Textual's reactive, which
        # covered the whole terminal with a loading indicator and hid "Loading…" and the Esc hint.)
        self.fetching = False
        # Why the last load failed (None: the details shown are current). The settings form must start
        # from what the collection is now: stale values would be "Nothing changed" to a save.
        self.load_error: str | None = None
        self._edit_when_loaded = False

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(self._title, id="info-title")
        with VerticalScroll(id="info-scroll"):
            yield Static(Text("Loading…", style="dim"), id="info-body")
        yield Static(HINT, classes="dialog-hint", id="info-hint")

    def on_mount(self) -> None:
        # (GtermModal's own on_mount, the fit for a short terminal, runs too: Textual calls each class's.)
        self.query_one("#info-scroll", VerticalScroll).focus()  # the keys scroll the details
        self._start_load()

    def action_copy_id(self) -> None:
        if self.details is None:
            return
        self.app.copy_to_clipboard(self.details.collection.id)
        self.notify(f"Copied {self.details.collection.id}", title="Collection id", timeout=3)

    def action_edit(self) -> None:
        """``e``: the settings form, for an administrator; anyone else is told why not (no form)."""
        if self._settings is None:
            return
        if self.fetching:
            self._edit_when_loaded = True
            self.notify("Still loading the details: the settings open once they are here.", title="Settings",
                        timeout=3)
            return
        if self.load_error is not None or self.details is None:
            self.notify(f"The details could not be loaded ({self.load_error}); the settings are edited from "
                        "current details only. Press r to try again.",
                        title="Settings", severity="warning")
            return
        try:
            settings = CollectionSettings.from_details(self.details)
        except GtermError as exc:
            self.notify(describe(exc), title="Settings", severity="warning")
            return
        from gterm.tui.screens.collection_settings import CollectionSettingsForm

        def closed(saved: bool | None) -> None:
            if saved:
                self.action_reload()

        self.app.push_screen(CollectionSettingsForm(settings, self._settings), closed)

    def action_reload(self) -> None:
        """``r`` / ctrl+r (and after a save): fetch the details again."""
        if self.fetching:
            return
        self.query_one("#info-body", Static).update(Text("Loading…", style="dim"))
        self._start_load()

    def _start_load(self) -> None:
        self.fetching = True
        self._load()

    @work(thread=True, group="collection-info", exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()
        try:
            details = self._fetch()
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self._failed, exc)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._show, details)

    def _failed(self, error: GtermError) -> None:
        self.fetching = False
        self.load_error = describe(error)
        self.query_one("#info-body", Static).update(safe_text(f"Could not load the details: {self.load_error}"))
        self.query_one("#info-hint", Static).update(FAILED_HINT)
        if self._edit_when_loaded:
            self._edit_when_loaded = False
            self.action_edit()  # says why no form opens
        report(self.app, error, context="Collection details", retry=self.action_reload)

    def _show(self, details: CollectionDetails) -> None:
        self.fetching = False
        self.load_error = None
        self.details = details
        self.post_message(CollectionRead(details.collection))  # a rename just saved shows in the panes
        self.query_one("#info-title", Static).update(safe_text(title_of(details.collection.display_name)))
        self.query_one("#info-hint", Static).update(HINT)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for number, section in enumerate(details.sections()):
            if number:
                table.add_row("", "")
            table.add_row(Text(section.title, style="bold underline"), "")
            for fact in section.facts:
                table.add_row(safe_text(fact.label), fact_text(fact))
        self.query_one("#info-body", Static).update(table)
        if self._edit_when_loaded:
            self._edit_when_loaded = False
            self.action_edit()

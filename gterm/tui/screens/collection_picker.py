"""Pick a collection (ctrl+o): full-text endpoint_search with scope tabs.

Scopes are Globus' own search filters: recently used, mine (my-endpoints),
shared with me, all. The "recently used" tab puts the collections gterm itself
remembers (config) first, then what the service reports as recently used.
Searching runs in an exclusive thread worker after a short pause in typing;
answers for an older query or tab are dropped. Until the results for the
text typed are shown, the keys that act on results (↓ ↑ Enter, anything not
editing the text) wait for them (a :class:`~gterm.tui.typed_input.KeyHold`):
"ctrl+o hpc ↓ Enter" typed at once opens the second match for "hpc", not the
second of the results shown before.

The search Input keeps the focus, and Input binds ctrl+left/right itself
(word moves), so the scope keys are *priority* bindings: they switch scope even
while typing. When typed text finds nothing in the "Recently used" tab the
picker moves to "All" once by itself, because a user looking for a collection
by name expects it to be found (the status line says so).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static, Tab, Tabs
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from gterm.globus.browsing import LOCAL, is_local
from gterm.globus.models import Collection
from gterm.tui.keymap import PICKER_BINDINGS
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.typed_input import HoldsKeys, Typed
from gterm.tui.widgets.safe_input import SafeInput
from gterm.tui.worker_errors import deliver, describe, report
from gterm.wording import plural

if TYPE_CHECKING:  # pragma: no cover
    from gterm.globus.transfer import TransferService

SCOPES: tuple[tuple[str, str], ...] = (
    ("recently-used", "Recently used"),
    ("my-endpoints", "Mine"),
    ("shared-with-me", "Shared with me"),
    ("all", "All"),
    ("shared-by-me", "Shared by me"),  # the guest collections I manage, each saying what it is a share of
)

ENTITY_TYPES = {
    "GCSv5_mapped_collection": "mapped collection",
    "GCSv5_guest_collection": "guest collection",
    "GCSv5_endpoint": "endpoint",
    "GCP_mapped_collection": "personal collection",
    "GCP_guest_collection": "personal guest collection",
    "local": "this computer's file system",
}

SEARCH_DELAY = 0.25

TEXT_KEYS = frozenset(key for binding in Binding.make_bindings(Input.BINDINGS) for key in binding.key.split(",")) - {
    "enter"
}
"""Keys the search field takes to edit its text: they never wait for results (see :func:`acts_on_results`)."""


def acts_on_results(event: Typed) -> bool:
    """A key that chooses among the results (↓ ↑ Enter, as remapped), not one that edits the search text."""
    return isinstance(event, events.Key) and not event.is_printable and event.key not in TEXT_KEYS


def kind_of(collection: Collection) -> str:
    return ENTITY_TYPES.get(collection.entity_type, collection.entity_type or "collection")


def collection_prompt(collection: Collection) -> Text:
    """Three lines: name; owner · type; description (all literal text)."""
    prompt = Text(escape_controls(collection.display_name), style="bold")
    kind = kind_of(collection)
    if collection.host_display_name:
        kind += f" · share of {escape_controls(collection.host_display_name)}"
    details = " · ".join(part for part in (escape_controls(collection.owner_shown), kind) if part)
    prompt.append("\n" + details, style="dim")
    if collection.description:
        prompt.append("\n" + escape_controls(collection.description.splitlines()[0])[:200], style="italic")
    return prompt


def matches(collection: Collection, text: str) -> bool:
    needle = text.strip().casefold()
    if not needle:
        return True
    haystack = " ".join(
        (collection.display_name, collection.owner_string, collection.description, collection.keywords, collection.id)
    ).casefold()
    return all(word in haystack for word in needle.split())


class CollectionPicker(GtermModal[Collection], HoldsKeys):
    """Returns the chosen Collection, or None on Esc."""

    DEFAULT_CSS = """
    CollectionPicker > .modal-frame {
        width: 90;
        height: 80%;
    }
    CollectionPicker .dialog-title {
        padding: 0 1;
    }
    CollectionPicker OptionList {
        height: 1fr;
    }
    CollectionPicker #picker-status {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    CollectionPicker #picker-status.-error {
        color: $error;
    }
    CollectionPicker #picker-hint {
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [*PICKER_BINDINGS]
    HINT = "ctrl+← ctrl+→ scope · ↑ ↓ choose · Enter open · Esc cancel"

    def __init__(
        self, service: TransferService, *, recent_ids: list[str] | None = None, scope: str | None = None
    ) -> None:
        super().__init__()
        self.service = service
        self.recent_ids = list(recent_ids or [])
        self._remembered_cache: list[Collection] | None = None
        self._remembered_lock = threading.Lock()
        self.initial_scope = scope or ("recently-used" if self.recent_ids else "my-endpoints")
        self.results: list[Collection] = []
        self._query: tuple[str, str] = ("", "")
        self._timer: Timer | None = None
        # Text that found nothing in "Recently used" and moved the picker to "All" (done at most once).
        self._fell_back_for: str | None = None

    def compose_dialog(self) -> ComposeResult:
        yield Label("Open a collection", classes="dialog-title")
        # SafeInput: a pasted search text cannot put control characters on the screen.
        yield SafeInput(placeholder="Search collections (name, owner, description)", id="picker-search")
        yield Tabs(*(Tab(label, id=f"scope-{scope}") for scope, label in SCOPES), id="picker-scopes")
        yield OptionList(id="picker-results")
        yield Static("", id="picker-status", markup=False)
        yield Static(self.HINT, id="picker-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Tabs).active = f"scope-{self.initial_scope}"
        self.query_one("#picker-search", Input).focus()

    @property
    def scope(self) -> str:
        active = self.query_one(Tabs).active or "scope-all"
        return active.removeprefix("scope-")

    # --- searching ---------------------------------------------------------

    @on(Tabs.TabActivated)
    def _scope_changed(self, event: Tabs.TabActivated) -> None:
        event.stop()
        self._search_now()

    @on(Input.Changed, "#picker-search")
    def _text_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self._search_now)
        # From now on only this text's results count: an answer for the text before it (the first list,
        # landing during the pause before this search) must not end the hold and take the keys held.
        self._query = (self.scope, event.value)
        self.hold_keys(holds=acts_on_results)  # until the results for this text are shown

    def _search_now(self) -> None:
        text = self.query_one("#picker-search", Input).value
        self._query = (self.scope, text)
        self.hold_keys(holds=acts_on_results)
        if self.scope == "all" and not text.strip():
            self._show([], "Type to search all collections.")
            return
        self._set_status("Searching …")
        self._search(self.scope, text)

    def refresh_results(self) -> None:
        """Search again (used by the re-auth retry)."""
        self._search_now()

    @work(thread=True, group="picker-search", exclusive=True, exit_on_error=False)
    def _search(self, scope: str, text: str) -> None:
        worker = get_current_worker()
        try:
            found = self._collect(scope, text)
        except Exception as exc:  # noqa: BLE001 - routed below
            if not worker.is_cancelled:
                deliver(self.app, self._search_failed, (scope, text), exc)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._search_done, (scope, text), found)

    def _collect(self, scope: str, text: str) -> list[Collection]:
        if scope != "recently-used":
            return self.service.search_collections(text, scope=scope)
        # This computer first: it is always at hand, and the way to a Local pane.
        this_computer = LOCAL.get_collection("local")
        found = [c for c in (this_computer, *self._remembered()) if matches(c, text)]
        known = {c.id for c in found}
        for collection in self.service.search_collections(text, scope="recently-used"):
            if collection.id not in known:
                found.append(collection)
        return found

    def _remembered(self) -> list[Collection]:
        """The collections gterm remembers as recent, looked up once per picker (then filtered per keystroke).

        Thread side; the lock makes a second keystroke's search wait for the
        first lookup instead of repeating it.
        """
        with self._remembered_lock:
            if self._remembered_cache is None:
                found: list[Collection] = []
                for collection_id in self.recent_ids:
                    if is_local(collection_id):
                        continue  # listed first anyway, and Transfer does not know it
                    try:
                        found.append(self.service.get_collection(collection_id))
                    except Exception:  # noqa: BLE001 - a deleted or foreign collection just drops out
                        continue
                self._remembered_cache = found
            return self._remembered_cache

    def _search_done(self, query: tuple[str, str], found: list[Collection]) -> None:
        if query != self._query:
            return
        scope, text = query
        if not found and scope == "recently-used" and text.strip() and self._fell_back_for is None:
            # Searching by name on the default tab: look everywhere rather than say "nothing".
            self._fell_back_for = text
            self.query_one(Tabs).active = "scope-all"
            return
        count = len(found)
        status = plural(count, "collection") if count else "No collections found."
        if scope == "all" and self._fell_back_for is not None and text == self._fell_back_for:
            status = f"No matches in Recently used; searched All: {status}"
        elif not count and scope != "all" and text.strip():
            status = "No matches here; ctrl+→ switches scope (All searches everything)."
        self._show(found, status)

    def _search_failed(self, query: tuple[str, str], error: BaseException) -> None:
        if query != self._query:
            return
        self._set_status(f"Search failed: {describe(error)}", error=True)
        self.end_key_hold(dropped="the search failed")
        report(self.app, error, context="Collection search", retry=self.refresh_results)

    def _show(self, found: list[Collection], status: str) -> None:
        self.results = found
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options([Option(collection_prompt(c), id=c.id) for c in found])
        if found:
            results.highlighted = 0
        self._set_status(status)
        self.end_key_hold()  # the keys typed meanwhile choose among these

    def _set_status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#picker-status", Static)
        status.update(safe_text(message))
        status.set_class(error, "-error")

    # --- choosing ----------------------------------------------------------

    @on(Input.Submitted, "#picker-search")
    def _enter_in_search(self, event: Input.Submitted) -> None:
        event.stop()
        results = self.query_one(OptionList)
        if results.highlighted is not None and self.results:
            self._choose(results.highlighted)

    @on(OptionList.OptionSelected)
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

    def _choose(self, index: int) -> None:
        if 0 <= index < len(self.results):
            self.dismiss(self.results[index])

    def action_move(self, delta: int) -> None:
        results = self.query_one(OptionList)
        if not self.results:
            return
        current = results.highlighted if results.highlighted is not None else -1
        results.highlighted = max(0, min(len(self.results) - 1, current + delta))

    def action_next_scope(self, delta: int) -> None:
        tabs = self.query_one(Tabs)
        ids = [f"scope-{scope}" for scope, _ in SCOPES]
        current = ids.index(tabs.active) if tabs.active in ids else 0
        tabs.active = ids[(current + delta) % len(ids)]


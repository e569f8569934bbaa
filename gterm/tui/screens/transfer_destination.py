"""F5's "to" field as Midnight Commander's copy dialog has it: Tab completes directory names, Up and Down
bring back earlier destinations (alt+h lists them).

**Tab** (binding ``destination_complete``) completes a directory name where there is one to complete: the
cursor at the end of the text, nothing selected, the text ending in part of a name (``/data/ru``, ``ru``), and
a directory there starting with it. One fits: it is completed, with ``/``. Several: their longest common start
is completed and they are listed under the field; Tab again (nothing more to add) moves on. Anywhere else --
the proposal still selected as the dialog opens, the text ending in ``/``, the cursor inside it, or a new name
no directory starts with (Globus creates it) -- Tab moves to the next field, as in every dialog (and in MC's),
so typing a new directory and Tab still reaches the label.

The names come from the other pane's listing when the directory typed is the other pane's (no call to
Globus); any other directory is listed once (in a thread worker: ``TransferService.ls``, or on This computer its
file service, through ``gterm.globus.browsing.files_for`` as a pane lists; the line under the field saying so
meanwhile) and kept for the dialog's life. A listing that fails is said in the dialog's error
line; a directory that is not there (Globus creates it on submit) has no names.

**Up / Down** walk the destination collection's "to" history (most recent first; what was typed comes back
after the last Down). What Enter sends into is put first in it: the dialog tells the app
(:class:`~gterm.tui.messages.DestinationChosen`), which keeps it in the state file (``GtermConfig``).

Names come from other people: the field shows them escaped (:class:`SafeInput`), the lines under it through
:func:`escape_controls`, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import BindingType
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from gterm.globus import paths
from gterm.globus.browsing import files_for
from gterm.globus.errors import CollectionGone, NotFound
from gterm.globus.transfer import TransferService
from gterm.tui.dir_names import dir_names, entry_dir_names
from gterm.tui.keymap import DESTINATION_FIELD_BINDINGS
from gterm.tui.safe_text import escape_controls
from gterm.tui.transfer_plan import NOT_A_NAME, TransferPlan
from gterm.tui.widgets.path_bar import common_prefix, split_for_completion
from gterm.tui.widgets.safe_input import SafeInput, from_display, to_display
from gterm.tui.worker_errors import deliver, describe

#: What the line under the "to" field says when it lists nothing. (Its keys are in the dialog's key help, F1:
#: a longer note wraps at 80 columns, where the form has no row to spare.)
DESTINATION_NOTE = "Absolute, or relative to the other pane's; created if missing."

#: How many names (candidates, earlier destinations) the line under the field lists before "… N more".
NAMES_LISTED = 12



class FormInput(SafeInput):
    """A text field of the transfer form (keys in order: see :meth:`SafeInput._on_key`, QA F5)."""


class DestinationInput(FormInput):
    """The "to" field: its keys run the dialog's completion and history (:class:`DestinationKeys`)."""

    BINDINGS: ClassVar[list[BindingType]] = [*DESTINATION_FIELD_BINDINGS]


def names_listed(names: Sequence[str], *, slash: bool) -> str:
    """``names`` (raw) for the line under the field: escaped, the first :data:`NAMES_LISTED`, and how many more."""
    shown = [escape_controls(name) + ("/" if slash else "") for name in names[:NAMES_LISTED]]
    more = len(names) - len(shown)
    return "  ".join(shown) + (f"  … and {more} more" if more > 0 else "")


def completable(value: str, cursor: int, selected: bool) -> bool:
    """Tab completes here: the cursor at the end of ``value``, nothing ``selected``, a partial name last."""
    return not selected and cursor == len(value) and split_for_completion(value)[1] not in NOT_A_NAME


def parent_directory(plan: TransferPlan, raw_directory: str) -> str:
    """The directory whose names complete a name typed after ``raw_directory`` (the field's text up to its last
    ``/``, raw): taken from the other pane's directory as the dialog takes the whole path (``retarget``), with
    ``~`` spelled as the destination's home when gterm knows it (else it stays ``/~/…``: Globus resolves it)."""
    if not raw_directory:
        return paths.as_dir(plan.destination_path)
    typed = raw_directory
    if paths.is_home_relative(typed) and plan.destination_home is not None:
        typed = paths.expand_home(typed, plan.destination_home)
    return paths.as_dir(paths.join(plan.destination_path, typed))


@dataclass
class DestinationState:
    """What the "to" field's keys remember while the dialog is open."""

    history: list[str]  # the destination collection's "to" history, most recent first
    names: dict[str, list[str]] = field(default_factory=dict)  # directory -> its directory names (listed once)
    note_for: str | None = None  # the field's text the line under it speaks of (None: the usual note)
    pending: tuple[str, str] | None = None  # (directory being listed, the field's text when Tab asked for it)
    error_said: bool = False  # a completion failure is in the error line (it goes as the field is edited)
    recalled: list[str] = field(default_factory=list)  # the history walked by Up/Down (without the text typed)
    at: int = -1  # where Up/Down are in ``recalled`` (-1: the text typed, ``draft``)
    draft: str = ""
    shown: str | None = None  # the field's text after the last Up/Down (typing after it starts a new walk)


class Dialog(Protocol):
    """What the keys use of the transfer dialog."""

    plan: TransferPlan
    service: TransferService | None
    destination: DestinationState
    usual_note: str

    @property
    def app(self) -> App[Any]: ...
    def query_one(self, selector: str, expect_type: type[Any]) -> Any: ...
    def focus_next(self, selector: str = "*") -> Widget | None: ...
    def _form_error(self, message: str, *, target: bool = False) -> None: ...
    def _say(self, text: str, about: str | None) -> None: ...
    def _complete(self, field: DestinationInput) -> None: ...
    def _list_for_completion(self, directory: str) -> object: ...
    def _listed(self, directory: str, names: list[str]) -> None: ...
    def _listing_failed(self, directory: str, error: Exception) -> None: ...
    def action_show_destination_history(self) -> None: ...


class DestinationKeys:
    """The transfer dialog's "to" field keys (a mixin of :class:`~gterm.tui.screens.transfer_dialog.TransferDialog`;
    the field's bindings name these actions with ``screen.``, so they run in the field's key order)."""

    #: What the line under the field says when it lists nothing (a dialog may say more: one item's new name).
    usual_note: str = DESTINATION_NOTE

    # -- the line under the field ---------------------------------------------------------

    def _say(self: Dialog, text: str, about: str | None) -> None:
        """Say ``text`` under the field, about the field's text ``about`` (None: the usual note, ``text`` unused)."""
        self.destination.note_for = about
        note = self.query_one("#destination-note", Static)
        note.update(Text(self.usual_note if about is None else text))

    def destination_edited(self: Dialog, shown: str) -> None:
        """The field now holds ``shown``: what was said about another text goes."""
        state = self.destination
        if state.note_for is not None and state.note_for != shown:
            self._say("", None)
        if state.error_said:
            state.error_said = False
            self._form_error("")

    def destination_typed(self: Dialog, shown: str | None = None) -> str:
        """The field's text, raw (``shown``: as the field held it at a key), controls mapped back."""
        field = self.query_one("#destination", DestinationInput)
        return field.raw_value if shown is None else from_display(shown, field.original, field.raw_prefixes)

    def refuse_target(self: Dialog, why: str) -> None:
        """``why`` under the form; the text stays, to be corrected, not replaced (the cursor at its end)."""
        self._form_error(why, target=True)
        field = self.query_one("#destination", DestinationInput)
        field.focus()
        field.cursor_position = len(field.value)

    # -- Tab ------------------------------------------------------------------------------

    def action_complete_destination(self: Dialog) -> None:
        field = self.query_one("#destination", DestinationInput)
        selected = not field.selection.is_empty
        if not completable(field.value, field.cursor_position, selected) or self.destination.note_for == field.value:
            self.focus_next()  # nothing to complete here, or nothing more (listed already): the next-field key
            return
        self._complete(field)

    def _complete(self: Dialog, field: DestinationInput) -> None:
        """Complete the name at the end of ``field`` from its directory's names (listed first if need be);
        no directory starts with it: a new one, and Tab is the next-field key."""
        state, shown = self.destination, field.value
        raw = field.raw_value
        raw_directory = raw[: raw.rfind("/") + 1]
        prefix = split_for_completion(shown)[1]  # as shown (escaped), as the names are compared
        directory = parent_directory(self.plan, raw_directory)
        names = state.names.get(directory)
        if names is None and paths.same_dir(directory, self.plan.destination_path) and (
                self.plan.destination_entries is not None):
            names = state.names[directory] = entry_dir_names(self.plan.destination_entries)
        if names is None:
            if self.service is None:  # fixed data (snapshots): nothing to list with
                self.focus_next()
                return
            state.pending = (directory, shown)
            self._say(f"Listing {escape_controls(directory)} to complete the name…", shown)
            self._list_for_completion(directory)
            return
        matches = [name for name in names if to_display(name).startswith(prefix)]
        if not matches:
            if field.has_focus:  # (a listing that arrives after a second Tab finds the focus gone on already)
                self.focus_next()
            return
        if len(matches) == 1:
            field.set_raw(raw_directory + matches[0] + "/")
            return
        common = common_prefix(matches)
        if len(to_display(common)) > len(prefix):  # (a common start that ends inside an escape adds nothing)
            field.set_raw(raw_directory + common)
        self._say(f"{len(matches)} directories fit: {names_listed(matches, slash=True)}", field.value)

    @work(thread=True, group="destination-completion", exclusive=True, exit_on_error=False)
    def _list_for_completion(self: Dialog, directory: str) -> None:
        service, collection_id = self.service, self.plan.destination_collection_id
        assert service is not None  # (asked only with a service)
        worker = get_current_worker()
        try:
            names = dir_names(files_for(collection_id, service).ls(collection_id, directory))
        except Exception as error:  # noqa: BLE001 - said in the dialog's error line
            if not worker.is_cancelled:
                deliver(self.app, self._listing_failed, directory, error)
            return
        # Cancelled: the dialog closed (Textual cancels a screen's workers as it goes), or another listing
        # for a later Tab took this one's place.
        if not worker.is_cancelled:
            deliver(self.app, self._listed, directory, names)

    def _listed(self: Dialog, directory: str, names: list[str]) -> None:
        state = self.destination
        state.names[directory] = names
        field = self.query_one("#destination", DestinationInput)
        if state.pending == (directory, field.value):  # the text Tab was pressed on, untouched since: complete it
            state.pending = None
            if field.has_focus:
                self._complete(field)
            else:  # a second Tab went on to the next field meanwhile: it stays there
                self._say("", None)

    def _listing_failed(self: Dialog, directory: str, error: Exception) -> None:
        state = self.destination
        field = self.query_one("#destination", DestinationInput)
        asked = state.pending is not None and state.pending[0] == directory
        if isinstance(error, NotFound) and not isinstance(error, CollectionGone):
            # Not there yet, which is nothing wrong (Globus creates it on submit): no names, kept, so Tab there
            # is the next-field key from now on without asking again.
            state.names[directory] = []
            if asked and state.pending == (directory, field.value):
                state.pending = None
                self._say(f"{escape_controls(directory)} is not there yet: it is created on submit.", field.value)
                if field.has_focus:
                    self.focus_next()
            return
        if asked:
            state.pending = None
            self._say("", None)
            self._form_error(f"Cannot list {escape_controls(directory)} to complete the name: {describe(error)}")
            state.error_said = True

    # -- Up / Down / alt+h --------------------------------------------------------------

    def action_destination_history(self: Dialog, step: int) -> None:
        """Up (``step`` 1): the next earlier destination; Down (-1): back towards the text typed."""
        state = self.destination
        field = self.query_one("#destination", DestinationInput)
        if state.shown != field.value:  # typed since (or the first Up): a new walk, from what is typed now
            state.draft = field.raw_value
            state.recalled = [path for path in state.history
                              if not (state.draft and paths.same_dir(path, state.draft))]
            state.at = -1
        at = state.at + step
        if at < -1 or at >= len(state.recalled):
            self.app.bell()
            if not state.recalled:
                self.action_show_destination_history()
            return
        state.at = at
        field.set_raw(state.draft if at == -1 else state.recalled[at])
        state.shown = field.value

    def action_show_destination_history(self: Dialog) -> None:
        field = self.query_one("#destination", DestinationInput)
        history = self.destination.history
        if not history:
            self._say(f"No earlier destinations on {escape_controls(self.plan.destination_name)} yet: each one "
                      "sent into is kept here (Up recalls it).", field.value)
            return
        self._say(f"Earlier (Up / Down): {names_listed(history, slash=False)}", field.value)

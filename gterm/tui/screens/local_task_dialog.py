"""F5's dialog for the tasks gterm runs itself: a download, an upload, or a copy on this computer.

Where to is a field, as in the Transfer dialog and Midnight Commander's copy dialog: it proposes the other
pane's directory, selected (typing replaces it), with the same keys (Tab completes a directory name, Up and
Down recall earlier destinations: :mod:`gterm.tui.screens.transfer_destination`; on This computer the names
come from its file service). A relative path is taken from the other pane's directory.

What Enter does with the text is :func:`gterm.tui.local_transfer.local_target`'s: a directory (created if
missing, before the task starts), or, for one item, a new name for it (``cp a.txt b.txt``). Whether a path
typed is a directory, a file or nothing is asked first (a stat, in a thread worker: this computer's file
service, or Transfer on the collection side), since that decides it; the other pane's directory as proposed
needs no asking. A refusal (the source directory itself, a directory into itself, a file where a directory is
meant) is said under the field, and the dialog stays with what was typed.

It returns the :class:`~gterm.tui.transfer_plan.TransferPlan` sent where the field says, or None on Esc.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from gterm.globus.browsing import LOCAL
from gterm.globus.errors import CollectionGone, NotFound
from gterm.globus.local_files import is_local
from gterm.globus.local_tasks import Kind
from gterm.globus.models import Entry
from gterm.globus.transfer import TransferService
from gterm.tui.local_transfer import local_target, target_to_look_at
from gterm.tui.messages import DestinationChosen
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.screens.transfer_destination import (
    DestinationInput,
    DestinationKeys,
    DestinationState,
)
from gterm.tui.transfer_plan import TargetProblem, TransferPlan
from gterm.tui.worker_errors import deliver, describe
from gterm.wording import hidden_by_filter, plural

#: The line under the field for one item: a name typed there may be the copy's new name.
ONE_ITEM_NOTE = "A directory (relative to the other pane's; made if missing), or the item's new name. Dir: end with /."


class LocalTaskDialog(DestinationKeys, GtermModal[TransferPlan]):
    """Where a download, upload or local copy goes (see the module docstring)."""

    DEFAULT_CSS = """
    LocalTaskDialog > .modal-frame { width: 90; padding: 1 2; }
    LocalTaskDialog .dialog-title { margin-bottom: 1; }
    LocalTaskDialog #names { color: $text-muted; margin-bottom: 1; }
    LocalTaskDialog #destination-row { height: auto; }
    LocalTaskDialog #destination-row > Label { width: 4; }
    LocalTaskDialog #destination-row > Input { width: 1fr; }
    LocalTaskDialog #destination-note { color: $text-muted; height: auto; }
    LocalTaskDialog #form-error { color: $error; height: auto; }
    """
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {**GtermModal.BUTTON_ACTIONS}

    def __init__(self, plan: TransferPlan, kind: Kind, *, service: TransferService | None = None,
                 history: Sequence[str] = ()) -> None:
        """``history``: the destination's earlier "to" directories, most recent first (Up recalls them)."""
        super().__init__()
        if plan.destination_home is None:
            # Where ~ is, so that "~/x" typed is checked as the real path it is (transfer_plan.retarget): this
            # computer's home, or the collection's when a listing there has said it (never guessed).
            home = LOCAL.files.home() if is_local(plan.destination_collection_id) else (
                service.home_directory(plan.destination_collection_id) if service is not None else None)
            plan = replace(plan, destination_home=home)
        self.plan = plan
        self.kind = kind
        self.service = service
        self.destination = DestinationState(list(history))
        if len(plan.entries) == 1:
            self.usual_note = ONE_ITEM_NOTE
        verb = kind.title()
        said = (f"{verb} {plan.summary()} from {plan.source_name}:{plan.source_path} to {plan.destination_name}:",
                hidden_by_filter(plan.hidden_by_filter), plan.invalid_links_said())
        self.message = " ".join(filter(None, said))  # the question, as asked (shown escaped)
        self._looking: str | None = None  # the text Enter was pressed on, while what is there is asked
        self._done = False  # dismissed: later Enters and clicks do nothing

    def compose_dialog(self) -> ComposeResult:
        plan = self.plan
        yield self.heading(f"{self.kind.title()} {plural(len(plan.entries), 'item')}")
        yield Static(safe_text(self.message), id="summary")
        yield Static(Text(plan.items_line()), id="names")
        with Horizontal(id="destination-row"):
            yield Label("To")
            yield DestinationInput(value=plan.destination_path, id="destination", compact=True,
                                   select_on_focus=False, raw_prefixes=(plan.destination_path,))
        yield Static(self.usual_note, id="destination-note", markup=False)
        yield Static("", id="form-error")
        yield self.buttons(self.kind.title())

    def on_mount(self) -> None:
        super().on_mount()
        field = self.query_one("#destination", DestinationInput)
        field.focus()
        field.select_proposal(show_end=True)  # a path: its end says where

    # -- the form -----------------------------------------------------------------------

    def _form_error(self, message: str, *, target: bool = False) -> None:
        self.query_one("#form-error", Static).update(Text(message))

    @on(Input.Changed, "#destination")
    def _destination_changed(self, event: Input.Changed) -> None:
        self.destination_edited(event.value)
        if self._looking is None:
            self._form_error("")  # a refusal was about the text before

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._go(self.destination_typed(event.value))  # the text Enter was pressed on

    def action_ok(self) -> None:
        self._go(self.destination_typed())

    def _go(self, typed: str) -> None:
        """Enter: what the path typed is decides where the items go (asked first, unless it is the proposal)."""
        if self._done or self._looking is not None:
            return
        try:
            path = target_to_look_at(self.plan, typed)
        except TargetProblem as problem:
            self.refuse_target(str(problem))
            return
        if path is None:
            self._decide(typed, None)
            return
        self._looking = typed
        self._say(f"Looking at {escape_controls(path)}…", self.query_one("#destination", DestinationInput).value)
        self._look(typed, path)

    @work(thread=True, group="destination-look", exclusive=True, exit_on_error=False)
    def _look(self, typed: str, path: str) -> None:
        collection_id = self.plan.destination_collection_id
        files = LOCAL if is_local(collection_id) else self.service  # (files_for needs a service; snapshots have none)
        there: Entry | None = None
        try:
            if files is not None:
                there = files.stat(collection_id, path.rstrip("/") or "/")
        except NotFound as missing:
            if isinstance(missing, CollectionGone):
                deliver(self.app, self._look_failed, path, missing)
                return
        except Exception as error:  # noqa: BLE001 - said in the dialog's error line
            deliver(self.app, self._look_failed, path, error)
            return
        deliver(self.app, self._decide, typed, there)

    def _look_failed(self, path: str, error: Exception) -> None:
        self._looking = None
        self._say("", None)
        self.refuse_target(f"Cannot look at {escape_controls(path)}: {describe(error)}")

    def _decide(self, typed: str, there: Entry | None) -> None:
        if self._done:
            return
        self._looking = None
        self._say("", None)
        try:
            chosen = local_target(self.plan, typed, there)
        except TargetProblem as problem:
            self.refuse_target(str(problem))
            return
        self._done = True
        # First in the destination's "to" history (Up in the next dialog), as the Transfer dialog's is.
        self.app.post_message(DestinationChosen(chosen.destination_collection_id, chosen.destination_path))
        self.dismiss(chosen)

    def action_back_out(self) -> None:
        if self._done:
            return
        self._done = True
        self.dismiss(None)

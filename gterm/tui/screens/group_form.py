"""``e`` on a group: its name and description, as the web app's group settings and ``globus group update``.

The form sends the change itself and stays open until Groups accepts it: a refusal (not an admin,
a name Groups will not take, the network gone) is said under the fields, with what was typed kept.
It dismisses with the group as Groups saved it (Esc: None).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from gterm.globus.errors import GtermError
from gterm.globus.groups import Group, GroupsService
from gterm.tui.keymap import GROUP_FORM_BINDINGS
from gterm.tui.safe_text import safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.widgets.safe_input import SafeInput
from gterm.tui.worker_errors import AUTH_ERRORS, deliver, describe, report


class GroupForm(GtermModal[Group | None]):
    """Rename a group and set its description; Save (Enter, ctrl+s) sends both, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [*GROUP_FORM_BINDINGS]
    DEFAULT_CSS = """
    GroupForm > .modal-frame { width: 72; max-width: 95%; }
    """

    def __init__(self, groups: GroupsService, group: Group) -> None:
        super().__init__()
        self.groups = groups
        self.group = group

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(f"Edit the group {self.group.name}")
        # The name and description are server text: shown escaped, mapped back where left alone.
        yield Label("Name")
        yield SafeInput(self.group.name, id="group-name", select_on_focus=False)
        yield Label("Description (empty: none)")
        yield SafeInput(self.group.description, id="group-description", select_on_focus=False)
        yield Static("", id="group-error", classes="dialog-error", markup=False)
        yield self.buttons("Save")
        yield Static("Enter or ctrl+s saves · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        name = self.query_one("#group-name", SafeInput)
        name.focus()
        name.cursor_position = len(name.value)  # an edit, not a replacement: nothing selected

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ok()

    def action_ok(self) -> None:
        """Save: the name and description as typed, sent from here (the form stays until Groups answers)."""
        if self.saving:
            return
        name = self.query_one("#group-name", SafeInput).raw_value
        description = self.query_one("#group-description", SafeInput).raw_value
        if not name.strip():
            self._status("A group needs a name.")
            return
        self._send(name, description)

    def still_saving(self) -> None:
        self._status("Saving… (Groups has not answered yet)")

    def _status(self, message: str) -> None:
        self.query_one("#group-error", Static).update(safe_text(message))

    def _send(self, name: str, description: str) -> None:
        self.saving = True
        self._status("Saving…")
        self._save(name, description)

    @work(thread=True, group="group-save", exclusive=True, exit_on_error=False)
    def _save(self, name: str, description: str) -> None:
        worker = get_current_worker()
        try:
            saved = self.groups.update_group(self.group.id, name, description)
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self._failed, exc, name, description)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._saved, saved)

    def _failed(self, error: GtermError, name: str, description: str) -> None:
        # The fields keep what was typed: only the line under them says what went wrong.
        self.saving = False
        self._status(f"Not saved: {describe(error)}")
        if isinstance(error, AUTH_ERRORS):  # signed in again, the same change is sent again
            report(self.app, error, context="Editing the group", retry=lambda: self._send(name, description))

    def _saved(self, group: Group) -> None:
        self.saving = False
        self.dismiss(group)

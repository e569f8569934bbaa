"""``e`` on a group: its name and description, as the web app's group settings and ``globus group update``.

The form sends the change itself and stays open until Groups accepts it: a refusal (not an admin,
a name Groups will not take, the network gone) is said under the fields, with what was typed kept.
It dismisses with the group as Groups saved it (Esc: None).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Input, Label, Static

from gterm.globus.errors import GtermError
from gterm.globus.groups import Group, GroupsService
from gterm.tui.keymap import GROUP_FORM_BINDINGS
from gterm.tui.screens.saving_form import SavingForm
from gterm.tui.widgets.safe_input import SafeInput
from gterm.tui.worker_errors import AUTH_ERRORS


class GroupForm(SavingForm[tuple[str, str], Group | None]):
    """Rename a group and set its description; Save (Enter, ctrl+s) sends both, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [*GROUP_FORM_BINDINGS]
    DEFAULT_CSS = """
    GroupForm > .modal-frame { width: 72; max-width: 95%; }
    """
    STATUS_ID = "group-error"

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
        yield self.status_line()
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

    def draft(self) -> tuple[str, str] | str:
        """The name and description as typed (the form stays until Groups answers)."""
        name = self.query_one("#group-name", SafeInput).raw_value
        description = self.query_one("#group-description", SafeInput).raw_value
        if not name.strip():
            return "A group needs a name."
        return name, description

    def still_saving(self) -> None:
        self.status("Saving… (Groups has not answered yet)")

    def save(self, draft: tuple[str, str]) -> Group:
        name, description = draft
        return self.groups.update_group(self.group.id, name, description)

    save_context = "Editing the group"

    def reports(self, error: GtermError) -> bool:
        # Groups' refusal is said in the form alone; signed in again, the same change is sent again.
        return isinstance(error, AUTH_ERRORS)

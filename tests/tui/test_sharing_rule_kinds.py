"""More of ``p`` from the keyboard: a rule with an expiry, public and all-users rules, a duplicate's error,
public read/write refused in the dialog, and Groups from the command palette. Live sandbox; Bob's own token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import globus_sdk
import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from gterm.globus.groups import GroupsService
from gterm.sandbox.seed_ids import BOB_ID, LAB_GROUP_NAME, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.groups import GroupsScreen
from gterm.tui.screens.sharing_dialogs import AddRuleDialog, EditRuleDialog
from tests.support.browser_helpers import make_app, settled, type_text, wait_for
from tests.support.groups_helpers import groups_client_for
from tests.support.sharing_helpers import alice_guest, open_sharing, own_rules, sharing_for
from tests.support.transfer_helpers import api_error
from tests.support.transfer_live import service_for


@pytest.fixture
def guest(sandbox: SandboxHandle) -> Iterator[str]:
    with alice_guest(sandbox, "Rule kinds", public=True) as guest_id:
        yield guest_id


async def _dialog(pilot: Any) -> AddRuleDialog:
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AddRuleDialog), "the add-rule dialog")
    dialog = pilot.app.screen
    assert isinstance(dialog, AddRuleDialog)
    return dialog


async def _focus(pilot: Any, dialog: AddRuleDialog, field_id: str) -> None:
    """Tab until ``field_id`` has the focus (the keyboard path a person takes)."""
    for _ in range(8):
        if dialog.focused is not None and dialog.focused.id == field_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached #{field_id}")


async def test_expiry_public_all_users_and_a_duplicate(
    sandbox: SandboxHandle, guest: str, bob_tc: globus_sdk.TransferClient
) -> None:
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{guest}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sharing(pilot)

        # Bob for 30 days: the expiry field takes +30d, the table shows the day, Transfer has the date.
        dialog = await _dialog(pilot)
        labels = [str(label.render()) for label in dialog.query(".form-label")]
        assert labels == ["Who", "Path", "Permissions", "Expires", "Notify email", "Message"]  # every field named
        await type_text(pilot, "bob@example.org")
        await _focus(pilot, dialog, "rule-expiry")
        await type_text(pilot, "+30d")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 1, "Bob's rule")
        (bobs,) = own_rules(screen.rules)
        assert bobs.principal == BOB_ID and bobs.expiration_date is not None
        expires = datetime.fromisoformat(bobs.expiration_date)
        assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
        assert expires.strftime("%Y-%m-%d") in [str(c) for c in screen.table.get_row(bobs.id)]
        assert [e["name"] for e in bob_tc.operation_ls(guest, path="/")["DATA"]] == []

        # A date in the past is refused in the dialog, which keeps what was typed.
        dialog = await _dialog(pilot)
        await type_text(pilot, "all users")
        await _focus(pilot, dialog, "rule-expiry")
        await type_text(pilot, "2001-01-01")
        await pilot.press("enter")
        assert app.screen is dialog and "in the past" in str(dialog.query_one("#rule-error").render())
        assert dialog.who.value == "all users"
        dialog.query_one("#rule-expiry", Input).value = ""
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 2, "the all-users rule")
        everyone = [r for r in screen.rules if r.principal_type == "all_authenticated_users"]
        assert len(everyone) == 1 and screen.labels[everyone[0].id] == "all signed-in users"

        # public, read/write: refused in the dialog (Globus allows public read only); read: made.
        dialog = await _dialog(pilot)
        await type_text(pilot, "public")
        await _focus(pilot, dialog, "rule-permissions")
        await pilot.press("enter", "down", "enter")  # read/write
        await _focus(pilot, dialog, "rule-who")
        await pilot.press("enter")
        await wait_for(pilot,
                       lambda: not dialog.saving and "read-only" in str(dialog.query_one("#rule-error").render()),
                       "the refusal")
        await _focus(pilot, dialog, "rule-permissions")
        await pilot.press("enter", "up", "enter")  # read
        await _focus(pilot, dialog, "rule-who")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 3, "the public rule")
        public = [r for r in screen.rules if r.principal_type == "anonymous"]
        assert len(public) == 1 and screen.labels[public[0].id] == "anyone (public)" and public[0].permissions == "r"
        # Its edit dialog offers read only (it offered read/write, which Transfer refuses for public).
        screen.table.move_cursor(row=screen.rules.index(public[0]))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditRuleDialog), "the edit dialog")
        edit = app.screen
        await pilot.press("enter", "down", "enter")  # the permissions list: nothing below read
        await pilot.press("tab", "enter")  # the expiry field (empty: never), Enter saves
        await wait_for(pilot, lambda: app.screen is screen and screen.loaded, "the rules again")
        assert edit not in app.screen_stack
        assert [r.permissions for r in screen.rules if r.principal_type == "anonymous"] == ["r"]

        # The all-users rule again: the dialog says a rule exists and to change it instead.
        dialog = await _dialog(pilot)
        await type_text(pilot, "all users")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not dialog.saving and app.screen is dialog, "the refusal")
        assert "all signed-in users already has a rule for /; change that rule (e) instead" in str(
            dialog.query_one("#rule-error").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the rules")
        assert len(own_rules(screen.rules)) == 3

        # Bob's rule deleted: the all-users rule still lets him read; a write is refused.
        screen.table.move_cursor(row=screen.rules.index(bobs))
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: screen.loaded and len(own_rules(screen.rules)) == 2, "Bob's rule to go")
        assert bob_tc.operation_ls(guest, path="/")["DATA"] == []
        assert api_error(lambda: bob_tc.operation_mkdir(guest, "/nope/")).http_status == 403


async def test_groups_from_the_command_palette(sandbox: SandboxHandle) -> None:
    client = groups_client_for(sandbox, "alice")
    groups = GroupsService(lambda: client)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), groups=groups, left=f"{LAB_STORAGE_ID}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "groups")
        commands = app.screen.query_one(CommandList)

        def first() -> str:
            return str(commands.get_option_at_index(0).prompt).split("\n")[0] if commands.option_count else ""

        await wait_for(pilot, lambda: first() == "Groups", "Groups at the top of the matches")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen) and app.screen.loaded, "my groups")
        screen = app.screen
        assert isinstance(screen, GroupsScreen) and LAB_GROUP_NAME in [g.name for g in screen.rows]


async def test_a_notify_email_that_is_no_email_is_refused_in_the_form(sandbox: SandboxHandle, guest: str) -> None:
    """'notanemail' was sent (the settings form checks its email; this one did not): said, nothing sent."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{guest}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sharing(pilot)
        dialog = await _dialog(pilot)
        await type_text(pilot, "bob@example.org")
        await _focus(pilot, dialog, "rule-notify")
        await type_text(pilot, "notanemail")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "is not an email address" in str(dialog.query_one("#rule-error").render()),
                       "the refusal")
        assert app.screen is dialog and own_rules(screen.rules) == []

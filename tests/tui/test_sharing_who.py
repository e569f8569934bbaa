"""The add-rule dialog's Who field takes ids too, over the live sandbox: an identity id names a person (as
globus-cli's ``--identity``), a group id one of my groups; a name two of my groups share (Globus allows it)
is offered as the two groups' ids and refused with both ids, never resolved to whichever came first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Input, Static

from gterm.sandbox.auth_store import find_identity_by_username
from gterm.sandbox.seed_ids import ALICE_ID, ALICE_USERNAME, BOB_ID, LAB_GROUP_ID, LAB_GROUP_NAME
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.sharing_dialogs import AddRoleDialog, AddRuleDialog
from gterm.tui.widgets.who_field import WhoField
from tests.support.browser_helpers import clear_and_type, make_app, settled, type_text, wait_for
from tests.support.consent import ConsentSession
from tests.support.groups_helpers import delete_made_group, no_group_left_behind
from tests.support.sharing_helpers import GROUPS_SCOPE, alice_guest, open_sharing, own_rules, sharing_for
from tests.support.transfer_helpers import unique
from tests.support.transfer_live import RequestLog, service_for


@pytest.fixture
def guest(sandbox: SandboxHandle) -> Iterator[str]:
    with alice_guest(sandbox, "Who by id") as guest_id:
        yield guest_id


async def _dialog(pilot: Any) -> AddRuleDialog:
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AddRuleDialog), "the add-rule dialog")
    dialog = pilot.app.screen
    assert isinstance(dialog, AddRuleDialog)
    return dialog


def _error(dialog: AddRuleDialog) -> str:
    return str(dialog.query_one("#rule-error").render())


async def test_who_takes_ids_and_refuses_a_group_name_two_groups_share(sandbox: SandboxHandle, guest: str) -> None:
    name = f"Twins {unique('t')}"
    with no_group_left_behind(sandbox) as client:
        try:
            twins = sorted(str(client.create_group({"name": name})["id"]) for _ in range(2))
            app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                           right=f"{guest}:/")
            async with app.run_test(size=(120, 40)) as pilot:
                screen = await open_sharing(pilot)

                dialog = await _dialog(pilot)
                await type_text(pilot, name)
                # The matches offer each twin by its id, named: taking one names a definite group.
                who = dialog.query_one(WhoField)
                await wait_for(pilot, lambda: sorted(who.matches) == twins, "both groups offered by id")
                shown = str(dialog.query_one("#rule-matches", Static).render())
                assert all(f"{name} (group {group_id})" in shown for group_id in twins), shown
                await pilot.press("enter")
                await wait_for(pilot, lambda: not dialog.saving and "type the id" in _error(dialog), "the refusal")
                assert app.screen is dialog and all(group_id in _error(dialog) for group_id in twins)

                # The id names the one meant.
                await clear_and_type(pilot, dialog.query_one("#rule-who", Input), twins[1])
                await pilot.press("enter")
                await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 1,
                               "the group's rule")
                (rule,) = own_rules(screen.rules)
                assert (rule.principal_type, rule.principal) == ("group", twins[1])

                # A person by identity id, shown by name in the rules.
                await _dialog(pilot)
                await type_text(pilot, BOB_ID)
                await pilot.press("enter")
                await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 2, "Bob's rule")
                (bobs,) = [r for r in own_rules(screen.rules) if r.principal_type == "identity"]
                assert bobs.principal == BOB_ID and screen.labels[bobs.key] == "Bob Collaborator (bob@example.org)"
        finally:
            delete_made_group(client, name)


async def test_an_address_being_typed_is_looked_up_without_making_an_identity(
    sandbox: SandboxHandle, guest: str
) -> None:
    """Who looked each address up with provision while it was typed: every half-typed address in a known
    domain became an identity at Globus. Now only the name given (Enter) is provisioned."""
    username = f"{unique('newcomer')}@example.org"
    log = RequestLog(sandbox)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{guest}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sharing(pilot)
        dialog = await _dialog(pilot)
        mark = log.mark()
        await type_text(pilot, username)
        await wait_for(
            pilot,
            lambda: any(r["path"] == "/v2/api/identities" for r in log.since(mark)),
            "a lookup while typing",
        )
        await wait_for(pilot, lambda: not any(w.group == "who-lookup" and w.is_running for w in app.workers), "done")
        assert find_identity_by_username(sandbox.state.db, username) is None
        assert app.screen is dialog
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 1,
                       "the rule for the newcomer")
        made = find_identity_by_username(sandbox.state.db, username)
        assert made is not None and own_rules(screen.rules)[0].principal == made["id"]


def _groups_consent_session(consented: threading.Event) -> ConsentSession:
    def grant(scopes: list[str]) -> bool:
        if GROUPS_SCOPE in scopes:
            consented.set()  # what the login does for the session: its groups token now carries the consent
        return consented.is_set()

    return ConsentSession(grant)


async def test_groups_consent_waits_for_ctrl_g_while_who_is_typed(sandbox: SandboxHandle, guest: str) -> None:
    """The groups' consent login opened by itself as the add-rule dialog came up: what was typed into Who
    went into the login's code field. Now the matches say my groups need consent, people still match,
    and ctrl+g asks for it; then my groups match."""
    consented = threading.Event()
    session = _groups_consent_session(consented)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox, groups_consent=consented), session=session,
                   left=f"{guest}:/", right=f"{guest}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sharing(pilot)
        dialog = await _dialog(pilot)
        await wait_for(pilot, lambda: not any(w.group in ("rule-groups", "reauth") and w.is_running
                                              for w in app.workers), "my groups asked for")
        await settled(pilot)
        await type_text(pilot, "bob@example.org")
        who = dialog.query_one(WhoField)
        await wait_for(pilot, lambda: who.matches == ["bob@example.org"], "Bob found while typing")
        await settled(pilot)
        assert app.screen is dialog and session.logins == []
        assert who.value == "bob@example.org"
        shown = str(dialog.query_one("#rule-matches", Static).render())
        assert "Bob Collaborator (bob@example.org)" in shown and "ctrl+g signs in" in shown, shown

        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: len(session.logins) == 1, "the groups' sign-in")
        assert GROUPS_SCOPE in session.logins[0].scopes
        await wait_for(pilot, lambda: app.screen is dialog and "ctrl+g" not in str(
            dialog.query_one("#rule-matches", Static).render()), "the note gone after the sign-in")
        await clear_and_type(pilot, dialog.query_one("#rule-who", Input), "Lab Mem")
        await wait_for(pilot, lambda: who.matches == [LAB_GROUP_NAME], "my group matched")


async def test_saving_a_rule_for_a_group_asks_for_the_groups_consent_then_saves(
    sandbox: SandboxHandle, guest: str
) -> None:
    """Naming a group and saving (Enter) asks for the groups' consent; the rule is saved after it, for the group
    (before, it said no group of mine had that name)."""
    consented = threading.Event()
    session = _groups_consent_session(consented)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox, groups_consent=consented), session=session,
                   left=f"{guest}:/", right=f"{guest}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sharing(pilot)
        dialog = await _dialog(pilot)
        await type_text(pilot, LAB_GROUP_NAME)
        await wait_for(pilot, lambda: not any(w.group in ("rule-groups", "reauth") and w.is_running
                                              for w in app.workers), "my groups asked for")
        await settled(pilot)
        assert app.screen is dialog and session.logins == []  # no login until the user saves
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 1,
                       "the group's rule, after the sign-in")
        assert len(session.logins) == 1 and GROUPS_SCOPE in session.logins[0].scopes
        (rule,) = own_rules(screen.rules)
        assert (rule.principal_type, rule.principal) == ("group", LAB_GROUP_ID)


async def test_enter_on_part_of_a_name_offers_the_match_and_only_the_next_enter_gives_the_role(
    sandbox: SandboxHandle, guest: str
) -> None:
    """`r`, `a`, 'esearch', Enter gave Alice Researcher access_manager: Enter took the one match and sent it.
    Now Enter puts the match in Who and says so; nothing is given until the next Enter."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{guest}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sharing(pilot)
        await pilot.press("r")
        panel = screen.roles
        await wait_for(pilot, lambda: screen.on_roles_tab and panel.loaded, "the roles")
        before = [(a.principal, a.role) for a in panel.assignments]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddRoleDialog), "the role dialog")
        dialog = app.screen
        assert isinstance(dialog, AddRoleDialog)
        await type_text(pilot, "esearch")
        await wait_for(pilot, lambda: dialog.who.matches == [ALICE_USERNAME], "Alice matched")
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is dialog and not dialog.saving
        assert dialog.who.value == ALICE_USERNAME
        assert "Who now reads Alice Researcher (alice@example.org)" in _error(dialog), _error(dialog)
        assert [(a.principal, a.role) for a in panel.assignments] == before

        await pilot.press("enter")  # now a whole name: sent
        await wait_for(pilot, lambda: app.screen is screen and panel.loaded
                       and (ALICE_ID, "access_manager") in [(a.principal, a.role) for a in panel.assignments],
                       "Alice's new role")


async def _typed_into_who(pilot: Any, typed: str, matches: list[str]) -> AddRuleDialog:
    """The add-rule dialog with ``typed`` in Who, once it shows ``matches``."""
    dialog = await _dialog(pilot)
    await type_text(pilot, typed)
    await wait_for(pilot, lambda: dialog.who.matches == matches, f"{matches} matched")
    return dialog


async def test_enter_in_any_field_offers_the_group_a_part_of_its_name_matches(
    sandbox: SandboxHandle, guest: str
) -> None:
    """'embers', Enter created a rule for Lab Members, while 'lab mem', Tab, Enter was refused: now both put
    the group's name in Who (whichever field Enter is pressed in) and the next Enter shares with it."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{guest}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sharing(pilot)
        for typed, keys in (("embers", ()), ("lab mem", ("tab",))):
            dialog = await _typed_into_who(pilot, typed, [LAB_GROUP_NAME])
            await pilot.press(*keys, "enter")
            await settled(pilot)
            assert app.screen is dialog and not dialog.saving and own_rules(screen.rules) == []
            assert dialog.who.value == LAB_GROUP_NAME
            assert f"Who now reads {LAB_GROUP_NAME}, the closest match to {typed!r}" in _error(dialog), _error(dialog)
            if keys:
                break
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen, "the dialog closed")
        await pilot.press("enter")  # in the Path field, Who now whole: sent
        await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 1, "the group's rule")
        (rule,) = own_rules(screen.rules)
        assert (rule.principal_type, rule.principal) == ("group", LAB_GROUP_ID)

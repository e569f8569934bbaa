"""The sharing screen's Roles tab over the live sandbox: names, giving and taking roles, refusals.

Alice drives gterm (real SharingService: the GCS Manager's /api/roles for GCSv5 collections with a
manage_collections token, Transfer's endpoint roles for Globus Connect Personal); Bob's own token
shows that a role given in gterm takes effect at once (an access manager may list the guest's rules).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import globus_sdk
import pytest

from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICES_LAPTOP_ID,
    BOB_ID,
    BOB_SHARED_ID,
    LAB_ENDPOINT_ID,
    LAB_STORAGE_ID,
)
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.sharing import SharingScreen
from gterm.tui.screens.sharing_dialogs import AddRoleDialog
from tests.support.browser_helpers import make_app, type_text, wait_for
from tests.support.consent import ConsentSession
from tests.support.gcs_helpers import gcs_client_for
from tests.support.outages import answer_error, gated
from tests.support.sharing_helpers import alice_guest, open_sharing, sharing_for
from tests.support.transfer_helpers import api_error
from tests.support.transfer_live import service_for


@pytest.fixture
def guest(sandbox: SandboxHandle) -> Iterator[str]:
    with alice_guest(sandbox, "Alice roles test") as guest_id:
        yield guest_id


async def _roles_tab(pilot: Any) -> SharingScreen:
    screen = await open_sharing(pilot)
    await pilot.press("r")
    await wait_for(pilot, lambda: screen.on_roles_tab and screen.roles.loaded, "the roles")
    return screen


async def _give(pilot: Any, screen: SharingScreen, who: str, role_keys: tuple[str, ...] = ()) -> AddRoleDialog:
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AddRoleDialog), "the role dialog")
    dialog = pilot.app.screen
    assert isinstance(dialog, AddRoleDialog)
    await type_text(pilot, who)
    if role_keys:
        await pilot.press("tab", *role_keys, "shift+tab")  # pick the role, back to the who field
    await pilot.press("enter")  # Enter in the who field gives the role
    return dialog


async def test_a_new_guests_roles_list_its_owner_as_administrator(sandbox: SandboxHandle, guest: str) -> None:
    """GCS grants whoever creates a guest collection the administrator role on it (a role document of
    its own, as the web app's Roles tab shows it): the tab names Alice there, by name."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _roles_tab(pilot)
        panel = screen.roles
        assert [(a.principal, a.role) for a in panel.assignments] == [(ALICE_ID, "administrator")]
        assert panel.labels[panel.assignments[0].id] == "Alice Researcher (alice@example.org)"


async def test_alice_makes_bob_access_manager_of_her_guest_and_takes_it_back(
    sandbox: SandboxHandle, bob_tc: globus_sdk.TransferClient, guest: str
) -> None:
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _roles_tab(pilot)
        panel = screen.roles
        assert panel.error is None and panel.place is not None
        assert panel.place.api == "gcs" and panel.place.may_change
        assert "GCS Manager" in str(panel.query_one("#roles-status").render())
        assert api_error(lambda: bob_tc.endpoint_acl_list(guest)).http_status == 403

        # a, Bob's username (the default role on a guest is access_manager), Give role.
        await _give(pilot, screen, "bob@example.org")
        await wait_for(pilot, lambda: app.screen is screen and any(a.principal == BOB_ID for a in panel.assignments),
                       "Bob's role")
        (bobs,) = [a for a in panel.assignments if a.principal == BOB_ID]
        assert (bobs.role, bobs.principal_type) == ("access_manager", "identity")
        assert panel.labels[bobs.id] == "Bob Collaborator (bob@example.org)"  # a name, never the bare id
        assert all(label != BOB_ID and label != ALICE_ID for label in panel.labels.values())
        assert bob_tc.endpoint_acl_list(guest)["DATA"] is not None  # the role took effect at once

        # The same role again: said in words, nothing added.
        dialog = await _give(pilot, screen, "bob@example.org")
        await wait_for(pilot, lambda: app.screen is screen or not dialog.saving, "an answer")
        if app.screen is not screen:  # GCS may answer an existing assignment with itself (the sandbox does)
            assert "already has the access_manager role" in str(dialog.query_one("#rule-error").render())
            await pilot.press("escape")
        await wait_for(pilot, lambda: panel.loaded, "the roles again")
        assert [a.principal for a in panel.assignments].count(BOB_ID) == 1

        # d on Bob's row, confirm: gone, and Bob is refused again.
        panel.table.move_cursor(row=[a.id for a in panel.assignments].index(bobs.id))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
        confirm = app.screen
        assert isinstance(confirm, ConfirmPrompt) and "loses the access_manager role" in confirm.message
        await pilot.press("y")
        await wait_for(pilot, lambda: panel.loaded and all(a.principal != BOB_ID for a in panel.assignments),
                       "Bob's role to go")
        assert api_error(lambda: bob_tc.endpoint_acl_list(guest)).http_status == 403


async def test_personal_endpoint_roles_go_through_transfer(
    sandbox: SandboxHandle, alice_tc: globus_sdk.TransferClient
) -> None:
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{ALICES_LAPTOP_ID}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _roles_tab(pilot)
        panel = screen.roles
        assert panel.place is not None and panel.place.api == "transfer" and panel.place.may_change
        status = str(panel.query_one("#roles-status").render())
        assert "(through Transfer)" in status and "through the Transfer" not in status, status
        assert "access_manager" not in panel.place.roles_offered  # a mapped collection has no access rules
        # The role list offers administrator, activity_manager, activity_monitor (the default): one up.
        await _give(pilot, screen, "bob@example.org", role_keys=("enter", "up", "enter"))
        await wait_for(pilot, lambda: app.screen is screen and any(a.principal == BOB_ID for a in panel.assignments),
                       "Bob's role")
        (bobs,) = [a for a in panel.assignments if a.principal == BOB_ID]
        assert bobs.role == "activity_manager"
        listed = {(r["principal"], r["role"]) for r in alice_tc.endpoint_role_list(ALICES_LAPTOP_ID)}
        assert (BOB_ID, "activity_manager") in listed
        panel.table.move_cursor(row=[a.id for a in panel.assignments].index(bobs.id))
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: panel.loaded and all(a.principal != BOB_ID for a in panel.assignments),
                       "Bob's role to go")
        assert (BOB_ID, "activity_manager") not in {
            (r["principal"], r["role"]) for r in alice_tc.endpoint_role_list(ALICES_LAPTOP_ID)
        }


async def test_not_an_administrator_is_told_who_may_change_roles(sandbox: SandboxHandle) -> None:
    """Alice on Bob's guest: a restricted administrator (she administers the host), not an administrator."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{BOB_SHARED_ID}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _roles_tab(pilot)
        panel = screen.roles
        assert panel.place is not None and not panel.place.may_change
        status = str(panel.query_one("#roles-status").render())
        # Globus lists only her own roles to her: said as hers, not as a count of everyone's.
        assert "Your roles" in status and "Only administrators see and change everyone's roles" in status
        assert "given" not in status
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is screen  # no dialog: the answer would be a refusal
        status = str(panel.query_one("#roles-status").render())
        assert "Only an administrator of this collection may give roles" in status
        assert screen.on_roles_tab


async def test_an_error_goes_once_the_who_field_is_edited(sandbox: SandboxHandle, guest: str) -> None:
    """"No Globus user … is called 'zzz'" stayed under the field after it held a right name."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _roles_tab(pilot)
        dialog = await _give(pilot, screen, "zzz")

        def error() -> str:
            return str(dialog.query_one("#rule-error").render())

        await wait_for(pilot, lambda: "zzz" in error(), "the refusal")
        await pilot.press("backspace")
        await wait_for(pilot, lambda: error() == "", "the refusal gone with the edit")
        await pilot.press("escape")


async def test_a_reload_reads_my_own_roles_again(sandbox: SandboxHandle) -> None:
    """Bob makes Alice an administrator of his guest while her Roles tab is open: ctrl+r shows it, and `a`
    is hers to use from then on (what she may do was read once and kept before)."""
    bob = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob", data_access=[LAB_STORAGE_ID])
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{BOB_SHARED_ID}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    role_id = ""
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _roles_tab(pilot)
            panel = screen.roles
            assert panel.place is not None and not panel.place.may_change
            role_id = str(bob.create_role(globus_sdk.GCSRoleDocument(
                collection=BOB_SHARED_ID, principal=f"urn:globus:auth:identity:{ALICE_ID}", role="administrator",
            ))["id"])
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: panel.place is not None and panel.place.may_change, "her new role")
            assert "you are administrator here" in str(panel.query_one("#roles-status").render())
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AddRoleDialog), "the role dialog")
    finally:
        if role_id:
            bob.delete_role(role_id)


async def _confirm_on_row(pilot: Any, panel: Any, role_id: str) -> ConfirmPrompt:
    panel.table.move_cursor(row=[a.id for a in panel.assignments].index(role_id))
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmPrompt), "the confirmation")
    confirm = pilot.app.screen
    assert isinstance(confirm, ConfirmPrompt)
    return confirm


async def test_removing_my_own_last_administrator_role_says_nobody_can_manage_it(
    sandbox: SandboxHandle, guest: str
) -> None:
    """d on Alice's own (and only) administrator role asked "Alice loses the administrator role" like anyone
    else's: now it says the role is hers, what she can no longer do and that nobody else administers the
    collection; a refusal of the service is shown in its own words."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _roles_tab(pilot)
        panel = screen.roles
        (mine,) = panel.assignments
        assert (mine.principal, mine.role) == (ALICE_ID, "administrator")
        confirm = await _confirm_on_row(pilot, panel, mine.id)
        assert confirm.title_text == "Remove your own role" and confirm.danger
        assert confirm.confirm_label == "Remove my role"
        assert "You are removing your own administrator role on Alice roles test" in confirm.message
        assert "no longer be able to change this guest collection's roles, access rules or settings" in confirm.message
        assert ("Nobody else is an administrator of Alice roles test: after this, nobody else will be able to "
                "manage its roles through this collection.") in confirm.message
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen, "the sharing screen")
        assert [a.id for a in panel.assignments] == [mine.id]

        refusal = "A collection must keep at least one administrator."

        async def refuse(scope: Any, receive: Any, send: Any, inner: Any) -> None:
            if scope["method"] == "DELETE" and "/api/roles/" in scope["path"]:
                await answer_error(send, 403, "permission_denied", refusal)
                return
            await inner(scope, receive, send)

        with gated(sandbox, refuse):
            await _confirm_on_row(pilot, panel, mine.id)
            await pilot.press("y")
            await wait_for(pilot, lambda: refusal in str(panel.query_one("#roles-status").render()), "the refusal")
        status = str(panel.query_one("#roles-status").render())
        assert status == f"Globus refused the change: {refusal}"  # not "only an administrator may": she is one


async def test_removing_my_own_administrator_role_beside_another_administrator(
    sandbox: SandboxHandle, guest: str
) -> None:
    """With Bob an administrator too, Alice is told she loses the role and only another administrator can
    give it back; once it is gone, the tab says what Globus still counts her as."""
    alice = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    bob = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob", data_access=[LAB_STORAGE_ID])
    alice.create_role(globus_sdk.GCSRoleDocument(
        collection=guest, principal=f"urn:globus:auth:identity:{BOB_ID}", role="administrator"))
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _roles_tab(pilot)
            panel = screen.roles
            (mine,) = [a for a in panel.assignments if a.principal == ALICE_ID]
            (bobs,) = [a for a in panel.assignments if a.principal == BOB_ID]
            confirm = await _confirm_on_row(pilot, panel, bobs.id)
            assert confirm.title_text == "Remove role"  # anyone else's: the plain question
            await pilot.press("n")
            await wait_for(pilot, lambda: app.screen is screen, "the sharing screen")
            confirm = await _confirm_on_row(pilot, panel, mine.id)
            assert confirm.title_text == "Remove your own role" and confirm.danger
            assert "only another administrator can give you the role back" in confirm.message
            assert "Nobody else" not in confirm.message
            await pilot.press("y")
            await wait_for(pilot, lambda: all(a.principal != ALICE_ID for a in panel.assignments), "her role to go")
            # The sandbox counts a guest's creator as its administrator whatever roles are listed: said, not hidden.
            assert panel.place is not None and panel.place.may_change
            assert ("Your administrator role is gone, but Globus still counts you as administrator here (as the "
                    "guest collection's creator).") in str(panel.query_one("#roles-status").render())
    finally:  # Bob gives it back: the fixture deletes the guest as Alice
        bob.create_role(globus_sdk.GCSRoleDocument(
            collection=guest, principal=f"urn:globus:auth:identity:{ALICE_ID}", role="administrator"))


async def test_an_access_manager_is_told_at_once_that_he_cannot_take_a_role_away(
    sandbox: SandboxHandle, guest: str
) -> None:
    """Bob, access manager of Alice's guest: his Roles tab says only administrators change roles, yet d asked
    "Remove your own role … You will no longer be able to see or change … access rules" and confirming was
    refused. Now d says at once who may take roles away, without a confirmation."""
    alice = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    alice.create_role(globus_sdk.GCSRoleDocument(
        collection=guest, principal=f"urn:globus:auth:identity:{BOB_ID}", role="access_manager"))
    app = make_app(service_for(sandbox, "bob"), sharing=sharing_for(sandbox, "bob"), left=f"{guest}:/",
                   right=f"{guest}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _roles_tab(pilot)
        panel = screen.roles
        assert panel.place is not None and not panel.place.may_change
        assert [a.principal for a in panel.assignments] == [BOB_ID]
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is screen  # no confirmation: Globus would refuse what it asks
        status = str(panel.query_one("#roles-status").render())
        assert "Only an administrator of this collection may take roles away" in status, status
        assert "access_manager" in status and screen.on_roles_tab


async def test_taking_a_role_away_that_needs_a_sign_in_asks_for_it_then_takes_it(
    sandbox: SandboxHandle, bob_tc: globus_sdk.TransferClient, guest: str
) -> None:
    """QA: a failed role change said a consent or sign-in only on the status line (Delete guest had the same
    defect): d, y stopped there. Now the login opens in the app and the role is taken away after it."""
    consented = threading.Event()
    consented.set()

    def grant(scopes: list[str]) -> bool:
        consented.set()
        return True

    session = ConsentSession(grant)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox, manage_consent=consented), session=session,
                   left=f"{guest}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _roles_tab(pilot)
        panel = screen.roles
        await _give(pilot, screen, "bob@example.org")
        await wait_for(pilot, lambda: app.screen is screen and any(a.principal == BOB_ID for a in panel.assignments),
                       "Bob's role")
        (bobs,) = [a for a in panel.assignments if a.principal == BOB_ID]
        consented.clear()  # the GCS Manager's token now wants a consent (as a stored one short of it does)
        panel.table.move_cursor(row=[a.id for a in panel.assignments].index(bobs.id))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: panel.loaded and all(a.principal != BOB_ID for a in panel.assignments),
                       "Bob's role to go after the sign-in")
        assert len(session.logins) == 1
        assert api_error(lambda: bob_tc.endpoint_acl_list(guest)).http_status == 403

"""As a client identity (GTERM_CLIENT_ID/GTERM_CLIENT_SECRET): where the client is access manager of a guest
collection, gterm lists and changes that collection's rules the same way, with people named (not bare ids).

Alice makes a fresh confidential client access_manager of her GCSv5 guest through the GCS Manager (as a
collection administrator does at Globus); everything after runs in client mode over the live sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import globus_sdk
import pytest

from gterm.config import GtermConfig
from gterm.globus.errors import PermissionDenied
from gterm.globus.session import GtermSession
from gterm.sandbox.seed_ids import BOB_ID, BOB_SHARED_ID, LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.sharing import SharingScreen
from gterm.tui.screens.sharing_dialogs import AddRuleDialog
from tests.support.browser_helpers import type_text, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.sandbox_login import new_confidential_client
from tests.support.sharing_helpers import own_rules
from tests.support.transfer_helpers import unique

SIZE = (120, 40)


@pytest.fixture
def managed_guest(sandbox: SandboxHandle, alice_tc: Any) -> Iterator[tuple[str, str, str]]:
    """(guest id, robot client id, robot secret): Alice's guest with a fresh robot as its access manager."""
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    folder = f"/home/alice/{unique('robot')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    guest_id = create_guest(gcs, LAB_STORAGE_ID, folder, "Robot-managed share", public=False)
    client_id, secret = new_confidential_client(sandbox, "access manager robot")
    gcs.create_role(globus_sdk.GCSRoleDocument(collection=guest_id, role="access_manager",
                                               principal=f"urn:globus:auth:identity:{client_id}"))
    # The role manages the rules and carries read-write on / (listed with the role); a rule of its own too,
    # so the client has one to find among them.
    alice_tc.add_endpoint_acl_rule(guest_id, {"DATA_TYPE": "access", "principal_type": "identity",
                                              "principal": client_id, "path": "/", "permissions": "r"})
    yield guest_id, client_id, secret
    gcs.delete_collection(guest_id)


@pytest.fixture
def robot_session(
    managed_guest: tuple[str, str, str], gterm_dirs: Any, memory_keyring: object, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GtermSession]:
    _guest, client_id, secret = managed_guest
    monkeypatch.setenv("GTERM_CLIENT_ID", client_id)
    monkeypatch.setenv("GTERM_CLIENT_SECRET", secret)
    session = GtermSession(GtermConfig.load())
    assert session.mode == "client"
    yield session
    session.close()


def test_the_client_lists_and_changes_rules_with_names(
    managed_guest: tuple[str, str, str], robot_session: GtermSession, bob_tc: Any
) -> None:
    guest_id = managed_guest[0]
    sharing = robot_session.sharing_service()
    rule_id = sharing.add_rule(guest_id, sharing.resolve_grantee("bob@example.org"), "/", "r")
    (rule,) = [r for r in sharing.rules(guest_id) if r.principal == BOB_ID]
    assert (rule.id, rule.permissions) == (rule_id, "r")
    # Names through Auth with the client's own token (client credentials for openid profile email).
    assert sharing.principal_labels([rule])[rule_id] == "Bob Collaborator (bob@example.org)"
    assert bob_tc.operation_ls(guest_id, path="/")["DATA"] == []
    sharing.update_rule(guest_id, rule_id, permissions="rw", expires=None)
    bob_tc.operation_mkdir(guest_id, "/from-bob/")
    sharing.delete_rule(guest_id, rule_id)
    assert [r.principal for r in own_rules(sharing.rules(guest_id))] == [managed_guest[1]]
    # Where the client is not an access manager, it is told so.
    with pytest.raises(PermissionDenied, match="access manager role"):
        sharing.rules(BOB_SHARED_ID)


async def test_the_client_shares_from_the_keyboard(
    managed_guest: tuple[str, str, str], robot_session: GtermSession
) -> None:
    from gterm.tui.app import GtermApp

    guest_id = managed_guest[0]
    app = GtermApp(robot_session.transfer_service(), session=robot_session, sharing=robot_session.sharing_service(),
                   left=f"{guest_id}:/", right=f"{guest_id}:/")
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        assert main is not None
        await wait_for(pilot, lambda: not main.left_pane.fetching, "the guest's listing")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen.loaded, "the rules")
        screen = app.screen
        assert isinstance(screen, SharingScreen)
        sharing: SharingScreen = screen
        assert sharing.error is None
        (own,) = own_rules(sharing.rules)  # the robot's own read rule, by the client's name
        assert sharing.labels[own.id].endswith("@clients.auth.globus.org)")  # looked up by id, not shown bare
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
        dialog = app.screen
        assert isinstance(dialog, AddRuleDialog)
        await type_text(pilot, "bob@example.org")
        await wait_for(pilot, lambda: "bob@example.org" in dialog.matches, "Bob among the matches (Auth lookup)")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is sharing and len(own_rules(sharing.rules)) == 2, "the new rule")
        (rule,) = [r for r in sharing.rules if r.principal == BOB_ID]
        assert sharing.labels[rule.id] == "Bob Collaborator (bob@example.org)"
        sharing.table.move_cursor(row=sharing.rules.index(rule))
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: sharing.loaded and own_rules(sharing.rules) == [own], "the rule to go")

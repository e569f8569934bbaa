"""A group deleted from gterm (``g``, ``d``) while a guest collection's rules and roles still name it: the sharing
screen says it is a deleted group at once, not its old name until ctrl+r and then a bare id."""

from __future__ import annotations

import contextlib
from typing import Any

import globus_sdk

from gterm.globus.groups import GroupsService
from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.groups import GroupsScreen
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.sharing import SharingScreen
from tests.support.browser_helpers import make_app, settled, wait_for
from tests.support.gcs_helpers import gcs_client_for
from tests.support.groups_helpers import groups_client_for, no_group_left_behind
from tests.support.sharing_helpers import alice_guest, open_sharing, sharing_for
from tests.support.transfer_helpers import unique
from tests.support.transfer_live import service_for


def _group_labels(screen: SharingScreen, group_id: str) -> tuple[set[str], set[str]]:
    """What the rules (its own, and the one its role implies) and the roles call the group."""
    rules = {screen.labels[r.key] for r in screen.rules if r.principal == group_id}
    roles = {screen.roles.labels[a.id] for a in screen.roles.assignments if a.principal == group_id}
    return rules, roles


async def _sharing_with_roles(pilot: Any) -> SharingScreen:
    screen = await open_sharing(pilot)
    await pilot.press("r")
    await wait_for(pilot, lambda: screen.on_roles_tab and screen.roles.loaded, "the roles")
    return screen


async def test_a_group_deleted_in_gterm_shows_as_deleted_in_rules_and_roles_at_once(
    sandbox: SandboxHandle, alice_tc: Any
) -> None:
    """QA: after g, d on tempgrp, the guest's sharing screen still said "group tempgrp / read" and "group tempgrp
    access_manager"; after ctrl+r a bare "group a5cbd39c-…". Both now say "deleted group <id>", before and
    after ctrl+r: the rule and the role outlive the group at Globus, and still need taking away."""
    name = f"tempgrp {unique('g')}"
    with no_group_left_behind(sandbox) as client, alice_guest(sandbox, "Group rules") as guest:
        group_id = str(client.create_group({"name": name})["id"])
        try:
            alice_tc.add_endpoint_acl_rule(guest, {"DATA_TYPE": "access", "principal_type": "group",
                                                   "principal": group_id, "path": "/", "permissions": "r"})
            gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
            gcs.create_role(globus_sdk.GCSRoleDocument(
                collection=guest, principal=f"urn:globus:groups:id:{group_id}", role="access_manager"))
            groups_client = groups_client_for(sandbox, "alice")
            app = make_app(service_for(sandbox), sharing=sharing_for(sandbox),
                           groups=GroupsService(lambda: groups_client), left=f"{guest}:/", right=f"{LAB_STORAGE_ID}:/")
            async with app.run_test(size=(120, 40)) as pilot:
                sharing = await _sharing_with_roles(pilot)
                assert _group_labels(sharing, group_id) == ({f"group {name}"}, {f"group {name}"})
                await pilot.press("escape")
                await wait_for(pilot, lambda: not isinstance(app.screen, SharingScreen), "the panes")
                await settled(pilot)
                await pilot.press("g")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen) and app.screen.loaded, "groups")
                groups = app.screen
                assert isinstance(groups, GroupsScreen)
                index = [g.id for g in groups.rows].index(group_id)
                await pilot.press("home", *["down"] * index, "d")
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
                await pilot.press("enter")
                await wait_for(pilot, lambda: app.screen is groups and group_id not in [g.id for g in groups.rows],
                               "the group deleted")
                await pilot.press("escape")
                await wait_for(pilot, lambda: not isinstance(app.screen, GroupsScreen), "the panes")

                gone = f"deleted group {group_id}"
                sharing = await _sharing_with_roles(pilot)
                assert _group_labels(sharing, group_id) == ({gone}, {gone})
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda: sharing.loaded and sharing.roles.loaded
                               and _group_labels(sharing, group_id) != (set(), set()), "read again")
                assert _group_labels(sharing, group_id) == ({gone}, {gone})
        finally:
            with contextlib.suppress(globus_sdk.GroupsAPIError):  # deleted by the test when it passed
                client.delete_group(group_id)


async def test_a_group_deleted_elsewhere_is_said_to_be_deleted_or_hidden(
    sandbox: SandboxHandle, alice_tc: Any
) -> None:
    """A group Bob deleted (gterm did not see it go): after ctrl+r its rule showed a bare "group <id>", as if
    gterm had not asked. Groups is now asked for it; it answers 404 for a deleted group and for one hidden from
    the caller alike, and the rule says exactly that."""
    bob = groups_client_for(sandbox, "bob")
    group_id = str(bob.create_group({"name": f"bobs {unique('g')}"})["id"])
    bob.delete_group(group_id)
    with alice_guest(sandbox, "Bob's group rule") as guest:
        alice_tc.add_endpoint_acl_rule(guest, {"DATA_TYPE": "access", "principal_type": "group",
                                               "principal": group_id, "path": "/", "permissions": "r"})
        app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                       right=f"{LAB_STORAGE_ID}:/")
        async with app.run_test(size=(120, 40)) as pilot:
            sharing = await open_sharing(pilot)
            assert {sharing.labels[r.key] for r in sharing.rules if r.principal == group_id} == {
                f"group {group_id} (deleted, or not visible to you)"}

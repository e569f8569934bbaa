"""Snapshot tests of Sharing (``p``): a guest collection's (empty) rules with the add-rule dialog and its
live matches, and the members of the seeded lab group.

Deterministic: the guest is rooted at the snapshot tree (fixed names, sizes, mtimes), has a fixed
display name and no rules (a rule's creation date would be today's); the lab group's members are seeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gterm.globus.groups import GroupsService
from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_GROUP_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.groups import GroupMembersScreen
from gterm.tui.screens.sharing import SharingScreen
from gterm.tui.screens.sharing_dialogs import AddRuleDialog
from tests.snapshots.test_browser_snapshots import SIZE, SnapshotApp, ready, snap_service, snapshot_tree, steady
from tests.support.browser_helpers import type_text, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.groups_helpers import groups_client_for
from tests.support.sharing_helpers import sharing_for
from tests.support.sharing_scenes import pin_created

__all__ = ["snap_service", "snapshot_tree"]  # fixtures shared with the browser snapshots


@pytest.fixture(scope="module")
def snapshot_guest(sandbox: SandboxHandle, snapshot_tree: str) -> Iterator[str]:
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    guest_id = create_guest(gcs, LAB_STORAGE_ID, f"{snapshot_tree}main/", "Snapshot share", public=False)
    pin_created(sandbox, guest_id)  # the rules list behind the dialog shows their day
    yield guest_id
    gcs.delete_collection(guest_id)


def test_add_rule_with_matches(snap_compare: Any, snap_service: Any, snapshot_guest: str,
                               sandbox: SandboxHandle) -> None:
    app = SnapshotApp(snap_service, sharing=sharing_for(sandbox), left=f"{snapshot_guest}:/",
                      right=f"{snapshot_guest}:/experiments/")

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen.loaded, "the rules")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
        dialog = app.screen
        assert isinstance(dialog, AddRuleDialog)
        await type_text(pilot, "bob@example.org")
        await wait_for(pilot, lambda: "bob@example.org" in dialog.matches, "the match")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_lab_group_members(snap_compare: Any, snap_service: Any, snapshot_tree: str,
                           sandbox: SandboxHandle) -> None:
    client = groups_client_for(sandbox, "alice")
    groups = GroupsService(lambda: client)
    app = SnapshotApp(snap_service, sharing=sharing_for(sandbox), groups=groups,
                      left=f"{LAB_STORAGE_ID}:{snapshot_tree}main/", right=f"{LAB_STORAGE_ID}:{snapshot_tree}empty/")

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        app.push_screen(GroupMembersScreen(groups, groups.group(LAB_GROUP_ID), app.sharing))
        await wait_for(pilot, lambda: isinstance(app.screen, GroupMembersScreen) and app.screen.loaded, "members")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

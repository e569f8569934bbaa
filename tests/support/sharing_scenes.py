"""Fixed scenes of the sharing and groups screens: snapshot tests and screenshots/.

``seed_sharing_scene`` makes, in a private sandbox, a guest collection of Alice's on
``/home/alice/experiments/`` with three rules (Bob read-only; the lab group read/write on
``/run-001/`` until 2099-01-31; all signed-in users read-only) and three roles (Alice
administrator, which GCS gives the guest's creator; Bob access manager, the lab group
activity monitor; the first two also list as read-write on ``/`` among the rules, as Transfer
lists them). Rule and role creation times are set to a fixed day in
the sandbox's database (Transfer stamps them with today). The Pilot steps below open each
screen from the main screen with the keys a person would press; the snapshot tests and
``tests/screenshots.py`` share them, so both show the same thing.
"""

from __future__ import annotations

from typing import Any

import globus_sdk

from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_GROUP_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.browser_helpers import type_text, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.sandbox_login import identity_id, transfer_client_for

GUEST_NAME = "Alice's experiments"
GUEST_ROOT = "/home/alice/experiments/"
FIXED_CREATED = "2026-01-15T12:00:00+00:00"


def seed_sharing_scene(handle: SandboxHandle) -> str:
    """Alice's guest with its rules and roles (see the module docstring); its id."""
    bob = identity_id(handle, "bob")
    gcs = gcs_client_for(handle, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    guest = create_guest(gcs, LAB_STORAGE_ID, GUEST_ROOT, GUEST_NAME, public=False)
    alice = transfer_client_for(handle, "alice")
    for principal_type, principal, path, permissions, expires in (
        ("identity", bob, "/", "r", None),
        ("group", LAB_GROUP_ID, "/run-001/", "rw", "2099-01-31T23:59:59+00:00"),
        ("all_authenticated_users", "", "/", "r", None),
    ):
        rule: dict[str, Any] = {"DATA_TYPE": "access", "principal_type": principal_type, "principal": principal,
                                "path": path, "permissions": permissions}
        if expires:
            rule["expiration_date"] = expires
        alice.add_endpoint_acl_rule(guest, rule)
    for role, principal in (("access_manager", f"urn:globus:auth:identity:{bob}"),
                            ("activity_monitor", f"urn:globus:groups:id:{LAB_GROUP_ID}")):
        gcs.create_role(globus_sdk.GCSRoleDocument(collection=guest, role=role, principal=principal))
    pin_created(handle, guest)
    return guest


def pin_created(handle: SandboxHandle, guest: str) -> None:
    """The guest's rules and roles dated FIXED_CREATED, not the day the test runs: a snapshot shows their day.
    Roles too: Transfer lists the administrator's and the access manager's read-write on / with the role's day."""
    handle.state.db.execute("UPDATE acl_rules SET create_time = ? WHERE collection_id = ?", (FIXED_CREATED, guest))
    handle.state.db.execute("UPDATE roles SET create_time = ? WHERE target_id = ?", (FIXED_CREATED, guest))


async def mapped_scene(pilot: Any) -> None:
    """p on Lab Storage: the guest collections Alice manages there."""
    from gterm.tui.screens.sharing import SharingScreen

    app = pilot.app
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen.loaded, "the guests")


async def guest_rules_scene(pilot: Any) -> None:
    """p, then Enter on the guest: its rules, people and groups by name."""
    from gterm.tui.screens.sharing import SharingScreen

    app = pilot.app
    await mapped_scene(pilot)
    mapped = app.screen
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen is not mapped
                   and app.screen.loaded and len(app.screen.rules) == 5, "the guest's rules")


async def roles_scene(pilot: Any) -> None:
    """... then r: the Roles tab."""
    from gterm.tui.screens.sharing import SharingScreen

    await guest_rules_scene(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SharingScreen)
    await pilot.press("r")
    await wait_for(pilot, lambda: screen.roles.loaded and len(screen.roles.assignments) == 3, "the roles")


async def add_rule_refused_scene(pilot: Any) -> None:
    """... then a, an address nobody has: the dialog says so and keeps what was typed."""
    from gterm.tui.screens.sharing_dialogs import AddRuleDialog

    app = pilot.app
    await guest_rules_scene(pilot)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
    dialog = app.screen
    await type_text(pilot, "nobody@nowhere.invalid")
    await pilot.press("enter")
    await wait_for(pilot,
                   lambda: not dialog.saving and "No Globus user" in str(dialog.query_one("#rule-error").render()),
                   "the refusal")


async def groups_list_scene(pilot: Any) -> None:
    """g: the groups Alice belongs to, with her role."""
    from gterm.tui.screens.groups import GroupsScreen

    app = pilot.app
    await pilot.press("g")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen) and app.screen.loaded, "my groups")

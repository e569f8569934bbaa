"""Snapshots of issue 12's screens on a fixed scene: sharing on a mapped collection (the guests it hosts),
on a guest (its rules by name), the Roles tab, an add-rule refusal, and the groups list.

Deterministic: a private sandbox (its seeded tree has fixed bytes and mtimes, its only groups are the
seeded ones, and no other test adds guests to it), the guest, rules and roles of
tests/support/sharing_scenes.py with fixed creation days, fixed terminal size, animations and cursor
blink off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gterm.globus.groups import GroupsService
from gterm.globus.sharing import SharingService
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.snapshots.test_browser_snapshots import SIZE, SnapshotApp, after_ready
from tests.support.groups_helpers import groups_client_for
from tests.support.sandbox_login import own_sandbox, transfer_client_for
from tests.support.sharing_helpers import sharing_for
from tests.support.sharing_scenes import (
    add_rule_refused_scene,
    groups_list_scene,
    guest_rules_scene,
    mapped_scene,
    roles_scene,
    seed_sharing_scene,
)

LAB = LAB_STORAGE_ID


@pytest.fixture(scope="module")
def scene_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("sharing-snapshots")) as handle:
        seed_sharing_scene(handle)
        yield handle


@pytest.fixture(scope="module")
def services(scene_sandbox: SandboxHandle) -> tuple[TransferService, SharingService, GroupsService]:
    client = transfer_client_for(scene_sandbox, "alice")
    groups_client = groups_client_for(scene_sandbox, "alice")
    return (TransferService(lambda: client), sharing_for(scene_sandbox),
            GroupsService(lambda: groups_client))


def _app(services: tuple[TransferService, SharingService, GroupsService]) -> SnapshotApp:
    transfer, sharing, groups = services
    return SnapshotApp(transfer, sharing=sharing, groups=groups, left=f"{LAB}:/home/alice/experiments/",
                       right=f"{LAB}:/home/alice/")


def test_sharing_on_a_mapped_collection(snap_compare: Any, services: Any) -> None:
    assert snap_compare(_app(services), terminal_size=SIZE, run_before=after_ready(mapped_scene))


def test_sharing_on_a_guest_collection(snap_compare: Any, services: Any) -> None:
    assert snap_compare(_app(services), terminal_size=SIZE, run_before=after_ready(guest_rules_scene))


def test_roles_tab(snap_compare: Any, services: Any) -> None:
    assert snap_compare(_app(services), terminal_size=SIZE, run_before=after_ready(roles_scene))


def test_add_rule_refused(snap_compare: Any, services: Any) -> None:
    assert snap_compare(_app(services), terminal_size=SIZE, run_before=after_ready(add_rule_refused_scene))


def test_groups_list(snap_compare: Any, services: Any) -> None:
    assert snap_compare(_app(services), terminal_size=SIZE, run_before=after_ready(groups_list_scene))

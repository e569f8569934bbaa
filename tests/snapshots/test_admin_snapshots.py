"""Snapshots of issue 13's screens: collection details, the settings form with validation errors,
the administrator's task list with filters applied, a task's details opened from it, and the pause
rule form.

Deterministic: a private sandbox (its seeded tree has fixed bytes and mtimes, and no other test
adds tasks or pause rules to it), fixed tasks written into it (tests/support/admin_scenes.py),
a fixed collection document for the details (a live one names the sandbox's ephemeral port),
fixed terminal size, animations and cursor blink off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gterm.globus.sharing import SharingService
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.snapshots.test_browser_snapshots import SIZE, SnapshotApp, after_ready
from tests.support.admin_scenes import (
    admin_list_scene,
    admin_task_details_scene,
    details_scene,
    pause_rule_form_scene,
    seed_admin_tasks,
    settings_error_scene,
)
from tests.support.sandbox_login import own_sandbox, transfer_client_for
from tests.support.sharing_helpers import sharing_for

LAB = LAB_STORAGE_ID


@pytest.fixture(scope="module")
def admin_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("admin-snapshots")) as handle:
        seed_admin_tasks(handle)
        yield handle


@pytest.fixture(scope="module")
def alice(admin_sandbox: SandboxHandle) -> TransferService:
    client = transfer_client_for(admin_sandbox, "alice")
    return TransferService(lambda: client)


def _app(service: TransferService, sharing: SharingService | None = None) -> SnapshotApp:
    return SnapshotApp(service, sharing=sharing, left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/experiments/")


def test_collection_details(snap_compare: Any, alice: TransferService) -> None:
    assert snap_compare(_app(alice), terminal_size=SIZE, run_before=after_ready(details_scene))


def test_settings_form_with_validation_errors(snap_compare: Any, alice: TransferService) -> None:
    assert snap_compare(_app(alice), terminal_size=SIZE, run_before=after_ready(settings_error_scene))


def test_admin_task_list_with_filters(snap_compare: Any, alice: TransferService, admin_sandbox: SandboxHandle) -> None:
    sharing = sharing_for(admin_sandbox)  # owners named as in the app
    assert snap_compare(_app(alice, sharing), terminal_size=SIZE, run_before=after_ready(admin_list_scene))


def test_admin_task_details(snap_compare: Any, alice: TransferService) -> None:
    assert snap_compare(_app(alice), terminal_size=SIZE, run_before=after_ready(admin_task_details_scene))


def test_pause_rule_form(snap_compare: Any, alice: TransferService) -> None:
    assert snap_compare(_app(alice), terminal_size=SIZE, run_before=after_ready(pause_rule_form_scene))

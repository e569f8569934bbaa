"""Regenerate screenshots/*.svg from the app itself.

    python -m tests.screenshots [--out screenshots]

Starts a private sandbox in a temporary directory, signs in as the demo user
Alice through the real login flow, drives gterm headless with Textual's Pilot
and saves each screen with ``App.save_screenshot``. Nothing is drawn by hand,
so the pictures in README.md always show the real app.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from gterm.globus.groups import GroupsService
from gterm.globus.https_access import HttpsAccess
from gterm.globus.sharing import SharingService
from gterm.globus.transfer import TransferService, wait_for_task
from gterm.globus.transfer_requests import TransferItem, TransferRequest
from gterm.sandbox.seed_ids import BOB_ID, LAB_STORAGE_ID
from gterm.tui.app import GtermApp
from gterm.tui.screens.collection_picker import CollectionPicker
from gterm.tui.screens.help import HelpScreen
from gterm.tui.screens.prompts import ConfirmPrompt
from tests.support.admin_scenes import seed_admin_tasks
from tests.support.browser_helpers import cursor_to, f5_to_this_computer, settled, type_text, wait_for
from tests.support.groups_helpers import groups_client_for
from tests.support.sandbox_login import LoginHttpsTokens, own_sandbox, transfer_client_for
from tests.support.sharing_helpers import sharing_for
from tests.support.sharing_scenes import seed_sharing_scene

HERE = Path(__file__).resolve().parent
SIZE = (120, 36)
LAB = LAB_STORAGE_ID
Scene = Callable[[Any], Awaitable[None]]


async def ready(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None, "left listing")
    await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None, "right listing")
    await settled(pilot)
    await pilot.pause(1.0)  # let the task panel finish its first refresh


async def main_scene(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("down", "down", "down")


async def selection_scene(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("ctrl+l")
    pilot.app.main_screen.left_pane.path_bar.value = ""
    await type_text(pilot, "/home/alice/experiments/run-001/")
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.main_screen.left_pane.path == "/home/alice/experiments/run-001/")
    await settled(pilot)
    await pilot.press("down", "space", "space")


async def filter_scene(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("ctrl+l")
    pilot.app.main_screen.left_pane.path_bar.value = ""
    await type_text(pilot, "/home/alice/many-files/")
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.main_screen.left_pane.path == "/home/alice/many-files/")
    await settled(pilot)
    await pilot.press("slash")
    await type_text(pilot, "file-29*")


async def picker_scene(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CollectionPicker), "picker")
    picker = pilot.app.screen
    picker.query_one("#picker-scopes").active = "scope-all"
    picker.query_one("#picker-search").focus()
    await type_text(pilot, "a")
    await wait_for(pilot, lambda: picker._query == ("all", "a") and len(picker.results) > 1, "results")


async def delete_scene(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("down", "space", "space")
    await pilot.press("f8")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmPrompt), "confirm")


async def viewer_scene(pilot: Any) -> None:
    from gterm.tui.screens.viewer import FileViewer

    await ready(pilot)
    await cursor_to(pilot, pilot.app.main_screen.left_pane, "results.csv")
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FileViewer), "viewer")
    await wait_for(pilot, lambda: pilot.app.screen.page_shown is not None, "the first page")


async def details_scene(pilot: Any) -> None:
    from gterm.tui.screens.collection_info import CollectionInfo

    await ready(pilot)
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CollectionInfo), "details")
    await wait_for(pilot, lambda: pilot.app.screen.details is not None, "the document")


async def settings_scene(pilot: Any) -> None:
    """i, e on Lab Storage: two bad values named under their fields after ctrl+s (nothing sent)."""
    from tests.support.admin_scenes import edit_with_errors

    await details_scene(pilot)
    await edit_with_errors(pilot)


async def admin_scene(pilot: Any) -> None:
    """m: Bob's tasks on Lab Storage (seeded by seed_admin_tasks), whatever their status."""
    from tests.support.admin_scenes import admin_list_scene

    await ready(pilot)
    await admin_list_scene(pilot)


async def admin_details_scene(pilot: Any) -> None:
    """m, then Enter on a task of Bob's: its details and events, read as Lab Storage's administrator."""
    from tests.support.admin_scenes import admin_task_details_scene

    await ready(pilot)
    await admin_task_details_scene(pilot)


async def pause_rule_scene(pilot: Any) -> None:
    from tests.support.admin_scenes import pause_rule_form_scene

    await ready(pilot)
    await pause_rule_form_scene(pilot)


async def help_scene(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("f1")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "help")


async def sharing_scene(pilot: Any) -> None:
    """p on a folder of Lab Storage, s shares it, a adds a rule: Bob's name matches as his username is typed."""
    from gterm.tui.screens.sharing import SharingScreen
    from gterm.tui.screens.sharing_dialogs import AddRuleDialog

    await ready(pilot)
    app = pilot.app
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen.loaded, "sharing")
    await pilot.press("s")
    await wait_for(pilot, lambda: not isinstance(app.screen, SharingScreen), "the name prompt")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen.mode == "rules"
                   and app.screen.loaded, "the new guest's rules")
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
    await type_text(pilot, "bob@example.org")
    await wait_for(pilot, lambda: "bob@example.org" in app.screen.matches, "Bob's match")


async def sharing_rules_scene(pilot: Any) -> None:
    """p on Lab Storage, Enter on Alice's guest: its rules, people and groups by name."""
    from tests.support.sharing_scenes import guest_rules_scene

    await ready(pilot)
    await guest_rules_scene(pilot)


async def sharing_roles_scene(pilot: Any) -> None:
    """... then r: who administers the guest or manages its access."""
    from tests.support.sharing_scenes import roles_scene

    await ready(pilot)
    await roles_scene(pilot)


async def groups_scene(pilot: Any) -> None:
    """g, Enter: the lab group's members by name, role and status."""
    from gterm.tui.screens.groups import GroupMembersScreen, GroupsScreen

    await ready(pilot)
    app = pilot.app
    await pilot.press("g")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen) and app.screen.loaded, "groups")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupMembersScreen) and app.screen.loaded, "members")


LOCAL_HOME = Path("/tmp/gterm-screenshots/alice")
"""This computer's side of the local-pane picture (a fixed path, since the path bar shows it)."""


def make_local_home() -> None:
    import shutil

    shutil.rmtree(LOCAL_HOME, ignore_errors=True)
    (LOCAL_HOME / "papers").mkdir(parents=True)
    (LOCAL_HOME / "papers" / "draft.tex").write_text("\\documentclass{article}\n")
    (LOCAL_HOME / "analysis.py").write_text("import numpy as np\n" * 40)
    (LOCAL_HOME / "notes.md").write_text("# Notes\n" * 30)


async def local_pane_scene(pilot: Any) -> None:
    """This computer on the left; F5 downloads a directory from Lab Storage into it."""
    await ready(pilot)
    screen = pilot.app.main_screen
    await pilot.press("tab")
    await cursor_to(pilot, screen.right_pane, "run-001")
    await f5_to_this_computer(pilot)
    await wait_for(
        pilot, lambda: any(t.type == "DOWNLOAD" and not t.is_active for t in screen.task_panel.tasks), "download"
    )
    await wait_for(pilot, lambda: "run-001" in [e.name for e in screen.left_pane.listing.entries], "listed")
    await settled(pilot)


SCENES: dict[str, tuple[str, str, Scene]] = {
    "main": ("/home/alice/", "/home/alice/experiments/", main_scene),
    "selection": ("/home/alice/", "/projects/climate/data/", selection_scene),
    "filter": ("/home/alice/", "/projects/climate/", filter_scene),
    "collection-picker": ("/home/alice/", "/projects/", picker_scene),
    "delete-confirm": ("/home/alice/experiments/run-002/", "/projects/", delete_scene),
    "help": ("/home/alice/", "/projects/", help_scene),
    "viewer": ("/home/alice/experiments/run-001/", "/projects/climate/", viewer_scene),
    "collection-details": ("/home/alice/", "/projects/", details_scene),
    "collection-settings": ("/home/alice/", "/projects/", settings_scene),
    "admin-tasks": ("/home/alice/", "/projects/", admin_scene),
    "admin-task-details": ("/home/alice/", "/projects/", admin_details_scene),
    "pause-rule-form": ("/home/alice/", "/projects/", pause_rule_scene),
    "local-pane": (f"local:{LOCAL_HOME}", "/home/alice/experiments/", local_pane_scene),
    "sharing-rules": ("/home/alice/experiments/", "/projects/", sharing_rules_scene),
    "sharing-roles": ("/home/alice/experiments/", "/projects/", sharing_roles_scene),
    "sharing-add-rule": ("/home/alice/experiments/", "/projects/", sharing_scene),
    "groups-members": ("/home/alice/", "/projects/", groups_scene),
}


def seed_a_task(service: TransferService) -> None:
    """One finished transfer, so the task panel shows what it looks like."""
    request = TransferRequest(
        source_collection=LAB,
        destination_collection=LAB,
        items=[TransferItem("/home/alice/experiments/run-001/", "/projects/climate/run-001-copy/", True)],
        label="Copy run-001 to the climate project",
    )
    task_id = service.submit_transfer(request)
    wait_for_task(service, task_id, timeout=60)


async def shoot(
    service: TransferService, https: HttpsAccess, out: Path, sharing: SharingService, groups: GroupsService,
    only: set[str] | None = None,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    make_local_home()
    for name, (left, right, scene) in SCENES.items():
        if only and name not in only:
            continue
        where = left if left.startswith("local:") else f"{LAB}:{left}"
        app = GtermApp(service, left=where, right=f"{LAB}:{right}", https=https, sharing=sharing, groups=groups)
        async with app.run_test(size=SIZE) as pilot:
            await scene(pilot)
            await pilot.pause(0.3)
            path = app.save_screenshot(f"{name}.svg", str(out))
            print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HERE.parent / "screenshots")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="regenerate only this picture (repeatable; its name without .svg)")
    args = parser.parse_args()
    only = set(args.only or ())
    with tempfile.TemporaryDirectory(prefix="gterm-shots-") as data_dir:
        with own_sandbox(Path(data_dir)) as sandbox:  # the SDK points at it and trusts its CA
            client = transfer_client_for(sandbox, "alice")
            service = TransferService(lambda: client)
            started = time.monotonic()
            seed_a_task(service)
            seed_admin_tasks(sandbox, owners=[BOB_ID])  # the administrator's view (Alice's panel stays as it was)
            seed_sharing_scene(sandbox)  # a guest of Alice's with rules and roles (sharing-rules, sharing-roles)
            group_client = groups_client_for(sandbox, "alice")
            groups = GroupsService(lambda: group_client)
            sharing = sharing_for(sandbox)
            asyncio.run(shoot(service, HttpsAccess(LoginHttpsTokens(sandbox)), args.out, sharing, groups, only))
    # The transfer screens (dialog, task panel, details) come from fixed data with a frozen clock.
    try:
        from tests.support.transfer_scenes import save_screenshots
    except ImportError:
        print("tests/transfer_scenes.py not found: transfer screenshots skipped")
    else:
        for path in save_screenshots(args.out, only or None):
            print(f"wrote {path}")
    print(f"done in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()

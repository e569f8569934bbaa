"""Fixed scenes of the collection and administrator screens: snapshot tests and screenshots/.

- ``GUEST_DOCUMENT``: a GCSv5 guest collection's Transfer document with every
  metadata field set and fixed URLs (a live one names the sandbox's ephemeral port);
- ``seed_admin_tasks``: finished tasks of Bob's and Alice's on Lab Storage with fixed
  ids, times and counters, written straight into a sandbox's task table (submitting
  them would run the engine and stamp them with today's clock);
- the Pilot steps that open each screen, shared by the snapshot tests and
  ``tests/screenshots.py`` so both show the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.widgets import Checkbox, DataTable, Input, Select

from gterm.globus.collection_details import CollectionDetails, details_from
from gterm.sandbox import tasks_store
from gterm.sandbox.seed_ids import ALICE_ID, BOB_ID, BOB_USERNAME, HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.admin_tasks import AdminTasksScreen
from gterm.tui.screens.collection_info import CollectionInfo
from gterm.tui.screens.collection_settings import CollectionSettingsForm
from gterm.tui.screens.pause_rules import PauseRuleForm, PauseRulesScreen
from gterm.tui.screens.task_details import TaskDetailsScreen
from tests.support.browser_helpers import clear_and_type, field_problems, type_text, wait_for

GUEST_ID = "5d1c7a0e-2b4f-4c39-9e61-0f7a8b3c2d14"
LAB_ENDPOINT_NAME = "Example Lab GCS Endpoint"
LAB_ENDPOINT = "4296666a-e755-4071-a034-86f8827a7ebf"

GUEST_DOCUMENT: dict[str, Any] = {
    "DATA_TYPE": "endpoint",
    "id": GUEST_ID,
    "display_name": "Alice's climate share",
    "entity_type": "GCSv5_guest_collection",
    "owner_id": LAB_ENDPOINT,
    "owner_string": f"{LAB_ENDPOINT}@clients.auth.globus.org",
    "non_functional_endpoint_id": LAB_ENDPOINT,
    "non_functional_endpoint_display_name": LAB_ENDPOINT_NAME,
    "host_endpoint_id": LAB_STORAGE_ID,
    "host_endpoint_display_name": "Lab Storage",
    "mapped_collection_id": LAB_STORAGE_ID,
    "mapped_collection_display_name": "Lab Storage",
    "host_path": "/projects/climate/",
    "description": "Climate model runs, shared with the project's partners.",
    "organization": "Example University",
    "department": "Physics",
    "keywords": "climate,models,shared",
    "contact_email": "alice@example.org",
    "contact_info": "Room 4.12, Physics building",
    "info_link": "https://example.org/climate",
    "user_message": "New runs land every Monday.",
    "user_message_link": "https://example.org/climate/schedule",
    "default_directory": "/",
    "https_server": "https://g-1a2b3c.data.example.org",
    "gcs_manager_url": "https://lab-gcs.example.org",
    "public": True,
    "high_assurance": False,
    "force_encryption": True,
    "force_verify": False,
    "disable_verify": False,
    "my_effective_roles": ["administrator", "activity_manager", "activity_monitor"],
    "acl_editable": True,
    "in_use": True,
    "last_accessed_time": "2026-01-19T08:30:00+00:00",
    "subscription_id": "964be8f5-5f9b-11e4-b64e-12313940394d",
}


def guest_details() -> CollectionDetails:
    return details_from(GUEST_DOCUMENT)


def open_guest_details(app: Any) -> CollectionInfo:
    """The details screen of ``GUEST_DOCUMENT``, with the app's own settings service behind ``e``."""
    screen = CollectionInfo(GUEST_DOCUMENT["display_name"], guest_details, settings=app.settings)
    app.push_screen(screen)
    return screen


async def details_scene(pilot: Any) -> None:
    app = pilot.app
    info = open_guest_details(app)
    await wait_for(pilot, lambda: app.screen is info and info.details is not None, "the details")


async def settings_error_scene(pilot: Any) -> None:
    await details_scene(pilot)
    await edit_with_errors(pilot)


async def edit_with_errors(pilot: Any) -> None:
    """``e`` on the details; a contact email without a domain and a link without a scheme; ctrl+s."""
    app = pilot.app
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, CollectionSettingsForm), "the settings form")
    form = app.screen
    await clear_and_type(pilot, form.query_one("#field-contact_email", Input), "alice@example")
    await clear_and_type(pilot, form.query_one("#field-info_link", Input), "example.org/climate")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: len(field_problems(form)) == 2, "both problems under their fields")


# -- the administrator's view --------------------------------------------------------------------

TASK_BASE = datetime(2026, 1, 20, 9, 0, tzinfo=UTC).timestamp()
_COUNTER_COLUMNS = ("files", "files_transferred", "bytes_transferred", "faults", "subtasks_total",
                    "subtasks_succeeded", "subtasks_failed")


def admin_task_rows() -> list[dict[str, Any]]:
    """Twelve finished tasks on Lab Storage: eight of Bob's, four of Alice's, two of Bob's failed."""
    rows = []
    for n in range(12):
        bob = n % 3 != 2
        failed = n in (1, 7)
        files = 3 + (n * 7) % 40
        done = files - 2 if failed else files
        to_hpc = n % 2 == 0
        rows.append({
            "task_id": f"a0d1e2f3-0000-4000-8000-{n:012d}",
            "owner_id": BOB_ID if bob else ALICE_ID,
            "username": "bob" if bob else "alice",
            "type": "TRANSFER",
            "status": "FAILED" if failed else "SUCCEEDED",
            "label": f"{'Bob' if bob else 'Alice'}: run-{n + 1:03d} {'to HPC' if to_hpc else 'archive'}",
            "submission_id": f"b0d1e2f3-0000-4000-8000-{n:012d}",
            "request_time": TASK_BASE + n * 2220,
            "start_time": TASK_BASE + n * 2220 + 1,
            "completion_time": TASK_BASE + n * 2220 + 300,
            "source_endpoint_id": LAB_STORAGE_ID,
            "source_display_name": "Lab Storage",
            "destination_endpoint_id": HPC_SCRATCH_ID if to_hpc else LAB_STORAGE_ID,
            "destination_display_name": "HPC Scratch" if to_hpc else "Lab Storage",
            "options": json.dumps({}),
            "items": json.dumps([{"source_path": f"/home/x/run-{n + 1:03d}/", "destination_path": "/archive/"}]),
            "planned": 1,
            "files": files,
            "files_transferred": done,
            "bytes_transferred": done * (1 << 20) * (1 + n % 5),
            "faults": 3 if failed else n % 2,
            "subtasks_total": files,
            "subtasks_succeeded": done,
            "subtasks_failed": files - done,
            "fatal_error": json.dumps({"code": "PERMISSION_DENIED", "description": "permission denied"})
            if failed else None,
            "nice_status": None,
        })
    return rows


def seed_admin_tasks(sandbox: SandboxHandle, owners: Collection[str] = (BOB_ID, ALICE_ID)) -> None:
    """Write ``admin_task_rows()`` of these owners into the sandbox's task table."""
    rows = [row for row in admin_task_rows() if row["owner_id"] in owners]
    columns = list(rows[0])
    with sandbox.state.db.transaction() as conn:
        conn.executemany(
            f"INSERT INTO tasks ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(row[c] for c in columns) for row in rows],
        )
    for row in rows:  # each task's event log: started, (a refused file and the end) or success
        started, ended, task_id = row["start_time"], row["completion_time"], row["task_id"]
        tasks_store.add_event(sandbox.state.db, task_id, "STARTED", "started", when=started)
        if row["status"] == "FAILED":
            path = json.loads(row["items"])[0]["source_path"] + "secret.dat"
            tasks_store.add_event(sandbox.state.db, task_id, "PERMISSION_DENIED", "permission denied",
                                  {"path": path, "error": "Permission denied"}, is_error=True, when=started + 200)
            tasks_store.add_event(sandbox.state.db, task_id, "FAILED", "failed", when=ended)
        else:
            tasks_store.add_event(sandbox.state.db, task_id, "SUCCEEDED", "succeeded", when=ended)


async def admin_list_scene(pilot: Any) -> AdminTasksScreen:
    """``m``; the filters: Lab Storage, any status, Bob's tasks only; the cursor on the fourth."""
    app = pilot.app
    await pilot.press("m")
    await wait_for(pilot, lambda: isinstance(app.screen, AdminTasksScreen), "the administrator's view")
    admin = app.screen
    assert isinstance(admin, AdminTasksScreen)
    await wait_for(pilot, lambda: any(e.id == LAB_STORAGE_ID for e in admin.endpoints), "the endpoints")
    # The owner first (Enter lists with it): a filter Select changed while the id is half typed
    # would list with half an id.
    admin.query_one("#filter-owner", Input).focus()
    await pilot.pause()
    await type_text(pilot, BOB_ID)
    await pilot.press("enter")
    if app.sharing is not None:  # the id lists at once; the field names Bob once Auth has answered
        owner = admin.query_one("#filter-owner", Input)
        await wait_for(pilot, lambda: owner.value == BOB_USERNAME, "Bob's username in the owner filter")
    await wait_for(pilot, lambda: not admin.fetching, "the running tasks of Bob's")
    admin.query_one("#filter-endpoint", Select).value = LAB_STORAGE_ID
    await pilot.pause()
    admin.query_one("#filter-status", Select).value = "all"
    bobs = sum(1 for row in admin_task_rows() if row["owner_id"] == BOB_ID)
    await wait_for(pilot, lambda: not admin.fetching and len(admin.items) == bobs, "Bob's tasks only")
    await pilot.press("down", "down", "down")

    def laid_out() -> bool:
        # The rows in (an empty table's columns "fit" too: a late reload clears it), sized to their cells.
        return not admin.fetching and admin.table.row_count == bobs and columns_fit(admin.table)

    await wait_for(pilot, laid_out, "the columns sized to their cells")
    # Widths known is not widths drawn: Textual's DataTable caches a rendered cell under a key without
    # its width, so a cell drawn before the table measured its rows (on a loaded machine) stays clipped
    # to the header's width. A resize empties those caches; resized back, the picture is the same size.
    width, height = pilot.app.size
    await pilot.resize_terminal(width + 1, height)
    await pilot.resize_terminal(width, height)
    await wait_for(pilot, laid_out, "still laid out")
    await pilot.pause()
    return admin


def columns_fit(table: DataTable[Any]) -> bool:
    """A DataTable widens its columns to new rows on a later idle: until then a picture clips them."""
    for index, column in enumerate(table.ordered_columns):
        cells = table.get_column_at(index)
        widest = max((cell.cell_len if isinstance(cell, Text) else len(str(cell)) for cell in cells), default=0)
        if column.content_width < widest:
            return False
    return True


async def admin_task_details_scene(pilot: Any) -> None:
    """Enter on Bob's failed run-008 in the administrator's view: its details, read as an administrator."""
    app = pilot.app
    admin = await admin_list_scene(pilot)
    await pilot.press("up", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailsScreen), "the task's details")
    details = app.screen
    assert isinstance(details, TaskDetailsScreen) and details.data.task.label == "Bob: run-008 archive"
    await wait_for(pilot, lambda: details.data.pause_info is not None and len(details.data.events) == 3,
                   "its events and pause info")
    events = details.query_one("#events-table", DataTable)
    await wait_for(pilot, lambda: events.row_count == 3 and columns_fit(events), "the events laid out")
    del admin


async def pause_rule_form_scene(pilot: Any) -> None:
    """``u`` in the administrator's view, ``n``: a rule pausing listings and writes for everyone."""
    app = pilot.app
    await admin_list_scene(pilot)
    await pilot.press("u")
    await wait_for(pilot, lambda: isinstance(app.screen, PauseRulesScreen) and app.screen.loaded, "the rules")
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, PauseRuleForm), "the pause rule form")
    form = app.screen
    await type_text(pilot, "Storage upgrade: listings and writes pause until 18:00 UTC")
    for key in ("pause_ls", "pause_mkdir", "pause_task_transfer_write"):
        form.query_one(f"#rule-{key}", Checkbox).value = True
    form.query_one("#rule-start", Input).value = "2026-12-24 14:00"
    form.query_one("#rule-message", Input).focus()

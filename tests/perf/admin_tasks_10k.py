"""The administrator's view with 10,000 tasks on one endpoint (prints figures, asserts nothing).

Starts an in-process sandbox, seeds 10,000 finished tasks of Bob's on Lab
Storage straight into its task table (submitting them would time the engine,
not the view), then as Alice, who administers Lab Storage:

- raw SDK: ``endpoint_manager_task_list`` paged by ``last_key`` through all
  10,000 (1,000 a page), and its first page alone;
- gterm: ``m`` in a headless app (Pilot), time until the first page is on
  screen; then the cursor walked to the last task (ctrl+End, repeatedly, as the
  view fetches the next page near the end) with the keypress-to-frame time of
  single moves in the middle of 10,000 loaded rows; then a filter change
  (status running -> succeeded -> all) timed until its first page shows.

Run:  python -m tests.perf.admin_tasks_10k [--tasks 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from textual.widgets import Select

from gterm.globus.endpoint_manager import PAGE_SIZE
from gterm.sandbox.seed_ids import BOB_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.app import GtermApp
from gterm.tui.screens.admin_tasks import AdminTasksScreen
from tests.support.sandbox_login import own_sandbox, transfer_client_for
from tests.support.transfer_live import service_for


def seed_tasks(sandbox: SandboxHandle, count: int) -> None:
    now = time.time()
    rows = [
        (
            str(uuid.uuid4()), BOB_ID, "bob", "TRANSFER", "SUCCEEDED", f"seeded {n:05d}", str(uuid.uuid4()),
            now - count + n, now - count + n + 0.5, LAB_STORAGE_ID, "Lab Storage", LAB_STORAGE_ID, "Lab Storage",
            json.dumps({}), json.dumps([{"source_path": "/home/bob/a", "destination_path": "/home/bob/b"}]),
        )
        for n in range(count)
    ]
    with sandbox.state.db.transaction() as conn:
        conn.executemany(
            """INSERT INTO tasks (task_id, owner_id, username, type, status, label, submission_id,
                   request_time, completion_time, source_endpoint_id, source_display_name,
                   destination_endpoint_id, destination_display_name, options, items)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )


def raw_sdk(sandbox: SandboxHandle) -> tuple[float, float, int]:
    client = transfer_client_for(sandbox, "alice")
    client.endpoint_manager_task_list(filter_endpoint=LAB_STORAGE_ID, query_params={"limit": 1})  # warm
    started = time.perf_counter()
    client.endpoint_manager_task_list(filter_endpoint=LAB_STORAGE_ID, query_params={"limit": PAGE_SIZE})
    first = time.perf_counter() - started
    started = time.perf_counter()
    total = 0
    for page in client.paginated.endpoint_manager_task_list(
        filter_endpoint=LAB_STORAGE_ID, query_params={"limit": PAGE_SIZE}
    ):
        total += len(page["DATA"])
    return first, time.perf_counter() - started, total


async def through_gterm(sandbox: SandboxHandle, count: int) -> None:
    app = GtermApp(service_for(sandbox, "alice"), left=f"{LAB_STORAGE_ID}:/home/alice/",
                   right=f"{LAB_STORAGE_ID}:/home/alice/")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait(pilot, lambda: app.main_screen is not None and not app.main_screen.workers)
        started = time.perf_counter()
        await pilot.press("m")
        await wait(pilot, lambda: isinstance(app.screen, AdminTasksScreen) and bool(app.screen.endpoints))
        admin = app.screen
        assert isinstance(admin, AdminTasksScreen)
        admin.query_one("#filter-status", Select).value = "all"
        admin.query_one("#filter-endpoint", Select).value = LAB_STORAGE_ID
        await wait(pilot, lambda: not admin.fetching and len(admin.items) > 0)
        await pilot.pause()
        print(f"gterm m -> first page on screen      {time.perf_counter() - started:.3f} s "
              f"({len(admin.items):,} rows, endpoint and status filters set)")

        admin.table.focus()
        await pilot.pause()
        started = time.perf_counter()
        for _ in range(-(-count // PAGE_SIZE) + 2):
            if len(admin.items) >= count:
                break
            await pilot.press("ctrl+end")
            await pilot.pause()
            await wait(pilot, lambda: not admin.fetching)
        await pilot.press("ctrl+end")
        print(f"gterm ctrl+End to the last of {len(admin.items):,}      {time.perf_counter() - started:.3f} s "
              f"({-(-len(admin.items) // PAGE_SIZE)} pages fetched as the cursor neared each end)")

        admin.table.move_cursor(row=len(admin.items) // 2)
        await pilot.pause()
        moves: list[float] = []
        for _ in range(40):
            started = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            moves.append(time.perf_counter() - started)
        print(f"gterm one row down ({len(admin.items):,} loaded)     median {statistics.median(moves) * 1000:.1f} ms   "
              f"max {max(moves) * 1000:.1f} ms")

        for status in ("succeeded", "running", "all"):
            started = time.perf_counter()
            admin.query_one("#filter-status", Select).value = status
            await pilot.pause()
            await wait(pilot, lambda: not admin.fetching)
            print(f"gterm filter status={status:<10}       {time.perf_counter() - started:.3f} s "
                  f"({len(admin.items):,} rows on the first page)")


async def wait(pilot: object, condition: object, limit: float = 60.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await pilot.pause(0.01)  # type: ignore[attr-defined]  # a textual Pilot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gterm-perf-") as tmp, own_sandbox(Path(tmp)) as sandbox:
        started = time.perf_counter()
        seed_tasks(sandbox, args.tasks)
        print(f"seeded {args.tasks:,} tasks in {time.perf_counter() - started:.2f} s")
        first, whole, total = raw_sdk(sandbox)
        print(f"raw SDK first page ({PAGE_SIZE})          {first:.3f} s")
        print(f"raw SDK all pages by last_key        {whole:.3f} s ({total:,} tasks)")
        asyncio.run(through_gterm(sandbox, args.tasks))
        print(f"load average                         {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

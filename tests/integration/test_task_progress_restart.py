"""A task's progress after both ends restart: the sandbox from its data dir, gterm from its state file.

What the panel showed for a finished task (files and bytes) is what it shows
after the Transfer service and gterm have both restarted, and what the
unmodified globus-cli's `globus task show` prints for it. The sandbox keeps its
task documents (every counter of the SUCCEEDED and FAILED tasks unchanged
across its restart); gterm kept the byte total it knew at submit only in
memory, so after a restart a one-file task read ``1/1`` (done) or ``0/1``
(cancelled mid-file) where it had read ``20.5 kB/20.5 kB`` and ``131 kB/2.1 MB``.

Real sandbox (its own, slowed, then restarted on the same data dir), real SDK
over TLS, real GtermApp and state file, real globus-cli (skipped without one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from gterm.config import GtermConfig
from gterm.globus.transfer import wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui import task_format as fmt
from tests.support.browser_helpers import make_app, settled, wait_for
from tests.support.globus_cli import logged_in
from tests.support.panel_rows import f5_one, panel_of, panel_row, panel_shows, restarted
from tests.support.sandbox_login import own_sandbox, transfer_client_for
from tests.support.transfer_live import make_lab_dir, service_for

SIZE = (140, 36)
SLOW = 64 * 1024  # bytes per second per task, before the restart
BIG = 2 * 1024 * 1024  # half a minute at SLOW: cancelled part way through
SMALL = 20 * 1024


@dataclass
class Restart:
    """Two finished tasks as the panel and Transfer showed them before and after the restarts."""

    sandbox: SandboxHandle  # the restarted one, still running
    small: str
    big: str
    rows_before: dict[str, dict[str, str]]
    rows_after: dict[str, dict[str, str]]
    docs_before: dict[str, dict[str, Any]]
    docs_after: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
async def restart(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Restart]:
    data_dir = tmp_path_factory.mktemp("restart-sandbox")
    config = GtermConfig()
    config.path = tmp_path_factory.mktemp("restart-gterm") / "config.toml"
    with own_sandbox(data_dir, slow=SLOW) as first:
        _, src = make_lab_dir(first, {"big.bin": b"\0" * BIG, "small.bin": b"\1" * SMALL})
        _, dst = make_lab_dir(first)
        service = service_for(first)
        app = make_app(service, config=config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.main_screen.left_pane.path == src, "the source")
            await settled(pilot)
            small = await f5_one(pilot, app, "small.bin")
            big = await f5_one(pilot, app, "big.bin")
            panel = panel_of(app)
            await wait_for(pilot, lambda: any(t.task_id == big and t.bytes_transferred > 0 for t in panel.tasks),
                           "the big file part way through")
            service.cancel(big)
            for task_id in (small, big):
                wait_for_task(service, task_id, timeout=60)
            panel.refresh_tasks()
            await wait_for(pilot, lambda: not any(t.task_id in (small, big) and t.is_active for t in panel.tasks),
                           "both ends in the panel")
            rows_before = {task_id: panel_row(app, task_id) for task_id in (small, big)}
        tc = transfer_client_for(first)
        docs_before = {task_id: tc.get_task(task_id).data for task_id in (small, big)}
    with own_sandbox(data_dir) as second:  # the same data dir, a new port
        service = service_for(second)
        app = make_app(service, config=restarted(config))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: panel_shows(app, small, big), "the tasks after both restarts")
            rows_after = {task_id: panel_row(app, task_id) for task_id in (small, big)}
        tc = transfer_client_for(second)
        docs_after = {task_id: tc.get_task(task_id).data for task_id in (small, big)}
        yield Restart(second, small, big, rows_before, rows_after, docs_before, docs_after)


def test_finished_tasks_read_the_same_after_the_sandbox_and_gterm_restart(restart: Restart) -> None:
    assert restart.docs_after == restart.docs_before  # Transfer's side: every counter kept
    small, big = restart.docs_after[restart.small], restart.docs_after[restart.big]
    assert (small["status"], small["files"], small["files_transferred"], small["bytes_transferred"]) == (
        "SUCCEEDED", 1, 1, SMALL)
    assert (big["status"], big["files"], big["files_transferred"], big["subtasks_canceled"]) == ("FAILED", 1, 0, 1)
    assert 0 < big["bytes_transferred"] < BIG  # what moved before the cancel
    assert restart.rows_after == restart.rows_before  # gterm's side: every cell as it was
    moved = fmt.human_bytes(big["bytes_transferred"])
    assert restart.rows_after[restart.big]["progress"].endswith(f" {moved}/{fmt.human_bytes(BIG)}")
    assert restart.rows_after[restart.small]["progress"].endswith(f" {fmt.human_bytes(SMALL)}/{fmt.human_bytes(SMALL)}")


def test_the_panel_agrees_with_globus_task_show(restart: Restart, tmp_path_factory: pytest.TempPathFactory) -> None:
    cli = logged_in(restart.sandbox, tmp_path_factory, "alice")
    for task_id in (restart.small, restart.big):
        shown = cli.json("task", "show", task_id)
        row = restart.rows_after[task_id]
        assert row["bytes"] == fmt.human_bytes(shown["bytes_transferred"])  # "Bytes Transferred"
        assert row["rate"] == fmt.human_rate(shown["effective_bytes_per_second"])  # "Bytes Per Second"
        assert row["status"].split()[0] == shown["status"]
        assert f" {fmt.human_bytes(shown['bytes_transferred'])}/" in row["progress"]  # bytes moved of the total
        assert shown["files"] == 1 and shown["subtasks_total"] == 1

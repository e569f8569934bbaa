"""The task engine under stress: slow transfers (--slow), cancel, deadline, restart, faults (--fault-rate).

These need sandboxes configured differently from the session one, so each
module fixture starts its own in-process server with its own data dir, and
tests talk to it with real SDK clients over loopback like everywhere else.
No timing asserts: tests wait for states, never for durations.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import globus_sdk
import pytest

from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import own_sandbox, transfer_client_for
from tests.support.tasks_helpers import LAB, events, tree, wait_done, wait_until, workdir, write

SLOW = 256 * 1024  # bytes per second per task


@pytest.fixture(scope="module")
def slow_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("slow"), slow=SLOW) as handle:
        yield handle


@pytest.fixture(scope="module")
def slow_tc(slow_sandbox: SandboxHandle) -> globus_sdk.TransferClient:
    return transfer_client_for(slow_sandbox)


def _submit(tc: globus_sdk.TransferClient, src: str, dst: str, **options: object) -> str:
    data = globus_sdk.TransferData(LAB, LAB, **options)  # type: ignore[arg-type]
    data.add_item(src, dst, recursive=src.endswith("/"))
    return str(tc.submit_transfer(data)["task_id"])


def _no_partials(directory: Path) -> bool:
    return not any(name.startswith(".gterm-") for _, _, files in os.walk(directory) for name in files)


def test_progress_is_live_while_a_slow_task_runs(slow_sandbox, slow_tc):
    base, disk = workdir(slow_sandbox, "live")
    write(disk / "big.bin", os.urandom(4 * SLOW))
    task_id = _submit(slow_tc, base + "big.bin", base + "copy.bin")
    first = wait_until(slow_tc, task_id, lambda t: t["bytes_transferred"] > 0)
    second = wait_until(slow_tc, task_id, lambda t: t["bytes_transferred"] > first["bytes_transferred"])
    assert second["status"] == "ACTIVE" and second["nice_status"] == "OK" and second["is_ok"] is True
    assert second["effective_bytes_per_second"] > 0
    assert second["subtasks_pending"] == 1
    task = wait_done(slow_tc, task_id)
    assert task["status"] == "SUCCEEDED"
    assert (disk / "copy.bin").read_bytes() == (disk / "big.bin").read_bytes()


def test_cancel_during_a_slow_transfer(slow_sandbox, slow_tc):
    base, disk = workdir(slow_sandbox, "cancel")
    write(disk / "src" / "big.bin", os.urandom(16 * SLOW))
    write(disk / "src" / "later.txt", "never copied")
    task_id = _submit(slow_tc, base + "src/", base + "dst/", label="to cancel")
    wait_until(slow_tc, task_id, lambda t: t["bytes_transferred"] > 0)

    result = slow_tc.cancel_task(task_id)

    assert result["code"] == "Canceled"
    task = slow_tc.get_task(task_id).data  # "Canceled" means it already ended
    assert task["status"] == "FAILED"
    assert task["fatal_error"] == {"code": "CANCELED", "description": "canceled"}
    assert task["nice_status"] == "CANCELED"
    assert task["subtasks_canceled"] >= 1 and task["subtasks_pending"] == 0
    latest = events(slow_tc, task_id)[0]
    assert latest["code"] == "CANCELED" and latest["is_error"] is True
    assert not (disk / "dst" / "big.bin").exists()  # never a half file under the final name
    assert _no_partials(disk)
    assert slow_tc.cancel_task(task_id)["code"] == "TaskComplete"


def test_deadline_reached_while_running(slow_sandbox, slow_tc):
    base, disk = workdir(slow_sandbox, "deadline")
    write(disk / "big.bin", os.urandom(16 * SLOW))
    task_id = _submit(slow_tc, base + "big.bin", base + "copy.bin", label="before")
    wait_until(slow_tc, task_id, lambda t: t["bytes_transferred"] > 0)
    soon = datetime.now(UTC) + timedelta(seconds=1)
    result = slow_tc.update_task(task_id, {"DATA_TYPE": "task", "label": "after", "deadline": soon.isoformat()})
    assert result["code"] == "Updated"

    task = wait_done(slow_tc, task_id)

    assert task["label"] == "after"
    assert task["status"] == "FAILED"
    assert task["fatal_error"]["code"] == "DEADLINE_EXCEEDED" and task["nice_status"] == "DEADLINE_EXCEEDED"
    assert task["subtasks_expired"] == 1
    assert events(slow_tc, task_id)[0]["code"] == "DEADLINE_EXCEEDED"
    assert not (disk / "copy.bin").exists()
    assert _no_partials(disk)


def test_concurrency_is_bounded_and_queued_tasks_can_be_canceled(slow_sandbox, slow_tc):
    base, disk = workdir(slow_sandbox, "bounded")
    write(disk / "big.bin", os.urandom(8 * SLOW))
    ids = [_submit(slow_tc, base + "big.bin", base + f"copy{i}.bin") for i in range(6)]
    seen_queued = False
    for _ in range(20):
        tasks = slow_tc.task_list(filter={"task_id": ids}, limit=10)["DATA"]
        running = [t for t in tasks if t["status"] == "ACTIVE" and t["nice_status"] != "Queued"]
        queued = [t for t in tasks if t["nice_status"] == "Queued"]
        assert len(running) <= 4
        seen_queued = seen_queued or bool(queued)
        time.sleep(0.05)
    assert seen_queued
    for task_id in ids:
        slow_tc.cancel_task(task_id)
    for task_id in ids:
        task = wait_done(slow_tc, task_id)
        assert task["status"] == "FAILED" and task["fatal_error"]["code"] == "CANCELED"
    assert _no_partials(disk)


def test_restart_mid_transfer_resumes_to_succeeded(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("restart")
    sizes = [200_000 + i for i in range(6)]
    with own_sandbox(data_dir, slow=400_000) as first:
        tc = transfer_client_for(first)
        base, disk = workdir(first, "restart")
        for i, size in enumerate(sizes):
            write(disk / "src" / f"f{i}.bin", os.urandom(size))
        task_id = _submit(tc, base + "src/", base + "dst/", verify_checksum=True, preserve_timestamp=True)
        wait_until(tc, task_id, lambda t: t["files_transferred"] >= 2)
    # Stopped mid-task: only whole files under final names, no partial left behind.
    for name in os.listdir(disk / "dst"):
        assert (disk / "dst" / name).read_bytes() == (disk / "src" / name).read_bytes()
    assert _no_partials(disk / "dst")

    with own_sandbox(data_dir) as second:
        tc = transfer_client_for(second)
        task = wait_done(tc, task_id)
        assert task["status"] == "SUCCEEDED"
        assert tree(disk / "dst") == tree(disk / "src")
        assert task["files_transferred"] == 6 and task["bytes_transferred"] == sum(sizes)
        assert len(list(tc.paginated.task_successful_transfers(task_id).items())) == 6
        codes = [e["code"] for e in events(tc, task_id)]
        assert codes.count("STARTED") == 1 and codes[0] == "SUCCEEDED"
        for name in os.listdir(disk / "src"):
            assert os.stat(disk / "dst" / name).st_mtime == os.stat(disk / "src" / name).st_mtime


@pytest.fixture(scope="module")
def faulty_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("faulty"), fault_rate=0.3) as handle:
        yield handle


def test_injected_faults_are_retried_and_reported(faulty_sandbox):
    tc = transfer_client_for(faulty_sandbox)
    base, disk = workdir(faulty_sandbox, "faults")
    for i in range(60):
        size = 3 * 1024 * 1024 if i % 10 == 0 else 1000 + i  # a few go through the buffered path
        write(disk / "src" / f"f{i:02d}.bin", os.urandom(size))
    task_id = _submit(tc, base + "src/", base + "dst/", verify_checksum=True)

    task = wait_done(tc, task_id, timeout=120)

    assert task["status"] == "SUCCEEDED"
    assert task["faults"] > 0
    assert tree(disk / "dst") == tree(disk / "src")
    errors = [e for e in events(tc, task_id) if e["is_error"]]
    assert len(errors) == task["faults"]
    assert {e["code"] for e in errors} == {"CONNECTION_RESET", "CHECKSUM_MISMATCH"}
    assert task["files_transferred"] == 60
    assert task["bytes_transferred"] == sum(len(v) for v in tree(disk / "src").values() if v)
    assert _no_partials(disk)


def test_pause_seam_stops_between_files_and_resumes(slow_sandbox, slow_tc):
    """Engine.pause_check (the seam for pause rules): INACTIVE between files, then resumes where it stopped."""
    engine = slow_sandbox.state.engine
    assert engine is not None
    base, disk = workdir(slow_sandbox, "pause")
    for name in ("a.bin", "b.bin", "c.bin"):
        write(disk / "src" / name, os.urandom(SLOW // 4))
    consulted: dict[str, int] = {}

    def pause_before_second_file(task_id: str) -> bool:
        # Consulted before each row: the directory, a.bin, b.bin (pause here), c.bin.
        consulted[task_id] = consulted.get(task_id, 0) + 1
        return consulted[task_id] == 3

    engine.pause_check = pause_before_second_file
    try:
        task_id = _submit(slow_tc, base + "src/", base + "dst/")
        paused = slow_tc.get_task(task_id).data
        until = time.monotonic() + 60
        while paused["status"] == "ACTIVE" and time.monotonic() < until:
            time.sleep(0.05)
            paused = slow_tc.get_task(task_id).data
    finally:
        engine.pause_check = None
    assert paused["status"] == "INACTIVE"
    assert paused["files_transferred"] == 1 and paused["subtasks_pending"] == 2
    assert sorted(os.listdir(disk / "dst")) == ["a.bin"]

    slow_sandbox.state.db.execute("UPDATE tasks SET status = 'ACTIVE' WHERE task_id = ?", (task_id,))
    engine.enqueue(task_id)
    task = wait_done(slow_tc, task_id)
    assert task["status"] == "SUCCEEDED" and task["files_transferred"] == 3
    assert tree(disk / "dst") == tree(disk / "src")
    assert _no_partials(disk)

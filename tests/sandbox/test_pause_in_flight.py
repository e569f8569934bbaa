"""Pausing a task stops its data movement at once, as Globus does, and resuming finishes it right.

A throttled sandbox of its own copies one large file slowly enough to pause it
mid-file, through the real SDK: Alice administers Lab Storage (admin_pause,
pause rules), Bob owns the task. At Globus a pause interrupts the file
transfers in flight; they start again when the task resumes, and
bytes_transferred counts every byte moved, the re-sent ones too.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import globus_sdk
import pytest

from gterm.sandbox.seed_ids import BOB_ID, HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import own_sandbox, transfer_client_for
from tests.support.tasks_helpers import collection_root, poll_doc, wait_done, write

LAB = LAB_STORAGE_ID
SLOW = 32768  # bytes per second per task: 16 KiB chunks, half a second each
SIZE = 256 << 10  # eight seconds of copying


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("pause-in-flight"), slow=SLOW) as handle:
        yield handle


@pytest.fixture(scope="module")
def alice(sandbox: SandboxHandle) -> globus_sdk.TransferClient:
    return transfer_client_for(sandbox, "alice")


@pytest.fixture(scope="module")
def bob(sandbox: SandboxHandle) -> globus_sdk.TransferClient:
    return transfer_client_for(sandbox, "bob", data_access=[HPC_SCRATCH_ID])


def _bob_copy(sandbox: SandboxHandle, bob: globus_sdk.TransferClient, sizes: list[int]) -> tuple[str, Path]:
    """Bob copies a directory of files of ``sizes`` bytes (distinct content each); (task id, its disk dir)."""
    name = f"inflight-{uuid.uuid4().hex[:8]}"
    disk = collection_root(sandbox, LAB) / "home" / "bob" / name
    for n, size in enumerate(sizes):
        write(disk / "src" / f"f{n}.bin", bytes((n * 7 + i) % 251 for i in range(size)))
    data = globus_sdk.TransferData(LAB, LAB, label=name)
    data.add_item(f"/home/bob/{name}/src/", f"/home/bob/{name}/dst/", recursive=True)
    return str(bob.submit_transfer(data)["task_id"]), disk


def _bytes_on_disk(directory: Path) -> int:
    """Every byte under ``directory``, temporary copies included: what the copy has written so far."""
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) if directory.exists() else 0


def _assert_data_stopped(bob: globus_sdk.TransferClient, task_id: str, dst: Path) -> dict[str, Any]:
    """No byte moves while the task is paused: the destination and the counters stay as they are."""
    time.sleep(1.0)  # the copy loop notices within a chunk, and the counters are flushed
    before, doc = _bytes_on_disk(dst), bob.get_task(task_id).data
    time.sleep(2.0)  # four chunks' worth at the throttled rate
    after, again = _bytes_on_disk(dst), bob.get_task(task_id).data
    assert (again["status"], again["is_paused"]) == ("INACTIVE", True)
    assert after == before, f"the paused task went on writing: {before} -> {after} bytes"
    assert not (dst / "f0.bin").exists(), "the file in flight was finished while the task was paused"
    assert again["files_transferred"] == 0 and again["bytes_transferred"] == doc["bytes_transferred"]
    return again


def _pause(alice: globus_sdk.TransferClient, how: str, task_id: str) -> Callable[[], object]:
    """Pause Bob's task as an administrator (``admin``) or by a rule on his writes; returns the resume."""
    if how == "admin":
        alice.endpoint_manager_pause_tasks([task_id], "Disk maintenance")
        return lambda: alice.endpoint_manager_resume_tasks([task_id])
    rule = alice.endpoint_manager_create_pause_rule({
        "DATA_TYPE": "pause_rule", "endpoint_id": LAB, "identity_id": BOB_ID, "start_time": None,
        "message": "Writes paused: migrating disks", "pause_task_transfer_write": True,
        **{f: False for f in ("pause_ls", "pause_mkdir", "pause_symlink", "pause_rename", "pause_task_delete",
                              "pause_task_transfer_read")},
    })
    return lambda: alice.endpoint_manager_delete_pause_rule(rule["id"])


def _paused_mid_file(sandbox: SandboxHandle, alice: Any, bob: Any, how: str,
                     sizes: list[int]) -> tuple[str, Path, dict[str, Any]]:
    """Bob's copy, paused a few chunks into its first file and resumed after a while: (task, dir, doc at pause)."""
    task_id, disk = _bob_copy(sandbox, bob, sizes)
    poll_doc(lambda: bob.get_task(task_id).data, lambda t: t["bytes_transferred"] >= 32 << 10)
    resume = _pause(alice, how, task_id)
    try:
        at_pause = _assert_data_stopped(bob, task_id, disk / "dst")
    finally:
        resume()
    return task_id, disk, at_pause


@pytest.mark.parametrize("how", ["admin", "rule"])
def test_a_pause_stops_the_file_in_flight_and_resume_copies_it_whole(
        sandbox: SandboxHandle, alice: Any, bob: Any, how: str) -> None:
    task_id, disk, _ = _paused_mid_file(sandbox, alice, bob, how, [SIZE, 4096, 4096])
    done = wait_done(bob, task_id)
    assert done["status"] == "SUCCEEDED" and done["is_paused"] is False
    assert sorted(p.name for p in (disk / "dst").iterdir()) == ["f0.bin", "f1.bin", "f2.bin"]  # no partials
    for n in range(3):
        assert (disk / "dst" / f"f{n}.bin").read_bytes() == (disk / "src" / f"f{n}.bin").read_bytes()
    assert done["files"] == 3 and done["files_transferred"] == 3
    assert done["subtasks_succeeded"] == done["subtasks_total"] and done["subtasks_pending"] == 0
    assert {t["destination_path"] for t in bob.task_successful_transfers(task_id)["DATA"]} == {
        f"/home/bob/{disk.name}/dst/f{n}.bin" for n in range(3)}


@pytest.mark.parametrize("how", ["admin", "rule"])
def test_bytes_moved_before_a_pause_stay_counted_and_the_file_sent_again_counts_again(
        sandbox: SandboxHandle, alice: Any, bob: Any, how: str) -> None:
    task_id, _, at_pause = _paused_mid_file(sandbox, alice, bob, how, [SIZE, 4096])
    # The document shows what moved before the copy stopped (an admin pause makes it INACTIVE at once).
    assert 32 << 10 <= at_pause["bytes_transferred"] < SIZE
    done = wait_done(bob, task_id)
    assert done["status"] == "SUCCEEDED" and done["files_transferred"] == 2
    # The interrupted file was sent again from its start: bytes_transferred counts its first part twice,
    # as Globus counts re-sent bytes.
    assert done["bytes_transferred"] == at_pause["bytes_transferred"] + SIZE + 4096


def test_a_pause_lifted_while_the_copy_stops_leaves_the_task_running(
        sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    """Resumed before the stopping copy had marked it INACTIVE, the task stayed INACTIVE for good
    (is_paused false, its counters frozen): it must carry on and finish.

    A race: without the fix, twenty rounds lose it in about one run of two or three.
    """
    task_id, disk = _bob_copy(sandbox, bob, [64 << 10] * 4)
    for _ in range(20):  # the stop and the resume race: each round is one chance to lose it
        time.sleep(0.2)
        alice.endpoint_manager_pause_tasks([task_id], "A short hold")
        alice.endpoint_manager_resume_tasks([task_id])
    done = wait_done(bob, task_id, timeout=40)
    assert done["status"] == "SUCCEEDED" and done["files_transferred"] == 4
    assert done["subtasks_succeeded"] == done["subtasks_total"] and done["bytes_transferred"] >= 4 * (64 << 10)
    for n in range(4):
        assert (disk / "dst" / f"f{n}.bin").read_bytes() == (disk / "src" / f"f{n}.bin").read_bytes()

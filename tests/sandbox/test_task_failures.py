"""How tasks fail and recover: messages in collection paths, full quotas, a restart mid-task.

- Every event, error and task document of a failing transfer, delete or ls speaks
  in collection paths: the sandbox's data dir never appears.
- A full destination (a real tmpfs filled up): with ``fail_on_quota_errors`` the
  task fails at once with QUOTA_EXCEEDED; without it the task keeps retrying, with
  a QUOTA_EXCEEDED event per retry, until space appears or the deadline passes.
- A task resumed after a sandbox restart records a RESUMED event.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import globus_sdk
import pytest

from gterm.sandbox.server import SandboxHandle
from tests.support.mounts import resize_tmpfs, tmpfs_at
from tests.support.sandbox_login import own_sandbox, transfer_client_for
from tests.support.tasks_helpers import (
    LAB,
    events,
    wait_done,
    wait_until,
    workdir,
    write,
)


def _no_host_path(sandbox: SandboxHandle, *documents: Any) -> None:
    text = json.dumps(documents)
    assert str(sandbox.data_dir) not in text
    assert str(Path(sandbox.data_dir).resolve()) not in text
    assert "/collections/" not in text  # the data dir's collections folder, under any name


def _task_documents(tc: globus_sdk.TransferClient, task_id: str) -> list[Any]:
    return [tc.get_task(task_id).data, events(tc, task_id), tc.task_skipped_errors(task_id).data]


# ---------------------------------------------------------------------------- messages


def test_failing_transfer_delete_and_ls_speak_in_collection_paths(
    sandbox: SandboxHandle, alice_tc: globus_sdk.TransferClient
) -> None:
    base, disk = workdir(sandbox, "messages")
    write(disk / "file.txt", "x")
    (disk / "blocker").write_text("a file where a directory is needed")

    missing = globus_sdk.TransferData(LAB, LAB)
    missing.add_item(base + "nope.txt", base + "copy.txt")
    blocked = globus_sdk.TransferData(LAB, LAB)
    blocked.add_item(base + "file.txt", base + "blocker/inside/copy.txt")
    delete = globus_sdk.DeleteData(LAB)
    delete.add_item(base + "gone.txt")
    tasks = [alice_tc.submit_transfer(missing)["task_id"], alice_tc.submit_transfer(blocked)["task_id"],
             alice_tc.submit_delete(delete)["task_id"]]
    for task_id in tasks:
        task = wait_done(alice_tc, task_id)
        assert task["status"] == "FAILED"
        documents = _task_documents(alice_tc, task_id)
        errors = [e for e in documents[1] if e["is_error"]]
        assert errors and all(base in str(e["details"]) for e in errors), errors  # the collection path is named
        _no_host_path(sandbox, documents)

    with pytest.raises(globus_sdk.TransferAPIError) as ls_error:
        alice_tc.operation_ls(LAB, path=base + "nope/")
    with pytest.raises(globus_sdk.TransferAPIError) as mkdir_error:
        alice_tc.operation_mkdir(LAB, base + "file.txt")
    with pytest.raises(globus_sdk.TransferAPIError) as rename_error:
        alice_tc.operation_rename(LAB, base + "nope", base + "other")
    for err in (ls_error.value, mkdir_error.value, rename_error.value):
        assert err.message and base.rstrip("/") in err.message
        _no_host_path(sandbox, err.raw_json)


# ---------------------------------------------------------------------------- quota


@pytest.fixture
def small_disk(sandbox: SandboxHandle) -> Iterator[tuple[str, Path, str, Path]]:
    """(source dir, its disk path, a 1 MB tmpfs as destination dir, its disk path) in Alice's home."""
    base, disk = workdir(sandbox, "quota")
    write(disk / "big.bin", os.urandom(2 * 1024 * 1024))
    with tmpfs_at(disk / "full", "1m") as mount:
        yield base, disk, base + "full/", mount


def _copy_into(tc: globus_sdk.TransferClient, base: str, dst: str, **options: Any) -> str:
    data = globus_sdk.TransferData(LAB, LAB, **options)
    data.add_item(base + "big.bin", dst + "big.bin")
    return str(tc.submit_transfer(data)["task_id"])


def _quota_events(tc: globus_sdk.TransferClient, task_id: str) -> list[dict[str, Any]]:
    return [e for e in events(tc, task_id) if e["code"] == "QUOTA_EXCEEDED"]


def test_fail_on_quota_errors_fails_at_once(
    sandbox: SandboxHandle, alice_tc: globus_sdk.TransferClient, small_disk: tuple[str, Path, str, Path]
) -> None:
    base, _, dst, mount = small_disk
    task_id = _copy_into(alice_tc, base, dst, fail_on_quota_errors=True)
    task = wait_done(alice_tc, task_id)
    assert task["status"] == "FAILED"
    assert task["fatal_error"]["code"] == "QUOTA_EXCEEDED"
    quota = _quota_events(alice_tc, task_id)
    assert len(quota) == 1 and quota[0]["is_error"]
    assert dst + "big.bin" in quota[0]["details"]
    assert os.listdir(mount) == []  # the partial copy is gone
    _no_host_path(sandbox, _task_documents(alice_tc, task_id))


def test_full_quota_is_retried_until_space_appears(
    sandbox: SandboxHandle, alice_tc: globus_sdk.TransferClient, small_disk: tuple[str, Path, str, Path]
) -> None:
    base, disk, dst, mount = small_disk
    task_id = _copy_into(alice_tc, base, dst)
    # nice_status reaches the task document with the next progress flush (at most half a second later)
    task = wait_until(alice_tc, task_id, lambda t: t["nice_status"] == "QUOTA_EXCEEDED"
                      and len(_quota_events(alice_tc, task_id)) >= 2)
    assert task["status"] == "ACTIVE"
    resize_tmpfs(mount, "8m")  # the administrator grows the quota
    task = wait_done(alice_tc, task_id)
    assert task["status"] == "SUCCEEDED"
    assert (mount / "big.bin").read_bytes() == (disk / "big.bin").read_bytes()
    _no_host_path(sandbox, _task_documents(alice_tc, task_id))


def test_full_quota_is_retried_until_the_deadline(
    sandbox: SandboxHandle, alice_tc: globus_sdk.TransferClient, small_disk: tuple[str, Path, str, Path]
) -> None:
    base, _, dst, _ = small_disk
    deadline = datetime.now(UTC) + timedelta(seconds=4)
    task_id = _copy_into(alice_tc, base, dst, deadline=deadline)
    task = wait_done(alice_tc, task_id, timeout=60)
    assert task["status"] == "FAILED"
    assert task["fatal_error"]["code"] == "DEADLINE_EXCEEDED"
    assert len(_quota_events(alice_tc, task_id)) >= 2


# ---------------------------------------------------------------------------- restart


def test_a_task_resumed_after_a_restart_says_so(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    with own_sandbox(data_dir, slow=256 * 1024) as first:
        tc = transfer_client_for(first, "alice")
        base, disk = workdir(first, "restart")
        write(disk / "big.bin", os.urandom(3 * 1024 * 1024))
        data = globus_sdk.TransferData(LAB, LAB)
        data.add_item(base + "big.bin", base + "copy.bin")
        task_id = str(tc.submit_transfer(data)["task_id"])
        wait_until(tc, task_id, lambda t: t["bytes_transferred"] > 0)
    with own_sandbox(data_dir) as second:
        tc = transfer_client_for(second, "alice")
        task = wait_done(tc, task_id)
        assert task["status"] == "SUCCEEDED"
        assert (disk / "copy.bin").read_bytes() == (disk / "big.bin").read_bytes()
        codes = [e["code"] for e in events(tc, task_id)]
        assert codes.count("RESUMED") == 1
        assert codes.count("STARTED") == 1
        _no_host_path(second, _task_documents(tc, task_id))

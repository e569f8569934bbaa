"""Submissions and tasks through TransferService against the live sandbox (real HTTP, real engine).

Covers once-only submission (same request object -> same task), every
TransferRequest option reaching the service, delete tasks, the task views
(tasks/task/events/successful_transfers/pause_info/skipped_errors), task
control, consent on submission, and the "one call" rules counted in the
sandbox's request log.
"""

from __future__ import annotations

import filecmp
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gterm.globus import paths
from gterm.globus.errors import ConsentNeeded, InvalidInput, NotFound
from gterm.globus.transfer import TransferService, wait_for_task
from gterm.globus.transfer_requests import DeleteRequest, TransferItem, TransferRequest
from gterm.sandbox.sample_tree import SEED_MTIME
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID
from tests.support.sandbox_login import identity_id, transfer_client_for

RUN = "/home/alice/experiments/run-001/"


def collection_root(sandbox: Any, collection_id: str) -> Path:
    for entry in sandbox.info["collections"]:
        if entry["id"] == collection_id:
            return Path(entry["root"])
    raise KeyError(collection_id)


def on_disk(sandbox: Any, path: str, collection_id: str = LAB_STORAGE_ID) -> Path:
    return collection_root(sandbox, collection_id) / path.strip("/")


@pytest.fixture(scope="module")
def alice(sandbox: Any) -> TransferService:
    return TransferService(lambda: transfer_client_for(sandbox, "alice"))


@pytest.fixture
def workdir(alice: TransferService) -> Iterator[str]:
    path = f"/home/alice/svc-tasks-{uuid.uuid4().hex[:8]}/"
    alice.mkdir(LAB_STORAGE_ID, path)
    yield path


def finished(service: TransferService, task_id: str) -> Any:
    return wait_for_task(service, task_id, timeout=120)


class RequestLog:
    """Counts the Transfer requests one identity made, read from DATA_DIR/requests.log."""

    def __init__(self, sandbox: Any, identity: str) -> None:
        self.path = Path(sandbox.data_dir) / "requests.log"
        self.identity = identity_id(sandbox, identity)

    def mark(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def transfer_requests_since(self, offset: int, until_path_contains: str) -> list[dict[str, Any]]:
        """Records after ``offset``; waits (bounded) for the record of the call we made to be written."""
        deadline = time.monotonic() + 10
        while True:
            with self.path.open("rb") as handle:
                handle.seek(offset)
                records = [json.loads(line) for line in handle.read().decode("utf-8").splitlines() if line]
            mine = [r for r in records if r.get("identity") == self.identity and r["path"].startswith("/v0.10/")]
            if any(until_path_contains in r["path"] for r in mine) or time.monotonic() > deadline:
                return mine
            time.sleep(0.05)


def counted(log: RequestLog, marker: str, call: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    offset = log.mark()
    result = call()
    return result, log.transfer_requests_since(offset, marker)


# -- one call rules --------------------------------------------------------------------------------


def test_ls_and_tasks_make_one_request_each(alice: TransferService, sandbox: Any) -> None:
    alice.client()  # log in before counting
    log = RequestLog(sandbox, "alice")
    listing, records = counted(log, "/ls", lambda: alice.ls(LAB_STORAGE_ID, "/home/alice/many-files/"))
    assert len(listing.entries) == 3000
    assert [r["path"] for r in records] == [f"/v0.10/operation/endpoint/{LAB_STORAGE_ID}/ls"]
    _, records = counted(log, "/task_list", lambda: alice.tasks(limit=50))
    assert [r["path"] for r in records] == ["/v0.10/task_list"]


# -- transfers --------------------------------------------------------------------------------------


def test_transfer_arrives_byte_identical(alice: TransferService, workdir: str, sandbox: Any) -> None:
    request = TransferRequest(
        LAB_STORAGE_ID,
        LAB_STORAGE_ID,
        [
            TransferItem(RUN, workdir + "run-001/", recursive=True),
            TransferItem("/home/alice/notes with spaces.txt", workdir + "notes copy ünï.txt"),
        ],
        label="service test copy",
        verify_checksum=True,
        preserve_timestamp=True,
    )
    task_id = alice.submit_transfer(request)
    assert request.submission_id  # stored on the request before sending
    task = finished(alice, task_id)
    assert task.status == "SUCCEEDED"
    assert task.label == "service test copy"
    assert task.type == "TRANSFER"
    src = on_disk(sandbox, RUN)
    dst = on_disk(sandbox, workdir + "run-001/")
    comparison = filecmp.dircmp(src, dst)
    assert not comparison.left_only and not comparison.right_only
    for rel in ("params.json", "results.csv", "log.txt", "plots/loss.png", "checkpoints/epoch-10.ckpt"):
        assert filecmp.cmp(src / rel, dst / rel, shallow=False), rel
        assert os.stat(dst / rel).st_mtime == pytest.approx(SEED_MTIME, abs=1)
    copy = on_disk(sandbox, workdir + "notes copy ünï.txt")
    assert copy.read_bytes() == on_disk(sandbox, "/home/alice/notes with spaces.txt").read_bytes()


def test_same_request_twice_is_one_task(alice: TransferService, workdir: str) -> None:
    request = TransferRequest(
        LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(RUN + "params.json", workdir + "params.json")]
    )
    first = alice.submit_transfer(request)
    submission_id = request.submission_id
    second = alice.submit_transfer(request)
    assert second == first
    assert request.submission_id == submission_id
    assert finished(alice, first).status == "SUCCEEDED"
    third = alice.submit_transfer_once(request)
    assert third == first
    assert [t.task_id for t in alice.tasks(limit=100)].count(first) == 1


def test_submit_transfer_once_new_request(alice: TransferService, workdir: str, sandbox: Any) -> None:
    request = TransferRequest(
        LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(RUN + "log.txt", workdir + "log.txt")]
    )
    task_id = alice.submit_transfer_once(request, retries=2)
    assert finished(alice, task_id).status == "SUCCEEDED"
    assert on_disk(sandbox, workdir + "log.txt").exists()


def test_filter_rules_and_sync_level_reach_the_service(alice: TransferService, workdir: str, sandbox: Any) -> None:
    dest = workdir + "filtered/"
    request = TransferRequest(
        LAB_STORAGE_ID,
        LAB_STORAGE_ID,
        [TransferItem(RUN, dest, recursive=True)],
        filter_rules=[("include", "params.json"), ("exclude", "*.json"), ("exclude", "*.png")],
    )
    assert finished(alice, alice.submit_transfer(request)).status == "SUCCEEDED"
    copied = on_disk(sandbox, dest)
    assert (copied / "params.json").exists()
    assert (copied / "results.csv").exists()
    assert not (copied / "plots" / "loss.png").exists()

    # sync_level "exists": a changed destination file is left alone, a missing one is sent again.
    (copied / "results.csv").write_text("changed\n")
    (copied / "log.txt").unlink()
    again = TransferRequest(LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(RUN, dest, recursive=True)],
                            sync_level="exists", filter_rules=[("exclude", "*.png")])
    assert finished(alice, alice.submit_transfer(again)).status == "SUCCEEDED"
    assert (copied / "results.csv").read_text() == "changed\n"
    assert (copied / "log.txt").exists()


def test_delete_destination_extra(alice: TransferService, workdir: str, sandbox: Any) -> None:
    dest = workdir + "mirror/"
    alice.mkdir(LAB_STORAGE_ID, dest)
    on_disk(sandbox, dest + "extra.txt").write_text("not in the source\n")
    request = TransferRequest(LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(RUN, dest, recursive=True)],
                              delete_destination_extra=True)
    assert finished(alice, alice.submit_transfer(request)).status == "SUCCEEDED"
    assert not on_disk(sandbox, dest + "extra.txt").exists()
    assert on_disk(sandbox, dest + "params.json").exists()


def test_every_option_is_recorded_on_the_task(alice: TransferService, workdir: str) -> None:
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    request = TransferRequest(
        LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(RUN, workdir + "opts/", recursive=True)],
        label="all options", sync_level="checksum", verify_checksum=True, preserve_timestamp=True,
        encrypt_data=True, delete_destination_extra=True, skip_source_errors=True, fail_on_quota_errors=True,
        deadline=deadline, notify_on_succeeded=False, notify_on_failed=False, notify_on_inactive=False,
        filter_rules=[("exclude", "*.ckpt")],
    )
    task = finished(alice, alice.submit_transfer(request))
    assert task.status == "SUCCEEDED"
    assert task.sync_level == 3
    assert (task.verify_checksum, task.preserve_timestamp, task.encrypt_data, task.delete_destination_extra) == (
        True, True, True, True)
    assert task.raw.get("skip_source_errors") is True
    assert task.raw.get("fail_on_quota_errors") is True
    assert task.deadline == deadline
    assert task.label == "all options"


def test_invalid_request_is_rejected_before_any_call(alice: TransferService) -> None:
    request = TransferRequest(LAB_STORAGE_ID, LAB_STORAGE_ID, [])
    with pytest.raises(InvalidInput):
        alice.submit_transfer(request)
    assert request.submission_id is None


def test_transfer_into_scratch_without_consent(alice: TransferService) -> None:
    request = TransferRequest(LAB_STORAGE_ID, HPC_SCRATCH_ID, [TransferItem(RUN + "params.json", "/~/params.json")])
    with pytest.raises(ConsentNeeded) as info:
        alice.submit_transfer(request)
    assert any(HPC_SCRATCH_ID in scope and "data_access" in scope for scope in info.value.required_scopes)


# -- deletes ----------------------------------------------------------------------------------------


def test_delete_task(alice: TransferService, workdir: str, sandbox: Any) -> None:
    doomed = workdir + "doomed/"
    alice.mkdir(LAB_STORAGE_ID, doomed)
    alice.mkdir(LAB_STORAGE_ID, doomed + "inner/")
    on_disk(sandbox, doomed + "inner/file.txt").write_text("bye\n")
    on_disk(sandbox, workdir + "single file.txt").write_text("bye\n")
    request = DeleteRequest(LAB_STORAGE_ID, [doomed, workdir + "single file.txt"], recursive=True,
                            label="service test delete")
    task_id = alice.submit_delete(request)
    assert request.submission_id
    assert alice.submit_delete(request) == task_id  # once-only for deletes too
    task = finished(alice, task_id)
    assert (task.status, task.type) == ("SUCCEEDED", "DELETE")
    assert not on_disk(sandbox, doomed).exists()
    assert not on_disk(sandbox, workdir + "single file.txt").exists()
    with pytest.raises(NotFound):
        alice.ls(LAB_STORAGE_ID, doomed)
    assert alice.ls(LAB_STORAGE_ID, workdir).entries == ()


# -- task views ---------------------------------------------------------------------------------------


def test_task_views(alice: TransferService, workdir: str) -> None:
    request = TransferRequest(LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(RUN, workdir + "views/", recursive=True)],
                              label="views")
    task_id = alice.submit_transfer(request)
    task = finished(alice, task_id)
    assert task.status == "SUCCEEDED"
    assert task.files_transferred >= 5 and task.bytes_transferred > 0
    assert task.source_endpoint_id == LAB_STORAGE_ID

    listed = alice.tasks(limit=20)
    assert task_id in [t.task_id for t in listed]
    times = [t.request_time for t in listed if t.request_time is not None]
    assert times == sorted(times, reverse=True)  # newest first

    assert alice.task(task_id).task_id == task_id
    events = alice.events(task_id)
    assert events and "SUCCEEDED" in {e.code for e in events}
    assert not any(e.is_error for e in events)

    done = alice.successful_transfers(task_id)
    assert {paths.basename(d["destination_path"]) for d in done} >= {"params.json", "results.csv"}
    assert isinstance(alice.pause_info(task_id), dict)
    assert alice.skipped_errors(task_id) == []


def test_unknown_task_is_not_found(alice: TransferService) -> None:
    unknown = str(uuid.uuid4())
    for call in (
        lambda: alice.task(unknown),
        lambda: alice.events(unknown),
        lambda: alice.cancel(unknown),
        lambda: alice.update_task(unknown, label="x"),
    ):
        with pytest.raises(NotFound):
            call()


def test_update_and_cancel_a_running_task(alice: TransferService, workdir: str) -> None:
    # 3,000 small files keep a task busy long enough to change and cancel it.
    request = TransferRequest(
        LAB_STORAGE_ID, LAB_STORAGE_ID,
        [TransferItem("/home/alice/many-files/", workdir + "many/", recursive=True)],
        label="before", verify_checksum=True,
    )
    task_id = alice.submit_transfer(request)
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)
    updated = alice.update_task(task_id, label="after", deadline=later)
    assert updated.label == "after"
    assert updated.deadline == later
    message = alice.cancel(task_id)
    assert isinstance(message, str) and message
    task = finished(alice, task_id)
    assert task.status == "FAILED"
    assert "CANCELED" in {e.code for e in alice.events(task_id)}


def test_update_task_without_changes_just_reads(alice: TransferService, workdir: str) -> None:
    request = TransferRequest(LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(RUN + "log.txt", workdir + "l.txt")],
                              label="unchanged")
    task_id = alice.submit_transfer(request)
    finished(alice, task_id)
    assert alice.update_task(task_id).label == "unchanged"


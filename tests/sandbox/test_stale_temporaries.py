"""A start removes the temporaries a killed copy or upload left, looking only where something was in flight.

A sandbox of its own runs in a child process (`serve_forever`, throttled so a copy stays in flight),
is killed with SIGKILL mid-copy and mid-upload, and the next start runs in this process. Which
directories a start reads is counted through ``os.scandir`` (``os.walk`` reads through it too): a start
that walked the collections would read every directory of the many stored files.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import globus_sdk
import pytest
import requests

from gterm.globus.https_access import https_scope
from gterm.sandbox.collections import find_collection
from gterm.sandbox.https_data import https_server_url
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.sandbox.temporaries import TaskTemporaries, copy_name, copy_prefix
from tests.support.sandbox_login import (
    login_tokens,
    new_native_client,
    own_sandbox,
    transfer_client_for,
    transfer_scope,
)
from tests.support.sandbox_process import spawn_serve_forever
from tests.support.session_helpers import read_exports
from tests.support.tasks_helpers import wait_done, workdir, write
from tests.support.transfer_live import collection_root

LAB = LAB_STORAGE_ID
SLOW = 16384  # bytes per second per task: a copy of SOURCE_SIZE stays in flight for minutes
SOURCE_SIZE = 4 << 20
STORED_DIRS, FILES_PER_DIR = 20, 50  # the files a start must not read through


def _store_many_files(root: Path) -> Path:
    bulk = root / "bulk"
    for d in range(STORED_DIRS):
        (bulk / f"d{d:02d}").mkdir(parents=True)
        for i in range(FILES_PER_DIR):
            (bulk / f"d{d:02d}" / f"f{i:03d}.dat").write_bytes(b"x")
    return bulk


@pytest.fixture
def directories_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The directories this process reads (by path, or by descriptor resolved to its path) from now on."""
    read: list[str] = []
    real_scandir = os.scandir

    def counting(path: Any = ".") -> Any:
        read.append(os.readlink(f"/proc/self/fd/{path}") if isinstance(path, int) else os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counting)
    return read


def _read_beneath(read: list[str], top: Path) -> list[str]:
    return [path for path in read if Path(path).is_relative_to(top)]


@dataclass
class Killed:
    """A data dir whose sandbox was killed with two copies and an upload in flight, all in ``landing``."""

    root: Path  # Lab Storage's root
    bulk: Path  # many stored files
    landing: Path
    temporaries: list[Path]


def _wait_for(found: Callable[[], list[Path]], count: int) -> list[Path]:
    deadline = time.monotonic() + 60
    while len(found()) < count:
        assert time.monotonic() < deadline, f"expected {count} temporaries, found {found()}"
        time.sleep(0.05)
    return found()


@pytest.fixture
def killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Killed]:
    with own_sandbox(tmp_path) as first:
        root = collection_root(first, LAB)
        scopes = f"{transfer_scope()} {https_scope(LAB)}"
        tokens = login_tokens(first, scopes, new_native_client(first)).by_resource_server
    bulk = _store_many_files(root)
    landing = root / "home" / "alice" / "landing"
    landing.mkdir()
    (root / "home" / "alice" / "source.bin").write_bytes(os.urandom(SOURCE_SIZE))
    proc = spawn_serve_forever(tmp_path, auto_approve=True, slow=SLOW)
    upload: http.client.HTTPSConnection | None = None
    try:
        assert proc.stdout is not None
        exports = read_exports(proc.stdout, 60)
        monkeypatch.setenv("GLOBUS_SDK_VERIFY_SSL", exports["GLOBUS_SDK_VERIFY_SSL"])
        url = exports["GLOBUS_SDK_SERVICE_URL_TRANSFER"]
        tc = globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(tokens["transfer.api.globus.org"]["access_token"]),
            base_url=url,
        )
        for name in ("one.bin", "two.bin"):  # two tasks writing in one directory
            data = globus_sdk.TransferData(LAB, LAB)
            data.add_item("/home/alice/source.bin", f"/home/alice/landing/{name}")
            tc.submit_transfer(data)
        host, port = url.split("://", 1)[1].rstrip("/").rsplit(":", 1)
        context = ssl.create_default_context(cafile=exports["GLOBUS_SDK_VERIFY_SSL"])
        upload = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
        upload.putrequest("PUT", f"/https/{LAB}/home/alice/landing/three.bin")
        upload.putheader("Authorization", f"Bearer {tokens[LAB]['access_token']}")
        upload.putheader("Content-Length", str(SOURCE_SIZE))
        upload.endheaders()
        upload.send(b"x" * 65536)  # and no more: the upload stays in flight
        temporaries = _wait_for(lambda: sorted(landing.glob(".gterm-*")), 3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if upload is not None:
            upload.close()
    # The killed tasks resume at the next start: without their source they end at once, writing nothing.
    (root / "home" / "alice" / "source.bin").unlink()
    yield Killed(root, bulk, landing, temporaries)


def test_a_killed_copy_s_and_upload_s_temporaries_go_at_the_next_start_without_a_walk(
    tmp_path: Path, killed: Killed, directories_read: list[str]
) -> None:
    """Every start walked every collection for temporaries: a data dir of a few hundred thousand files
    was read whole before the sandbox served. Now a start reads only where something was in flight."""
    assert sorted(p.name.endswith(".part") for p in killed.temporaries) == [False, True, True]  # 2 copies, 1 upload
    with own_sandbox(tmp_path):
        assert [p for p in killed.temporaries if p.exists()] == []
        assert _read_beneath(directories_read, killed.bulk) == []
        # The two tasks' directory (its other copies are found by name there); the upload's by name alone.
        assert set(_read_beneath(directories_read, killed.root)) <= {str(killed.landing)}


def test_a_directory_moved_while_a_copy_wrote_in_it_is_found_by_one_walk(
    tmp_path: Path, killed: Killed, directories_read: list[str]
) -> None:
    """The record names a directory that is elsewhere now: its temporaries are looked for everywhere."""
    moved = killed.landing.with_name("moved")
    killed.landing.rename(moved)
    with own_sandbox(tmp_path):
        assert sorted(moved.glob(".gterm-*")) == []
        assert _read_beneath(directories_read, killed.bulk) != []  # the walk
    directories_read.clear()
    with own_sandbox(tmp_path):  # the records are forgotten: no walk again
        assert _read_beneath(directories_read, killed.bulk) == []


def as_made_before_records(data_dir: Path) -> None:
    """Make ``data_dir`` look as an older sandbox left it: temporaries were not recorded then."""
    with sqlite3.connect(data_dir / "sandbox.db") as db:
        db.execute("DROP TABLE IF EXISTS temporaries")


def test_a_start_removes_temporaries_of_interrupted_copies_and_uploads(tmp_path: Path) -> None:
    """A sandbox killed mid-upload left its .gterm-upload-<hex> file in the collection for good (398 MB
    seen), listed in every pane; a transfer's .part copy likewise. The next start removes both kinds,
    at any depth, and nothing else (a user's look-alike name stays): in a data dir an older sandbox
    made, which recorded none of them, by one walk of the collections."""
    with own_sandbox(tmp_path) as first:
        root = collection_root(first, LAB_STORAGE_ID)
    as_made_before_records(tmp_path)
    deep = root / "home" / "alice" / "deep" / "er"
    deep.mkdir(parents=True)
    left = [root / ".gterm-upload-0123456789abcdef", deep / ".gterm-upload-fedcba9876543210",
            deep / ".gterm-1a2b3c4d-12.part", deep / copy_name("1a2b3c4d-0000-4000-8000-000000000001", 12)]
    kept = [deep / ".gterm-upload-notes.txt", deep / "gterm-1a2b3c4d-12.part", deep / ".gterm-1a2b3c4d5-12.part"]
    for path in left + kept:
        path.write_bytes(b"x" * 1000)
    with own_sandbox(tmp_path):
        assert [p for p in left if p.exists()] == []
        assert [p for p in kept if not p.exists()] == []


def test_an_older_data_dir_is_walked_once(tmp_path: Path, directories_read: list[str]) -> None:
    with own_sandbox(tmp_path) as first:
        root = collection_root(first, LAB_STORAGE_ID)
    bulk = _store_many_files(root)
    as_made_before_records(tmp_path)
    stale = bulk / "d07" / ".gterm-upload-0123456789abcdef"
    stale.write_bytes(b"x")
    with own_sandbox(tmp_path):
        assert not stale.exists()
        assert len(set(_read_beneath(directories_read, bulk))) == STORED_DIRS + 1
    directories_read.clear()
    with own_sandbox(tmp_path):
        assert _read_beneath(directories_read, bulk) == []


def test_nothing_stays_recorded_once_copies_and_uploads_end(tmp_path: Path) -> None:
    """Records are forgotten when a copy is renamed into place, an upload too, and when a task ends."""
    with own_sandbox(tmp_path) as box:
        root = collection_root(box, LAB)
        for n in range(20):
            (root / "home" / "alice" / "many" / f"f{n}.txt").parent.mkdir(parents=True, exist_ok=True)
            (root / "home" / "alice" / "many" / f"f{n}.txt").write_text(str(n))
        scopes = f"{transfer_scope()} {https_scope(LAB)}"
        tokens = login_tokens(box, scopes, new_native_client(box)).by_resource_server
        tc = globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(tokens["transfer.api.globus.org"]["access_token"]),
            base_url=box.transfer_url,
        )
        data = globus_sdk.TransferData(LAB, LAB)
        data.add_item("/home/alice/many/", "/home/alice/copied/", recursive=True)
        task_id = tc.submit_transfer(data)["task_id"]
        put = requests.put(f"{https_server_url(box.state, LAB)}/home/alice/uploaded.txt", data=b"up",
                           headers={"Authorization": f"Bearer {tokens[LAB]['access_token']}"}, timeout=30)
        assert put.status_code == 201
        assert tc.task_wait(task_id, timeout=60, polling_interval=1)
        assert tc.get_task(task_id)["status"] == "SUCCEEDED"
        assert box.state.db.query("SELECT * FROM temporaries") == []


def test_a_run_whose_records_cannot_be_forgotten_ends_with_its_own_outcome(tmp_path: Path) -> None:
    """A run forgets its records as it ends, whatever its outcome: an SQLite write. One that failed (a full
    disk, maybe the very reason the run failed) ended the task FAILED with 'internal sandbox error' in place
    of what happened: a copy that succeeded, or its own error. The records stay (the next start reads their
    directory) and the task ends as it would have."""
    with own_sandbox(tmp_path) as box:
        box.state.db.execute("CREATE TRIGGER disk_full BEFORE DELETE ON temporaries"
                             " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        tc = transfer_client_for(box)
        base, disk = workdir(box, "unforgotten")
        write(disk / "f.txt", "content")
        copied = globus_sdk.TransferData(LAB, LAB)
        copied.add_item(base + "f.txt", base + "copied.txt")
        mismatched = globus_sdk.TransferData(LAB, LAB)
        mismatched.add_item(base + "f.txt", base + "mismatched.txt", external_checksum="0" * 32)
        ok = wait_done(tc, str(tc.submit_transfer(copied)["task_id"]))
        failed = wait_done(tc, str(tc.submit_transfer(mismatched)["task_id"]))
        assert ok["status"] == "SUCCEEDED", ok
        assert (disk / "copied.txt").read_text() == "content"
        assert failed["status"] == "FAILED" and failed["fatal_error"]["code"] == "CHECKSUM_MISMATCH", failed
        assert len(box.state.db.query("SELECT * FROM temporaries")) == 2  # one per run: its directory


def test_tasks_whose_ids_begin_alike_keep_their_own_records(tmp_path: Path) -> None:
    """Copies were named by their task id's first 8 hex digits, and a run recorded a directory by that
    prefix: two tasks whose ids began alike, copying into one directory at once, shared one record, and
    the first to end forgot it while the other still copied. Killed then, the other's copy stayed for good."""
    first, second = "1a2b3c4d-0000-4000-8000-000000000001", "1a2b3c4d-1111-4111-8111-111111111111"
    with own_sandbox(tmp_path) as box:
        runs = [TaskTemporaries(box.state, task_id) for task_id in (first, second)]
        collection = find_collection(box.state, LAB)
        assert collection is not None
        with collection.root_spec.open() as root, root.locate("/home/alice/landed.bin") as where:
            for run in runs:
                run.before_copy(where)
            runs[0].run_ended()
        in_flight = collection_root(box, LAB) / "home" / "alice" / copy_name(second, 7)
        in_flight.write_bytes(b"x")  # the second run's copy when the sandbox is killed
    with own_sandbox(tmp_path):
        assert not in_flight.exists()
    assert copy_name(first, 7) != in_flight.name  # nor do they share a temporary


def test_a_copy_named_as_an_older_sandbox_named_it_goes_at_the_next_start(tmp_path: Path) -> None:
    """Copies were named by their task id's first 8 hex digits: one left with its record goes all the same."""
    with own_sandbox(tmp_path) as box:
        landing = collection_root(box, LAB) / "home" / "alice"
        box.state.db.execute("INSERT INTO temporaries (directory, inode, name) VALUES (?, ?, ?)",
                             (os.fsencode(landing.relative_to(tmp_path)), landing.stat().st_ino, ".gterm-1a2b3c4d-"))
    left = landing / ".gterm-1a2b3c4d-12.part"
    left.write_bytes(b"x")
    with own_sandbox(tmp_path):
        assert not left.exists()


def test_a_failed_copy_whose_temporary_stays_and_cannot_be_recorded_raises_nothing_over_the_copy_s_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A failed copy whose temporary could not be removed is recorded by its own name: an SQLite write, in the
    copy's error handling. One that failed too (a disk remounted read-only fails both) raised its sqlite3 error
    over the copy's own, so the task ended with 'internal sandbox error' instead of what happened. Now it is
    logged, and the run keeps its directory's record (its copies' prefix), so the next start still removes it."""
    task_id = "1a2b3c4d-0000-4000-8000-000000000002"
    with own_sandbox(tmp_path) as box:
        box.state.db.execute("CREATE TRIGGER disk_full BEFORE INSERT ON temporaries WHEN NEW.name LIKE '%.part'"
                             " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        run = TaskTemporaries(box.state, task_id)
        collection = find_collection(box.state, LAB)
        assert collection is not None
        landing = collection_root(box, LAB) / "home" / "alice"
        stuck = landing / copy_name(task_id, 3)
        with collection.root_spec.open() as root, root.locate("/home/alice/landed.bin") as where:
            run.before_copy(where)
            (stuck / "in-the-way").mkdir(parents=True)  # what the copy left cannot be unlinked (as root too)
            run.remove(where, stuck.name)  # was: sqlite3.IntegrityError, raised over the copy's error
        run.run_ended()
        assert "could not record" in caplog.text
        recorded = box.state.db.query("SELECT name FROM temporaries")
        assert [row["name"] for row in recorded] == [copy_prefix(task_id)]  # the directory's, not forgotten
    (stuck / "in-the-way").rmdir()
    stuck.rmdir()
    stuck.write_bytes(b"x")  # the temporary as a start finds it once whatever blocked its removal is gone
    with own_sandbox(tmp_path):
        assert not stuck.exists()


# ---------------------------------------------------------------- an upload whose record cannot be forgotten

UNFORGETTABLE = ("CREATE TRIGGER disk_full BEFORE DELETE ON temporaries"
                 " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")


def _descriptors_on(directory: Path) -> int:
    """How many of this process's descriptors (the in-process sandbox's among them) are open on ``directory``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # closed since it was listed (the listing's own descriptor, say)
            count += os.readlink(f"/proc/self/fd/{fd}") == str(directory)
    return count


def _unforgettable_uploads(box: SandboxHandle) -> tuple[Path, str, str]:
    """An upload directory of its own, in a sandbox whose records cannot be deleted: (disk dir, URL, token)."""
    box.state.db.execute(UNFORGETTABLE)
    uploads = collection_root(box, LAB) / "home" / "alice" / "uploads"
    uploads.mkdir()
    token = login_tokens(box, https_scope(LAB), new_native_client(box)).by_resource_server[LAB]["access_token"]
    return uploads, f"{https_server_url(box.state, LAB)}/home/alice/uploads", token


def _forget_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("could not forget")]


def test_an_uploaded_file_in_place_whose_record_cannot_be_forgotten_is_a_successful_put(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The upload's record was forgotten after its rename into place: an SQLite write that, failing (a full disk),
    answered the PUT 500 although the file had arrived, and left the directory's descriptor open. Now the PUT
    succeeds (201), the record stays (logged; the next start looks for the temporary and forgets it)."""
    with own_sandbox(tmp_path) as box:
        uploads, url, token = _unforgettable_uploads(box)
        put = requests.put(f"{url}/arrived.txt", data=b"arrived", headers={"Authorization": f"Bearer {token}"},
                           timeout=30)
        assert put.status_code == 201, put.text
        assert (uploads / "arrived.txt").read_bytes() == b"arrived"
        assert sorted(uploads.glob(".gterm-*")) == []
        assert _descriptors_on(uploads) == 0
        assert len(_forget_failures(caplog)) == 1
        assert len(box.state.db.query("SELECT * FROM temporaries")) == 1
        box.state.db.execute("DROP TRIGGER disk_full")  # the disk has room again
    with own_sandbox(tmp_path) as again:
        assert again.state.db.query("SELECT * FROM temporaries") == []
        assert (uploads / "arrived.txt").read_bytes() == b"arrived"


def test_an_upload_whose_temporary_cannot_be_made_nor_its_record_forgotten_answers_its_own_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making the upload's temporary failed, then forgetting its record failed too: the sqlite3 error replaced the
    file system's (the server log named it, not what was refused) and the directory's descriptor stayed open. Now
    the refusal is what the PUT answers and the log says, the record stays (logged), and nothing stays open."""
    in_the_way = ".gterm-upload-0123456789abcdef"
    monkeypatch.setattr("gterm.sandbox.temporaries.upload_name", lambda: in_the_way)
    with own_sandbox(tmp_path) as box:
        uploads, url, token = _unforgettable_uploads(box)
        (uploads / in_the_way).mkdir()  # the temporary's name is taken: its exclusive create is refused
        put = requests.put(f"{url}/refused.txt", data=b"refused", headers={"Authorization": f"Bearer {token}"},
                           timeout=30)
        assert put.status_code == 500 and put.json()["code"] == "InternalError", put.text
        assert _descriptors_on(uploads) == 0
        assert any(r.getMessage().startswith("unhandled FileExistsError on PUT") for r in caplog.records)
        assert len(_forget_failures(caplog)) == 1
        assert not (uploads / "refused.txt").exists()


def test_an_abandoned_upload_whose_record_cannot_be_forgotten_closes_its_directory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An upload the client broke off is removed and its record forgotten; that failing (a full disk) raised in
    the clean-up before the directory's descriptor was closed, so each such upload kept one open for good."""
    with own_sandbox(tmp_path) as box:
        uploads, url, token = _unforgettable_uploads(box)
        host, port = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)
        context = ssl.create_default_context(cafile=os.environ["GLOBUS_SDK_VERIFY_SSL"])
        upload = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
        try:
            upload.putrequest("PUT", f"/https/{LAB}/home/alice/uploads/abandoned.bin")
            upload.putheader("Authorization", f"Bearer {token}")
            upload.putheader("Content-Length", str(1 << 20))
            upload.endheaders()
            upload.send(b"x" * 65536)  # and no more
            _wait_for(lambda: sorted(uploads.glob(".gterm-*")), 1)
        finally:
            upload.close()
        deadline = time.monotonic() + 10
        while (_descriptors_on(uploads) or not _forget_failures(caplog)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _descriptors_on(uploads) == 0
        assert sorted(uploads.glob(".gterm-*")) == []
        assert len(_forget_failures(caplog)) == 1

"""A download's part resumes after gterm (and the demo's sandbox with it) starts again, and a part that
cannot resume is said in the task's events, never dropped silently. Live sandbox, real SDK."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gterm.globus.download_parts import part_path, resume_record_path
from gterm.globus.https_access import Cancelled, HttpsAccess
from gterm.globus.local_tasks import Item, LocalTask
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import LoginHttpsTokens, own_sandbox
from tests.support.transfer_live import make_lab_dir, service_for


def _download(sandbox: SandboxHandle, source: str, target: Path) -> LocalTask:
    """The task F5 makes: the collection's https_server as Transfer gives it, tokens from a real login."""
    service = service_for(sandbox)
    lab = service.get_collection(LAB_STORAGE_ID)
    access = HttpsAccess(LoginHttpsTokens(sandbox))
    return LocalTask(
        kind="download",
        items=[Item(source, str(target), is_dir=False)],
        source_name=lab.display_name,
        destination_name="This computer",
        open_remote=lambda: access.files_for(lab),
        list_remote=lambda path: service.ls(LAB_STORAGE_ID, path).entries,
    )


def _interrupted(sandbox: SandboxHandle, source: str, target: Path) -> int:
    """A download of ``source`` stopped after its first piece (as quitting gterm stops it): the bytes kept."""
    lab = service_for(sandbox).get_collection(LAB_STORAGE_ID)
    files = HttpsAccess(LoginHttpsTokens(sandbox)).files_for(lab)
    stop = threading.Event()
    try:
        with pytest.raises(Cancelled):
            files.download(source, target, progress=lambda n: stop.set(), cancel=stop)
    finally:
        files.close()
    return part_path(target).stat().st_size


@contextmanager
def _port_taken(port: int) -> Iterator[None]:
    """``port`` held by someone else, so a sandbox started meanwhile must take another."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the last run's connections may linger on it
    holder.bind(("127.0.0.1", port))
    holder.listen(1)
    try:
        yield
    finally:
        holder.close()


def _port(sandbox: SandboxHandle) -> int:
    lab = service_for(sandbox).get_collection(LAB_STORAGE_ID)
    assert lab.https_server is not None
    port = urlsplit(lab.https_server).port
    assert port is not None
    return port


def test_a_part_resumes_through_the_sandbox_started_again_on_another_port(tmp_path: Path) -> None:
    """Tester: quit gterm mid-download, start the same demo again, F5 the same file: the part went to 0,
    because its record named the server's URL and the demo's sandbox had another port."""
    data = os.urandom(6 * 1024 * 1024)
    target = tmp_path / "here" / "big.bin"
    target.parent.mkdir()
    with own_sandbox(tmp_path / "sandbox") as first:
        _, path = make_lab_dir(first, {"big.bin": data})
        kept = _interrupted(first, path + "big.bin", target)
        first_port = _port(first)
    assert 0 < kept < len(data)

    with _port_taken(first_port), own_sandbox(tmp_path / "sandbox") as second:
        assert _port(second) != first_port  # the collection's https_server is another URL now
        task = _download(second, path + "big.bin", target)
        task.run()

    snap = task.snapshot()
    assert snap.status == "SUCCEEDED", task.events()
    assert target.read_bytes() == data
    assert snap.raw["bytes_resumed"] == kept  # only the rest came over the network
    assert "PART_DISCARDED" not in [event.code for event in task.events()]
    assert sorted(p.name for p in target.parent.iterdir()) == ["big.bin"]  # the part and its record are gone


def _discarded(task: LocalTask) -> list[str]:
    return [event.description for event in task.events() if event.code == "PART_DISCARDED"]


def test_a_part_of_a_file_changed_since_is_discarded_and_said(sandbox: SandboxHandle, tmp_path: Path) -> None:
    old, new = os.urandom(4 * 1024 * 1024), os.urandom(4 * 1024 * 1024)
    disk, path = make_lab_dir(sandbox, {"v.bin": old})
    target = tmp_path / "v.bin"
    kept = _interrupted(sandbox, path + "v.bin", target)
    (disk / "v.bin").write_bytes(new)  # same size, other bytes: If-Range no longer holds
    os.utime(disk / "v.bin", (1_700_000_000, 1_700_000_000))

    task = _download(sandbox, path + "v.bin", target)
    task.run()

    assert task.snapshot().status == "SUCCEEDED", task.events()
    assert target.read_bytes() == new
    [said] = _discarded(task)
    assert f"{kept:,} bytes" in said and "changed" in said, said


def test_a_part_whose_record_cannot_be_read_is_discarded_and_said(sandbox: SandboxHandle, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024)
    _, path = make_lab_dir(sandbox, {"r.bin": data})
    target = tmp_path / "r.bin"
    kept = _interrupted(sandbox, path + "r.bin", target)
    resume_record_path(target).write_text("{not json", encoding="utf-8")

    task = _download(sandbox, path + "r.bin", target)
    task.run()

    assert task.snapshot().status == "SUCCEEDED", task.events()
    assert target.read_bytes() == data
    [said] = _discarded(task)
    assert f"{kept:,} bytes" in said and "record" in said, said


def test_a_part_no_download_recorded_is_discarded_and_said(sandbox: SandboxHandle, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024)
    _, path = make_lab_dir(sandbox, {"p.bin": data})
    target = tmp_path / "p.bin"
    part_path(target).write_bytes(b"unrelated" * 1000)  # another program's, or an older gterm's

    task = _download(sandbox, path + "p.bin", target)
    task.run()

    assert task.snapshot().status == "SUCCEEDED", task.events()
    assert target.read_bytes() == data
    [said] = _discarded(task)
    assert "9,000 bytes" in said, said


def test_a_part_of_another_file_is_discarded_and_said(sandbox: SandboxHandle, tmp_path: Path) -> None:
    first, second = os.urandom(3 * 1024 * 1024), os.urandom(3 * 1024 * 1024)
    _, path = make_lab_dir(sandbox, {"one/d.bin": first, "two/d.bin": second})
    target = tmp_path / "d.bin"
    kept = _interrupted(sandbox, path + "one/d.bin", target)

    task = _download(sandbox, path + "two/d.bin", target)
    task.run()

    assert task.snapshot().status == "SUCCEEDED", task.events()
    assert target.read_bytes() == second
    [said] = _discarded(task)
    assert f"{kept:,} bytes" in said and "another file" in said, said


def test_a_part_an_earlier_gterm_recorded_by_url_still_resumes(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """Records written before the collection and path were kept name the file by its URL: while that URL
    holds, their parts resume as before."""
    data = os.urandom(3 * 1024 * 1024)
    _, path = make_lab_dir(sandbox, {"old.bin": data})
    target = tmp_path / "old.bin"
    kept = _interrupted(sandbox, path + "old.bin", target)
    lab = service_for(sandbox).get_collection(LAB_STORAGE_ID)
    files = HttpsAccess(LoginHttpsTokens(sandbox)).files_for(lab)
    try:
        url, validator = files.url(path + "old.bin"), files.stat(path + "old.bin").validator
    finally:
        files.close()
    record = {"url": url, "validator": validator, "size": len(data)}
    resume_record_path(target).write_text(json.dumps(record), encoding="utf-8")

    task = _download(sandbox, path + "old.bin", target)
    task.run()

    assert task.snapshot().status == "SUCCEEDED", task.events()
    assert target.read_bytes() == data and task.snapshot().raw["bytes_resumed"] == kept
    assert _discarded(task) == []

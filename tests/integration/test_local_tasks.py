"""LocalTask: directory downloads and uploads over HTTPS and local copies, against the live sandbox."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import globus_sdk
import pytest

from gterm.globus.download_parts import part_path
from gterm.globus.https_access import HttpsFiles, https_scope
from gterm.globus.local_tasks import Item, LocalTask
from gterm.sandbox.https_data import https_server_url
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.task_format import finish_message
from tests.support.mounts import make_read_only, tmpfs_at
from tests.support.outages import bodies_cut
from tests.support.sandbox_login import login_tokens, new_native_client
from tests.support.transfer_live import make_lab_dir, service_for

TREE = {
    "a.txt": "alpha",
    "unicodé/β.txt": "beta" * 1000,
    "deep/er/still/c.bin": os.urandom(300_000),
    "sp ace/[markup] d.txt": "delta",
    **{f"many/f{i:03d}.dat": os.urandom(1000 + i) for i in range(120)},
}


def _task(
    sandbox: SandboxHandle, kind: str, items: list[Item], retry_delays: tuple[float, ...] | None = None,
    **kwargs: object,
) -> LocalTask:
    token = login_tokens(sandbox, https_scope(LAB_STORAGE_ID), new_native_client(sandbox))
    authorizer = globus_sdk.AccessTokenAuthorizer(token.by_resource_server[LAB_STORAGE_ID]["access_token"])
    service = service_for(sandbox)
    retries = {} if retry_delays is None else {"retry_delays": retry_delays}
    return LocalTask(
        kind=kind,  # type: ignore[arg-type]
        items=items,
        source_name="Lab Storage" if kind == "download" else "This computer",
        destination_name="This computer" if kind == "download" else "Lab Storage",
        open_remote=lambda: HttpsFiles(
            https_server_url(sandbox.state, LAB_STORAGE_ID), LAB_STORAGE_ID, authorizer, **retries
        ),
        list_remote=lambda path: service.ls(LAB_STORAGE_ID, path, show_hidden=True).entries,
        make_remote_dir=lambda path: service.mkdir(LAB_STORAGE_ID, path),
        **kwargs,  # type: ignore[arg-type]
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".gterm-part")
    }


def test_download_a_directory_tree(sandbox: SandboxHandle, tmp_path: Path) -> None:
    disk, path = make_lab_dir(sandbox, TREE)
    task = _task(sandbox, "download", [Item(path, str(tmp_path / "got"), is_dir=True)])
    task.run()
    snap = task.snapshot()
    assert snap.status == "SUCCEEDED", task.events()
    assert _tree(tmp_path / "got") == _tree(disk)
    assert snap.files == len(TREE) and snap.files_transferred == len(TREE)
    assert snap.bytes_transferred == sum(len(v) if isinstance(v, bytes) else len(v.encode()) for v in TREE.values())
    assert snap.raw["bytes_total"] == snap.bytes_transferred


def test_upload_a_directory_tree(sandbox: SandboxHandle, tmp_path: Path) -> None:
    local = tmp_path / "up"
    for rel, content in TREE.items():
        (local / rel).parent.mkdir(parents=True, exist_ok=True)
        (local / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
    disk, path = make_lab_dir(sandbox)
    task = _task(sandbox, "upload", [Item(str(local), path + "up/", is_dir=True)])
    task.run()
    assert task.snapshot().status == "SUCCEEDED", task.events()
    assert _tree(disk / "up") == _tree(local)


def test_local_copy_keeps_times(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "f.txt").write_text("hello")
    os.utime(src / "sub" / "f.txt", (1_500_000_000, 1_500_000_000))
    os.utime(src / "sub", (1_400_000_000, 1_400_000_000))
    os.utime(src, (1_300_000_000, 1_300_000_000))
    task = LocalTask(kind="copy", items=[Item(str(src), str(tmp_path / "dst"), is_dir=True)],
                     source_name="This computer", destination_name="This computer")
    task.run()
    assert task.snapshot().status == "SUCCEEDED"
    assert (tmp_path / "dst" / "sub" / "f.txt").read_text() == "hello"
    assert int((tmp_path / "dst" / "sub" / "f.txt").stat().st_mtime) == 1_500_000_000
    # Directories too, although writing their files moved their times meanwhile.
    assert int((tmp_path / "dst" / "sub").stat().st_mtime) == 1_400_000_000
    assert int((tmp_path / "dst").stat().st_mtime) == 1_300_000_000


def test_a_downloaded_tree_keeps_the_servers_directory_times(sandbox: SandboxHandle, tmp_path: Path) -> None:
    disk, path = make_lab_dir(sandbox, {"top/sub/deep/f.txt": "x", "top/g.txt": "y"})
    times = {"top": 1_300_000_000, "top/sub": 1_400_000_000, "top/sub/deep": 1_500_000_000}
    for name, when in times.items():
        os.utime(disk / name, (when, when))
    entry = next(e for e in service_for(sandbox).ls(LAB_STORAGE_ID, path).entries if e.name == "top")
    existing = tmp_path / "here"
    existing.mkdir()
    os.utime(existing, (1_000_000_000, 1_000_000_000))
    task = _task(sandbox, "download", [Item(path + "top", str(existing / "top"), is_dir=True,
                                            modified=entry.last_modified)])

    task.run()

    assert task.snapshot().status == "SUCCEEDED", task.events()
    for name, when in times.items():
        assert int((existing / name).stat().st_mtime) == when, name
    assert int(existing.stat().st_mtime) != 1_000_000_000  # a directory that was there keeps its own (new) time


def test_one_failing_file_does_not_stop_the_others(sandbox: SandboxHandle, tmp_path: Path) -> None:
    _, path = make_lab_dir(sandbox, {"ok1.txt": "1", "ok2.txt": "2"})
    items = [
        Item(path + "ok1.txt", str(tmp_path / "ok1.txt"), is_dir=False, size=1),
        Item(path + "gone.txt", str(tmp_path / "gone.txt"), is_dir=False, size=5),
        Item(path + "ok2.txt", str(tmp_path / "ok2.txt"), is_dir=False, size=1),
    ]
    task = _task(sandbox, "download", items)
    task.run()
    snap = task.snapshot()
    assert snap.status == "FAILED" and snap.subtasks_failed == 1 and snap.files_transferred == 2
    assert (tmp_path / "ok1.txt").read_text() == "1" and (tmp_path / "ok2.txt").read_text() == "2"
    errors = [e for e in task.events() if e.is_error and e.code == "FILE_FAILED"]
    assert len(errors) == 1 and "gone.txt" in errors[0].description


def test_a_failed_tasks_notice_says_why_the_first_file_failed(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # The notice said only "Download failed: …: 1 file failed"; the reason was in the task's details alone.
    _, path = make_lab_dir(sandbox, {"ok.txt": "1"})
    here = tmp_path / "here"
    here.mkdir()
    (here / "taken").write_text("a file where the download's directory would go")
    items = [Item(path + "ok.txt", str(here / "taken" / "one.txt"), is_dir=False, size=1)]
    one = _task(sandbox, "download", items, streams=1)
    one.run()
    reason = next(e.description for e in one.events() if e.code == "FILE_FAILED").split(": ", 1)[1]
    assert finish_message(one.snapshot()).endswith(f": 1 file failed: {reason}"), one.events()

    items.append(Item(path + "ok.txt", str(here / "taken" / "two.txt"), is_dir=False, size=1))
    several = _task(sandbox, "download", items, streams=1)
    several.run()
    assert finish_message(several.snapshot()).endswith(f": 2 files failed: {reason.removesuffix('.')} and 1 more.")


def test_conflicts_skip_or_rename(sandbox: SandboxHandle, tmp_path: Path) -> None:
    _, path = make_lab_dir(sandbox, {"same.txt": "remote"})
    (tmp_path / "same.txt").write_text("local")
    item = [Item(path + "same.txt", str(tmp_path / "same.txt"), is_dir=False, size=6)]
    skip = _task(sandbox, "download", item, on_conflict="skip")
    skip.run()
    assert skip.snapshot().files_skipped == 1 and (tmp_path / "same.txt").read_text() == "local"
    rename = _task(sandbox, "download", item, on_conflict="rename")
    rename.run()
    assert (tmp_path / "same (1).txt").read_text() == "remote" and (tmp_path / "same.txt").read_text() == "local"


def _dir_against_file(root: Path) -> None:
    """Here: ``tree/`` with a file where the collection has the directory ``sub/`` and a directory where it
    has the file ``a.txt``."""
    (root / "tree" / "a.txt").mkdir(parents=True)
    (root / "tree" / "sub").write_text("my file")


def test_skip_passes_over_a_directory_where_a_file_is_here_and_downloads_the_rest(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """QA: Skip on a directory download where one name was a directory on one side and a file on the
    other failed the whole download ("exists and is not a directory"); nothing else came. Then: the skipped
    directory was in the events only, so the task ended "All files moved" and its notice said nothing of it
    ("(0 files, 0 bytes)" when it was the only item)."""
    _, path = make_lab_dir(sandbox, {"tree/a.txt": "a", "tree/sub/b.txt": "b", "tree/other/c.txt": "c"})
    _dir_against_file(tmp_path)
    task = _task(sandbox, "download", [Item(path + "tree", str(tmp_path / "tree"), is_dir=True)], on_conflict="skip")

    task.run()

    snap = task.snapshot()
    assert snap.status == "SUCCEEDED", task.events()
    assert (tmp_path / "tree" / "other" / "c.txt").read_text() == "c"
    assert (tmp_path / "tree" / "sub").read_text() == "my file" and (tmp_path / "tree" / "a.txt").is_dir()
    skipped = " ".join(e.description for e in task.events() if e.code == "SKIPPED")
    assert "sub is a file in" in skipped and "a.txt is already in" in skipped, skipped
    # The file a.txt counts as a skipped file, the directory sub/ as a skipped directory (not a file).
    assert (snap.files, snap.files_skipped, snap.raw["directories_skipped"]) == (2, 1, 1)
    assert task.events()[-1].description == "All files moved; 1 file and 1 directory skipped"
    assert finish_message(snap).endswith("(1 file, 1 B, 1 file and 1 directory skipped)")

    alone = _task(sandbox, "download", [Item(path + "tree/sub", str(tmp_path / "tree" / "sub"), is_dir=True)],
                  on_conflict="skip")
    alone.run()
    assert finish_message(alone.snapshot()).endswith("(0 files, 0 B, 1 directory skipped)"), alone.events()


def test_a_directory_where_a_file_is_here_fails_alone_on_overwrite_and_is_kept_beside_on_rename(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    _, path = make_lab_dir(sandbox, {"tree/sub/b.txt": "b", "tree/other/c.txt": "c"})
    _dir_against_file(tmp_path)
    item = [Item(path + "tree", str(tmp_path / "tree"), is_dir=True)]
    overwrite = _task(sandbox, "download", item, on_conflict="overwrite")
    overwrite.run()
    assert overwrite.snapshot().status == "FAILED" and overwrite.snapshot().subtasks_failed == 1
    # A directory that failed, not a file (it was said as "1 file failed", and being in no file count it
    # held subtasks_pending one too low while the task ran).
    assert overwrite.fatal_error == (f"1 directory failed: {tmp_path / 'tree' / 'sub'} is a file here, not a directory;"
                                     " it was left as it was and nothing of the directory was downloaded."
                                     ), overwrite.fatal_error
    assert overwrite.snapshot().files == overwrite.snapshot().files_transferred == 1
    assert (tmp_path / "tree" / "other" / "c.txt").read_text() == "c"
    failed = [e.description for e in overwrite.events() if e.code == "FILE_FAILED"]
    assert len(failed) == 1 and "is a file here, not a directory" in failed[0], failed
    assert (tmp_path / "tree" / "sub").read_text() == "my file"

    merged = _task(sandbox, "download", item, on_conflict="resume")  # Continue merges into tree/ as overwrite
    merged.run()
    assert merged.snapshot().subtasks_failed == 1

    rename = _task(sandbox, "download", [Item(path + "tree/sub", str(tmp_path / "tree" / "sub"), is_dir=True)],
                   on_conflict="rename")
    rename.run()
    assert rename.snapshot().status == "SUCCEEDED", rename.events()
    assert (tmp_path / "tree" / "sub (1)" / "b.txt").read_text() == "b"


def test_cancel_stops_every_stream(sandbox: SandboxHandle, tmp_path: Path) -> None:
    files = {f"big{i}.bin": os.urandom(4 * 1024 * 1024) for i in range(6)}
    _, path = make_lab_dir(sandbox, files)
    task = _task(sandbox, "download", [Item(path, str(tmp_path / "c"), is_dir=True)])
    runner = threading.Thread(target=task.run)
    runner.start()
    while task.snapshot().bytes_transferred == 0 and runner.is_alive():
        threading.Event().wait(0.005)
    task.cancel()
    runner.join(timeout=60)
    snap = task.snapshot()
    assert not runner.is_alive()
    assert snap.status == "FAILED" and snap.nice_status == "CANCELED"
    assert snap.bytes_transferred < sum(len(v) for v in files.values())


def test_a_refused_token_fails_the_task_once_not_every_file(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # A token the collection does not take (issued for another collection): its server answers 401.
    files = {f"f{i}.txt": f"{i}" for i in range(12)}
    _, path = make_lab_dir(sandbox, files)
    other = login_tokens(sandbox, https_scope(HPC_SCRATCH_ID), new_native_client(sandbox))
    wrong = globus_sdk.AccessTokenAuthorizer(other.by_resource_server[HPC_SCRATCH_ID]["access_token"])
    task = _task(sandbox, "download", [Item(path, str(tmp_path / "got"), is_dir=True)], streams=1)
    task.open_remote = lambda: HttpsFiles(https_server_url(sandbox.state, LAB_STORAGE_ID), LAB_STORAGE_ID, wrong)

    task.run()

    snap = task.snapshot()
    assert snap.status == "FAILED" and snap.files_transferred == 0
    assert "sign in" in str(task.fatal_error) and "F5 again" in str(task.fatal_error)
    errors = [e for e in task.events() if e.is_error]
    assert [e.code for e in errors] == ["SIGN_IN_NEEDED", "FAILED"]  # one sign-in notice, not one per file


def test_continue_keeps_the_bytes_there_and_fetches_the_rest(sandbox: SandboxHandle, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024)
    _, path = make_lab_dir(sandbox, {"half.bin": data})
    (tmp_path / "half.bin").write_bytes(data[:1_000_000])  # what an earlier, interrupted copy left
    item = [Item(path + "half.bin", str(tmp_path / "half.bin"), is_dir=False, size=len(data))]
    task = _task(sandbox, "download", item, on_conflict="resume")

    task.run()

    snap = task.snapshot()
    assert snap.status == "SUCCEEDED", task.events()
    assert (tmp_path / "half.bin").read_bytes() == data
    assert snap.bytes_transferred == len(data)  # the bytes kept count as done, as curl -C - says
    assert snap.raw["bytes_resumed"] == 1_000_000  # only the rest came over the network (the rate's bytes)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["half.bin"]


def test_a_resumed_download_counts_the_part_it_resumes_from(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # F5 again after a cancel: the bar, percent and bytes count what is on disk; the rate only this run's bytes.
    data = os.urandom(6 * 1024 * 1024)
    _, path = make_lab_dir(sandbox, {"big.bin": data})
    item = [Item(path + "big.bin", str(tmp_path / "big.bin"), is_dir=False, size=len(data))]
    first = _task(sandbox, "download", item)
    first.open_remote = lambda: _cancelling_after_first_piece(first, _task(sandbox, "download", item))
    first.run()
    kept = part_path(tmp_path / "big.bin").stat().st_size
    assert first.snapshot().nice_status == "CANCELED" and 0 < kept < len(data)
    second = _task(sandbox, "download", item)
    runner = threading.Thread(target=second.run)
    runner.start()
    while second.snapshot().bytes_transferred == 0 and runner.is_alive():
        threading.Event().wait(0.001)
    assert second.snapshot().bytes_transferred >= kept  # from its first report on, the part counts
    runner.join(timeout=60)

    snap = second.snapshot()
    assert snap.status == "SUCCEEDED", second.events()
    assert (tmp_path / "big.bin").read_bytes() == data
    assert snap.bytes_transferred == len(data) and snap.raw["bytes_resumed"] == kept
    assert snap.completion_time is not None and snap.request_time is not None
    elapsed = (snap.completion_time - snap.request_time).total_seconds()
    assert snap.effective_bytes_per_second <= 1.05 * (len(data) - kept) / elapsed  # this run's bytes only


def test_a_download_that_waited_out_an_outage_counts_each_byte_once(
    sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: the network dropped 600 MiB into a 1 GiB download and, once it was back, the bar said ~1.6 GiB of
    1 GiB: the attempt after the outage counted the part file as resumed bytes, although the attempt that
    fetched them had counted them already. Here the server drops the connection mid-file twice (HttpsFiles'
    quick retry meets the second drop, so the task waits the outage out and tries again)."""
    from gterm.globus import local_tasks

    monkeypatch.setattr(local_tasks, "OUTAGE_PAUSES", (0.05,))
    data = os.urandom(3 * 1024 * 1024)
    _, path = make_lab_dir(sandbox, {"big.bin": data})
    item = Item(path + "big.bin", str(tmp_path / "big.bin"), is_dir=False, size=len(data))
    task = _task(sandbox, "download", [item], retry_delays=(0.05,))  # one quick retry, then the task's wait
    gets: list[str] = []

    def first_two_gets(method: str, url_path: str) -> bool:
        if method != "GET" or not url_path.endswith("/big.bin"):
            return False
        gets.append(url_path)
        return len(gets) <= 2

    with bodies_cut(sandbox, first_two_gets, after=1_500_000):  # one whole piece (1 MiB) lands each time
        task.run()

    snap = task.snapshot()
    assert snap.status == "SUCCEEDED", task.events()
    assert len(gets) == 3 and "CONNECTION_LOST" in [e.code for e in task.events()]  # the outage path ran
    assert (tmp_path / "big.bin").read_bytes() == data
    assert snap.bytes_transferred == len(data) == snap.raw["bytes_total"]
    assert snap.raw["bytes_resumed"] == 0  # every byte came over the network in this task: all of it the rate's


def _cancelling_after_first_piece(task: LocalTask, opener: LocalTask) -> HttpsFiles:
    """``opener``'s remote, whose downloads cancel ``task`` once their first piece is written."""
    assert opener.open_remote is not None
    remote = opener.open_remote()
    download = remote.download

    def first_piece_then_cancel(*args: object, **kwargs: object) -> object:
        report = kwargs.get("progress")

        def progress(n: int) -> None:
            if callable(report):
                report(n)
            task.cancel()

        # The real download runs; only its progress callback is wrapped (object-typed pass-through).
        return download(*args, **{**kwargs, "progress": progress})  # type: ignore[arg-type]

    remote.download = first_piece_then_cancel  # type: ignore[method-assign]  # this one object's, for the test
    return remote


def test_an_upload_where_the_collection_allows_only_reading_fails_and_leaves_nothing(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    # Lab Storage's root belongs to its administrators: readable, not writable (files go below /projects/...).
    (tmp_path / "mine.txt").write_text("mine")
    name = f"not-here-{os.getpid()}-{threading.get_ident()}.txt"
    task = _task(sandbox, "upload", [Item(str(tmp_path / "mine.txt"), "/" + name, is_dir=False, size=4)])

    task.run()

    snap = task.snapshot()
    assert snap.status == "FAILED" and snap.files_transferred == 0
    failed = [e for e in task.events() if e.code == "FILE_FAILED"]
    assert len(failed) == 1 and "Permission denied: write access" in failed[0].description
    root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == LAB_STORAGE_ID)
    assert not [p for p in root.iterdir() if name in p.name or p.name.startswith(".gterm-upload-")]


def test_a_full_disk_stops_the_task_once_and_keeps_the_part(sandbox: SandboxHandle, tmp_path: Path) -> None:
    files = {f"f{i}.bin": os.urandom(200_000) for i in range(3)}
    _, path = make_lab_dir(sandbox, files)
    items = [Item(path + name, str(tmp_path / name), is_dir=False, size=200_000) for name in sorted(files)]
    part_path(tmp_path / "f0.bin").symlink_to("/dev/full")  # its writes fail with ENOSPC, as a full disk's do
    task = _task(sandbox, "download", items, streams=1)

    task.run()

    snap = task.snapshot()
    assert snap.status == "FAILED" and snap.files_transferred == 0
    assert "disk is full while writing f0.bin" in str(task.fatal_error)
    assert "is kept, so the next download resumes from it" in str(task.fatal_error)
    assert [e.code for e in task.events() if e.is_error] == ["DISK_FULL", "FAILED"]
    assert not any((tmp_path / name).exists() for name in files)  # the other files were not started


def test_a_full_disk_met_only_as_the_part_is_closed_is_disk_full(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # A small file sits in the write buffer: ENOSPC comes only from close() flushing it. It was a plain
    # "FILE_FAILED ...: No space left on device", with nothing about the part or what to do.
    _, path = make_lab_dir(sandbox, {"small.bin": os.urandom(1000), "next.bin": os.urandom(1000)})
    items = [Item(path + name, str(tmp_path / name), is_dir=False, size=1000) for name in ("small.bin", "next.bin")]
    part_path(tmp_path / "small.bin").symlink_to("/dev/full")
    task = _task(sandbox, "download", items, streams=1)

    task.run()

    assert [e.code for e in task.events() if e.is_error] == ["DISK_FULL", "FAILED"], task.events()
    assert "disk is full while writing small.bin" in str(task.fatal_error)
    assert f"{part_path(tmp_path / 'small.bin').name} is kept" in str(task.fatal_error)


def test_a_real_full_disk_is_disk_full_from_the_first_file(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # 3.1 MB into a 2 MB file system: the writes fill it, then close() flushes what the buffer still holds.
    files = {"big.bin": os.urandom(3_100_000), "other.bin": os.urandom(1000)}
    _, path = make_lab_dir(sandbox, files)
    with tmpfs_at(tmp_path / "small-disk", "2m") as disk:
        items = [Item(path + name, str(disk / name), is_dir=False, size=len(files[name])) for name in files]
        task = _task(sandbox, "download", items, streams=1)

        task.run()

        assert [e.code for e in task.events() if e.is_error] == ["DISK_FULL", "FAILED"], task.events()
        assert "disk is full while writing big.bin" in str(task.fatal_error)
        assert part_path(disk / "big.bin").stat().st_size > 0  # kept for the resume the message promises
        assert not (disk / "other.bin").exists()


def test_a_download_onto_a_read_only_file_system_says_so(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # It said "No permission to write …": no chmod would help.
    _, path = make_lab_dir(sandbox, {"README.md": "read me"})
    with tmpfs_at(tmp_path / "ro") as mount:
        make_read_only(mount)
        task = _task(sandbox, "download", [Item(path + "README.md", str(mount / "README.md"), is_dir=False, size=7)])
        task.run()
    assert task.fatal_error == f"1 file failed: Cannot write {mount / 'README.md'}: the file system there is read-only."


def _copy(items: list[Item], **kwargs: object) -> LocalTask:
    return LocalTask(kind="copy", items=items, source_name="This computer", destination_name="This computer",
                     **kwargs)  # type: ignore[arg-type]


def test_a_file_the_dialog_did_not_see_is_kept_not_overwritten(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # The pane's listing was stale: no conflict was asked about, but the name is taken on disk now.
    _, path = make_lab_dir(sandbox, {"same.txt": "remote"})
    (tmp_path / "same.txt").write_text("mine")
    (tmp_path / "src.txt").write_text("copied")
    (tmp_path / "dst").mkdir()
    (tmp_path / "dst" / "src.txt").write_text("mine too")
    download = _task(sandbox, "download", [Item(path + "same.txt", str(tmp_path / "same.txt"), is_dir=False, size=6)])
    copy = _copy([Item(str(tmp_path / "src.txt"), str(tmp_path / "dst" / "src.txt"), is_dir=False, size=6)])

    download.run()
    copy.run()

    assert download.snapshot().status == "SUCCEEDED" and copy.snapshot().status == "SUCCEEDED"
    assert (tmp_path / "same.txt").read_text() == "mine" and (tmp_path / "same (1).txt").read_text() == "remote"
    assert (tmp_path / "dst" / "src.txt").read_text() == "mine too"
    assert (tmp_path / "dst" / "src (1).txt").read_text() == "copied"
    for task, name in ((download, "same (1).txt"), (copy, "src (1).txt")):
        kept = [e for e in task.events() if e.code == "KEPT_BOTH"]
        assert len(kept) == 1 and "is already in" in kept[0].description and name in kept[0].description


@pytest.mark.parametrize(
    ("mine", "why"),
    [(b"not the start of it" * 1000, "differs from the start"), (b"x" * 300_001, "is larger than the file")],
    ids=["other-bytes", "longer"],
)
def test_continue_onto_a_file_that_is_not_a_partial_download_refuses(
    sandbox: SandboxHandle, tmp_path: Path, mine: bytes, why: str
) -> None:
    data = os.urandom(300_000)
    _, path = make_lab_dir(sandbox, {"other.bin": data})
    target = tmp_path / "other.bin"
    target.write_bytes(mine)
    task = _task(sandbox, "download", [Item(path + "other.bin", str(target), is_dir=False, size=len(data))],
                 on_conflict="resume")

    task.run()

    assert task.snapshot().status == "FAILED"
    failed = [e for e in task.events() if e.code == "FILE_FAILED"]
    assert len(failed) == 1 and why in failed[0].description and "nothing was changed" in failed[0].description
    assert target.read_bytes() == mine  # nothing appended, nothing renamed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.bin"]


def test_keep_both_on_a_directory_download_makes_a_new_directory(sandbox: SandboxHandle, tmp_path: Path) -> None:
    _, path = make_lab_dir(sandbox, {"tree/a.txt": "new a", "tree/b.txt": "new b"})
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.txt").write_text("old a")
    task = _task(sandbox, "download", [Item(path + "tree", str(tmp_path / "tree"), is_dir=True)],
                 on_conflict="rename")

    task.run()

    assert task.snapshot().status == "SUCCEEDED", task.events()
    assert _tree(tmp_path / "tree") == {"a.txt": b"old a"}
    assert _tree(tmp_path / "tree (1)") == {"a.txt": b"new a", "b.txt": b"new b"}


def test_keep_both_names_a_file_as_uploads_do(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "arch.tar.gz").write_bytes(b"new")
    (tmp_path / "arch.tar.gz").write_bytes(b"old")
    task = _copy([Item(str(tmp_path / "src" / "arch.tar.gz"), str(tmp_path / "arch.tar.gz"), is_dir=False)],
                 on_conflict="rename")
    task.run()
    assert (tmp_path / "arch (1).tar.gz").read_bytes() == b"new"


def test_a_copy_of_a_directory_into_itself_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "tree"
    (source / "sub").mkdir(parents=True)
    (source / "f.txt").write_text("f")
    task = _copy([Item(str(source), str(source / "sub" / "tree"), is_dir=True)])

    task.run()

    assert task.snapshot().status == "FAILED"
    assert "into itself" in str(task.fatal_error)
    assert sorted(str(p.relative_to(source)) for p in source.rglob("*")) == ["f.txt", "sub"]


def test_links_in_a_copied_tree_stay_links_and_an_upload_says_it_left_them_out(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    source = tmp_path / "tree"
    source.mkdir()
    (source / "f.txt").write_text("f")
    (source / "to-f").symlink_to("f.txt")
    (source / "dangling").symlink_to("nowhere")
    copy = _copy([Item(str(source), str(tmp_path / "copy"), is_dir=True)])
    copy.run()
    assert copy.snapshot().status == "SUCCEEDED", copy.events()
    assert os.readlink(tmp_path / "copy" / "to-f") == "f.txt"
    assert os.readlink(tmp_path / "copy" / "dangling") == "nowhere"

    disk, path = make_lab_dir(sandbox)
    upload = _task(sandbox, "upload", [Item(str(source), path + "tree/", is_dir=True)])
    upload.run()
    assert upload.snapshot().status == "SUCCEEDED", upload.events()
    assert sorted(p.name for p in (disk / "tree").iterdir()) == ["f.txt"]
    left = [e for e in upload.events() if e.code == "LINKS_LEFT_OUT"]
    assert len(left) == 1 and "1 link left out" in left[0].description and "to-f" in left[0].description
    skipped = [e for e in upload.events() if e.code == "SKIPPED"]  # a broken link is skipped, and counted
    assert len(skipped) == 1 and "1 broken link skipped" in skipped[0].description
    assert "dangling" in skipped[0].description and upload.snapshot().files_skipped == 1


def test_what_a_tree_walk_left_out_is_in_the_summary_and_the_notice(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """QA: an uploaded directory holding a link to a file, a link leading outside and a named pipe ended
    "Upload succeeded: ... (1 file, 3 B)" and "All files moved"; only events further down said what was left
    out. A download leaves out the links Transfer will not follow, and said nothing of them at all."""
    outside = tmp_path / "outside.txt"
    outside.write_text("out")
    source = tmp_path / "updir"
    source.mkdir()
    (source / "f.txt").write_text("abc")
    (source / "to-f").symlink_to("f.txt")
    (source / "to-outside").symlink_to(outside)
    os.mkfifo(source / "pipe")
    disk, path = make_lab_dir(sandbox)
    upload = _task(sandbox, "upload", [Item(str(source), path + "updir/", is_dir=True)])
    copy = _copy([Item(str(source), str(tmp_path / "copy"), is_dir=True)])

    for task in (upload, copy):
        task.run()
    (disk / "updir" / "gone").symlink_to("nowhere")  # the collection lists it as invalid_symlink
    download = _task(sandbox, "download", [Item(path + "updir/", str(tmp_path / "down"), is_dir=True)])
    download.run()

    for task, summary, notice in (
        (upload, "1 file moved; 2 links and 1 special file left out",
         "(1 file, 3 B; 2 links and 1 special file left out)"),
        (copy, "3 files moved; 1 special file left out", "(3 files, 3 B; 1 special file left out)"),  # links stay links
        (download, "1 file moved; 1 link left out", "(1 file, 3 B; 1 link left out)"),
    ):
        snap = task.snapshot()
        assert snap.status == "SUCCEEDED" and task.events()[-1].description == summary, task.events()
        assert finish_message(snap).endswith(notice), finish_message(snap)
    left = [e.description for e in download.events() if e.code == "LINKS_LEFT_OUT"]
    assert left == [f"1 link left out (broken, or leading outside the collection: nothing behind them to fetch): "
                    f"{path}updir/gone"]


def _unreadable(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """``directory`` cannot be listed, as a chmod 000 directory cannot (root reads those, so the test
    refuses at the OS call itself)."""
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> Any:  # os.scandir's own iterator, as the real one returns
        if os.fspath(path).rstrip("/") == str(directory):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_directory_in_a_tree_fails_alone_and_the_rest_is_sent(
    sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: a directory that could not be read (chmod 000) inside an uploaded or copied tree ended the
    whole task at once ("Could not read the source: Permission denied."), naming no path, sending nothing."""
    source = tmp_path / "tree"
    (source / "locked").mkdir(parents=True)
    (source / "locked" / "secret.txt").write_text("s")
    (source / "open").mkdir()
    (source / "open" / "b.txt").write_text("b")
    (source / "a.txt").write_text("a")
    _unreadable(monkeypatch, source / "locked")
    disk, path = make_lab_dir(sandbox)
    copy = _copy([Item(str(source), str(tmp_path / "copy"), is_dir=True)])
    upload = _task(sandbox, "upload", [Item(str(source), path + "tree/", is_dir=True)])

    for task, written in ((copy, tmp_path / "copy"), (upload, disk / "tree")):
        task.run()
        snap = task.snapshot()
        assert snap.status == "FAILED" and snap.files_transferred == 2, task.events()
        assert _tree(written) == {"a.txt": b"a", "open/b.txt": b"b"}
        failed = [e.description for e in task.events() if e.code == "FILE_FAILED"]
        assert len(failed) == 1 and f"No permission to read {source / 'locked'}" in failed[0], failed
        # The notice says why too, as the event does.
        assert task.fatal_error == f"1 directory failed: {failed[0].split(': ', 1)[1]}", task.fatal_error


def test_broken_links_in_an_uploaded_tree_are_named_and_counted_as_skipped(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """QA: a broken link in an uploaded tree went nowhere and the task said "All files moved"."""
    source = tmp_path / "tree"
    (source / "sub").mkdir(parents=True)
    (source / "f.txt").write_text("f")
    (source / "sub" / "dangling").symlink_to("nowhere")
    disk, path = make_lab_dir(sandbox)
    upload = _task(sandbox, "upload", [Item(str(source), path + "tree/", is_dir=True)])

    upload.run()

    snap = upload.snapshot()
    assert snap.status == "SUCCEEDED" and snap.files_skipped == 1 and snap.files == 2, upload.events()
    skipped = [e.description for e in upload.events() if e.code == "SKIPPED"]
    assert skipped == [f"1 broken link skipped (nothing behind it to send): {source / 'sub' / 'dangling'}"]
    assert upload.events()[-1].description == "All files moved; 1 file skipped"
    assert sorted(str(p.relative_to(disk / "tree")) for p in (disk / "tree").rglob("*")) == ["f.txt", "sub"]


@pytest.mark.parametrize("count", [2, 30], ids=["stat-each", "list-afresh"])
def test_an_upload_learns_the_names_the_collection_holds_now(
    sandbox: SandboxHandle, count: int
) -> None:
    """What F5's question about existing names is built from for an upload: the collection, asked now
    (a stat per name, or one fresh listing for many), not the pane's listing alone."""
    from gterm.globus.models import Entry
    from gterm.tui.local_transfer import build_task, conflicts, with_destination_now
    from gterm.tui.transfer_plan import TransferPlan

    names = [f"f{i:02d}.txt" for i in range(count)]
    _disk, path = make_lab_dir(sandbox, {names[0]: "theirs", "listed.txt": "l"})
    plan = TransferPlan(
        source_collection_id="local", source_name="This computer", source_path="/src/",
        destination_collection_id=LAB_STORAGE_ID, destination_name="Lab Storage", destination_path=path,
        entries=tuple(Entry(name, "file", 3, None) for name in [*names, "listed.txt"]),
        destination_entries=(Entry("listed.txt", "file", 1, None),),  # a stale listing: no f00.txt
    )
    service = service_for(sandbox)

    checked = with_destination_now(plan, service)

    found = [conflict.existing for conflict in conflicts(checked)]
    assert [(entry.name, entry.size) for entry in found] == [(names[0], 6), ("listed.txt", 1)]
    task = build_task(checked, "upload", "rename", remote=None, https=None, service=service)
    assert [item.destination for item in task.items if "f00" in item.destination] == [path + "f00 (1).txt"]


def test_a_named_pipe_is_refused_at_once_never_waited_on(sandbox: SandboxHandle, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "inner-pipe")
    (tree / "f.txt").write_text("f")
    _, path = make_lab_dir(sandbox)
    tasks = [
        _copy([Item(str(fifo), str(tmp_path / "copied-pipe"), is_dir=False)]),
        _task(sandbox, "upload", [Item(str(fifo), path + "pipe", is_dir=False)]),
        _copy([Item(str(tree), str(tmp_path / "tree-copy"), is_dir=True)]),
    ]
    for task in tasks:
        runner = threading.Thread(target=task.run, daemon=True)
        runner.start()
        runner.join(timeout=20)
        assert not runner.is_alive(), "the task waited on the pipe"
    for task in tasks[:2]:
        failed = [e for e in task.events() if e.code == "FILE_FAILED"]
        assert len(failed) == 1 and "is a named pipe (FIFO), not a regular file" in failed[0].description
    assert tasks[2].snapshot().status == "SUCCEEDED"
    assert [e.code for e in tasks[2].events() if "LEFT_OUT" in e.code] == ["SPECIAL_FILES_LEFT_OUT"]
    assert not (tmp_path / "tree-copy" / "inner-pipe").exists()


def test_a_missing_source_is_said_as_the_source(tmp_path: Path) -> None:
    task = _copy([Item(str(tmp_path / "gone.txt"), str(tmp_path / "out" / "gone.txt"), is_dir=False, size=3)])
    (tmp_path / "out").mkdir()
    task.run()
    failed = [e for e in task.events() if e.code == "FILE_FAILED"]
    assert len(failed) == 1
    assert f"{tmp_path / 'gone.txt'} does not exist on this computer" in failed[0].description
    assert "Could not write" not in failed[0].description


class _LateRelay:
    """A TCP relay to ``target`` on a port that refuses connections (nothing listens: a network that is
    away) until :meth:`come_back`, then passes everything on."""

    def __init__(self, target: tuple[str, int]) -> None:
        probe = socket.create_server(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()  # refused from now on: nothing listens there
        self.target = target
        self.listener: socket.socket | None = None

    def come_back(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


def _download_through(sandbox: SandboxHandle, relay: _LateRelay, path: str, into: Path) -> LocalTask:
    """A download of ``path`` through ``relay`` (the same TLS trust as the direct URL; quick HTTPS retries)."""
    base = https_server_url(sandbox.state, LAB_STORAGE_ID)
    host_port = base.split("://", 1)[1].split("/", 1)[0]
    token = login_tokens(sandbox, https_scope(LAB_STORAGE_ID), new_native_client(sandbox))
    authorizer = globus_sdk.AccessTokenAuthorizer(token.by_resource_server[LAB_STORAGE_ID]["access_token"])

    def through_relay() -> HttpsFiles:
        remote = HttpsFiles(base.replace(host_port, f"127.0.0.1:{relay.port}"), LAB_STORAGE_ID, authorizer,
                            retry_delays=(0.05,))
        remote._http.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
        return remote

    service = service_for(sandbox)
    return LocalTask("download", [Item(path, str(into), is_dir=True)], "Lab Storage", "This computer",
                     open_remote=through_relay, list_remote=lambda p: service.ls(LAB_STORAGE_ID, p).entries)


def _lab_relay(sandbox: SandboxHandle) -> _LateRelay:
    host_port = https_server_url(sandbox.state, LAB_STORAGE_ID).split("://", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return _LateRelay((host.strip("[]"), int(port)))


def test_a_download_waits_for_the_network_and_goes_on_when_it_is_back(
    sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The network went away: each file failed on its own ("Cannot reach …") and the task ended FAILED. As
    Globus retries a fault, the task now says it waits, tries again, and ends whole when the network is back."""
    from gterm.globus import local_tasks

    monkeypatch.setattr(local_tasks, "OUTAGE_PAUSES", (0.2,))
    files = {f"f{i}.bin": os.urandom(50_000 + i) for i in range(6)}
    _, path = make_lab_dir(sandbox, files)
    relay = _lab_relay(sandbox)
    task = _download_through(sandbox, relay, path, tmp_path / "got")
    runner = threading.Thread(target=task.run, daemon=True)
    try:
        runner.start()
        deadline = time.monotonic() + 30
        while task.snapshot().nice_status != "CONNECTION_LOST" and time.monotonic() < deadline:
            time.sleep(0.05)
        waiting = task.snapshot()
        assert (waiting.status, waiting.nice_status) == ("ACTIVE", "CONNECTION_LOST"), task.events()
        relay.come_back()
        runner.join(timeout=60)
    finally:
        relay.close()
    done = task.snapshot()
    assert done.status == "SUCCEEDED" and done.subtasks_failed == 0, task.events()
    assert {p.name: p.read_bytes() for p in (tmp_path / "got").iterdir()} == files
    codes = [event.code for event in task.events()]
    assert codes.count("CONNECTION_LOST") == 1 and "CONNECTION_RESTORED" in codes


def test_an_outage_past_the_limit_stops_the_task_once(
    sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the limit the task stops with one reason; the files that were waiting are no failures of their own
    (each one was also counted and logged as FILE_FAILED)."""
    from gterm.globus import local_tasks

    monkeypatch.setattr(local_tasks, "OUTAGE_PAUSES", (0.1,))
    monkeypatch.setattr(local_tasks, "OUTAGE_LIMIT", 0.5)
    _, path = make_lab_dir(sandbox, {f"f{i}.bin": b"x" * 1000 for i in range(6)})
    relay = _lab_relay(sandbox)  # never comes back
    task = _download_through(sandbox, relay, path, tmp_path / "got")
    started = time.monotonic()
    task.run()
    done = task.snapshot()
    assert done.status == "FAILED" and done.subtasks_failed == 0, task.events()
    assert "No connection for" in (task.fatal_error or "")
    assert [e.code for e in task.events()].count("FILE_FAILED") == 0
    assert time.monotonic() - started < 20  # the waiting files stopped with the task, not after their pauses

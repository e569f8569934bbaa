"""Hostile scenarios: nothing outside a collection root is ever listed, read, written or deleted.

Each test plants a canary directory outside every root (``tests.support.canary``)
and swaps directories for symlinks that point at it, exactly as an attacker
with a shell on the shared file system would: a guest root renamed into place
over a directory holding an outside link, a parent directory swapped while a
task waits in the queue (the engine is stopped, so the task cannot start
before the swap) and while it runs (held between two files by the engine's
pause seam, or mid-file under ``--slow``), links pointing outside at every
depth, renames that turn inside links into outside ones. Afterwards the
canary is byte-for-byte unchanged and its secret is nowhere under the roots.

Confinement relies on descriptors, not on file permissions: these tests run
the same as root (CI) and as a normal user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import globus_sdk
import pytest
import requests

from gterm.sandbox.https_data import https_server_url
from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_STORAGE_ID, https_scope
from gterm.sandbox.server import SandboxHandle
from tests.support.canary import Canary, make_canary
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.sandbox_login import login_tokens, new_native_client, own_sandbox, transfer_client_for
from tests.support.tasks_helpers import wait_done, wait_until
from tests.support.transfer_helpers import api_error, collection_root, unique

LAB = LAB_STORAGE_ID
SLOW = 256 * 1024  # bytes per second per task, for the mid-file swap


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("hostile")) as handle:
        yield handle


@pytest.fixture(scope="module")
def tc(hostile: SandboxHandle) -> globus_sdk.TransferClient:
    return transfer_client_for(hostile, "alice")


@pytest.fixture(scope="module")
def gcs(hostile: SandboxHandle) -> globus_sdk.GCSClient:
    """Alice on Lab Storage's GCS Manager, where GCSv5 guest collections are made."""
    return gcs_client_for(hostile, LAB_ENDPOINT_ID, "alice", data_access=[LAB])


@pytest.fixture
def canary(hostile: SandboxHandle) -> Iterator[Canary]:
    made = make_canary(hostile)
    yield made
    shutil.rmtree(made.root)


@pytest.fixture
def work(hostile: SandboxHandle) -> tuple[str, Path]:
    """A fresh directory in Alice's home on Lab Storage: (collection path ending in "/", disk path)."""
    name = unique("hostile")
    disk = collection_root(hostile, LAB) / "home" / "alice" / name
    disk.mkdir(parents=True)
    return f"/home/alice/{name}/", disk


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _swap_for_link(directory: Path, target: str) -> None:
    """Rename a directory away (it stays inside the root) and put a symlink in its place."""
    directory.rename(directory.with_name(directory.name + "-moved"))
    os.symlink(target, directory)


def _refused(canary: Canary, call: Callable[[], Any]) -> globus_sdk.TransferAPIError:
    err = api_error(call)
    canary.seen(err.text or "")
    assert 400 <= err.http_status < 500, err.text
    return err


def _transfer(tc: globus_sdk.TransferClient, items: list[tuple[str, str, bool]], **options: Any) -> str:
    data = globus_sdk.TransferData(LAB, LAB, **options)
    for src, dst, recursive in items:
        data.add_item(src, dst, recursive=recursive)
    return str(tc.submit_transfer(data)["task_id"])


def _delete(tc: globus_sdk.TransferClient, paths: list[str], collection: str = LAB, **options: Any) -> str:
    data = globus_sdk.DeleteData(endpoint=collection, **options)
    for path in paths:
        data.add_item(path)
    return str(tc.submit_delete(data)["task_id"])


def _https_token(handle: SandboxHandle, collection_id: str) -> str:
    tokens = login_tokens(handle, https_scope(collection_id), new_native_client(handle))
    return str(tokens.by_resource_server[collection_id]["access_token"])


def _https(handle: SandboxHandle, canary: Canary, method: str, collection_id: str, path: str,
           data: bytes | None = None) -> requests.Response:
    url = https_server_url(handle.state, collection_id) + "/" + path.lstrip("/")
    response = requests.request(method, url, data=data, allow_redirects=False, timeout=30,
                                headers={"Authorization": f"Bearer {_https_token(handle, collection_id)}"})
    canary.seen(response.content)
    return response


def _events(tc: globus_sdk.TransferClient, canary: Canary, task_id: str) -> list[dict[str, Any]]:
    events = [dict(event) for event in tc.paginated.task_event_list(task_id).items()]
    canary.seen(repr(events))
    return events


# --------------------------------------------------------------------------- outside links


def _through(tc: globus_sdk.TransferClient, link: str, base: str) -> list[Callable[[], Any]]:
    """Every Transfer operation that would act through ``link`` (to be refused); ``base`` is a work dir."""
    return [
        lambda: tc.operation_ls(LAB, path=link + "/"),
        lambda: tc.operation_ls(LAB, path=link + "/sub/"),
        lambda: tc.operation_stat(LAB, link + "/secret.txt"),
        lambda: tc.operation_mkdir(LAB, link + "/new/"),
        lambda: tc.operation_rename(LAB, base + "mine.txt", link + "/mine.txt"),
        lambda: tc.operation_rename(LAB, link + "/secret.txt", base + "stolen.txt"),
        lambda: _transfer(tc, [(link + "/secret.txt", base + "stolen.txt", False)]),
        lambda: _transfer(tc, [(link + "/", base + "stolen/", True)]),
        lambda: _transfer(tc, [(link, base + "stolen", False)]),  # the link itself, as an item (followed)
        lambda: _transfer(tc, [(link, base + "stolen/", True)]),
        lambda: _transfer(tc, [(base + "mine.txt", link + "/f.bin", False)]),
        lambda: _delete(tc, [link + "/secret.txt"]),
        lambda: _delete(tc, [link + "/sub/"], recursive=True),
    ]


@pytest.mark.parametrize("form", ["relative", "absolute"])
def test_outside_links_at_every_depth_are_never_followed(
    hostile: SandboxHandle, tc: globus_sdk.TransferClient, canary: Canary, work: tuple[str, Path], form: str
) -> None:
    base, disk = work
    root = collection_root(hostile, LAB)
    _write(disk / "mine.txt", b"mine")
    tag = unique("out")
    # A link to the canary at the root, one and two levels down, in a work dir and deep inside it.
    depths = [(root, "/"), (root / "home", "/home/"), (root / "home" / "alice", "/home/alice/"),
              (disk, base), (disk / "a" / "b" / "c", base + "a/b/c/")]
    for directory, _ in depths:
        directory.mkdir(parents=True, exist_ok=True)
        os.symlink(canary.relative_from(directory) if form == "relative" else str(canary.root), directory / tag)
    try:
        for _, path in depths:
            listing = tc.operation_ls(LAB, path=path)
            canary.seen(listing.text)
            (entry,) = [e for e in listing["DATA"] if e["name"] == tag]
            assert entry["type"] == "invalid_symlink" and entry["link_target"] is None
            link = path + tag
            for call in _through(tc, link, base):
                assert _refused(canary, call).http_status == 400
            for method, target in (("GET", "/secret.txt"), ("HEAD", "/secret.txt"), ("PUT", "/f.bin"),
                                   ("DELETE", "/secret.txt")):
                response = _https(hostile, canary, method, LAB, link.lstrip("/") + target, b"overwrite")
                assert 400 <= response.status_code < 500
    finally:
        for directory, _ in depths:
            os.unlink(directory / tag)
    assert (disk / "mine.txt").read_bytes() == b"mine"
    canary.assert_untouched()


def test_a_task_over_a_tree_with_outside_links_copies_and_deletes_only_inside(
    tc: globus_sdk.TransferClient, canary: Canary, work: tuple[str, Path]
) -> None:
    base, disk = work
    _write(disk / "src" / "kept.txt", b"kept")
    _write(disk / "src" / "deep" / "er" / "kept.txt", b"kept too")
    for directory in (disk / "src", disk / "src" / "deep" / "er"):
        os.symlink(canary.relative_from(directory), directory / "rel-out")
        os.symlink(str(canary.root / "secret.txt"), directory / "abs-out.txt")
    task = wait_done(tc, _transfer(tc, [(base + "src/", base + "dst/", True)]))
    assert task["status"] == "SUCCEEDED" and task["files_transferred"] == 2 and task["symlinks"] == 4
    assert sorted(os.listdir(disk / "dst")) == ["deep", "kept.txt"]
    # Deleting the tree removes the links themselves, never what they point at.
    task = wait_done(tc, _delete(tc, [base + "src/"], recursive=True))
    assert task["status"] == "SUCCEEDED"
    assert not (disk / "src").exists()
    canary.assert_untouched()


# --------------------------------------------------------------------------- guest roots


@pytest.mark.parametrize("attack", ["rename-into-place-absolute", "rename-into-place-relative", "root-replaced"])
def test_guest_root_swapped_to_point_outside_answers_errors(
    hostile: SandboxHandle,
    tc: globus_sdk.TransferClient,
    gcs: globus_sdk.GCSClient,
    canary: Canary,
    work: tuple[str, Path],
    attack: str,
) -> None:
    base, disk = work
    _write(disk / "gq" / "share" / "shared.txt", b"shared")
    _write(disk / "mine.txt", b"mine")
    guest = _guest_on(gcs, base + "gq/share/")
    assert [e["name"] for e in tc.operation_ls(guest, path="/")["DATA"]] == ["shared.txt"]

    if attack == "root-replaced":
        _swap_for_link(disk / "gq" / "share", str(canary.root))
    else:
        # A directory holding an outside link, renamed (through the API) into the guest root's place.
        evil = disk / "gq-evil"
        evil.mkdir()
        relative = attack.endswith("relative")
        os.symlink(canary.relative_from(evil) if relative else str(canary.root), evil / "share")
        tc.operation_rename(LAB, base + "gq/", base + "gq-old/")
        tc.operation_rename(LAB, base + "gq-evil/", base + "gq/")

    for call in (
        lambda: tc.operation_ls(guest, path="/"),
        lambda: tc.operation_ls(guest, path="/sub/"),
        lambda: tc.operation_stat(guest, "/secret.txt"),
        lambda: tc.operation_mkdir(guest, "/new/"),
        lambda: tc.operation_rename(guest, "/secret.txt", "/renamed.txt"),
        lambda: tc.submit_transfer(_guest_transfer(guest, "/secret.txt", base)),
        lambda: tc.submit_transfer(_guest_transfer_in(guest, base + "mine.txt")),
        lambda: _delete(tc, ["/secret.txt"], collection=guest),
    ):
        _refused(canary, call)
    for method, target in (("GET", "secret.txt"), ("PUT", "f.bin"), ("DELETE", "a.bin")):
        response = _https(hostile, canary, method, guest, target, b"overwrite")
        assert 400 <= response.status_code < 500
    canary.assert_untouched()


def _guest_on(gcs: globus_sdk.GCSClient, host_path: str) -> str:
    """A new guest collection of Alice's on Lab Storage ``host_path`` (made through its GCS Manager): its id."""
    return create_guest(gcs, LAB, host_path, unique("guest"))


def _guest_transfer(guest: str, path: str, base: str) -> globus_sdk.TransferData:
    data = globus_sdk.TransferData(guest, LAB)
    data.add_item(path, base + "stolen.txt")
    return data


def _guest_transfer_in(guest: str, source: str) -> globus_sdk.TransferData:
    data = globus_sdk.TransferData(LAB, guest)
    data.add_item(source, "/f.bin")
    return data


def test_a_queued_task_on_a_guest_whose_root_is_swapped_fails_without_reaching_outside(
    hostile: SandboxHandle,
    tc: globus_sdk.TransferClient,
    gcs: globus_sdk.GCSClient,
    canary: Canary,
    work: tuple[str, Path],
) -> None:
    base, disk = work
    _write(disk / "gq" / "share" / "f.bin", b"inside")
    _write(disk / "mine.txt", b"mine")
    guest = _guest_on(gcs, base + "gq/share/")
    with _queue_paused(hostile):
        read = tc.submit_transfer(_guest_transfer(guest, "/f.bin", base))["task_id"]
        write = tc.submit_transfer(_guest_transfer_in(guest, base + "mine.txt"))["task_id"]
        delete = _delete(tc, ["/f.bin"], collection=guest)
        _swap_for_link(disk / "gq" / "share", str(canary.root))
    for task_id in (read, write, delete):
        assert wait_done(tc, task_id)["status"] == "FAILED"
        _events(tc, canary, task_id)
    assert not (disk / "stolen.txt").exists()
    canary.assert_untouched()


# --------------------------------------------------------------------------- swaps under tasks


@contextmanager
def _queue_paused(handle: SandboxHandle) -> Iterator[None]:
    """The engine stopped: tasks submitted meanwhile wait in the queue until the block ends."""
    engine = handle.state.engine
    assert engine is not None
    engine.stop()
    try:
        yield
    finally:
        engine.start()


@pytest.mark.parametrize("side", ["source", "destination", "delete"])
def test_parent_swapped_while_a_task_waits_in_the_queue(
    hostile: SandboxHandle, tc: globus_sdk.TransferClient, canary: Canary, work: tuple[str, Path], side: str
) -> None:
    base, disk = work
    # The same names as in the canary's sub/: an attack that followed the swapped parent would
    # read canary/sub/deeper/g.bin, overwrite it, delete it or delete its neighbours as extras.
    _write(disk / "src" / "sub" / "deeper" / "g.bin", b"inside")
    _write(disk / "mine" / "g.bin", b"mine")
    (disk / "dst" / "sub" / "deeper").mkdir(parents=True)
    with _queue_paused(hostile):
        if side == "source":
            task_ids = [_transfer(tc, [(base + "src/sub/deeper/g.bin", base + "dst/g.bin", False)]),
                        _transfer(tc, [(base + "src/sub/deeper/", base + "dst/tree/", True)])]
            _swap_for_link(disk / "src" / "sub", str(canary.root / "sub"))
        elif side == "destination":
            task_ids = [_transfer(tc, [(base + "mine/g.bin", base + "dst/sub/deeper/g.bin", False)]),
                        _transfer(tc, [(base + "mine/", base + "dst/sub/deeper/", True)],
                                  delete_destination_extra=True)]
            _swap_for_link(disk / "dst" / "sub", canary.relative_from(disk / "dst") + "/sub")
        else:
            task_ids = [_delete(tc, [base + "src/sub/deeper/g.bin"]),
                        _delete(tc, [base + "src/sub/deeper/"], recursive=True)]
            _swap_for_link(disk / "src" / "sub", str(canary.root / "sub"))
    for task_id in task_ids:
        task = wait_done(tc, task_id)
        assert task["status"] == "FAILED", task
        assert task["fatal_error"]["code"] == "PERMISSION_DENIED"
        _events(tc, canary, task_id)
    canary.assert_untouched()


def test_item_links_retargeted_outside_while_queued_are_refused(
    hostile: SandboxHandle, tc: globus_sdk.TransferClient, canary: Canary, work: tuple[str, Path]
) -> None:
    """A link given as an item is followed only while it leads inside the root: retargeted to the
    canary after submission, the task fails with PERMISSION_DENIED and reads nothing outside."""
    base, disk = work
    _write(disk / "real" / "g.bin", b"inside")
    os.symlink("real", disk / "dir-link")
    os.symlink("real/g.bin", disk / "file-link")
    with _queue_paused(hostile):
        task_ids = [_transfer(tc, [(base + "dir-link/", base + "dst-dir/", True)]),
                    _transfer(tc, [(base + "file-link", base + "dst-file", False)])]
        for link, target in (("dir-link", canary.root / "sub"), ("file-link", canary.root / "secret.txt")):
            os.unlink(disk / link)
            os.symlink(str(target), disk / link)
    for task_id in task_ids:
        task = wait_done(tc, task_id)
        assert task["status"] == "FAILED" and task["fatal_error"]["code"] == "PERMISSION_DENIED", task
        _events(tc, canary, task_id)
    assert not (disk / "dst-dir").exists() and not (disk / "dst-file").exists()
    canary.assert_untouched()


@pytest.mark.parametrize("side", ["source", "destination"])
def test_parent_swapped_between_two_files_of_a_running_task(
    hostile: SandboxHandle, tc: globus_sdk.TransferClient, canary: Canary, work: tuple[str, Path], side: str
) -> None:
    base, disk = work
    _write(disk / "src" / "a" / "a.bin", b"inside a")
    _write(disk / "src" / "b" / "b.bin", b"inside b")
    engine = hostile.state.engine
    assert engine is not None
    reached, proceed = threading.Event(), threading.Event()
    consulted: dict[str, int] = {}

    def hold_before_b_bin(task_id: str) -> bool:
        # Rows in order: src/, a/, a/a.bin, b/, b/b.bin: hold the running task before the fifth.
        consulted[task_id] = consulted.get(task_id, 0) + 1
        if consulted[task_id] == 5:
            reached.set()
            proceed.wait(60)
        return False

    engine.pause_check = hold_before_b_bin
    try:
        task_id = _transfer(tc, [(base + "src/", base + "dst/", True)])
        assert reached.wait(60), "the task never reached its second file"
        if side == "source":
            _swap_for_link(disk / "src" / "b", str(canary.root / "sub"))
        else:
            _swap_for_link(disk / "dst" / "b", canary.relative_from(disk / "dst") + "/sub")
    finally:
        proceed.set()
        engine.pause_check = None
    task = wait_done(tc, task_id)
    assert task["status"] == "FAILED" and task["fatal_error"]["code"] == "PERMISSION_DENIED"
    _events(tc, canary, task_id)
    canary.assert_untouched()


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("hostile-slow"), slow=SLOW) as handle:
        yield handle


def test_destination_swapped_in_the_middle_of_a_file(slow: SandboxHandle) -> None:
    """The file in flight lands where its directory was opened (inside); nothing after it goes outside."""
    canary = make_canary(slow)
    slow_tc = transfer_client_for(slow, "alice")
    name = unique("midfile")
    disk = collection_root(slow, LAB) / "home" / "alice" / name
    base = f"/home/alice/{name}/"
    big = os.urandom(4 * SLOW)
    _write(disk / "src" / "big.bin", big)
    _write(disk / "src" / "z" / "f.bin", b"after")
    (disk / "dst").mkdir()
    task_id = _transfer(slow_tc, [(base + "src/", base + "dst/", True)])
    wait_until(slow_tc, task_id, lambda t: t["bytes_transferred"] > 0)  # big.bin is being copied
    _swap_for_link(disk / "dst", canary.relative_from(disk))
    task = wait_done(slow_tc, task_id)
    assert task["status"] == "FAILED" and task["fatal_error"]["code"] == "PERMISSION_DENIED"
    assert (disk / "dst-moved" / "big.bin").read_bytes() == big
    _events(slow_tc, canary, task_id)
    canary.assert_untouched()
    shutil.rmtree(canary.root)


# --------------------------------------------------------------------------- renames


def test_renames_that_retarget_links_outside_are_harmless(
    hostile: SandboxHandle, tc: globus_sdk.TransferClient, canary: Canary, work: tuple[str, Path]
) -> None:
    base, disk = work
    _write(disk / "mine.txt", b"mine")
    deep = disk / "a" / "b" / "c"
    deep.mkdir(parents=True)
    # From <work>/a/b/c, four steps up is /home/alice: the links name /home/alice/<canary's name>/ ...
    inside = collection_root(hostile, LAB) / "home" / "alice" / canary.name
    _write(inside / "secret.txt", b"an inside file that happens to share the canary's name")
    target = "../../../../" + canary.name
    os.symlink(target, deep / "l")
    os.symlink(target, deep / "alone")
    by_name = {e["name"]: e for e in tc.operation_ls(LAB, path=base + "a/b/c/")["DATA"]}
    assert by_name["l"]["type"] == "dir" and by_name["l"]["link_target"] == f"/home/alice/{canary.name}/"
    # ... until they move two levels up (the directory holding one, the other alone): four steps
    # up then leave the root, and land exactly on the canary beside it on the host.
    moved = base.rstrip("/") + "-c/"  # /home/alice/<work>-c/, beside <work>
    alone = base.rstrip("/") + "-alone"
    tc.operation_rename(LAB, base + "a/b/c/alone", alone)
    tc.operation_rename(LAB, base + "a/b/c/", moved)
    for directory, link in ((moved, moved + "l"), ("/home/alice/", alone)):
        listing = tc.operation_ls(LAB, path=directory)
        canary.seen(listing.text)
        (entry,) = [e for e in listing["DATA"] if e["name"] == link.rsplit("/", 1)[1]]
        assert entry["type"] == "invalid_symlink" and entry["link_target"] is None
        for call in _through(tc, link, base):
            assert _refused(canary, call).http_status == 400
    # Copying the moved directory copies no link target; deleting it removes the link only.
    assert wait_done(tc, _transfer(tc, [(moved, base + "copy/", True)]))["status"] == "SUCCEEDED"
    assert wait_done(tc, _delete(tc, [moved], recursive=True))["status"] == "SUCCEEDED"
    # A link that leads outside cannot even be named through the API (as before): clean it up by hand.
    os.unlink(collection_root(hostile, LAB) / alone.strip("/"))
    shutil.rmtree(inside)
    canary.assert_untouched()


# --------------------------------------------------------------------------- mount points


def test_links_inside_a_mount_point_stay_confined(
    hostile: SandboxHandle, tc: globus_sdk.TransferClient, canary: Canary, work: tuple[str, Path]
) -> None:
    base, disk = work
    _write(disk / "mine.txt", b"mine")
    mount = disk / "mnt"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs CAP_SYS_ADMIN): {made.stderr.strip() or made.returncode}")
    try:
        _write(mount / "inside.txt", b"on another file system")
        os.symlink(str(canary.root), mount / "abs-out")
        os.symlink(canary.relative_from(mount), mount / "rel-out")
        by_name = {e["name"]: e for e in tc.operation_ls(LAB, path=base + "mnt/")["DATA"]}
        assert by_name["inside.txt"]["type"] == "file"
        assert by_name["abs-out"]["type"] == by_name["rel-out"]["type"] == "invalid_symlink"
        for link in ("abs-out", "rel-out"):
            for call in _through(tc, f"{base}mnt/{link}", base):
                assert _refused(canary, call).http_status == 400
        task = wait_done(tc, _transfer(tc, [(base + "mnt/", base + "copy/", True)]))
        assert task["status"] == "SUCCEEDED" and task["files_transferred"] == 1 and task["symlinks"] == 2
    finally:
        subprocess.run(["umount", str(mount)], check=False)
    canary.assert_untouched()

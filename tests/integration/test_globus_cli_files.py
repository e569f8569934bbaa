"""The unmodified globus-cli 3.44 doing everyday file work against the sandbox over TLS.

`ls`, `mkdir`, `rename`, `transfer` (with --sync-level and --label, then `task wait`), `delete`,
`task list/show/event-list/update/cancel/pause-info` and `bookmark create/list/show/rename/delete`,
as Alice (user mode) and, where a client owns files, as the robot client (client mode). The sandbox is
throttled so a large transfer is still running when the CLI cancels it; the small files move at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from gterm.sandbox.seed_ids import LAB_STORAGE_ID, ROBOT_CLIENT_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.globus_cli import GlobusCLI, as_client, logged_in
from tests.support.sandbox_login import own_sandbox, robot_transfer_client
from tests.support.tasks_helpers import ALICE_HOME, collection_root, workdir, write
from tests.support.transfer_helpers import unique

LAB = LAB_STORAGE_ID
SLOW = 16384  # bytes per second per task: a 2 MB file takes minutes, a few bytes no time


@pytest.fixture(scope="module")
def slow_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("cli-files"), slow=SLOW) as handle:
        yield handle


@pytest.fixture(scope="module")
def alice_cli(slow_sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> GlobusCLI:
    return logged_in(slow_sandbox, tmp_path_factory, "alice")


def _task_id(out: str) -> str:
    """The task id from the text output of `globus transfer/delete` ("Task ID: ...")."""
    (line,) = [x for x in out.splitlines() if x.startswith("Task ID:")]
    return line.split(":", 1)[1].strip()


def test_ls_mkdir_and_rename(alice_cli: GlobusCLI, slow_sandbox: SandboxHandle) -> None:
    path, disk = workdir(slow_sandbox, "cli-ls")
    write(disk / "notes.txt", "hello")
    (disk / "sub").mkdir()
    assert alice_cli.run("ls", f"{LAB}:{path}").stdout.split() == ["notes.txt", "sub/"]
    listed = alice_cli.json("ls", "-l", f"{LAB}:{path}")
    assert {(e["name"], e["type"], e["size"]) for e in listed["DATA"]} >= {("notes.txt", "file", 5)}
    assert "The directory was created successfully" in alice_cli.run("mkdir", f"{LAB}:{path}made").stdout
    assert (disk / "made").is_dir()
    renamed = alice_cli.run("rename", LAB, f"{path}notes.txt", f"{path}made/notes.md").stdout
    assert "File or directory renamed successfully" in renamed
    assert (disk / "made" / "notes.md").read_text() == "hello" and not (disk / "notes.txt").exists()
    missing = alice_cli.run("ls", f"{LAB}:{path}nothing-here/", expect=1)
    assert "ClientError.NotFound" in missing.stdout + missing.stderr


def test_a_name_that_is_not_utf8(alice_cli: GlobusCLI, slow_sandbox: SandboxHandle) -> None:
    """The CLI lists b"caf\\xe9.txt" in Transfer's spelling (U+FFFD, then latin-1) and renames it by that name."""
    path, disk = workdir(slow_sandbox, "cli-bytes")
    with open(os.path.join(os.fsencode(disk), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"bytes")
    wire = "\ufffdcaf\xe9.txt"
    assert alice_cli.run("ls", f"{LAB}:{path}").stdout.split() == [wire]
    assert [e["name"] for e in alice_cli.json("ls", "-l", f"{LAB}:{path}")["DATA"]] == [wire]
    assert "renamed successfully" in alice_cli.run("rename", LAB, path + wire, f"{path}cafe.txt").stdout
    assert os.listdir(disk) == ["cafe.txt"] and (disk / "cafe.txt").read_bytes() == b"bytes"


def test_transfer_with_sync_level_and_label_then_task_commands(
    alice_cli: GlobusCLI, slow_sandbox: SandboxHandle
) -> None:
    src, src_disk = workdir(slow_sandbox, "cli-src")
    dst, dst_disk = workdir(slow_sandbox, "cli-dst")
    write(src_disk / "a.txt", "alpha")
    write(src_disk / "deep" / "b.txt", "beta")
    label = unique("cli-copy")
    out = alice_cli.run(
        "transfer", f"{LAB}:{src}", f"{LAB}:{dst}copy/", "--recursive", "--sync-level", "checksum",
        "--label", label,
    ).stdout
    task_id = _task_id(out)
    alice_cli.run("task", "wait", task_id, "--timeout", "120")
    assert (dst_disk / "copy" / "a.txt").read_text() == "alpha"
    assert (dst_disk / "copy" / "deep" / "b.txt").read_text() == "beta"
    shown = alice_cli.json("task", "show", task_id)
    assert (shown["status"], shown["label"], shown["sync_level"]) == ("SUCCEEDED", label, 3)
    assert task_id in [t["task_id"] for t in alice_cli.json("task", "list", "--filter-status", "SUCCEEDED")["DATA"]]
    events = alice_cli.json("task", "event-list", task_id)
    assert events["DATA"] and all({"code", "time", "is_error", "details"} <= set(e) for e in events["DATA"])
    assert not alice_cli.json("task", "event-list", task_id, "--filter-errors")["DATA"]
    refused = alice_cli.run("task", "update", task_id, "--label", "too late", expect=1)
    assert "is complete and cannot be modified" in refused.stderr
    # A second run with the same sync level moves nothing: every file exists with the same checksum.
    again = _task_id(alice_cli.run("transfer", f"{LAB}:{src}", f"{LAB}:{dst}copy/", "--recursive",
                                   "--sync-level", "checksum").stdout)
    alice_cli.run("task", "wait", again, "--timeout", "120")
    assert alice_cli.json("task", "show", again)["files_transferred"] == 0


def test_cancel_a_running_transfer_and_its_pause_info(alice_cli: GlobusCLI, slow_sandbox: SandboxHandle) -> None:
    src, src_disk = workdir(slow_sandbox, "cli-big")
    write(src_disk / "big.bin", b"x" * (2 * 1024 * 1024))
    task_id = _task_id(alice_cli.run("transfer", f"{LAB}:{src}big.bin", f"{LAB}:{src}copy.bin").stdout)
    other = _task_id(alice_cli.run("transfer", f"{LAB}:{src}big.bin", f"{LAB}:{src}other.bin").stdout)
    alice_cli.run("task", "update", task_id, "--label", "cli big copy")
    assert alice_cli.json("task", "show", task_id)["label"] == "cli big copy"
    info = alice_cli.json("task", "pause-info", task_id)
    assert info["pause_rules"] == []
    assert f"Task {task_id} is not paused" in alice_cli.run("task", "pause-info", task_id).stdout
    assert alice_cli.run("task", "cancel", task_id).stdout.strip() == "The task has been cancelled successfully."
    assert alice_cli.json("task", "show", task_id)["status"] == "FAILED"
    assert other in alice_cli.run("task", "cancel", "--all").stdout
    assert alice_cli.json("task", "show", other)["status"] == "FAILED"
    nothing = alice_cli.run("task", "cancel", "--all", expect=1)
    assert "You have no in-progress tasks" in nothing.stderr


def test_delete_a_tree(alice_cli: GlobusCLI, slow_sandbox: SandboxHandle) -> None:
    path, disk = workdir(slow_sandbox, "cli-del")
    write(disk / "gone" / "x.txt", "x")
    write(disk / "kept.txt", "k")
    task_id = _task_id(alice_cli.run("delete", f"{LAB}:{path}gone/", "--recursive", "--label", "cli delete").stdout)
    alice_cli.run("task", "wait", task_id, "--timeout", "120")
    assert not (disk / "gone").exists() and (disk / "kept.txt").exists()
    assert alice_cli.json("task", "show", task_id)["type"] == "DELETE"


def test_bookmark_life_cycle(alice_cli: GlobusCLI) -> None:
    name = unique("cli-mark")
    made = alice_cli.json("bookmark", "create", f"{LAB}:{ALICE_HOME}/", name)
    mark_id = made["id"]
    try:
        assert name in [b["name"] for b in alice_cli.json("bookmark", "list")["DATA"]]
        assert alice_cli.run("bookmark", "show", name).stdout.strip() == f"{LAB}:{ALICE_HOME}/"
        assert alice_cli.json("bookmark", "show", mark_id)["path"] == f"{ALICE_HOME}/"
        alice_cli.run("bookmark", "rename", name, name + "-renamed")
        assert alice_cli.json("bookmark", "show", mark_id)["name"] == name + "-renamed"
    finally:
        alice_cli.run("bookmark", "delete", mark_id)
    assert mark_id not in [b["id"] for b in alice_cli.json("bookmark", "list")["DATA"]]
    refused = alice_cli.run("bookmark", "show", mark_id, expect=1)
    assert f'No bookmark found for "{mark_id}"' in refused.stderr


def test_client_mode_file_work_in_the_robots_home(
    slow_sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """GLOBUS_CLI_CLIENT_ID/SECRET: the robot client works in its own home on Lab Storage, made on demand."""
    robot = as_client(slow_sandbox, tmp_path_factory, ROBOT_CLIENT_ID)
    robot.run("ls", f"{LAB}:/~/")
    home = robot_transfer_client(slow_sandbox).operation_ls(LAB, path="/~/")["path"]
    disk = collection_root(slow_sandbox, LAB) / home.strip("/")
    name = unique("robot")
    robot.run("mkdir", f"{LAB}:{home}{name}")
    write(disk / name / "r.txt", "robot data")
    robot.run("rename", LAB, f"{home}{name}/r.txt", f"{home}{name}/s.txt")
    assert robot.run("ls", f"{LAB}:{home}{name}/").stdout.split() == ["s.txt"]
    copied = _task_id(robot.run("transfer", f"{LAB}:{home}{name}/", f"{LAB}:{home}{name}-copy/", "--recursive",
                                "--sync-level", "mtime", "--label", "robot copy").stdout)
    robot.run("task", "wait", copied, "--timeout", "120")
    assert (disk / f"{name}-copy" / "s.txt").read_text() == "robot data"
    assert copied in [t["task_id"] for t in robot.json("task", "list")["DATA"]]
    gone = _task_id(robot.run("delete", f"{LAB}:{home}{name}-copy/", "--recursive").stdout)
    robot.run("task", "wait", gone, "--timeout", "120")
    assert not (disk / f"{name}-copy").exists()
    mark = robot.json("bookmark", "create", f"{LAB}:{home}{name}/", name)["id"]
    assert robot.run("bookmark", "show", name).stdout.strip() == f"{LAB}:{home}{name}/"
    robot.run("bookmark", "delete", mark)

"""Transfer tasks through the real SDK against the live sandbox: submission, options, inspection.

Every test builds its own directory in Alice's home on Lab Storage, submits with
globus_sdk.TransferData/DeleteData exactly as an application would, waits for
the task and then checks what is on disk and what the API reports.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime, timedelta

import globus_sdk
import pytest
from globus_sdk.testing import get_response_set

from gterm.sandbox.seed_ids import BOB_USERNAME, HPC_SCRATCH_ID
from gterm.sandbox.temporaries import copy_name
from tests.support.tasks_helpers import LAB, events, transferred, tree, wait_done, workdir, write

T0 = 1_767_000_000  # a fixed past mtime (2025-12-29)


def _copy(tc: globus_sdk.TransferClient, src: str, dst: str, **options: object) -> str:
    data = globus_sdk.TransferData(LAB, LAB, **options)  # type: ignore[arg-type]
    data.add_item(src, dst, recursive=src.endswith("/"))
    return str(tc.submit_transfer(data)["task_id"])


# ---------------------------------------------------------------------------- copies


def test_recursive_copy_is_byte_identical_with_source_mtimes(sandbox, alice_tc):
    base, disk = workdir(sandbox, "identical")
    write(disk / "src" / "a.txt", "alpha\n", mtime=T0)
    write(disk / "src" / "nested" / "deeper" / "b.bin", os.urandom(3 * 1024 * 1024 + 17), mtime=T0 + 60)
    write(disk / "src" / "ünïcode and spaces.txt", "ü\n", mtime=T0 + 120)
    write(disk / "src" / ".hidden", "", mtime=T0 + 180)

    task_id = _copy(alice_tc, base + "src/", base + "dst/", verify_checksum=True, preserve_timestamp=True,
                    label="identical copy")
    task = wait_done(alice_tc, task_id)

    assert task["status"] == "SUCCEEDED", task
    assert tree(disk / "dst") == tree(disk / "src")
    for rel in ("a.txt", "nested/deeper/b.bin", "ünïcode and spaces.txt", ".hidden"):
        assert os.stat(disk / "dst" / rel).st_mtime == os.stat(disk / "src" / rel).st_mtime
    assert task["files"] == 4 and task["files_transferred"] == 4
    assert task["directories"] == 3
    assert task["bytes_transferred"] == sum(len(v) for v in tree(disk / "src").values() if v is not None)
    assert task["bytes_checksummed"] == task["bytes_transferred"]
    assert task["verify_checksum"] is True and task["preserve_timestamp"] is True
    assert task["label"] == "identical copy"
    assert task["subtasks_pending"] == 0 and task["subtasks_succeeded"] == task["subtasks_total"]
    assert transferred(alice_tc, task_id) == {
        base + "dst/a.txt", base + "dst/nested/deeper/b.bin", base + "dst/ünïcode and spaces.txt", base + "dst/.hidden",
    }
    codes = [e["code"] for e in events(alice_tc, task_id)]
    assert codes[0] == "SUCCEEDED" and codes[-1] == "STARTED"
    assert not [name for name in os.listdir(disk / "dst") if name.startswith(".gterm-")]


def test_single_file_item_creates_missing_parent_dirs(sandbox, alice_tc):
    base, disk = workdir(sandbox, "single")
    write(disk / "one.txt", "one\n")
    task = wait_done(alice_tc, _copy(alice_tc, base + "one.txt", base + "new/dir/copy.txt"))
    assert task["status"] == "SUCCEEDED"
    assert (disk / "new" / "dir" / "copy.txt").read_text() == "one\n"


def test_links_given_as_items_are_followed_and_links_inside_directories_are_not(sandbox, alice_tc):
    """Globus: "If the files or directories given as input are symbolic links, they are followed.
    However, no other symbolic links are followed." Before, an item that was a link (the seeded
    latest-run, a link to a file) SUCCEEDED having copied nothing."""
    base, disk = workdir(sandbox, "item-links")
    write(disk / "run" / "out.log", "log\n")
    write(disk / "run" / "sub" / "deep.txt", "deep\n")
    write(disk / "README.txt", "read me\n")
    os.symlink("README.txt", disk / "link.txt")
    os.symlink("run", disk / "latest")
    os.symlink("../README.txt", disk / "run" / "inner-link.txt")  # met during recursion: counted, not copied

    data = globus_sdk.TransferData(LAB, LAB, verify_checksum=True)
    data.add_item(base + "latest/", base + "dst/latest/", recursive=True)
    data.add_item(base + "link.txt", base + "dst/link-copy.txt")
    task_id = str(alice_tc.submit_transfer(data)["task_id"])
    task = wait_done(alice_tc, task_id)

    assert task["status"] == "SUCCEEDED", task
    assert tree(disk / "dst") == {
        "latest": None, "latest/out.log": b"log\n", "latest/sub": None, "latest/sub/deep.txt": b"deep\n",
        "link-copy.txt": b"read me\n",
    }
    assert not (disk / "dst" / "latest").is_symlink() and not (disk / "dst" / "link-copy.txt").is_symlink()
    assert task["files_transferred"] == 3 and task["symlinks"] == 1
    assert transferred(alice_tc, task_id) == {
        base + "dst/latest/out.log", base + "dst/latest/sub/deep.txt", base + "dst/link-copy.txt",
    }


def test_repeated_submission_id_returns_the_original_task(sandbox, alice_tc):
    base, disk = workdir(sandbox, "dup")
    write(disk / "f.txt", "x")
    submission_id = alice_tc.get_submission_id()["value"]
    data = globus_sdk.TransferData(LAB, LAB, submission_id=submission_id, label="dup-" + disk.name)
    data.add_item(base + "f.txt", base + "g.txt")

    first = alice_tc.submit_transfer(data)
    second = alice_tc.submit_transfer(data)  # e.g. a retry after a dropped response

    assert first["code"] == "Accepted" and first.http_status == 202
    assert second["code"] == "Duplicate"
    assert second["task_id"] == first["task_id"] and second["submission_id"] == submission_id
    listed = alice_tc.task_list(filter={"label": "dup-" + disk.name})
    assert listed["total"] == 1


def test_sdk_fetches_a_submission_id_and_reuses_it_on_resubmit(sandbox, alice_tc):
    base, disk = workdir(sandbox, "autosub")
    write(disk / "f.txt", "x")
    data = globus_sdk.TransferData(LAB, LAB)
    data.add_item(base + "f.txt", base + "g.txt")
    first = alice_tc.submit_transfer(data)
    again = alice_tc.submit_transfer(data)  # the SDK wrote the fetched id back into data
    assert again["task_id"] == first["task_id"] and again["code"] == "Duplicate"


# ---------------------------------------------------------------------------- sync levels

# name: (source content, dest content or None, dest mtime relative to source)
SYNC_CASES: dict[str, tuple[bytes, bytes | None, int]] = {
    "new.txt": (b"new", None, 0),
    "same.txt": (b"same", b"same", 0),
    "size_differs.txt": (b"longer content", b"short", 0),
    "older_dest.txt": (b"AAAA", b"BBBB", -100),
    "newer_dest.txt": (b"CCCC", b"DDDD", +100),
    "same_content_older.txt": (b"EEEE", b"EEEE", -100),
}
# What Globus copies at each level (globus-url-copy -sync-level semantics, cumulative).
SYNC_EXPECTED = {
    "exists": {"new.txt"},
    "size": {"new.txt", "size_differs.txt"},
    "mtime": {"new.txt", "size_differs.txt", "older_dest.txt", "same_content_older.txt"},
    "checksum": {"new.txt", "size_differs.txt", "older_dest.txt", "newer_dest.txt"},
}


@pytest.mark.parametrize("level", ["exists", "size", "mtime", "checksum", 0, 3])
def test_each_sync_level_skips_exactly_what_globus_skips(sandbox, alice_tc, level):
    name = {0: "exists", 3: "checksum"}.get(level, level)  # type: ignore[call-overload]
    base, disk = workdir(sandbox, f"sync-{name}")
    for file, (src, dst, offset) in SYNC_CASES.items():
        write(disk / "src" / file, src, mtime=T0)
        if dst is not None:
            write(disk / "dst" / file, dst, mtime=T0 + offset)

    task_id = _copy(alice_tc, base + "src/", base + "dst/", sync_level=level)
    task = wait_done(alice_tc, task_id)

    assert task["status"] == "SUCCEEDED"
    copied = {p.rsplit("/", 1)[1] for p in transferred(alice_tc, task_id)}
    assert copied == SYNC_EXPECTED[name]
    assert task["files_skipped"] == len(SYNC_CASES) - len(copied)
    assert task["sync_level"] == {"exists": 0, "size": 1, "mtime": 2, "checksum": 3}[name]
    for file, (src, dst, _) in SYNC_CASES.items():
        expected = src if file in copied else dst
        assert (disk / "dst" / file).read_bytes() == expected


def test_second_sync_with_preserved_times_copies_nothing(sandbox, alice_tc):
    base, disk = workdir(sandbox, "resync")
    for i in range(5):
        write(disk / "src" / f"f{i}.dat", os.urandom(1000 + i), mtime=T0 + i)
    first = wait_done(alice_tc, _copy(alice_tc, base + "src/", base + "dst/", sync_level="mtime",
                                      preserve_timestamp=True))
    second_id = _copy(alice_tc, base + "src/", base + "dst/", sync_level="mtime", preserve_timestamp=True)
    second = wait_done(alice_tc, second_id)
    assert first["files_transferred"] == 5
    assert second["status"] == "SUCCEEDED" and second["files_transferred"] == 0 and second["files_skipped"] == 5
    assert transferred(alice_tc, second_id) == set()


def test_delete_destination_extra_removes_exactly_the_extras(sandbox, alice_tc):
    base, disk = workdir(sandbox, "extra")
    write(disk / "src" / "keep.txt", "k")
    write(disk / "src" / "sub" / "inner.txt", "i")
    write(disk / "src" / "was_dir_in_dest", "now a file")
    write(disk / "dst" / "keep.txt", "old")
    write(disk / "dst" / "extra.txt", "remove me")
    write(disk / "dst" / "extra_dir" / "deep" / "x.txt", "remove me too")
    write(disk / "dst" / "sub" / "extra_inner.txt", "remove me three")
    write(disk / "dst" / "was_dir_in_dest" / "child.txt", "type changed")
    write(disk / "dst" / "kept.log", "excluded by a filter rule: not touched")

    data = globus_sdk.TransferData(LAB, LAB, sync_level="checksum", delete_destination_extra=True)
    data.add_item(base + "src/", base + "dst/", recursive=True)
    data.add_filter_rule("*.log", method="exclude", type="file")
    task = wait_done(alice_tc, str(alice_tc.submit_transfer(data)["task_id"]))

    assert task["status"] == "SUCCEEDED" and task["delete_destination_extra"] is True
    expected = tree(disk / "src")
    expected["kept.log"] = b"excluded by a filter rule: not touched"
    assert tree(disk / "dst") == expected


def test_filter_rules_include_and_exclude(sandbox, alice_tc):
    base, disk = workdir(sandbox, "filter")
    for rel in ("a.txt", "b.csv", "c.txt", "logs/d.txt", "tmp/e.txt", "tmp.txt"):
        write(disk / "src" / rel, rel)
    data = globus_sdk.TransferData(LAB, LAB)
    data.add_item(base + "src/", base + "dst/", recursive=True)
    data.add_filter_rule("tmp", type="dir")  # exclude the dir and all inside it
    data.add_filter_rule("*.txt", method="include", type="file")
    data.add_filter_rule("*", method="exclude", type="file")
    task = wait_done(alice_tc, str(alice_tc.submit_transfer(data)["task_id"]))

    assert task["status"] == "SUCCEEDED"
    assert task["filter_rules"] == [
        {"DATA_TYPE": "filter_rule", "method": "exclude", "name": "tmp", "type": "dir"},
        {"DATA_TYPE": "filter_rule", "method": "include", "name": "*.txt", "type": "file"},
        {"DATA_TYPE": "filter_rule", "method": "exclude", "name": "*", "type": "file"},
    ]
    assert tree(disk / "dst") == {"a.txt": b"a.txt", "c.txt": b"c.txt", "logs": None,
                                  "logs/d.txt": b"logs/d.txt", "tmp.txt": b"tmp.txt"}


def test_all_transfer_options_are_accepted_and_reported(sandbox, alice_tc):
    base, disk = workdir(sandbox, "options")
    write(disk / "f.txt", "f")
    deadline = datetime.now(UTC) + timedelta(hours=2)
    data = globus_sdk.TransferData(
        LAB, LAB, label="all options", sync_level="size", verify_checksum=True, preserve_timestamp=True,
        encrypt_data=True, deadline=deadline, skip_source_errors=True, fail_on_quota_errors=True,
        delete_destination_extra=False, notify_on_succeeded=False, notify_on_failed=False, notify_on_inactive=False,
    )
    data.add_item(base + "f.txt", base + "g.txt", checksum_algorithm="SHA256")
    task = wait_done(alice_tc, str(alice_tc.submit_transfer(data)["task_id"]))
    assert task["status"] == "SUCCEEDED"
    for key in ("verify_checksum", "preserve_timestamp", "encrypt_data", "skip_source_errors", "fail_on_quota_errors"):
        assert task[key] is True, key
    assert task["sync_level"] == 1
    assert task["deadline"] == deadline.replace(microsecond=0).isoformat()
    assert (disk / "g.txt").read_text() == "f"


def test_external_checksum_mismatch_fails_the_task(sandbox, alice_tc):
    base, disk = workdir(sandbox, "external")
    write(disk / "f.txt", "content")
    data = globus_sdk.TransferData(LAB, LAB)
    data.add_item(base + "f.txt", base + "g.txt", external_checksum="0" * 32)
    task = wait_done(alice_tc, str(alice_tc.submit_transfer(data)["task_id"]))
    assert task["status"] == "FAILED" and task["fatal_error"]["code"] == "CHECKSUM_MISMATCH"
    assert not (disk / "g.txt").exists()


# ---------------------------------------------------------------------------- source errors


def test_missing_source_fails_with_file_not_found(sandbox, alice_tc):
    base, _disk = workdir(sandbox, "missing")
    task_id = _copy(alice_tc, base + "nope.txt", base + "dst.txt")
    task = wait_done(alice_tc, task_id)
    assert task["status"] == "FAILED"
    assert task["fatal_error"]["code"] == "FILE_NOT_FOUND"
    errors = [e for e in events(alice_tc, task_id) if e["is_error"]]
    assert errors and errors[0]["code"] == "FILE_NOT_FOUND"


def test_skip_source_errors_skips_and_reports(sandbox, alice_tc):
    base, disk = workdir(sandbox, "skip")
    write(disk / "ok.txt", "ok")
    data = globus_sdk.TransferData(LAB, LAB, skip_source_errors=True)
    data.add_item(base + "nope.txt", base + "out/nope.txt")
    data.add_item(base + "ok.txt", base + "out/ok.txt")
    task_id = str(alice_tc.submit_transfer(data)["task_id"])
    task = wait_done(alice_tc, task_id)
    assert task["status"] == "SUCCEEDED"
    assert task["subtasks_skipped_errors"] == 1 and task["files_transferred"] == 1
    skipped = list(alice_tc.paginated.task_skipped_errors(task_id).items())
    assert [(s["error_code"], s["source_path"]) for s in skipped] == [("FILE_NOT_FOUND", base + "nope.txt")]
    assert {"DATA_TYPE", "error_details", "error_time", "destination_path", "is_directory"} <= set(skipped[0])
    assert (disk / "out" / "ok.txt").read_text() == "ok"


# ---------------------------------------------------------------------------- deadline, cancel, update


def test_past_deadline_fails_with_clear_nice_status(sandbox, alice_tc):
    base, disk = workdir(sandbox, "deadline")
    write(disk / "f.txt", "f")
    task_id = _copy(alice_tc, base + "f.txt", base + "g.txt",
                    deadline=datetime.now(UTC) - timedelta(minutes=1))
    task = wait_done(alice_tc, task_id)
    assert task["status"] == "FAILED"
    assert task["fatal_error"] == {"code": "DEADLINE_EXCEEDED", "description": "deadline exceeded"}
    assert task["nice_status"] == "DEADLINE_EXCEEDED"
    assert "deadline" in task["nice_status_short_description"]
    assert events(alice_tc, task_id)[0]["code"] == "DEADLINE_EXCEEDED"
    assert not (disk / "g.txt").exists()


def test_cancel_and_update_of_a_completed_task(sandbox, alice_tc):
    base, disk = workdir(sandbox, "complete")
    write(disk / "f.txt", "f")
    task_id = _copy(alice_tc, base + "f.txt", base + "g.txt")
    wait_done(alice_tc, task_id)
    result = alice_tc.cancel_task(task_id)
    assert result["code"] == "TaskComplete"
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.update_task(task_id, {"DATA_TYPE": "task", "label": "too late"})
    assert info.value.http_status == 409 and info.value.code == "Conflict"


# ---------------------------------------------------------------------------- deletes


def test_delete_task_recursive_and_files(sandbox, alice_tc):
    base, disk = workdir(sandbox, "delete")
    write(disk / "d" / "a" / "b" / "c.txt", "c")
    write(disk / "d" / "x.txt", "x")
    write(disk / "lone.txt", "l")
    write(disk / "keep.txt", "k")
    data = globus_sdk.DeleteData(LAB, recursive=True, label="cleanup")
    data.add_item(base + "d/")
    data.add_item(base + "lone.txt")
    result = alice_tc.submit_delete(data)
    assert result["code"] == "Accepted" and result["DATA_TYPE"] == "delete_result"
    task = wait_done(alice_tc, str(result["task_id"]))
    assert task["status"] == "SUCCEEDED" and task["type"] == "DELETE"
    assert task["files"] == 3 and task["directories"] == 3
    assert sorted(os.listdir(disk)) == ["keep.txt"]
    again = alice_tc.submit_delete(data)
    assert again["code"] == "Duplicate" and again["task_id"] == result["task_id"]


def test_delete_without_recursive_refuses_a_directory(sandbox, alice_tc):
    base, disk = workdir(sandbox, "delnr")
    write(disk / "d" / "f.txt", "f")
    data = globus_sdk.DeleteData(LAB)
    data.add_item(base + "d/")
    task = wait_done(alice_tc, str(alice_tc.submit_delete(data)["task_id"]))
    assert task["status"] == "FAILED" and task["fatal_error"]["code"] == "NOT_A_FILE"
    assert (disk / "d" / "f.txt").exists()


def test_delete_ignore_missing_and_globs(sandbox, alice_tc):
    base, disk = workdir(sandbox, "delglob")
    for name in ("a.tmp", "b.tmp", "c.txt"):
        write(disk / name, name)
    data = globus_sdk.DeleteData(LAB, ignore_missing=True, interpret_globs=True)
    data.add_item(base + "*.tmp")
    data.add_item(base + "not-there.txt")
    task = wait_done(alice_tc, str(alice_tc.submit_delete(data)["task_id"]))
    assert task["status"] == "SUCCEEDED"
    assert sorted(os.listdir(disk)) == ["c.txt"]

    strict = globus_sdk.DeleteData(LAB)
    strict.add_item(base + "not-there.txt")
    task = wait_done(alice_tc, str(alice_tc.submit_delete(strict)["task_id"]))
    assert task["status"] == "FAILED" and task["fatal_error"]["code"] == "FILE_NOT_FOUND"


# ---------------------------------------------------------------------------- errors at submission


def test_submission_errors(sandbox, alice_tc):
    base, disk = workdir(sandbox, "errors")
    write(disk / "f.txt", "f")
    empty = globus_sdk.TransferData(LAB, LAB)
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.submit_transfer(empty)
    assert info.value.http_status == 400 and info.value.code == "ClientError.BadRequest.NoTransferItems"

    bad_level = {"DATA_TYPE": "transfer", "source_endpoint": LAB, "destination_endpoint": LAB, "sync_level": 7,
                 "DATA": [{"DATA_TYPE": "transfer_item", "source_path": base + "f.txt",
                           "destination_path": base + "g"}]}
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.submit_transfer(bad_level)
    assert info.value.http_status == 400

    into_bobs_home = globus_sdk.TransferData(LAB, LAB)
    into_bobs_home.add_item(base + "f.txt", f"/home/{BOB_USERNAME.split('@')[0]}/stolen.txt")
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.submit_transfer(into_bobs_home)
    assert info.value.http_status == 403

    # ".." stops at the collection's root (as the Globus data server resolves it): this names the
    # collection's own /etc/passwd, which it does not have, never the host's.
    escape = globus_sdk.TransferData(LAB, LAB)
    escape.add_item(base + "../../../../../etc/passwd", base + "passwd")
    done = wait_done(alice_tc, alice_tc.submit_transfer(escape)["task_id"])
    assert done["status"] == "FAILED" and done["fatal_error"]["code"] == "FILE_NOT_FOUND"
    assert not (disk / "passwd").exists()

    unknown = globus_sdk.TransferData(LAB, "00000000-0000-0000-0000-000000000000")
    unknown.add_item(base + "f.txt", "/g.txt")
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.submit_transfer(unknown)
    assert info.value.http_status == 404


BAD_LABELS = ["two\nlines", "carriage\rreturn", " leading", "trailing ", "\ttab", "crlf\r\n"]


@pytest.mark.parametrize("label", BAD_LABELS)
def test_labels_globus_forbids_are_refused_everywhere(sandbox, alice_tc, label):
    """Task Submission docs: "Newline characters (\\r or \\n) and trailing or leading whitespace are not
    allowed" in a label. Before, the sandbox took them (transfer, delete and a task's label update)."""
    base, disk = workdir(sandbox, "labels")
    write(disk / "f.txt", "f")
    transfer = globus_sdk.TransferData(LAB, LAB, label=label)
    transfer.add_item(base + "f.txt", base + "g.txt")
    delete = globus_sdk.DeleteData(LAB, label=label)
    delete.add_item(base + "f.txt")
    running = globus_sdk.TransferData(LAB, LAB, label="fine", deadline=datetime.now(UTC) + timedelta(hours=1))
    running.add_item(base + "f.txt", base + "h.txt")
    sandbox.state.engine.stop()  # the task waits in the queue, so its label can still be updated
    try:
        task_id = str(alice_tc.submit_transfer(running)["task_id"])
        for call in (lambda: alice_tc.submit_transfer(transfer), lambda: alice_tc.submit_delete(delete),
                     lambda: alice_tc.update_task(task_id, {"label": label})):
            with pytest.raises(globus_sdk.TransferAPIError) as info:
                call()
            assert (info.value.http_status, info.value.code) == (400, "ClientError.BadRequest")
            assert "label" in info.value.message
        assert alice_tc.get_task(task_id)["label"] == "fine"
    finally:
        sandbox.state.engine.start()
    assert wait_done(alice_tc, task_id)["status"] == "SUCCEEDED"
    assert sorted(os.listdir(disk)) == ["f.txt", "h.txt"]  # nothing of the refused submissions happened


def test_consent_required_collection_refuses_submission_without_data_access(sandbox, alice_tc):
    base, disk = workdir(sandbox, "consent")
    write(disk / "f.txt", "f")
    data = globus_sdk.TransferData(LAB, HPC_SCRATCH_ID)
    data.add_item(base + "f.txt", "/~/f.txt")
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.submit_transfer(data)
    assert info.value.http_status == 403 and info.value.code == "ConsentRequired"
    assert info.value.info.consent_required.required_scopes


# ---------------------------------------------------------------------------- visibility & lists


def test_an_identity_sees_only_its_own_tasks(sandbox, alice_tc, bob_tc):
    base, disk = workdir(sandbox, "private")
    write(disk / "f.txt", "f")
    task_id = _copy(alice_tc, base + "f.txt", base + "g.txt", label="alice only " + disk.name)
    wait_done(alice_tc, task_id)
    for call in (
        lambda: bob_tc.get_task(task_id),
        lambda: bob_tc.task_event_list(task_id),
        lambda: bob_tc.cancel_task(task_id),
        lambda: bob_tc.update_task(task_id, {"label": "mine"}),
        lambda: bob_tc.task_successful_transfers(task_id),
        lambda: bob_tc.task_pause_info(task_id),
    ):
        with pytest.raises(globus_sdk.TransferAPIError) as info:
            call()
        assert info.value.http_status == 404
    assert task_id not in {t["task_id"] for t in bob_tc.task_list(limit=1000)}
    assert task_id in {t["task_id"] for t in alice_tc.task_list(limit=1000)}


def test_task_list_filters_order_and_paging(sandbox, alice_tc):
    base, disk = workdir(sandbox, "list")
    write(disk / "f.txt", "f")
    tag = "list-" + disk.name
    ids = []
    for i in range(3):
        ids.append(_copy(alice_tc, base + "f.txt", base + f"g{i}.txt", label=f"{tag}-{i}"))
        time.sleep(1.05)  # request_time has one-second resolution
    for task_id in ids:
        wait_done(alice_tc, task_id)
    delete = globus_sdk.DeleteData(LAB, label=f"{tag}-del")
    delete.add_item(base + "g0.txt")
    del_id = str(alice_tc.submit_delete(delete)["task_id"])
    wait_done(alice_tc, del_id)

    mine = alice_tc.task_list(filter=f"label:~{tag}", limit=2, orderby="request_time ASC")
    assert mine["total"] == 4 and mine["length"] == 2 and mine["DATA_TYPE"] == "task_list"
    assert [t["task_id"] for t in mine["DATA"]] == ids[:2]
    page2 = alice_tc.task_list(filter=f"label:~{tag}", limit=2, offset=2, orderby="request_time ASC")
    assert [t["task_id"] for t in page2["DATA"]] == [ids[2], del_id]
    transfers = alice_tc.task_list(filter={"label": f"~{tag}", "type": "TRANSFER", "status": "SUCCEEDED"})
    assert {t["task_id"] for t in transfers} == set(ids)
    deletes = alice_tc.task_list(filter=f"label:~{tag}/type:DELETE")
    assert [t["task_id"] for t in deletes] == [del_id]
    by_id = alice_tc.task_list(filter={"task_id": [ids[0], ids[2]]})
    assert {t["task_id"] for t in by_id} == {ids[0], ids[2]}
    newest_first = alice_tc.task_list(filter=f"label:~{tag}", orderby="request_time DESC")
    assert newest_first["DATA"][-1]["task_id"] == ids[0]
    everything = list(alice_tc.paginated.task_list(filter=f"label:~{tag}").items())
    assert len(everything) == 4
    after = datetime.fromtimestamp(time.time() - 3600, UTC).isoformat()
    recent = alice_tc.task_list(filter=f"label:~{tag}/request_time:{after},")
    assert recent["total"] == 4
    none = alice_tc.task_list(filter=f"label:~{tag}/request_time:,{after}")
    assert none["total"] == 0


def test_event_list_paging_and_error_filter(sandbox, alice_tc):
    base, _disk = workdir(sandbox, "events")
    task_id = _copy(alice_tc, base + "nope.txt", base + "g.txt")
    wait_done(alice_tc, task_id)
    page = alice_tc.task_event_list(task_id, limit=1)
    assert page["DATA_TYPE"] == "event_list" and page["length"] == 1 and page["total"] >= 2
    errors = alice_tc.task_event_list(task_id, query_params={"filter": "is_error:1"})
    assert errors["total"] >= 1 and all(e["is_error"] for e in errors["DATA"])
    assert {"DATA_TYPE", "code", "description", "details", "is_error", "time"} <= set(errors["DATA"][0])


def test_successful_transfers_marker_paging(sandbox, alice_tc):
    base, disk = workdir(sandbox, "marker")
    for i in range(1205):
        write(disk / "src" / f"{i:05d}.txt", str(i))
    task_id = _copy(alice_tc, base + "src/", base + "dst/")
    wait_done(alice_tc, task_id)
    first = alice_tc.task_successful_transfers(task_id)
    assert first["DATA_TYPE"] == "successful_transfers" and len(first["DATA"]) == 1000
    assert first["next_marker"] is not None
    assert len(transferred(alice_tc, task_id)) == 1205


@pytest.mark.parametrize("verify", [True, False])
def test_successful_transfers_carry_size_and_verified_checksum(sandbox, alice_tc, verify):
    """globus-cli's `task show -t` shows Size, Checksum Algorithm and Checksum: Transfer reports the size
    of every file, and its checksum when the task verified checksums. Before, all three were missing."""
    base, disk = workdir(sandbox, "checksums")
    write(disk / "src" / "a.txt", "alpha\n")
    write(disk / "src" / "sub" / "b.bin", b"\x00" * 70_000)
    task_id = _copy(alice_tc, base + "src/", base + "dst/", verify_checksum=verify)
    assert wait_done(alice_tc, task_id)["status"] == "SUCCEEDED"
    docs = {d["destination_path"]: d for d in alice_tc.paginated.task_successful_transfers(task_id).items()}
    for rel, content in (("a.txt", b"alpha\n"), ("sub/b.bin", b"\x00" * 70_000)):
        doc = docs[base + "dst/" + rel]
        assert doc["source_path"] == base + "src/" + rel and doc["size"] == len(content)
        if verify:
            assert (doc["checksum_algorithm"], doc["checksum"]) == ("MD5", hashlib.md5(content).hexdigest())
        else:
            assert doc["checksum_algorithm"] is None and doc["checksum"] is None


def test_pause_info_shape(sandbox, alice_tc):
    base, disk = workdir(sandbox, "pause")
    write(disk / "f.txt", "f")
    task_id = _copy(alice_tc, base + "f.txt", base + "g.txt")
    info = alice_tc.task_pause_info(task_id)
    assert info["DATA_TYPE"] == "pause_info_limited" and info["pause_rules"] == []
    assert info["source_pause_message"] is None and info["destination_pause_message"] is None


# ---------------------------------------------------------------------------- fixture parity


def _keys(method: object) -> set[str]:
    return set(get_response_set(method).lookup("default").json)  # type: ignore[arg-type]


def test_task_routes_carry_every_key_of_the_sdk_fixtures(sandbox, alice_tc):
    base, disk = workdir(sandbox, "parity")
    write(disk / "f.txt", "f")
    assert _keys(globus_sdk.TransferClient.get_submission_id) <= set(alice_tc.get_submission_id().data)

    data = globus_sdk.TransferData(LAB, LAB)
    data.add_item(base + "f.txt", base + "g.txt")
    submitted = alice_tc.submit_transfer(data)
    assert _keys(globus_sdk.TransferClient.submit_transfer) <= set(submitted.data)
    fixture_link = get_response_set(globus_sdk.TransferClient.submit_transfer).lookup("default").json["task_link"]
    assert set(fixture_link) <= set(submitted["task_link"])

    task_id = str(submitted["task_id"])
    wait_done(alice_tc, task_id)
    listing = alice_tc.task_list(filter={"task_id": task_id})
    fixture = get_response_set(globus_sdk.TransferClient.task_list).lookup("default").json
    assert set(fixture) <= set(listing.data)
    task_keys = set(fixture["DATA"][0])
    assert task_keys <= set(listing["DATA"][0])
    assert task_keys <= set(alice_tc.get_task(task_id).data)

    delete = globus_sdk.DeleteData(LAB)
    delete.add_item(base + "g.txt")
    deleted = alice_tc.submit_delete(delete)
    assert _keys(globus_sdk.TransferClient.submit_delete) <= set(deleted.data)
    wait_done(alice_tc, str(deleted["task_id"]))

    canceled = alice_tc.cancel_task(task_id)
    assert _keys(globus_sdk.TransferClient.cancel_task) <= set(canceled.data)


def test_copies_and_uploads_in_flight_are_never_listed_copied_or_deleted_as_extras(sandbox, alice_tc):
    """The sandbox's temporaries (an HTTPS upload's, a transfer's copy of a file) sat in listings as
    files of their own while in flight: Globus never shows its own. Listings (both listing paths: a
    name-ordered one and one sorted by size), a recursive copy and a sync's deletion of extras now pass
    them by; a user's dot file and a look-alike name are still plain files."""
    upload, part = ".gterm-upload-0123456789abcdef", copy_name("1a2b3c4d-0000-4000-8000-000000000001", 7)
    base, disk = workdir(sandbox, "temporaries")
    for name in (upload, part, ".hidden", ".gterm-upload-notes.txt"):
        write(disk / "src" / name, "in flight" if name in (upload, part) else "mine")
    write(disk / "dst" / upload, "another upload in flight")
    mine = [".gterm-upload-notes.txt", ".hidden"]
    for orderby in ("name ASC", "size DESC"):
        listed = sorted(e["name"] for e in alice_tc.operation_ls(LAB, path=base + "src/", orderby=orderby))
        assert listed == mine, orderby

    data = globus_sdk.TransferData(LAB, LAB, sync_level="exists", delete_destination_extra=True)
    data.add_item(base + "src/", base + "dst/", recursive=True)
    task = wait_done(alice_tc, str(alice_tc.submit_transfer(data)["task_id"]))

    assert task["status"] == "SUCCEEDED"
    assert sorted(tree(disk / "dst")) == sorted([*mine, upload])  # the upload in flight there is left alone

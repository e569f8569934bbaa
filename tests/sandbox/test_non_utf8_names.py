"""Names whose bytes are not UTF-8, through the raw SDK (with orjson, as installed) against the sandbox.

Globus' Transfer API documents how it carries them ("File Operations", "Path
Encoding"): bytes that do not decode as UTF-8 are decoded as latin-1 with
U+FFFD in front, and that spelling, passed back to any other call, names the
original bytes. So ``b"caf\\xe9.txt"`` is ``"\\ufffdcafé.txt"`` on the wire:
valid Unicode, which the SDK's JSON encoder takes as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

import globus_sdk
import pytest

from tests.support.tasks_helpers import LAB, events, transferred, wait_done, workdir, write

RAW = b"caf\xe9.txt"
WIRE = "\ufffd" + RAW.decode("latin-1")  # what Transfer lists: U+FFFD, then the bytes read as latin-1
PAYLOAD = b"latin-1 name\n"


def _make(directory: Path, raw: bytes = RAW, payload: bytes = PAYLOAD) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = os.path.join(os.fsencode(directory), raw)
    with open(path, "wb") as handle:
        handle.write(payload)


def _read(directory: Path, raw: bytes = RAW) -> bytes:
    with open(os.path.join(os.fsencode(directory), raw), "rb") as handle:
        return handle.read()


def _names(directory: Path) -> list[bytes]:
    return sorted(os.listdir(os.fsencode(directory)))


def test_a_listing_spells_the_name_as_globus_does(sandbox, alice_tc):
    base, disk = workdir(sandbox, "wire-ls")
    write(disk / "ok.txt", "x")
    _make(disk)

    listing = alice_tc.operation_ls(LAB, path=base)

    assert listing.data is not None, "the SDK's own JSON reader (orjson) must read the listing"
    assert sorted(entry["name"] for entry in listing) == sorted(["ok.txt", WIRE])
    assert "\\udc" not in listing.text, "a lone surrogate escape is never on the wire"
    only = alice_tc.operation_ls(LAB, path=base, filter=f"name:{WIRE}")
    assert [entry["name"] for entry in only] == [WIRE]
    stat = alice_tc.operation_stat(LAB, path=base + WIRE)
    assert stat["name"] == WIRE and stat["size"] == len(PAYLOAD)


def test_rename_mkdir_and_delete_by_the_exact_name(sandbox, alice_tc):
    base, disk = workdir(sandbox, "wire-ops")
    _make(disk)

    alice_tc.operation_mkdir(LAB, base + "\ufffdd\xefr")  # b"d\xefr": a directory named in latin-1
    assert b"d\xefr" in _names(disk)
    alice_tc.operation_rename(LAB, base + WIRE, base + "\ufffdd\xefr/" + WIRE)
    assert _names(disk) == [b"d\xefr"]
    assert _read(disk / "d\udcefr") == PAYLOAD

    alice_tc.operation_rename(LAB, base + "\ufffdd\xefr/" + WIRE, base + "plain.txt")
    assert (disk / "plain.txt").read_bytes() == PAYLOAD

    _make(disk)
    delete = globus_sdk.DeleteData(LAB)
    delete.add_item(base + WIRE)
    assert wait_done(alice_tc, str(alice_tc.submit_delete(delete)["task_id"]))["status"] == "SUCCEEDED"
    assert b"caf\xe9.txt" not in _names(disk) and (disk / "plain.txt").exists()


def test_a_file_and_a_tree_transfer_keep_the_exact_bytes(sandbox, alice_tc):
    base, disk = workdir(sandbox, "wire-copy")
    write(disk / "src" / "good.txt", "fine\n")
    _make(disk / "src")

    one = globus_sdk.TransferData(LAB, LAB)
    one.add_item(base + "src/" + WIRE, base + "one/" + WIRE)
    task = wait_done(alice_tc, str(alice_tc.submit_transfer(one)["task_id"]))
    assert task["status"] == "SUCCEEDED", task
    assert _names(disk / "one") == [RAW]

    tree = globus_sdk.TransferData(LAB, LAB, verify_checksum=True)
    tree.add_item(base + "src/", base + "tree/", recursive=True)
    task_id = str(alice_tc.submit_transfer(tree)["task_id"])
    task = wait_done(alice_tc, task_id)
    assert task["status"] == "SUCCEEDED", task
    assert _names(disk / "tree") == sorted([b"good.txt", RAW])
    assert _read(disk / "tree") == PAYLOAD
    assert transferred(alice_tc, task_id) == {base + "tree/good.txt", base + "tree/" + WIRE}
    assert not any(event["is_error"] for event in events(alice_tc, task_id))


def test_sync_and_delete_extras_match_such_names(sandbox, alice_tc):
    base, disk = workdir(sandbox, "wire-sync")
    _make(disk / "src")
    _make(disk / "dst")  # already there, same bytes: nothing to copy
    _make(disk / "dst", b"old-\xff.txt", b"extra")  # not in the source: an extra to delete

    data = globus_sdk.TransferData(LAB, LAB, sync_level="checksum", delete_destination_extra=True)
    data.add_item(base + "src/", base + "dst/", recursive=True)
    task_id = str(alice_tc.submit_transfer(data)["task_id"])
    assert wait_done(alice_tc, task_id)["status"] == "SUCCEEDED"
    assert _names(disk / "dst") == [RAW]
    assert transferred(alice_tc, task_id) == set()


@pytest.mark.parametrize("spelling", ["\ufffdcaf\u00e9\u0100.txt", "\ufffdplain.txt"])
def test_other_text_after_the_mark_is_an_ordinary_name(sandbox, alice_tc, spelling):
    """Only Globus' own spelling means raw bytes: U+FFFD before UTF-8-decodable or non-latin-1 text is a name."""
    base, disk = workdir(sandbox, "wire-literal")
    alice_tc.operation_mkdir(LAB, base + spelling)
    assert _names(disk) == [spelling.encode("utf-8")]

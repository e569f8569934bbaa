"""File operation routes (ls, stat, mkdir, rename) over real HTTP with the real SDK."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from gterm.sandbox.file_listing import format_time
from gterm.sandbox.sample_tree import BIG_FILE_SIZE, ESCAPE_NAME, MANY_FILES_COUNT, MARKUP_NAME, SEED_MTIME
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.transfer_helpers import api_error, collection_root, names, unique

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$")
ENTRY_KEYS = {
    "DATA_TYPE", "name", "type", "size", "last_modified", "permissions", "user", "group",
    "link_target", "link_group", "link_last_modified", "link_size", "link_user",
}


@pytest.fixture
def workdir(alice_tc: Any) -> Iterator[str]:
    """A fresh directory in Alice's home, made through the API itself."""
    path = f"/home/alice/{unique('files')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    yield path


# --------------------------------------------------------------------------- ls


def test_ls_home_shows_the_seeded_tree(alice_tc: Any) -> None:
    listing = alice_tc.operation_ls(LAB_STORAGE_ID, path="~")
    assert listing["DATA_TYPE"] == "file_list"
    assert listing["path"] == "/home/alice/"
    assert listing["endpoint"] == LAB_STORAGE_ID
    found = set(names(listing))
    assert {
        ".bashrc", ".config", "experiments", "many-files", "odd-names", "large-dataset.bin",
        "Résumé 2026.pdf", "数据.csv", "notes with spaces.txt", "latest-run",
    } <= found
    by_name = {e["name"]: e for e in listing["DATA"]}
    assert by_name["large-dataset.bin"]["size"] == BIG_FILE_SIZE
    assert by_name["experiments"]["type"] == "dir"
    for entry in listing["DATA"]:
        assert set(entry) >= ENTRY_KEYS
        assert TIME_RE.match(entry["last_modified"])
        assert re.match(r"^0[0-7]{3}$", entry["permissions"])
    assert by_name["README.md"]["last_modified"] == "2026-01-15 12:00:00+00:00"


@pytest.mark.parametrize("path", ["~", "~/", "/~/", "/~", "", "/home/alice", "/home/alice/experiments/../"])
def test_home_spellings_resolve_to_the_same_directory(alice_tc: Any, path: str) -> None:
    kwargs = {"path": path} if path else {}
    assert alice_tc.operation_ls(LAB_STORAGE_ID, **kwargs)["path"] == "/home/alice/"


def test_ls_many_files_in_one_call(alice_tc: Any) -> None:
    listing = alice_tc.operation_ls(LAB_STORAGE_ID, path="/~/many-files/")
    assert len(listing["DATA"]) == MANY_FILES_COUNT
    assert names(listing)[:2] == ["file-0000.dat", "file-0001.dat"]


def test_names_are_returned_byte_for_byte(alice_tc: Any) -> None:
    listing = alice_tc.operation_ls(LAB_STORAGE_ID, path="/~/odd-names/")
    assert MARKUP_NAME in names(listing)
    assert ESCAPE_NAME in names(listing)


def test_show_hidden_false_hides_dotfiles(alice_tc: Any) -> None:
    listing = alice_tc.operation_ls(LAB_STORAGE_ID, path="~", show_hidden=False)
    assert not [n for n in names(listing) if n.startswith(".")]
    assert "experiments" in names(listing)


def test_orderby_size_desc_and_type_name(alice_tc: Any) -> None:
    by_size = alice_tc.operation_ls(LAB_STORAGE_ID, path="~", orderby="size DESC")
    sizes = [e["size"] for e in by_size["DATA"]]
    assert sizes == sorted(sizes, reverse=True)
    typed = alice_tc.operation_ls(LAB_STORAGE_ID, path="~", orderby=["type", "name"])
    kinds = [e["type"] for e in typed["DATA"]]
    assert kinds == sorted(kinds)
    assert api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path="~", orderby="colour")).http_status == 400


@pytest.fixture(scope="module")
def filter_dir(sandbox: Any, alice_tc: Any) -> str:
    """A directory only these tests write to, so other suites' files never leak in."""
    path = f"/home/alice/{unique('filters')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")
    files = {
        "README.md": b"readme\n",
        ".bashrc": b"# rc\n",
        "数据.csv": b"a,b\n",
        "Résumé 2026.pdf": b"%PDF",
        "big.bin": b"\0" * 1_000_000,
    }
    for name, data in files.items():
        (on_disk / name).write_bytes(data)
    for name in ("experiments", "other"):
        (on_disk / name).mkdir()
    for child in on_disk.iterdir():
        os.utime(child, (SEED_MTIME, SEED_MTIME))
    return path


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ("name:~*.csv", {"数据.csv"}),
        ("name:=README.md", {"README.md"}),
        ("name:README.md,.bashrc", {"README.md", ".bashrc"}),
        ({"name": "~*.PDF"}, {"Résumé 2026.pdf"}),
        ("type:dir/name:~e*", {"experiments"}),
        ("type:dir", {"experiments", "other"}),
        ("name:!~*.*/type:file", set()),
    ],
)
def test_filters(alice_tc: Any, filter_dir: str, filter_: Any, expected: set[str]) -> None:
    listing = alice_tc.operation_ls(LAB_STORAGE_ID, path=filter_dir, filter=filter_)
    assert set(names(listing)) == expected


def test_filters_on_size_and_time(alice_tc: Any, filter_dir: str) -> None:
    big = alice_tc.operation_ls(LAB_STORAGE_ID, path=filter_dir, filter="size:>=1000000")
    assert names(big) == ["big.bin"]
    before = alice_tc.operation_ls(LAB_STORAGE_ID, path=filter_dir, filter={"last_modified": ["", "2026-01-01"]})
    assert before["DATA"] == []
    around = alice_tc.operation_ls(LAB_STORAGE_ID, path=filter_dir, filter="last_modified:2026-01-15,2026-01-16")
    assert "README.md" in names(around)
    err = api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path=filter_dir, filter="bogus"))
    assert err.http_status == 400


def test_limit_and_offset_page_the_listing(alice_tc: Any) -> None:
    page1 = alice_tc.operation_ls(LAB_STORAGE_ID, path="/~/many-files/", limit=10)
    page2 = alice_tc.operation_ls(LAB_STORAGE_ID, path="/~/many-files/", limit=10, offset=10)
    assert names(page1) == [f"file-{i:04d}.dat" for i in range(10)]
    assert names(page2) == [f"file-{i:04d}.dat" for i in range(10, 20)]
    too_many = api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path="~", limit=100_001))
    assert too_many.http_status == 400


def test_symlink_inside_collection_is_reported_as_its_target(alice_tc: Any) -> None:
    listing = alice_tc.operation_ls(LAB_STORAGE_ID, path="~", filter="name:=latest-run")
    (entry,) = listing["DATA"]
    assert entry["type"] == "dir"
    assert entry["link_target"] == "/home/alice/experiments/run-001/"
    assert entry["link_size"] is not None
    inside = alice_tc.operation_ls(LAB_STORAGE_ID, path="/~/latest-run/")
    assert "params.json" in names(inside)


def test_fields_keeps_only_the_named_keys(alice_tc: Any) -> None:
    full = alice_tc.operation_ls(LAB_STORAGE_ID, path="~")
    few = alice_tc.operation_ls(LAB_STORAGE_ID, path="~", query_params={"fields": "name,size,link_target"})
    assert {key for doc in few["DATA"] for key in doc} == {"DATA_TYPE", "name", "size", "link_target"}
    by_name = {doc["name"]: doc for doc in full["DATA"]}
    assert names(few) == names(full)
    for doc in few["DATA"]:
        assert {key: by_name[doc["name"]][key] for key in doc} == doc  # same values, fewer keys
    assert few["total"] == full["total"] and few["path"] == full["path"]  # the envelope is whole


def test_fields_keeps_link_facts_and_ignores_unknown_names(alice_tc: Any) -> None:
    listing = alice_tc.operation_ls(
        LAB_STORAGE_ID,
        path="~",
        filter="name:=latest-run",
        query_params={"fields": "name,link_size,link_last_modified,no_such_field"},
    )
    (entry,) = listing["DATA"]
    assert set(entry) == {"DATA_TYPE", "name", "link_size", "link_last_modified"}
    assert isinstance(entry["link_size"], int) and TIME_RE.match(entry["link_last_modified"])
    plain = alice_tc.operation_ls(
        LAB_STORAGE_ID, path="/~/many-files/", limit=1, query_params={"fields": "link_size"}
    )
    assert plain["DATA"] == [{"DATA_TYPE": "file", "link_size": None}]


def test_ls_missing_path_is_not_found(alice_tc: Any) -> None:
    err = api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path="/~/no-such-dir/"))
    assert (err.http_status, err.code) == (404, "ClientError.NotFound")


def test_ls_on_a_file_is_not_a_directory(alice_tc: Any) -> None:
    err = api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path="/~/README.md"))
    assert (err.http_status, err.code) == (502, "ExternalError.DirListingFailed.NotDirectory")


# --------------------------------------------------------------------------- stat


def test_stat_file_dir_and_missing(alice_tc: Any) -> None:
    doc = alice_tc.operation_stat(LAB_STORAGE_ID, "/~/notes with spaces.txt")
    assert doc["DATA_TYPE"] == "file"
    assert (doc["name"], doc["type"]) == ("notes with spaces.txt", "file")
    assert doc["last_modified"] == "2026-01-15 12:00:00+00:00"
    folder = alice_tc.operation_stat(LAB_STORAGE_ID, "/~/experiments/")
    assert (folder["name"], folder["type"]) == ("experiments", "dir")
    err = api_error(lambda: alice_tc.operation_stat(LAB_STORAGE_ID, "/~/nope.txt"))
    assert (err.http_status, err.code) == (404, "NotFound")


# --------------------------------------------------------------------------- mkdir / rename


def test_mkdir_creates_and_refuses_existing(sandbox: Any, alice_tc: Any, workdir: str) -> None:
    result = alice_tc.operation_mkdir(LAB_STORAGE_ID, workdir + "new dir/")
    assert (result["DATA_TYPE"], result["code"]) == ("mkdir_result", "DirectoryCreated")
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / workdir.strip("/") / "new dir"
    assert on_disk.is_dir()
    err = api_error(lambda: alice_tc.operation_mkdir(LAB_STORAGE_ID, workdir + "new dir/"))
    assert (err.http_status, err.code) == (502, "ExternalError.MkdirFailed.Exists")
    err = api_error(lambda: alice_tc.operation_mkdir(LAB_STORAGE_ID, workdir + "a/b/c/"))
    assert err.http_status == 404


def test_rename_moves_and_reports_errors(sandbox: Any, alice_tc: Any, workdir: str) -> None:
    alice_tc.operation_mkdir(LAB_STORAGE_ID, workdir + "old/")
    result = alice_tc.operation_rename(LAB_STORAGE_ID, workdir + "old/", workdir + "nouveau été/")
    assert (result["DATA_TYPE"], result["code"]) == ("result", "FileRenamed")
    assert names(alice_tc.operation_ls(LAB_STORAGE_ID, path=workdir)) == ["nouveau été"]
    missing = api_error(lambda: alice_tc.operation_rename(LAB_STORAGE_ID, workdir + "ghost", workdir + "x"))
    assert missing.http_status == 404
    alice_tc.operation_mkdir(LAB_STORAGE_ID, workdir + "other/")
    clash = api_error(
        lambda: alice_tc.operation_rename(LAB_STORAGE_ID, workdir + "other/", workdir + "nouveau été/")
    )
    assert clash.http_status == 502 and "Exists" in clash.code
    into_self = api_error(
        lambda: alice_tc.operation_rename(LAB_STORAGE_ID, workdir + "other/", workdir + "other/sub/")
    )
    assert into_self.http_status == 400


def test_home_is_created_on_demand_for_new_users(sandbox: Any) -> None:
    from tests.support.sandbox_login import robot_transfer_client

    robot = robot_transfer_client(sandbox)
    listing = robot.operation_ls(LAB_STORAGE_ID, path="/~/")
    home = collection_root(sandbox, LAB_STORAGE_ID) / listing["path"].strip("/")
    assert home.is_dir()


@pytest.mark.parametrize(
    "stamp", [0, 59, 3599, 3600, 86399, 86400, -1, -3601, 1_700_000_000, 2**31 + 5, -2_208_988_800]
)
def test_listing_times_are_utc_seconds_in_transfers_format(stamp: int) -> None:
    expected = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S+00:00")
    assert format_time(stamp) == expected
    assert TIME_RE.match(format_time(stamp))

"""LocalFiles: this computer's file system in the shapes of a collection listing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gterm.globus.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from gterm.globus.local_files import LOCAL_ID, LocalFiles
from tests.support.mounts import make_read_only, tmpfs_at


def test_listing_has_entries_like_a_collection(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("hello")
    (tmp_path / ".hidden").write_text("x")
    os.symlink("a.txt", tmp_path / "good-link")
    os.symlink("nowhere", tmp_path / "dangling")
    os.utime(tmp_path / "a.txt", (1_600_000_000, 1_600_000_000))
    listing = LocalFiles().ls(str(tmp_path))
    by_name = {e.name: e for e in listing.entries}
    assert listing.collection_id == LOCAL_ID and listing.path == str(tmp_path) + "/"
    assert by_name["sub"].type == "dir" and by_name["a.txt"].size == 5
    assert by_name["a.txt"].last_modified is not None and by_name["a.txt"].last_modified.timestamp() == 1_600_000_000
    assert by_name["good-link"].type == "file" and by_name["good-link"].link_target == "a.txt"
    assert by_name["dangling"].type == "invalid_symlink"
    assert ".hidden" not in {e.name for e in LocalFiles().ls(str(tmp_path), show_hidden=False).entries}


def test_names_that_are_not_utf8_round_trip(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(raw, "wb") as handle:
        handle.write(b"x")
    files = LocalFiles()
    (entry,) = files.ls(str(tmp_path)).entries
    assert entry.name == "caf\udce9.txt"
    files.rename(str(tmp_path / entry.name), str(tmp_path / "cafe.txt"))
    assert (tmp_path / "cafe.txt").read_bytes() == b"x"


def test_mkdir_rename_delete_and_their_errors(tmp_path: Path) -> None:
    files = LocalFiles()
    files.mkdir(str(tmp_path / "new") + "/")
    with pytest.raises(AlreadyExists):
        files.mkdir(str(tmp_path / "new"))
    (tmp_path / "new" / "inner.txt").write_text("x")
    (tmp_path / "other").write_text("y")
    with pytest.raises(AlreadyExists):
        files.rename(str(tmp_path / "new"), str(tmp_path / "other"))
    files.rename(str(tmp_path / "new"), str(tmp_path / "renamed"))
    assert files.delete([str(tmp_path / "renamed") + "/", str(tmp_path / "other"), str(tmp_path / "missing")]) == [
        f"{tmp_path / 'missing'} does not exist on this computer."
    ]
    assert sorted(os.listdir(tmp_path)) == []
    with pytest.raises(NotFound):
        files.ls(str(tmp_path / "missing"))
    (tmp_path / "f").write_text("z")
    with pytest.raises(InvalidInput):
        files.ls(str(tmp_path / "f"))


def test_home_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "data").mkdir()
    files = LocalFiles()
    assert files.resolve(None) == str(tmp_path) + "/"
    assert files.resolve("~/data") == str(tmp_path / "data") + "/"
    assert files.resolve("data") == str(tmp_path / "data") + "/"


def _deep_tree(top: Path, levels: int) -> None:
    """``top/d.../d.../...`` ``levels`` deep, a file at each level (the path outgrows PATH_MAX by far)."""
    top.mkdir()
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.close(os.open("f.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
            os.mkdir("d" * 40, dir_fd=fd)
            inner = os.open("d" * 40, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.symlink("/", "link-out", dir_fd=fd)  # removed, never followed
    finally:
        os.close(fd)


def test_delete_removes_a_tree_of_any_depth(tmp_path: Path) -> None:
    # What a copy of a directory into itself once made: ~2,000 levels; rmtree died with RecursionError.
    _deep_tree(tmp_path / "deep", 2_500)
    (tmp_path / "keep.txt").write_text("keep")

    assert LocalFiles().delete([str(tmp_path / "deep") + "/"]) == []

    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_delete_names_what_it_could_not_remove_in_a_tree(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root removes files whatever the permissions say")
    locked = tmp_path / "tree" / "locked"
    locked.mkdir(parents=True)
    (locked / "f.txt").write_text("f")
    locked.chmod(0o500)
    try:
        problems = LocalFiles().delete([str(tmp_path / "tree")])
    finally:
        locked.chmod(0o700)
    assert problems == [f"No permission to delete {locked / 'f.txt'}."]


def test_a_read_only_file_system_is_said_so_not_as_a_missing_permission(tmp_path: Path) -> None:
    # F7 on a read-only mount said "No permission to create …", which sends one to chmod, in vain.
    with tmpfs_at(tmp_path / "ro") as mount:
        make_read_only(mount)
        with pytest.raises(PermissionDenied) as info:
            LocalFiles().mkdir(str(mount / "new"))
    assert str(info.value) == f"Cannot create {mount / 'new'}: the file system there is read-only."

"""Pure checks of the sandbox's path normalisation, filter and orderby parsing (no server)."""

from __future__ import annotations

import pytest

from gterm.sandbox import file_listing as fl
from gterm.sandbox.collections import normalize
from gterm.sandbox.errors import ApiError

HOME = "/home/alice/"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "/home/alice"),
        ("~", "/home/alice"),
        ("/~/", "/home/alice"),
        ("~/data/x.txt", "/home/alice/data/x.txt"),
        ("/~/data/", "/home/alice/data"),
        ("relative/dir/", "/home/alice/relative/dir"),
        ("/", "/"),
        ("//projects///climate/./", "/projects/climate"),
        ("/projects/climate/../genomics", "/projects/genomics"),
        ("/a/b/../../", "/"),
        ("/etc/passwd", "/etc/passwd"),  # absolute means inside the collection
        # ".." at "/" stays at "/", as the Globus data server resolves it (globus_l_gfs_normalize_path)
        ("/..", "/"),
        ("/../", "/"),
        ("/a/../..", "/"),
        ("~/../../..", "/"),
        ("../../../", "/"),
        ("/../etc", "/etc"),
        ("/x/../../y/./z/..", "/y"),
    ],
)
def test_normalize(path: str, expected: str) -> None:
    assert normalize(path, HOME) == expected


@pytest.mark.parametrize("path", ["/..", "/a/../..", "~/../../..", "/../etc"])
def test_normalize_can_refuse_climbing_above_the_root(path: str) -> None:
    with pytest.raises(ApiError) as info:
        normalize(path, HOME, refuse_above_root=True)
    assert info.value.status == 400


def test_normalize_refuses_nul() -> None:
    with pytest.raises(ApiError) as info:
        normalize("x\x00y", HOME)
    assert info.value.status == 400


def _item(name: str, kind: str = "file", size: int = 1, mtime: int = 0) -> fl.Item:
    return fl.Item(name, kind, size, mtime, 0o100644, "alice", None, None, None)


ITEMS = [_item("a.txt", size=5), _item("B.TXT", size=50), _item("dir", "dir", 4096), _item("c.csv", size=7)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["name:~*.txt"], {"a.txt", "B.TXT"}),
        (["name:!~*.txt"], {"dir", "c.csv"}),
        (["name:=dir"], {"dir"}),
        (["name:!=dir"], {"a.txt", "B.TXT", "c.csv"}),
        (["type:file/size:>6"], {"B.TXT", "c.csv"}),
        (["type:file", "size:<=5"], {"a.txt"}),
        (["type:!=file"], {"dir"}),
    ],
)
def test_filters(filters: list[str], expected: set[str]) -> None:
    preds = fl.parse_filters(filters)
    assert {i.name for i in ITEMS if all(p(i) for p in preds)} == expected


@pytest.mark.parametrize("bad", ["name", "size:>big", "type:socket", "colour:red", "last_modified:yesterday"])
def test_bad_filters(bad: str) -> None:
    with pytest.raises(ApiError):
        fl.parse_filters([bad])


def test_orderby_is_stable_and_multi_key() -> None:
    items = list(ITEMS)
    fl.sort_items(items, fl.parse_orderby(["type DESC,size"]))
    assert [i.name for i in items] == ["a.txt", "c.csv", "B.TXT", "dir"]


def test_entry_json_matches_the_production_shape() -> None:
    doc = fl.entry_doc(_item("notes \x1b[31m.txt", mtime=1768478400))
    assert doc == {
        "DATA_TYPE": "file", "name": "notes \x1b[31m.txt", "type": "file", "link_target": None,
        "permissions": "0644", "size": 1, "user": "alice", "group": "users",
        "last_modified": "2026-01-15 12:00:00+00:00", "link_group": None, "link_last_modified": None,
        "link_size": None, "link_user": None,
    }

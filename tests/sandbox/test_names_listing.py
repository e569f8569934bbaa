"""A listing by names and types: its first pages picked without a sort, later ones sliced, same order.

The order to match is :func:`file_listing.sort_items`'s (each key in turn, ties
by name ascending) on Items made for every entry, as the sandbox sorted before
:mod:`gterm.sandbox.names_listing` kept names only. Over HTTP, a directory big
enough for its first pages to be picked is paged to the end in each order.
"""

from __future__ import annotations

import os
import random
import threading
from typing import Any

import pytest

from gterm.sandbox import file_listing as fl
from gterm.sandbox.confined import RootSpec
from gterm.sandbox.names_listing import PARTIAL_SHARE, NameOrder, NamesListing, scan
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.transfer_helpers import collection_root, names, unique

KEYS = [
    [],
    [("name", False)],
    [("name", True)],
    [("type", False), ("name", False)],
    [("type", False), ("name", True)],
    [("type", True)],
    [("type", True), ("name", True)],
    [("group", False), ("type", True), ("user", False)],
    [("name", True), ("type", False)],  # names are unique: the type after them changes nothing
]


def reference(by_kind: dict[str, list[str]], keys: list[tuple[str, bool]], owner: str | None) -> list[str]:
    """Every entry's name in sort_items' order, from an Item per entry."""
    items = [fl.Item(name, kind, fl.UNSTATED, 0, 0, owner or name, None, None, None)
             for kind, kind_names in by_kind.items() for name in kind_names]
    fl.sort_items(items, keys)
    return [item.name for item in items]


def random_directory(seed: int, count: int = 600) -> dict[str, list[str]]:
    rng = random.Random(seed)
    chosen = rng.sample(range(10 * count), count)
    by_kind: dict[str, list[str]] = {"dir": [], "file": [], "invalid_symlink": []}
    for number in chosen:
        kind = rng.choices(["file", "dir", "invalid_symlink"], [8, 3, 1])[0]
        by_kind[kind].append(rng.choice(["", "A", "b", "_", "Z."]) + f"{number:05d}")
    return by_kind


@pytest.mark.parametrize("keys", KEYS, ids=[",".join(f"{f}{' DESC' if d else ''}" for f, d in k) or "none"
                                             for k in KEYS])
def test_pages_before_and_after_the_sort_follow_sort_items_order(keys: list[tuple[str, bool]]) -> None:
    by_kind = random_directory(seed=len(keys))
    expected = reference(by_kind, keys, "gterm")
    listing = NamesListing({kind: list(found) for kind, found in by_kind.items()},
                           NameOrder.of(keys, owner_is_name=False), "gterm")
    assert len(listing) == len(expected) == 600
    picked = len(expected) // PARTIAL_SHARE  # pages ending here are picked from the unsorted names
    assert listing.names(0, 25) == expected[:25]
    assert listing.names(25, picked - 25) == expected[25:picked]
    assert listing.names(picked - 3, 50) == expected[picked - 3: picked + 47]  # this one sorts
    assert listing.names(0, 25) == expected[:25]  # and from now on pages are slices
    pages = [listing.names(offset, 37) for offset in range(0, len(expected), 37)]
    assert [entry for page in pages for entry in page] == expected
    assert listing.names(600, 10) == [] and listing.names(590, 100) == listing.names(590, 10)


def test_in_home_each_entrys_owner_is_its_name_and_orders_like_it() -> None:
    by_kind = random_directory(seed=7, count=300)
    keys = [("user", True), ("type", False)]
    expected = reference(by_kind, keys, None)
    listing = NamesListing(by_kind, NameOrder.of(keys, owner_is_name=True), None)
    assert listing.names(0, 20) == expected[:20]
    assert listing.names(0, 300) == expected


def test_pages_asked_for_at_once_on_many_threads_are_all_right() -> None:
    """While one thread sorts, others still pick or slice: none sees a list half sorted."""
    by_kind = random_directory(seed=11, count=20_000)
    keys = [("type", False), ("name", True)]
    expected = reference(by_kind, keys, "gterm")
    listing = NamesListing(by_kind, NameOrder.of(keys, owner_is_name=False), "gterm")
    asked = [(offset, 100) for offset in (0, 100, 1_900, 0, 5_000, 19_950, 300, 0)] * 4
    wrong: list[tuple[int, int]] = []
    start = threading.Barrier(len(asked))

    def ask(offset: int, limit: int) -> None:
        start.wait()
        if listing.names(offset, limit) != expected[offset: offset + limit]:
            wrong.append((offset, limit))

    threads = [threading.Thread(target=ask, args=page) for page in asked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_scan_groups_links_by_their_target_and_filters_on_names(tmp_path: Any) -> None:
    for name in ("b.txt", "a.dat", "c.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").write_bytes(b"x")
    (tmp_path / "to-sub").symlink_to("sub")
    (tmp_path / "to-b").symlink_to("b.txt")
    (tmp_path / "broken").symlink_to("nowhere")
    (tmp_path / "escapes").symlink_to("/etc")
    with RootSpec(str(tmp_path)).open() as root:
        dir_fd = root.open_dir(())
        try:
            def listed(show_hidden: bool = True, filters: list[str] | None = None) -> list[tuple[str, str]]:
                listing = scan(root, dir_fd, (), "/", show_hidden=show_hidden,
                               predicates=fl.parse_filters(filters or []), keys=[("type", False)])
                return [(item.name, item.type) for item in listing.read(root, dir_fd, (), 0, 100)]

            assert listed() == [("sub", "dir"), ("to-sub", "dir"), (".hidden", "file"), ("a.dat", "file"),
                                ("b.txt", "file"), ("c.txt", "file"), ("to-b", "file"),
                                ("broken", "invalid_symlink"), ("escapes", "invalid_symlink")]
            assert listed(show_hidden=False)[2] == ("a.dat", "file")
            assert listed(filters=["name:~*.txt/type:file"]) == [("b.txt", "file"), ("c.txt", "file")]
            # A page's facts are read as it is sent: a link's from its target, beneath the root only.
            page = {i.name: i for i in scan(root, dir_fd, (), "/", show_hidden=True, predicates=[],
                                            keys=[]).read(root, dir_fd, (), 0, 100)}
            assert (page["to-sub"].type, page["to-sub"].link_target, page["to-sub"].user) == ("dir", "/sub/", "gterm")
            assert (page["escapes"].type, page["escapes"].link_target) == ("invalid_symlink", None)
            # In /home, each entry belongs to the user it is named after.
            in_home = scan(root, dir_fd, (), "/home/", show_hidden=True, predicates=fl.parse_filters(["user:a.dat"]),
                           keys=[]).read(root, dir_fd, (), 0, 100)
            assert [(item.name, item.user) for item in in_home] == [("a.dat", "a.dat")]
        finally:
            os.close(dir_fd)


NAME_ORDERS = ["type,name", "type ASC,name DESC", "name DESC", "type DESC", ""]


@pytest.mark.parametrize("orderby", NAME_ORDERS, ids=[o or "none" for o in NAME_ORDERS])
def test_a_big_directory_pages_through_in_its_order_from_a_picked_first_page(
    sandbox: Any, alice_tc: Any, orderby: str
) -> None:
    """Over HTTP: small pages of a fresh 400-entry directory (the first ones picked), then all of it whole."""
    path = f"/home/alice/{unique('names')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")
    for number in random.Random(3).sample(range(10_000), 400):
        if number % 5:
            (on_disk / f"f{number:05d}").write_bytes(b"x" * (number % 7))
        else:
            (on_disk / f"d{number:05d}").mkdir()
    os.utime(on_disk, (1_768_478_400, 1_768_478_400))  # changed long ago: the listing is kept between pages
    params: dict[str, Any] = {"orderby": orderby} if orderby else {}
    paged: list[dict[str, Any]] = []
    while len(paged) < 400:
        page = alice_tc.operation_ls(LAB_STORAGE_ID, path=path, limit=9, offset=len(paged), **params)
        assert page["total"] == 400 and page["length"] == len(page["DATA"]) > 0
        paged += page["DATA"]
    whole = alice_tc.operation_ls(LAB_STORAGE_ID, path=path, **params)
    assert [doc["name"] for doc in paged] == names(whole)
    assert [doc["size"] for doc in paged] == [doc["size"] for doc in whole["DATA"]]  # facts read per page
    dirs, files = sorted(n for n in names(whole) if n[0] == "d"), sorted(n for n in names(whole) if n[0] == "f")
    expected = {
        "type,name": dirs + files,
        "type ASC,name DESC": dirs[::-1] + files[::-1],
        "name DESC": sorted(dirs + files, reverse=True),
        "type DESC": files + dirs,
        "": sorted(dirs + files),
    }[orderby]
    assert names(whole) == expected and dirs and files

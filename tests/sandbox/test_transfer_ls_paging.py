"""``ls`` with ``orderby``, ``limit`` and ``offset`` over real HTTP with the real SDK.

Transfer's paging contract as a client sees it: ``orderby`` is a comma-separated
list of a field name optionally followed by ``ASC`` or ``DESC``; ``limit`` is at
most 100,000 (the default); ``offset`` is zero based; the answer's ``length`` is
the number of documents in ``DATA`` and ``total`` the number in the whole
(filtered) listing, so there is more while ``offset + length < total``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from gterm.sandbox import names_listing
from gterm.sandbox.confined import RootSpec
from gterm.sandbox.listing_cache import SortedListings
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.transfer_helpers import api_error, collection_root, names, unique

BASE_MTIME = 1_768_478_400  # 2026-01-15 12:00:00 UTC


@pytest.fixture(scope="module")
def paging_dir(sandbox: Any, alice_tc: Any) -> str:
    """23 files and 4 dirs with repeated sizes and times (ties are where paging goes wrong)."""
    path = f"/home/alice/{unique('paging')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")
    for i in range(23):
        name = f"{'ABC'[i % 3]}file-{i:02d}.txt" if i % 2 else f"file-{i:02d}.txt"
        target = on_disk / name
        target.write_bytes(b"x" * (i % 4))
        os.utime(target, (BASE_MTIME + (i % 5) * 60, BASE_MTIME + (i % 5) * 60))
    for name in ("zeta", "alpha", "Beta", "gamma"):
        (on_disk / name).mkdir()
        os.utime(on_disk / name, (BASE_MTIME, BASE_MTIME))
    return path


def _key(field: str) -> Callable[[dict[str, Any]], Any]:
    return lambda doc: doc[field]


def expected_order(docs: list[dict[str, Any]], orderby: list[tuple[str, bool]]) -> list[str]:
    """The documented order, computed here: each option in turn, ties by name ascending."""
    ordered = sorted(docs, key=_key("name"))
    for field, descending in reversed(orderby):
        ordered.sort(key=_key(field), reverse=descending)
    return [doc["name"] for doc in ordered]


ORDERS = [
    ("name", [("name", False)]),
    ("name DESC", [("name", True)]),
    ("size DESC", [("size", True)]),
    ("type,name", [("type", False), ("name", False)]),
    ("type ASC,size DESC", [("type", False), ("size", True)]),
    ("last_modified", [("last_modified", False)]),
    ("type DESC,last_modified DESC,size", [("type", True), ("last_modified", True), ("size", False)]),
]


@pytest.mark.parametrize(("orderby", "meaning"), ORDERS, ids=[o for o, _ in ORDERS])
def test_orderby_sorts_as_documented_with_name_breaking_ties(
    alice_tc: Any, paging_dir: str, orderby: str, meaning: list[tuple[str, bool]]
) -> None:
    whole = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, orderby=orderby)
    assert names(whole) == expected_order(whole["DATA"], meaning)


@pytest.mark.parametrize(("orderby", "meaning"), ORDERS, ids=[o for o, _ in ORDERS])
def test_pages_cover_the_listing_once_in_order(
    alice_tc: Any, paging_dir: str, orderby: str, meaning: list[tuple[str, bool]]
) -> None:
    whole = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, orderby=orderby)
    paged: list[str] = []
    offset = 0
    while True:
        page = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, orderby=orderby, limit=4, offset=offset)
        assert page["length"] == len(page["DATA"]) <= 4
        assert page["total"] == whole["total"] == 27
        paged += names(page)
        offset += page["length"]
        if offset >= page["total"]:
            break
    assert paged == names(whole)


def test_orderby_as_a_list_is_sent_comma_joined(alice_tc: Any, paging_dir: str) -> None:
    as_list = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, orderby=["type DESC", "name"])
    as_text = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, orderby="type DESC,name")
    assert names(as_list) == names(as_text)
    assert as_list["DATA"][0]["type"] == "file" and as_list["DATA"][-1]["type"] == "dir"


def test_the_envelope_has_length_and_total_only(alice_tc: Any, paging_dir: str) -> None:
    page = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, limit=5, offset=20)
    assert (page["length"], page["total"]) == (5, 27)
    # Transfer's recorded answers have no paging keys of their own (globus-cli's fixtures).
    assert not {"offset", "limit", "has_next_page"} & set(page.data)
    assert {"DATA_TYPE", "path", "absolute_path", "endpoint", "length", "total", "DATA"} <= set(page.data)


def test_a_gcsv5_listing_says_absolute_path_null_and_symlinks_supported(alice_tc: Any, paging_dir: str) -> None:
    """globus-cli's recorded GCSv5 answers (tests/files/api_fixtures/ls_results.yaml): "absolute_path" is
    null for an absolute path (and for "/~/") and "symlink_supported" is true."""
    for path in (paging_dir, "/~/"):
        page = alice_tc.operation_ls(LAB_STORAGE_ID, path=path, limit=1)
        assert (page["absolute_path"], page["symlink_supported"], page["rename_supported"]) == (None, True, True)


def test_the_last_page_is_short_and_past_the_end_is_empty(alice_tc: Any, paging_dir: str) -> None:
    last = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, limit=10, offset=20)
    assert (last["length"], last["total"]) == (7, 27)
    beyond = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, limit=10, offset=1000)
    assert (beyond["DATA"], beyond["length"], beyond["total"]) == ([], 0, 27)
    nothing = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, limit=0)
    assert (nothing["DATA"], nothing["total"]) == ([], 27)


def test_total_counts_the_filtered_listing(alice_tc: Any, paging_dir: str) -> None:
    page = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, filter="type:dir", orderby="name DESC", limit=3)
    assert names(page) == ["zeta", "gamma", "alpha"]
    assert (page["length"], page["total"]) == (3, 4)
    rest = alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, filter="type:dir", orderby="name DESC", offset=3)
    assert names(rest) == ["Beta"]


def test_show_hidden_false_pages_the_visible_entries(alice_tc: Any) -> None:
    whole = alice_tc.operation_ls(LAB_STORAGE_ID, path="~", show_hidden=False)
    first = alice_tc.operation_ls(LAB_STORAGE_ID, path="~", show_hidden=False, limit=2)
    assert first["total"] == whole["total"] == len(whole["DATA"])
    assert names(first) == names(whole)[:2]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 100_001},
        {"limit": -1},
        {"offset": -1},
        {"limit": "ten"},
        {"orderby": "colour"},
        {"orderby": "name SIDEWAYS"},
        {"orderby": "name ASC DESC"},
    ],
)
def test_bad_paging_parameters_are_refused(alice_tc: Any, paging_dir: str, params: dict[str, Any]) -> None:
    error = api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, **params))
    assert (error.http_status, error.code) == (400, "ClientError.BadRequest")


def test_the_largest_limit_is_accepted(alice_tc: Any, paging_dir: str) -> None:
    assert alice_tc.operation_ls(LAB_STORAGE_ID, path=paging_dir, limit=100_000)["length"] == 27


def test_a_later_page_sees_entries_added_after_the_first(sandbox: Any, alice_tc: Any) -> None:
    path = f"/home/alice/{unique('growing')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")
    for name in ("a", "b", "c", "d"):
        (on_disk / name).write_bytes(b"")
    first = alice_tc.operation_ls(LAB_STORAGE_ID, path=path, limit=2)
    assert (names(first), first["total"]) == (["a", "b"], 4)
    (on_disk / "e").write_bytes(b"")  # the directory changed: the next page reads it again
    rest = alice_tc.operation_ls(LAB_STORAGE_ID, path=path, limit=10, offset=2)
    assert (names(rest), rest["total"]) == (["c", "d", "e"], 5)


def test_a_later_page_comes_from_the_listing_the_first_page_read(sandbox: Any, alice_tc: Any) -> None:
    path = f"/home/alice/{unique('kept')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")
    for name in ("a", "b", "c"):
        (on_disk / name).write_bytes(b"")
    os.utime(on_disk, (BASE_MTIME, BASE_MTIME))  # changed long ago (a just-changed one is never kept)
    by_size = {"orderby": "size", "path": path}
    alice_tc.operation_ls(LAB_STORAGE_ID, limit=1, **by_size)
    # Rewritten in place: the directory itself does not change, so the kept listing stands,
    # sorted by the sizes it read.
    (on_disk / "c").write_bytes(b"longer now")
    rest = alice_tc.operation_ls(LAB_STORAGE_ID, offset=1, **by_size)
    assert [(doc["name"], doc["size"]) for doc in rest["DATA"]] == [("b", 0), ("c", 0)]
    again = alice_tc.operation_ls(LAB_STORAGE_ID, **by_size)  # a first page always reads the directory
    assert [(doc["name"], doc["size"]) for doc in again["DATA"]] == [("a", 0), ("b", 0), ("c", 10)]


def test_a_name_order_reads_the_facts_of_each_page_as_it_is_sent(sandbox: Any, alice_tc: Any) -> None:
    path = f"/home/alice/{unique('facts')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")
    for name in ("a", "b", "c"):
        (on_disk / name).write_bytes(b"")
    os.utime(on_disk, (BASE_MTIME, BASE_MTIME))
    first = alice_tc.operation_ls(LAB_STORAGE_ID, path=path, orderby="type,name", limit=1)
    assert [(doc["name"], doc["size"]) for doc in first["DATA"]] == [("a", 0)]
    (on_disk / "c").write_bytes(b"longer now")  # in place: the directory (and its kept listing) stay
    rest = alice_tc.operation_ls(LAB_STORAGE_ID, path=path, orderby="type,name", offset=1)
    assert [(doc["name"], doc["size"]) for doc in rest["DATA"]] == [("b", 0), ("c", 10)]


def test_a_name_ordered_listing_is_kept_for_a_second_visit_and_stays_fresh(sandbox: Any, alice_tc: Any) -> None:
    path = f"/home/alice/{unique('revisit')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")
    for name in ("a", "b", "c"):
        (on_disk / name).write_bytes(b"")
    os.utime(on_disk, (BASE_MTIME, BASE_MTIME))
    by_name = {"path": path, "orderby": "type,name"}
    alice_tc.operation_ls(LAB_STORAGE_ID, limit=1, **by_name)
    (on_disk / "b").write_bytes(b"12345")  # in place: facts are read as each page is sent
    again = alice_tc.operation_ls(LAB_STORAGE_ID, **by_name)
    assert [(doc["name"], doc["size"]) for doc in again["DATA"]] == [("a", 0), ("b", 5), ("c", 0)]
    (on_disk / "d").write_bytes(b"")  # the directory changed: read again
    assert names(alice_tc.operation_ls(LAB_STORAGE_ID, limit=10, **by_name)) == ["a", "b", "c", "d"]


# --------------------------------------------------------------------------- the kept listings themselves


def test_kept_listings_expire_change_and_are_bounded() -> None:
    now = [0.0]
    kept: SortedListings[list[int]] = SortedListings(ttl=10.0, max_listings=2, clock=lambda: now[0])
    kept.put("a", None, [1, 2])  # a directory changed just now is not kept
    assert kept.get("a", None) is None and len(kept) == 0
    kept.put("a", 1, [1, 2])
    assert kept.get("a", 1) == [1, 2]
    assert kept.get("a", 2) is None  # the directory changed
    assert kept.get("a", 1) is None  # and the stale listing is gone
    kept.put("a", 1, [1])
    now[0] = 10.5
    assert kept.get("a", 1) is None  # too old
    for key in ("x", "y", "z"):
        kept.put(key, 1, [0])
    assert len(kept) == 2 and kept.get("x", 1) is None and kept.get("z", 1) == [0]
    kept.drop("z")
    assert kept.get("z", 1) is None


def test_a_listing_kept_with_its_own_ttl_outlives_the_stores() -> None:
    now = [0.0]
    kept: SortedListings[list[int]] = SortedListings(ttl=10.0, clock=lambda: now[0])
    kept.put("names", 1, [1], ttl=100.0)  # a listing by names only (listing_cache.NAMES_TTL)
    kept.put("sizes", 1, [2])
    now[0] = 50.0
    assert kept.get("sizes", 1) is None and kept.get("names", 1) == [1]
    assert kept.get("names", 2) is None  # the directory changed: gone whatever its ttl
    kept.put("names", 1, [1], ttl=100.0)
    now[0] = 151.0
    assert kept.get("names", 1) is None


def test_a_links_facts_are_read_with_its_page_not_when_the_directory_was(tmp_path: Any) -> None:
    (tmp_path / "target").write_bytes(b"xy")
    (tmp_path / "link").symlink_to("target")
    with RootSpec(str(tmp_path)).open() as root:
        dir_fd = root.open_dir(())
        try:
            listing = names_listing.scan(root, dir_fd, (), "/", show_hidden=True, predicates=[], keys=[])
            # The target is rewritten in place: the link's directory (and a kept listing) stay as they were.
            (tmp_path / "target").write_bytes(b"longer now")
            page = {i.name: i for i in listing.read(root, dir_fd, (), 0, 10)}
            assert (page["link"].type, page["link"].size, page["link"].link_target) == ("file", 10, "/target")
        finally:
            os.close(dir_fd)


def test_entries_gone_before_their_page_is_sent_drop_out(tmp_path: Any) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).write_bytes(b"xy")
    (tmp_path / "d").mkdir()
    with RootSpec(str(tmp_path)).open() as root:
        dir_fd = root.open_dir(())
        try:
            listing = names_listing.scan(root, dir_fd, (), "/", show_hidden=True, predicates=[], keys=[])
            assert listing.names(0, 10) == ["a", "b", "c", "d"]
            (tmp_path / "b").unlink()
            page = listing.read(root, dir_fd, (), 0, 10)
            assert [(i.name, i.type, i.size) for i in page][:3] == [
                ("a", "file", 2), ("c", "file", 2), ("d", "dir", page[2].size)
            ]
            assert len(listing) == 4  # the listing sent a page short; its total stands as read
        finally:
            os.close(dir_fd)

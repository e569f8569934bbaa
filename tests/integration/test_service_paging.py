"""TransferService paging (ls_page, more_pages, ls beyond one page) against the live sandbox."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from gterm.globus.ls_request import FIRST_PAGE
from gterm.globus.transfer import ORDER_BY_NAME, TransferService, listing_order
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.sandbox_login import transfer_client_for
from tests.support.transfer_helpers import collection_root
from tests.support.transfer_live import RequestLog

MANY = "/home/alice/many-files/"  # 3,000 files, seeded


@pytest.fixture(scope="module")
def alice(sandbox: Any) -> TransferService:
    return TransferService(lambda: transfer_client_for(sandbox, "alice"))


def test_listing_order_puts_directories_first_and_keeps_them_first_reversed() -> None:
    assert listing_order("name") == ORDER_BY_NAME == "type ASC,name ASC"
    assert listing_order("size", reverse=True) == "type ASC,size DESC"
    assert listing_order("time") == "type ASC,last_modified ASC"


def test_a_first_page_then_the_rest_make_the_whole_listing(alice: TransferService) -> None:
    whole = alice.ls(LAB_STORAGE_ID, MANY)
    first = alice.ls_page(LAB_STORAGE_ID, "~/many-files/", limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
    assert (len(first.entries), first.total, first.complete, first.path) == (FIRST_PAGE, 3000, False, MANY)
    merged = first
    pages = list(alice.more_pages(first, orderby=ORDER_BY_NAME, page_size=700))
    assert [page.offset for page in pages] == [1000, 1700, 2400]
    for page in pages:
        merged = merged.extended(page)
    assert merged.complete and [e.name for e in merged.entries] == [e.name for e in whole.entries]


def test_pages_in_size_order_come_in_that_order(alice: TransferService) -> None:
    order = listing_order("size", reverse=True)
    first = alice.ls_page(LAB_STORAGE_ID, MANY, limit=100, orderby=order)
    merged = first
    for page in alice.more_pages(first, orderby=order, page_size=1000):
        merged = merged.extended(page)
    sizes = [entry.size for entry in merged.entries]
    assert len(sizes) == 3000 and sizes == sorted(sizes, reverse=True)


def test_a_directory_that_grows_between_pages_is_merged_without_repeats(sandbox: Any, alice: TransferService) -> None:
    path = f"/home/alice/svc-paging-{uuid.uuid4().hex[:8]}/"
    alice.mkdir(LAB_STORAGE_ID, path)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")
    for name in ("b", "c", "d", "e"):
        (on_disk / name).write_bytes(b"")
    first = alice.ls_page(LAB_STORAGE_ID, path, limit=2, orderby=ORDER_BY_NAME)
    assert [e.name for e in first.entries] == ["b", "c"]
    (on_disk / "a").write_bytes(b"")  # sorts before the pages read: "c" comes again on the next page
    merged = first
    for page in alice.more_pages(first, orderby=ORDER_BY_NAME, page_size=2):
        merged = merged.extended(page)
    assert [e.name for e in merged.entries] == ["b", "c", "d", "e"]
    assert merged.finished().complete


def test_ls_of_a_small_directory_is_one_call_and_complete(alice: TransferService) -> None:
    listing = alice.ls(LAB_STORAGE_ID, "/home/alice/")
    assert listing.complete and listing.total == len(listing.entries) and not listing.truncated


def test_the_next_page_is_asked_for_while_the_caller_merges_this_one(sandbox: Any, alice: TransferService) -> None:
    log = RequestLog(sandbox)
    first = alice.ls_page(LAB_STORAGE_ID, MANY, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
    mark = log.mark()
    pages = alice.more_pages(first, orderby=ORDER_BY_NAME, page_size=700)
    second = next(pages)
    assert second.offset == 1000
    ls_path = f"/v0.10/operation/endpoint/{LAB_STORAGE_ID}/ls"
    # The caller holds the second page and has not asked for more: the third is on its way all the same.
    deadline = time.monotonic() + 10
    while log.count(mark, method="GET", path=ls_path) < 2:
        assert time.monotonic() < deadline, "the next page was not asked for ahead of the caller"
        time.sleep(0.02)
    rest = list(pages)
    assert [page.offset for page in rest] == [1700, 2400]
    assert sum(len(page.entries) for page in (first, second, *rest)) == 3000

"""Listings started before the UI asks (TransferService.start_listing_early) against the live sandbox.

Real HTTP, real SDK; the sandbox's request log tells how many calls reached it.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from gterm.cli import start_listings_early
from gterm.config import GtermConfig
from gterm.globus.errors import NotFound
from gterm.globus.head_start import startup_locations
from gterm.globus.ls_request import FIRST_PAGE, LS_FIELDS
from gterm.globus.models import Listing
from gterm.globus.transfer import ORDER_BY_NAME, TransferService, listing_order, remembered_order
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.sandbox_login import transfer_client_for
from tests.support.transfer_live import RequestLog

MANY = "/home/alice/many-files/"
LS_PATH = f"/v0.10/operation/endpoint/{LAB_STORAGE_ID}/ls"
COLLECTION_PATH = f"/v0.10/endpoint/{LAB_STORAGE_ID}"


@pytest.fixture
def service(sandbox: Any) -> TransferService:
    """A fresh service (so no early answer of another test is left in it), already logged in."""
    client = transfer_client_for(sandbox, "alice")
    return TransferService(lambda: client)


def first_page(service: TransferService, path: str) -> Listing:
    """What a pane asks first (and what is started early): FIRST_PAGE entries in name order."""
    return service.ls_page(LAB_STORAGE_ID, path, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)


def settled(log: RequestLog, mark: int, service: TransferService) -> None:
    """Wait until every request made so far is in the log: a marker call is logged after them."""
    marker = f"/~/no-such-{uuid.uuid4().hex[:8]}/"
    with pytest.raises(NotFound):
        service.ls(LAB_STORAGE_ID, marker)
    deadline = time.monotonic() + 10
    while not any(record["path"] == LS_PATH and record["status"] == 404 for record in log.since(mark)):
        if time.monotonic() > deadline:
            raise AssertionError("the marker request never reached the log")
        time.sleep(0.05)


def test_the_first_ls_takes_the_early_answer_and_the_next_asks_again(sandbox: Any, service: TransferService) -> None:
    log = RequestLog(sandbox)
    mark = log.mark()
    service.start_listing_early(LAB_STORAGE_ID, MANY)
    listing = first_page(service, MANY)
    assert (len(listing.entries), listing.total, listing.path) == (FIRST_PAGE, 3000, MANY)
    assert listing.entries[0].name == "file-0000.dat"
    collection = service.get_collection(LAB_STORAGE_ID)
    assert collection.id == LAB_STORAGE_ID
    # The rest was asked for as soon as the first page came back; the pane's more_pages takes it.
    rest = list(service.more_pages(listing, orderby=ORDER_BY_NAME))
    whole = listing
    for page in rest:
        whole = whole.extended(page)
    assert len(whole.entries) == 3000 and whole.complete
    assert len({entry.name for entry in whole.entries}) == 3000
    settled(log, mark, service)
    # the first page, the rest and one get_endpoint went out early, not again when asked
    # (the third ls is the marker's 404)
    assert log.count(mark, method="GET", path=LS_PATH) == 3
    assert log.count(mark, method="GET", path=COLLECTION_PATH) == 1

    again = log.mark()
    assert first_page(service, MANY).total == 3000  # a reload asks the service
    settled(log, again, service)
    assert log.count(again, method="GET", path=LS_PATH) == 2


def test_the_default_directory_is_found_first_then_listed(sandbox: Any, service: TransferService) -> None:
    log = RequestLog(sandbox)
    mark = log.mark()
    service.start_listing_early(LAB_STORAGE_ID, None)
    # the pane's order: the collection's document, then its default directory
    collection = service.get_collection(LAB_STORAGE_ID)
    target = collection.default_directory or "/"
    listing = first_page(service, target)
    assert listing.path == "/home/alice/" and listing.complete
    assert "many-files" in {entry.name for entry in listing.entries}
    assert service.home_directory(LAB_STORAGE_ID) == "/home/alice/"  # its default directory is ~ (the F5 field)
    settled(log, mark, service)
    assert log.count(mark, method="GET", path=COLLECTION_PATH) == 1
    assert log.count(mark, method="GET", path=LS_PATH) == 2  # the early one and the marker


def test_an_early_error_reaches_the_first_caller_and_the_next_call_tries_again(service: TransferService) -> None:
    missing = f"/~/not-there-{uuid.uuid4().hex[:8]}/"
    service.start_listing_early(LAB_STORAGE_ID, missing)
    with pytest.raises(NotFound) as first:
        first_page(service, missing)
    assert "not-there" in str(first.value)
    with pytest.raises(NotFound):
        first_page(service, missing)


def test_another_location_is_not_answered_early(sandbox: Any, service: TransferService) -> None:
    service.start_listing_early(LAB_STORAGE_ID, MANY)
    listing = first_page(service, "/home/alice/")  # not what was started: a call of its own
    assert listing.path == "/home/alice/" and "many-files" in {entry.name for entry in listing.entries}
    early = first_page(service, MANY)
    assert early.total == 3000  # the early one is still there for its caller
    # ... and so is the rest it asked for (taken here, so no request is left in flight for the next test)
    assert sum(len(page.entries) for page in service.more_pages(early, orderby=ORDER_BY_NAME)) == 2000


def test_start_listings_early_starts_what_startup_locations_found(sandbox: Any, service: TransferService) -> None:
    log = RequestLog(sandbox)
    mark = log.mark()
    locations = startup_locations(GtermConfig(), f"{LAB_STORAGE_ID}:{MANY}", "bookmark:Results")
    assert locations == [(LAB_STORAGE_ID, MANY, ORDER_BY_NAME)]  # a bookmark is the screen's to resolve
    start_listings_early(service, locations)
    early = first_page(service, MANY)
    assert early.total == 3000
    assert sum(len(page.entries) for page in service.more_pages(early, orderby=ORDER_BY_NAME)) == 2000
    settled(log, mark, service)
    # the early first page, the rest it asks for at once (3,000 entries), and the marker; nothing else
    assert log.count(mark, method="GET", path=LS_PATH) == 3
    assert not [record for record in log.since(mark) if "bookmark" in record["path"]]


def test_the_first_page_is_started_in_the_panes_remembered_order(sandbox: Any, service: TransferService) -> None:
    log = RequestLog(sandbox)
    mark = log.mark()
    config = GtermConfig()
    config.last_left_sort = "-size"
    start_listings_early(service, startup_locations(config, f"{LAB_STORAGE_ID}:{MANY}", None))
    order = remembered_order("-size")
    assert order == listing_order("size", reverse=True)
    early = service.ls_page(LAB_STORAGE_ID, MANY, limit=FIRST_PAGE, orderby=order)  # the pane's first request
    sizes = [entry.size for entry in early.entries]
    assert early.total == 3000 and sizes == sorted(sizes, reverse=True)
    assert sum(len(page.entries) for page in service.more_pages(early, orderby=order)) == 2000
    settled(log, mark, service)
    # the early page (in the pane's order) and its rest were all that went out, and the marker
    assert log.count(mark, method="GET", path=LS_PATH) == 3
    assert remembered_order("bogus") == remembered_order(None) == ORDER_BY_NAME


def test_a_whole_listing_is_not_answered_early(sandbox: Any, service: TransferService) -> None:
    log = RequestLog(sandbox)
    mark = log.mark()
    service.start_listing_early(LAB_STORAGE_ID, MANY)
    assert len(service.ls(LAB_STORAGE_ID, MANY).entries) == 3000  # its own call: the early page is not the whole
    early = first_page(service, MANY)
    assert early.total == 3000
    assert sum(len(page.entries) for page in service.more_pages(early, orderby=ORDER_BY_NAME)) == 2000
    settled(log, mark, service)
    assert log.count(mark, method="GET", path=LS_PATH) == 4  # early page, early rest, whole listing, marker


def test_listings_ask_only_for_the_fields_gterm_shows(alice_tc: Any, service: TransferService) -> None:
    raw = {doc["name"]: doc for doc in alice_tc.operation_ls(LAB_STORAGE_ID, path="/home/alice/")["DATA"]}
    listing = service.ls(LAB_STORAGE_ID, "/home/alice/")
    assert {entry.name for entry in listing.entries} == set(raw)
    for entry in listing.entries:
        doc = raw[entry.name]
        assert (entry.size, entry.permissions, entry.link_target) == (
            doc["size"], doc["permissions"], doc["link_target"]
        )
        assert entry.user == "" and doc["user"] == "alice"  # not asked for, so not sent
    assert set(LS_FIELDS.split(",")) == {"name", "type", "size", "last_modified", "permissions", "link_target"}


def wait_until(condition: Any, what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_the_start_up_listing_and_its_rest_go_ahead_of_the_gate(sandbox: Any) -> None:
    """cli.build_tui's arrangement: calls wait for the first frame; the start-up listing, rest included, does not.

    The rest of a big start-up directory is asked for (and answered) before the
    first frame; only its decoding waits for the frame. Any other call waits.
    """
    client = transfer_client_for(sandbox, "alice")
    log = RequestLog(sandbox)
    mark = log.mark()
    first_frame = threading.Event()
    gated_callers: list[str] = []
    decoding_held: list[str] = []

    def gated() -> Any:
        gated_callers.append(threading.current_thread().name)
        assert first_frame.wait(30), "the gate never opened"
        return client

    def wait_for_first_frame() -> None:
        decoding_held.append(threading.current_thread().name)
        assert first_frame.wait(30), "the gate never opened"

    service = TransferService(gated, early_client_factory=lambda: client, wait_for_first_frame=wait_for_first_frame)
    service.start_listing_early(LAB_STORAGE_ID, MANY)
    # The first page and the collection arrive while the gate is still closed: nothing of theirs waited for it.
    listing = first_page(service, MANY)
    assert (len(listing.entries), listing.total) == (FIRST_PAGE, 3000)
    assert service.get_collection(LAB_STORAGE_ID).id == LAB_STORAGE_ID
    # The rest went out and the sandbox answered it, still before the first frame; its body waits to be decoded.
    wait_until(lambda: decoding_held == ["gterm-early"], "the rest's body to be held for the first frame")
    answered = [r for r in log.since(mark) if r["path"] == LS_PATH and r["status"] == 200]
    assert len(answered) == 2  # the first page and the rest
    assert not first_frame.is_set() and not gated_callers
    first_frame.set()
    whole = listing
    for page in service.more_pages(listing, orderby=ORDER_BY_NAME):
        whole = whole.extended(page)
    assert len(whole.entries) == 3000 and whole.complete
    assert not gated_callers  # the rest was the early one: no call of its own
    # Every other call waits for the gate (here already open): it uses the gated factory.
    assert service.ls(LAB_STORAGE_ID, "/home/alice/").complete
    assert gated_callers == ["MainThread"]


class NoAnswers:
    """Answers made elsewhere (gterm.globus.head_start's part) that never come: which were asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.forgotten: list[str] = []

    def answer(self, call: str, collection_id: str, path: str | None, orderby: str) -> bytes | None:
        self.asked.append(call)
        return None

    def forget(self, call: str, collection_id: str, path: str | None, orderby: str) -> None:
        self.forgotten.append(call)


def test_calls_after_an_unanswered_one_are_not_asked_of_the_helper(sandbox: Any, service: TransferService) -> None:
    """The helper makes the first page only after the default directory's document, the rest only after the
    first page: when one is not answered, the app does not wait for the next (made here instead)."""
    default = NoAnswers()
    service.start_listing_early(LAB_STORAGE_ID, None, answers=default)
    target = service.get_collection(LAB_STORAGE_ID).default_directory or "/"
    assert first_page(service, target).path == "/home/alice/"
    assert default.asked == ["collection"]

    big = NoAnswers()
    service.start_listing_early(LAB_STORAGE_ID, MANY, answers=big)
    early = first_page(service, MANY)
    assert sum(len(page.entries) for page in service.more_pages(early, orderby=ORDER_BY_NAME)) == 2000
    assert sorted(big.asked) == ["collection", "first page"]  # its own path: both asked, each on its own


def test_a_first_page_that_has_come_is_at_hand_once_with_its_collection(
    sandbox: Any, service: TransferService
) -> None:
    log = RequestLog(sandbox)
    mark = log.mark()
    service.start_listing_early(LAB_STORAGE_ID, MANY).result(timeout=10)
    assert service.first_page_at_hand(LAB_STORAGE_ID, "/home/alice/", orderby=ORDER_BY_NAME) is None  # not started
    assert service.first_page_at_hand(LAB_STORAGE_ID, MANY, orderby=listing_order("size")) is None  # another order
    at_hand = service.first_page_at_hand(LAB_STORAGE_ID, MANY, orderby=ORDER_BY_NAME)
    assert at_hand is not None
    collection, listing = at_hand
    assert collection.id == LAB_STORAGE_ID
    assert (len(listing.entries), listing.total, listing.entries[0].name) == (FIRST_PAGE, 3000, "file-0000.dat")
    assert service.first_page_at_hand(LAB_STORAGE_ID, MANY, orderby=ORDER_BY_NAME) is None  # taken
    rest = list(service.more_pages(listing, orderby=ORDER_BY_NAME))  # the rest, asked for early, as before
    assert sum(len(page.entries) for page in rest) == 2000
    settled(log, mark, service)
    assert log.count(mark, method="GET", path=LS_PATH) == 3  # first page, rest, marker: nothing asked twice
    assert log.count(mark, method="GET", path=COLLECTION_PATH) == 1


def test_the_default_directory_is_at_hand_once_it_has_come(service: TransferService) -> None:
    service.start_listing_early(LAB_STORAGE_ID, None).result(timeout=10)
    at_hand = service.first_page_at_hand(LAB_STORAGE_ID, None, orderby=ORDER_BY_NAME)
    assert at_hand is not None
    collection, listing = at_hand
    assert (collection.default_directory, listing.path) == ("/~/", "/home/alice/")  # the service resolves ~
    assert "many-files" in {entry.name for entry in listing.entries}


def test_an_early_error_is_not_at_hand_and_stays_for_the_panes_own_call(
    sandbox: Any, service: TransferService
) -> None:
    missing = f"/~/not-there-{uuid.uuid4().hex[:8]}/"
    log = RequestLog(sandbox)
    mark = log.mark()
    arrived = service.start_listing_early(LAB_STORAGE_ID, missing)
    with pytest.raises(NotFound):
        arrived.result(timeout=10)
    assert service.first_page_at_hand(LAB_STORAGE_ID, missing, orderby=ORDER_BY_NAME) is None
    with pytest.raises(NotFound) as raised:
        first_page(service, missing)  # the early error, reported by the pane's call ...
    assert "not-there" in str(raised.value)
    settled(log, mark, service)
    assert log.count(mark, method="GET", path=LS_PATH) == 2  # ... without asking again (the other is the marker)

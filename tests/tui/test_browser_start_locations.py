"""Start locations: a missing path falls back to the collection's default directory (and says so);
a collection may be named by its display name; an ambiguous name lists the matches;
a "Cannot open" message goes once the pane shows a good listing.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from typing import Any

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gterm.globus.errors import InvalidInput
from gterm.globus.locations import CollectionLocation
from gterm.globus.transfer import ORDER_BY_NAME
from gterm.sandbox.collection_store import insert_collection
from gterm.sandbox.seed_ids import ALICE_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.messages import CollectionDeleted
from tests.support.browser_helpers import (
    make_app,
    notices,
    screen_lines,
    settled,
    type_text,
    wait_for,
)
from tests.support.outages import answer_error, gated
from tests.support.sandbox_login import sdk_pointed_at
from tests.support.transfer_live import service_for

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def test_missing_start_path_opens_the_default_directory_and_says_so(alice_service, tmp_config):
    default = alice_service.get_collection(LAB).default_directory
    home = alice_service.ls(LAB, default or "/").path
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/no/such/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: left.path == home, "the default directory")
        await settled(pilot)
        assert left.collection_id == LAB
        assert "/no/such/ was not found" in left.message_text
        assert not any("Cannot open" in line for line in screen_lines(app))


async def test_a_collection_named_by_its_display_name(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left="Lab Storage:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: left.path == "/projects/", "Lab Storage by name")
        assert left.collection_id == LAB


def test_an_ambiguous_display_name_lists_the_matches(alice_service, sandbox: SandboxHandle):
    name = f"Twin Storage {uuid.uuid4().hex[:8]}"
    ids = [str(uuid.uuid4()) for _ in range(2)]
    for collection_id in ids:
        insert_collection(
            sandbox.state.db, collection_id=collection_id, display_name=name, entity_type="GCSv5_guest_collection",
            owner_id=ALICE_ID, owner_string="alice@example.org", host_collection_id=LAB, host_path="/",
        )
    try:
        alice_service.resolve_location(f"{name}:/data/")
    except InvalidInput as error:
        message = str(error)
    else:
        raise AssertionError("an ambiguous name must not resolve")
    assert "names 2 collections" in message and ids[0] in message and ids[1] in message
    assert alice_service.resolve_location(f"{ids[0]}:/data/") == CollectionLocation(ids[0], "/data/")


@contextmanager
def failing_search(sandbox: SandboxHandle, release: threading.Event) -> Iterator[None]:
    """Transfer's endpoint_search answers 503 (a transient outage), but only once ``release`` is set.

    The sandbox's own route is swapped for the time of the test (the server side: gterm and
    the SDK are untouched), so the test decides when the failure reaches the app.
    """
    assert sandbox.app is not None
    route = next(r for r in sandbox.app.routes if isinstance(r, Route) and r.path == "/v0.10/endpoint_search")
    real = route.app

    async def outage(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.to_thread(release.wait, 60)
        body = b'{"code": "ServiceUnavailable", "message": "Search is down", "request_id": "outage"}'
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    route.app = outage
    try:
        yield
    finally:
        release.set()
        route.app = real


async def test_cannot_open_goes_away_with_a_good_listing(alice_service, tmp_config, sandbox):
    """A start-up failure that arrives after the pane shows a good listing never lands on it, and a
    failed navigation's message goes with the next good listing.

    The right pane has no start location, so the default collection is looked up (endpoint_search);
    that lookup fails only after the left pane has listed /projects/.
    """
    tmp_config.last_left = tmp_config.last_right = None
    release = threading.Event()
    with failing_search(sandbox, release):
        app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/")
        async with app.run_test(size=SIZE) as pilot:
            left = app.main_screen.left_pane
            await wait_for(pilot, lambda: left.listing is not None and left.path == "/projects/", "the left listing")
            release.set()
            await wait_for(pilot, lambda: any("Cannot open a default collection" in n for n in notices(app)),
                           "the failed lookup")
            await settled(pilot)
            assert left.listing is not None and left.path == "/projects/"
            assert "Cannot open" not in left.message_text, "a pane showing a good listing keeps a clean message line"

            await pilot.press("ctrl+l", "ctrl+u")
            await type_text(pilot, "/nope/")
            await pilot.press("enter")
            await wait_for(pilot, lambda: "Cannot open" in left.message_text, "the error")
            left.file_list.focus()
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: not left.fetching, "reloaded")
            await settled(pilot)
            assert left.message_text == ""
            assert left.path_bar.value == "/projects/"


@contextmanager
def refused(sandbox: SandboxHandle, route: str, message: str, refusing: threading.Event) -> Iterator[None]:
    """Transfer's ``…/route`` answers 403 with ``message`` while ``refusing`` is set (a 403 is not retried,
    so the app hears it at once)."""

    async def refuse(scope: Any, receive: Any, send: Any, inner: Any) -> None:
        if refusing.is_set() and str(scope.get("path", "")).endswith(f"/{route}"):
            await answer_error(send, 403, "PermissionDenied", message)
            return
        await inner(scope, receive, send)

    with gated(sandbox, refuse):
        yield


def refused_listings(sandbox: SandboxHandle, refusing: threading.Event) -> AbstractContextManager[None]:
    """``ls`` refused: access not granted yet."""
    return refused(sandbox, "ls", "No access yet", refusing)


def refused_search(sandbox: SandboxHandle, refusing: threading.Event) -> AbstractContextManager[None]:
    """``endpoint_search`` refused: a name or the default collection cannot be looked up."""
    return refused(sandbox, "endpoint_search", "Search refused for now.", refusing)


async def test_ctrl_r_tries_a_start_location_that_failed_again(alice_service, tmp_config, sandbox):
    """A start location refused while the pane showed nothing: ctrl+r did nothing (there was no listing to
    reload), so the location had to be typed again."""
    refusing = threading.Event()
    refusing.set()
    with refused_listings(sandbox, refusing):
        app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
        async with app.run_test(size=SIZE) as pilot:
            left = app.main_screen.left_pane
            await wait_for(pilot, lambda: left.listing is None and not left.fetching and bool(notices(app)), "refused")
            assert any("Cannot open /projects/ · ctrl+r tries again" in line for line in screen_lines(app))
            refusing.clear()  # access granted meanwhile
            left.file_list.focus()
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: left.path == "/projects/", "the start location, listed")
            await settled(pilot)
            assert left.collection_id == LAB and left.message_text == ""


@asynccontextmanager
async def lookup_refused(
    sandbox: SandboxHandle, service: Any, config: Any, *, right: str
) -> AsyncIterator[tuple[Any, Any, threading.Event]]:
    """`--left "Lab Storage:/projects/"` while the collection search is refused: the app and its pilot once the
    lookup has failed and the panes settled, and the switch that lets the search through again."""
    refusing = threading.Event()
    refusing.set()
    with refused_search(sandbox, refusing):
        app = make_app(service, config=config, left="Lab Storage:/projects/", right=right)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: any("Cannot open Lab Storage:/projects/" in n for n in notices(app)),
                           "the lookup failed")
            await settled(pilot)
            yield app, pilot, refusing


async def test_ctrl_r_looks_up_a_start_location_by_name_whose_lookup_failed(alice_service, tmp_config, sandbox):
    """QA: `--left "Lab Storage:/projects/"` while the collection search failed: the pane stayed empty and
    ctrl+r did nothing (no collection was open to reload); the name had to be typed again."""
    async with lookup_refused(sandbox, alice_service, tmp_config, right=f"{LAB}:/projects/") as (app, pilot, refusing):
        left = app.main_screen.left_pane
        assert any("Cannot open Lab Storage:/projects/ · ctrl+r tries again" in line for line in screen_lines(app))
        refusing.clear()
        left.file_list.focus()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: left.path == "/projects/", "the start location, looked up and listed")
        await settled(pilot)
        assert left.collection_id == LAB


async def test_a_pane_that_showed_something_else_forgets_its_failed_start_up_lookup(
    alice_service, tmp_config, sandbox, tmp_path
):
    """The start-up lookup's failure was kept beside the pane, not by it: once the pane had shown another
    collection that then went away (it says ctrl+o picks another), ctrl+r looked the start-up name up again
    and opened it. The pane keeps the one record of what failed there, and forgets it once it shows
    something else."""
    async with lookup_refused(sandbox, alice_service, tmp_config, right=f"local:{tmp_path}") as (app, pilot, refusing):
        left = app.main_screen.left_pane
        refusing.clear()
        left.open(LAB, "/home/alice/")  # as ctrl+o does
        await wait_for(pilot, lambda: left.path == "/home/alice/", "another location shown")
        shown = left.collection
        assert shown is not None
        app.post_message(CollectionDeleted(shown))
        await wait_for(pilot, lambda: left.collection is None, "the collection let go")
        left.file_list.focus()
        await pilot.press("ctrl+r")
        await settled(pilot)
        assert left.collection is None and left.listing is None  # nothing was looked up and opened
        assert "ctrl+o picks another collection" in left.message_text


async def test_both_panes_wanting_a_default_say_its_lookup_failed_and_ctrl_r_tries_each(
    alice_service, tmp_config, sandbox
):
    """Review: on a first run (no last locations) with the search failing, only the left pane said so; the
    right one stayed blank and ctrl+r there did nothing. One notice; each pane says it and retries."""
    tmp_config.last_left = tmp_config.last_right = None
    refusing = threading.Event()
    refusing.set()
    with refused_search(sandbox, refusing):
        app = make_app(alice_service, config=tmp_config)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: any("Cannot open a default collection" in n for n in notices(app)),
                           "the lookup failed")
            await settled(pilot)
            said = "\n".join(screen_lines(app)).count("Cannot open a default collection · ctrl+r tries again")
            assert said == 2  # in both panes
            assert sum("Cannot open a default collection" in n for n in notices(app)) == 1
            refusing.clear()
            screen = app.main_screen
            for pane in (screen.left_pane, screen.right_pane):
                pane.file_list.focus()
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda p=pane: p.listing is not None, f"the {pane.id} pane's default listed")


def refused_transfer(sandbox: SandboxHandle, collection_id: str, down: threading.Event) -> AbstractContextManager[None]:
    """Transfer down for one collection (its document and its listings answer 503) while ``down`` is set."""

    async def outage(scope: Any, receive: Any, send: Any, inner: Any) -> None:
        if down.is_set() and collection_id in str(scope.get("path", "")):
            await answer_error(send, 503, "ServiceUnavailable", "Transfer is down for maintenance.")
            return
        await inner(scope, receive, send)

    return gated(sandbox, outage)


async def test_the_first_ctrl_r_after_an_outage_recovers_a_start_location_listed_early(
    sandbox: SandboxHandle, tmp_config, tmp_path
):
    """QA: Globus down at start-up, `--left LAB:/home/alice/` (listed early, as gterm does at start): the pane
    said `Cannot open /home/alice/ · ctrl+r tries again`; Globus back, the first ctrl+r was answered 200 by
    Transfer but the pane still said the service could not be reached (the start-up collection lookup's
    failure was handed to the retry); a second (or third) ctrl+r recovered. The first ctrl+r recovers now."""
    with sdk_pointed_at(sandbox):
        service = service_for(sandbox)  # fresh: its start-up answers are this test's own
    service.client().retry_config.max_retries = 0  # the 503 reaches the app at once, as a dead network does
    down = threading.Event()
    down.set()
    with refused_transfer(sandbox, LAB, down):
        service.start_listing_early(LAB, "/home/alice/", orderby=ORDER_BY_NAME)  # what gterm's start-up does
        app = make_app(service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"local:{tmp_path}")
        async with app.run_test(size=SIZE) as pilot:
            left = app.main_screen.left_pane
            await wait_for(pilot, lambda: left.listing is None and not left.fetching and bool(notices(app)), "down")
            await settled(pilot)
            assert any("Cannot open /home/alice/ · ctrl+r tries again" in line for line in screen_lines(app))
            down.clear()  # Globus is back
            left.file_list.focus()
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: not left.fetching, "the retry")
            await settled(pilot)
            assert (left.collection_id, left.path) == (LAB, "/home/alice/"), left.message_text
            assert left.message_text == ""

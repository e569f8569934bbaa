"""Big directories arrive in pages: the first page painted, the rest merged (live sandbox, real SDK).

The pages after the first are held back by the TransferClient's own transport
(the SDK's extension point for sending requests) until a test releases them,
so the moment between "first page shown" and "whole listing shown" can be
looked at. Every request still goes over HTTP to the sandbox and back.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from globus_sdk.transport import RequestsTransport

from gterm.globus.ls_request import FIRST_PAGE
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import cursor_to, make_app, status_text, type_text, wait_for
from tests.support.sandbox_login import transfer_client_for

LAB = LAB_STORAGE_ID
SIZE = (120, 36)
ENTRIES = 2_500


class HeldPages(RequestsTransport):
    """Sends every request, but holds each ``ls`` for a page after the first until :meth:`release`."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.held = 0

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        offset = (kwargs.get("query_params") or {}).get("offset")
        if url.endswith("/ls") and isinstance(offset, int) and offset > 0:
            self.held += 1
            self.gate.wait(timeout=60)
        return super().request(method, url, **kwargs)

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def held(sandbox: Any) -> Iterator[tuple[HeldPages, TransferService]]:
    client = transfer_client_for(sandbox, "alice")
    transport = HeldPages()
    client.transport = transport
    try:
        yield transport, TransferService(lambda: client)
    finally:
        transport.release()  # never leave a worker thread waiting


@pytest.fixture
def big_dir(lab_dir: Any) -> str:
    """2,500 files (more than a first page) with sizes that do not follow the names."""
    disk, path = lab_dir()
    for index in range(ENTRIES):
        with open(disk / f"f{index:04d}.dat", "wb") as handle:
            handle.truncate((index * 7919) % 100_000)
    os.utime(disk, (1_768_478_400, 1_768_478_400))
    return path


@pytest.fixture
def app_and_gate(held: Any, big_dir: str, tmp_config: Any) -> tuple[HeldPages, Any]:
    """The app with the big directory on the left, and the gate holding its later pages."""
    transport, service = held
    return transport, make_app(service, config=tmp_config, left=f"{LAB}:{big_dir}", right=f"{LAB}:/projects/")


async def first_page_shown(pilot: Any, pane: Any, transport: HeldPages, path: str) -> None:
    await wait_for(pilot, lambda: pane.path == path and transport.held >= 1, "the first page shown, the rest held")
    assert pane.pages_pending and len(pane.listing.entries) == FIRST_PAGE


async def test_a_big_directory_shows_its_first_page_then_the_whole(app_and_gate: Any, big_dir: str) -> None:
    transport, app = app_and_gate
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await first_page_shown(pilot, left, transport, big_dir)
        assert left.file_list.visible_count == FIRST_PAGE
        assert status_text(left) == "1,000 of 2,500… · sort: name ▲"
        assert left.file_list.cursor_is_parent
        transport.release()
        await wait_for(pilot, lambda: not left.pages_pending, "the rest merged")
        assert left.file_list.visible_count == ENTRIES
        assert {entry.name for entry in left.listing.entries} == {f"f{i:04d}.dat" for i in range(ENTRIES)}
        assert status_text(left) == "2,500 items · sort: name ▲"


async def test_filter_sort_and_selection_made_on_the_first_page_hold_for_the_whole(
    app_and_gate: Any, big_dir: str
) -> None:
    transport, app = app_and_gate
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await first_page_shown(pilot, left, transport, big_dir)
        await cursor_to(pilot, left, "f0007.dat")
        await pilot.press("space")  # selected, cursor moves on to f0008.dat
        await pilot.press("s")  # by size
        await pilot.press("slash")
        await type_text(pilot, "7")
        await pilot.press("enter")
        shown_before = left.file_list.visible_count
        assert shown_before == sum("7" in f"f{i:04d}.dat" for i in range(FIRST_PAGE))
        assert "shown · 1,000 of 2,500…" in status_text(left)
        cursor_before = left.file_list.cursor_entry
        transport.release()
        await wait_for(pilot, lambda: not left.pages_pending, "the rest merged")
        file_list = left.file_list
        assert file_list.filter_text == "7" and file_list.sort_key == "size"
        assert file_list.visible_count == sum("7" in f"f{i:04d}.dat" for i in range(ENTRIES))
        assert file_list.selected_names == {"f0007.dat"}
        assert file_list.cursor_entry == cursor_before  # the cursor stays on its entry
        rows = [file_list._index_at(row) for row in range(1, file_list.row_count)]
        sizes = [left.listing.entries[index].size for index in rows if index is not None]
        assert sizes == sorted(sizes)  # the whole listing in the pane's order


async def test_select_all_while_loading_waits_for_the_whole_listing(app_and_gate: Any, big_dir: str) -> None:
    transport, app = app_and_gate
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await first_page_shown(pilot, left, transport, big_dir)
        left.file_list.focus()
        await pilot.press("ctrl+a")
        assert left.file_list.selected_names == set()  # not a part of "all"
        notes = [str(n.message) for n in app._notifications]
        assert any("Selecting all when the listing is complete" in note and "1,000 of 2,500" in note for note in notes)
        transport.release()
        await wait_for(pilot, lambda: not left.pages_pending, "the rest merged")
        await wait_for(pilot, lambda: len(left.file_list.selected_names) == ENTRIES, "everything selected")
        assert "2,500 selected" in status_text(left)


async def test_moving_away_drops_what_waited_for_the_whole_listing(app_and_gate: Any, big_dir: str) -> None:
    transport, app = app_and_gate
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await first_page_shown(pilot, left, transport, big_dir)
        left.file_list.focus()
        await pilot.press("ctrl+a")
        left.go("/projects/")
        await wait_for(pilot, lambda: left.path == "/projects/" and not left.fetching, "moved on")
        transport.release()
        await pilot.pause(0.1)
        assert left.path == "/projects/" and left.file_list.selected_names == set()


async def test_compare_while_loading_says_so(app_and_gate: Any, big_dir: str) -> None:
    transport, app = app_and_gate
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await first_page_shown(pilot, left, transport, big_dir)
        left.file_list.focus()
        await pilot.press("c")
        assert any("still loading" in str(n.message) for n in app._notifications)
        assert left.file_list.marked_names == set() and left.file_list.selected_names == set()
        transport.release()  # before the app exits: it waits for its workers
        await wait_for(pilot, lambda: not left.pages_pending, "the rest merged")


async def test_a_reload_keeps_the_whole_listing_until_the_new_one_is_whole(
    app_and_gate: Any, big_dir: str
) -> None:
    transport, app = app_and_gate
    transport.release()
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: left.path == big_dir and not left.pages_pending, "listed whole")
        await cursor_to(pilot, left, "f0003.dat")
        left.file_list.move_cursor_to_name("f2400.dat")
        await pilot.press("space")
        transport.gate.clear()
        held_before = transport.held
        left.reload()
        await wait_for(pilot, lambda: transport.held > held_before, "the reload's second page held")
        # Still the whole listing (and its selection) while the new one is on its way.
        assert left.file_list.visible_count == ENTRIES and not left.pages_pending
        assert left.file_list.selected_names == {"f2400.dat"}
        transport.release()
        await wait_for(pilot, lambda: not left.fetching, "reloaded")
        assert left.file_list.visible_count == ENTRIES
        assert left.file_list.selected_names == {"f2400.dat"}


async def test_keys_typed_after_select_all_while_loading_wait_for_it(app_and_gate: Any, big_dir: str) -> None:
    """"ctrl+a F8" while the pages still arrived: ctrl+a was put off, F8 was not ("Nothing to delete."), and
    then everything became selected. F8 waits until select all has run, as in Midnight Commander."""
    from gterm.tui.screens.prompts import ConfirmPrompt
    from tests.support.browser_helpers import burst, notices

    transport, app = app_and_gate
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await first_page_shown(pilot, left, transport, big_dir)
        left.file_list.focus()
        await pilot.pause()
        burst(app, ["ctrl+a", "f8"])
        await wait_for(pilot, lambda: "1 key typed ahead" in left.message_text, "F8 held")
        assert "Selecting all when the listing is complete" in left.message_text
        assert app.screen is app.main_screen and "Nothing to delete." not in notices(app)
        transport.release()
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the delete dialog")
        assert app.screen.title_text == f"Delete {ENTRIES:,} items"
        assert not left.message_text
        await pilot.press("escape")

"""Start-up work deferred until the first frame: GtermApp's ``after_first_frame`` hook.

The command line opens the Globus session and checks a robot's credentials
there (gterm.cli.build_tui), so the screen is drawn before globus-sdk loads.
"""

from __future__ import annotations

import threading
from typing import Any

from textual.screen import Screen
from textual.widget import Widget

from gterm.globus.errors import ServiceError
from gterm.globus.transfer import listing_order, remembered_order
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.main import MainScreen
from gterm.tui.widgets.filter_input import FilterInput
from tests.support.browser_helpers import make_app, screen_lines, settled, wait_for, wait_for_exit
from tests.support.transfer_live import service_for

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def test_after_first_frame_runs_once_on_a_thread_after_the_screen_is_drawn(alice_service, tmp_config):
    seen: list[tuple[str, bool]] = []
    ran = threading.Event()

    def after_first_frame() -> None:
        app_thread = threading.current_thread() is threading.main_thread()
        seen.append(("ran", app_thread))
        ran.set()

    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", after_first_frame=after_first_frame)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, ran.is_set, "the hook")
        await settled(pilot)
        assert any("╭" in line for line in screen_lines(app))  # drawn: the pane borders are there
        assert app.startup_error is None
        assert app.is_running
    assert seen == [("ran", False)]  # once, off the event loop


async def test_a_gterm_error_from_after_first_frame_ends_the_app_and_is_kept(alice_service, tmp_config):
    refused = ServiceError("Globus Auth refused the client credentials (HTTP 401)", http_status=401)

    def after_first_frame() -> None:
        raise refused

    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", after_first_frame=after_first_frame)
    async with app.run_test(size=SIZE):
        await wait_for_exit(app, "the app to end on the start-up error")
    assert app.startup_error is refused
    assert app.return_code == 1


async def test_a_start_up_listing_that_came_before_the_screen_is_in_its_first_frame(sandbox: Any, tmp_config):
    # As `gterm --left LAB:/projects/` with a fast service (or a slow machine): the head start's answer is
    # in before the screen is built, so the pane shows it in the first frame, not in a worker's later one.
    service = service_for(sandbox)
    service.start_listing_early(LAB, "/projects/", orderby=remembered_order(tmp_config.last_left_sort)).result(10)
    at_first_frame: list[list[str]] = []

    def after_first_frame() -> None:
        listing = app.main_screen.left_pane.listing
        at_first_frame.append([entry.name for entry in listing.entries] if listing is not None else [])

    app = make_app(service, config=tmp_config, left=f"{LAB}:/projects/", after_first_frame=after_first_frame)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(at_first_frame), "the first frame")
        await settled(pilot)
        assert app.main_screen.left_pane.path == "/projects/"
    assert "climate" in at_first_frame[0]


async def test_open_shows_an_arrived_start_up_listing_at_once(sandbox: Any, tmp_config):
    service = service_for(sandbox)
    app = make_app(service, config=tmp_config, left=f"{LAB}:/home/alice/")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.main_screen.left_pane
        await wait_for(pilot, lambda: pane.path == "/home/alice/", "the home directory")
        await settled(pilot)
        order = listing_order(pane.file_list.sort_key, pane.file_list.sort_reverse)
        service.start_listing_early(LAB, "/projects/", orderby=order).result(timeout=10)
        loading_states: list[bool] = []
        pane.watch(pane, "loading", lambda loading: loading_states.append(loading), init=False)
        pane.open(LAB, "/projects/")
        # shown by open itself: no worker, no event between, and no loading state (nor its indicator) for it
        assert pane.listing is not None and pane.listing.path == "/projects/"
        assert loading_states == [] and pane.message_text == ""
        assert "climate" in [entry.name for entry in pane.listing.entries]
        await settled(pilot)
        assert pane.path == "/projects/" and not pane.pages_pending


async def test_the_left_file_list_has_the_focus_from_the_start(alice_service, tmp_config, monkeypatch):
    # Textual's auto-focus used to give it to the sidebar first (the first focusable widget), and the
    # main screen's focus() a frame later moved it: two restyles and the sidebar lit up for a frame.
    given: list[str] = []
    set_focus = Screen.set_focus

    def recording(screen: Screen[Any], widget: Widget | None, *args: Any, **kwargs: Any) -> None:
        if isinstance(screen, MainScreen):
            given.append(widget.id or type(widget).__name__ if widget is not None else "nothing")
        set_focus(screen, widget, *args, **kwargs)

    monkeypatch.setattr(Screen, "set_focus", recording)
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.path == "/projects/", "the listing")
        await settled(pilot)
        assert app.focused is app.main_screen.left_pane.file_list
        assert given and set(given) == {"left-list"}  # the left pane's FileList, and nothing before it


async def test_the_first_frame_mounts_no_filter_box_and_the_first_slash_brings_one(alice_service, tmp_config):
    # An Input's styles and compose took ~8 ms of the first frame for a box hidden until `/`.
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.path == "/projects/", "the listing")
        await settled(pilot)
        assert list(app.screen.query(FilterInput)) == []
        left = app.main_screen.left_pane
        await pilot.press("slash", "c", "l")
        await wait_for(pilot, lambda: left.file_list.filter_text == "cl", "the filter typed")
        assert [box.id for box in app.screen.query(FilterInput)] == ["left-filter"]  # the left pane's only
        assert left.filter_input.has_focus and left.filter_input.value == "cl"
        await pilot.press("escape")
        await settled(pilot)
        assert left.file_list.has_focus and left.file_list.filter_text == ""

"""Navigation in the dual-pane browser, against the live sandbox (Pilot, no mocks)."""

from __future__ import annotations

from gterm.config import GtermConfig
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID
from tests.support.browser_helpers import (
    clear_and_type,
    cursor_to,
    listing_names,
    make_app,
    notices,
    settled,
    status_text,
    type_text,
    wait_for,
    wait_for_path,
)
from tests.support.consent import ConsentSession
from tests.support.sandbox_login import transfer_client_for

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def test_startup_locations_fill_both_panes(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None, "right listing")
        await settled(pilot)
        screen = app.main_screen
        left, right = screen.left_pane, screen.right_pane
        assert left.path == "/home/alice/"
        assert right.path == "/projects/"
        assert left.collection is not None and left.collection.display_name == "Lab Storage"
        assert {"README.md", "experiments", "many-files"} <= set(listing_names(left))
        assert {"climate", "genomics"} <= set(listing_names(right))
        assert screen.active_pane is left
        text = status_text(left)
        assert "items" in text and "sort: name ▲" in text
        # Every location shown is remembered (config saved to the temp file, never the user's).
        assert tmp_config.last_left == f"{LAB}:/home/alice/"
        assert tmp_config.recent_collections[0] == LAB


async def test_enter_opens_backspace_goes_up_and_tab_switches(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None)
        await settled(pilot)
        screen = app.main_screen
        left = screen.left_pane
        await cursor_to(pilot, left, "experiments")
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == "/home/alice/experiments/", "experiments")
        assert set(listing_names(left)) == {"run-001", "run-002", "run-003"}
        await pilot.press("backspace")
        await wait_for(pilot, lambda: left.path == "/home/alice/", "back up")
        # Going up lands the cursor on the directory we came from.
        await settled(pilot)
        assert left.file_list.cursor_entry is not None and left.file_list.cursor_entry.name == "experiments"
        await pilot.press("tab")
        assert screen.active_pane is screen.right_pane
        assert screen.right_pane.has_class("-active") and not left.has_class("-active")


async def test_tab_from_the_task_panel_or_the_bookmarks_goes_back_to_the_active_pane(alice_service, tmp_config):
    """QA: Tab from the task panel (its hint: "Tab back to the panes") made the other pane active, so the
    next F5 sent the wrong way."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None, "right listing")
        await settled(pilot)
        screen = app.main_screen
        left = screen.left_pane
        for away in ("t", "ctrl+b"):  # the task panel, the bookmarks
            await pilot.press(away)
            await pilot.pause()
            assert not left.file_list.has_focus
            await pilot.press("tab")
            await pilot.pause()
            assert screen.active_pane is left and left.file_list.has_focus and left.has_class("-active")
        await pilot.press("tab")  # from a pane, still the other pane
        assert screen.active_pane is screen.right_pane


async def test_path_bar_goes_to_typed_path_and_home(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None)
        await settled(pilot)
        left = app.main_screen.left_pane
        await pilot.press("ctrl+l")
        assert left.path_bar.has_focus
        await clear_and_type(pilot, left.path_bar, "climate/data")
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == "/projects/climate/data/", "relative path")
        assert left.file_list.has_focus
        await pilot.press("ctrl+l")
        await clear_and_type(pilot, left.path_bar, "~")
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == "/home/alice/", "~")


async def test_a_listing_that_lands_while_typing_in_the_path_bar_keeps_the_typed_text(alice_service, tmp_config):
    """A listing the user did not ask for from the path bar (a late start-up listing, the reload after
    F5/F7/F8 in this directory) must not replace what they are typing there, nor unselect an untouched
    proposal (typing then appended to the path)."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/climate/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.press("ctrl+l")
        await type_text(pilot, "/projects/gen")
        left.reload()  # what a change in this directory does; a start-up listing lands the same way
        await settled(pilot)
        assert left.path_bar.has_focus and left.path_bar.value == "/projects/gen"
        await type_text(pilot, "omics/")
        await pilot.press("enter")
        await wait_for_path(pilot, left, "/projects/genomics/")
        assert left.path == "/projects/genomics/" and left.path_bar.value == "/projects/genomics/"

        await pilot.press("ctrl+l")  # the path is proposed (selected): typing replaces it
        left.reload()
        await settled(pilot)
        await type_text(pilot, "/projects/")
        assert left.path_bar.value == "/projects/"


async def test_bad_path_says_why_and_stays(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None)
        await settled(pilot)
        left = app.main_screen.left_pane
        before = listing_names(left)
        await pilot.press("ctrl+l")
        await clear_and_type(pilot, left.path_bar, "/projects/no-such-dir/")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Cannot open" in left.message_text, "error line")
        assert left.path == "/projects/"
        assert listing_names(left) == before
        assert left.path_bar.has_class("-bad-path")
        assert left.path_bar.value == "/projects/no-such-dir/"  # what the user typed stays to be fixed
        assert left.path_bar.has_focus
        assert "no-such-dir" in left.message_text
        # Esc gives up: the bar shows the real location again, and the pane's line says nothing more
        # about the path given up (QA: "Cannot open …" stayed over a good listing until the next one).
        await pilot.press("escape")
        assert left.path_bar.value == "/projects/"
        assert not left.path_bar.has_class("-bad-path")
        await pilot.pause()
        assert left.message_text == ""


async def test_permission_error_keeps_last_listing(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None)
        await settled(pilot)
        left = app.main_screen.left_pane
        before = listing_names(left)
        await cursor_to(pilot, left, "bob")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Permission denied" in left.message_text, "permission error")
        assert left.path == "/home/"
        assert listing_names(left) == before


async def test_path_completion_with_tab(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None)
        await settled(pilot)
        left = app.main_screen.left_pane
        await pilot.press("ctrl+l")
        await clear_and_type(pilot, left.path_bar, "/home/alice/exp")
        await pilot.press("tab")  # known directory: completes at once
        assert left.path_bar.value == "/home/alice/experiments/"
        await pilot.press("r")
        await pilot.press("tab")  # not listed yet: listed in a worker, then completed
        await wait_for(pilot, lambda: left.path_bar.value == "/home/alice/experiments/run-00", "completion")
        await pilot.press("2", "tab")
        assert left.path_bar.value == "/home/alice/experiments/run-002/"
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == "/home/alice/experiments/run-002/")


async def test_last_locations_are_restored(alice_service, tmp_config):
    tmp_config.last_left = f"{LAB}:/projects/climate/"
    tmp_config.last_right = f"{LAB}:/home/alice/experiments/"
    app = make_app(alice_service, config=tmp_config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None)
        await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None)
        assert app.main_screen.left_pane.path == "/projects/climate/"
        assert app.main_screen.right_pane.path == "/home/alice/experiments/"
    saved = GtermConfig.load(tmp_config.path)
    assert saved.last_left == f"{LAB}:/projects/climate/"


async def test_without_locations_the_recently_used_collection_opens(alice_service):
    alice_service.ls(LAB, "/projects/")  # Lab Storage is now "recently used" for Alice at the service
    app = make_app(alice_service)  # no config given: in-memory, nothing saved
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.listing is not None, "a default location")
        await settled(pilot)
        assert screen.left_pane.collection_id == LAB
        assert screen.left_pane.path == "/home/alice/"  # the collection's default directory


async def test_empty_pane_shows_the_hint_until_a_collection_is_chosen(alice_service):
    app = make_app(alice_service, left="bookmark:no-such-bookmark-anywhere", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: "No bookmark named" in left.message_text, "bookmark error")
        assert left.listing is None
        assert "ctrl+o" in str(left.status_line.render())


async def test_bad_start_location_is_reported_inline(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left="not-a-location", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: "not a collection ID" in left.message_text, "bad location message")


async def test_consent_needed_signs_in_and_retries(sandbox, tmp_config):
    """ConsentRequired on HPC Scratch: the app asks for consent, then the listing is retried and shown."""
    client = transfer_client_for(sandbox, "alice")
    service = TransferService(lambda: client)
    asked: list[list[str]] = []

    def grant(scopes: list[str]) -> bool:
        # What a real login with the required scopes yields: tokens that carry the consent.
        asked.append(scopes)
        client.authorizer = transfer_client_for(sandbox, "alice", data_access=[HPC_SCRATCH_ID]).authorizer
        return True

    app = make_app(
        service, config=tmp_config, session=ConsentSession(grant), left=f"{HPC_SCRATCH_ID}:/", right=f"{LAB}:/projects/"
    )
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: left.listing is not None, "listing after consent")
        assert len(asked) == 1 and any(HPC_SCRATCH_ID in scope for scope in asked[0])
        assert "README.txt" in listing_names(left)


async def test_consent_needed_without_session_says_what_to_do(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{HPC_SCRATCH_ID}:/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: "gterm login" in left.message_text, "sign-in hint")
        assert left.listing is None


async def test_consent_with_real_session_goes_through_login_screen(sandbox, tmp_path, memory_keyring, monkeypatch):
    """The demo's path end to end: ConsentRequired -> LoginScreen (auto-approve) -> the listing is retried."""
    from gterm.globus.session import GtermSession
    from tests.support.sandbox_login import new_native_client

    monkeypatch.setenv("GTERM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GTERM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(sandbox, "browser consent test"))
    for name in ("GTERM_CLIENT_ID", "GTERM_CLIENT_SECRET", "GTERM_TOKEN_STORE", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    config = GtermConfig.load()
    session = GtermSession(config, auto_approve=True, persist_config=False)
    try:
        assert session.start_login().try_automatic(30)
        app = make_app(
            session.transfer_service(),
            session=session,
            config=config,
            left=f"{HPC_SCRATCH_ID}:/~/",
            right=f"{LAB}:/projects/",
        )
        async with app.run_test(size=SIZE) as pilot:
            left = app.main_screen.left_pane

            await wait_for(pilot, lambda: left.listing is not None, "listing after the consent login")
            # The login ran through the coordinator (the LoginScreen may come and go between two polls).
            assert app.reauth.reason.startswith("More consent")
            # The notice after the login read "Consent given for cannot open …; retrying.": it names what
            # failed as what it is, a failure, whatever words the failure's context has.
            await wait_for(pilot, lambda: any(n.startswith("Consent given") for n in notices(app)), "the notice")
            said = next(n for n in notices(app) if n.startswith("Consent given"))
            assert said == "Consent given; retrying what failed (cannot open /~/)."
            assert left.path == "/home/alice/"
            assert "job-1234" in listing_names(left)
    finally:
        session.close()


async def test_consent_that_does_not_help_is_not_retried_forever(sandbox, tmp_config):
    """A 'login' that never grants the consent: gterm stops asking and says so."""
    client = transfer_client_for(sandbox, "alice")
    asked: list[int] = []

    def useless_consent(scopes: list[str]) -> bool:
        asked.append(1)
        return True

    app = make_app(
        TransferService(lambda: client),
        config=tmp_config,
        session=ConsentSession(useless_consent),
        left=f"{HPC_SCRATCH_ID}:/",
        right=f"{LAB}:/projects/",
    )
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: "giving up" in left.message_text, "gives up")
        assert len(asked) == 3


async def test_a_short_terminal_gives_the_task_panels_rows_to_the_lists(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None, "left listing")
        await settled(pilot)
        screen = app.main_screen
        panel = screen.query_one("TaskPanel")
        short_list_rows = screen.left_pane.file_list.scrollable_content_region.height
        assert screen.has_class("-short") and panel.outer_size.height == 7
        assert short_list_rows >= 9  # the header line and at least eight entries on an 80x24 terminal
        await pilot.resize_terminal(120, 40)
        await settled(pilot)
        assert not screen.has_class("-short") and panel.outer_size.height == 10

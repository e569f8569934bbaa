"""LoginScreen driven by Pilot, with real LoginChallenges against the live sandbox."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Input, Label, Static

from gterm.globus.session import GtermSession
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID, data_access_scope
from gterm.tui.screens.login import LoginScreen
from tests.support.sandbox_login import authorize_code


class Host(App[None]):
    """A bare app that shows one LoginScreen and records its result."""

    def __init__(self, challenge: Any) -> None:
        super().__init__()
        self.challenge = challenge
        self.results: list[bool | None] = []

    def compose(self) -> ComposeResult:
        yield Label("host")

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.challenge), callback=self.results.append)


async def _wait_for(predicate, pilot, tries: int = 200) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


async def test_paste_the_code(sandbox, fresh_config):
    session = GtermSession(fresh_config)
    challenge = session.start_login(local_server=False)
    app = Host(challenge)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        url_widget = screen.query_one("#login-url", Static)
        assert isinstance(url_widget.content, Content)
        assert url_widget.content.plain == challenge.url  # literal, never parsed as markup
        code = await asyncio.to_thread(authorize_code, sandbox, challenge.url)
        screen.query_one("#login-code", Input).value = code
        await pilot.press("enter")
        await _wait_for(lambda: app.results, pilot)
    assert app.results == [True]
    assert session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries
    session.close()


async def test_a_wrong_code_shows_an_error_and_escape_cancels(sandbox, fresh_config):
    session = GtermSession(fresh_config)
    challenge = session.start_login(local_server=False)
    app = Host(challenge)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#login-code", Input).value = "wrong-code"
        await pilot.press("enter")
        status = screen.query_one("#login-status", Static)
        await _wait_for(lambda: "not accepted" in str(status.content), pilot)
        assert status.has_class("-error")
        assert isinstance(app.screen, LoginScreen)  # still there: the user can try again
        await pilot.press("escape")
        await _wait_for(lambda: app.results, pilot)
    assert app.results == [False]
    assert session.login_required()
    session.close()


async def test_automatic_login_dismisses_by_itself_for_consent(sandbox, fresh_config):
    """The demo path: consent for the scratch collection, auto-approved, no typing."""
    session = GtermSession(fresh_config, auto_approve=True, persist_config=False)
    assert session.start_login().try_automatic(30)
    challenge = session.start_login(
        [f"urn:globus:auth:scope:transfer.api.globus.org:all[*{data_access_scope(HPC_SCRATCH_ID)}]"]
    )
    app = Host(challenge)
    async with app.run_test(size=(120, 36)) as pilot:
        await _wait_for(lambda: app.results, pilot)
    assert app.results == [True]
    assert session.transfer_service().ls(HPC_SCRATCH_ID, "/~/") is not None
    session.close()


async def test_leaving_the_screen_stops_the_local_server_wait(sandbox, fresh_config):
    session = GtermSession(fresh_config)
    challenge = session.start_login(local_server=True)
    app = Host(challenge)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await _wait_for(lambda: app.results, pilot)
        await app.workers.wait_for_complete()  # the waiting thread was woken, not left hanging
    assert app.results == [False]
    assert challenge.cancelled
    session.close()


class QuitsAtOnce(Host):
    """Quits in the same moment it opens the login screen (the race QA's logout test can hit)."""

    def on_mount(self) -> None:
        super().on_mount()
        self.exit()


async def test_quitting_as_the_login_screen_opens_is_quiet(sandbox, fresh_config):
    session = GtermSession(fresh_config)
    challenge = session.start_login(local_server=False)
    try:
        for _ in range(5):
            app = QuitsAtOnce(challenge)
            # run_test re-raises what the app raised: a NoMatches from a screen mounting while
            # the app closes used to end this with a traceback
            async with app.run_test(size=(120, 36)) as pilot:
                await pilot.pause()
            assert app.return_code == 0
    finally:
        challenge.close()
        session.close()

"""QA F15: a cancelled consent sign-in must not leave the pane saying "Loading …" (Pilot, live sandbox)."""

from __future__ import annotations

from typing import Any

from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.tui.screens.login import LoginScreen
from tests.support.browser_helpers import listing_names, make_app, settled, wait_for
from tests.support.consent import ConsentSession
from tests.support.outages import answer_error, gated

SIZE = (120, 36)


def not_signing_in(asked: list[list[str]]) -> ConsentSession:
    def grant(scopes: list[str]) -> bool:
        asked.append(scopes)
        return False  # no sign-in yet: the login screen stays, and the user presses Esc on it

    return ConsentSession(grant)


async def cancel_the_login(pilot: Any, app: Any) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
    await pilot.press("escape")


async def test_cancelled_consent_clears_loading_note(alice_service, tmp_config):
    """Opening HPC Scratch (default directory) needs consent; cancelling it keeps the old listing and says why."""
    asked: list[list[str]] = []
    app = make_app(
        alice_service,
        config=tmp_config,
        session=not_signing_in(asked),
        left=f"{LAB_STORAGE_ID}:/projects/",
        right=f"{LAB_STORAGE_ID}:/projects/",
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None, "both listings")
        await settled(pilot)
        left = app.main_screen.left_pane
        left.open(HPC_SCRATCH_ID)  # what ctrl+o + Enter on HPC Scratch does
        assert "Loading" in left.message_text
        await cancel_the_login(pilot, app)
        await wait_for(pilot, lambda: "needs consent" in left.message_text, "consent note")
        await settled(pilot)
        assert len(asked) == 1
        assert "Loading" not in left.message_text
        assert left.message_text == "HPC Scratch needs consent — ctrl+o to try again"
        assert not left.fetching
        # The last good listing stays.
        assert left.path == "/projects/" and left.collection is not None
        assert left.collection.id == LAB_STORAGE_ID
        assert {"climate", "genomics"} <= set(listing_names(left))


async def test_cancelled_consent_for_a_path_names_the_collection(alice_service, tmp_config):
    """With a path the collection lookup runs alongside the listing; the note still names the collection."""
    asked: list[list[str]] = []
    app = make_app(
        alice_service,
        config=tmp_config,
        session=not_signing_in(asked),
        left=f"{HPC_SCRATCH_ID}:/",
        right=f"{LAB_STORAGE_ID}:/projects/",
    )
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await cancel_the_login(pilot, app)
        await wait_for(pilot, lambda: "needs consent" in left.message_text, "consent note")
        await settled(pilot)
        assert left.message_text == "HPC Scratch needs consent — ctrl+o to try again"
        assert not left.fetching and left.listing is None
        assert len(asked) == 1


async def test_the_task_panel_polls_again_after_a_later_sign_in_when_its_own_was_cancelled(
    sandbox, alice_service, tmp_config
):
    """QA: the task list met an expired session, its sign-in was cancelled, and the panel never polled
    again, even after the user signed in for something else: the list stood still, titled with the error."""
    refused = {"task_list": True, "ls": False}

    async def expired(scope: Any, receive: Any, send: Any, inner: Any) -> None:
        path = str(scope.get("path", ""))
        which = "task_list" if path.endswith("/task_list") else "ls" if path.endswith("/ls") else None
        if scope.get("method") != "GET" or which is None or not refused[which]:
            await inner(scope, receive, send)
            return
        await answer_error(send, 401, "AuthenticationFailed", "Token is not active")

    logins: list[list[str]] = []

    def grant(scopes: list[str]) -> bool:
        logins.append(scopes)
        if len(logins) == 1:
            return False  # the first sign-in is left open, then cancelled
        refused["ls"] = False  # the second one works: the session is good again
        return True

    app = make_app(alice_service, config=tmp_config, session=ConsentSession(grant),
                   left=f"{LAB_STORAGE_ID}:/projects/", right=f"{LAB_STORAGE_ID}:/projects/")
    with gated(sandbox, expired):
        async with app.run_test(size=SIZE) as pilot:
            panel = app.main_screen.task_panel
            await cancel_the_login(pilot, app)  # the task list's sign-in
            await wait_for(pilot, lambda: not isinstance(app.screen, LoginScreen), "the sign-in cancelled")
            await wait_for(pilot, lambda: panel.error is not None, "the panel saying why it stopped")
            refused["task_list"] = False
            stopped_at = panel.refresh_count
            left = app.main_screen.left_pane
            left.file_list.focus()
            refused["ls"] = True
            await pilot.press("ctrl+r")  # the listing meets the expired session too: this sign-in works
            await wait_for(pilot, lambda: len(logins) == 2 and not isinstance(app.screen, LoginScreen),
                           "the second sign-in")
            await wait_for(pilot, lambda: panel.refresh_count > stopped_at and panel.error is None,
                           "the panel polling again")
            await wait_for(pilot, lambda: left.listing is not None and not left.fetching, "the listing again")

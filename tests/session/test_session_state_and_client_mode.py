"""QA findings F8-F10 against the live sandbox: the settings file stays the user's,
the re-login prompt reads as a sentence, and client-credentials mode never pretends.

Real HTTP, the real SDK, the real TUI under Pilot; no mocks.
"""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Label

from gterm import cli, sandbox_commands
from gterm.config import GtermConfig, state_file_path
from gterm.globus.errors import ConsentNeeded, ServiceError, SessionExpired
from gterm.globus.session import GtermSession
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID, ROBOT_CLIENT_ID, data_access_scope
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.login import LoginScreen
from tests.support.sandbox_login import new_confidential_client, new_native_client

SIZE = (120, 36)
WAIT_LIMIT = 60.0
HAND_WRITTEN = (
    "# my gterm settings -- keep this comment\n"
    'token_store = "keyring"\n'
    "\n"
    "# keys I like\n"
    "[keymap]\n"
    'transfer = "f5,ctrl+t"\n'
)


async def _wait(pilot: Any, condition: Callable[[], bool], what: str) -> None:
    """Pump the app until ``condition()`` holds (bounded; not a timing assert)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def _state() -> dict[str, Any]:
    try:
        return tomllib.loads(state_file_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return {}


def _requests(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    log = sandbox.data_dir / "requests.log"
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.exists() else []


def _logged_since(
    sandbox: SandboxHandle, before: int, wanted: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The sandbox requests logged after the first ``before`` lines, once ``wanted`` holds.

    The sandbox writes a log line after the response has gone out, so the
    line may trail the client by a moment: poll (bounded), never sleep-and-hope.
    """
    deadline = time.monotonic() + 10
    while True:
        records = _requests(sandbox)[before:]
        if wanted(records) or time.monotonic() > deadline:
            return records
        time.sleep(0.02)


def _arrival(record: dict[str, Any]) -> datetime:
    """When the sandbox received a logged request (its log line is written when the answer has gone)."""
    return datetime.fromisoformat(record["time"]) - timedelta(milliseconds=record["duration_ms"])


def _write_settings(gterm_dirs: dict[str, Path]) -> Path:
    settings = gterm_dirs["config"] / "config.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(HAND_WRITTEN, encoding="utf-8")
    return settings


# --- F8: the settings file is read-only to gterm ------------------------------------------


async def test_the_app_keeps_state_in_the_data_dir_and_never_writes_the_settings_file(
    sandbox, gterm_dirs, memory_keyring, monkeypatch
):
    """QA's steps: a hand-written settings file, run gterm, open HPC Scratch (consent), quit."""
    from gterm.tui.app import GtermApp

    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(sandbox, "state file test"))
    settings = _write_settings(gterm_dirs)
    config = GtermConfig.load()
    session = GtermSession(config, auto_approve=True)
    try:
        assert session.start_login().try_automatic(30)
        app = GtermApp(
            session.transfer_service(),
            session=session,
            config=config,
            left=f"{HPC_SCRATCH_ID}:/~/",
            right=f"{LAB_STORAGE_ID}:/projects/",
        )
        async with app.run_test(size=SIZE) as pilot:
            left = app.main_screen.left_pane
            await _wait(pilot, lambda: left.listing is not None, "the scratch listing after the consent login")
            await _wait(
                pilot,
                lambda: _state().get("last_left") == f"{HPC_SCRATCH_ID}:/home/alice/"
                and _state().get("last_right") == f"{LAB_STORAGE_ID}:/projects/",
                "the state file",
            )
            # F9: the consent prompt's reason is one proper sentence.
            reason = app.reauth.reason
            assert reason.startswith("More consent is needed. Log in again to continue (cannot open ")
            assert reason.endswith(").") and " to continue: " not in reason
    finally:
        session.close()

    assert settings.read_text(encoding="utf-8") == HAND_WRITTEN  # byte for byte, comments included
    state = _state()
    assert {HPC_SCRATCH_ID, LAB_STORAGE_ID} <= set(state["recent_collections"])
    assert any(data_access_scope(HPC_SCRATCH_ID) in scope for scope in state["consent_scopes"])
    assert not {"native_client_id", "keymap", "token_store", "http_timeout"} & set(state)
    again = GtermConfig.load()  # the next run sees both files
    assert again.last_left == f"{HPC_SCRATCH_ID}:/home/alice/"
    assert again.keymap == {"transfer": "f5,ctrl+t"}
    next_run = GtermSession(again)
    try:
        assert any(
            data_access_scope(HPC_SCRATCH_ID) in s for s in next_run.scope_requirements["transfer.api.globus.org"]
        )
    finally:
        next_run.close()


def test_the_demo_keeps_its_own_state_file(gterm_dirs, tmp_path):
    settings = _write_settings(gterm_dirs)
    demo_dir = tmp_path / "demo"
    config = sandbox_commands.demo_config(demo_dir)
    config.last_left = "sandbox-collection:/"
    assert config.save() == demo_dir / "gterm-demo.toml"
    assert settings.read_text(encoding="utf-8") == HAND_WRITTEN
    assert not state_file_path().exists()  # the user's own state does not learn sandbox ids
    assert GtermConfig.load().last_left is None
    assert sandbox_commands.demo_config(demo_dir).last_left == "sandbox-collection:/"


# --- F9: the expired-session prompt ---------------------------------------------------------


async def test_an_expired_session_asks_in_a_sentence_and_recovers(sandbox, gterm_dirs, memory_keyring, monkeypatch):
    """QA's steps: gterm running, `gterm logout` elsewhere, the next task poll gets 401."""
    from gterm.tui.app import GtermApp
    from gterm.tui.widgets.task_panel import TaskPanel

    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(sandbox, "expired prompt test"))
    config = GtermConfig.load()
    session = GtermSession(config, auto_approve=True)
    try:
        assert session.start_login().try_automatic(30)
        app = GtermApp(
            session.transfer_service(),
            session=session,
            config=config,
            left=f"{LAB_STORAGE_ID}:/projects/",
            right=f"{LAB_STORAGE_ID}:/~/",
        )
        async with app.run_test(size=SIZE) as pilot:
            screen = app.main_screen
            await _wait(
                pilot,
                lambda: screen.left_pane.listing is not None and screen.right_pane.listing is not None,
                "both listings",
            )
            other = GtermSession(GtermConfig.load())  # `gterm logout` in another shell
            other.logout()
            other.close()
            # The running app still holds the (now revoked) access token: the next poll gets 401.
            coordinator = app.reauth
            app.query_one(TaskPanel).refresh_tasks()
            await _wait(pilot, lambda: bool(coordinator.reason), "the re-login prompt")
            assert coordinator.reason == "Your session has expired. Log in again to continue (task list)."
    finally:
        session.close()


# --- F10: client-credentials mode -------------------------------------------------------------


@pytest.fixture
def robot_env(sandbox, gterm_dirs, memory_keyring, monkeypatch) -> Callable[[str], None]:
    """Set GTERM_CLIENT_ID/SECRET to the seeded robot with the given secret ("" = the right one)."""

    def use(secret: str = "") -> None:
        monkeypatch.setenv("GTERM_CLIENT_ID", ROBOT_CLIENT_ID)
        monkeypatch.setenv("GTERM_CLIENT_SECRET", secret or sandbox.client_secret(ROBOT_CLIENT_ID))

    return use


def test_whoami_with_a_wrong_secret_asks_auth_and_fails(sandbox, robot_env, capsys):
    robot_env("wrong-secret")
    before = len(_requests(sandbox))
    assert cli.main(["whoami"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "Globus Auth refused the client credentials (HTTP 401)" in captured.err
    assert "GTERM_CLIENT_SECRET" in captured.err and "wrong-secret" not in captured.err
    records = _logged_since(sandbox, before, lambda rs: any(r["path"] == "/v2/oauth2/token" for r in rs))
    asked = [r for r in records if r["path"] == "/v2/oauth2/token"]
    assert asked and asked[-1]["status"] == 401  # a real request, refused


def test_whoami_with_the_right_secret_names_the_client_identity(sandbox, robot_env, capsys):
    robot_env()
    before = len(_requests(sandbox))
    assert cli.main(["whoami"]) == 0
    line = capsys.readouterr().out.strip()
    username, _name, identity_id = line.split("\t")
    assert identity_id == ROBOT_CLIENT_ID
    assert username == f"{ROBOT_CLIENT_ID}@clients.auth.globus.org"
    wanted = {"/v2/oauth2/token", "/v2/oauth2/token/introspect"}
    paths = {r["path"] for r in _logged_since(sandbox, before, lambda rs: wanted <= {r["path"] for r in rs})}
    assert "/v2/oauth2/token" in paths and "/v2/oauth2/token/introspect" in paths


def test_the_tui_checks_client_credentials_once_and_exits_with_one_line(sandbox, robot_env, capsys):
    robot_env("wrong-secret")
    # Checked once, on a thread just after the first frame; the app then ends and the refusal is one line.
    assert cli.main(["--left", f"{LAB_STORAGE_ID}:/"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("gterm: Globus Auth refused the client credentials")
    assert "Traceback" not in captured.err


def test_the_robot_check_reuses_the_start_up_listings_grant_and_a_wrong_secret_still_fails(sandbox, robot_env):
    """cmd_tui checks a robot's credentials after the first frame; the early listing has granted a token by then."""
    robot_env()
    session = GtermSession(GtermConfig.load())
    try:
        before, asked = len(_requests(sandbox)), datetime.now(UTC)
        service = session.transfer_service()
        assert service.ls(LAB_STORAGE_ID, "/").path == "/"  # the listing's grant: one token request
        session.check_client_credentials()  # proven by that grant: no second one
        service.ls(LAB_STORAGE_ID, "/")  # logged after anything the check sent (the log is in finishing order)
        records = _logged_since(sandbox, before, lambda rs: sum(r["path"].endswith("/ls") for r in rs) == 2)
        # Only what arrived during this test: the log is in finishing order, and the previous test's start-up
        # helper (killed when its app ended) may have had a refused grant in flight that finished after `before`.
        ours = [r for r in records if _arrival(r) >= asked]
        assert [r["status"] for r in ours if r["path"] == "/v2/oauth2/token"] == [200]
    finally:
        session.close()
    robot_env("wrong-secret")
    session = GtermSession(GtermConfig.load())
    try:
        with pytest.raises(ServiceError, match="refused the client credentials"):
            session.transfer_service().ls(LAB_STORAGE_ID, "/")
        with pytest.raises(ServiceError, match="refused the client credentials"):
            session.check_client_credentials()  # no token to reuse: a real grant, refused
    finally:
        session.close()


def test_login_in_client_mode_checks_the_credentials(sandbox, robot_env, capsys):
    robot_env("wrong-secret")
    assert cli.main(["login"]) == 1
    assert "refused the client credentials" in capsys.readouterr().err
    robot_env()
    assert cli.main(["login"]) == 0
    assert "no login is needed" in capsys.readouterr().out


def test_logout_in_client_mode_says_there_is_nothing_to_revoke(sandbox, robot_env, capsys):
    robot_env()
    assert cli.main(["logout"]) == 0
    out = capsys.readouterr().out
    assert "client credentials" in out and "nothing to revoke" in out
    assert "memory only" not in out


def test_a_refused_robot_gets_an_error_that_says_why_never_a_login(sandbox, robot_env):
    robot_env("wrong-secret")
    session = GtermSession(GtermConfig.load())
    try:
        with pytest.raises(ServiceError) as listing:
            session.transfer_service().ls(LAB_STORAGE_ID, "/")
        assert not isinstance(listing.value, SessionExpired)
        assert "refused the client credentials" in str(listing.value)
        # What the TUI's re-login path calls: it fails at once, with the reason, instead of
        # returning a challenge that would show a URL and a code prompt.
        with pytest.raises(ServiceError, match="refused the client credentials"):
            session.start_login()
        with pytest.raises(ServiceError, match="no interactive login"):
            session.handle_consent(ConsentNeeded("consent", required_scopes=[]))
    finally:
        session.close()


async def test_the_tui_in_client_mode_shows_the_refusal_inline_without_a_login_screen(sandbox, robot_env):
    from gterm.tui.app import GtermApp

    robot_env("wrong-secret")
    session = GtermSession(GtermConfig.load())
    try:
        app = GtermApp(session.transfer_service(), session=session, left=f"{LAB_STORAGE_ID}:/")
        seen_login = False
        async with app.run_test(size=SIZE) as pilot:
            left = app.main_screen.left_pane

            def refused() -> bool:
                nonlocal seen_login
                seen_login |= any(isinstance(screen, LoginScreen) for screen in app.screen_stack)
                return "refused the client credentials" in left.message_text

            await _wait(pilot, refused, "the inline refusal")
            await pilot.pause(0.3)
            seen_login |= any(isinstance(screen, LoginScreen) for screen in app.screen_stack)
        assert not seen_login
    finally:
        session.close()


class _Host(App[None]):
    def __init__(self, challenge: Any) -> None:
        super().__init__()
        self.challenge = challenge
        self.results: list[bool | None] = []

    def compose(self) -> ComposeResult:
        yield Label("host")

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.challenge), callback=self.results.append)


async def test_a_robot_consent_login_has_no_code_prompt(sandbox, robot_env, monkeypatch):
    # A robot of its own: the seeded one may have consented to Scratch in an earlier test.
    client_id, secret = new_confidential_client(sandbox, "consent robot")
    monkeypatch.setenv("GTERM_CLIENT_ID", client_id)
    monkeypatch.setenv("GTERM_CLIENT_SECRET", secret)
    session = GtermSession(GtermConfig.load())
    try:
        service = session.transfer_service()
        with pytest.raises(ConsentNeeded) as needed:
            service.ls(HPC_SCRATCH_ID, "/")
        challenge = session.handle_consent(needed.value)  # the grant happens here, off the event loop
        assert challenge.mode == "client-credentials" and challenge.done
        app = _Host(challenge)
        async with app.run_test(size=SIZE) as pilot:
            await _wait(pilot, lambda: bool(app.results) or bool(app.screen.query(Input)), "the screen to settle")
            assert not app.screen.query(Input)
            await _wait(pilot, lambda: bool(app.results), "the screen to dismiss itself")
        assert app.results == [True]
        assert service.ls(HPC_SCRATCH_ID, "/") is not None
    finally:
        session.close()

"""Fixtures for the session suite: isolated gterm dirs, fresh native clients, real logins.

Every test gets its own data/config dirs (GTERM_DATA_DIR / GTERM_CONFIG) and,
through ``fresh_config``, its own registered native client: the sandbox
accumulates consents per (identity, client), so a fresh client keeps one
test's consents out of another's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gterm.config import GtermConfig
from gterm.globus.session import GtermSession
from gterm.sandbox.server import SandboxHandle, running_sandbox
from gterm.sandbox.state import SandboxConfig
from tests.support.sandbox_login import new_native_client, sdk_pointed_at
from tests.support.session_helpers import copy_paste_login

_ENV_TO_CLEAR = ("GTERM_CLIENT_ID", "GTERM_CLIENT_SECRET", "GTERM_NATIVE_CLIENT_ID", "GTERM_TOKEN_STORE")


@pytest.fixture
def gterm_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Private gterm data and config dirs for this test, and no inherited gterm env."""
    dirs = {"data": tmp_path / "gterm-data", "config": tmp_path / "gterm-config"}
    monkeypatch.setenv("GTERM_DATA_DIR", str(dirs["data"]))
    monkeypatch.setenv("GTERM_CONFIG", str(dirs["config"] / "config.toml"))
    dirs["config"].mkdir()
    (dirs["config"] / "config.toml").write_text("")  # there, as GTERM_CONFIG says (a missing one is warned of)
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)  # never open a browser from a test
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return dirs


@pytest.fixture
def fresh_config(
    sandbox: SandboxHandle, gterm_dirs: dict[str, Path], memory_keyring: object, monkeypatch: pytest.MonkeyPatch
) -> GtermConfig:
    """Settings pointing at a freshly registered native client (its id also in the env for the CLI)."""
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(sandbox, "gterm session test"))
    return GtermConfig.load()


@pytest.fixture
def logged_in(sandbox: SandboxHandle, fresh_config: GtermConfig) -> Iterator[GtermSession]:
    """A keyring-backed session for a fresh client, logged in as Alice through the real flow."""
    session = GtermSession(fresh_config)
    copy_paste_login(sandbox, session)
    yield session
    session.close()


sandbox_env = sdk_pointed_at  # point the SDK at another sandbox for a while, restore after


@pytest.fixture
def short_lived_sandbox(tmp_path: Path, sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    """A second sandbox whose access tokens live 2 seconds (own data dir), SDK env pointed at it."""
    config = SandboxConfig(data_dir=tmp_path / "short-lived-sandbox", auto_approve=True, access_token_lifetime=2)
    with running_sandbox(config) as handle, sandbox_env(handle):
        yield handle


@pytest.fixture
def sessions() -> Iterator[Callable[..., GtermSession]]:
    """Build GtermSessions that are closed after the test."""
    made: list[GtermSession] = []

    def make(config: GtermConfig, **kwargs: object) -> GtermSession:
        session = GtermSession(config, **kwargs)  # type: ignore[arg-type]
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()

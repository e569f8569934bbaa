"""Small helpers shared by the session tests (not fixtures)."""

from __future__ import annotations

import os
import queue
import shlex
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tests.support.sandbox_login import authorize_code

if TYPE_CHECKING:
    from globus_sdk.token_storage import TokenStorageData

    from gterm.config import GtermConfig
    from gterm.globus.head_start import HeadStart, Location
    from gterm.globus.session import GtermSession
    from gterm.sandbox.server import SandboxHandle


def read_line_with_timeout(stream: IO[str], timeout: float) -> str:
    """readline() that cannot hang a test forever on a silent subprocess."""
    box: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: box.put(stream.readline()), daemon=True).start()
    try:
        return box.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError("timed out waiting for output") from None


def read_exports(stream: IO[str], timeout: float) -> dict[str, str]:
    """Read `gterm sandbox serve`'s export lines up to its `unset` line; return them as a dict."""
    exports: dict[str, str] = {}
    while True:
        line = read_line_with_timeout(stream, timeout).strip()
        if not line or line.startswith("unset "):
            return exports
        assert line.startswith("export "), line
        key, _, value = line.removeprefix("export ").partition("=")
        exports[key] = shlex.split(value)[0]


def all_tokens_in(document: Any) -> set[str]:
    """Every access/refresh token string inside a JSON-like document."""
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("access_token", "refresh_token") and isinstance(value, str):
                found.add(value)
            else:
                found |= all_tokens_in(value)
    elif isinstance(document, list):
        for item in document:
            found |= all_tokens_in(item)
    return found


def files_containing(root: Path, needles: Iterable[str]) -> list[str]:
    """Paths under ``root`` whose bytes contain any of ``needles``."""
    needles = [n.encode() for n in needles if n]
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(n in data for n in needles):
                hits.append(str(path))
    return hits


def copy_paste_login(sandbox: SandboxHandle, session: GtermSession, scopes: list[str] | None = None) -> None:
    """A copy-paste login as the user does it: open the URL (the 'browser' here), paste the code.

    Lives here, not in conftest.py: ``from conftest import`` picks whichever
    conftest module was imported first when several suites run together.
    """
    challenge = session.start_login(scopes, local_server=False)
    assert challenge.mode == "copy-paste"
    challenge.complete_with_code(authorize_code(sandbox, challenge.url))


def login_to_token_file(sandbox: SandboxHandle, config: GtermConfig) -> TokenStorageData:
    """A real copy-paste login with ``config`` (its native client) into gterm's 0600 token file.

    What `gterm --token-store file` then reads in a new process whose environment
    names the same client; returns the stored Transfer token.
    """
    from gterm.globus.session import TRANSFER_RS, GtermSession

    config.token_store = "file"
    session = GtermSession(config)
    copy_paste_login(sandbox, session)
    stored = session.token_storage.get_token_data(TRANSFER_RS)
    session.close()
    assert stored is not None
    return stored


def sign_in_to_token_file(sandbox: SandboxHandle, env: dict[str, str]) -> None:
    """A real copy-paste login into gterm's 0600 token file, as `gterm login --token-store file` leaves it.

    ``env`` is the environment the signed-in gterm will run with (its config and
    data dirs, the SDK pointed at ``sandbox``); this process takes it for the login
    and gets its own back after. For the perf scripts, which start gterm signed in.
    """
    from gterm.config import DEFAULT_NATIVE_CLIENT_ID, GtermConfig
    from gterm.globus.session import GtermSession

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        config = GtermConfig.load()
        config.token_store = "file"
        config.native_client_id = DEFAULT_NATIVE_CLIENT_ID
        session = GtermSession(config)
        copy_paste_login(sandbox, session)
        session.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def launch_head_start(token: str | None, locations: Sequence[Location]) -> HeadStart | None:
    """A head-start helper spawned, aimed at ``locations`` and handed ``token`` at once (cli.tui_app does
    the three steps apart, around reading the settings and the token)."""
    from gterm.globus.head_start import HeadStart

    started = HeadStart.spawn()
    if started is not None:
        started.aim(locations)
        started.hand_over(token)
    return started

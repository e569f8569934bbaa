"""`gterm demo` and `gterm sandbox serve`: the commands that run the embedded sandbox.

``gterm demo`` starts the sandbox in this process on a persistent data dir,
signs a person in for real (auto-approved) and runs the TUI on it;
``gterm sandbox serve`` serves it until Ctrl-C for other clients. Both check
their sandbox options first (:func:`checked_sandbox_options`), so a bad value
is one line, not a traceback. Imported by :func:`gterm.cli.main` only for
these two commands.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from gterm.cli import EXIT_OK, describe, run_cli_login, run_tui
from gterm.collector import paused_until_first_frame
from gterm.config import GtermConfig, cannot_create, data_dir, default_demo_dir, make_private_dir
from gterm.globus.errors import InvalidInput, KeyringUnavailable, SessionExpired

if TYPE_CHECKING:
    from gterm.globus.session import GtermSession
    from gterm.sandbox.server import SandboxHandle
    from gterm.sandbox.state import SandboxConfig


def demo_config(demo_dir: Path) -> GtermConfig:
    """The user's settings (keys, theme), but demo-only state kept beside the demo data.

    Consent scopes and last locations name sandbox collections; they must not
    leak into the real state file, so the demo keeps its own (gterm-demo.toml).
    """
    from gterm.config import DEFAULT_NATIVE_CLIENT_ID

    config = GtermConfig.load(state_path=demo_dir / "gterm-demo.toml")
    config.native_client_id = DEFAULT_NATIVE_CLIENT_ID  # the id the sandbox knows
    config.client_id = config.client_secret = None  # the demo signs a person in
    return config


@dataclass
class DemoSession:
    """What `gterm demo` hands to the TUI: a signed-in session on a running sandbox."""

    session: GtermSession
    config: GtermConfig
    left: str
    right: str
    data_dir: Path


@contextlib.contextmanager
def demo_session(
    data_dir: Path | None = None,
    *,
    token_store: str | None = None,
    left: str | None = None,
    right: str | None = None,
    err: TextIO | None = None,
    sandbox_options: dict[str, Any] | None = None,
) -> Iterator[DemoSession]:
    """Start the sandbox (auto-approve, persistent data dir), sign in for real, yield the session.

    The login is the real authorization-code + PKCE flow; auto-approve only
    means nobody has to click "Allow". Tokens go to the OS keyring, or to
    memory (with a notice) when there is no usable keyring.
    """
    from gterm.globus.session import GtermSession
    from gterm.globus.tokens import GtermTokenStorage, InMemoryTokenStorage, KeyringTokenStorage
    from gterm.sandbox.seed_ids import BOB_SHARED_ID, LAB_STORAGE_ID
    from gterm.sandbox.server import CLIENT_ENV_KEYS
    from gterm.sandbox.state import SandboxConfig

    err = err or sys.stderr
    demo_dir = (data_dir or default_demo_dir()).expanduser().resolve()
    config = demo_config(demo_dir)
    if token_store:
        config.token_store = token_store  # type: ignore[assignment]  # argparse limits it to the store kinds
    print(f"gterm: starting the demo sandbox (data in {demo_dir})...", file=err)
    saved_env = {k: os.environ.get(k) for k in CLIENT_ENV_KEYS}
    sandbox_config = SandboxConfig(data_dir=demo_dir, auto_approve=True, **(sandbox_options or {}))
    with _on_its_last_port(sandbox_config, keep="port" not in (sandbox_options or {})) as handle:
        for key in CLIENT_ENV_KEYS:
            os.environ.pop(key, None)
        os.environ.update(handle.client_env())  # service URLs and the sandbox's CA (SDK and requests)
        session: GtermSession | None = None
        try:
            # The sandbox's port may change between runs (taken meanwhile, or --port), its data dir
            # does not: key the demo's tokens by the data dir so a demo session survives restarts.
            namespace = f"gterm-demo:{demo_dir}|{config.native_client_id}"
            storage: GtermTokenStorage | None = None
            if config.token_store == "keyring":
                try:
                    storage = KeyringTokenStorage(namespace)
                except KeyringUnavailable:
                    storage = InMemoryTokenStorage(namespace=namespace)
                    print(
                        "gterm: no usable OS keyring; the demo keeps its session in memory only "
                        "(you sign in again next time, automatically).",
                        file=err,
                    )
            session = GtermSession(config, token_storage=storage, namespace=namespace, auto_approve=True)
            try:
                if session.login_required():
                    raise SessionExpired("no session yet")
                who = session.whoami()
                how = "stored session"
            except SessionExpired:
                run_cli_login(session, out=err)
                who = session.whoami()
                how = "auto-approved login"
            print(f"gterm: signed in to the sandbox as {describe(who)} ({how}).", file=err)
            yield DemoSession(
                session=session,
                config=config,
                left=left or config.last_left or f"{LAB_STORAGE_ID}:/~/",
                right=right or config.last_right or f"{BOB_SHARED_ID}:/",
                data_dir=demo_dir,
            )
        finally:
            if session is not None:
                session.close()
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@contextlib.contextmanager
def _on_its_last_port(config: SandboxConfig, *, keep: bool) -> Iterator[SandboxHandle]:
    """The demo's sandbox, on the port it had last time when ``keep`` (no --port given) and it is free.

    Whatever holds a URL the last run gave out (a collection's https_server, Auth's and Transfer's) finds
    it again; when another program took the port meanwhile, any free one does (a download's part still
    resumes: it is recorded by collection and path, not URL).
    """
    from gterm.sandbox.server import CannotListen, last_port, running_sandbox

    port = last_port(config.data_dir) if keep else None
    with contextlib.ExitStack() as stack:
        try:
            handle = stack.enter_context(running_sandbox(dataclasses.replace(config, port=port or config.port)))
        except CannotListen:
            if port is None:
                raise
            handle = stack.enter_context(running_sandbox(config))
        yield handle


def cmd_demo(args: argparse.Namespace) -> int:
    options = checked_sandbox_options(args)
    # paused_until_first_frame: start-up allocates much and frees little (gterm.collector).
    with said_as_input_errors(), paused_until_first_frame(), demo_session(
        usable_data_dir(args.data_dir) if args.data_dir else None,
        token_store=getattr(args, "token_store", None),
        left=getattr(args, "left", None),
        right=getattr(args, "right", None),
        sandbox_options=options,
    ) as demo:
        # The demo's sandbox stops with the app: quitting while a task runs asks first.
        return run_tui(demo.session, demo.config, demo.left, demo.right, confirm_quit_while_active=True)


MAX_PORT = 65535


def checked_sandbox_options(args: argparse.Namespace) -> dict[str, Any]:
    """The sandbox settings given on the command line, checked: bad values are one clear InvalidInput.

    Returns only the options that were given (``port``, ``access_token_lifetime``,
    ``slow``, ``fault_rate``, ``api_delay``, ``api_fault_rate``), ready for SandboxConfig.
    """
    given: dict[str, Any] = {}
    port = getattr(args, "port", None)
    if port is not None:
        if not 0 <= port <= MAX_PORT:
            raise InvalidInput(f"--port {port}: a port is a number from 0 (any free port) to {MAX_PORT}.")
        given["port"] = port
    lifetime = getattr(args, "access_token_lifetime", None)
    if lifetime is not None:
        if lifetime < 1:
            raise InvalidInput(f"--access-token-lifetime {lifetime}: give a number of seconds, at least 1.")
        given["access_token_lifetime"] = lifetime
    slow = getattr(args, "slow", None)
    if slow is not None:
        if slow < 1:
            raise InvalidInput(f"--slow {slow}: give a rate in bytes per second, at least 1.")
        given["slow"] = slow
    fault_rate = getattr(args, "fault_rate", None)
    if fault_rate is not None:
        if not 0.0 <= fault_rate <= 1.0:  # also refuses nan
            raise InvalidInput(f"--fault-rate {fault_rate}: a probability is from 0 to 1.")
        given["fault_rate"] = fault_rate
    api_delay = getattr(args, "api_delay", None)
    if api_delay is not None:
        if not 0.0 <= api_delay <= 600.0:  # also refuses nan
            raise InvalidInput(f"--api-delay {api_delay}: give seconds from 0 to 600.")
        given["api_delay"] = api_delay
    api_fault_rate = getattr(args, "api_fault_rate", None)
    if api_fault_rate is not None:
        if not 0.0 <= api_fault_rate <= 1.0:
            raise InvalidInput(f"--api-fault-rate {api_fault_rate}: a probability is from 0 to 1.")
        given["api_fault_rate"] = api_fault_rate
    return given


def usable_data_dir(path: Path) -> Path:
    """``path`` (created if needed) or InvalidInput saying why it cannot hold the sandbox's data."""
    path = path.expanduser()
    try:
        make_private_dir(path)  # it will hold the robot's secret (sandbox.json)
    except OSError as exc:
        raise InvalidInput(cannot_create("--data-dir", path, exc)) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InvalidInput(f"--data-dir {path}: not writable.")
    return path


@contextlib.contextmanager
def said_as_input_errors() -> Iterator[None]:
    """A sandbox that cannot start because of what was given (its data dir, its address): one clear line."""
    from gterm.sandbox.data_dir_lock import DataDirInUse
    from gterm.sandbox.server import CannotListen

    try:
        yield
    except DataDirInUse as exc:
        raise InvalidInput(str(exc)) from None
    except CannotListen as exc:
        what = "another --port (0 picks a free one)" if exc.in_use else "an address of this machine as --host"
        raise InvalidInput(f"{exc} Give {what}.") from None


def cmd_sandbox(args: argparse.Namespace) -> int:
    """``gterm sandbox serve`` (argparse allows no other subcommand: it is required)."""
    from gterm.sandbox.server import serve_forever
    from gterm.sandbox.state import SandboxConfig

    options = checked_sandbox_options(args)
    config = SandboxConfig(data_dir=usable_data_dir(args.data_dir or data_dir() / "sandbox"), host=args.host, **options)
    config.auto_approve = bool(args.auto_approve)
    config.tls = not args.http
    with said_as_input_errors():
        serve_forever(config)
    return EXIT_OK

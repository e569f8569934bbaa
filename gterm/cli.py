"""The `gterm` command: the TUI, the demo, login/logout/whoami and the sandbox server.

This module is the composition root: it reads the settings, builds the
session and hands everything to the TUI; `gterm demo` (which starts the
sandbox first) and `gterm sandbox serve` are in gterm.sandbox_commands.
Textual and the sandbox are imported only by the commands that need them, so
`gterm login` and `gterm whoami` start fast. Every failure ends as one line on
stderr and a non-zero exit status, never a traceback (with `--debug` the
traceback goes to the redacted log file).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gterm.collector import end_startup_pause, paused_until_first_frame
from gterm.config import TOKEN_STORES, AmbiguousSettings, ConfigError, GtermConfig, debug_log_path, default_demo_dir
from gterm.globus.errors import ForbiddenTokenFile, GtermError, KeyringUnavailable, SessionExpired, UnreadableSession
from gterm.logging_setup import say_warnings, setup_debug_log
from gterm.redaction import redact

if TYPE_CHECKING:
    import globus_sdk

    from gterm.globus.head_start import HeadStart, Location
    from gterm.globus.models import Identity
    from gterm.globus.session import GtermSession
    from gterm.globus.transfer import TransferService
    from gterm.tui.app import GtermApp

log = logging.getLogger("gterm.cli")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DEMO_LOGIN_TIMEOUT = 30.0
FIRST_FRAME_WAIT = 2.0  # seconds Globus work waits for the first frame, at most (never a deadlock)
LOCAL_SERVER_TIMEOUT = 15 * 60.0


# --- argument parsing ---------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted both before and after the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help=f"write a debug log with tokens redacted (to {debug_log_path()})",
    )
    parser.add_argument(
        "--token-store",
        choices=TOKEN_STORES,
        default=default,
        help="where to keep tokens: the OS keyring (default) or, only if you opt in, a 0600 plaintext file",
    )


def _sandbox_behaviour(parser: argparse.ArgumentParser) -> None:
    """Options that make the sandbox slow or failing (``sandbox serve`` and ``demo``)."""
    parser.add_argument("--slow", type=int, metavar="BYTES_PER_SECOND", help="cap each task's copy rate")
    parser.add_argument("--fault-rate", type=float, metavar="P", help="probability (0-1) of a transient file error")
    parser.add_argument("--api-delay", type=float, metavar="SECONDS", help="make every API answer wait this long")
    parser.add_argument("--api-fault-rate", type=float, metavar="P",
                        help="probability (0-1) that an API request is answered 503 (sign-in excepted)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gterm",
        description="A terminal file manager for Globus: two panes, live tasks, keyboard first.",
    )
    _common(parser, suppress=False)
    where = "COLLECTION_ID[:PATH], bookmark:NAME or local:PATH"
    parser.add_argument("--left", metavar="LOC", help=f"left pane location: {where}")
    parser.add_argument("--right", metavar="LOC", help=f"right pane location: {where}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    login = sub.add_parser("login", help="log in to Globus and keep the session in the OS keyring")
    _common(login, suppress=True)
    login.add_argument(
        "--no-local-server",
        action="store_true",
        help="print the login URL and ask for the code (for SSH sessions or machines without a browser)",
    )
    login.add_argument("--force", action="store_true", help="log in again even if a session is stored")

    logout = sub.add_parser("logout", help="revoke the stored tokens at Globus Auth and remove them")
    _common(logout, suppress=True)

    whoami = sub.add_parser("whoami", help="show the identity gterm is logged in as")
    _common(whoami, suppress=True)
    whoami.add_argument("--linked-identities", action="store_true", help="also list the linked identities")

    demo = sub.add_parser("demo", help="start a local sandbox, sign in automatically and open gterm on it")
    _common(demo, suppress=True)
    demo.add_argument("--data-dir", type=Path, help=f"sandbox data dir (default: {default_demo_dir()})")
    demo.add_argument("--left", metavar="LOC", default=argparse.SUPPRESS, help="left pane location")
    demo.add_argument("--right", metavar="LOC", default=argparse.SUPPRESS, help="right pane location")
    _sandbox_behaviour(demo)

    sandbox = sub.add_parser("sandbox", help="the local Globus-compatible sandbox service")
    # Required: `gterm sandbox` alone is a usage error (status 2, usage on stderr), not a success.
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND", required=True)
    serve = sandbox_sub.add_parser("serve", help="serve the sandbox until Ctrl-C (prints export lines)")
    _common(serve, suppress=True)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument("--data-dir", type=Path, help="state and collection files (default: the gterm data dir)")
    serve.add_argument("--auto-approve", action="store_true", help="approve every login at once as the first identity")
    serve.add_argument("--access-token-lifetime", type=int, metavar="SECONDS", help="access token lifetime")
    _sandbox_behaviour(serve)
    serve.add_argument(
        "--http",
        action="store_true",
        help="serve plain http instead of HTTPS with the sandbox's CA (debugging; GCS clients need https)",
    )
    return parser


# --- small pieces ----------------------------------------------------------------------


def _error(message: str, stream: TextIO | None = None) -> None:
    print(f"gterm: {redact(message)}", file=stream or sys.stderr)


def _load_config(args: argparse.Namespace) -> GtermConfig:
    config = GtermConfig.load()
    if getattr(args, "token_store", None):
        config.token_store = args.token_store
    return config


def make_session(config: GtermConfig, **kwargs: object) -> GtermSession:
    from gterm.globus.session import GtermSession

    # Its notices (where tokens are kept) are said when a login stores tokens, not on every command.
    return GtermSession(config, **kwargs)  # type: ignore[arg-type]  # GtermSession's own keywords, passed through


def tell_unsaved_to(session: GtermSession, tell: Callable[[str], None]) -> None:
    """Who hears that a person's keyring refused tokens (kept in memory) and took them later; by default
    each is a warning line (``gterm: ...``). A robot's store is in memory, made on first use: nothing to hear."""
    if session.mode != "user":
        return
    from gterm.globus.tokens import keyring_store

    store = keyring_store(session.token_storage)
    if store is not None:  # the token file's refusals stop the command
        store.report_unsaved_to(tell)


class HeldUntilShown:
    """What is said before the screen can show it, held, then said to it (``show``) in order; later, straight.

    The start-up listings leave before the UI exists (build_tui): a refresh they make may meet a locked
    keyring then, and its one notice must reach the screen, not a log line nobody sees.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # workers' threads say; the app's thread starts showing
        self._held: list[str] = []
        self._show: Callable[[str], None] | None = None

    def __call__(self, message: str) -> None:
        with self._lock:
            show = self._show
            if show is None:
                self._held.append(message)
                return
        show(message)

    def show_on(self, show: Callable[[str], None]) -> None:
        with self._lock:  # held ones first: a message said meanwhile waits for the lock, then comes after
            self._show = show
            for message in self._held:
                show(message)
            self._held.clear()


def announce_storage(session: GtermSession, err: TextIO | None = None) -> None:
    """Say where the new tokens are kept (the plaintext-file notice): once, right after a login."""
    for notice in session.notices:
        print(f"gterm: {notice}", file=err or sys.stderr)
    session.notices.clear()


def run_cli_login(
    session: GtermSession,
    required_scopes: list[str] | None = None,
    *,
    no_local_server: bool = False,
    out: TextIO | None = None,
    read_code: Callable[[str], str] | None = None,
) -> None:
    """Drive one login on the terminal (local redirect server, copy-paste, or automatic); then say
    where the tokens are kept, if that needs saying."""
    _drive_login(session, required_scopes, no_local_server=no_local_server, out=out, read_code=read_code)
    announce_storage(session)


def _drive_login(
    session: GtermSession,
    required_scopes: list[str] | None,
    *,
    no_local_server: bool,
    out: TextIO | None,
    read_code: Callable[[str], str] | None,
) -> None:
    out = out or sys.stdout
    read_code = read_code or input  # looked up now, so tests can patch builtins.input
    challenge = session.start_login(required_scopes, local_server=False if no_local_server else None)
    try:
        if challenge.mode in ("auto-approve", "client-credentials"):
            if not challenge.try_automatic(DEMO_LOGIN_TIMEOUT):
                raise GtermError("Automatic sign-in did not complete.")
            return
        if challenge.mode == "local-server":
            print("Log in to Globus in the browser window that opens. If none opens, visit:", file=out)
            print(challenge.url, file=out)
            print(
                "Waiting for the login to finish (Ctrl-C to cancel; `gterm login --no-local-server` to paste a code).",
                file=out,
            )
            out.flush()
            if not challenge.try_automatic(LOCAL_SERVER_TIMEOUT):
                raise GtermError("Timed out waiting for the browser login; try `gterm login --no-local-server`.")
            return
        print("Log in to Globus at this URL, then copy the code shown at the end:", file=out)
        print(challenge.url, file=out)
        out.flush()
        try:
            code = read_code("Enter the code: ")
        except EOFError:
            raise GtermError(
                "No code was entered (input closed); run `gterm login` in an interactive terminal."
            ) from None
        challenge.complete_with_code(code)
    finally:
        challenge.close()


def describe(identities: list[Identity]) -> str:
    """The signed-in identity as the commands name it: username (name)."""
    primary = identities[0]
    name = f" ({primary.name})" if primary.name else ""
    return f"{primary.username}{name}"


# --- commands ----------------------------------------------------------------------------


def _what_was_removed(damaged: UnreadableSession) -> str:
    """Which unreadable tokens login or logout removed: the whole file, or only this session's entry in it."""
    if isinstance(damaged, ForbiddenTokenFile):
        return f"The token file {damaged.path} could not be read ({damaged.reason}); removed it."
    if damaged.session is None:
        return (f"The token file {damaged.path} was unreadable (the file was damaged); removed the whole file "
                "(every session stored in it).")
    return (f"The stored session for {damaged.session} in {damaged.path} was unreadable (its entry was damaged); "
            "removed it. The file's other sessions were kept.")


def cmd_login(args: argparse.Namespace) -> int:
    config = _load_config(args)
    session = make_session(config)
    try:
        if session.mode == "client":
            session.check_client_credentials()  # a refused secret ends here with one clear line
            print(
                "gterm uses client credentials (GTERM_CLIENT_ID / GTERM_CLIENT_SECRET) and Globus Auth "
                "accepts them; no login is needed."
            )
            return EXIT_OK
        damaged = session.discard_unreadable_session(replace_forbidden=True)  # logging in writes a new file
        if damaged:
            print(f"{_what_was_removed(damaged)} Logging in afresh.")
        if not args.force and not session.login_required():
            try:
                who = session.whoami()
                print(f"Already logged in as {describe(who)}; tokens are in {session.storage_description}.")
                print("Use `gterm login --force` to log in again.")
                return EXIT_OK
            except SessionExpired:
                pass  # stored but dead: log in again below
        tell_unsaved_to(session, lambda message: None)  # said below as the command's error
        run_cli_login(session, no_local_server=args.no_local_server)
        from gterm.globus.tokens import KEYRING_FIX, keyring_store

        store = keyring_store(session.token_storage)
        if store is not None:
            store.write_unsaved()  # once more before deciding: the keyring may take them now
            if store.unsaved:  # a login kept only until this command ends is none
                store.discard_unsaved()  # else the session's close would write it at its last try, against the error
                raise KeyringUnavailable(
                    "Signed in, but the OS keyring refused to store the tokens, so the sign-in is not kept. "
                    f"{KEYRING_FIX}"
                )
        who = session.whoami()
        print(f"Logged in as {describe(who)}. Tokens are stored in {session.storage_description}.")
        return EXIT_OK
    finally:
        session.close()


def cmd_logout(args: argparse.Namespace) -> int:
    config = _load_config(args)
    session = make_session(config)
    try:
        if session.mode == "client":
            print(
                "gterm uses client credentials (GTERM_CLIENT_ID / GTERM_CLIENT_SECRET) and stores no tokens, "
                "so there is nothing to revoke or remove. Unset those variables to stop using them."
            )
            return EXIT_OK
        damaged = session.discard_unreadable_session()
        if damaged:
            # Nothing in it could be read, so nothing could be revoked: say so rather than pretend.
            print(f"{_what_was_removed(damaged)} No token in it could be revoked at Globus Auth.")
            return EXIT_OK
        report = session.logout()
        for line in report.lines():
            print(line)
        return EXIT_OK if report.complete else EXIT_ERROR  # a keyring that kept the entries: not signed out
    finally:
        session.close()


def cmd_whoami(args: argparse.Namespace) -> int:
    config = _load_config(args)
    session = make_session(config)
    try:
        if session.mode == "user" and not session.has_tokens():
            _error("not logged in; run `gterm login`.")
            return EXIT_ERROR
        identities = session.whoami(linked_identities=args.linked_identities)
        primary, linked = identities[0], identities[1:]
        print(f"{primary.username}\t{primary.name}\t{primary.id}")
        if args.linked_identities:
            for identity in linked:
                print(f"{identity.username}\t{identity.name}\t{identity.id}")
        return EXIT_OK
    finally:
        session.close()


def start_listings_early(
    service: TransferService, locations: Sequence[Location], answers: HeadStart | None = None
) -> None:
    """Start listing the panes' start-up ``locations`` now, on background threads.

    Importing the UI and drawing the first screen take most of a second;
    the service (and the network) can work on the listings meanwhile, and
    each pane's first load picks its answer up (TransferService.start_listing_early).
    With ``answers``, a helper process makes those calls (gterm.globus.head_start).
    """
    for collection_id, path, orderby in locations:
        service.start_listing_early(collection_id, path, orderby=orderby, answers=answers)


def build_tui(
    session: GtermSession,
    config: GtermConfig,
    left: str | None,
    right: str | None,
    *,
    confirm_quit_while_active: bool = False,
    startup_check: Callable[[], None] | None = None,
    head_start: HeadStart | None = None,
) -> GtermApp:
    """The app, first frame first: Globus work waits until the screen is drawn, except the start-up listings.

    Nothing on the main thread loads globus-sdk's GlobusApp or a client
    (gterm.lazy_modules). The start-up listings (each pane's collection
    document, first page and, for a big directory, the request for the rest)
    leave at once, ahead of the gate: the ``head_start`` helper process makes
    them (or, without one, their thread loads the SDK and gets the token while
    Textual loads), and the service reads, sorts and sends the directory
    meanwhile; the rest's body is decoded only after the first frame. Every
    other Transfer call of the app waits for the first frame, so it never
    competes with drawing it. ``startup_check`` runs then too.
    """
    from gterm.globus.head_start import startup_locations
    from gterm.globus.transfer import TransferService

    first_frame = threading.Event()

    def wait_for_first_frame() -> None:
        first_frame.wait(FIRST_FRAME_WAIT)

    def transfer_client() -> globus_sdk.TransferClient:
        wait_for_first_frame()
        return session.transfer_client()

    # A toast, not a warning line: the screen owns the terminal. Hooked before the start-up listings leave
    # (their refresh may meet a locked keyring), shown from the first frame on; App.notify posts a message,
    # so the worker thread whose refresh met the refusal may call it then.
    keyring_notices = HeldUntilShown()
    tell_unsaved_to(session, keyring_notices)

    def after_first_frame() -> None:
        end_startup_pause()  # tui_app and the demo pause the garbage collector for the start-up (gterm.collector)
        first_frame.set()
        keyring_notices.show_on(lambda message: app.notify(message, title="OS keyring", severity="warning", timeout=20))
        if startup_check is not None:
            startup_check()

    service = TransferService(
        transfer_client, early_client_factory=session.transfer_client, wait_for_first_frame=wait_for_first_frame
    )
    locations = head_start.locations if head_start is not None else startup_locations(config, left, right)
    start_listings_early(service, locations, head_start)
    from gterm.tui.app import GtermApp

    app = GtermApp(
        service,
        session=session,
        config=config,
        left=left,
        right=right,
        confirm_quit_while_active=confirm_quit_while_active,
        after_first_frame=after_first_frame,
    )
    return app


def run_app(app: GtermApp) -> int:
    """Run ``app`` until it ends; a start-up failure (a refused robot secret) is raised for main's one line."""
    app.run()
    if app.startup_error is not None:
        raise app.startup_error  # one line on stderr (main), as before the TUI existed
    return int(app.return_code or 0)


def run_tui(
    session: GtermSession,
    config: GtermConfig,
    left: str | None,
    right: str | None,
    *,
    confirm_quit_while_active: bool = False,
    startup_check: Callable[[], None] | None = None,
) -> int:
    return run_app(build_tui(
        session, config, left, right, confirm_quit_while_active=confirm_quit_while_active, startup_check=startup_check
    ))


@contextlib.contextmanager
def tui_app(args: argparse.Namespace) -> Iterator[GtermApp]:
    """The app ``gterm [--left LOC] [--right LOC]`` runs, built as it builds it; the session closes after.

    The settings, the head-start helper (:func:`spawn_head_start`, then
    :func:`aim_head_start`), the session (its token store opened), the sign-in
    that must come first, then :func:`build_tui`. The perf scripts (tests/perf/ls_vs_globus_cli,
    tests/perf/startup) build their app through this too, so what they time is
    what a user starts and cannot drift from it.
    """
    with paused_until_first_frame():  # start-up allocates much and frees little (gterm.collector)
        config = _load_config(args)
        # The helper starts before anything more is imported: its interpreter and the SDK load while this
        # process works out the start-up locations and opens the token store.
        head_start = spawn_head_start(config, args.left, args.right)
        try:
            head_start = aim_head_start(head_start, config, args.left, args.right)
            session = make_session(config)  # opens the token store: a missing keyring is said here
            try:
                startup_check: Callable[[], None] | None = None
                if session.mode == "client":
                    # A refused secret ends gterm with one line, not a login screen that cannot work
                    # in client-credentials mode; checked just after the first frame is drawn.
                    startup_check = session.check_client_credentials
                elif not session.has_tokens():
                    # No session at all: log in on the terminal first. Stored tokens that turn out
                    # expired or short of a consent are handled in the app (its sign-in screen).
                    print("You are not logged in to Globus yet.")
                    run_cli_login(session)
                if head_start is not None and not session.client_credentials:
                    token = session.stored_transfer_token()
                    if token is None:  # near expiry: the app's own calls refresh it (the helper never does)
                        head_start.close()
                        head_start = None
                    else:
                        head_start.hand_over(token)
                yield build_tui(
                    session, config, args.left, args.right, startup_check=startup_check, head_start=head_start
                )
            finally:
                session.close()
        finally:
            if head_start is not None:
                head_start.close()


def spawn_head_start(config: GtermConfig, left: str | None, right: str | None) -> HeadStart | None:
    """The helper process that makes the start-up listings' calls (gterm.globus.head_start), if it can help.

    Started as soon as the settings are read, before the start-up locations
    are worked out (that imports the listing code): :func:`aim_head_start`
    then gives it its locations, or closes it (a bookmark or a local
    directory needs no helper). Not with one CPU (it would compete for it),
    with ``GTERM_HEAD_START=0``, or with no start-up location at all (a first
    run: the screen picks one).
    """
    if os.environ.get("GTERM_HEAD_START") == "0":
        return None
    from gterm.globus import head_start

    if not any(config.startup_texts(left, right)) or not head_start.available():
        return None
    return head_start.HeadStart.spawn()


def aim_head_start(
    started: HeadStart | None, config: GtermConfig, left: str | None, right: str | None
) -> HeadStart | None:
    """The spawned helper aimed at the panes' start-up locations; None (closed) when there is none to list.

    A robot's helper is handed over at once (it makes its own grant); a
    person's waits for the session's stored Transfer token as it is, so the
    helper opens no token store (no second keyring prompt) and refreshes
    nothing; a person whose stored token needs a refresh first gets none (the
    helper is closed; the app's own calls refresh it).
    """
    if started is None:
        return None
    from gterm.globus.head_start import startup_locations

    locations = startup_locations(config, left, right)
    if not locations:
        started.close()
        return None
    started.aim(locations)
    if config.uses_client_credentials:
        started.hand_over(None)
    return started


def cmd_tui(args: argparse.Namespace) -> int:
    with tui_app(args) as app:
        return run_app(app)


# --- entry point ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    say_warnings()
    if getattr(args, "debug", False):
        try:
            path = setup_debug_log(debug_log_path())
            print(f"gterm: debug log (tokens redacted): {path}", file=sys.stderr)
        except OSError as exc:  # a read-only or full data dir: the command runs without its log
            _error(f"cannot write the debug log {debug_log_path()} ({exc.strerror or exc}); going on without it.")
    try:
        command = args.command
        if command == "login":
            return cmd_login(args)
        if command == "logout":
            return cmd_logout(args)
        if command == "whoami":
            return cmd_whoami(args)
        if command == "demo":
            from gterm.sandbox_commands import cmd_demo

            return cmd_demo(args)
        if command == "sandbox":
            from gterm.sandbox_commands import cmd_sandbox

            return cmd_sandbox(args)
        return cmd_tui(args)
    except KeyboardInterrupt:
        _error("interrupted.")
        return EXIT_INTERRUPTED
    except (GtermError, ConfigError) as exc:
        log.debug("command failed", exc_info=True)
        _error(str(exc))
        return EXIT_USAGE if isinstance(exc, AmbiguousSettings) else EXIT_ERROR
    except Exception as exc:  # the last line of defence: one line, no traceback
        log.debug("unexpected error", exc_info=True)
        hint = " (run with --debug for details)" if not getattr(args, "debug", False) else ""
        _error(f"unexpected error: {type(exc).__name__}: {exc}{hint}")
        return EXIT_ERROR


"""The one place errors from worker threads go.

Every service call runs in a thread worker. When it fails, the worker hands
the exception to :func:`report` (on the event loop, via ``call_from_thread``)
and this module decides what the user sees:

- consent and session problems (``ConsentNeeded``, ``SessionExpired``,
  ``NotLoggedIn``) start the session's login flow in a ``LoginScreen`` and, once
  signed in, re-run the operation that failed;
- every other error becomes a line in the pane it belongs to (the pane keeps
  its last good listing) and a notification.

Nothing here ever shows a traceback: unexpected exceptions are summarised as
one line naming their type.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.app import App
from textual.signal import Signal

from gterm.globus.errors import SIGN_IN_ERRORS, ConsentNeeded, GtermError
from gterm.tui.safe_text import escape_controls

if TYPE_CHECKING:  # the session module loads globus-sdk: not before the first frame
    from textual.screen import Screen

    from gterm.globus.login_flows import LoginChallengeLike
    from gterm.globus.session import SessionLike

Retry = Callable[[], Any]

# A login that does not cure the error must not loop: at most this many logins per window.
MAX_LOGINS_PER_WINDOW = 3
LOGIN_WINDOW = 60.0

AUTH_ERRORS = SIGN_IN_ERRORS

NO_SESSION_HINT = "Sign-in needed, but this gterm has no interactive session: run `gterm login` and start gterm again."


class ShowsErrors(Protocol):
    """Anything that can show an error inline (a pane, the bookmark sidebar)."""

    def show_error(self, message: str) -> None: ...


@runtime_checkable
class SignsIn(Protocol):
    """An app that can sign the user in again (GtermApp, and test hosts that want re-auth)."""

    reauth: ReauthCoordinator


def describe(error: BaseException) -> str:
    """A one-line, user-facing description of ``error`` (never a traceback)."""
    if isinstance(error, GtermError):
        text = str(error)
    else:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        text = f"unexpected {type(error).__name__}" + (f": {detail}" if detail else "")
    text = escape_controls(text)  # server text may carry names with ESC and friends
    return text if len(text) <= 300 else text[:297] + "..."


def deliver(app: App[Any], callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``callback(*args, **kwargs)`` on the event loop from a worker thread.

    When the app is already shutting down there is nobody to tell, so the
    result is dropped instead of raising in the worker.
    """
    with contextlib.suppress(RuntimeError):
        app.call_from_thread(callback, *args, **kwargs)


def report(
    app: App[Any],
    error: BaseException,
    *,
    context: str,
    target: ShowsErrors | None = None,
    retry: Retry | None = None,
) -> None:
    """Show ``error`` to the user; for sign-in problems, sign in and ``retry``.

    Must run on the event loop (use :func:`deliver` from a thread).
    """
    if isinstance(error, AUTH_ERRORS) and isinstance(app, SignsIn):
        app.reauth.request(error, retry=retry, context=context, target=target)
        return
    message = f"{escape_controls(context)}: {describe(error)}"
    if isinstance(error, AUTH_ERRORS):  # an app that cannot sign in: say what would help
        message = f"{message}. {NO_SESSION_HINT}"
    if target is not None:
        target.show_error(message)
    app.notify(message, title="Error", severity="error")


def back_with_error(asked_from: Screen[Any], error: BaseException, ask_again: Callable[[str], object]) -> bool:
    """Bring back the prompt whose call failed, with why (nothing typed is lost); True when it came back.

    Not for a sign-in (the call runs again after it), and only over the screen that asked: a prompt
    never comes up over a screen the user has opened meanwhile."""
    if isinstance(error, AUTH_ERRORS) or asked_from.app.screen is not asked_from:
        return False
    ask_again(describe(error))
    return True


def ask_again_or_report(
    asked_from: Screen[Any], error: BaseException, ask_again: Callable[[str], object], *, context: str,
    target: ShowsErrors | None = None,
) -> None:
    """The prompt comes back with why (:func:`back_with_error`); where it cannot, ``target`` and a notice say it."""
    if not back_with_error(asked_from, error, ask_again):
        report(asked_from.app, error, context=context, target=target)


class ReauthCoordinator:
    """Runs at most one login at a time and retries every operation that waited for it.

    Two panes hitting a consent error at once must not stack two login
    screens: the second failure just queues its retry.
    """

    def __init__(
        self,
        app: App[Any],
        *,
        session: SessionLike | None = None,
    ) -> None:
        self.app = app
        self.session = session
        self.pending: list[Retry] = []
        self.active = False
        self.reason = ""
        self.done = "Signed in; retrying what failed."  # what the login that ends says (set as it starts)
        self.recent_logins: list[float] = []
        # Published after every sign-in that worked: what stopped for want of one (the task panel's
        # polling, when the sign-in it asked for was cancelled) starts again with any later one.
        self.signed_in: Signal[None] = Signal(app, "signed-in")

    def _give_up(self, target: ShowsErrors | None, why: str, context: str, title: str) -> None:
        """No login will help: drop the waiting retries and say why where it failed and in a notice."""
        self.pending.clear()
        message = f"{escape_controls(context)}: {why}"
        if target is not None:
            target.show_error(message)
        self.app.notify(message, title=title, severity="error", timeout=15)

    def request(
        self,
        error: GtermError,
        *,
        retry: Retry | None,
        context: str,
        target: ShowsErrors | None,
    ) -> None:
        if retry is not None:
            self.pending.append(retry)
        if self.active:
            return
        now = time.monotonic()
        self.recent_logins = [t for t in self.recent_logins if now - t < LOGIN_WINDOW]
        if len(self.recent_logins) >= MAX_LOGINS_PER_WINDOW:
            # Signed in again and again, yet the service still refuses: stop asking, say so.
            self._give_up(target, f"{describe(error)} (still refused after signing in; giving up)", context, "Sign-in")
            return
        self.recent_logins.append(now)
        session = self.session
        if session is None:
            self._give_up(target, f"{describe(error)}. {NO_SESSION_HINT}", context, "Sign-in needed")
            return
        self.active = True
        why = "More consent is needed" if isinstance(error, ConsentNeeded) else "Your session has expired"
        what = f"{context[:1].lower()}{context[1:]}"
        self.reason = f"{why}. Log in again to continue ({what})."
        # Said when the login is done, with what it was for (in the demo it needs no keys, so it came unasked).
        # ``what`` is named as what failed, in brackets as in the reason: contexts are headings ("Download")
        # or sentences ("Cannot open /~/"), and "Consent given for cannot open /~/" read wrong.
        done = "Consent given" if isinstance(error, ConsentNeeded) else "Signed in again"
        self.done = f"{done}; retrying what failed ({what})."
        self.app.run_worker(
            lambda: self._start_login(session, error),
            thread=True,
            group="reauth",
            exit_on_error=False,
            name="start-login",
        )

    # --- thread side ------------------------------------------------------

    def _start_login(self, session: SessionLike, error: GtermError) -> None:
        try:
            # A consent login asks for the scopes and passes the service's session message on to Globus Auth.
            challenge = session.handle_consent(error) if isinstance(error, ConsentNeeded) else session.start_login()
        except Exception as exc:  # noqa: BLE001 - routed to the user below
            deliver(self.app, self._failed, exc)
            return
        deliver(self.app, self._show_login, challenge)

    # --- event loop side -------------------------------------------------

    def _show_login(self, challenge: LoginChallengeLike) -> None:
        try:
            from gterm.tui.screens.login import LoginScreen
        except ImportError:  # the session helper's screen is not there: say so, do not crash
            self._failed(RuntimeError("the login screen is not available in this build"))
            return
        self.app.push_screen(
            LoginScreen(challenge, reason=self.reason), callback=lambda ok: self._finished(bool(ok))
        )

    def _failed(self, error: BaseException) -> None:
        self.active = False
        self.pending.clear()
        self.app.notify(f"Sign-in failed: {describe(error)}", title="Sign-in", severity="error")

    def _finished(self, ok: bool) -> None:
        self.active = False
        retries, self.pending = self.pending, []
        if not ok:
            self.app.notify("Sign-in cancelled; the operation was not retried.", title="Sign-in", severity="warning")
            return
        self.app.notify(self.done, title="Sign-in")
        for retry in retries:
            try:
                retry()
            except Exception as exc:  # noqa: BLE001
                report(self.app, exc, context="Retry")
        self.signed_in.publish(None)

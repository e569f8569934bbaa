"""Login flows gterm drives itself: the authorize URL now, the code later.

A ``LoginChallenge`` is one login in progress. The CLI and the TUI show its
URL and either wait for ``try_automatic`` (a redirect to a local server on
127.0.0.1, or, against a sandbox with auto-approve, following the authorize
URL directly) or pass a pasted code to ``complete_with_code``. The resulting
token response goes back to the session (``LoginSink``), which stores it
through the SDK's GlobusApp. Nothing here prompts on a terminal or touches
the event loop, so both front ends can drive it from any thread.
"""

from __future__ import annotations

import http.server
import logging
import os
import queue
import socket
import sys
import threading
import urllib.parse
import webbrowser
from typing import TYPE_CHECKING, Any, Literal, Protocol

from globus_sdk.gare import GlobusAuthorizationParameters
from globus_sdk.login_flows import LoginFlowManager

from gterm.config import APP_NAME
from gterm.globus.error_mapping import auth_call, network_error
from gterm.globus.errors import GtermError, NotLoggedIn, SessionExpired

if TYPE_CHECKING:
    import globus_sdk

log = logging.getLogger(__name__)

_TEXT_BROWSERS = {"lynx", "www-browser", "links", "elinks", "w3m"}

LoginMode = Literal["local-server", "copy-paste", "auto-approve", "client-credentials"]


class LoginSink(Protocol):
    """Where a completed login goes (``GtermSession``)."""

    def _store_login(self, response: globus_sdk.OAuthTokenResponse, extra: list[str]) -> None: ...

    def _store_client_credentials(self, extra: list[str]) -> None: ...


# --- the interface the TUI depends on -------------------------------------------


class LoginChallengeLike(Protocol):
    """What the LoginScreen needs from a challenge."""

    url: str
    mode: LoginMode

    @property
    def instructions(self) -> str: ...

    def try_automatic(self, timeout: float) -> bool: ...

    def complete_with_code(self, code: str) -> None: ...

    def cancel(self) -> None: ...


def is_remote_session() -> bool:
    return bool(os.environ.get("SSH_TTY") or os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT"))


def can_open_browser() -> bool:
    """Whether a login can use a browser on this machine (the globus-cli heuristics).

    Not over SSH; on Linux/BSD only with a display; and never a text browser
    (it would seize the terminal and cannot complete a Globus login anyway).
    """
    if is_remote_session():
        return False
    if sys.platform not in ("darwin", "win32") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    name = getattr(browser, "name", None) or getattr(browser, "_name", "") or ""
    return name not in _TEXT_BROWSERS


def prefill_name() -> str:
    """The name Globus shows for this login's consent ("gterm on laptop")."""
    host = socket.gethostname().split(".")[0]
    return f"{APP_NAME} on {host}" if host else APP_NAME


# --- the local redirect server ------------------------------------------------------


class RedirectServer(http.server.HTTPServer):
    """Receives the browser's redirect on 127.0.0.1:<random port> and queues the code."""

    def __init__(self, state: str) -> None:
        super().__init__(("127.0.0.1", 0), RedirectHandler)
        self.state = state
        self.codes: queue.Queue[str | GtermError | None] = queue.Queue()
        self._thread = threading.Thread(target=self.serve_forever, name="gterm-login-redirect", daemon=True)
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def stop(self) -> None:
        self.codes.put(None)  # wakes a waiting try_automatic
        self.shutdown()
        self.server_close()


class RedirectHandler(http.server.BaseHTTPRequestHandler):
    server: RedirectServer

    def do_GET(self) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
        result: str | GtermError
        if query.get("state") != self.server.state:
            # Not the redirect of our login (a stale tab, or a forged request): ignore it.
            self.send_response(400)
            self.end_headers()
            return
        if "code" in query:
            body, result = "Login successful. You can close this window and return to gterm.", query["code"]
        elif "error" in query:
            reason = query.get("error_description") or query["error"]
            body, result = f"Login failed: {reason}", GtermError(f"Login failed: {reason}")
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode("utf-8"))
        self.server.codes.put(result)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # Never stderr (it would draw over the TUI); the debug log redacts the code.
        log.debug("login redirect: " + format, *args)


# --- the login challenge -------------------------------------------------------------


class LoginChallenge:
    """One login in progress: an authorize URL now, tokens once a code arrives.

    ``try_automatic`` (blocking; run it in a thread) gets the code without the
    user typing it: from the local redirect server, or, against a sandbox with
    auto-approve, by following the authorize URL itself (what a browser would
    do). ``complete_with_code`` takes a pasted code. Either path completes the
    login once; later calls are no-ops.
    """

    def __init__(
        self,
        session: LoginSink,
        *,
        mode: LoginMode,
        url: str,
        login_client: globus_sdk.AuthLoginClient | None,
        required_scopes: list[str],
        redirect_uri: str = "",
        server: RedirectServer | None = None,
        open_browser: bool = False,
    ) -> None:
        self.mode: LoginMode = mode
        self.url = url
        self.redirect_uri = redirect_uri
        self.required_scopes = list(required_scopes)
        self._session = session
        self._login_client = login_client
        self._server = server
        self._open_browser = open_browser
        self._complete_lock = threading.Lock()
        self.done = False
        self.cancelled = False

    # The prompt line the CLI and the TUI show next to the URL.
    @property
    def instructions(self) -> str:
        if self.mode == "local-server":
            return "Log in to Globus in your browser (opened for you, or open this URL); gterm continues by itself:"
        if self.mode == "copy-paste":
            return "Open this URL in a browser, log in, then paste the code shown at the end:"
        return "Signing in automatically..."

    def try_automatic(self, timeout: float) -> bool:
        """Try to finish without typing; True once signed in, False if the user must paste a code."""
        if self.done:
            return True
        if self.cancelled:
            return False
        if self.mode == "client-credentials":
            self._session._store_client_credentials(self.required_scopes)
            self.done = True
            return True
        if self.mode == "auto-approve":
            code = self._follow_authorize_url(timeout)
            self.complete_with_code(code)
            return True
        if self.mode == "local-server" and self._server is not None:
            if self._open_browser:
                try:
                    webbrowser.open(self.url, new=1)
                except webbrowser.Error:
                    log.debug("could not open a browser")
            try:
                result = self._server.codes.get(timeout=timeout)
            except queue.Empty:
                return self.done
            if result is None:  # cancelled or completed by a pasted code
                return self.done
            if isinstance(result, GtermError):
                raise result
            self.complete_with_code(result)
            return True
        return False

    def complete_with_code(self, code: str) -> None:
        """Exchange the authorization code and store the tokens; GtermError with a clear message if refused."""
        code = code.strip()
        if not code:
            raise GtermError("Enter the code shown after logging in.")
        with self._complete_lock:
            if self.done:
                return
            if self._login_client is None:
                raise GtermError("This login does not take a code.")
            try:
                with auth_call("exchanging the code"):
                    response = self._login_client.oauth2_exchange_code_for_tokens(code)
            except SessionExpired:  # Auth's 4xx to a code: the code, not a session, is at fault
                raise GtermError(
                    "That code was not accepted (it may be mistyped, expired or already used). Start the login again."
                ) from None
            self._session._store_login(response, self.required_scopes)
            self.done = True
        self.close()

    def cancel(self) -> None:
        self.cancelled = True
        self.close()

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def _follow_authorize_url(self, timeout: float) -> str:
        """GET the authorize URL and follow redirects until one carries our code (auto-approve)."""
        import requests

        url = self.url
        with requests.Session() as http:
            for _ in range(5):
                try:
                    response = http.get(url, allow_redirects=False, timeout=timeout)
                except requests.RequestException as exc:
                    raise network_error(exc, "Globus Auth") from None
                location = response.headers.get("Location")
                if response.status_code not in (301, 302, 303, 307, 308) or not location:
                    raise GtermError(
                        "Automatic sign-in is not available here (Auth asked for an interactive login)."
                    )
                location = urllib.parse.urljoin(url, location)
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))
                if location.startswith(self.redirect_uri):
                    if "code" in query:
                        return query["code"]
                    reason = query.get("error_description") or query.get("error") or "no code"
                    raise GtermError(f"Login failed: {reason}")
                url = location
        raise GtermError("Automatic sign-in failed: too many redirects.")


class HandOverFlowManager(LoginFlowManager):
    """Hands a token response obtained by a ``LoginChallenge`` to the app.

    ``GlobusApp.login`` runs its flow manager and then stores the result with
    full validation and a cache reset; this manager's "flow" is returning the
    response gterm already has. It never prompts: with nothing pending it fails.
    """

    def __init__(self, login_client: globus_sdk.AuthLoginClient, nothing_pending: str) -> None:
        super().__init__(login_client, request_refresh_tokens=True)
        self.pending: globus_sdk.OAuthTokenResponse | None = None
        self._nothing_pending = nothing_pending  # what NotLoggedIn says when there is no response to hand over

    def run_login_flow(self, auth_parameters: GlobusAuthorizationParameters) -> globus_sdk.OAuthTokenResponse:
        response, self.pending = self.pending, None
        if response is None:
            raise NotLoggedIn(self._nothing_pending)
        return response

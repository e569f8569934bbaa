"""The in-app login: show the authorize URL, take the code, or finish on its own.

A ``LoginChallenge`` (from ``GtermSession.start_login``) does the work; this
screen only shows it. While the user reads the URL, ``try_automatic`` runs in
a thread worker (local redirect server, or auto-approve in the demo) and a
pasted code is exchanged in another; whichever completes first dismisses the
screen with ``True``. Nothing here blocks the event loop, and the URL is shown
as literal text (a URL full of ``[`` and ``&`` must never be read as markup).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from gterm.globus.errors import GtermError
from gterm.tui.keymap import LOGIN_BINDINGS
from gterm.tui.screens.modal import GtermModal
from gterm.tui.worker_errors import deliver

if TYPE_CHECKING:
    from gterm.globus.login_flows import LoginChallengeLike

AUTOMATIC_TIMEOUT = 15 * 60.0
CLIENT_CREDENTIALS_TEXT = (
    "gterm signs in with the client credentials (GTERM_CLIENT_ID / GTERM_CLIENT_SECRET); "
    "there is no browser login or code in this mode."
)


class LoginScreen(GtermModal[bool]):
    """Modal sign-in: dismisses ``True`` once tokens are stored, ``False`` if cancelled."""

    DEFAULT_CSS = """
    LoginScreen > .modal-frame {
        width: 90%;
        max-width: 110;
        padding: 1 2;
    }
    LoginScreen #login-title {
        margin-bottom: 1;
    }
    LoginScreen #login-url {
        color: $text-accent;
        margin: 1 0;
        width: 1fr;
    }
    LoginScreen #login-status {
        height: auto;
        margin-top: 1;
    }
    LoginScreen #login-status.-error {
        color: $text-error;
    }
    LoginScreen #login-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    LoginScreen #login-buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [*LOGIN_BINDINGS]
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {
        **GtermModal.BUTTON_ACTIONS,
        "login-submit": "submit_code",
        "login-copy": "copy_url",
    }
    FRAME_ID = "login-dialog"

    def __init__(
        self,
        challenge: LoginChallengeLike,
        *,
        reason: str | None = None,
        automatic_timeout: float = AUTOMATIC_TIMEOUT,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(no_result=False, name=name, id=id)
        self.challenge = challenge
        self.reason = reason
        self.automatic_timeout = automatic_timeout
        self._finished = False

    @property
    def takes_code(self) -> bool:
        """False for a client-credentials "login": there is no person, URL or code, only the secret."""
        return self.challenge.mode != "client-credentials"

    def compose_dialog(self) -> ComposeResult:
        instructions = self.challenge.instructions
        yield Label("Log in to Globus", id="login-title", classes="dialog-title")
        if self.reason:
            yield Static(Content(self.reason), id="login-reason", markup=False)
        if not self.takes_code:
            yield Static(Content(CLIENT_CREDENTIALS_TEXT), id="login-instructions", markup=False)
            yield Static("", id="login-status", markup=False)
            with Horizontal(id="login-buttons"):
                yield Button("Cancel", id="cancel")
            return
        yield Static(Content(instructions), id="login-instructions", markup=False)
        yield Static(Content(self.challenge.url), id="login-url", markup=False)
        yield Input(placeholder="authorization code", id="login-code")
        yield Static("", id="login-status", markup=False)
        with Horizontal(id="login-buttons"):
            yield Button("Copy URL", id="login-copy")
            yield Button("Log in", id="login-submit", variant="primary")
            yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        # query, not query_one: when the app quits just as this screen opens, its
        # children can be gone by the time it mounts (no traceback for that).
        for widget in self.query("#login-code" if self.takes_code else "#cancel"):
            widget.focus()
        self.wait_for_automatic()

    def on_unmount(self) -> None:
        # Wakes a try_automatic still waiting on the redirect server, so the
        # worker thread ends now instead of holding up app exit.
        if not self._finished:
            self.challenge.cancel()

    # --- workers (threads) -------------------------------------------------------------

    @work(thread=True, exclusive=True, group="login-automatic", name="login-automatic")
    def wait_for_automatic(self) -> None:
        try:
            signed_in = self.challenge.try_automatic(self.automatic_timeout)
        except GtermError as error:
            deliver(self.app, self._show_status, str(error), True)
            return
        except Exception as error:  # noqa: BLE001 - a worker must not crash the app
            deliver(self.app, self._show_status, f"Automatic login failed ({type(error).__name__}).", True)
            return
        if signed_in:
            deliver(self.app, self._signed_in)

    @work(thread=True, exclusive=True, group="login-code", name="login-code")
    def exchange_code(self, code: str) -> None:
        try:
            self.challenge.complete_with_code(code)
        except GtermError as error:
            deliver(self.app, self._show_status, str(error), True)
            return
        except Exception as error:  # noqa: BLE001 - shown in the dialog, never a traceback
            deliver(self.app, self._show_status, f"Login failed ({type(error).__name__}).", True)
            return
        deliver(self.app, self._signed_in)


    # --- event loop side ---------------------------------------------------------------

    def _show_status(self, message: str, error: bool = False) -> None:
        if self._finished or not self.is_mounted:
            return
        status = self.query_one("#login-status", Static)
        status.update(Content(message))
        status.set_class(error, "-error")

    def _signed_in(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.dismiss(True)

    def action_submit_code(self) -> None:
        if not self.takes_code:
            return
        code = self.query_one("#login-code", Input).value.strip()
        if not code:
            self._show_status("Paste the code shown after logging in.", True)
            return
        self._show_status("Checking the code...")
        self.exchange_code(code)

    @on(Input.Submitted, "#login-code")
    def _on_code_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit_code()

    def action_copy_url(self) -> None:
        if not self.takes_code:
            return
        self.app.copy_to_clipboard(self.challenge.url)
        self._show_status("URL copied to the clipboard (if your terminal allows it).")

    def action_back_out(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.challenge.cancel()
        super().action_back_out()

"""A session for tests whose sign-in is a function: the app's real consent path, without a browser.

``ConsentSession(grant)`` implements ``gterm.globus.session.SessionLike``: when
the app needs consent (or a new sign-in) its coordinator calls ``start_login``
and shows the real :class:`~gterm.tui.screens.login.LoginScreen`; that screen's
automatic attempt calls ``grant(required_scopes)``, which does what a real
login with those scopes would (give the test's clients tokens that carry the
consent) and says whether it worked. ``grant`` returning False leaves the
login screen open, as a user who has not signed in yet sees it: the test then
presses Esc, as the user would, to cancel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from gterm.globus.errors import ConsentNeeded, GtermError
from gterm.globus.https_access import AuthorizationSource
from gterm.globus.login_flows import LoginMode

Grant = Callable[[list[str]], bool]


class ConsentChallenge:
    """One sign-in: ``try_automatic`` runs the test's grant with the scopes asked for."""

    url = "https://auth.globus.org/v2/oauth2/authorize?client_id=test"
    mode: LoginMode = "auto-approve"
    instructions = "Signing in (test session)."

    def __init__(self, grant: Grant, scopes: list[str]) -> None:
        self.grant = grant
        self.scopes = scopes
        self.cancelled = threading.Event()

    def try_automatic(self, timeout: float) -> bool:
        if self.grant(self.scopes):
            return True
        self.cancelled.wait(timeout)  # like a redirect server waiting for a browser that never comes
        return False

    def complete_with_code(self, code: str) -> None:
        raise GtermError("This test session takes no codes.")

    def cancel(self) -> None:
        self.cancelled.set()


class ConsentSession:
    """A ``SessionLike`` whose logins are ``grant``; every login it started is in ``logins``."""

    def __init__(self, grant: Grant) -> None:
        self.grant = grant
        self.logins: list[ConsentChallenge] = []

    def start_login(self, required_scopes: list[str] | None = None) -> ConsentChallenge:
        challenge = ConsentChallenge(self.grant, list(required_scopes or []))
        self.logins.append(challenge)
        return challenge

    def handle_consent(self, error: ConsentNeeded) -> ConsentChallenge:
        return self.start_login(error.required_scopes)

    def https_authorizer(self, collection_id: str, *, data_access: bool) -> AuthorizationSource:
        raise GtermError("This test session has no HTTPS tokens.")

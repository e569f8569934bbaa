"""The authorizer every client of a session gets: its header and its 401 handling are the session's.

A module of its own because it subclasses globus-sdk's ``GlobusAuthorizer``:
``gterm.globus.session`` is imported before the first frame, when a robot's
session needs nothing from the SDK; this module loads with the first client
(on a worker thread, after the frame).
"""

from __future__ import annotations

from collections.abc import Callable

from globus_sdk.authorizers import GlobusAuthorizer


class BorrowedAuthorizer(GlobusAuthorizer):
    """Asks ``header`` for each request's Authorization header and ``retry_after_401`` after a 401.

    The session behind both serializes them under its lock (its GlobusApp is
    not thread safe) and turns token errors into gterm errors.
    """

    def __init__(self, header: Callable[[], str | None], retry_after_401: Callable[[], bool]) -> None:
        self._header = header
        self._retry_after_401 = retry_after_401

    def get_authorization_header(self) -> str | None:
        return self._header()

    def handle_missing_authorization(self) -> bool:
        return self._retry_after_401()

"""gterm's own error types.

The service layer (``gterm.globus``) turns SDK and network failures into these,
so the TUI and the CLI decide what the user sees from one small vocabulary and
never from an SDK exception. Messages are written for people and never carry a
token.
"""

from __future__ import annotations


class GtermError(Exception):
    """Base class: ``str(error)`` is a message fit to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(GtermError):
    """The collection, path, task or bookmark does not exist."""


class CollectionGone(NotFound):
    """The collection itself does not exist (deleted, or never was): Transfer's EndpointNotFound or
    EndpointDeleted, not a path missing in a collection that is there."""


class PermissionDenied(GtermError):
    """The identity may not do this here."""


class AlreadyExists(GtermError):
    """A file, directory or bookmark of that name is already there."""


class InvalidInput(GtermError):
    """The request itself is wrong (a bad path, an empty name, ...)."""


class Offline(GtermError):
    """The service could not be reached: network down, DNS, timeout."""


class ServiceError(GtermError):
    """The service answered with an error gterm has no better name for."""

    def __init__(self, message: str, *, code: str = "", http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class ConsentNeeded(GtermError):
    """The user must consent to more scopes (e.g. a collection's data_access) and retry."""

    def __init__(self, message: str, *, required_scopes: list[str], session_message: str | None = None) -> None:
        super().__init__(message)
        self.required_scopes = list(required_scopes)
        self.session_message = session_message


class SessionExpired(GtermError):
    """The refresh token is revoked or expired: the user must log in again."""


class NotLoggedIn(GtermError):
    """No stored session; run `gterm login`."""


class UnreadableSession(GtermError):
    """The token file, or this session's part of it, cannot be read (damaged, truncated): logout removes it,
    login replaces it.

    ``session`` names the session whose entry is damaged (its Auth service and client id) when the file
    itself reads and holds other sessions; ``None`` when the file as a whole cannot be read.
    """

    def __init__(self, message: str, *, path: str, session: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.session = session


class ForbiddenTokenFile(UnreadableSession):
    """The token file is there but this user may not read or change it: made by another user (a
    ``sudo gterm login``), a mode without the owner's read bit, or a directory in its place.

    Its tokens (if any) may be good, so nothing removes it but ``gterm login``, which replaces it when its
    directory lets this user do so; everything else stops with the message, which names the file and the fix.
    ``reason`` is the system's word for the refusal (``Permission denied``).
    """

    def __init__(self, message: str, *, path: str, reason: str) -> None:
        super().__init__(message, path=path)
        self.reason = reason


class ClockSkew(GtermError):
    """A sign-in's id token is dated outside this computer's clock (beyond the SDK's 5 minutes of leeway):
    the clock is wrong, and no login works until it is set right."""


class KeyringUnavailable(GtermError):
    """No usable OS keyring backend and no opt-in to the plaintext file store, or the keyring refused a read
    or a write (locked, its Secret Service gone): ``reason`` is the keyring's word for it (``KeyringLocked``)."""

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


#: The failures a sign-in (or a consent) cures: the call is worth making again only after one.
SIGN_IN_ERRORS: tuple[type[GtermError], ...] = (ConsentNeeded, SessionExpired, NotLoggedIn)


def is_retryable(error: BaseException) -> bool:
    """A failure after which the same request may be sent again (the network, or the service's 5xx):
    not one the same request would meet again."""
    if isinstance(error, Offline):
        return True
    return isinstance(error, ServiceError) and error.http_status is not None and error.http_status >= 500

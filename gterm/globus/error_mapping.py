"""Turn globus-sdk and network exceptions into gterm's small error vocabulary.

Every TransferService method runs inside :func:`translate_errors` (a decorator
and a context manager), so callers only ever see ``gterm.globus.errors`` types
for service, network and session failures. Programming errors (TypeError,
GlobusSDKUsageError, ...) are not translated: they are bugs, not conditions.

Messages are built from the server's ``code`` and ``message`` fields only,
never from ``str(sdk_error)`` (which carries the URL and request details), and
they pass through :func:`redact` so that nothing resembling a token or an
Authorization header ever reaches the user or a log.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from types import TracebackType
from typing import Any, Literal

import requests
from globus_sdk import GlobusAPIError, GlobusError, GlobusSDKUsageError
from globus_sdk import gare as sdk_gare
from globus_sdk.exc import NetworkError
from globus_sdk.exc.convert import GlobusTimeoutError
from globus_sdk.token_storage.validating_token_storage import (
    MissingTokenError,
    TokenValidationError,
    UnmetScopeRequirementsError,
)

from gterm.globus.errors import (
    AlreadyExists,
    ConsentNeeded,
    GtermError,
    InvalidInput,
    NotFound,
    Offline,
    PermissionDenied,
    ServiceError,
    SessionExpired,
)
from gterm.redaction import redact

MAX_MESSAGE_LENGTH = 300

SESSION_EXPIRED_MESSAGE = "Your Globus session has expired or was revoked; please log in again."
CONSENT_MESSAGE = "Globus needs your consent before gterm can do this; log in again to grant it."

# OAuth2 errors Globus Auth answers to a refresh that can never work again.
_DEAD_GRANT_ERRORS = frozenset({"invalid_grant", "invalid_token", "unauthorized_client", "invalid_client"})

_NOT_FOUND_CODES = frozenset({"NotFound", "ClientError.NotFound", "EndpointNotFound", "TaskNotFound",
                              "BookmarkNotFound", "AccessRuleNotFound"})
_EXISTS_CODES = frozenset({"Exists", "MkdirFailed.Exists", "AlreadyExists", "ClientError.AlreadyExists",
                           "BookmarkExists", "Conflict.Exists"})

def brief(text: str) -> str:
    """Server text as gterm shows it: secrets redacted, one line, bounded length."""
    text = " ".join(redact(text).split())
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[: MAX_MESSAGE_LENGTH - 3] + "..."
    return text


def _server_message(error: GlobusAPIError, default: str) -> str:
    raw = error.raw_json if isinstance(error.raw_json, dict) else {}
    message = error.message or raw.get("error_description") or raw.get("detail") or ""
    if not isinstance(message, str) or not message.strip():
        return default
    return brief(message)


def _consent_needed(error: GlobusAPIError) -> ConsentNeeded | None:
    """A ConsentNeeded for any Globus Auth Requirements Error (GARE), legacy ConsentRequired included."""
    scopes: list[str] = []
    session_message: str | None = None
    gare = sdk_gare.to_gare(error)
    if gare is not None:
        params = gare.authorization_parameters
        scopes = list(params.required_scopes or [])
        session_message = params.session_message
    elif error.info.consent_required:
        scopes = list(error.info.consent_required.required_scopes)
    else:
        return None
    if not scopes and error.info.consent_required:
        scopes = list(error.info.consent_required.required_scopes)
    message = _server_message(error, CONSENT_MESSAGE) if error.code == "ConsentRequired" else CONSENT_MESSAGE
    return ConsentNeeded(
        message,
        required_scopes=scopes,
        session_message=brief(session_message) if session_message else None,
    )


def _is_auth_error(error: GlobusAPIError) -> bool:
    from globus_sdk import AuthAPIError  # local: keeps import order simple, module is already loaded

    return isinstance(error, AuthAPIError)


def _map_api_error(error: GlobusAPIError) -> GtermError:
    status = error.http_status
    code = error.code or ""
    raw: dict[str, Any] = error.raw_json if isinstance(error.raw_json, dict) else {}

    consent = _consent_needed(error)
    if consent is not None:
        return consent

    # A refresh Globus Auth refuses for good (revoked / expired refresh token).
    if _is_auth_error(error) and (raw.get("error") in _DEAD_GRANT_ERRORS or status == 401):
        return SessionExpired(SESSION_EXPIRED_MESSAGE)
    if status == 401:
        # The SDK already refreshed once and retried: the session is gone.
        return SessionExpired(SESSION_EXPIRED_MESSAGE)
    if status == 404 or code in _NOT_FOUND_CODES or code.endswith(".NotFound"):
        return NotFound(_server_message(error, "Not found."))
    if code in _EXISTS_CODES or code.endswith(".Exists") or (
        status == 409 and "exist" in (error.message or "").lower()
    ):
        return AlreadyExists(_server_message(error, "It already exists."))
    if code.endswith(".NotDirectory"):
        # e.g. listing a file: the request is wrong, not the service.
        return InvalidInput(_server_message(error, "That is not a directory."))
    if status == 403:
        return PermissionDenied(_server_message(error, "Permission denied."))
    if status in (400, 409, 422) and not code.startswith(("ExternalError", "EndpointError")):
        return InvalidInput(_server_message(error, "The request was not accepted."))
    default = f"Globus answered with an error (HTTP {status})."
    message = _server_message(error, default)
    if message != default and code:
        message = f"{message} ({code})"
    return ServiceError(message, code=code, http_status=status)


def _map_network_error(error: BaseException) -> Offline:
    if isinstance(error, (GlobusTimeoutError, requests.Timeout)):
        return Offline("Globus did not answer in time; check the network and try again.")
    return Offline("Cannot reach Globus; check the network and try again.")


def map_exception(error: BaseException) -> GtermError | None:
    """The gterm error for ``error``, or None when it is not a service/network/session failure."""
    if isinstance(error, GtermError):
        return error
    if isinstance(error, GlobusAPIError):
        return _map_api_error(error)
    if isinstance(error, (NetworkError, requests.ConnectionError, requests.Timeout)):
        return _map_network_error(error)
    if isinstance(error, UnmetScopeRequirementsError):
        scopes = [str(scope) for reqs in error.scope_requirements.values() for scope in reqs]
        return ConsentNeeded(CONSENT_MESSAGE, required_scopes=scopes)
    if isinstance(error, (MissingTokenError, TokenValidationError)):
        return SessionExpired(SESSION_EXPIRED_MESSAGE)
    if isinstance(error, requests.RequestException):
        return Offline("Cannot reach Globus; check the network and try again.")
    if isinstance(error, GlobusSDKUsageError):
        return None
    if isinstance(error, GlobusError):
        return ServiceError(brief(f"Globus error: {type(error).__name__}"))
    return None


class translate_errors(ContextDecorator):  # noqa: N801 - reads like a keyword at the use site
    """Decorator / context manager raising gterm errors in place of SDK and network ones.

    ``raise ... from`` keeps the SDK exception as ``__cause__`` for debugging;
    the gterm error's own message is the only thing meant for people.
    """

    def __enter__(self) -> translate_errors:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc is None or isinstance(exc, GtermError):
            return False
        mapped = map_exception(exc)
        if mapped is None:
            return False
        raise mapped from exc

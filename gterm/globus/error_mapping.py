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

from collections.abc import Callable, Iterator
from contextlib import ContextDecorator, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from gterm.globus.errors import (
    AlreadyExists,
    ClockSkew,
    CollectionGone,
    ConsentNeeded,
    GtermError,
    InvalidInput,
    NotFound,
    Offline,
    PermissionDenied,
    ServiceError,
    SessionExpired,
)
from gterm.lazy_modules import LazyModule, is_loaded
from gterm.redaction import redact

if TYPE_CHECKING:
    import ssl

    import jwt
    import requests
    from globus_sdk import GlobusAPIError
    from globus_sdk import exc as sdk_exc
    from globus_sdk import gare as sdk_gare
    from globus_sdk.token_storage import validating_token_storage as sdk_validation
else:
    # Loaded with the first call to Globus, not with the TUI (gterm.lazy_modules).
    requests = LazyModule("requests")
    jwt = LazyModule("jwt")  # the SDK checks a sign-in's id token with it
    sdk_exc = LazyModule("globus_sdk.exc")
    sdk_gare = LazyModule("globus_sdk.gare")
    sdk_validation = LazyModule("globus_sdk.token_storage.validating_token_storage")

MAX_MESSAGE_LENGTH = 300

NOT_LOGGED_IN_MESSAGE = "You are not logged in to Globus; run `gterm login`."
SESSION_EXPIRED_MESSAGE = "Your Globus session has expired or was revoked; log in again (`gterm login`)."
CLOCK_SKEW_MESSAGE = (
    "This computer's clock differs from Globus Auth's by more than 5 minutes, so the sign-in cannot be "
    "checked; set the clock right (turn on NTP time sync) and log in again."
)
CONSENT_MESSAGE = "Globus needs your consent before gterm can do this; log in again to grant it."

# OAuth2 errors Globus Auth answers to a refresh that can never work again.
_DEAD_GRANT_ERRORS = frozenset({"invalid_grant", "invalid_token", "unauthorized_client", "invalid_client"})

_NOT_FOUND_CODES = frozenset({"NotFound", "ClientError.NotFound", "EndpointNotFound", "TaskNotFound",
                              "BookmarkNotFound", "AccessRuleNotFound"})
_GONE_CODES = frozenset({"EndpointNotFound", "EndpointDeleted"})  # the collection, not a path in it
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
    from globus_sdk import AuthAPIError  # local: the auth service module loads with the first auth client

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
    if code in _GONE_CODES:
        return CollectionGone(_server_message(error, "No such collection."))
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


def _linked(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what it wraps, a few levels down: globus-sdk wraps requests' error, which wraps
    urllib3's, which wraps ssl's (through ``underlying_exception``, ``reason``, the first argument and the
    exception chain)."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return
        yield seen
        links = (getattr(seen, "underlying_exception", None), getattr(seen, "reason", None),
                 seen.args[0] if seen.args else None, seen.__cause__, seen.__context__)
        seen = next((e for e in links if isinstance(e, BaseException)), None)


def untrusted_certificate(error: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate refusal inside a connection failure, if that is what it was (else None)."""
    import ssl  # loaded by requests already whenever a connection has failed

    return next((e for e in _linked(error) if isinstance(e, ssl.SSLCertVerificationError)), None)


def _host_of(error: BaseException) -> str | None:
    """The host (and port) a failed request was for, from the request requests kept on its error."""
    for linked in _linked(error):
        url = getattr(getattr(linked, "request", None), "url", None)
        if isinstance(url, str) and url:
            return urlsplit(url).netloc or None
    return None


def certificate_error(error: BaseException, refusal: ssl.SSLCertVerificationError, service: str) -> ServiceError:
    """A server certificate that could not be verified: said as such (never "offline", never "turn
    verification off"). Not an outage to wait out either, so it is no Offline: a setting to change."""
    host = _host_of(error)
    where = f"{service} ({host})" if host else service
    why = f" ({refusal.verify_message})" if refusal.verify_message else ""
    return ServiceError(
        f"The certificate of {where} could not be verified{why}, so gterm did not connect. Check that the "
        "certificate authorities this computer trusts (REQUESTS_CA_BUNDLE, if set) include the one that signed it.",
        code="UntrustedCertificate",
    )


def network_error(error: BaseException, service: str = "Globus") -> GtermError:
    """The error for a failed connection to ``service``: Offline (a timeout says so), or a certificate
    that could not be verified."""
    refusal = untrusted_certificate(error)
    if refusal is not None:
        return certificate_error(error, refusal, service)
    if isinstance(error, (sdk_exc.GlobusTimeoutError, requests.Timeout)):
        said = f"{service} did not answer in time; check the network and try again."
        return Offline(said[:1].upper() + said[1:])  # "the HTTPS server of …" opens the sentence
    return Offline(f"Cannot reach {service}; check the network and try again.")


_CLIENT_REFUSED = (
    "Globus Auth refused the client credentials (HTTP {status}); check GTERM_CLIENT_ID and GTERM_CLIENT_SECRET "
    "(client-credentials mode has no interactive login)."
)


def client_refused(error: GlobusAPIError) -> ServiceError:
    """The error for a token request the client's own credentials could not get (never a login prompt).

    4xx means Auth rejected the id/secret (or the scopes); anything else is Auth
    failing, which must not send the user off to check a secret that is fine.
    """
    if error.http_status in (400, 401, 403):
        message = _CLIENT_REFUSED.format(status=error.http_status)
    else:
        message = (
            f"Globus Auth failed while issuing client-credentials tokens (HTTP {error.http_status}); try again later."
        )
    return ServiceError(message, code=str(error.code or ""), http_status=error.http_status)


def auth_error(error: GlobusAPIError, *, during: str) -> GtermError:
    """An error answer of Globus Auth to a token call (refresh, grant, userinfo) made ``during`` something."""
    if error.http_status in (400, 401, 403):
        return SessionExpired(SESSION_EXPIRED_MESSAGE)
    return ServiceError(
        f"Globus Auth failed while {during} (HTTP {error.http_status}).",
        code=str(error.code or ""),
        http_status=error.http_status,
    )


@contextmanager
def auth_call(during: str, *, client_credentials: bool = False) -> Iterator[None]:
    """The one translator around a call to Globus Auth (token grants and refreshes, userinfo, introspection).

    No network: Offline. An error answer: for a client-credentials robot, the
    refusal of its id/secret (no login screen can cure that); for a person, an
    expired session (4xx) or Auth failing while ``during`` something.
    """
    try:
        yield
    except sdk_exc.NetworkError as exc:
        raise network_error(exc, "Globus Auth") from None
    except sdk_exc.GlobusAPIError as exc:
        raise (client_refused(exc) if client_credentials else auth_error(exc, during=during)) from None
    except Exception as exc:  # only the id token's dates are translated; anything else is re-raised
        skew = clock_skew(exc)
        if skew is None:
            raise
        raise skew from None


def clock_skew(error: BaseException) -> ClockSkew | None:
    """ClockSkew for the id token check's refusal of its dates, else None.

    The SDK decodes a sign-in's id token (and any a refresh returns) with jwt, which refuses one issued
    more than 5 minutes in this computer's future (its clock is slow) or already expired (it is fast).
    """
    if is_loaded("jwt") and isinstance(error, (jwt.ImmatureSignatureError, jwt.ExpiredSignatureError)):
        return ClockSkew(CLOCK_SKEW_MESSAGE)
    return None


def map_exception(error: BaseException) -> GtermError | None:
    """The gterm error for ``error``, or None when it is not a service/network/session failure."""
    if isinstance(error, GtermError):
        return error
    if (skew := clock_skew(error)) is not None:  # a token refresh's id token, checked on a service call
        return skew
    if is_loaded("globus_sdk"):  # else no SDK error can have been raised (and the SDK stays unloaded)
        mapped = _map_sdk_exception(error)
        if mapped is not None or isinstance(error, sdk_exc.GlobusError):
            return mapped
    if is_loaded("requests"):
        if isinstance(error, (requests.ConnectionError, requests.Timeout)):
            return network_error(error)
        if isinstance(error, requests.RequestException):
            return network_error(error)
    return None


def _map_sdk_exception(error: BaseException) -> GtermError | None:
    """The gterm error for a globus-sdk exception; None for a usage error (a bug) or a non-SDK one."""
    if isinstance(error, sdk_exc.GlobusAPIError):
        return _map_api_error(error)
    if isinstance(error, sdk_exc.NetworkError):
        return network_error(error)
    if isinstance(error, sdk_validation.UnmetScopeRequirementsError):
        scopes = [str(scope) for reqs in error.scope_requirements.values() for scope in reqs]
        return ConsentNeeded(CONSENT_MESSAGE, required_scopes=scopes)
    if isinstance(error, (sdk_validation.MissingTokenError, sdk_validation.TokenValidationError)):
        return SessionExpired(SESSION_EXPIRED_MESSAGE)
    if isinstance(error, sdk_exc.GlobusSDKUsageError):
        return None
    if isinstance(error, sdk_exc.GlobusError):
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


Rephrase = Callable[[GtermError], str]


@contextmanager
def explained(*, denied: Rephrase | None = None, exists: Rephrase | None = None) -> Iterator[None]:
    """:class:`translate_errors`, then a refusal or a duplicate said in words that tell what to do.

    ``denied(error)`` / ``exists(error)`` give the new message for a PermissionDenied /
    AlreadyExists (the service's own words are in ``error.message``).
    """
    try:
        yield
    except Exception as exc:
        mapped = map_exception(exc)
        if mapped is None:
            raise  # a bug, not a condition: let it through untouched
        if denied is not None and isinstance(mapped, PermissionDenied):
            raise PermissionDenied(denied(mapped)) from exc
        if exists is not None and isinstance(mapped, AlreadyExists):
            raise AlreadyExists(exists(mapped)) from exc
        if mapped is exc:
            raise
        raise mapped from exc

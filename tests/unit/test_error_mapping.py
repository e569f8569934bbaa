"""gterm.globus.error_mapping: SDK and network errors become gterm errors with safe, short messages.

The SDK errors here are real globus-sdk exception objects built from real
``requests.Response`` objects carrying the JSON bodies Globus sends (the
recorded fixtures of globus_sdk.testing where there is one).
"""

from __future__ import annotations

import json
from typing import Any

import globus_sdk
import pytest
import requests
from globus_sdk.exc import GlobusConnectionError, GlobusTimeoutError
from globus_sdk.testing import RegisteredResponse, get_response_set
from globus_sdk.token_storage.validating_token_storage import ExpiredTokenError, MissingTokenError

from gterm.globus.error_mapping import brief, map_exception, translate_errors
from gterm.globus.errors import (
    AlreadyExists,
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

TOKEN = "AgQ7vYzN5rLr0m9p8Xb3kDqWz1cVj2sFh6uT4eYw0aBnC8dG3iK"
COLLECTION = "0180106e-af90-4d7e-a01a-e28a99ac9624"


LS_URL = "http://127.0.0.1:1/v0.10/operation/endpoint/x/ls"


def response(status: int, body: Any, url: str = LS_URL) -> requests.Response:
    prepared = requests.Request("GET", url, headers={"Authorization": f"Bearer {TOKEN}"}).prepare()
    resp = requests.Response()
    resp.status_code = status
    resp.reason = "Reason"
    resp.url = url
    resp.request = prepared
    resp._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    resp.headers["Content-Type"] = "application/json" if not isinstance(body, bytes) else "text/html"
    return resp


def transfer_error(status: int, body: Any) -> globus_sdk.TransferAPIError:
    return globus_sdk.TransferAPIError(response(status, body))


def recorded_error(method: object, case: str) -> globus_sdk.TransferAPIError:
    recorded = get_response_set(method).lookup(case)
    assert isinstance(recorded, RegisteredResponse)
    return transfer_error(recorded.status, recorded.json)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, "ClientError.NotFound", NotFound),
        (404, "EndpointNotFound", CollectionGone),  # the collection itself: a NotFound panes let go of
        (404, "EndpointDeleted", CollectionGone),
        (404, "NotFound", NotFound),
        (403, "PermissionDenied", PermissionDenied),
        (403, "EndpointPermissionDenied", PermissionDenied),
        (502, "ExternalError.MkdirFailed.Exists", AlreadyExists),
        (409, "Exists", AlreadyExists),
        (409, "Conflict", InvalidInput),
        (400, "BadRequest", InvalidInput),
        (400, "ClientError.BadRequest", InvalidInput),
        (401, "ClientError.AuthenticationFailed", SessionExpired),
        (401, "AuthenticationFailed", SessionExpired),
        (500, "InternalError", ServiceError),
        (503, "ServiceUnavailable", ServiceError),
        (502, "ExternalError.DirListingFailed", ServiceError),
    ],
)
def test_transfer_api_errors(status: int, code: str, expected: type[GtermError]) -> None:
    mapped = map_exception(transfer_error(status, {"code": code, "message": "Something about /x/", "request_id": "r"}))
    assert type(mapped) is expected
    if expected is not SessionExpired:  # the session message is gterm's own
        assert "Something about /x/" in str(mapped)


def test_recorded_stat_errors() -> None:
    not_found = map_exception(recorded_error(globus_sdk.TransferClient.operation_stat, "not_found"))
    denied = map_exception(recorded_error(globus_sdk.TransferClient.operation_stat, "permission_denied"))
    assert isinstance(not_found, NotFound)
    assert isinstance(denied, PermissionDenied)
    assert len(str(not_found)) <= 300 and "\n" not in str(not_found)


def test_service_error_keeps_status_and_code() -> None:
    mapped = map_exception(transfer_error(500, {"code": "InternalError", "message": "boom"}))
    assert isinstance(mapped, ServiceError)
    assert (mapped.http_status, mapped.code) == (500, "InternalError")


def test_non_json_error_body() -> None:
    mapped = map_exception(transfer_error(502, b"<html>Bad gateway</html>"))
    assert isinstance(mapped, ServiceError)
    assert "502" in str(mapped)


def test_consent_required_carries_scopes() -> None:
    scope = (
        "urn:globus:auth:scope:transfer.api.globus.org:all"
        f"[*https://auth.globus.org/scopes/{COLLECTION}/data_access]"
    )
    body = {
        "code": "ConsentRequired",
        "message": "Missing required data_access consent",
        "request_id": "r",
        "required_scopes": [scope],
        "authorization_parameters": {"session_message": "Consent needed", "required_scopes": [scope]},
    }
    mapped = map_exception(transfer_error(403, body))
    assert isinstance(mapped, ConsentNeeded)
    assert mapped.required_scopes == [scope]


def test_gare_without_consent_code_is_consent_needed() -> None:
    body = {
        "error": "authorization_requirements",
        "code": "AuthorizationRequired",
        "authorization_parameters": {
            "session_message": "Log in with your lab identity",
            "session_required_identities": ["1655b1ec-bf0f-4333-8121-5420d7524480"],
        },
    }
    mapped = map_exception(transfer_error(403, body))
    assert isinstance(mapped, ConsentNeeded)
    assert mapped.session_message == "Log in with your lab identity"


def test_refresh_refused_is_session_expired() -> None:
    error = globus_sdk.AuthAPIError(
        response(400, {"error": "invalid_grant"}, url="http://127.0.0.1:1/v2/oauth2/token")
    )
    assert isinstance(map_exception(error), SessionExpired)


@pytest.mark.parametrize(
    "error",
    [
        MissingTokenError("No token data for transfer.api.globus.org", resource_server="transfer.api.globus.org"),
        ExpiredTokenError(1_600_000_000),
    ],
)
def test_token_storage_errors_are_session_expired(error: Exception) -> None:
    assert isinstance(map_exception(error), SessionExpired)


@pytest.mark.parametrize(
    "error",
    [
        GlobusConnectionError("ConnectionError on request", requests.ConnectionError("refused")),
        GlobusTimeoutError("TimeoutError on request", requests.ReadTimeout("slow")),
        requests.ConnectionError("refused"),
        requests.ReadTimeout("slow"),
    ],
)
def test_network_errors_are_offline(error: Exception) -> None:
    assert isinstance(map_exception(error), Offline)


def test_bugs_are_not_translated() -> None:
    assert map_exception(TypeError("bug")) is None
    assert map_exception(globus_sdk.GlobusSDKUsageError("misuse")) is None
    with pytest.raises(TypeError), translate_errors():
        raise TypeError("bug")


def test_translate_errors_decorator_chains_the_cause() -> None:
    original = transfer_error(404, {"code": "ClientError.NotFound", "message": "gone"})

    @translate_errors()
    def call() -> None:
        raise original

    with pytest.raises(NotFound) as info:
        call()
    assert info.value.__cause__ is original


def test_gterm_errors_pass_through() -> None:
    with pytest.raises(InvalidInput), translate_errors():
        raise InvalidInput("bad")


def test_messages_never_carry_tokens() -> None:
    body = {
        "code": "BadRequest",
        "message": f"Header was Authorization: Bearer {TOKEN}; also access_token={TOKEN} and raw {TOKEN}",
    }
    for status in (400, 403, 404, 500):
        mapped = map_exception(transfer_error(status, body))
        assert mapped is not None
        assert TOKEN not in str(mapped)
        assert TOKEN not in repr(mapped)
        assert "Bearer " + TOKEN[:10] not in str(mapped)


def test_brief_keeps_ordinary_text() -> None:
    text = f"Directory /home/alice/{COLLECTION}/ not found (ünï cødé)"
    assert brief(text) == text
    assert brief("x" * 1000).endswith("...") and len(brief("x" * 1000)) == 300


def test_brief_redacts_random_urlsafe_tokens() -> None:
    import secrets

    for _ in range(300):
        token = secrets.token_urlsafe(48)
        assert token not in brief(f"invalid token {token} given")

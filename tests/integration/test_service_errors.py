"""Error mapping end to end: a dead port, a revoked session, and no token in any message.

All against the live sandbox over real HTTP with the real SDK; the "network
down" case is a TransferClient pointed at a loopback port nobody listens on.
"""

from __future__ import annotations

import socket
import uuid
from typing import Any

import globus_sdk
import pytest
from globus_sdk.transport import RetryConfig

from gterm.globus.errors import (
    ConsentNeeded,
    GtermError,
    NotFound,
    Offline,
    PermissionDenied,
    SessionExpired,
)
from gterm.globus.transfer import TransferService
from gterm.globus.transfer_requests import DeleteRequest, TransferItem, TransferRequest
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID
from tests.support.sandbox_login import LOGIN_SCOPES, login_tokens, new_native_client, transfer_scope


def closed_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alice_tokens(sandbox: Any) -> dict[str, Any]:
    client_id = new_native_client(sandbox)
    tokens = login_tokens(sandbox, f"{LOGIN_SCOPES} {transfer_scope()}", client_id, identity="alice")
    data = dict(tokens.by_resource_server["transfer.api.globus.org"])
    data["client_id"] = client_id
    return data


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    texts = [str(error), repr(error), " ".join(map(str, error.args)), getattr(error, "message", "")]
    for secret in secrets:
        for text in texts:
            assert secret not in text
    assert "Bearer " not in str(error)


def test_dead_port_is_offline() -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    service = TransferService(
        lambda: globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer("not-a-real-token"),
            base_url=url,
            retry_config=RetryConfig(max_retries=1, max_sleep=0.05),
        ),
        retry_delay=0.01,
    )
    with pytest.raises(Offline) as info:
        service.ls(LAB_STORAGE_ID, "/")
    assert "127.0.0.1" not in str(info.value)
    assert_no_secret(info.value, "not-a-real-token")
    with pytest.raises(Offline):
        service.tasks()

    # once-only submission keeps the one submission id across its own retries; here the
    # submission id itself cannot be fetched, so nothing is stored and Offline surfaces.
    request = TransferRequest(LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem("/a", "/b")])
    with pytest.raises(Offline):
        service.submit_transfer_once(request, retries=2)
    assert request.submission_id is None
    with pytest.raises(Offline):
        service.submit_delete_once(DeleteRequest(LAB_STORAGE_ID, ["/x"]), retries=1)


def test_errors_never_carry_the_access_token(sandbox: Any) -> None:
    data = alice_tokens(sandbox)
    access_token, refresh_token = data["access_token"], data["refresh_token"]
    service = TransferService(
        lambda: globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(access_token), base_url=sandbox.transfer_url
        )
    )
    failures: list[GtermError] = []
    for call, expected in [
        (lambda: service.ls(LAB_STORAGE_ID, "/home/alice/no-such-dir/"), NotFound),
        (lambda: service.ls(str(uuid.uuid4()), "/"), NotFound),
        (lambda: service.ls(LAB_STORAGE_ID, "/home/bob/"), PermissionDenied),
        (lambda: service.ls(HPC_SCRATCH_ID, "~"), ConsentNeeded),
        (lambda: service.task(str(uuid.uuid4())), NotFound),
    ]:
        with pytest.raises(expected) as info:
            call()
        assert isinstance(info.value, GtermError)
        failures.append(info.value)
    for failure in failures:
        assert_no_secret(failure, access_token, refresh_token)
        # the chained SDK error is for developers, but it must not leak the header either
        cause = failure.__cause__
        assert cause is not None
        assert access_token not in str(cause)


def test_bad_access_token_is_session_expired(sandbox: Any) -> None:
    bogus = "Bogus" + uuid.uuid4().hex + "TokenValue"
    service = TransferService(
        lambda: globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(bogus), base_url=sandbox.transfer_url
        )
    )
    with pytest.raises(SessionExpired) as info:
        service.ls(LAB_STORAGE_ID, "/home/alice/")
    assert_no_secret(info.value, bogus)


def test_revoked_refresh_token_is_session_expired(sandbox: Any) -> None:
    data = alice_tokens(sandbox)
    auth_client = globus_sdk.NativeAppAuthClient(data["client_id"], base_url=sandbox.auth_url)
    auth_client.oauth2_revoke_token(data["refresh_token"])

    def factory() -> globus_sdk.TransferClient:
        # No access token: the first call must refresh, and the refresh is refused (invalid_grant).
        authorizer = globus_sdk.RefreshTokenAuthorizer(data["refresh_token"], auth_client)
        return globus_sdk.TransferClient(authorizer=authorizer, base_url=sandbox.transfer_url)

    service = TransferService(factory)
    with pytest.raises(SessionExpired) as info:
        service.ls(LAB_STORAGE_ID, "/home/alice/")
    assert_no_secret(info.value, data["refresh_token"], data["access_token"])


def test_revoked_session_with_live_access_token_is_session_expired(sandbox: Any) -> None:
    """The access token dies with its refresh token; the SDK's refresh-and-retry then fails too."""
    data = alice_tokens(sandbox)
    auth_client = globus_sdk.NativeAppAuthClient(data["client_id"], base_url=sandbox.auth_url)
    authorizer = globus_sdk.RefreshTokenAuthorizer(
        data["refresh_token"], auth_client,
        access_token=data["access_token"], expires_at=data["expires_at_seconds"],
    )
    service = TransferService(
        lambda: globus_sdk.TransferClient(authorizer=authorizer, base_url=sandbox.transfer_url)
    )
    assert service.ls(LAB_STORAGE_ID, "/home/alice/").entries
    auth_client.oauth2_revoke_token(data["refresh_token"])
    with pytest.raises(SessionExpired) as info:
        service.ls(LAB_STORAGE_ID, "/home/alice/")
    assert_no_secret(info.value, data["refresh_token"], data["access_token"])

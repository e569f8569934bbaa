"""Real logins against the test sandbox, for tests that need tokens or SDK clients.

Everything goes over loopback HTTP with the unmodified globus-sdk: the native
app authorization-code + PKCE flow (the authorize page auto-approves, or its
consent form is submitted like a browser would), and client credentials for the
confidential robot client.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import globus_sdk
import requests

from gterm.sandbox import auth_store
from gterm.sandbox.seed_ids import (
    GTERM_NATIVE_CLIENT_ID,
    ROBOT_CLIENT_ID,
    TRANSFER_SCOPE,
    data_access_scope,
)
from gterm.sandbox.server import CLIENT_ENV_KEYS, SandboxHandle, running_sandbox
from gterm.sandbox.state import SandboxConfig

LOGIN_SCOPES = "openid profile email"


def identity_id(sandbox: SandboxHandle, identity: str) -> str:
    """Accept "alice", "alice@example.org" or an identity id."""
    for entry in sandbox.info["identities"]:
        if identity in (entry["id"], entry["username"], entry["username"].split("@")[0]):
            return str(entry["id"])
    raise KeyError(f"unknown sandbox identity {identity!r}")


def transfer_scope(data_access: Iterable[str] = ()) -> str:
    """The transfer scope, with optional dependent data_access scopes for collections."""
    deps = " ".join("*" + data_access_scope(cid) for cid in data_access)
    return f"{TRANSFER_SCOPE}[{deps}]" if deps else TRANSFER_SCOPE


def new_native_client(sandbox: SandboxHandle, name: str = "test native app") -> str:
    """Register a fresh native client: a clean slate of consents (they accumulate per identity+client)."""
    client_id, _ = auth_store.create_client(sandbox.state.db, name, "native")
    return client_id


def new_confidential_client(sandbox: SandboxHandle, name: str = "test robot") -> tuple[str, str]:
    """Register a fresh confidential client (with an identity of its own); returns (client_id, secret)."""
    client_id, secret = auth_store.create_client(sandbox.state.db, name, "confidential")
    assert secret is not None
    return client_id, secret


def authorize_code(sandbox: SandboxHandle, authorize_url: str, identity: str = "alice") -> str:
    """Do what the user's browser does at the authorize URL; return the authorization code."""
    who = identity_id(sandbox, identity)
    # session_required_identities picks the identity, as Globus' own parameter does.
    url = authorize_url + "&" + "session_required_identities=" + who
    with requests.Session() as http:
        response = http.get(url, allow_redirects=False, timeout=30)
        if response.status_code == 200 and "<form" in response.text:
            # Consent page (sandbox without auto-approve): submit it with "Allow".
            form = dict(parse_qs(urlsplit(url).query, keep_blank_values=True))
            fields = {k: v[0] for k, v in form.items()}
            fields.update({"identity": who, "decision": "allow"})
            response = http.post(
                urljoin(sandbox.auth_url, "v2/oauth2/authorize"), data=fields, allow_redirects=False, timeout=30
            )
    if response.status_code != 302:
        raise AssertionError(f"authorize did not redirect: HTTP {response.status_code}")
    query = parse_qs(urlsplit(response.headers["location"]).query)
    if "code" not in query:
        raise AssertionError(f"authorize redirected with an error: {query.get('error')}")
    return query["code"][0]


def login_tokens(
    sandbox: SandboxHandle,
    scopes: str | Iterable[str],
    client_id: str = GTERM_NATIVE_CLIENT_ID,
    *,
    identity: str = "alice",
    refresh_tokens: bool = True,
) -> globus_sdk.OAuthTokenResponse:
    """The native app flow, for real: start with PKCE, authorize, exchange the code."""
    client = globus_sdk.NativeAppAuthClient(client_id, base_url=sandbox.auth_url)
    client.oauth2_start_flow(requested_scopes=scopes, refresh_tokens=refresh_tokens)
    code = authorize_code(sandbox, client.oauth2_get_authorize_url(), identity)
    return client.oauth2_exchange_code_for_tokens(code)


def confidential_login(
    sandbox: SandboxHandle, scopes: str, *, identity: str = "alice"
) -> tuple[globus_sdk.ConfidentialAppAuthClient, globus_sdk.OAuthTokenResponse]:
    """A fresh confidential client logs ``identity`` in (authorization code): the client and its tokens.

    Tokens issued to a confidential client are the ones it may introspect (it is in their audience).
    """
    client_id, secret = new_confidential_client(sandbox, "test web app")
    client = globus_sdk.ConfidentialAppAuthClient(client_id, secret, base_url=sandbox.auth_url)
    client.oauth2_start_flow("http://127.0.0.1:1/callback", requested_scopes=scopes, refresh_tokens=True)
    code = authorize_code(sandbox, client.oauth2_get_authorize_url(), identity)
    return client, client.oauth2_exchange_code_for_tokens(code)


def transfer_client_for(
    sandbox: SandboxHandle,
    identity: str = "alice",
    *,
    client_id: str | None = None,
    data_access: Iterable[str] = (),
) -> globus_sdk.TransferClient:
    """A TransferClient acting as ``identity`` with a refresh-token authorizer.

    Without ``client_id`` a fresh native client is registered, so consents granted
    here (``data_access`` collection ids) never leak into other tests' logins.
    """
    client_id = client_id or new_native_client(sandbox)
    tokens = login_tokens(sandbox, f"{LOGIN_SCOPES} {transfer_scope(data_access)}", client_id, identity=identity)
    data = tokens.by_resource_server["transfer.api.globus.org"]
    authorizer = globus_sdk.RefreshTokenAuthorizer(
        data["refresh_token"],
        globus_sdk.NativeAppAuthClient(client_id, base_url=sandbox.auth_url),
        access_token=data["access_token"],
        expires_at=data["expires_at_seconds"],
    )
    return globus_sdk.TransferClient(authorizer=authorizer, base_url=sandbox.transfer_url)


def robot_auth_client(sandbox: SandboxHandle) -> globus_sdk.ConfidentialAppAuthClient:
    return globus_sdk.ConfidentialAppAuthClient(
        ROBOT_CLIENT_ID, sandbox.client_secret(ROBOT_CLIENT_ID), base_url=sandbox.auth_url
    )


def robot_transfer_client(sandbox: SandboxHandle, *, data_access: Iterable[str] = ()) -> globus_sdk.TransferClient:
    """A TransferClient acting as the confidential robot client (client credentials grant)."""
    authorizer = globus_sdk.ClientCredentialsAuthorizer(robot_auth_client(sandbox), transfer_scope(data_access))
    return globus_sdk.TransferClient(authorizer=authorizer, base_url=sandbox.transfer_url)


@contextmanager
def sdk_pointed_at(handle: SandboxHandle) -> Iterator[None]:
    """Point the SDK (and requests) at ``handle`` for a while: service URLs and its CA; restore after.

    The SDK reads GLOBUS_SDK_VERIFY_SSL when a client is built, so a client made
    inside keeps trusting this sandbox's CA after the block ends.
    """
    saved = {key: os.environ.get(key) for key in CLIENT_ENV_KEYS}
    for key in CLIENT_ENV_KEYS:
        os.environ.pop(key, None)
    os.environ.update(handle.client_env())
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def own_sandbox(data_dir: Path, **settings: Any) -> Iterator[SandboxHandle]:
    """A sandbox (auto-approve unless told, ephemeral port) with ``settings`` such as slow=...; the SDK
    (service URLs and the sandbox's CA) points at it while the block runs."""
    settings.setdefault("auto_approve", True)
    with running_sandbox(SandboxConfig(data_dir=data_dir, **settings)) as handle:
        with sdk_pointed_at(handle):
            yield handle


class LoginHttpsTokens:
    """HTTPS tokens for tests: one real native-app login per collection (its https scope, plus data_access).

    Implements gterm.globus.https_access.CollectionTokens, as GtermSession does for the app.
    ``client_id`` None registers a fresh native client per login (needs an in-process sandbox).
    """

    def __init__(self, sandbox: SandboxHandle, identity: str = "alice", client_id: str | None = None) -> None:
        self.sandbox = sandbox
        self.identity = identity
        self.client_id = client_id
        self.logins = 0
        self._cache: dict[tuple[str, bool], globus_sdk.AccessTokenAuthorizer] = {}

    def https_authorizer(self, collection_id: str, *, data_access: bool) -> globus_sdk.AccessTokenAuthorizer:
        from gterm.globus.https_access import data_access_scope, https_scope

        key = (collection_id, data_access)
        if key not in self._cache:
            scopes = https_scope(collection_id) + (f" {data_access_scope(collection_id)}" if data_access else "")
            client_id = self.client_id or new_native_client(self.sandbox)
            tokens = login_tokens(self.sandbox, scopes, client_id, identity=self.identity)
            self.logins += 1
            access_token = tokens.by_resource_server[collection_id]["access_token"]
            self._cache[key] = globus_sdk.AccessTokenAuthorizer(access_token)
        return self._cache[key]

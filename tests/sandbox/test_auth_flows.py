"""Sandbox Auth driven by the real globus-sdk over loopback HTTP (no mocks)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import globus_sdk
import pytest
import requests
from globus_sdk.login_flows import CommandLineLoginFlowManager
from globus_sdk.scopes import Scope
from starlette.requests import Request

from gterm.sandbox.auth import authenticate
from gterm.sandbox.errors import ApiError
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_USERNAME,
    ALICES_LAPTOP_ID,
    BOB_ID,
    BOB_SHARED_ID,
    BOB_USERNAME,
    GTERM_NATIVE_CLIENT_ID,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_STORAGE_ID,
    ROBOT_CLIENT_ID,
    TRANSFER_SCOPE,
    data_access_scope,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import (
    authorize_code,
    confidential_login,
    login_tokens,
    new_confidential_client,
    new_native_client,
    robot_auth_client,
    transfer_scope,
)

TRANSFER_RS = "transfer.api.globus.org"
AUTH_RS = "auth.globus.org"
ALL_SCOPES = f"openid profile email {TRANSFER_SCOPE}"


def _transfer_token(tokens: globus_sdk.OAuthTokenResponse) -> str:
    return str(tokens.by_resource_server[TRANSFER_RS]["access_token"])


def _auth_client(tokens: globus_sdk.OAuthTokenResponse) -> globus_sdk.AuthClient:
    token = tokens.by_resource_server[AUTH_RS]["access_token"]
    return globus_sdk.AuthClient(authorizer=globus_sdk.AccessTokenAuthorizer(token))


def _principal(sandbox: SandboxHandle, token: str):  # type: ignore[no-untyped-def]
    """Call the real authenticate() the Transfer routes use, with a real starlette Request."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v0.10/endpoint_search",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "query_string": b"",
    }
    return authenticate(sandbox.state, Request(scope))


def test_openid_configuration_and_jwks(sandbox: SandboxHandle) -> None:
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    config = client.get_openid_configuration()
    assert config["issuer"] == sandbox.auth_url.rstrip("/")
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    jwk = client.get_jwk(config, as_pem=False)
    assert jwk["keys"][0]["kty"] == "RSA"


def test_code_flow_issues_one_token_per_resource_server(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    assert set(tokens.by_resource_server) == {AUTH_RS, TRANSFER_RS}
    assert tokens["resource_server"] == AUTH_RS
    assert isinstance(tokens["other_tokens"], list)
    assert tokens.by_resource_server[TRANSFER_RS]["scope"] == TRANSFER_SCOPE
    assert set(tokens.by_resource_server[AUTH_RS]["scope"].split()) == {"openid", "profile", "email"}
    for data in tokens.by_resource_server.values():
        assert data["refresh_token"]
        assert data["token_type"] == "Bearer"


def test_id_token_decodes_with_the_sdk(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES, identity="bob")
    claims = tokens.decode_id_token()
    assert claims["sub"] == BOB_ID
    assert claims["aud"] == GTERM_NATIVE_CLIENT_ID
    assert claims["preferred_username"] == BOB_USERNAME
    assert claims["name"] and claims["email"]
    decoder = globus_sdk.IDTokenDecoder(globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID))
    assert decoder.decode(tokens["id_token"])["sub"] == BOB_ID


def test_no_openid_no_id_token(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, TRANSFER_SCOPE)
    assert "id_token" not in tokens.data
    assert tokens["resource_server"] == TRANSFER_RS
    assert tokens["other_tokens"] == []


def test_wrong_verifier_is_rejected(sandbox: SandboxHandle) -> None:
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    flow = client.oauth2_start_flow(requested_scopes=ALL_SCOPES, refresh_tokens=True)
    code = authorize_code(sandbox, client.oauth2_get_authorize_url())
    flow.verifier = "x" * 43
    with pytest.raises(globus_sdk.AuthAPIError) as info:
        client.oauth2_exchange_code_for_tokens(code)
    assert info.value.http_status == 400
    assert "invalid_grant" in info.value.text


def test_code_works_once(sandbox: SandboxHandle) -> None:
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    client.oauth2_start_flow(requested_scopes=ALL_SCOPES)
    code = authorize_code(sandbox, client.oauth2_get_authorize_url())
    client.oauth2_exchange_code_for_tokens(code)
    with pytest.raises(globus_sdk.AuthAPIError) as info:
        client.oauth2_exchange_code_for_tokens(code)
    assert info.value.http_status == 400


def test_native_client_needs_pkce(sandbox: SandboxHandle) -> None:
    params = {
        "client_id": GTERM_NATIVE_CLIENT_ID,
        "redirect_uri": "http://localhost:8123/done",
        "scope": ALL_SCOPES,
        "response_type": "code",
        "state": "s1",
    }
    response = requests.get(sandbox.auth_url + "v2/oauth2/authorize", params=params, allow_redirects=False, timeout=30)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert (location.hostname, location.port) == ("localhost", 8123)
    query = parse_qs(location.query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["s1"]


@pytest.mark.parametrize("redirect_uri", ["https://evil.example.com/cb", "http://10.1.2.3:80/cb", ""])
def test_foreign_redirect_uri_is_refused_without_redirecting(sandbox: SandboxHandle, redirect_uri: str) -> None:
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    client.oauth2_start_flow(requested_scopes=ALL_SCOPES, redirect_uri=redirect_uri or "x")
    url = client.oauth2_get_authorize_url()
    if not redirect_uri:
        url = url.replace("redirect_uri=x", "redirect_uri=")
    response = requests.get(url, allow_redirects=False, timeout=30)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_loopback_redirect_carries_code_and_state(sandbox: SandboxHandle) -> None:
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    client.oauth2_start_flow(requested_scopes=ALL_SCOPES, redirect_uri="http://127.0.0.1:50111/", refresh_tokens=True)
    response = requests.get(client.oauth2_get_authorize_url(), allow_redirects=False, timeout=30)
    location = urlsplit(response.headers["location"])
    assert (location.hostname, location.port) == ("127.0.0.1", 50111)
    code = parse_qs(location.query)["code"][0]
    tokens = client.oauth2_exchange_code_for_tokens(code)
    assert tokens.decode_id_token()["sub"] == ALICE_ID  # auto-approve signs in as the first identity


def test_globus_auth_code_page_shows_the_code(sandbox: SandboxHandle) -> None:
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    client.oauth2_start_flow(
        requested_scopes=ALL_SCOPES, redirect_uri="https://auth.globus.org/v2/web/auth-code", refresh_tokens=True
    )
    response = requests.get(client.oauth2_get_authorize_url(), allow_redirects=False, timeout=30)
    assert response.status_code == 200
    code = response.text.split('<pre id="auth-code">')[1].split("</pre>")[0]
    tokens = client.oauth2_exchange_code_for_tokens(code)
    assert TRANSFER_RS in tokens.by_resource_server


def test_default_redirect_lands_on_the_sandbox_code_page(sandbox: SandboxHandle) -> None:
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    client.oauth2_start_flow(requested_scopes=ALL_SCOPES)
    assert client.current_oauth2_flow_manager is not None
    assert client.current_oauth2_flow_manager.redirect_uri.startswith(sandbox.auth_url)
    page = requests.get(client.oauth2_get_authorize_url(), timeout=30)  # follows the redirect
    assert page.status_code == 200
    code = page.text.split('<pre id="auth-code">')[1].split("</pre>")[0]
    client.oauth2_exchange_code_for_tokens(code)


def test_refresh_returns_a_usable_refresh_token(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    original = tokens.by_resource_server[TRANSFER_RS]
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    refreshed = client.oauth2_refresh_token(original["refresh_token"])
    data = refreshed.by_resource_server[TRANSFER_RS]
    assert data["refresh_token"] == original["refresh_token"]
    assert data["access_token"] != original["access_token"]
    assert data["scope"] == TRANSFER_SCOPE
    again = client.oauth2_refresh_token(data["refresh_token"])
    assert _principal(sandbox, again.by_resource_server[TRANSFER_RS]["access_token"]).identity_id == ALICE_ID


def test_refresh_with_another_client_is_refused(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    other = globus_sdk.NativeAppAuthClient(new_native_client(sandbox))
    with pytest.raises(globus_sdk.AuthAPIError) as info:
        other.oauth2_refresh_token(tokens.by_resource_server[TRANSFER_RS]["refresh_token"])
    assert info.value.http_status == 400


def test_revoking_the_refresh_token_kills_its_access_tokens(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    transfer = tokens.by_resource_server[TRANSFER_RS]
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    refreshed = client.oauth2_refresh_token(transfer["refresh_token"]).by_resource_server[TRANSFER_RS]
    # The resource server's view (Transfer's token check): the refreshed token works...
    assert _principal(sandbox, refreshed["access_token"]).identity_id == ALICE_ID

    client.oauth2_revoke_token(transfer["refresh_token"])

    for access in (transfer["access_token"], refreshed["access_token"]):  # ...and is dead once revoked
        with pytest.raises(ApiError) as info:
            _principal(sandbox, access)
        assert info.value.status == 401
    with pytest.raises(globus_sdk.AuthAPIError):
        client.oauth2_refresh_token(transfer["refresh_token"])
    # The other resource server's grant is untouched: Auth still answers its token.
    assert _auth_client(tokens).userinfo()["sub"] == ALICE_ID


def test_revoked_token_gets_401_at_transfer(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    transfer = tokens.by_resource_server[TRANSFER_RS]
    tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(transfer["access_token"]))
    globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID).oauth2_revoke_token(transfer["refresh_token"])
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        tc.get_endpoint(LAB_STORAGE_ID)
    assert info.value.http_status == 401
    assert info.value.code == "ClientError.AuthenticationFailed"  # globus-cli keys its "globus login" hint on it


def test_revoking_one_access_token(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    access = _transfer_token(tokens)
    assert _principal(sandbox, access).identity_id == ALICE_ID
    globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID).oauth2_revoke_token(access)
    with pytest.raises(ApiError) as info:
        _principal(sandbox, access)
    assert info.value.status == 401


def test_wrong_resource_server_token_is_refused_by_transfer(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    with pytest.raises(ApiError) as info:
        _principal(sandbox, tokens.by_resource_server[AUTH_RS]["access_token"])
    assert info.value.status == 401
    with pytest.raises(ApiError):
        _principal(sandbox, "not-a-token")


def test_client_credentials_for_the_robot(sandbox: SandboxHandle) -> None:
    client = robot_auth_client(sandbox)
    tokens = client.oauth2_client_credentials_tokens(requested_scopes=f"openid {TRANSFER_SCOPE}")
    assert set(tokens.by_resource_server) == {AUTH_RS, TRANSFER_RS}
    claims = tokens.decode_id_token()
    assert claims["sub"] == ROBOT_CLIENT_ID
    assert claims["preferred_username"] == f"{ROBOT_CLIENT_ID}@clients.auth.globus.org"
    principal = _principal(sandbox, _transfer_token(tokens))
    assert principal.identity_id == ROBOT_CLIENT_ID
    assert principal.username == f"{ROBOT_CLIENT_ID}@clients.auth.globus.org"
    # The SDK's own authorizer gets a working token as well (openid optional).
    authorizer = globus_sdk.ClientCredentialsAuthorizer(client, TRANSFER_SCOPE)
    assert _principal(sandbox, authorizer.access_token or "").client_id == ROBOT_CLIENT_ID


@pytest.mark.parametrize("scope", [
    "urn:globus:auth:scope:nope:all",
    "urn:globus:auth:scope:transfer.api.globus.org:nope",
    "https://auth.globus.org/scopes/00000000-0000-4000-8000-000000000000/data_access",
    f"{TRANSFER_SCOPE}[*https://auth.globus.org/scopes/00000000-0000-4000-8000-000000000000/data_access]",
    data_access_scope(ALICES_LAPTOP_ID),  # Globus Connect Personal: no data_access scope
    data_access_scope(BOB_SHARED_ID),  # a guest collection: none either
    f"https://auth.globus.org/scopes/{ALICES_LAPTOP_ID}/https",  # no HTTPS server, no https scope
    f"https://auth.globus.org/scopes/{GTERM_NATIVE_CLIENT_ID}/all",  # a native client owns no scopes
])
def test_a_scope_auth_does_not_know_is_refused(sandbox: SandboxHandle, scope: str) -> None:
    """As Globus Auth: a well-formed scope no resource server registered gets 400 invalid_scope, at any depth,
    in a grant and in a login (the authorize redirect carries the error)."""
    with pytest.raises(globus_sdk.AuthAPIError) as info:
        robot_auth_client(sandbox).oauth2_client_credentials_tokens(requested_scopes=scope)
    assert (info.value.http_status, info.value.raw_json["error"]) == (400, "invalid_scope")  # type: ignore[index]  # raw_json is a dict here
    params = {"client_id": GTERM_NATIVE_CLIENT_ID, "redirect_uri": "http://localhost:8123/done", "scope": scope,
              "response_type": "code", "state": "s1", "code_challenge": "x" * 43, "code_challenge_method": "S256"}
    response = requests.get(sandbox.auth_url + "v2/oauth2/authorize", params=params, allow_redirects=False, timeout=30)
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["invalid_scope"]


def test_the_scopes_clients_ask_for_are_known(sandbox: SandboxHandle) -> None:
    """globus-cli's login (Auth, Transfer, Groups, Search, Timers with Transfer, Flows), a collection's
    data_access and https, and a GCS endpoint's manage_collections all get tokens."""
    asked = [
        "openid profile email urn:globus:auth:scope:auth.globus.org:view_identity_set",
        transfer_scope([HPC_SCRATCH_ID]),
        "urn:globus:auth:scope:groups.api.globus.org:all urn:globus:auth:scope:search.api.globus.org:all",
        "urn:globus:auth:scope:search.api.globus.org:search",  # the SDK's SearchClient default
        data_access_scope(LAB_STORAGE_ID.upper()),  # an id in capitals names the same collection
        f"https://auth.globus.org/scopes/524230d7-ea86-4a52-8312-86065a9e0417/timer[{TRANSFER_SCOPE}]",
        "https://auth.globus.org/scopes/eec9b274-0c81-4334-bdc2-54e90e689b9a/all",
        f"https://auth.globus.org/scopes/{LAB_STORAGE_ID}/https",
        f"urn:globus:auth:scope:{LAB_ENDPOINT_ID}:manage_collections",
    ]
    client = robot_auth_client(sandbox)
    for scope in asked:
        assert client.oauth2_client_credentials_tokens(requested_scopes=scope).by_resource_server


def test_client_credentials_with_a_wrong_secret(sandbox: SandboxHandle) -> None:
    client = globus_sdk.ConfidentialAppAuthClient(ROBOT_CLIENT_ID, "wrong-secret")
    with pytest.raises(globus_sdk.AuthAPIError) as info:
        client.oauth2_client_credentials_tokens(requested_scopes=TRANSFER_SCOPE)
    assert info.value.http_status == 401


def test_native_client_cannot_use_client_credentials(sandbox: SandboxHandle) -> None:
    response = requests.post(
        sandbox.auth_url + "v2/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": GTERM_NATIVE_CLIENT_ID, "scope": TRANSFER_SCOPE},
        timeout=30,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_client_identity_data_access_follows_its_requested_scope(sandbox: SandboxHandle) -> None:
    client_id, secret = new_confidential_client(sandbox)
    client = globus_sdk.ConfidentialAppAuthClient(client_id, secret)
    plain = client.oauth2_client_credentials_tokens(requested_scopes=TRANSFER_SCOPE)
    assert _principal(sandbox, _transfer_token(plain)).data_access == frozenset()
    with_consent = client.oauth2_client_credentials_tokens(requested_scopes=transfer_scope([HPC_SCRATCH_ID]))
    assert with_consent.by_resource_server[TRANSFER_RS]["scope"] == TRANSFER_SCOPE
    assert _principal(sandbox, _transfer_token(with_consent)).data_access == {HPC_SCRATCH_ID}
    # Consents are looked up at use, as Transfer's dependent grant does: the older token gains access too.
    assert _principal(sandbox, _transfer_token(plain)).data_access == {HPC_SCRATCH_ID}


def test_data_access_consents_accumulate_per_identity_and_client(sandbox: SandboxHandle) -> None:
    client_id = new_native_client(sandbox)
    plain = login_tokens(sandbox, ALL_SCOPES, client_id)
    assert _principal(sandbox, _transfer_token(plain)).data_access == frozenset()

    granted = login_tokens(sandbox, f"openid {transfer_scope([HPC_SCRATCH_ID])}", client_id)
    assert _principal(sandbox, _transfer_token(granted)).data_access == {HPC_SCRATCH_ID}

    later = login_tokens(sandbox, ALL_SCOPES, client_id)  # consent remembered, like Globus
    assert _principal(sandbox, _transfer_token(later)).data_access == {HPC_SCRATCH_ID}
    other_client = login_tokens(sandbox, ALL_SCOPES, new_native_client(sandbox))
    assert _principal(sandbox, _transfer_token(other_client)).data_access == frozenset()
    bob = login_tokens(sandbox, ALL_SCOPES, client_id, identity="bob")
    assert _principal(sandbox, _transfer_token(bob)).data_access == frozenset()


def test_consents_feed_the_sdk_consent_forest(sandbox: SandboxHandle) -> None:
    client_id = new_native_client(sandbox)
    tokens = login_tokens(sandbox, f"openid {transfer_scope([HPC_SCRATCH_ID])}", client_id)
    forest = _auth_client(tokens).get_consents(ALICE_ID).to_forest()
    required = Scope(TRANSFER_SCOPE).with_dependency(Scope(data_access_scope(HPC_SCRATCH_ID)))
    assert forest.meets_scope_requirements(required)
    assert not forest.meets_scope_requirements(
        Scope(TRANSFER_SCOPE).with_dependency(Scope(data_access_scope(LAB_STORAGE_ID)))
    )
    data_access = [c for c in forest.nodes if c.scope_name == data_access_scope(HPC_SCRATCH_ID)]
    assert len(data_access) == 1 and len(data_access[0].dependency_path) == 2
    assert {str(c.client) for c in forest.nodes if len(c.dependency_path) == 1} == {client_id}


def test_consents_of_someone_else_are_forbidden(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    with pytest.raises(globus_sdk.AuthAPIError) as info:
        _auth_client(tokens).get_consents(BOB_ID)
    assert info.value.http_status == 403


def test_userinfo(sandbox: SandboxHandle) -> None:
    info = _auth_client(login_tokens(sandbox, ALL_SCOPES)).userinfo()
    assert info["sub"] == ALICE_ID
    assert info["preferred_username"] == ALICE_USERNAME
    assert "identity_set" not in info  # Auth shows it only with the view_identity_set consent
    view = "urn:globus:auth:scope:auth.globus.org:view_identity_set"
    info = _auth_client(login_tokens(sandbox, f"{ALL_SCOPES} {view}")).userinfo()
    assert info["identity_set"][0]["sub"] == ALICE_ID


def test_identities_by_ids_and_usernames(sandbox: SandboxHandle) -> None:
    client = _auth_client(login_tokens(sandbox, ALL_SCOPES))
    by_ids = client.get_identities(ids=[ALICE_ID, BOB_ID, "00000000-0000-0000-0000-000000000000"])
    assert {i["username"] for i in by_ids} == {ALICE_USERNAME, BOB_USERNAME}
    by_name = client.get_identities(usernames=[BOB_USERNAME])
    assert [i["id"] for i in by_name] == [BOB_ID]
    assert client.get_identities(usernames=["nobody@example.org"])["identities"] == []
    basic = globus_sdk.BasicAuthorizer(ROBOT_CLIENT_ID, sandbox.client_secret(ROBOT_CLIENT_ID))
    robot = globus_sdk.AuthClient(authorizer=basic).get_identities(ids=[ALICE_ID])  # client basic auth works too
    assert robot["identities"][0]["name"] == "Alice Researcher"


def test_identities_need_authentication(sandbox: SandboxHandle) -> None:
    response = requests.get(sandbox.auth_url + "v2/api/identities", params={"ids": ALICE_ID}, timeout=30)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")


def test_validate(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    response = requests.post(
        sandbox.auth_url + "v2/oauth2/token/validate",
        data={"token": _transfer_token(tokens), "client_id": GTERM_NATIVE_CLIENT_ID},
        timeout=30,
    )
    assert response.json() == {"active": True}


def test_globus_app_login_meets_dependent_scope_requirements(sandbox: SandboxHandle) -> None:
    """UserApp's own validators (id_token, scopes, consent forest) accept what the sandbox issues."""

    class AutoLogin(CommandLineLoginFlowManager):
        def print_authorize_url(self, authorize_url: str) -> None:
            self.url = authorize_url

        def prompt_for_code(self) -> str:
            return authorize_code(sandbox, self.url)

    required = Scope(TRANSFER_SCOPE).with_dependency(Scope(data_access_scope(HPC_SCRATCH_ID), optional=True))
    app = globus_sdk.UserApp(
        "gterm-sandbox-test",
        client_id=new_native_client(sandbox),
        scope_requirements={TRANSFER_RS: [required]},
        config=globus_sdk.GlobusAppConfig(
            login_flow_manager=AutoLogin, token_storage="memory", request_refresh_tokens=True
        ),
    )
    app.login()
    header = app.get_authorizer(TRANSFER_RS).get_authorization_header() or ""
    assert _principal(sandbox, header.split(" ", 1)[1]).data_access == {HPC_SCRATCH_ID}
    assert not app.login_required()


def test_requests_log_has_no_tokens_and_names_callers(sandbox: SandboxHandle) -> None:
    tokens = login_tokens(sandbox, ALL_SCOPES)
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID)
    refreshed = client.oauth2_refresh_token(tokens.by_resource_server[TRANSFER_RS]["refresh_token"])
    _auth_client(tokens).userinfo()
    secrets_seen = {tokens["id_token"], sandbox.client_secret(ROBOT_CLIENT_ID)}
    for response in (tokens, refreshed):
        for data in response.by_resource_server.values():
            secrets_seen.update({data["access_token"], data["refresh_token"]})
    text = (sandbox.data_dir / "requests.log").read_text(encoding="utf-8")
    for secret in secrets_seen:
        assert secret not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert all(set(r) == {"time", "method", "path", "status", "duration_ms", "identity"} for r in records)
    assert any(r["path"] == "/v2/oauth2/userinfo" and r["identity"] == ALICE_ID for r in records)
    assert any(r["path"] == "/v2/oauth2/token" and r["identity"] == ALICE_ID for r in records)


# ---------------------------------------------------------------------------- introspection


def test_introspection_answers_only_the_tokens_audience(sandbox: SandboxHandle) -> None:
    """Auth tells a token's details only to a client in its audience (the client it was issued to, or the
    resource server it was issued for); any other confidential client gets the unknown-token answer."""
    web_app, tokens = confidential_login(sandbox, ALL_SCOPES)
    transfer_token = _transfer_token(tokens)
    own = web_app.oauth2_token_introspect(transfer_token, include="identity_set")
    assert (own["active"], own["sub"], own["client_id"]) == (True, ALICE_ID, web_app.client_id)
    assert own["aud"] == [TRANSFER_RS, web_app.client_id]
    assert robot_auth_client(sandbox).oauth2_token_introspect(transfer_token).data == {"active": False}

    # A confidential client that is itself a resource server sees the tokens issued for it.
    service_id, service_secret = new_confidential_client(sandbox, "a resource server")
    service = globus_sdk.ConfidentialAppAuthClient(service_id, service_secret, base_url=sandbox.auth_url)
    _, for_service = confidential_login(sandbox, f"openid https://auth.globus.org/scopes/{service_id}/all")
    token = for_service.by_resource_server[service_id]["access_token"]
    seen = service.oauth2_token_introspect(token)
    assert (seen["active"], seen["sub"]) == (True, ALICE_ID)
    assert robot_auth_client(sandbox).oauth2_token_introspect(token).data == {"active": False}
    # ...but not the tokens the same user got for other resource servers.
    assert service.oauth2_token_introspect(transfer_token).data == {"active": False}

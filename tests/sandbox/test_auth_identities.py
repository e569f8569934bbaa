"""Auth as a client meets it beyond login: identities (provision), providers, userinfo, session_info, clients."""

from __future__ import annotations

import globus_sdk
import pytest
import requests

from gterm.sandbox.auth_identities import GLOBUS_ID_IDP_ID
from gterm.sandbox.scopes import resource_server_of
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_USERNAME,
    BOB_ID,
    BOB_USERNAME,
    GLOBUS_CLI_TEMPLATE_CLIENT_ID,
    HPC_ENDPOINT_ID,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_STORAGE_ID,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.groups_helpers import auth_client_for
from tests.support.sandbox_login import authorize_code, confidential_login
from tests.support.transfer_helpers import unique


@pytest.fixture(scope="module")
def alice_ac(sandbox: SandboxHandle) -> globus_sdk.AuthClient:
    return auth_client_for(sandbox, "alice")


def test_get_identities_by_usernames_and_ids(alice_ac: globus_sdk.AuthClient) -> None:
    by_name = alice_ac.get_identities(usernames=[ALICE_USERNAME, BOB_USERNAME.upper()])["identities"]
    assert [(i["id"], i["status"]) for i in by_name] == [(ALICE_ID, "used"), (BOB_ID, "used")]
    by_id = alice_ac.get_identities(ids=[BOB_ID])["identities"]
    assert [i["username"] for i in by_id] == [BOB_USERNAME]
    assert alice_ac.get_identities(usernames="nobody@example.org")["identities"] == []


def test_provision_makes_unused_identities_in_known_domains_only(
    sandbox: SandboxHandle, alice_ac: globus_sdk.AuthClient
) -> None:
    username = f"{unique('newcomer')}@globusid.org"
    first = alice_ac.get_identities(usernames=username, provision=True)["identities"]
    assert [(i["username"], i["status"], i["identity_provider"]) for i in first] == [
        (username, "unused", GLOBUS_ID_IDP_ID)
    ]
    again = alice_ac.get_identities(usernames=username, provision=True)["identities"]
    assert again[0]["id"] == first[0]["id"]  # provisioned once, then found
    assert alice_ac.get_identities(ids=first[0]["id"])["identities"][0]["status"] == "unused"
    assert alice_ac.get_identities(usernames="someone@unknown-idp.example", provision=True)["identities"] == []
    # a provisioned identity cannot sign in (it is not offered on the login page)
    assert username not in {entry["username"] for entry in sandbox.info["identities"]}


def test_the_gcs_endpoints_client_identities_resolve(
    alice_ac: globus_sdk.AuthClient, alice_tc: globus_sdk.TransferClient
) -> None:
    """Transfer names a GCSv5 endpoint's client identity as the owner of its mapped collections;
    at Globus that identity resolves by id and by username (globus-cli's get-identities said
    NO_SUCH_IDENTITY)."""
    owners = {(doc["owner_id"], doc["owner_string"])
              for doc in (alice_tc.get_endpoint(mapped) for mapped in (LAB_STORAGE_ID, HPC_SCRATCH_ID))}
    assert owners == {(endpoint, f"{endpoint}@clients.auth.globus.org") for endpoint in (LAB_ENDPOINT_ID,
                                                                                       HPC_ENDPOINT_ID)}
    for owner_id, owner_string in owners:
        (by_id,) = alice_ac.get_identities(ids=owner_id)["identities"]
        (by_name,) = alice_ac.get_identities(usernames=owner_string)["identities"]
        assert by_id == by_name
        assert (by_id["id"], by_id["username"], by_id["status"]) == (owner_id, owner_string, "used")
        assert by_id["name"]  # the endpoint's client is named, as the robot client is


@pytest.mark.parametrize("path", ["/v2/api/projects", "/v2/api/identities/5c1e5b7e-0000-4000-8000-000000000404"])
def test_an_auth_404_is_auth_shaped(alice_ac: globus_sdk.AuthClient, path: str) -> None:
    """Auth answers a 404 with its own error document ({"errors": [...]}), not Transfer's
    (code ClientError.NotFound, resource, request_id)."""
    with pytest.raises(globus_sdk.AuthAPIError) as info:
        alice_ac.get(path)
    err = info.value
    assert (err.http_status, err.code) == (404, "NOT_FOUND")
    assert [(e.code, e.get("status")) for e in err.errors] == [("NOT_FOUND", "404")]
    assert "resource" not in err.raw_json and "request_id" not in err.raw_json


@pytest.mark.parametrize("username", ["@example.org", "bob", "bob@", "@globusid.org", "bo b@example.org"])
def test_a_malformed_username_is_nobody_and_never_provisioned(alice_ac: globus_sdk.AuthClient, username: str) -> None:
    # Globus Auth answers no identity for a username that is not local@domain, provision or not: an
    # invitation must never go to a nameless "@example.org".
    assert alice_ac.get_identities(usernames=username, provision=True)["identities"] == []
    assert alice_ac.get_identities(usernames=username)["identities"] == []


def test_identity_providers_by_domain_and_id(alice_ac: globus_sdk.AuthClient) -> None:
    by_domain = alice_ac.get_identity_providers(domains=["globusid.org"])["identity_providers"]
    assert [p["id"] for p in by_domain] == [GLOBUS_ID_IDP_ID]
    by_id = alice_ac.get_identity_providers(ids=[GLOBUS_ID_IDP_ID])["identity_providers"]
    assert by_id == by_domain


def test_userinfo_identity_set_carries_status(alice_ac: globus_sdk.AuthClient) -> None:
    info = alice_ac.userinfo()
    assert info["sub"] == ALICE_ID
    assert [(e["sub"], e["status"]) for e in info["identity_set"]] == [(ALICE_ID, "used")]


def test_introspection_reports_the_session(sandbox: SandboxHandle) -> None:
    # Only a client in the token's audience may introspect it: the web app Alice signed in to.
    web_app, tokens = confidential_login(sandbox, "openid profile email")
    token = tokens.by_resource_server["auth.globus.org"]["access_token"]
    found = web_app.oauth2_token_introspect(token, include="session_info,identity_set")
    session = found["session_info"]
    assert session["session_id"]
    assert list(session["authentications"]) == [ALICE_ID]
    assert isinstance(session["authentications"][ALICE_ID]["auth_time"], int)
    assert found["identity_set"] == [ALICE_ID]


def test_a_template_client_instance_logs_in_like_globus_cli(sandbox: SandboxHandle) -> None:
    """The steps of `globus login --no-local-server`: template a client, code flow with it, then delete it."""
    template = globus_sdk.NativeAppAuthClient(GLOBUS_CLI_TEMPLATE_CLIENT_ID, base_url=sandbox.auth_url)
    made = template.post(
        "/v2/api/clients", data={"client": {"template_id": GLOBUS_CLI_TEMPLATE_CLIENT_ID, "name": "Globus CLI"}}
    )
    credential = made["included"]["client_credential"]
    assert made["client"]["parent_client"] == GLOBUS_CLI_TEMPLATE_CLIENT_ID
    client = globus_sdk.ConfidentialAppAuthClient(credential["client"], credential["secret"], base_url=sandbox.auth_url)
    client.oauth2_start_flow(
        redirect_uri=client.base_url + "v2/web/auth-code", refresh_tokens=True, requested_scopes="openid profile email"
    )
    code = authorize_code(sandbox, client.oauth2_get_authorize_url(query_params={"prompt": "login"}), "bob")
    tokens = client.oauth2_exchange_code_for_tokens(code)
    assert tokens.decode_id_token()["sub"] == BOB_ID

    client.delete(f"/v2/api/clients/{client.client_id}")
    with pytest.raises(globus_sdk.AuthAPIError) as revoked:
        client.oauth2_refresh_token(tokens.by_resource_server["auth.globus.org"]["refresh_token"])
    assert revoked.value.http_status == 401


def test_clients_are_made_only_from_templates(sandbox: SandboxHandle) -> None:
    url = sandbox.auth_url + "v2/api/clients"
    no_template = requests.post(url, json={"client": {"name": "mine"}}, timeout=30)
    assert no_template.status_code == 403
    not_a_template = requests.post(
        url, json={"client": {"name": "mine", "template_id": "00000000-0000-4000-8000-000000000000"}}, timeout=30
    )
    assert not_a_template.status_code == 400
    assert "errors" in not_a_template.json()


def test_named_resource_servers_of_url_scopes() -> None:
    """Flows' scopes are built on its client id, its tokens are for "flows.globus.org" (globus-cli checks)."""
    assert resource_server_of("https://auth.globus.org/scopes/eec9b274-0c81-4334-bdc2-54e90e689b9a/all") == (
        "flows.globus.org"
    )
    timer = "https://auth.globus.org/scopes/524230d7-ea86-4a52-8312-86065a9e0417/timer"
    assert resource_server_of(timer) == "524230d7-ea86-4a52-8312-86065a9e0417"
    assert resource_server_of("urn:globus:auth:scope:groups.api.globus.org:all") == "groups.api.globus.org"


def test_scopes_of_groups_endpoints_and_collections(sandbox: SandboxHandle, alice_ac: globus_sdk.AuthClient) -> None:
    endpoint = LAB_ENDPOINT_ID
    strings = [
        "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships",
        f"urn:globus:auth:scope:{endpoint}:manage_collections",
        f"https://auth.globus.org/scopes/{LAB_STORAGE_ID}/https",
        f"https://auth.globus.org/scopes/{LAB_STORAGE_ID}/data_access",
    ]
    docs = alice_ac.get_scopes(scope_strings=strings)["scopes"]
    assert [d["scope_string"] for d in docs] == strings
    by_id = alice_ac.get_scopes(ids=[docs[2]["id"], docs[0]["id"]])["scopes"]
    assert [d["scope_string"] for d in by_id] == [strings[2], strings[0]]
    assert alice_ac.get_scope(docs[3]["id"])["scope"]["name"] == "Data access"
    with pytest.raises(globus_sdk.AuthAPIError) as unknown:
        alice_ac.get_scopes(scope_strings=["not a scope"])
    assert unknown.value.http_status == 404
    with pytest.raises(globus_sdk.AuthAPIError) as no_such_endpoint:  # well formed, but no endpoint has it
        alice_ac.get_scopes(scope_strings=["urn:globus:auth:scope:5d1a0b4e-0000-4000-8000-00000000e9d0:manage_collections"])
    assert no_such_endpoint.value.http_status == 404
    with pytest.raises(globus_sdk.AuthAPIError) as anonymous:
        globus_sdk.AuthClient(base_url=sandbox.auth_url).get_scopes(scope_strings=strings[:1])
    assert anonymous.value.http_status == 401

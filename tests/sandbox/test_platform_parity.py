"""Shape parity of Groups and Auth answers with globus_sdk.testing's recordings (keys and JSON types)."""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from typing import Any

import globus_sdk
import pytest
from globus_sdk.testing import get_response_set

from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_USERNAME,
    GLOBUS_CLI_TEMPLATE_CLIENT_ID,
    GROUPS_ALL_SCOPE,
    LAB_GROUP_ID,
    TRANSFER_SCOPE,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.groups_helpers import auth_client_for, groups_client_for
from tests.support.sandbox_login import (
    confidential_login,
    login_tokens,
    new_native_client,
    robot_auth_client,
)
from tests.support.shapes import shape_problems
from tests.support.transfer_helpers import unique


def _recorded(name: str, case: str = "default") -> Any:
    response = get_response_set(name).lookup(case)
    assert isinstance(response, globus_sdk.testing.RegisteredResponse)
    return response.json


@pytest.fixture(scope="module")
def clients(sandbox: SandboxHandle) -> dict[str, Any]:
    return {
        "groups": groups_client_for(sandbox, "alice"),
        "auth": auth_client_for(sandbox, "alice"),
        "robot": robot_auth_client(sandbox),
        "sandbox": sandbox,
    }


def _introspect(c: dict[str, Any]) -> Any:
    # Only a client in the token's audience may introspect it: the web app Alice signed in to.
    web_app, tokens = confidential_login(c["sandbox"], "openid profile email")
    return web_app.oauth2_token_introspect(tokens.by_resource_server["auth.globus.org"]["access_token"]).data


def _new_group(c: dict[str, Any]) -> Any:
    return c["groups"].create_group({"name": unique("parity"), "description": "shape check"}).data


def _deleted_group(c: dict[str, Any]) -> Any:
    return c["groups"].delete_group(_new_group(c)["id"]).data


def _policies(c: dict[str, Any]) -> Any:
    group_id = _new_group(c)["id"]
    current = c["groups"].get_group_policies(group_id).data
    return c["groups"].set_group_policies(group_id, current).data


def _templated_client(c: dict[str, Any]) -> Any:
    template = globus_sdk.NativeAppAuthClient(GLOBUS_CLI_TEMPLATE_CLIENT_ID, base_url=c["sandbox"].auth_url)
    body = {"client": {"template_id": GLOBUS_CLI_TEMPLATE_CLIENT_ID, "name": "parity"}}
    return template.post("/v2/api/clients", data=body).data


def _deleted_client(c: dict[str, Any]) -> Any:
    made = _templated_client(c)["included"]["client_credential"]
    client = globus_sdk.ConfidentialAppAuthClient(made["client"], made["secret"], base_url=c["sandbox"].auth_url)
    return client.delete(f"/v2/api/clients/{client.client_id}").data


# case -> (recorded response set, case, what the sandbox answers)
CASES: dict[str, tuple[str, str, Callable[[dict[str, Any]], Any]]] = {
    "get_group": ("groups.get_group", "default", lambda c: c["groups"].get_group(LAB_GROUP_ID).data),
    "get_my_groups": ("groups.get_my_groups", "default", lambda c: c["groups"].get_my_groups().data),
    "create_group": ("groups.create_group", "default", _new_group),
    "delete_group": ("groups.delete_group", "default", _deleted_group),
    "set_group_policies": ("groups.set_group_policies", "default", _policies),
    "get_identities": (
        "auth.get_identities", "default", lambda c: c["auth"].get_identities(usernames=ALICE_USERNAME).data
    ),
    "get_identity_providers": (
        "auth.get_identity_providers", "globusid",
        lambda c: c["auth"].get_identity_providers(domains=["globusid.org"]).data,
    ),
    "oauth2_token_introspect": ("auth.oauth2_token_introspect", "default", _introspect),
    "get_scopes": (
        "auth.get_scopes", "string",
        lambda c: c["auth"].get_scopes(scope_strings=[GROUPS_ALL_SCOPE]).data,
    ),
    "get_scope": (
        "auth.get_scope", "default",
        lambda c: c["auth"].get_scope(c["auth"].get_scopes(scope_strings=[GROUPS_ALL_SCOPE])["scopes"][0]["id"]).data,
    ),
    "oauth2_exchange_code_for_tokens": (
        "auth.oauth2_exchange_code_for_tokens", "default",
        lambda c: login_tokens(c["sandbox"], TRANSFER_SCOPE, new_native_client(c["sandbox"])).data,
    ),
    "oauth2_exchange_code_for_tokens_openid": (
        "auth.oauth2_exchange_code_for_tokens", "openid",
        lambda c: login_tokens(c["sandbox"], "openid", new_native_client(c["sandbox"])).data,
    ),
    "oauth2_client_credentials_tokens": (
        "auth.oauth2_client_credentials_tokens", "default",
        lambda c: c["robot"].oauth2_client_credentials_tokens(requested_scopes=TRANSFER_SCOPE).data,
    ),
    "oauth2_revoke_token": ("auth.oauth2_revoke_token", "default", lambda c: c["robot"].oauth2_revoke_token("x").data),
    "delete_client": ("auth.delete_client", "default", _deleted_client),
    "get_consents": (
        "auth.get_consents", "default", lambda c: c["auth"].get_consents(ALICE_ID, all=True).data
    ),
}


# (case, where) -> why the sandbox's answer differs there, on purpose.
DOCUMENTED_DIFFERENCES = {
    ("delete_client", ".client.project"): "a client made from a template belongs to no project (the "
    "create_native_app_instance recording has project null too)",
}

# Recorded routes the sandbox does not serve, with why (every recording is either compared or listed here).
NOT_SERVED = {
    "groups.get_group_by_subscription_id": "subscriptions: the sandbox has no Globus subscriptions",
    "groups.set_subscription_admin_verified": "subscriptions: the sandbox has no Globus subscriptions",
    "auth.oauth2_get_dependent_tokens": "dependent tokens are for services acting for users; no client of it runs here",
    "auth.userinfo": "recordings are only of errors (401, 403); userinfo itself is checked in test_auth_flows",
    "auth.create_native_app_instance": "compared in test_templated_client_has_the_shape_globus_cli_reads",
}
# Developer-console management (projects, policies, clients, credentials, scopes): gterm and globus-cli users
# never call these; the sandbox seeds its clients and makes globus-cli's from its template.
_COMPARED = {spec[0] for spec in CASES.values()}
for _name in ("client", "child_client", "client_credential", "policy", "project", "scope"):
    for _verb in ("create", "update", "delete", "get"):
        if f"auth.{_verb}_{_name}" not in _COMPARED:
            NOT_SERVED.setdefault(f"auth.{_verb}_{_name}", "developer-console management (see above)")
for _name in ("clients", "client_credentials", "policies", "projects"):
    NOT_SERVED.setdefault(f"auth.get_{_name}", "developer-console management")


def test_every_groups_and_auth_recording_is_compared_or_listed() -> None:
    import globus_sdk.testing.data.auth as auth_data
    import globus_sdk.testing.data.groups as groups_data

    recorded = {
        f"{service}.{module.name}"
        for service, package in (("auth", auth_data), ("groups", groups_data))
        for module in pkgutil.iter_modules(package.__path__)
        if not module.name.startswith("_")
    }
    assert recorded - _COMPARED - set(NOT_SERVED) == set(), "new SDK recordings to compare or list"
    assert _COMPARED & set(NOT_SERVED) == set()


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_sandbox_answer_has_the_recorded_shape(clients: dict[str, Any], case_name: str) -> None:
    response_set, case, call = CASES[case_name]
    problems = shape_problems(_recorded(response_set, case), call(clients))
    problems = [p for p in problems if (case_name, p.split(":")[0]) not in DOCUMENTED_DIFFERENCES]
    assert problems == [], f"{case_name}: {problems}"


def test_templated_client_has_the_shape_globus_cli_reads(clients: dict[str, Any]) -> None:
    # The recording nests the document one level too deep ({"client": {"client": ..., "included": ...}});
    # globus-cli reads res["included"]["client_credential"], which is what Auth answers.
    recorded = _recorded("auth.create_native_app_instance")["client"]
    problems = shape_problems(recorded, _templated_client(clients))
    assert problems == []


def test_unauthorized_errors_have_the_recorded_shape(clients: dict[str, Any]) -> None:
    anonymous = globus_sdk.AuthClient(base_url=clients["sandbox"].auth_url)
    with pytest.raises(globus_sdk.AuthAPIError) as info:
        anonymous.get_identities(usernames=ALICE_USERNAME)
    assert shape_problems(_recorded("auth.get_identities", "unauthorized"), info.value.raw_json) == []

"""Shape parity of Groups and Auth answers with globus_sdk.testing's recordings (keys and JSON types)."""

from __future__ import annotations

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
)
from gterm.sandbox.server import SandboxHandle
from tests.support.groups_helpers import auth_client_for, groups_client_for
from tests.support.sandbox_login import robot_auth_client
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
    return c["robot"].oauth2_token_introspect(c["auth"].authorizer.access_token).data


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
    "get_consents": (
        "auth.get_consents", "default", lambda c: c["auth"].get_consents(ALICE_ID, all=True).data
    ),
}


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_sandbox_answer_has_the_recorded_shape(clients: dict[str, Any], case_name: str) -> None:
    response_set, case, call = CASES[case_name]
    problems = shape_problems(_recorded(response_set, case), call(clients))
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

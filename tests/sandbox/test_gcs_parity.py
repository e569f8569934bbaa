"""Shape parity of the GCS Manager API with globus_sdk.testing's recorded GCS answers (keys and JSON types).

Every fixture module under ``globus_sdk/testing/data/globus_connect_server/`` is
classified, so a new SDK recording cannot be silently ignored. Differences the
sandbox has on purpose are listed in ALLOWED with the reason.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from typing import Any

import globus_sdk
import globus_sdk.testing.data.globus_connect_server as gcs_fixtures
import pytest
from globus_sdk.testing import get_response_set

from gterm.sandbox import roles_store
from gterm.sandbox.seed_ids import ALICE_ID, LAB_ENDPOINT_ID, LAB_GATEWAY_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.gcs_helpers import gcs_client_for, manager_url
from tests.support.shapes import shape_problems

Call = Callable[[globus_sdk.GCSClient], Any]


def _new_credential(gcs: globus_sdk.GCSClient) -> str:
    doc = globus_sdk.UserCredentialDocument(storage_gateway_id=LAB_GATEWAY_ID, identity_id=ALICE_ID, username="alice")
    return str(gcs.create_user_credential(doc)["id"])


def _created_credential(gcs: globus_sdk.GCSClient) -> Any:
    doc = globus_sdk.UserCredentialDocument(storage_gateway_id=LAB_GATEWAY_ID, identity_id=ALICE_ID, username="alice")
    answer = gcs.create_user_credential(doc)
    gcs.delete_user_credential(answer["id"])
    return answer.full_data


def _updated_credential(gcs: globus_sdk.GCSClient) -> Any:
    credential_id = _new_credential(gcs)
    answer = gcs.update_user_credential(credential_id, {"display_name": "renamed"})
    gcs.delete_user_credential(credential_id)
    return answer.full_data


def _deleted_credential(gcs: globus_sdk.GCSClient) -> Any:
    return gcs.delete_user_credential(_new_credential(gcs)).data


def _got_credential(gcs: globus_sdk.GCSClient) -> Any:
    credential_id = _new_credential(gcs)
    answer = gcs.get_user_credential(credential_id)
    gcs.delete_user_credential(credential_id)
    return answer.full_data


def _listed_credentials(gcs: globus_sdk.GCSClient) -> Any:
    credential_id = _new_credential(gcs)
    answer = gcs.get_user_credential_list()
    gcs.delete_user_credential(credential_id)
    return answer.data


#: fixture module -> (case, call producing the sandbox's whole answer).
COMPARED: dict[str, tuple[str, Call]] = {
    "get_gcs_info": ("default", lambda gcs: gcs.get_gcs_info().full_data),
    "get_endpoint": ("default", lambda gcs: gcs.get_endpoint().full_data),
    "update_endpoint": (
        "include_endpoint",
        lambda gcs: gcs.update_endpoint({"description": "parity"}, include=["endpoint"]).full_data,
    ),
    "get_collection_list": ("default", lambda gcs: gcs.get_collection_list().data),
    "get_storage_gateway_list": ("default", lambda gcs: gcs.get_storage_gateway_list().data),
    "get_storage_gateway": ("default", lambda gcs: gcs.get_storage_gateway(LAB_GATEWAY_ID).full_data),
    "get_user_credential_list": ("default", _listed_credentials),
    "get_user_credential": ("default", _got_credential),
    "create_user_credential": ("default", _created_credential),
    "update_user_credential": ("default", _updated_credential),
    "delete_user_credential": ("default", _deleted_credential),
}

NOT_IMPLEMENTED = {
    "create_storage_gateway": "gateways are set up with the endpoint; the sandbox serves them read only",
    "update_storage_gateway": "storage gateways are read only here",
    "delete_storage_gateway": "storage gateways are read only here",
}

#: Documented differences: (fixture module, path in the document) -> why.
ALLOWED: dict[tuple[str, str], str] = {
    ("get_storage_gateway_list", ".data[0].restrict_paths: NoneType instead of an object"): (
        "the sandbox's gateways restrict no paths (GCS answers null then)"
    ),
    ("get_storage_gateway", ".data[0].restrict_paths: NoneType instead of an object"): (
        "the sandbox's gateways restrict no paths (GCS answers null then)"
    ),
}


def test_every_sdk_gcs_fixture_is_classified() -> None:
    modules = {m.name for m in pkgutil.iter_modules(gcs_fixtures.__path__) if not m.name.startswith("_")}
    unclassified = modules - set(COMPARED) - set(NOT_IMPLEMENTED)
    assert unclassified == set(), f"new SDK GCS fixtures to classify: {sorted(unclassified)}"


@pytest.fixture(scope="module")
def alice_lab(sandbox: SandboxHandle) -> globus_sdk.GCSClient:
    return gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])


@pytest.mark.parametrize("module", sorted(COMPARED))
def test_gcs_answer_has_the_recorded_shape(
    sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient, module: str
) -> None:
    case, call = COMPARED[module]
    recorded = get_response_set(f"globus_connect_server.{module}").lookup(case)
    assert isinstance(recorded, globus_sdk.testing.RegisteredResponse)
    admin = None
    if module == "update_endpoint":  # only the endpoint's administrator may
        admin = roles_store.add_role(sandbox.state.db, LAB_ENDPOINT_ID, "identity", ALICE_ID, "administrator")
    try:
        actual = call(alice_lab)
    finally:
        if admin is not None:
            roles_store.delete_role(sandbox.state.db, LAB_ENDPOINT_ID, admin)
    problems = [p for p in shape_problems(recorded.json, actual) if (module, p) not in ALLOWED]
    assert not problems, f"{module}: {problems}"
    if isinstance(recorded.json, dict) and recorded.json.get("data"):
        # The documents themselves carry the recorded DATA_TYPE family (name before '#').
        expected_type = recorded.json["data"][0]["DATA_TYPE"].split("#")[0]
        assert actual["data"][0]["DATA_TYPE"].split("#")[0] == expected_type


def test_recorded_error_shape_for_a_refused_listing(sandbox: SandboxHandle) -> None:
    """The recorded ``forbidden`` collection list: the error envelope keys GCS sends."""
    recorded = get_response_set("globus_connect_server.get_collection_list").lookup("forbidden")
    assert isinstance(recorded, globus_sdk.testing.RegisteredResponse)
    bob = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob")
    with pytest.raises(globus_sdk.GCSAPIError) as info:
        bob.get_collection("00000000-0000-4000-8000-000000000000")
    body = info.value.raw_json
    assert isinstance(body, dict)
    allowed_extra_missing = {"marker"}  # a paging key of list answers; error documents here do not page
    missing = set(recorded.json) - set(body) - allowed_extra_missing
    assert not missing, f"error document lacks {sorted(missing)}"
    assert body["http_response_code"] == info.value.http_status == 404


def test_manager_url_matches_what_transfer_reports(sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient) -> None:
    assert alice_lab.get_endpoint()["gcs_manager_url"] == manager_url(sandbox, LAB_ENDPOINT_ID)

"""Shape parity: the sandbox answers carry every key of globus_sdk.testing's recorded fixtures.

Every fixture module under ``globus_sdk/testing/data/transfer/`` is classified
below, so a new SDK fixture cannot be silently ignored:

- NON_TASK_CASES (S-TRANSFER): compared here, against the live sandbox.
- TASK_FIXTURES: task routes; their parity belongs to the S-TASKS helper, who may
  compare them in their own test (or extend this file's list).
- COMPARED_ELSEWHERE: compared by the test module that exercises the route.
- NOT_IMPLEMENTED: routes the sandbox deliberately does not serve (with why).
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from typing import Any

import globus_sdk
import globus_sdk.testing.data.transfer as transfer_fixtures
import pytest
from globus_sdk.testing import get_response_set

from gterm.sandbox.seed_ids import ALICES_LAPTOP_ID, BOB_SHARED_ID, LAB_STORAGE_ID
from tests.support.transfer_helpers import unique

# case name -> (fixture module, fixture case, call producing the sandbox document)
Call = Callable[[Any, Any], dict[str, Any]]


def _error_doc(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        call()
    assert isinstance(info.value.raw_json, dict)
    return info.value.raw_json


def _mkdir(alice: Any, bob: Any) -> dict[str, Any]:
    return alice.operation_mkdir(LAB_STORAGE_ID, f"/~/{unique('parity')}/").data


def _rename(alice: Any, bob: Any) -> dict[str, Any]:
    old = f"/~/{unique('parity')}/"
    alice.operation_mkdir(LAB_STORAGE_ID, old)
    return alice.operation_rename(LAB_STORAGE_ID, old, old.rstrip("/") + "-renamed/").data


def _update(alice: Any, bob: Any) -> dict[str, Any]:
    # Transfer updates Globus Connect Personal collections (GCSv5 ones are read only there).
    current = alice.get_endpoint(ALICES_LAPTOP_ID)
    return alice.update_endpoint(ALICES_LAPTOP_ID, {"description": current["description"]}).data


NON_TASK_CASES: dict[str, tuple[str, str, Call]] = {
    "get_endpoint": ("get_endpoint", "default", lambda a, b: a.get_endpoint(LAB_STORAGE_ID).data),
    "get_guest_endpoint": ("get_endpoint", "default", lambda a, b: a.get_endpoint(BOB_SHARED_ID).data),
    "get_gcp_endpoint": ("get_endpoint", "default", lambda a, b: a.get_endpoint(ALICES_LAPTOP_ID).data),
    "update_endpoint": ("update_endpoint", "default", _update),
    "operation_mkdir": ("operation_mkdir", "default", _mkdir),
    "operation_rename": ("operation_rename", "default", _rename),
    "operation_stat": (
        "operation_stat", "default", lambda a, b: a.operation_stat(LAB_STORAGE_ID, "/~/README.md").data,
    ),
    "operation_stat_link": (
        "operation_stat", "default", lambda a, b: a.operation_stat(LAB_STORAGE_ID, "/~/latest-run").data,
    ),
    "operation_stat_not_found": (
        "operation_stat", "not_found",
        lambda a, b: _error_doc(lambda: a.operation_stat(LAB_STORAGE_ID, "/~/missing.txt")),
    ),
    "operation_stat_permission_denied": (
        "operation_stat", "permission_denied",
        lambda a, b: _error_doc(lambda: b.operation_stat(LAB_STORAGE_ID, "/home/alice/README.md")),
    ),
}

TASK_FIXTURES = {
    "cancel_task", "get_submission_id", "submit_delete", "submit_transfer", "task_list",
}

#: Fixtures compared key for key (and JSON type) by the test module that exercises their routes.
COMPARED_ELSEWHERE = {
    "endpoint_manager_task_list": "tests/sandbox/test_endpoint_manager.py",
    "endpoint_manager_task_successful_transfers": "tests/sandbox/test_endpoint_manager.py",
}

NOT_IMPLEMENTED = {
    "create_tunnel": "stream tunnels (v2) are out of scope for a file manager sandbox",
    "delete_tunnel": "stream tunnels",
    "get_tunnel": "stream tunnels",
    "get_tunnel_events": "stream tunnels",
    "list_tunnels": "stream tunnels",
    "update_tunnel": "stream tunnels",
    "get_stream_access_point": "stream tunnels",
    "set_subscription_admin_verified": "subscription administration",
    "set_subscription_id": "subscription administration",
    "v2": "the v2 JSON:API bookmarks of a newer client class; TransferClient uses v0.10 bookmarks",
}


def _fixture_doc(module: str, case: str) -> dict[str, Any]:
    response = get_response_set(f"transfer.{module}").lookup(case)
    assert isinstance(response, globus_sdk.testing.RegisteredResponse)
    assert isinstance(response.json, dict)
    return response.json


def test_every_sdk_transfer_fixture_is_classified() -> None:
    modules = {m.name for m in pkgutil.iter_modules(transfer_fixtures.__path__) if not m.name.startswith("_")}
    covered = {spec[0] for spec in NON_TASK_CASES.values()}
    unclassified = modules - covered - TASK_FIXTURES - set(COMPARED_ELSEWHERE) - set(NOT_IMPLEMENTED)
    assert unclassified == set(), f"new SDK fixtures to classify: {sorted(unclassified)}"


@pytest.mark.parametrize("case_name", sorted(NON_TASK_CASES))
def test_sandbox_document_has_every_fixture_key(alice_tc: Any, bob_tc: Any, case_name: str) -> None:
    module, case, call = NON_TASK_CASES[case_name]
    expected = _fixture_doc(module, case)
    actual = call(alice_tc, bob_tc)
    missing = set(expected) - set(actual)
    assert not missing, f"{case_name}: sandbox lacks fixture keys {sorted(missing)}"
    # One level down too: the server entries of an endpoint document.
    if expected.get("DATA") and isinstance(expected["DATA"], list):
        assert actual["DATA"], f"{case_name}: fixture has DATA entries, sandbox has none"
        missing_nested = set(expected["DATA"][0]) - set(actual["DATA"][0])
        assert not missing_nested, f"{case_name}: DATA entries lack {sorted(missing_nested)}"
    if "DATA_TYPE" in expected:
        assert actual["DATA_TYPE"] == expected["DATA_TYPE"]

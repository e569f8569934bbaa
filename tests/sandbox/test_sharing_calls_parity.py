"""Every call the sharing feature makes, checked against the SDK's recordings (and its source where none exists).

gterm's own services (SharingService, CollectionRoles, GroupsService) run the whole feature against the live
sandbox with the real SDK; a response hook on each client's requests session records what went out and what
came back. Then, per call:

- the request's method and path are the ones the SDK's recording was made for (``get_response_set``:
  method and path with the recording's ids), or, for the calls the SDK has no recording of (listed in
  ``UNRECORDED`` with the route its source documents), that route; query and body keys are the ones
  Globus documents for it;
- the sandbox's answer to gterm's exact request has every key (and JSON type) of the recorded answer.

The Groups and Auth parity tests (test_platform_parity) compare the sandbox's answers to their own
requests; this module checks gterm's requests, and the answers to those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import globus_sdk
import pytest
import requests
from globus_sdk.testing import RegisteredResponse, get_response_set

from gterm.globus.collection_roles import RolesPlace
from gterm.globus.groups import GroupsService
from gterm.globus.sharing import SharingService
from gterm.sandbox.seed_ids import ALICES_LAPTOP_ID, LAB_GROUP_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.gcs_helpers import gcs_client_for, manage_scope
from tests.support.groups_helpers import auth_client_for, groups_client_for
from tests.support.sandbox_login import login_tokens, new_native_client, transfer_client_for
from tests.support.shapes import shape_problems
from tests.support.transfer_helpers import unique

ClientT = TypeVar("ClientT", bound=globus_sdk.BaseClient)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Call:
    """One SDK method gterm calls: the route it must hit, the keys it may send, the recording (if any)."""

    method: str
    path: str  # with {id} for every id
    query: frozenset[str] = frozenset()
    body: frozenset[str] = frozenset()
    recording: str | None = None  # globus_sdk.testing name
    case: str = "default"


ACCESS_KEYS = frozenset({"DATA_TYPE", "principal_type", "principal", "path", "permissions", "expiration_date",
                         "notify_email", "notify_message"})

#: The calls of issue 12's feature, keyed by the SDK method gterm calls.
CALLS: dict[str, Call] = {
    # Transfer (transfer:all)
    "transfer.get_endpoint": Call("GET", "/v0.10/endpoint/{id}", recording="transfer.get_endpoint"),
    "transfer.endpoint_search": Call("GET", "/v0.10/endpoint_search", query=frozenset({"filter_scope", "limit",
                                                                                        "offset"})),
    "transfer.endpoint_acl_list": Call("GET", "/v0.10/endpoint/{id}/access_list"),
    "transfer.add_endpoint_acl_rule": Call("POST", "/v0.10/endpoint/{id}/access", body=ACCESS_KEYS),
    "transfer.update_endpoint_acl_rule": Call("PUT", "/v0.10/endpoint/{id}/access/{id}",
                                              body=frozenset({"DATA_TYPE", "permissions", "expiration_date"})),
    "transfer.delete_endpoint_acl_rule": Call("DELETE", "/v0.10/endpoint/{id}/access/{id}"),
    "transfer.create_shared_endpoint": Call("POST", "/v0.10/shared_endpoint",
                                            body=frozenset({"DATA_TYPE", "host_endpoint", "host_path",
                                                            "display_name", "description"})),
    "transfer.delete_endpoint": Call("DELETE", "/v0.10/endpoint/{id}"),
    "transfer.endpoint_role_list": Call("GET", "/v0.10/endpoint/{id}/role_list"),
    "transfer.add_endpoint_role": Call("POST", "/v0.10/endpoint/{id}/role",
                                       body=frozenset({"DATA_TYPE", "principal_type", "principal", "role"})),
    "transfer.delete_endpoint_role": Call("DELETE", "/v0.10/endpoint/{id}/role/{id}"),
    # Auth
    "auth.get_identities(usernames)": Call("GET", "/v2/api/identities", query=frozenset({"usernames", "provision"}),
                                           recording="auth.get_identities"),
    "auth.get_identities(ids)": Call("GET", "/v2/api/identities", query=frozenset({"ids"}),
                                     recording="auth.get_identities", case="multiple"),
    # GCS Manager (manage_collections)
    "gcs.create_collection": Call("POST", "/api/collections",
                                  body=frozenset({"DATA_TYPE", "collection_type", "mapped_collection_id",
                                                  "collection_base_path", "display_name", "description"})),
    "gcs.delete_collection": Call("DELETE", "/api/collections/{id}"),
    "gcs.get_role_list": Call("GET", "/api/roles", query=frozenset({"collection_id", "include"})),
    "gcs.create_role": Call("POST", "/api/roles",
                            body=frozenset({"DATA_TYPE", "collection", "principal", "role"})),
    "gcs.delete_role": Call("DELETE", "/api/roles/{id}"),
    # Groups v2
    "groups.get_my_groups": Call("GET", "/v2/groups/my_groups", recording="groups.get_my_groups"),
    "groups.get_group": Call("GET", "/v2/groups/{id}", query=frozenset({"include"}), recording="groups.get_group"),
    "groups.create_group": Call("POST", "/v2/groups", body=frozenset({"name", "description"}),
                                recording="groups.create_group"),
    # The SDK's docstring says PUT .../membership_fields; its code (and Globus' OpenAPI ref) POST /v2/groups/{id}.
    "groups.batch_membership_action": Call("POST", "/v2/groups/{id}",
                                           body=frozenset({"add", "invite", "remove", "change_role", "leave"})),
}

#: Why a call has no recording to compare with: globus-sdk 4.10's globus_sdk.testing has none.
UNRECORDED = {name for name, call in CALLS.items() if call.recording is None}

#: Differences between a recorded answer and the sandbox's, on purpose: null where the recording (a GCSv4
#: endpoint) has a value. Activation is gone (expire_time null on GCSv5 and Globus Connect Personal), and a
#: Globus Connect Personal endpoint has no fixed server address (its server entry's hostname/uri/port/...);
#: a share made without a description or organization has none.
ALLOWED: dict[str, set[str]] = {
    "transfer.get_endpoint": {
        ".organization: NoneType instead of str",
        ".description: NoneType instead of str",
        ".expire_time: NoneType instead of str",
        ".DATA[0].hostname: NoneType instead of str",
        ".DATA[0].uri: NoneType instead of str",
        ".DATA[0].port: NoneType instead of int",
        ".DATA[0].scheme: NoneType instead of str",
        ".DATA[0].subject: NoneType instead of str",
    },
}


def service_path(path: str) -> str:
    """A sandbox URL path as the real service's: ids as {id}, without the sandbox's mount of the service
    (Groups under /groups, each GCS Manager under /gcs/<endpoint>; a real one is its own host)."""
    path = UUID.sub("{id}", path)
    for mount in ("/groups/", "/gcs/{id}/"):
        if path.startswith(mount):
            return "/" + path[len(mount):]
    return path


@dataclass
class Seen:
    method: str
    path: str  # as service_path gives it
    query: set[str]
    body: set[str]
    status: int
    answer: Any


class Recorder:
    """Records every request a client sends and the answer it gets (the real request, over HTTPS)."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []

    def attach(self, client: ClientT) -> ClientT:
        """Wrap the client's ``session.send`` (the SDK prepares requests itself, so session hooks never run)."""
        session: requests.Session = client.transport.session
        send = session.send

        def recorded_send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            response = send(request, **kwargs)
            self._record(response)
            return response

        session.send = recorded_send  # type: ignore[method-assign]  # a recording wrapper, same signature
        return client

    def _record(self, response: requests.Response) -> None:
        request = response.request
        url = urlsplit(str(request.url))
        body: set[str] = set()
        if request.body:
            raw = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
            document = json.loads(raw)
            body = set(document) if isinstance(document, dict) else set()
        try:
            answer = response.json()
        except ValueError:
            answer = None
        self.seen.append(Seen(str(request.method), service_path(url.path), set(parse_qs(url.query)), body,
                              response.status_code, answer))


def _services(sandbox: SandboxHandle, recorder: Recorder) -> tuple[SharingService, GroupsService]:
    transfer = recorder.attach(transfer_client_for(sandbox, "alice"))
    auth = recorder.attach(auth_client_for(sandbox, "alice"))
    groups_client = recorder.attach(groups_client_for(sandbox, "alice"))
    manage: dict[str, str] = {}

    def gcs(endpoint_id: str, url: str, mapped_id: str) -> globus_sdk.GCSClient:
        client = gcs_client_for(sandbox, endpoint_id, "alice", data_access=[mapped_id])
        return recorder.attach(globus_sdk.GCSClient(url, authorizer=client.authorizer))  # gterm's URL, from Transfer

    def gcs_manager(endpoint_id: str, url: str) -> globus_sdk.GCSClient:
        if endpoint_id not in manage:
            tokens = login_tokens(sandbox, f"openid {manage_scope(endpoint_id)}", new_native_client(sandbox))
            manage[endpoint_id] = tokens.by_resource_server[endpoint_id]["access_token"]
        authorizer = globus_sdk.AccessTokenAuthorizer(manage[endpoint_id])
        return recorder.attach(globus_sdk.GCSClient(url, authorizer=authorizer))

    groups = GroupsService(lambda: groups_client)
    sharing = SharingService(lambda: transfer, lambda: auth, gcs, lambda: [g.ref for g in groups.my_groups()],
                             gcs_manager=gcs_manager)
    return sharing, groups


def _run_the_feature(sharing: SharingService, groups: GroupsService, alice_tc: Any) -> str:
    """Everything issue 12's screens do, once, through gterm's services; the id of the group it made
    (gterm deletes what else it creates; it has no group deletion)."""
    folder = f"/home/alice/{unique('parity')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    guest = sharing.share_folder(LAB_STORAGE_ID, folder, "Parity share")  # get_endpoint + GCS create_collection
    rule_id = sharing.add_rule(guest, sharing.resolve_grantee("bob@example.org"), "/", "r",
                               notify_email="bob@example.org", notify_message="hello")
    sharing.forget_names()
    rules = sharing.rules(guest)
    sharing.principal_labels(rules)  # identities by id
    sharing.update_rule(guest, rule_id, permissions="rw", expires=None)
    sharing.delete_rule(guest, rule_id)
    sharing.shared_by_me(LAB_STORAGE_ID)

    gcs_place = sharing.roles.place(guest)
    role_id = sharing.roles.add(gcs_place, "identity", sharing.resolve_grantee("bob@example.org").principal,
                                "access_manager")
    sharing.roles.roles(gcs_place)
    sharing.roles.remove(gcs_place, role_id)
    laptop: RolesPlace = sharing.roles.place(ALICES_LAPTOP_ID)
    bob = sharing.resolve_grantee("bob@example.org").principal
    laptop_role = sharing.roles.add(laptop, "identity", bob, "activity_monitor")
    sharing.roles.roles(laptop)
    sharing.roles.remove(laptop, laptop_role)
    personal = sharing.create_personal_share(ALICES_LAPTOP_ID, "/", f"Parity personal {unique('p')}")
    sharing.delete_guest(personal)  # Transfer delete_endpoint
    sharing.delete_guest(guest)  # the GCS Manager's delete_collection

    groups.my_groups()
    groups.group(LAB_GROUP_ID)
    made = groups.create_group(f"Parity {unique('g')}")
    groups.add_member(made.id, bob)
    groups.change_role(made.id, bob, "manager")
    groups.remove_member(made.id, bob)
    return made.id


@pytest.fixture(scope="module")
def seen(sandbox: SandboxHandle) -> Iterator[list[Seen]]:
    recorder = Recorder()
    sharing, groups = _services(sandbox, recorder)
    alice_tc = transfer_client_for(sandbox, "alice")
    group_id = _run_the_feature(sharing, groups, alice_tc)
    yield recorder.seen
    groups_client_for(sandbox, "alice").delete_group(group_id)  # not a call of the feature: not recorded


def _matching(seen: list[Seen], call: Call) -> list[Seen]:
    return [s for s in seen if s.method == call.method and s.path == call.path
            and (not call.query or s.query <= call.query) and (call.query or not s.query - {"limit", "offset"})]


def test_every_request_is_a_listed_call_and_every_call_was_made(seen: list[Seen]) -> None:
    unlisted = [(s.method, s.path) for s in seen if not any(_matching([s], call) for call in CALLS.values())]
    assert unlisted == [], f"requests the feature makes that this module does not check: {unlisted}"
    unused = [name for name, call in CALLS.items() if not _matching(seen, call)]
    assert unused == [], f"calls listed but never made by the feature: {unused}"
    refused = [(s.method, s.path, s.status) for s in seen if s.status >= 400]
    assert refused == []


@pytest.mark.parametrize("name", sorted(CALLS))
def test_request_keys_are_the_documented_ones(seen: list[Seen], name: str) -> None:
    call = CALLS[name]
    for request in _matching(seen, call):
        assert request.body <= call.body, f"{name}: undocumented body keys {sorted(request.body - call.body)}"


@pytest.mark.parametrize("name", sorted(n for n in CALLS if CALLS[n].recording))
def test_request_and_answer_match_the_recording(seen: list[Seen], name: str) -> None:
    call = CALLS[name]
    assert call.recording is not None
    recorded = get_response_set(call.recording).lookup(call.case)
    assert isinstance(recorded, RegisteredResponse)
    assert recorded.method == call.method
    assert UUID.sub("{id}", recorded.path) == call.path
    requests_made = _matching(seen, call)
    assert requests_made
    for request in requests_made:
        problems = [p for p in shape_problems(recorded.json, request.answer) if p not in ALLOWED.get(name, set())]
        assert problems == [], f"{name} {request.path}: the sandbox's answer differs from the recording: {problems}"


@pytest.mark.parametrize("name", sorted(UNRECORDED))
def test_unrecorded_calls_really_have_no_recording(name: str) -> None:
    """When the SDK adds a recording for one of these, this fails: move it to a recorded Call."""
    service, method = name.split("(")[0].split(".")
    module = {"gcs": "globus_connect_server"}.get(service, service)
    with pytest.raises(ValueError, match="no fixtures defined"):
        get_response_set(f"{module}.{method}")

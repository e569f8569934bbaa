"""The bad-input corpus: every JSON route of the sandbox x malformed bodies, wrong types, extremes, invalid text.

Each probe must get a 4xx with a Globus-shaped JSON body (Transfer: code,
message, request_id; Auth: its errors array), and the server must still answer
afterwards. Raw ``requests`` sends what the SDK cannot (broken JSON, huge
bodies, junk query strings); the real SDK sends the rest, as applications do.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import globus_sdk
import pytest
import requests

from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICES_LAPTOP_ID,
    BOB_ID,
    GROUPS_ALL_SCOPE,
    LAB_STORAGE_ID,
    ROBOT_CLIENT_ID,
    TRANSFER_SCOPE,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.bad_input import (
    BAD_BOOL,
    BAD_BOOL_PARAM,
    BAD_ID,
    BAD_INT,
    BAD_TIME,
    DEEP,
    LONG_NAME,
    DocSpec,
    Probe,
    World,
    app_routes,
    bad_path,
    bad_text,
    body_probes,
    field_probes,
    judge,
    path_param_probes,
    query_probes,
    send,
)
from tests.support.mounts import tmpfs_at
from tests.support.sandbox_login import (
    LOGIN_SCOPES,
    login_tokens,
    new_native_client,
    own_sandbox,
)
from tests.support.tasks_helpers import collection_root

# The corpus' guest collection lives on Alice's Globus Connect Personal laptop: Transfer manages GCP
# collections (GCSv5 ones are read only through Transfer), so every Transfer write route gets probed.
HOST = ALICES_LAPTOP_ID
ALICE_DIR = "/bad-input/"


@pytest.fixture(scope="module")
def bad_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    # Throttled, so the task the probes update stays ACTIVE (a finished task answers 409 first).
    with own_sandbox(tmp_path_factory.mktemp("bad-input"), slow=4096) as handle:
        yield handle


@pytest.fixture(scope="module")
def world(bad_sandbox: SandboxHandle) -> World:
    client_id = new_native_client(bad_sandbox, "bad input corpus")
    tokens = login_tokens(bad_sandbox, f"{LOGIN_SCOPES} {TRANSFER_SCOPE} {GROUPS_ALL_SCOPE}", client_id)
    by_rs = tokens.by_resource_server
    tc = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(by_rs["transfer.api.globus.org"]["access_token"]),
        base_url=bad_sandbox.transfer_url,
    )
    tc.operation_mkdir(HOST, ALICE_DIR)
    root = collection_root(bad_sandbox, HOST) / ALICE_DIR.strip("/")
    (root / "src.txt").write_bytes(b"source\n")
    (root / "big.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    (root / "sub").mkdir()
    guest = tc.create_shared_endpoint(
        {"DATA_TYPE": "shared_endpoint", "host_endpoint": HOST, "host_path": ALICE_DIR,
         "display_name": "bad input guest"}
    )["id"]
    rule = tc.add_endpoint_acl_rule(
        guest, {"DATA_TYPE": "access", "principal_type": "identity", "principal": BOB_ID, "path": "/",
                "permissions": "r"}
    )["access_id"]
    bookmark = tc.create_bookmark({"name": "bad input", "endpoint_id": guest, "path": "/"})["id"]
    slow = globus_sdk.TransferData(guest, guest, label="slow")
    slow.add_item("/big.bin", "/big-copy.bin")
    task = tc.submit_transfer(slow)["task_id"]
    groups = globus_sdk.GroupsClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(by_rs["groups.api.globus.org"]["access_token"]),
        base_url=bad_sandbox.groups_url,
    )
    group = groups.create_group({"name": "bad input group"})["id"]
    return World(
        base_url=bad_sandbox.transfer_url,
        tokens={"transfer": by_rs["transfer.api.globus.org"]["access_token"],
                "auth": by_rs["auth.globus.org"]["access_token"],
                "groups": by_rs["groups.api.globus.org"]["access_token"]},
        robot_basic=(ROBOT_CLIENT_ID, bad_sandbox.client_secret(ROBOT_CLIENT_ID)),
        ids={"endpoint_id": guest, "rule_id": rule, "bookmark_id": bookmark, "task_id": task,
             "identity_id": ALICE_ID, "group_id": group},
        values={"guest": guest, "task": task},
    )


@pytest.fixture(scope="module")
def alice_tc(bad_sandbox: SandboxHandle, world: World) -> globus_sdk.TransferClient:
    return globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer(world.tokens["transfer"]), base_url=bad_sandbox.transfer_url
    )


def _run(world: World, probes: list[Probe]) -> None:
    """Send every probe; fail with the full list of wrong answers, and if the server stops answering."""
    wrong: list[str] = []
    statuses: Counter[int] = Counter()
    with requests.Session() as session:
        for probe in probes:
            try:
                response = send(world, probe, session)
            except requests.ConnectionError as exc:
                wrong.append(f"{probe.name}: connection failed ({exc.__class__.__name__})")
                session.close()
                continue
            statuses[response.status_code] += 1
            problem = judge(probe, response)
            if problem:
                wrong.append(f"{probe.name}: {problem}")
        _assert_alive(world, session)
    summary = f"{len(probes)} probes, statuses {dict(sorted(statuses.items()))}"
    assert not wrong, f"{len(wrong)} wrong answers ({summary}):\n" + "\n".join(wrong)


def _assert_alive(world: World, session: requests.Session) -> None:
    answer = session.get(f"{world.base_url}v0.10/endpoint/{LAB_STORAGE_ID}",
                         headers={"Authorization": f"Bearer {world.tokens['transfer']}"}, timeout=30)
    assert answer.status_code == 200, "the sandbox stopped answering after the probes"


def _routes(bad_sandbox: SandboxHandle) -> list[tuple[str, str]]:
    assert bad_sandbox.app is not None
    return list(app_routes(list(bad_sandbox.app.routes)))


# --------------------------------------------------------------------------- malformed bodies, every route


def test_malformed_bodies_on_every_route(bad_sandbox: SandboxHandle, world: World) -> None:
    routes = _routes(bad_sandbox)
    probes = body_probes(world, routes)
    assert len({p.template for p in probes}) >= 14  # every Transfer and Auth route that takes a body
    _run(world, probes)


def test_junk_path_parameters(bad_sandbox: SandboxHandle, world: World) -> None:
    _run(world, path_param_probes(world, _routes(bad_sandbox)))


# --------------------------------------------------------------------------- wrong types and extremes per field


def _transfer_doc(w: World) -> dict[str, Any]:
    g = w.values["guest"]
    return {"DATA_TYPE": "transfer", "source_endpoint": g, "destination_endpoint": g, "label": "ok",
            "DATA": [{"DATA_TYPE": "transfer_item", "source_path": "/src.txt", "destination_path": "/copy.txt",
                      "recursive": False}]}


def _delete_doc(w: World) -> dict[str, Any]:
    return {"DATA_TYPE": "delete", "endpoint": w.values["guest"], "label": "ok",
            "DATA": [{"DATA_TYPE": "delete_item", "path": "/no-such-file"}]}


_TASK_BOOLS = ("verify_checksum", "preserve_timestamp", "encrypt_data", "skip_source_errors",
               "fail_on_quota_errors", "delete_destination_extra", "notify_on_succeeded", "notify_on_failed",
               "notify_on_inactive")
_ENDPOINT_TEXT = {"description": 4096, "keywords": 1024, "organization": 1024, "department": 1024,
                  "contact_email": 1024, "contact_info": 4096, "info_link": 1024, "user_message": 1024,
                  "user_message_link": 1024}

DOC_SPECS = [
    DocSpec("POST", "/v0.10/transfer", _transfer_doc, {
        "source_endpoint": BAD_ID, "destination_endpoint": BAD_ID, "label": bad_text(128), "deadline": BAD_TIME,
        "sync_level": [7, 10**30, "maybe", "٣", "²", [], {}], "submission_id": [1, [], {}, "\ud800"],
        "source_local_user": bad_text(None), "destination_local_user": bad_text(None),
        "filter_rules": [{}, "x", 1, [1], [{"method": 1}], [{"DATA_TYPE": "filter_rule", "name": "\ud800"}]],
        "DATA": [{}, "x", 1, [1], [[]], []],
        **{name: BAD_BOOL for name in _TASK_BOOLS},
        "DATA.0.source_path": bad_path("/"), "DATA.0.destination_path": bad_path("/"),
        "DATA.0.recursive": BAD_BOOL,
        "DATA.0.checksum_algorithm": ["shake_128", "shake_256", "md4", 1, [], "\ud800", "md5\u0000"],
        "DATA.0.external_checksum": [1, [], {}, "\ud800"],
    }),
    DocSpec("POST", "/v0.10/delete", _delete_doc, {
        "endpoint": BAD_ID, "label": bad_text(128), "deadline": BAD_TIME, "local_user": bad_text(None),
        "DATA": [{}, "x", 1, [1], [[]], []],
        **{name: BAD_BOOL for name in ("recursive", "ignore_missing", "interpret_globs", "notify_on_succeeded")},
        "DATA.0.path": bad_path("/"),
    }),
    DocSpec("PUT", "/v0.10/task/{task_id}", lambda w: {"DATA_TYPE": "task", "label": "renamed"}, {
        "label": bad_text(128), "deadline": BAD_TIME,
    }),
    DocSpec("POST", "/v0.10/operation/endpoint/{endpoint_id}/mkdir",
            lambda w: {"DATA_TYPE": "mkdir", "path": "/new-dir/"}, {"path": bad_path("/")}),
    DocSpec("POST", "/v0.10/operation/endpoint/{endpoint_id}/rename",
            lambda w: {"DATA_TYPE": "rename", "old_path": "/src.txt", "new_path": "/renamed.txt"},
            {"old_path": bad_path("/"), "new_path": bad_path("/")}),
    DocSpec("PUT", "/v0.10/endpoint/{endpoint_id}", lambda w: {"DATA_TYPE": "endpoint", "description": "ok"}, {
        "display_name": bad_text(128), **{name: bad_text(limit) for name, limit in _ENDPOINT_TEXT.items()},
        "public": BAD_BOOL, "force_encryption": BAD_BOOL,
    }),
    DocSpec("POST", "/v0.10/shared_endpoint", lambda w: {
        "DATA_TYPE": "shared_endpoint", "host_endpoint": HOST, "host_path": ALICE_DIR + "sub/",
        "display_name": "new guest"}, {
        "host_endpoint": BAD_ID, "host_path": bad_path(ALICE_DIR), "display_name": bad_text(128),
        "description": bad_text(4096), "public": BAD_BOOL,
    }),
    DocSpec("POST", "/v0.10/endpoint/{endpoint_id}/access", lambda w: {
        "DATA_TYPE": "access", "principal_type": "identity", "principal": ROBOT_CLIENT_ID, "path": "/sub/",
        "permissions": "r"}, {
        "principal_type": [1, [], {}, "\ud800", "wizard"], "principal": BAD_ID, "path": bad_path("/"),
        "permissions": [1, [], {}, "w", "\ud800"], "expiration_date": BAD_TIME,
    }),
    DocSpec("PUT", "/v0.10/endpoint/{endpoint_id}/access/{rule_id}",
            lambda w: {"DATA_TYPE": "access", "permissions": "r"}, {
        "permissions": [1, [], {}, "w", "\ud800"], "expiration_date": BAD_TIME,
    }),
    DocSpec("POST", "/v0.10/bookmark", lambda w: {
        "DATA_TYPE": "bookmark", "name": "fresh bookmark", "endpoint_id": w.values["guest"], "path": "/sub/"}, {
        "name": bad_text(128), "endpoint_id": BAD_ID, "path": bad_path("/"), "pinned": BAD_BOOL,
    }),
    DocSpec("PUT", "/v0.10/bookmark/{bookmark_id}", lambda w: {"DATA_TYPE": "bookmark", "name": "renamed"}, {
        "name": bad_text(128), "pinned": BAD_BOOL,
    }),
]


def test_wrong_types_extremes_and_invalid_text_in_documents(world: World) -> None:
    _run(world, field_probes(world, DOC_SPECS))


def test_delete_submissions_are_capped_like_transfers(world: World) -> None:
    doc = _delete_doc(world)
    doc["DATA"] = [{"DATA_TYPE": "delete_item", "path": f"/f{n}"} for n in range(100_001)]
    probe = Probe("POST /v0.10/delete DATA=100001 items", "POST", "/v0.10/delete", "/v0.10/delete",
                  json.dumps(doc).encode(), headers={"Content-Type": "application/json"})
    _run(world, [probe])


# --------------------------------------------------------------------------- query parameters


QUERY_SPECS: dict[str, dict[str, list[str]]] = {
    "/v0.10/operation/endpoint/{endpoint_id}/ls": {
        "show_hidden": BAD_BOOL_PARAM, "limit": BAD_INT, "offset": BAD_INT,
        "path": ["/" + LONG_NAME + "/", "/" + "d/" * 2100, "/a\x00b/"],
    },
    "/v0.10/operation/endpoint/{endpoint_id}/stat": {"path": ["/" + LONG_NAME, "/" + "d/" * 2100, "/a\x00b"]},
    "/v0.10/endpoint_search": {"limit": BAD_INT, "offset": BAD_INT},
    "/v0.10/task_list": {"limit": BAD_INT, "offset": BAD_INT},
    "/v0.10/task/{task_id}/event_list": {"limit": BAD_INT, "offset": BAD_INT},
    "/v0.10/task/{task_id}/successful_transfers": {"marker": BAD_INT, "limit": BAD_INT},
    "/v0.10/task/{task_id}/skipped_errors": {"marker": BAD_INT, "limit": BAD_INT},
}


def test_strict_query_parameters(world: World) -> None:
    _run(world, query_probes(world, QUERY_SPECS))


# --------------------------------------------------------------------------- Auth


def test_deeply_nested_scope_strings(world: World) -> None:
    deep = "urn:globus:auth:scope:transfer.api.globus.org:all" + "[*x" * DEEP + "]" * DEEP
    token = Probe("POST token client_credentials deep scope", "POST", "/v2/oauth2/token", "/v2/oauth2/token",
                  f"grant_type=client_credentials&scope={deep}".encode(),
                  headers={"Content-Type": "application/x-www-form-urlencoded"}, auth="robot_basic")
    # In a URL, 2,000 levels (8 KB) still pass Python's recursion limit yet stay under the server's
    # request-line limit (a 40 KB URL is cut off by the HTTP parser before the sandbox sees it).
    shallower = "urn:globus:auth:scope:transfer.api.globus.org:all" + "[*x" * 2000 + "]" * 2000
    authorize = Probe("GET authorize deep scope", "GET", "/v2/oauth2/authorize", "/v2/oauth2/authorize",
                      params={"client_id": ROBOT_CLIENT_ID, "redirect_uri": "http://127.0.0.1:1/cb",
                              "response_type": "code", "scope": shallower}, auth="none")
    _run(world, [token, authorize])


# --------------------------------------------------------------------------- through the real SDK


def _sdk_calls(tc: globus_sdk.TransferClient, w: World) -> dict[str, Callable[[], Any]]:
    """What the SDK can send (it refuses to encode lone surrogates itself: those go raw, above)."""
    g, task = w.values["guest"], w.values["task"]

    def transfer(**item: Any) -> Callable[[], Any]:
        def submit() -> Any:
            data = globus_sdk.TransferData(g, g, label=item.pop("label", None))
            data.add_item("/src.txt", item.pop("destination", "/copy.txt"), **item)
            return tc.submit_transfer(data)
        return submit

    def delete(path: str, **options: Any) -> Callable[[], Any]:
        def submit() -> Any:
            data = globus_sdk.DeleteData(g, **options)
            data.add_item(path)
            return tc.submit_delete(data)
        return submit

    return {
        "mkdir name over 255 bytes": lambda: tc.operation_mkdir(g, "/" + LONG_NAME + "/"),
        "mkdir path over 4096 bytes": lambda: tc.operation_mkdir(g, "/" + "d/" * 2100),
        "ls path over 4096 bytes": lambda: tc.operation_ls(g, path="/" + "d/" * 2100),
        "ls limit=10**30": lambda: tc.operation_ls(g, path="/", limit=10**30),
        "ls non-ASCII digits": lambda: tc.operation_ls(g, path="/", offset="١٢"),  # type: ignore[arg-type]
        "stat name over 255 bytes": lambda: tc.operation_stat(g, "/" + LONG_NAME),
        "rename to a name over 255 bytes": lambda: tc.operation_rename(g, "/src.txt", "/" + LONG_NAME),
        "transfer label over 128": transfer(label="x" * 129),
        "transfer checksum_algorithm=shake_128": transfer(checksum_algorithm="shake_128"),
        "transfer destination name over 255 bytes": transfer(destination="/" + LONG_NAME),
        "delete path over 4096 bytes": delete("/" + "d/" * 2100),
        "delete label over 128": delete("/x", label="y" * 129),
        "bookmark name over 128": lambda: tc.create_bookmark({"name": "b" * 129, "endpoint_id": g, "path": "/"}),
        "display_name over 128": lambda: tc.update_endpoint(g, {"display_name": "n" * 129}),
        "acl expiration_date object": lambda: tc.add_endpoint_acl_rule(g, {
            "DATA_TYPE": "access", "principal_type": "identity", "principal": ROBOT_CLIENT_ID, "path": "/sub/",
            "permissions": "r", "expiration_date": {"when": "soon"}}),
        "acl expiration_date list": lambda: tc.update_endpoint_acl_rule(
            g, w.ids["rule_id"], {"DATA_TYPE": "access", "permissions": "r", "expiration_date": ["2030"]}),
        "successful_transfers marker=10**30": lambda: tc.task_successful_transfers(task, marker=str(10**30)),
        "skipped_errors marker=10**30": lambda: tc.task_skipped_errors(task, marker=str(10**30)),
        "task_list limit=10**30": lambda: tc.task_list(limit=10**30),
    }


def test_sdk_requests_get_clean_4xx(world: World, alice_tc: globus_sdk.TransferClient) -> None:
    wrong = []
    for name, call in _sdk_calls(alice_tc, world).items():
        try:
            call()
        except globus_sdk.TransferAPIError as err:
            if not (400 <= err.http_status < 500 and err.code and err.request_id):
                wrong.append(f"{name}: HTTP {err.http_status} {err.code}: {err.message}")
            continue
        wrong.append(f"{name}: accepted")
    with requests.Session() as session:
        _assert_alive(world, session)
    assert not wrong, "\n".join(wrong)


def test_unsupported_checksum_algorithm_is_refused_with_a_clear_message(
    world: World, alice_tc: globus_sdk.TransferClient
) -> None:
    data = globus_sdk.TransferData(world.values["guest"], world.values["guest"])
    data.add_item("/src.txt", "/copy-shake.txt", checksum_algorithm="shake_128")
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.submit_transfer(data)
    assert (info.value.http_status, info.value.code) == (400, "ClientError.BadRequest")
    assert "shake_128" in (info.value.message or "")


# --------------------------------------------------------------------------- a rename across a mount point


@pytest.fixture
def mounted_dir(bad_sandbox: SandboxHandle) -> Iterator[str]:
    """A tmpfs mounted inside Alice's dir: a second file system inside the collection."""
    name = f"mnt-{uuid.uuid4().hex[:8]}"
    with tmpfs_at(collection_root(bad_sandbox, HOST) / ALICE_DIR.strip("/") / name):
        yield name


def test_rename_across_a_mount_point_is_a_clean_error(
    bad_sandbox: SandboxHandle, world: World, alice_tc: globus_sdk.TransferClient, mounted_dir: str
) -> None:
    g = world.values["guest"]
    alice_tc.operation_mkdir(g, f"/{mounted_dir}/inner/")
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.operation_rename(g, f"/{mounted_dir}/inner", "/moved-out")
    assert (info.value.http_status, info.value.code) == (409, "Conflict")
    assert str(bad_sandbox.data_dir) not in (info.value.message or "")
    assert alice_tc.operation_stat(g, f"/{mounted_dir}/inner")["type"] == "dir"  # nothing lost

"""Globus Auth's scope documents: ``GET /v2/api/scopes?scope_strings=...|ids=...`` and ``/v2/api/scopes/{id}``.

The sandbox knows the scopes of the services it plays and of every resource
server a login may name: Auth, Transfer, Groups (``all``,
``view_my_groups_and_memberships``), Search, Timers, Flows, each GCS endpoint
(``urn:globus:auth:scope:<ENDPOINT_ID>:manage_collections``) and each collection
(``https://auth.globus.org/scopes/<COLLECTION_ID>/data_access`` and ``/https``).
A well-formed scope string is looked up as such; ids resolve for the scopes
listed here and for every collection of the sandbox.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gterm.sandbox import auth_store
from gterm.sandbox.auth import api_caller, oauth_error, unauthorized
from gterm.sandbox.auth_identities import lookup_lists
from gterm.sandbox.scope_registry import KNOWN, is_known, known_scope_strings
from gterm.sandbox.scopes import data_access_collection, resource_server_of
from gterm.sandbox.seed_ids import TIMER_SCOPE, TRANSFER_SCOPE
from gterm.sandbox.state import SandboxState


def _describe(scope_string: str) -> tuple[str, str]:
    if scope_string in KNOWN:
        return KNOWN[scope_string]
    resource_server = resource_server_of(scope_string)
    if data_access_collection(scope_string):
        return "Data access", f"Access data on collection {resource_server}"
    if scope_string.endswith("/https"):
        return "HTTPS access", f"Read and write files over HTTPS on collection {resource_server}"
    if scope_string.endswith(":manage_collections"):
        return "Manage collections", f"Manage the collections of GCS endpoint {resource_server}"
    return scope_string.rsplit("/", 1)[-1].rsplit(":", 1)[-1], f"A scope of {resource_server}"


def scope_doc(scope_string: str) -> dict[str, Any]:
    """One scope as Auth describes it (raises ScopeError for a string that names no scope)."""
    name, description = _describe(scope_string)
    resource_server = resource_server_of(scope_string)
    dependent: list[dict[str, Any]] = []
    if scope_string == TIMER_SCOPE:  # Timers acts on Transfer for you
        dependent.append(
            {"scope": auth_store.scope_id(TRANSFER_SCOPE), "optional": False, "requires_refresh_token": True}
        )
    return {
        "id": auth_store.scope_id(scope_string),
        "scope_string": scope_string,
        "name": name,
        "description": description,
        "client": auth_store.service_client_id(resource_server),
        "allows_refresh_token": True,
        "advertised": True,
        "required_domains": [],
        "dependent_scopes": dependent,
    }


def _by_id(state: SandboxState) -> dict[str, str]:
    return {auth_store.scope_id(s): s for s in known_scope_strings(state)}


async def get_scopes(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    lists = lookup_lists(state, request, "ids", "scope_strings")
    if isinstance(lists, Response):
        return lists
    ids, strings = lists
    if strings is not None:
        docs = []
        for scope_string in strings:
            if not is_known(state, scope_string):
                return oauth_error(404, "not_found", f"no scope {scope_string!r}")
            docs.append(scope_doc(scope_string))
        return JSONResponse({"scopes": docs})
    if ids is not None:
        known = _by_id(state)
        missing = [i for i in ids if i.lower() not in known]
        if missing:
            return oauth_error(404, "not_found", f"no scope with id {missing[0]}")
        return JSONResponse({"scopes": [scope_doc(known[i.lower()]) for i in ids]})
    return JSONResponse({"scopes": []})  # the scopes the calling client owns: sandbox clients own none


async def get_scope(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if api_caller(state, request) is None:
        return unauthorized()
    scope_string = _by_id(state).get(request.path_params["scope_id"].lower())
    if scope_string is None:
        return oauth_error(404, "not_found", "no such scope")
    return JSONResponse({"scope": scope_doc(scope_string)})


def routes() -> list[BaseRoute]:
    return [
        Route("/v2/api/scopes", get_scopes, methods=["GET"]),
        Route("/v2/api/scopes/{scope_id}", get_scope, methods=["GET"]),
    ]

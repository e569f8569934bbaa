"""Globus Auth identity lookups: ``/v2/api/identities`` (with ``provision``) and ``/v2/api/identity_providers``.

Like Globus Auth, a lookup by username that finds nobody answers an empty list,
unless ``provision=true``: then a username in the domain of a known identity
provider gets an identity with status ``unused`` (someone may sign in with it
later; access rules and group invitations can name it today). A malformed
username (no ``local@domain``: ``@example.org``, ``bob``) is nobody's and is
never provisioned: the lookup answers no identity for it, as for an unknown one.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gterm.sandbox import auth_store
from gterm.sandbox.auth import api_caller, oauth_error, unauthorized
from gterm.sandbox.state import SandboxState

GLOBUS_ID_IDP_ID = "41143743-f3c8-4d60-bbdb-eeecaba85bd9"  # Globus ID's real provider id

#: The identity providers the sandbox knows; usernames are ``local@<domain>``.
IDENTITY_PROVIDERS: tuple[dict[str, Any], ...] = (
    {
        "id": auth_store.SANDBOX_IDP_ID,
        "name": auth_store.SANDBOX_IDP_NAME,
        "short_name": "sandbox",
        "domains": ["example.org"],
        "alternative_names": [],
    },
    {
        "id": GLOBUS_ID_IDP_ID,
        "name": "Globus ID",
        "short_name": "globusid",
        "domains": ["globusid.org"],
        "alternative_names": [],
    },
    {
        "id": auth_store.CLIENTS_IDP_ID,
        "name": auth_store.CLIENTS_IDP_NAME,
        "short_name": "clients",
        "domains": ["clients.auth.globus.org"],
        "alternative_names": [],
    },
)
_PROVISIONABLE = frozenset({auth_store.SANDBOX_IDP_ID, GLOBUS_ID_IDP_ID})  # client identities come from clients
#: A username's shape: one "@" between a non-empty local part and a domain, no spaces.
_USERNAME = re.compile(r"[^@\s]+@[^@\s]+")


def provider_for_username(username: str) -> dict[str, Any] | None:
    """The provider whose domain ``username`` is in; None for a malformed username (nobody's, at any provider)."""
    if not _USERNAME.fullmatch(username):
        return None
    domain = username.rpartition("@")[2]
    for provider in IDENTITY_PROVIDERS:
        if domain.lower() in provider["domains"]:
            return provider
    return None


def _csv(request: Request, name: str) -> list[str] | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


def lookup_lists(
    state: SandboxState, request: Request, first: str, second: str
) -> tuple[list[str] | None, list[str] | None] | Response:
    """The comma-separated lists of an Auth lookup that takes one of two keys (``ids`` or ``usernames``, ...).

    Answers the caller's error instead: 401 without Auth credentials, 400 when both keys are given.
    """
    if api_caller(state, request) is None:
        return unauthorized()
    one, other = _csv(request, first), _csv(request, second)
    if one is not None and other is not None:
        return oauth_error(400, "invalid_request", f"use either {first} or {second}, not both")
    return one, other


def _true(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").strip().lower() in ("true", "1", "yes")


async def identities(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    lists = lookup_lists(state, request, "ids", "usernames")
    if isinstance(lists, Response):
        return lists
    ids, usernames = lists
    rows = []
    if ids:
        rows = [auth_store.get_identity(state.db, identity_id) for identity_id in ids]
    elif usernames:
        provision = _true(request, "provision")
        for username in usernames:
            row = auth_store.find_identity_by_username(state.db, username)
            if row is None and provision:
                provider = provider_for_username(username)
                if provider is not None and provider["id"] in _PROVISIONABLE:
                    row = auth_store.provision_identity(state.db, username, provider["id"])
            rows.append(row)
    return JSONResponse({"identities": [auth_store.identity_doc(row) for row in rows if row is not None]})


async def identity_providers(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    lists = lookup_lists(state, request, "ids", "domains")
    if isinstance(lists, Response):
        return lists
    ids, domains = lists
    if ids is None and domains is None:
        return oauth_error(400, "invalid_request", "one of ids or domains is required")
    wanted_ids = {i.lower() for i in ids or ()}
    wanted_domains = {d.lower() for d in domains or ()}
    found = [
        dict(provider)
        for provider in IDENTITY_PROVIDERS
        if provider["id"] in wanted_ids or wanted_domains.intersection(provider["domains"])
    ]
    return JSONResponse({"identity_providers": found})


def routes() -> list[BaseRoute]:
    return [
        Route("/v2/api/identities", identities, methods=["GET"]),
        Route("/v2/api/identity_providers", identity_providers, methods=["GET"]),
    ]

"""Globus Auth client registration: ``POST /v2/api/clients`` from a template, ``DELETE /v2/api/clients/{id}``.

globus-cli's ``globus login`` does not sign in as its published native client:
it first asks Auth for a confidential client of its own, made from the template
client ``95fdeba8-...`` (no credentials needed for that request), stores the
returned secret and runs the authorization-code flow with it. ``globus logout``
deletes that client again, authenticating as the client itself.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gterm.sandbox import auth_store
from gterm.sandbox.auth import basic_credentials, oauth_error
from gterm.sandbox.errors import ApiError
from gterm.sandbox.request_parsing import parse_json
from gterm.sandbox.seed_ids import GLOBUS_CLI_TEMPLATE_CLIENT_ID
from gterm.sandbox.state import SandboxState

#: Clients whose instances anyone may create (Globus' templated apps).
TEMPLATE_CLIENT_IDS = frozenset({GLOBUS_CLI_TEMPLATE_CLIENT_ID})
_MAX_NAME = 100


def client_doc(client_id: str, name: str, parent_client: str | None) -> dict[str, Any]:
    return {
        "id": client_id,
        "name": name,
        "public_client": False,
        "client_type": "confidential_client",
        "grant_types": ["authorization_code", "client_credentials", "refresh_token"],
        "fqdns": [],
        "scopes": [],
        "redirect_uris": [],
        "required_idp": None,
        "preselect_idp": None,
        "userinfo_from_effective_identity": True,
        "prompt_for_named_grant": False,
        "links": {"privacy_policy": None, "terms_and_conditions": None},
        "visibility": "private",
        "parent_client": parent_client,
        "project": None,
    }


async def create_client(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    try:
        body = parse_json(await request.body())  # the sandbox's one JSON parser (limits, text)
    except ApiError as exc:
        return oauth_error(400, "invalid_request", exc.message)
    spec = body.get("client") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        return oauth_error(400, "invalid_request", "the body must be {\"client\": {...}}")
    template_id = str(spec.get("template_id") or "")
    if not template_id:
        # Registering arbitrary clients needs a developer's token and a project; the sandbox
        # offers only the templated path a client application takes on its own.
        return oauth_error(403, "forbidden", "only clients made from a template can be created here")
    if template_id not in TEMPLATE_CLIENT_IDS or auth_store.get_client(state.db, template_id) is None:
        return oauth_error(400, "invalid_request", f"{template_id} is not a template client")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
        return oauth_error(400, "invalid_request", f"client.name must be a string of 1 to {_MAX_NAME} characters")
    client_id, secret = auth_store.create_client(state.db, name, "confidential")
    assert secret is not None
    request.state.principal_id = client_id
    credential = {
        "id": str(uuid.uuid4()),
        "name": "Auto-created at client creation",
        "client": client_id,
        "secret": secret,
        "created": datetime.now(UTC).isoformat(),
    }
    return JSONResponse(
        {"client": client_doc(client_id, name, template_id), "included": {"client_credential": credential}}
    )


async def delete_client(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    client_id = request.path_params["client_id"].lower()
    basic = basic_credentials(request)
    client = auth_store.get_client(state.db, basic[0]) if basic is not None else None
    if (
        basic is None
        or client is None
        or client["type"] != "confidential"
        or not hmac.compare_digest(basic[1], client["secret"] or "")
    ):
        return oauth_error(401, "unauthorized", "Call must be authenticated")
    if client["id"] != client_id:
        return oauth_error(403, "forbidden", "a client may only delete itself")
    request.state.principal_id = client_id
    auth_store.delete_client(state.db, client_id)
    return JSONResponse({"client": client_doc(client_id, client["name"], None)})


def routes() -> list[BaseRoute]:
    return [
        Route("/v2/api/clients", create_client, methods=["POST"]),
        Route("/v2/api/clients/{client_id}", delete_client, methods=["DELETE"]),
    ]

"""Globus Auth (v2) routes of the sandbox, and token checks for the Transfer half.

Shapes follow what globus-sdk 4.x sends and parses: OAuth2 authorization code
with PKCE, refresh and client credentials grants, RS256 id_tokens, revoke,
introspect, validate, userinfo, identities and the consent forest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gterm.sandbox import auth_store
from gterm.sandbox.errors import ApiError
from gterm.sandbox.scope_registry import check_known
from gterm.sandbox.scopes import AUTH_RESOURCE_SERVER, Scope, ScopeError, parse_scopes, resource_server_of
from gterm.sandbox.seed_ids import TRANSFER_RESOURCE_SERVER, VIEW_IDENTITY_SET_SCOPE
from gterm.sandbox.state import SandboxState

GLOBUS_AUTH_CODE_PAGE = "https://auth.globus.org/v2/web/auth-code"


@dataclass(frozen=True)
class Principal:
    identity_id: str
    username: str
    client_id: str
    data_access: frozenset[str]  # collection ids whose data_access dependent consent this token carries


# --- token checks --------------------------------------------------------------


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _active_record(state: SandboxState, request: Request, resource_server: str) -> auth_store.TokenRecord | None:
    raw = _bearer(request)
    if raw is None:
        return None
    record = auth_store.lookup_token(state.db, raw)
    if record is None or record.kind != "access" or not record.is_active():
        return None
    if record.resource_server != resource_server:
        return None
    return record


def bearer_token(request: Request) -> str | None:
    """The bearer token of a request (None when the header is missing or malformed)."""
    return _bearer(request)


def token_for(state: SandboxState, request: Request, resource_server: str) -> auth_store.TokenRecord | None:
    """The active access token of a request, if it was issued for ``resource_server``."""
    return _active_record(state, request, resource_server)


def authenticate(state: SandboxState, request: Request) -> Principal:
    """The caller of a Transfer route, from its bearer token; 401 unless valid and unexpired."""
    record = _active_record(state, request, TRANSFER_RESOURCE_SERVER)
    if record is None:
        raise ApiError(401, "ClientError.AuthenticationFailed", "Token is not active")
    identity = auth_store.get_identity(state.db, record.identity_id)
    if identity is None:  # identities are never deleted; defensive only
        raise ApiError(401, "ClientError.AuthenticationFailed", "Token is not active")
    request.state.principal_id = record.identity_id
    # Like Transfer's dependent-token grant at Globus: data_access follows the consents
    # the identity has given this client *now*, so a consent granted later also
    # serves tokens issued earlier (globus-cli's client identity relies on that).
    data_access = auth_store.data_access_for(state.db, record.identity_id, record.client_id)
    return Principal(record.identity_id, identity["username"], record.client_id, data_access)


# --- errors ---------------------------------------------------------------------


#: Where Auth's API lives on the sandbox's one host (Transfer, Groups and GCS answer errors their own way).
AUTH_PATH_PREFIXES = ("/v2/api/", "/v2/oauth2/")


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    """An OAuth2 error as Globus Auth sends it (RFC 6749 keys plus a JSON:API errors array)."""
    error_id = str(uuid.uuid4())
    body = {
        "error": error,
        "error_description": description,
        "errors": [
            {"status": str(status), "id": error_id, "code": error.upper(), "detail": description, "title": error}
        ],
    }
    return JSONResponse(body, status_code=status)


def unauthorized() -> JSONResponse:
    return oauth_error(401, "unauthorized", "Call must be authenticated")


def html_error(status: int, message: str) -> HTMLResponse:
    page = f"<!doctype html><title>Sandbox Auth error</title><h1>Error</h1><p>{html.escape(message)}</p>"
    return HTMLResponse(page, status_code=status)


# --- request helpers -------------------------------------------------------------


async def form_fields(request: Request) -> dict[str, str]:
    """Parse an urlencoded body without python-multipart (first value per key)."""
    body = (await request.body()).decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote(client_id), unquote(secret)


def _authenticate_client(state: SandboxState, request: Request, form: dict[str, str]) -> sqlite3.Row | None:
    """The calling client: confidential ones prove their secret, native ones just name themselves."""
    basic = basic_credentials(request)
    if basic is not None:
        client_id, secret = basic
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    client = auth_store.get_client(state.db, client_id) if client_id else None
    if client is None:
        return None
    if client["type"] == "confidential" and (not secret or not hmac.compare_digest(secret, client["secret"] or "")):
        return None
    request.state.principal_id = client["id"]
    return client


# --- discovery --------------------------------------------------------------------


def _signing_key(state: SandboxState) -> tuple[str, Any]:
    """The RS256 key, parsed once per process (PEM parsing costs tens of ms)."""
    if state.signing_key is None:
        state.signing_key = auth_store.signing_key(state.db)
    return state.signing_key


def _issuer(state: SandboxState) -> str:
    return state.base_url.rstrip("/")


async def openid_configuration(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    issuer = _issuer(state)
    return JSONResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/v2/oauth2/authorize",
            "token_endpoint": f"{issuer}/v2/oauth2/token",
            "revocation_endpoint": f"{issuer}/v2/oauth2/token/revoke",
            "introspection_endpoint": f"{issuer}/v2/oauth2/token/introspect",
            "userinfo_endpoint": f"{issuer}/v2/oauth2/userinfo",
            "jwks_uri": f"{issuer}/jwk.json",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "at_hash",
                "email",
                "name",
                "preferred_username",
                "organization",
                "identity_provider",
                "identity_provider_display_name",
            ],
        }
    )


async def jwks(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    kid, key = _signing_key(state)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return JSONResponse({"keys": [jwk]})


# --- token endpoint ------------------------------------------------------------------


def _id_token(state: SandboxState, identity: sqlite3.Row, client_id: str, access_token: str) -> str:
    kid, key = _signing_key(state)
    now = int(time.time())
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    claims = {
        "iss": _issuer(state),
        "sub": identity["id"],
        "aud": client_id,
        "iat": now,
        "exp": now + 48 * 3600,
        "at_hash": base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("="),
        "preferred_username": identity["username"],
        "name": identity["name"],
        "email": identity["email"],
        "organization": identity["organization"],
        "identity_provider": identity["identity_provider"],
        "identity_provider_display_name": auth_store.identity_provider_name(identity),
        "identity_set": [_identity_set_entry(identity)],
        "last_authentication": now,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _identity_set_entry(identity: sqlite3.Row) -> dict[str, Any]:
    return {
        "sub": identity["id"],
        "username": identity["username"],
        "name": identity["name"],
        "email": identity["email"],
        "organization": identity["organization"],
        "identity_provider": identity["identity_provider"],
        "identity_provider_display_name": auth_store.identity_provider_name(identity),
        "last_authentication": int(time.time()),
        "status": identity["status"],
    }


def _issue(
    state: SandboxState,
    *,
    identity_id: str,
    client_id: str,
    resource_server: str,
    scope: str,
    grant_id: str,
    refresh_token: str | None,
) -> dict[str, Any]:
    """Mint one access token for a resource server."""
    access = auth_store.new_token()
    lifetime = state.config.access_token_lifetime
    auth_store.store_token(
        state.db,
        access,
        kind="access",
        grant_id=grant_id,
        identity_id=identity_id,
        client_id=client_id,
        resource_server=resource_server,
        scope=scope,
        expires_at=time.time() + lifetime,
    )
    return {
        "access_token": access,
        "expires_in": lifetime,
        "resource_server": resource_server,
        "scope": scope,
        "token_type": "Bearer",
        "refresh_token": refresh_token,
    }


def _grant_response(
    state: SandboxState, *, identity_id: str, client_id: str, scopes: list[Scope], offline: bool
) -> dict[str, Any]:
    """Tokens for a fresh grant: one per resource server, the Auth one on top."""
    by_rs: dict[str, list[str]] = {}
    for scope in scopes:
        by_rs.setdefault(resource_server_of(scope.scope_string), []).append(scope.scope_string)
    tokens: list[dict[str, Any]] = []
    for resource_server, names in by_rs.items():
        grant_id = uuid.uuid4().hex
        scope_text = " ".join(names)
        refresh: str | None = None
        if offline:
            refresh = auth_store.new_token()
            auth_store.store_token(
                state.db,
                refresh,
                kind="refresh",
                grant_id=grant_id,
                identity_id=identity_id,
                client_id=client_id,
                resource_server=resource_server,
                scope=scope_text,
                expires_at=None,
            )
        tokens.append(
            _issue(
                state,
                identity_id=identity_id,
                client_id=client_id,
                resource_server=resource_server,
                scope=scope_text,
                grant_id=grant_id,
                refresh_token=refresh,
            )
        )
    tokens.sort(key=lambda t: t["resource_server"] != AUTH_RESOURCE_SERVER)
    top, others = tokens[0], tokens[1:]
    body = dict(top)
    if "openid" in by_rs.get(AUTH_RESOURCE_SERVER, []):
        identity = auth_store.get_identity(state.db, identity_id)
        assert identity is not None
        body["id_token"] = _id_token(state, identity, client_id, top["access_token"])
    body["other_tokens"] = others
    return body


def _pkce_ok(challenge: str | None, verifier: str) -> bool:
    if challenge is None:
        return True
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    return hmac.compare_digest(expected, challenge)


async def token(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await form_fields(request)
    client = _authenticate_client(state, request, form)
    if client is None:
        return oauth_error(401, "invalid_client", "client authentication failed")
    grant_type = form.get("grant_type", "")
    if grant_type == "authorization_code":
        return _grant_authorization_code(state, request, client, form)
    if grant_type == "refresh_token":
        return _grant_refresh(state, request, client, form)
    if grant_type == "client_credentials":
        return _grant_client_credentials(state, request, client, form)
    return oauth_error(400, "unsupported_grant_type", f"unsupported grant_type {grant_type!r}")


def _grant_authorization_code(
    state: SandboxState, request: Request, client: sqlite3.Row, form: dict[str, str]
) -> Response:
    code = auth_store.take_code(state.db, form.get("code", ""))
    if code is None or code.client_id != client["id"]:
        return oauth_error(400, "invalid_grant", "authorization code is invalid, expired or already used")
    if form.get("redirect_uri", "") != code.redirect_uri:
        return oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request")
    if not _pkce_ok(code.code_challenge, form.get("code_verifier", "")):
        return oauth_error(400, "invalid_grant", "code_verifier does not match code_challenge")
    request.state.principal_id = code.identity_id
    body = _grant_response(
        state,
        identity_id=code.identity_id,
        client_id=client["id"],
        scopes=parse_scopes(code.scope),
        offline=code.offline,
    )
    # Auth echoes the authorize request's state on every token of the grant.
    for entry in (body, *body["other_tokens"]):
        entry["state"] = code.state
    return JSONResponse(body)


def _grant_refresh(state: SandboxState, request: Request, client: sqlite3.Row, form: dict[str, str]) -> Response:
    raw = form.get("refresh_token", "")
    record = auth_store.lookup_token(state.db, raw)
    if record is None or record.kind != "refresh" or record.revoked or record.client_id != client["id"]:
        return oauth_error(400, "invalid_grant", "refresh token is invalid or revoked")
    request.state.principal_id = record.identity_id
    # Globus returns the (unrotated) refresh token again; the SDK stores whatever comes back.
    body = _issue(
        state,
        identity_id=record.identity_id,
        client_id=record.client_id,
        resource_server=record.resource_server,
        scope=record.scope,
        grant_id=record.grant_id,
        refresh_token=raw,
    )
    body["other_tokens"] = []
    return JSONResponse(body)


def _grant_client_credentials(
    state: SandboxState, request: Request, client: sqlite3.Row, form: dict[str, str]
) -> Response:
    if client["type"] != "confidential":
        return oauth_error(401, "invalid_client", "client_credentials needs a confidential client")
    try:
        scopes = parse_scopes(form.get("scope", "") or "urn:globus:auth:scope:transfer.api.globus.org:all")
        check_known(state, scopes)
    except ScopeError as exc:
        return oauth_error(400, "invalid_scope", str(exc))
    # A client acting as itself consents for itself (Globus auto-approves these).
    auth_store.record_consents(state.db, client["id"], client["id"], scopes, auto_approved=True)
    body = _grant_response(state, identity_id=client["id"], client_id=client["id"], scopes=scopes, offline=False)
    return JSONResponse(body)


# --- revoke / introspect / validate -------------------------------------------------------


async def revoke(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await form_fields(request)
    client = _authenticate_client(state, request, form)
    if client is None:
        return oauth_error(401, "invalid_client", "client authentication failed")
    auth_store.revoke_token(state.db, form.get("token", ""), client["id"])
    return JSONResponse({"active": False})


def _session_info(state: SandboxState, record: auth_store.TokenRecord, identity: sqlite3.Row) -> dict[str, Any]:
    """The session a token belongs to: who authenticated, when, where (globus-cli's `session show`).

    The sandbox's session is the grant: it began when the user signed in for it, and
    a client acting as itself (client credentials) has no user session at all.
    """
    if identity["kind"] == "client":
        return {"session_id": None, "authentications": {}}
    started = auth_store.grant_started(state.db, record.grant_id) or record.issued_at
    return {
        "session_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "gterm-sandbox-session:" + record.grant_id)),
        "authentications": {
            identity["id"]: {
                "auth_time": int(started),
                "idp": identity["identity_provider"],
                "amr": None,
                "acr": None,
                "custom_claims": {},
            }
        },
    }


def _introspection(
    state: SandboxState, raw: str, caller_id: str, *, include_identity_set: bool, include_session_info: bool = False
) -> dict[str, Any]:
    """What Auth tells ``caller_id`` about a token: only a client in the token's audience learns anything.

    The audience is the resource server the token was issued for and the client it was
    issued to (``aud``, as Globus reports it). Any other client gets the same answer as
    for an unknown token, so introspection cannot be used to read other clients' users.
    """
    record = auth_store.lookup_token(state.db, raw)
    if record is None or not record.is_active() or caller_id not in (record.resource_server, record.client_id):
        return {"active": False}
    identity = auth_store.get_identity(state.db, record.identity_id)
    if identity is None:
        return {"active": False}
    body: dict[str, Any] = {
        "active": True,
        "token_type": "Bearer",
        "scope": record.scope,
        "client_id": record.client_id,
        "sub": identity["id"],
        "username": identity["username"],
        "name": identity["name"],
        "email": identity["email"],
        "iat": int(record.issued_at),
        "nbf": int(record.issued_at),
        "iss": _issuer(state),
        "aud": [record.resource_server, record.client_id],
    }
    if record.expires_at is not None:
        body["exp"] = int(record.expires_at)
    if include_identity_set:
        body["identity_set"] = [identity["id"]]
    if include_session_info:
        body["session_info"] = _session_info(state, record, identity)
    return body


async def introspect(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await form_fields(request)
    client = _authenticate_client(state, request, form)
    if client is None or client["type"] != "confidential":
        return oauth_error(401, "invalid_client", "introspection needs confidential client credentials")
    include = {part.strip() for part in form.get("include", "").replace(" ", ",").split(",")}
    return JSONResponse(
        _introspection(
            state,
            form.get("token", ""),
            client["id"],
            include_identity_set="identity_set" in include,
            include_session_info="session_info" in include,
        )
    )


async def validate(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await form_fields(request)
    client = _authenticate_client(state, request, form)
    if client is None:
        return oauth_error(401, "invalid_client", "client authentication failed")
    record = auth_store.lookup_token(state.db, form.get("token", ""))
    active = record is not None and record.is_active() and record.client_id == client["id"]
    return JSONResponse({"active": active})


# --- userinfo, identities, consents ---------------------------------------------------------


async def userinfo(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    record = _active_record(state, request, AUTH_RESOURCE_SERVER)
    if record is None or "openid" not in record.scope.split():
        return unauthorized()
    identity = auth_store.get_identity(state.db, record.identity_id)
    assert identity is not None
    request.state.principal_id = identity["id"]
    entry = _identity_set_entry(identity)
    body = {k: v for k, v in entry.items() if k != "username"}
    body["preferred_username"] = identity["username"]
    if VIEW_IDENTITY_SET_SCOPE in record.scope.split():  # Auth shows the identity set only with this consent
        body["identity_set"] = [entry]
    return JSONResponse(body)


def api_caller(state: SandboxState, request: Request) -> str | None:
    """Identity id of a /v2/api caller: an Auth bearer token, or a confidential client's basic auth."""
    record = _active_record(state, request, AUTH_RESOURCE_SERVER)
    if record is not None:
        request.state.principal_id = record.identity_id
        return record.identity_id
    basic = basic_credentials(request)
    if basic is not None:
        client = auth_store.get_client(state.db, basic[0])
        if (
            client is not None
            and client["type"] == "confidential"
            and hmac.compare_digest(basic[1], client["secret"] or "")
        ):
            request.state.principal_id = client["id"]
            return str(client["id"])
    return None


async def consents(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    record = _active_record(state, request, AUTH_RESOURCE_SERVER)
    if record is None:
        return unauthorized()
    request.state.principal_id = record.identity_id
    identity_id = request.path_params["identity_id"].lower()
    if identity_id != record.identity_id:
        return oauth_error(403, "forbidden", "you may only view your own consents")
    show_all = request.query_params.get("all", "false").lower() in ("true", "1")
    docs = auth_store.consent_docs(state.db, identity_id, None if show_all else record.client_id)
    return JSONResponse({"consents": docs})


def routes(state: SandboxState) -> list[BaseRoute]:
    """All Auth routes; handlers find the state on ``request.app.state.sandbox``."""
    from gterm.sandbox.auth_authorize import auth_code_page, authorize  # it imports this module
    del state  # kept in the signature for symmetry with transfer.routes(state)
    return [
        Route("/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
        Route("/jwk.json", jwks, methods=["GET"]),
        Route("/v2/oauth2/authorize", authorize, methods=["GET", "POST"]),
        Route("/v2/web/auth-code", auth_code_page, methods=["GET"]),
        Route("/v2/oauth2/token", token, methods=["POST"]),
        Route("/v2/oauth2/token/revoke", revoke, methods=["POST"]),
        Route("/v2/oauth2/token/introspect", introspect, methods=["POST"]),
        Route("/v2/oauth2/token/validate", validate, methods=["POST"]),
        Route("/v2/oauth2/userinfo", userinfo, methods=["GET", "POST"]),
        Route("/v2/api/identities/{identity_id}/consents", consents, methods=["GET"]),
    ]


__all__ = ["Principal", "authenticate", "routes"]

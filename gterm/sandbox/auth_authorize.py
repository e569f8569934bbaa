"""Globus Auth's authorize step in the sandbox: the page a browser meets, consent, the code.

The native-app flow's first half (``/v2/oauth2/authorize`` and the copy-paste
``/v2/web/auth-code`` page); the token endpoint and everything after the code
live in :mod:`gterm.sandbox.auth`.
"""

from __future__ import annotations

import html
import sqlite3
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gterm.sandbox import auth_store
from gterm.sandbox.auth import GLOBUS_AUTH_CODE_PAGE, form_fields, html_error
from gterm.sandbox.scope_registry import check_known
from gterm.sandbox.scopes import Scope, ScopeError, parse_scopes
from gterm.sandbox.state import SandboxState

_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


# --- authorize --------------------------------------------------------------------


def _redirect_uri_allowed(state: SandboxState, client: sqlite3.Row, redirect_uri: str) -> bool:
    """Native apps may use the auth-code page or any loopback URL; so may the sandbox's own clients."""
    if redirect_uri == GLOBUS_AUTH_CODE_PAGE or redirect_uri.startswith(state.base_url + "v2/web/auth-code"):
        return True
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS and not parts.fragment


def _with_query(uri: str, params: dict[str, str]) -> str:
    separator = "&" if urlsplit(uri).query else "?"
    return uri + separator + urlencode(params)


def _code_page(code: str) -> HTMLResponse:
    page = (
        "<!doctype html><html><head><title>Native App Authorization Code</title></head><body>"
        "<h1>Native App Authorization Code</h1><p>Copy this code into your application:</p>"
        f'<pre id="auth-code">{html.escape(code)}</pre></body></html>'
    )
    return HTMLResponse(page)


class _AuthorizeRequest:
    """Validated parameters of one /v2/oauth2/authorize request."""

    def __init__(self, state: SandboxState, params: dict[str, str]) -> None:
        self.params = params
        self.client_id = params.get("client_id", "")
        self.redirect_uri = params.get("redirect_uri", "")
        self.scope_text = params.get("scope", "")
        self.state_param = params.get("state", "")
        self.offline = params.get("access_type", "online") == "offline"
        self.code_challenge = params.get("code_challenge") or None
        self.challenge_method = params.get("code_challenge_method") or "plain"
        self.client = auth_store.get_client(state.db, self.client_id) if self.client_id else None
        self.scopes: list[Scope] = []
        required = params.get("session_required_identities", "")
        self.required_identities = [i.strip().lower() for i in required.split(",") if i.strip()]

    def fatal_error(self, state: SandboxState) -> str | None:
        """Problems that must not redirect (unknown client, bad redirect_uri)."""
        if self.client is None:
            return "Unknown client_id."
        if not self.redirect_uri or not _redirect_uri_allowed(state, self.client, self.redirect_uri):
            return "The redirect_uri is not allowed for this client."
        return None

    def redirect_error(self, state: SandboxState) -> tuple[str, str] | None:
        """Problems reported to the client through its redirect_uri."""
        if self.params.get("response_type") != "code":
            return "unsupported_response_type", "response_type must be 'code'"
        assert self.client is not None
        if self.client["type"] == "native" and (not self.code_challenge or self.challenge_method != "S256"):
            return "invalid_request", "native clients must use PKCE with code_challenge_method=S256"
        if self.code_challenge and self.challenge_method != "S256":
            return "invalid_request", "only code_challenge_method=S256 is supported"
        try:
            self.scopes = parse_scopes(self.scope_text)
            check_known(state, self.scopes)
        except ScopeError as exc:
            return "invalid_scope", str(exc)
        if not self.scopes:
            return "invalid_scope", "no scope requested"
        return None

    def hidden_fields(self) -> str:
        return "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in self.params.items()
            if k not in ("identity", "decision")
        )


def _allowed_identities(state: SandboxState, req: _AuthorizeRequest) -> list[sqlite3.Row]:
    users = auth_store.list_users(state.db)
    if req.required_identities:
        users = [u for u in users if u["id"] in req.required_identities] or users
    return users


def _approve(state: SandboxState, req: _AuthorizeRequest, identity_id: str) -> Response:
    assert req.client is not None
    auth_store.record_consents(
        state.db, identity_id, req.client["id"], req.scopes, auto_approved=state.config.auto_approve
    )
    code = auth_store.create_code(
        state.db,
        auth_store.AuthCode(
            client_id=req.client["id"],
            identity_id=identity_id,
            scope=req.scope_text,
            redirect_uri=req.redirect_uri,
            code_challenge=req.code_challenge,
            offline=req.offline,
            state=req.state_param,
        ),
    )
    if req.redirect_uri == GLOBUS_AUTH_CODE_PAGE:
        # The real page lives on the internet; the sandbox shows the code itself.
        return _code_page(code)
    return RedirectResponse(_with_query(req.redirect_uri, {"code": code, "state": req.state_param}), status_code=302)


def _consent_page(state: SandboxState, req: _AuthorizeRequest) -> HTMLResponse:
    assert req.client is not None
    choices = "".join(
        f'<label><input type="radio" name="identity" value="{html.escape(u["id"])}"{" checked" if i == 0 else ""}> '
        f"{html.escape(u['name'] or '')} &lt;{html.escape(u['username'])}&gt;</label><br>"
        for i, u in enumerate(_allowed_identities(state, req))
    )
    scopes = "".join(f"<li><code>{html.escape(str(s))}</code></li>" for s in req.scopes)
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Globus Sandbox: sign in</title></head><body>"
        f"<h1>{html.escape(req.client['name'])} would like to access your Globus Sandbox account</h1>"
        f"<p>Requested scopes:</p><ul>{scopes}</ul>"
        f'<form method="post" action="/v2/oauth2/authorize">{req.hidden_fields()}'
        f"<fieldset><legend>Sign in as</legend>{choices}</fieldset>"
        '<button type="submit" name="decision" value="allow">Allow</button> '
        '<button type="submit" name="decision" value="deny">Deny</button>'
        "</form></body></html>"
    )
    return HTMLResponse(page)


async def authorize(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if request.method == "POST":
        params = await form_fields(request)
    else:
        params = dict(request.query_params)
    req = _AuthorizeRequest(state, params)
    fatal = req.fatal_error(state)
    if fatal:
        return html_error(400, fatal)
    problem = req.redirect_error(state)
    if problem:
        error, description = problem
        return RedirectResponse(
            _with_query(req.redirect_uri, {"error": error, "error_description": description, "state": req.state_param}),
            status_code=302,
        )
    allowed = _allowed_identities(state, req)
    if request.method == "POST":
        if params.get("decision") != "allow":
            return RedirectResponse(
                _with_query(req.redirect_uri, {"error": "access_denied", "state": req.state_param}), status_code=302
            )
        chosen = params.get("identity", "")
        if chosen not in {u["id"] for u in allowed}:
            return html_error(400, "Choose one of the offered identities.")
        return _approve(state, req, chosen)
    if state.config.auto_approve:
        return _approve(state, req, allowed[0]["id"])
    return _consent_page(state, req)


async def auth_code_page(request: Request) -> Response:
    """The landing page for copy-paste logins (the SDK's default native redirect_uri)."""
    error = request.query_params.get("error")
    if error:
        return html_error(400, f"Login failed: {error}")
    return _code_page(request.query_params.get("code", ""))

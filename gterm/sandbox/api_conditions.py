"""A slow or failing service on request: every API answer waits ``api_delay`` seconds, and a share
``api_fault_rate`` (0-1) of them is a 503, as a Globus service has bad days.

Read from the sandbox's settings at each request, so a test (or ``--api-delay`` /
``--api-fault-rate``) can change them while the sandbox runs. What signing in
needs (the token and login routes ``/v2/oauth2/``, the code page ``/v2/web/``, and
the OpenID configuration and key set ``/.well-known/``, ``/jwk.json`` that check
the id token) and HTTPS file data are left alone:
the point is to show how the UI behaves while a call it made is slow or fails,
not to make signing in impossible. The wait is ``asyncio.sleep``: other
requests go on meanwhile, as at Globus.
"""

from __future__ import annotations

import asyncio
import json
import random

from starlette.types import ASGIApp, Receive, Scope, Send

from gterm.sandbox.errors import new_request_id
from gterm.sandbox.state import SandboxConfig

UNTOUCHED_PREFIXES = ("/v2/oauth2/", "/v2/web/", "/.well-known/", "/jwk.json", "/https/")
FAULT_MESSAGE = "The service is unavailable right now (the sandbox's api_fault_rate); try again."


class ApiConditionsMiddleware:
    """Delays and refuses API requests as the settings say (pure ASGI: bodies stream through untouched)."""

    def __init__(self, app: ASGIApp, config: SandboxConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith(UNTOUCHED_PREFIXES):
            await self.app(scope, receive, send)
            return
        delay, rate = self.config.api_delay, self.config.api_fault_rate
        if delay > 0:
            await asyncio.sleep(delay)
        if rate > 0 and random.random() < rate:
            await _unavailable(send)
            return
        await self.app(scope, receive, send)


async def _unavailable(send: Send) -> None:
    # code/message as Transfer writes errors, detail as Groups and the GCS Manager do: every SDK client reads it.
    body = json.dumps({
        "code": "ServiceUnavailable", "message": FAULT_MESSAGE, "detail": FAULT_MESSAGE,
        "request_id": new_request_id(), "http_response_code": 503,
    }).encode()
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

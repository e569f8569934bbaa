"""The sandbox's ASGI app: Auth and Transfer routes, JSON errors, request log."""

from __future__ import annotations

import errno
import json
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gterm.sandbox import auth, auth_clients, auth_identities, auth_scopes, gcs_manager, groups, https_data, transfer
from gterm.sandbox.api_conditions import ApiConditionsMiddleware
from gterm.sandbox.errors import ApiError, api_error_handler, new_request_id
from gterm.sandbox.request_parsing import BodyLimitMiddleware, MessageFramingMiddleware
from gterm.sandbox.state import SandboxState

log = logging.getLogger(__name__)

_HTTP_CODES = {404: "ClientError.NotFound", 405: "ClientError.MethodNotAllowed", 400: "ClientError.BadRequest"}


class RequestLogMiddleware:
    """Append one JSON line per request to DATA_DIR/requests.log.

    A pure ASGI middleware (not BaseHTTPMiddleware) so streaming bodies pass
    through untouched. The identity comes from ``request.state.principal_id``
    set by the auth checks; tokens and query strings are never written (the
    authorize redirect carries codes, so only the path is logged).
    """

    def __init__(self, app: ASGIApp, log_path: Path) -> None:
        self.app = app
        self.log_path = log_path
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_state: dict[str, Any] = scope.setdefault("state", {})
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._write(
                {
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "method": scope.get("method", ""),
                    "path": scope.get("path", ""),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "identity": request_state.get("principal_id"),
                }
            )

    def _write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, self.log_path.open("a", encoding="utf-8") as handle:
            handle.write(line)


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    if request.url.path.startswith(auth.AUTH_PATH_PREFIXES):  # no such Auth route: Auth's error document
        answer = auth.oauth_error(exc.status_code, message.lower().replace(" ", "_"), message)
        answer.headers.update(getattr(exc, "headers", None) or {})
        return answer
    code = _HTTP_CODES.get(exc.status_code, f"ClientError.{exc.status_code}")
    body = {"code": code, "message": message, "request_id": new_request_id(), "resource": request.url.path}
    return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    # No exception text in the body: it could quote request data.
    body = {
        "code": "InternalError",
        "message": "The sandbox hit an internal error; see the server log.",
        "request_id": new_request_id(),
        "resource": request.url.path,
    }
    return JSONResponse(body, status_code=500)


async def _os_error(request: Request, exc: Exception) -> JSONResponse:
    """The file system refused something the request checks did not foresee: a client error when it is one.

    Requests are checked before use (request_parsing), so this is a safety net; the
    message never carries the OSError's text, which names host paths.
    """
    assert isinstance(exc, OSError)
    if exc.errno == errno.ENAMETOOLONG:
        too_long = ApiError(400, "ClientError.BadRequest", "A file name or path is too long")
        return await api_error_handler(request, too_long)
    if exc.errno == errno.EXDEV:
        return await api_error_handler(request, ApiError(409, "Conflict", "The paths are on different file systems"))
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return await _server_error(request, exc)


def build_app(state: SandboxState) -> Starlette:
    routes = [
        *auth.routes(state),
        *auth_identities.routes(),
        *auth_clients.routes(),
        *auth_scopes.routes(),
        *transfer.routes(state),
        *https_data.routes(state),
        *groups.routes(state),
        *gcs_manager.routes(state),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: _http_exception,
            OSError: _os_error,
            Exception: _server_error,
        },
    )
    app.state.sandbox = state
    # Inside the log, so refused bodies are logged too; HTTPS file data is not an API document.
    app.add_middleware(BodyLimitMiddleware, exempt_prefixes=(https_data.PREFIX + "/",))
    app.add_middleware(MessageFramingMiddleware)  # every route, file data too: an HTTP-level rule
    app.add_middleware(ApiConditionsMiddleware, config=state.config)  # inside the log: faults are logged too
    app.add_middleware(RequestLogMiddleware, log_path=Path(state.config.data_dir) / "requests.log")
    return app

"""HTTP plumbing shared by the sandbox's Transfer route modules.

Handlers are synchronous and run in Starlette's thread pool, so file system work
never blocks the event loop; only token checks and body parsing run on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gterm.sandbox import collections as colls
from gterm.sandbox.collections import CollectionRecord, get_collection
from gterm.sandbox.errors import ApiError, new_request_id
from gterm.sandbox.request_parsing import bool_param as bool_param
from gterm.sandbox.request_parsing import int_param as int_param
from gterm.sandbox.request_parsing import json_body, text_field
from gterm.sandbox.state import SandboxState

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal

# Parsing lives in request_parsing; these names stay importable from here for route modules.
str_field = text_field

V = "/v0.10"
Handler = Callable[["Principal", Request, Any], Any]


def authenticate_principal(state: SandboxState, request: Request) -> Principal:
    from gterm.sandbox.auth import authenticate  # the auth half owns token validation

    return authenticate(state, request)


def route_for(state: SandboxState, path: str, method: str, handler: Handler) -> Route:
    async def endpoint(request: Request) -> Response:
        principal = authenticate_principal(state, request)
        body = await json_body(request) if method in ("POST", "PUT") else None
        result = await run_in_threadpool(handler, principal, request, body)
        if isinstance(result, Response):
            return result
        status = 200
        if isinstance(result, tuple):
            result, status = result
        return JSONResponse(result, status_code=status)

    endpoint.__name__ = handler.__name__
    return Route(V + path, endpoint, methods=[method])


RouteSpec = tuple[str, str, Callable[..., Any], bool]
"""(path under /v0.10, method, handler taking (state, principal, request[, body]), whether it takes a body)."""


def mount(state: SandboxState, table: list[RouteSpec]) -> list[BaseRoute]:
    """Routes for a table of handlers: each bound to the state, authenticated, run in the thread pool."""

    def bind(fn: Callable[..., Any], with_body: bool) -> Handler:
        if with_body:
            def handler(principal: Principal, request: Request, body: Any) -> Any:
                return fn(state, principal, request, body)
        else:
            def handler(principal: Principal, request: Request, body: Any) -> Any:
                return fn(state, principal, request)
        handler.__name__ = fn.__name__
        return handler

    return [route_for(state, path, method, bind(fn, with_body)) for path, method, fn, with_body in table]


def result_doc(request: Request, data_type: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    doc = {
        "DATA_TYPE": data_type,
        "code": code,
        "message": message,
        "request_id": new_request_id(),
        "resource": request.url.path,
    }
    doc.update(extra)
    return doc


# --------------------------------------------------------------------------- access

def visible_collection(state: SandboxState, principal: Principal, collection_id: str) -> CollectionRecord:
    coll = get_collection(state, collection_id)
    if not colls.can_see(state, coll, principal):
        raise ApiError(403, "PermissionDenied", f"No access to collection '{collection_id}'")
    return coll


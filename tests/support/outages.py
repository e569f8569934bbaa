"""A Globus service down for some requests, over real HTTP: the sandbox answers them 503 as a real
outage does (a JSON error body the SDK reads), and every other request as usual."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gterm.sandbox.server import SandboxHandle

#: (method, path) -> whether that request meets the outage.
Refused = Callable[[str, str], bool]


@contextmanager
def outage(
    sandbox: SandboxHandle, refused: Refused, message: str = "The service is down for maintenance."
) -> Iterator[None]:
    """Requests ``refused(method, path)`` picks answer 503 while the block runs (the gate is removed after)."""
    app = sandbox.app
    assert app is not None
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    inner = app.middleware_stack

    async def down(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not refused(str(scope.get("method", "")), str(scope.get("path", ""))):
            await inner(scope, receive, send)
            return
        body = json.dumps({"code": "ServiceUnavailable", "message": message, "request_id": "outage"}).encode()
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    app.middleware_stack = down
    try:
        yield
    finally:
        app.middleware_stack = inner

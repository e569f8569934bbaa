"""A Globus service down for some requests, over real HTTP: the sandbox answers them 503 as a real
outage does (a JSON error body the SDK reads), and every other request as usual."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gterm.sandbox.server import SandboxHandle

#: (method, path) -> whether that request meets the outage.
Refused = Callable[[str, str], bool]


#: A gate in front of the sandbox's app: (scope, receive, send, the app behind it) -> the answer.
Gate = Callable[[Any, Any, Any, Callable[[Any, Any, Any], Awaitable[None]]], Awaitable[None]]


@contextmanager
def gated(sandbox: SandboxHandle, gate: Gate) -> Iterator[None]:
    """Put ``gate`` in front of the sandbox's app for the block: it answers, holds or passes each request on
    (the server side, over real HTTP: gterm and the SDK are untouched)."""
    app = sandbox.app
    assert app is not None
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    inner = app.middleware_stack

    async def gated_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        await gate(scope, receive, send, inner)

    app.middleware_stack = gated_app
    try:
        yield
    finally:
        app.middleware_stack = inner


async def answer_error(send: Any, status: int, code: str, message: str) -> None:
    """A Globus-style JSON error answer (what the SDK reads as an API error)."""
    body = json.dumps({"code": code, "message": message, "request_id": "gated"}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def outage(
    sandbox: SandboxHandle, refused: Refused, message: str = "The service is down for maintenance."
) -> Iterator[None]:
    """Requests ``refused(method, path)`` picks answer 503 while the block runs (the gate is removed after)."""

    async def down(scope: Any, receive: Any, send: Any, inner: Callable[[Any, Any, Any], Awaitable[None]]) -> None:
        if not refused(str(scope.get("method", "")), str(scope.get("path", ""))):
            await inner(scope, receive, send)
            return
        await answer_error(send, 503, "ServiceUnavailable", message)

    with gated(sandbox, down):
        yield


class _BodyCut(Exception):
    """Raised inside the server after an answer has begun: uvicorn then drops the connection mid-body."""


@contextmanager
def bodies_cut(sandbox: SandboxHandle, cut: Refused, after: int) -> Iterator[None]:
    """Answers to the requests ``cut(method, path)`` picks (asked once per request) stop after ``after``
    bytes of their body and the connection drops, as a network that goes away in the middle of a file:
    the client reads a body shorter than its Content-Length."""

    async def cutting(scope: Any, receive: Any, send: Any, inner: Callable[[Any, Any, Any], Awaitable[None]]) -> None:
        if not cut(str(scope.get("method", "")), str(scope.get("path", ""))):
            await inner(scope, receive, send)
            return
        sent = 0

        async def until_cut(message: Any) -> None:
            nonlocal sent
            if message["type"] == "http.response.body":
                body = message.get("body", b"")
                if sent + len(body) >= after:
                    await send({**message, "body": body[: after - sent], "more_body": True})
                    raise _BodyCut
                sent += len(body)
            await send(message)

        with suppress(_BodyCut):
            await inner(scope, receive, until_cut)

    with gated(sandbox, cutting):
        yield

"""Globus-shaped JSON errors for the sandbox routes."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


class ApiError(Exception):
    """Raise from any route: becomes ``{"code", "message", "request_id", ...}`` JSON."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def new_request_id() -> str:
    return uuid.uuid4().hex[:9]


def printable(text: str) -> str:
    """Text safe to encode as UTF-8: a message quoting a lone surrogate from a request shows U+FFFD."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    body: dict[str, Any] = {
        "code": exc.code,
        "message": printable(exc.message),
        "request_id": new_request_id(),
        "resource": request.url.path,
    }
    body.update(exc.extra)
    return JSONResponse(body, status_code=exc.status)

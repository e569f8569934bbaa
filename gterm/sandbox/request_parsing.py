"""One place where the sandbox parses and checks what a client sends.

Every route reads its body and parameters through these helpers, so a malformed
request gets Globus' 4xx answer before any handler uses it, and never a 500:

- bodies are capped (:data:`MAX_BODY_BYTES`, 413) by :class:`BodyLimitMiddleware`
  for every route, JSON or form;
- a request declaring both Content-Length and Transfer-Encoding is refused
  (400, connection closed) by :class:`MessageFramingMiddleware`, as RFC 9112 allows;
- JSON bodies must be UTF-8 JSON, nested at most :data:`MAX_JSON_DEPTH` deep,
  and carry no invalid text (lone surrogates such as ``"\\ud800"`` decode to
  strings SQLite and the file system cannot take);
- query parameters are parsed strictly, as Globus does: integers are ASCII
  digits only (no ``١٢``, ``1_000`` or ``+5``), booleans are true/false/1/0
  (``show_hidden=maybe`` is refused);
- collection paths and names are checked against the POSIX limits
  (:data:`MAX_PATH_BYTES`, :data:`MAX_NAME_BYTES`) so ENAMETOOLONG never
  reaches a handler;
- text fields follow Globus' documented lengths (:data:`FIELD_LIMITS`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gterm.sandbox.errors import ApiError

BAD = "ClientError.BadRequest"
TOO_LARGE = "ClientError.RequestEntityTooLarge"

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 32  # Transfer documents nest 3 deep (task -> DATA -> item -> filter rule)
MAX_PATH_BYTES = 4096  # PATH_MAX
MAX_NAME_BYTES = 255  # NAME_MAX
MAX_INT_DIGITS = 18  # every integer parameter fits in a signed 64-bit SQLite integer

#: Text field lengths, in characters, as Globus' Transfer documentation gives them
#: (task label, endpoint/collection fields, bookmark name).
FIELD_LIMITS: dict[str, int] = {
    "label": 128,
    "display_name": 128,
    "bookmark_name": 128,
    "description": 4096,
    "keywords": 1024,
    "organization": 1024,
    "department": 1024,
    "contact_email": 1024,
    "contact_info": 4096,
    "info_link": 1024,
    "user_message": 1024,
    "user_message_link": 1024,
    "local_user": 1024,
}
_DEFAULT_TEXT_LIMIT = 4096

_ASCII_INT = re.compile(rf"-?[0-9]{{1,{MAX_INT_DIGITS}}}")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def bad_request(message: str, code: str = BAD) -> ApiError:
    return ApiError(400, code, message)


# --------------------------------------------------------------------------- body size


class BodyLimitMiddleware:
    """413 for any request body over ``limit`` bytes, whatever the route.

    A declared Content-Length over the cap is refused before reading; a body
    streamed without one is counted as it arrives and refused once it passes.
    Paths under ``exempt_prefixes`` carry file data, not API documents (HTTPS
    uploads, as large as the file), and are never capped.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                declared = value.decode("latin-1").strip()
                if not (declared.isascii() and declared.isdigit()) or int(declared) > self.limit:
                    if declared.isascii() and declared.isdigit() and int(declared) <= _DRAIN_LIMIT:
                        await _drain(receive)
                    await _send_error(scope, send, _too_large(self.limit))
                    return
        received = 0
        limit = self.limit

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, counting_receive, send)


class MessageFramingMiddleware:
    """400 and a closed connection for a request that declares both Content-Length and Transfer-Encoding.

    RFC 9112 section 6.3: such a message's length is ambiguous (the classic request-smuggling
    shape); a server may refuse it and must then close the connection. Real front ends (nginx,
    Apache) answer 400 at once, so a client that sends one learns it now instead of waiting.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            names = {name.lower() for name, _ in scope.get("headers", ())}
            if b"content-length" in names and b"transfer-encoding" in names:
                await _send_error(scope, send, bad_request(
                    "A request may not declare both Content-Length and Transfer-Encoding (RFC 9112)"))
                return
        await self.app(scope, receive, send)


#: Refused bodies up to this size are read and dropped before the 413 goes out. Over TLS a client
#: still sending when the server closes gets a TLS error instead of the answer (plain TCP clients
#: read the early answer); draining lets it finish sending and read the 413, as a lingering close does.
_DRAIN_LIMIT = 4 * MAX_BODY_BYTES


async def _drain(receive: Receive) -> None:
    received = 0
    while received <= _DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        received += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _too_large(limit: int) -> ApiError:
    return ApiError(413, TOO_LARGE, f"Request body is larger than the {limit // (1024 * 1024)} MB limit")


async def _send_error(scope: Scope, send: Send, exc: ApiError) -> None:
    """The error document, and the connection closed after it (its body is left unread)."""
    from gterm.sandbox.errors import new_request_id

    body = json.dumps(
        {"code": exc.code, "message": exc.message, "request_id": new_request_id(), "resource": scope.get("path", "")}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": exc.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- JSON bodies


async def json_body(request: Request) -> Any:
    """The request's JSON document ({} when empty), checked by :func:`parse_json`."""
    return parse_json(await request.body())


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise bad_request(f"Request body is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, over-long integer literals
        raise bad_request("Request body is not valid JSON") from None
    check_json_value(value)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def check_json_value(value: Any) -> None:
    """Refuse documents nested too deep or holding invalid text (keys included); iterative."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            check_text(node)
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise bad_request(f"Request body is nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(node, dict):
            for key, item in node.items():
                check_text(key)
                if isinstance(item, (str, dict, list)):
                    stack.append((item, depth + 1))
        else:
            for item in node:
                if isinstance(item, (str, dict, list)):
                    stack.append((item, depth + 1))


def check_text(value: str, name: str = "") -> str:
    """Text must be encodable as UTF-8 (no lone surrogates) and free of NUL."""
    if value.isascii():
        if "\x00" in value:
            raise bad_request(f"{name or 'A string'} contains a NUL character")
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request(f"{name or 'A string'} is not valid Unicode text (lone surrogate)") from None
    if "\x00" in value:
        raise bad_request(f"{name or 'A string'} contains a NUL character")
    return value


def body_object(body: Any, data_type: str | None = None) -> dict[str, Any]:
    """The body as a JSON object, with the expected DATA_TYPE when it names one."""
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    if data_type is not None and body.get("DATA_TYPE") not in (None, data_type):
        raise bad_request(f"DATA_TYPE must be '{data_type}'")
    return body


# --------------------------------------------------------------------------- body fields


def text_field(
    body: Any, name: str, *, required: bool = True, limit: int | None = None, strip: bool = False
) -> str | None:
    """A string field: required and non-empty, or absent/null when optional; length-checked."""
    doc = body_object(body)
    value = doc.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        if required:
            raise bad_request(f"'{name}' is required and must be a string")
        raise bad_request(f"'{name}' must be a string")
    if strip:
        value = value.strip()
    check_length(name, value, limit)
    return check_text(value, f"'{name}'")


def check_length(name: str, value: str, limit: int | None = None) -> None:
    maximum = limit if limit is not None else FIELD_LIMITS.get(name, _DEFAULT_TEXT_LIMIT)
    if len(value) > maximum:
        raise bad_request(f"'{name}' must be at most {maximum} characters")


def bool_field(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f"'{name}' must be a boolean")
    return value


def datetime_field(body: dict[str, Any], name: str) -> str | None:
    """An ISO 8601 date-time (or null), in the one form Transfer stores and shows back.

    Transfer does not echo the text it was sent: it shows a rule's expiration_date
    as it shows its create_time, whole seconds in UTC ("2025-01-01T00:00:00+00:00"
    in the access rule globus-cli recorded from Transfer,
    tests/files/api_fixtures/endpoint_acl_operations.yaml). A date alone is its
    midnight; a time without an offset is taken as UTC.
    """
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise bad_request(f"'{name}' must be an ISO 8601 date-time string or null")
    try:
        when = datetime.fromisoformat(value)  # accepts a trailing Z since Python 3.11
    except ValueError:
        raise bad_request(f"Invalid {name} '{value}'") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        when = when.astimezone(UTC)
    except OverflowError:  # "9999-12-31T23:59:59-05:00" has no UTC time in range
        raise bad_request(f"Invalid {name} '{value}'") from None
    return when.isoformat(timespec="seconds")  # "2030-03-30T00:00:00+00:00"


# --------------------------------------------------------------------------- query parameters


def int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    """An integer query parameter: ASCII digits only, within [lo, hi]."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if not _ASCII_INT.fullmatch(value):
        raise bad_request(f"Invalid {name} '{value[:64]}': must be an integer")
    number = int(value)
    if not lo <= number <= hi:
        raise bad_request(f"{name} must be between {lo} and {hi}")
    return number


def bool_param(request: Request, name: str, default: bool) -> bool:
    """A boolean query parameter: true/false/1/0 (any case); anything else is refused."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise bad_request(f"Invalid {name} '{value[:64]}': must be true or false")


# --------------------------------------------------------------------------- paths


def check_path(path: str) -> str:
    """A collection path the file system can take: valid text, <= PATH_MAX, each name <= NAME_MAX."""
    check_text(path, "Path")
    encoded = path.encode("utf-8")
    if len(encoded) > MAX_PATH_BYTES:
        raise bad_request(f"Path is longer than {MAX_PATH_BYTES} bytes")
    for part in encoded.split(b"/"):
        if len(part) > MAX_NAME_BYTES:
            shown = part[:40].decode("utf-8", "replace")
            raise bad_request(f"File name '{shown}...' is longer than {MAX_NAME_BYTES} bytes")
    return path

"""The bad-input corpus: malformed requests for every JSON route of the sandbox, and how to judge answers.

A probe is one raw HTTP request. The corpus is built from the running app's
route table (so routes added later are probed too) plus per-route field specs
for the documents the sandbox reads. Every probe must get a 4xx with a
Globus-shaped JSON body; :func:`judge` says what is wrong with an answer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from starlette.routing import BaseRoute, Mount, Route

HUGE_BODY_BYTES = 11 * 1024 * 1024  # over the 10 MB cap
DEEP = 10_000  # nesting levels of the deep JSON and scope probes

#: POST routes that take no JSON body (garbage there is ignored, as at Globus): only the size cap applies.
BODYLESS = frozenset({("POST", "/v0.10/task/{task_id}/cancel"), ("POST", "/v2/oauth2/userinfo")})
#: Browser pages: their errors are HTML or redirects, not JSON documents.
BROWSER = frozenset({"/v2/oauth2/authorize", "/v2/web/auth-code"})
#: Form-encoded OAuth2 endpoints.
FORM = frozenset({"/v2/oauth2/token", "/v2/oauth2/token/revoke", "/v2/oauth2/token/introspect",
                  "/v2/oauth2/token/validate"})


@dataclass
class Probe:
    name: str
    method: str
    template: str  # the route's path template
    path: str  # filled in, ready to send
    body: bytes | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: str = "transfer"  # transfer | auth | groups | robot_basic | none


@dataclass
class World:
    """What the probes refer to: ids that exist, so validation (not a 404) is what answers."""

    base_url: str
    tokens: dict[str, str]  # "transfer", "auth", "groups" access tokens of Alice
    robot_basic: tuple[str, str]
    ids: dict[str, str]  # placeholder name -> value (endpoint_id, task_id, rule_id, bookmark_id, ...)
    values: dict[str, Any]  # paths and ids the field specs use


# --------------------------------------------------------------------------- routes


def app_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path template) for every route of the app, mounts included."""
    for route in routes:
        if isinstance(route, Mount):
            yield from app_routes(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, prefix + route.path


def fill(template: str, ids: dict[str, str]) -> str:
    out = template
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        name = out[start + 1:end].split(":")[0]
        out = out[:start] + ids.get(name, str(uuid.uuid4())) + out[end + 1:]
    return out


def _auth_kind(path: str) -> str:
    if path.startswith("/v0.10/"):
        return "transfer"
    if path.startswith("/groups/"):
        return "groups"
    if path in FORM:
        return "robot_basic"
    return "auth"


# --------------------------------------------------------------------------- generic body probes


def nested_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_object(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


MALFORMED_BODIES: dict[str, bytes] = {
    "not-json": b"{this is not json",
    "truncated": b'{"path": "/x',
    "invalid-utf8": b'{"path": "\xff\xfe"}',
    "nan": b'{"path": NaN}',
    "top-level-array": b"[]",
    "top-level-string": b'"just a string"',
    "top-level-number": b"42",
    "top-level-null": b"null",
    "huge-integer-literal": b'{"path": ' + b"9" * 5000 + b"}",
    "deep-array": nested_array(DEEP),
    "deep-object": nested_object(DEEP),
    "lone-surrogate-key": b'{"\\ud800": 1}',
    "lone-surrogate-value": b'{"DATA_TYPE": "\\udfff"}',
}


def body_probes(world: World, routes: list[tuple[str, str]]) -> list[Probe]:
    probes = []
    for method, template in routes:
        if method not in ("POST", "PUT", "PATCH"):
            continue
        path = fill(template, world.ids)
        kind = _auth_kind(template)
        json_route = (method, template) not in BODYLESS and template not in FORM and template not in BROWSER
        for name, body in MALFORMED_BODIES.items() if json_route else ():
            probes.append(Probe(f"{method} {template} body={name}", method, template, path, body, auth=kind,
                                headers={"Content-Type": "application/json"}))
        probes.append(Probe(f"{method} {template} body=huge", method, template, path, b" " * HUGE_BODY_BYTES, auth=kind,
                            headers={"Content-Type": "application/json"}))
    return probes


def path_param_probes(world: World, routes: list[tuple[str, str]]) -> list[Probe]:
    """Every placeholder of every Transfer route filled with junk: 4xx, never a 500."""
    probes = []
    for method, template in routes:
        if "{" not in template or not template.startswith("/v0.10/") or method == "DELETE":
            continue
        for label, junk in (("long", "a" * 5000), ("invalid-utf8", "%ED%A0%80"), ("nul", "%00")):
            ids = {name: junk for name in world.ids}
            body = b"{}" if method in ("POST", "PUT") else None
            probes.append(Probe(f"{method} {template} ids={label}", method, template, fill(template, ids), body))
    return probes


# --------------------------------------------------------------------------- field probes

LONG_NAME = "n" * 256  # one byte over NAME_MAX
BAD_ANY = [1, 10**30, 1.5, True, [], {}]


def bad_text(limit: int | None) -> list[Any]:
    values: list[Any] = [1, 10**30, 1.5, True, [], {"a": 1}, "\ud800", "ok\udfffok"]
    if limit is not None:
        values.append("x" * (limit + 1))
    return values


def bad_path(prefix: str) -> list[Any]:
    return [1, 10**30, [], {}, True, prefix + "\ud800/", prefix + LONG_NAME, prefix + "d/" * 2100, prefix + "a\x00b"]


BAD_BOOL: list[Any] = ["maybe", "true", 10**30, [], {}]
BAD_TIME: list[Any] = [{}, [], 10**30, "not a date", "\ud800", {"year": 2030}, ["2030-01-01"]]
BAD_ID: list[Any] = [1, 10**30, [], {}, "\ud800", "x" * 5000]


@dataclass
class DocSpec:
    method: str
    template: str
    base: Callable[[World], dict[str, Any]]
    fields: dict[str, list[Any]]  # "field" or "DATA.0.field" -> bad values


def _set(doc: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(doc))
    node: Any = out
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[parts[-1]] = value
    return out


def field_probes(world: World, specs: list[DocSpec]) -> list[Probe]:
    probes = []
    for spec in specs:
        path = fill(spec.template, world.ids)
        base = spec.base(world)
        for dotted, values in spec.fields.items():
            for n, value in enumerate(values):
                doc = _set(base, dotted, value)
                body = json.dumps(doc).encode()
                shown = repr(value)[:40]
                probes.append(Probe(f"{spec.method} {spec.template} {dotted}={shown} #{n}", spec.method, spec.template,
                                    path, body, headers={"Content-Type": "application/json"}))
    return probes


# --------------------------------------------------------------------------- query probes

BAD_INT = [str(10**30), "9" * 40, "-1", "١٢", "1_0", "0x10", "1e3", "5.0", "ten"]
BAD_BOOL_PARAM = ["maybe", "yes please", "2", "\u0661"]  # an Arabic-Indic digit one


def query_probes(world: World, specs: dict[str, dict[str, list[str]]]) -> list[Probe]:
    probes = []
    for template, params in specs.items():
        path = fill(template, world.ids)
        for name, values in params.items():
            for value in values:
                probes.append(Probe(f"GET {template} ?{name}={value[:40]!r}", "GET", template, path,
                                  params={name: value}))
    return probes


# --------------------------------------------------------------------------- sending and judging


def send(world: World, probe: Probe, session: requests.Session) -> requests.Response:
    headers = dict(probe.headers)
    auth: tuple[str, str] | None = None
    if probe.auth in ("transfer", "auth", "groups"):
        headers["Authorization"] = f"Bearer {world.tokens[probe.auth]}"
    elif probe.auth == "robot_basic":
        auth = world.robot_basic
    return session.request(probe.method, world.base_url.rstrip("/") + probe.path, params=probe.params,
                           data=probe.body, headers=headers, auth=auth, timeout=120, allow_redirects=False)


def judge(probe: Probe, response: requests.Response) -> str | None:
    """None when the answer is what Globus gives bad input; else what is wrong with it."""
    template = probe.template
    status = response.status_code
    if template in BROWSER:
        # Browser pages answer HTML errors or redirect back with ?error=...; never a 2xx/5xx.
        if status in (302, 303) and "error=" in response.headers.get("location", ""):
            return None
        return None if 400 <= status < 500 else f"HTTP {status}"
    if not 400 <= status < 500:
        return f"HTTP {status}: {response.text[:160]}"
    if not response.headers.get("content-type", "").startswith("application/json"):
        return f"HTTP {status} with Content-Type {response.headers.get('content-type')!r}"
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {status} with a body that is not JSON"
    if status == 413 and body.get("code") == "ClientError.RequestEntityTooLarge" and body.get("request_id"):
        return None  # the size cap answers before any service sees the request, in one shape
    if template.startswith("/v0.10/"):
        missing = [k for k in ("code", "message", "request_id") if not isinstance(body.get(k), str)]
        return f"HTTP {status} body lacks {missing}: {body}" if missing else None
    if template.startswith("/gcs/"):
        # A GCS Manager: its result envelope with the error's code, status and message.
        shaped = (
            str(body.get("DATA_TYPE", "")).startswith("result#")
            and isinstance(body.get("code"), str)
            and body.get("http_response_code") == status
            and isinstance(body.get("message"), str)
        )
        return None if shaped else f"HTTP {status} body is not GCS Manager shaped: {body}"
    if template.startswith("/groups/"):
        # Globus Groups (FastAPI): {"code", "detail"}, or 422 {"detail": [{"loc", "msg", "type"}]}.
        detail = body.get("detail")
        if isinstance(detail, str) and isinstance(body.get("code"), str):
            return None
        if status == 422 and isinstance(detail, list) and detail and all(isinstance(d, dict) and "msg" in d
                                                                          for d in detail):
            return None
        return f"HTTP {status} body is not Groups shaped: {body}"
    # Globus Auth: an errors array (JSON:API) with code and id, plus OAuth2's error keys on /oauth2.
    errors = body.get("errors")
    if isinstance(errors, list) and errors and all(isinstance(e, dict) and e.get("code") and e.get("id")
                                                    for e in errors):
        return None
    if isinstance(body.get("code"), str) and isinstance(body.get("request_id"), str):
        return None  # the shared 413 / 404 answers
    return f"HTTP {status} body is not Globus Auth shaped: {body}"

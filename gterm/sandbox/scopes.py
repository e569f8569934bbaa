"""Globus Auth scope strings: parsing, dependent scopes and resource servers.

A scope request is a space separated list of scopes; each scope may carry
dependent scopes in brackets, optionally marked with ``*`` (Globus' "optional"
marker, which the SDK always uses for data_access), e.g.::

    openid urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/<cid>/data_access]

The sandbox writes its own small parser rather than importing globus_sdk: it
plays the server, and must not share code with the clients it serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

AUTH_RESOURCE_SERVER = "auth.globus.org"
# Scopes that Globus Auth itself serves (tokens for auth.globus.org).
_AUTH_SHORT_SCOPES = frozenset({"openid", "profile", "email"})
_URN_RE = re.compile(r"^urn:globus:auth:scope:(?P<rs>[^:\s\[\]]+):(?P<name>[^\s\[\]]+)$")
_URL_RE = re.compile(r"^https://auth\.globus\.org/scopes/(?P<rs>[^/\s\[\]]+)/(?P<name>[^\s\[\]]+)$")
_DATA_ACCESS_RE = re.compile(r"^https://auth\.globus\.org/scopes/(?P<cid>[0-9a-fA-F-]{36})/data_access$")


MAX_SCOPE_DEPTH = 16  # levels of dependent scopes; Globus' real trees are 2-3 deep


class ScopeError(ValueError):
    """A scope string that cannot be parsed or is not known to the sandbox."""


@dataclass(frozen=True)
class Scope:
    scope_string: str
    optional: bool = False
    dependencies: tuple[Scope, ...] = field(default=())

    def __str__(self) -> str:
        prefix = "*" if self.optional else ""
        if not self.dependencies:
            return prefix + self.scope_string
        inner = " ".join(str(d) for d in self.dependencies)
        return f"{prefix}{self.scope_string}[{inner}]"


def parse_scopes(text: str) -> list[Scope]:
    """Parse a scope request string into a list of (possibly nested) scopes.

    Repeated root scopes are merged (their dependencies unioned) as Globus does.
    """
    tokens = _tokenize(text)
    pos, scopes = _parse_list(tokens, 0, depth=0)
    if pos != len(tokens):
        raise ScopeError("unbalanced ']' in scope string")
    return merge_scopes(scopes)


def merge_scopes(scopes: list[Scope]) -> list[Scope]:
    """Union scopes with the same scope string, keeping first-seen order."""
    order: list[str] = []
    deps: dict[str, list[Scope]] = {}
    optional: dict[str, bool] = {}
    for scope in scopes:
        if scope.scope_string not in deps:
            order.append(scope.scope_string)
            deps[scope.scope_string] = []
            optional[scope.scope_string] = scope.optional
        else:
            optional[scope.scope_string] = optional[scope.scope_string] and scope.optional
        deps[scope.scope_string].extend(scope.dependencies)
    return [Scope(s, optional[s], tuple(merge_scopes(deps[s]))) for s in order]


# Services whose resource server is a name while their scopes are built on their client id
# (globus_sdk.scopes: "The Flows service breaks the scopes/resource server convention").
_NAMED_RESOURCE_SERVERS = {
    "eec9b274-0c81-4334-bdc2-54e90e689b9a": "flows.globus.org",
    "facd7ccc-c5f4-42aa-916b-a0e270e2c2a9": "funcx_service",
}


def resource_server_of(scope_string: str) -> str:
    """Which resource server a (root) scope string grants access to.

    By convention the part after ``urn:globus:auth:scope:`` or ``https://auth.globus.org/scopes/``:
    ``groups.api.globus.org``, a GCS endpoint id (``manage_collections``), a collection id
    (``https``, ``data_access``), Timers' client id; Flows and Compute are named differently.
    """
    if scope_string in _AUTH_SHORT_SCOPES:
        return AUTH_RESOURCE_SERVER
    match = _URN_RE.match(scope_string) or _URL_RE.match(scope_string)
    if match is None:
        raise ScopeError(f"unknown scope: {scope_string!r}")
    return _NAMED_RESOURCE_SERVERS.get(match.group("rs"), match.group("rs"))


def data_access_collection(scope_string: str) -> str | None:
    """The collection id if this is a GCS data_access scope, else None."""
    match = _DATA_ACCESS_RE.match(scope_string)
    return match.group("cid").lower() if match else None


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    current = ""
    for char in text:
        if char in " \t\n[]*":
            if current:
                tokens.append(current)
                current = ""
            if not char.isspace():
                tokens.append(char)
        else:
            current += char
    if current:
        tokens.append(current)
    return tokens


def _parse_list(tokens: list[str], pos: int, *, depth: int) -> tuple[int, list[Scope]]:
    if depth > MAX_SCOPE_DEPTH:
        raise ScopeError(f"scope string nests dependent scopes more than {MAX_SCOPE_DEPTH} levels deep")
    nested = depth > 0
    scopes: list[Scope] = []
    while pos < len(tokens):
        token = tokens[pos]
        if token == "]":
            if not nested:
                raise ScopeError("unbalanced ']' in scope string")
            return pos, scopes
        optional = False
        if token == "*":
            optional = True
            pos += 1
            if pos >= len(tokens) or tokens[pos] in "[]*":
                raise ScopeError("'*' must precede a scope")
            token = tokens[pos]
        if token == "[":
            raise ScopeError("'[' must follow a scope")
        pos += 1
        dependencies: list[Scope] = []
        if pos < len(tokens) and tokens[pos] == "[":
            pos, dependencies = _parse_list(tokens, pos + 1, depth=depth + 1)
            if pos >= len(tokens) or tokens[pos] != "]":
                raise ScopeError("unclosed '[' in scope string")
            pos += 1
        scopes.append(Scope(token, optional, tuple(dependencies)))
    if nested:
        raise ScopeError("unclosed '[' in scope string")
    return pos, scopes

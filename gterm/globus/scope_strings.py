"""Scope strings: gterm's resource servers and scopes, merging scope lists, a scope's resource server."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    from globus_sdk import scopes as sdk_scopes
    from globus_sdk.scopes import Scope
else:
    # Loaded when a scope is first parsed (gterm.lazy_modules): a robot's session, made before the
    # first frame, names these constants and nothing more.
    sdk_scopes = LazyModule("globus_sdk.scopes")

log = logging.getLogger(__name__)

# Globus' own strings, as globus_sdk.scopes spells them (TransferScopes.all, AuthScopes.openid, …;
# tests/unit/test_scope_strings.py holds them to the SDK's), written out so that naming them loads no SDK.
TRANSFER_RS = "transfer.api.globus.org"
AUTH_RS = "auth.globus.org"
GROUPS_RS = "groups.api.globus.org"
GROUPS_SCOPE = "urn:globus:auth:scope:groups.api.globus.org:all"
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
AUTH_SCOPES: tuple[str, ...] = ("openid", "profile", "email")
# Scope root -> resource server, for scopes arriving in a ConsentRequired error.
_ROOT_SCOPE_RS = {TRANSFER_SCOPE: TRANSFER_RS}
_URN_SCOPE = re.compile(r"^urn:globus:auth:scope:(?P<rs>[^:\s]+):[^\s]+$")
_URL_SCOPE = re.compile(r"^https://auth\.globus\.org/scopes/(?P<rs>[^/\s]+)/[^\s]+$")


def scope_strings(scopes: list[Scope]) -> list[str]:
    return [str(s) for s in scopes]


def merge_scopes(*groups: list[str] | tuple[str, ...]) -> list[str]:
    """The scopes of all ``groups`` as one list, each scope once (dependent scopes merged)."""
    parsed: list[Scope] = []
    for group in groups:
        for item in group:
            parsed = sdk_scopes.ScopeParser.merge_scopes(parsed, sdk_scopes.ScopeParser.parse(item))
    return scope_strings(parsed)


def readable_scopes(scopes: list[str], where: str) -> list[str]:
    """``scopes`` without the strings that are no scope (a damaged record in gterm's state file): those are
    left out, and logged, so a damaged record costs a consent to ask again, never the start-up."""
    readable = []
    for scope in scopes:
        try:
            sdk_scopes.ScopeParser.parse(scope)
        except sdk_scopes.ScopeParseError as exc:
            log.warning("ignoring a scope in %s that does not parse (%s): %r", where, exc, scope)
            continue
        readable.append(scope)
    return readable


def resource_server_of(scope: str) -> str | None:
    """The resource server a scope string is for, or None when it does not say."""
    parsed = sdk_scopes.ScopeParser.parse(scope)
    if not parsed:
        return None
    root = parsed[0].scope_string
    if root in _ROOT_SCOPE_RS:
        return _ROOT_SCOPE_RS[root]
    # Globus' two spellings name their resource server: urn:globus:auth:scope:<RS>:<name>
    # and https://auth.globus.org/scopes/<RS>/<name> (collections' https and data_access).
    match = _URN_SCOPE.match(root) or _URL_SCOPE.match(root)
    return match.group("rs") if match else None

"""The scopes this Globus Auth knows: a login or a grant naming any other is refused (``invalid_scope``).

Globus Auth issues tokens only for scopes a resource server has registered:
a scope string that is merely well formed (``urn:globus:auth:scope:nope:all``)
gets ``400 invalid_scope``. Known here are the services' fixed scopes (Auth,
Transfer, Groups, Search, Timers, Flows, Compute), each GCS endpoint's
``manage_collections`` and each collection's ``data_access`` and ``https``, at
any depth of a scope's dependencies, and the scopes of the clients registered
here (a client that is a resource server).
"""

from __future__ import annotations

from collections.abc import Iterable

from gterm.sandbox import auth_store, gcs_store
from gterm.sandbox.scopes import Scope, ScopeError, data_access_collection, resource_server_of
from gterm.sandbox.seed_ids import (
    GROUPS_ALL_SCOPE,
    GROUPS_VIEW_SCOPE,
    TIMER_SCOPE,
    TRANSFER_SCOPE,
    VIEW_IDENTITY_SET_SCOPE,
    manage_collections_scope,
)
from gterm.sandbox.state import SandboxState

#: Scope string -> (name, description) for the services' fixed scopes.
KNOWN: dict[str, tuple[str, str]] = {
    "openid": ("Know who you are in Globus", "Know your Globus identity"),
    "profile": ("View your profile", "View your name, organization and username"),
    "email": ("View your email address", "View the email address of your identity"),
    VIEW_IDENTITY_SET_SCOPE: ("View your identities", "View the identities linked to your account"),
    TRANSFER_SCOPE: ("Manage data using Globus Transfer", "Transfer files and manage collections"),
    GROUPS_ALL_SCOPE: ("Manage your Globus groups", "View and manage your groups and memberships"),
    GROUPS_VIEW_SCOPE: ("View groups and memberships", "View the groups you belong to and your memberships"),
    "urn:globus:auth:scope:search.api.globus.org:all": ("Globus Search", "Search and ingest in Globus Search"),
    TIMER_SCOPE: ("Manage timers", "Create and manage Globus Timers"),
    "https://auth.globus.org/scopes/eec9b274-0c81-4334-bdc2-54e90e689b9a/all": ("Globus Flows", "Run and manage flows"),
    "https://auth.globus.org/scopes/facd7ccc-c5f4-42aa-916b-a0e270e2c2a9/all": (
        "Globus Compute", "Register and run functions with Globus Compute"
    ),
}


def known_scope_strings(state: SandboxState) -> list[str]:
    """Every scope string this Auth knows now (the fixed ones, then each endpoint's and collection's)."""
    from gterm.sandbox.collection_store import collection_summaries  # local: it imports the collections

    found = list(KNOWN)
    found.extend(manage_collections_scope(endpoint.id) for endpoint in gcs_store.all_endpoints(state.db))
    for summary in collection_summaries(state):
        found.append(f"https://auth.globus.org/scopes/{summary['id']}/data_access")
        found.append(f"https://auth.globus.org/scopes/{summary['id']}/https")
    return found


def is_known(state: SandboxState, scope_string: str) -> bool:
    if scope_string in KNOWN:
        return True
    try:
        owner = resource_server_of(scope_string)
    except ScopeError:
        return False
    if scope_string == manage_collections_scope(owner):
        return gcs_store.find_endpoint(state.db, owner) is not None
    if data_access_collection(scope_string) or scope_string == f"https://auth.globus.org/scopes/{owner}/https":
        row = state.db.query_one("SELECT id FROM collections WHERE id = ?", (owner.lower(),))
        return row is not None
    # A client registered here is a resource server of its own scopes (at Globus it registers each one
    # first; the sandbox takes any name under its id).
    return auth_store.get_client(state.db, owner) is not None


def check_known(state: SandboxState, scopes: Iterable[Scope]) -> None:
    """Raise ScopeError for the first scope (or dependent scope) this Auth does not know."""
    for scope in scopes:
        if not is_known(state, scope.scope_string):
            raise ScopeError(f"unknown scope: {scope.scope_string!r}")
        check_known(state, scope.dependencies)

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
    data_access_scope,
    https_scope,
    manage_collections_scope,
)
from gterm.sandbox.state import SandboxState

DATA_ACCESS_KINDS = frozenset({"GCSv5_mapped_collection"})
"""Collections with a data_access scope: GCSv5 mapped ones (a guest or a Globus Connect Personal
collection has none; Auth answers "Unknown Scope")."""
HTTPS_KINDS = frozenset({"GCSv5_mapped_collection", "GCSv5_guest_collection"})
"""Collections with an https scope: those Globus Connect Server v5 serves over HTTPS."""

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
    "urn:globus:auth:scope:search.api.globus.org:search": ("Search", "Search the indexes you may read"),
    "urn:globus:auth:scope:search.api.globus.org:ingest": ("Ingest", "Add documents to Globus Search indexes"),
    TIMER_SCOPE: ("Manage timers", "Create and manage Globus Timers"),
    "https://auth.globus.org/scopes/eec9b274-0c81-4334-bdc2-54e90e689b9a/all": ("Globus Flows", "Run and manage flows"),
    "https://auth.globus.org/scopes/facd7ccc-c5f4-42aa-916b-a0e270e2c2a9/all": (
        "Globus Compute", "Register and run functions with Globus Compute"
    ),
}


def known_scope_strings(state: SandboxState) -> list[str]:
    """The scope strings a lookup by id finds: the fixed ones, then each endpoint's and collection's (a
    client's own scopes have no id here: :func:`is_known` takes them by string only)."""
    found = list(KNOWN)
    found.extend(manage_collections_scope(endpoint.id) for endpoint in gcs_store.all_endpoints(state.db))
    for row in state.db.query("SELECT id, entity_type FROM collections ORDER BY created, display_name"):
        if row["entity_type"] in DATA_ACCESS_KINDS:
            found.append(data_access_scope(row["id"]))
        if row["entity_type"] in HTTPS_KINDS:
            found.append(https_scope(row["id"]))
    return found


def is_known(state: SandboxState, scope_string: str) -> bool:
    if scope_string in KNOWN:
        return True
    try:
        owner = resource_server_of(scope_string).lower()  # an id: any case names it
    except ScopeError:
        return False
    if scope_string.lower() == manage_collections_scope(owner):
        return gcs_store.find_endpoint(state.db, owner) is not None
    kinds = None
    if data_access_collection(scope_string):
        kinds = DATA_ACCESS_KINDS
    elif scope_string.lower() == https_scope(owner):
        kinds = HTTPS_KINDS
    if kinds is not None:
        row = state.db.query_one("SELECT entity_type FROM collections WHERE id = ?", (owner,))
        return row is not None and row["entity_type"] in kinds
    # A confidential client registered here is a resource server of its own scopes (at Globus it registers
    # each one first; the sandbox takes any name under its id). A native client owns none.
    client = auth_store.get_client(state.db, owner)
    return client is not None and client["type"] == "confidential"


def check_known(state: SandboxState, scopes: Iterable[Scope]) -> None:
    """Raise ScopeError for the first scope (or dependent scope) this Auth does not know."""
    for scope in scopes:
        if not is_known(state, scope.scope_string):
            raise ScopeError(f"unknown scope: {scope.scope_string!r}")
        check_known(state, scope.dependencies)

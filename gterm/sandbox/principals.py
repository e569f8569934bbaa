"""Who a caller counts as in access checks: its identity set and its active groups.

One function for every service of the sandbox (Transfer ACLs, endpoint and
collection roles, the GCS Manager, HTTPS access): a rule or role whose principal
is a group applies to the group's ACTIVE members. It is read from the Groups
tables at each call, so removing a member (or a member leaving) takes effect on
the very next request, as at Globus.
"""

from __future__ import annotations

from dataclasses import dataclass

from gterm.sandbox import groups_store
from gterm.sandbox.db import Database


@dataclass(frozen=True)
class EffectivePrincipals:
    identities: frozenset[str]  # the caller's identity set (the sandbox links no identities: one id)
    groups: frozenset[str]  # groups in which one of those identities is an active member

    def matches(self, principal_type: str, principal: str) -> bool:
        """Whether a rule/role principal (``identity`` or ``group`` id) names this caller."""
        if principal_type == "identity":
            return principal.lower() in self.identities
        if principal_type == "group":
            return principal.lower() in self.groups
        return False


def identity_set(identity_id: str) -> frozenset[str]:
    """The identities linked to this one (itself only: the sandbox has no account linking)."""
    return frozenset({identity_id.lower()})


def active_groups(db: Database, identity_id: str) -> frozenset[str]:
    """Ids of the groups any identity of this identity's set is an active member of."""
    return groups_store.active_group_ids(db, identity_set(identity_id))


def effective_principals(db: Database, identity_id: str) -> EffectivePrincipals:
    identities = identity_set(identity_id)
    return EffectivePrincipals(identities=identities, groups=groups_store.active_group_ids(db, identities))

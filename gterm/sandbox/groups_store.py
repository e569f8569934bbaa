"""SQLite state of the sandbox's Globus Groups (API v2): groups, memberships, preferences.

Documents are built here in the shapes Groups answers with (checked against
globus_sdk.testing's groups recordings and globus-cli's fixtures): a group
document always carries ``terms_and_conditions``, ``subscription_admin_verified_id``
and all six policy keys, because globus-cli reads them unconditionally.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gterm.sandbox import seed_ids
from gterm.sandbox.db import Database

ROLES = ("member", "manager", "admin")
STATUSES = ("active", "invited", "pending", "rejected", "removed", "left", "declined")
#: Statuses with which a group shows in "my memberships" and lets a private group be seen.
LIVE_STATUSES = ("active", "invited", "pending")
VISIBILITIES = ("authenticated", "private")
MEMBER_VISIBILITIES = ("members", "managers")
SIGNUP_FIELDS = (
    "institution",
    "current_project_name",
    "address",
    "city",
    "state",
    "country",
    "address1",
    "address2",
    "zip",
    "phone",
    "department",
    "field_of_science",
)
# Groups' defaults for a new group (per its API description): private, member names
# visible to managers, no join requests, 8 h assurance timeout.
DEFAULT_POLICIES: dict[str, Any] = {
    "is_high_assurance": False,
    "authentication_assurance_timeout": 28800,
    "group_visibility": "private",
    "group_members_visibility": "managers",
    "join_requests": False,
    "signup_fields": [],
}
DEFAULT_SESSION_LIMIT = 28800

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    terms_and_conditions TEXT,
    parent_id TEXT,
    group_type TEXT NOT NULL DEFAULT 'regular',
    enforce_session INTEGER NOT NULL DEFAULT 0,
    session_limit INTEGER NOT NULL DEFAULT 28800,
    policies TEXT NOT NULL,             -- JSON, the six policy keys
    subscription_id TEXT,
    subscription_admin_verified_id TEXT,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS groups_memberships (
    group_id TEXT NOT NULL REFERENCES groups_groups(id) ON DELETE CASCADE,
    identity_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    status TEXT NOT NULL,
    membership_fields TEXT NOT NULL DEFAULT '{}',
    updated TEXT NOT NULL,
    PRIMARY KEY (group_id, identity_id)
);
CREATE INDEX IF NOT EXISTS groups_memberships_identity ON groups_memberships (identity_id, status);
CREATE TABLE IF NOT EXISTS groups_preferences (
    identity_id TEXT PRIMARY KEY,
    allow_add INTEGER NOT NULL DEFAULT 1
);
"""


@dataclass(frozen=True)
class Membership:
    group_id: str
    identity_id: str
    role: str
    status: str
    membership_fields: dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def init_schema(db: Database) -> None:
    db.executescript(SCHEMA)


def seed(db: Database) -> None:
    """The lab group: Alice administers it, Bob is a member (first start only)."""
    if get_group(db, seed_ids.LAB_GROUP_ID) is not None:
        return
    with db.transaction() as conn:
        _insert_group(
            conn,
            group_id=seed_ids.LAB_GROUP_ID,
            name=seed_ids.LAB_GROUP_NAME,
            description="Everyone working in the Example Lab.",
            parent_id=None,
            terms_and_conditions=None,
        )
        _put_membership(conn, seed_ids.LAB_GROUP_ID, seed_ids.ALICE_ID, "admin", "active")
        _put_membership(conn, seed_ids.LAB_GROUP_ID, seed_ids.BOB_ID, "member", "active")


# --- groups ---------------------------------------------------------------------


def _insert_group(
    conn: sqlite3.Connection,
    *,
    group_id: str,
    name: str,
    description: str | None,
    parent_id: str | None,
    terms_and_conditions: str | None,
) -> None:
    conn.execute(
        "INSERT INTO groups_groups (id, name, description, terms_and_conditions, parent_id, policies, created)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (group_id, name, description, terms_and_conditions, parent_id, json.dumps(DEFAULT_POLICIES), _now()),
    )


def create_group(
    db: Database,
    *,
    name: str,
    description: str | None,
    parent_id: str | None,
    terms_and_conditions: str | None,
    admin_id: str,
) -> str:
    """A new group with default policies; its creator is its (active) administrator."""
    group_id = str(uuid.uuid4())
    with db.transaction() as conn:
        _insert_group(
            conn,
            group_id=group_id,
            name=name,
            description=description,
            parent_id=parent_id,
            terms_and_conditions=terms_and_conditions,
        )
        _put_membership(conn, group_id, admin_id, "admin", "active")
    return group_id


def get_group(db: Database, group_id: str) -> sqlite3.Row | None:
    return db.query_one("SELECT * FROM groups_groups WHERE id = ?", (group_id.lower(),))


def list_groups(db: Database) -> list[sqlite3.Row]:
    return db.query("SELECT * FROM groups_groups ORDER BY created, id")


def update_group(db: Database, group_id: str, fields: dict[str, Any]) -> None:
    allowed = ("name", "description", "terms_and_conditions", "subscription_admin_verified_id")
    changes = {k: v for k, v in fields.items() if k in allowed}
    if not changes:
        return
    assignments = ", ".join(f"{key} = ?" for key in changes)
    db.execute(f"UPDATE groups_groups SET {assignments} WHERE id = ?", (*changes.values(), group_id))


def delete_group(db: Database, group_id: str) -> None:
    with db.transaction() as conn:
        conn.execute("DELETE FROM groups_memberships WHERE group_id = ?", (group_id,))
        conn.execute("DELETE FROM groups_groups WHERE id = ?", (group_id,))


def child_ids(db: Database, group_id: str) -> list[str]:
    return [row["id"] for row in db.query("SELECT id FROM groups_groups WHERE parent_id = ? ORDER BY id", (group_id,))]


def policies(row: sqlite3.Row) -> dict[str, Any]:
    stored = json.loads(row["policies"])
    return {key: stored.get(key, default) for key, default in DEFAULT_POLICIES.items()}


def set_policies(db: Database, group_id: str, new_policies: dict[str, Any]) -> None:
    db.execute("UPDATE groups_groups SET policies = ? WHERE id = ?", (json.dumps(new_policies), group_id))


# --- memberships ----------------------------------------------------------------


def _put_membership(conn: sqlite3.Connection, group_id: str, identity_id: str, role: str, status: str) -> None:
    conn.execute(
        "INSERT INTO groups_memberships (group_id, identity_id, role, status, updated) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (group_id, identity_id) DO UPDATE SET role = excluded.role, status = excluded.status,"
        " updated = excluded.updated",
        (group_id, identity_id, role, status, _now()),
    )


def put_membership(db: Database, group_id: str, identity_id: str, role: str, status: str) -> None:
    with db.transaction() as conn:
        _put_membership(conn, group_id, identity_id, role, status)


def _membership(row: sqlite3.Row) -> Membership:
    return Membership(
        group_id=row["group_id"],
        identity_id=row["identity_id"],
        role=row["role"],
        status=row["status"],
        membership_fields=json.loads(row["membership_fields"] or "{}"),
    )


def membership(db: Database, group_id: str, identity_id: str) -> Membership | None:
    row = db.query_one(
        "SELECT * FROM groups_memberships WHERE group_id = ? AND identity_id = ?", (group_id, identity_id.lower())
    )
    return _membership(row) if row is not None else None


def memberships(db: Database, group_id: str, statuses: Iterable[str] | None = None) -> list[Membership]:
    rows = db.query("SELECT * FROM groups_memberships WHERE group_id = ? ORDER BY rowid", (group_id,))
    wanted = set(statuses) if statuses is not None else None
    return [_membership(r) for r in rows if wanted is None or r["status"] in wanted]


def memberships_of(db: Database, identity_ids: Iterable[str], statuses: Iterable[str]) -> list[Membership]:
    """Memberships of any of these identities with one of these statuses, in group creation order."""
    ids = sorted({i.lower() for i in identity_ids})
    wanted = sorted(set(statuses))
    if not ids or not wanted:
        return []
    rows = db.query(
        "SELECT m.* FROM groups_memberships AS m JOIN groups_groups AS g ON g.id = m.group_id"
        f" WHERE m.identity_id IN ({','.join('?' * len(ids))}) AND m.status IN ({','.join('?' * len(wanted))})"
        " ORDER BY g.created, g.id, m.rowid",
        (*ids, *wanted),
    )
    return [_membership(r) for r in rows]


def active_group_ids(db: Database, identity_ids: Iterable[str]) -> frozenset[str]:
    """Ids of the groups in which any of these identities is an ACTIVE member (read at each call)."""
    return frozenset(m.group_id for m in memberships_of(db, identity_ids, ("active",)))


def active_admin_count(db: Database, group_id: str) -> int:
    row = db.query_one(
        "SELECT COUNT(*) AS n FROM groups_memberships WHERE group_id = ? AND role = 'admin' AND status = 'active'",
        (group_id,),
    )
    return int(row["n"]) if row is not None else 0


# --- preferences ----------------------------------------------------------------


def allow_add(db: Database, identity_id: str) -> bool:
    row = db.query_one("SELECT allow_add FROM groups_preferences WHERE identity_id = ?", (identity_id,))
    return True if row is None else bool(row["allow_add"])


def set_allow_add(db: Database, identity_id: str, value: bool) -> None:
    db.execute(
        "INSERT INTO groups_preferences (identity_id, allow_add) VALUES (?, ?)"
        " ON CONFLICT (identity_id) DO UPDATE SET allow_add = excluded.allow_add",
        (identity_id, int(value)),
    )


# --- documents ------------------------------------------------------------------


def membership_doc(entry: Membership, username: str | None) -> dict[str, Any]:
    return {
        "group_id": entry.group_id,
        "identity_id": entry.identity_id,
        "username": username,
        "role": entry.role,
        "status": entry.status,
        "membership_fields": entry.membership_fields,
    }


def group_doc(row: sqlite3.Row) -> dict[str, Any]:
    """The keys every group document carries (includes are added by the caller)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "terms_and_conditions": row["terms_and_conditions"],
        "parent_id": row["parent_id"],
        "group_type": row["group_type"],
        "enforce_session": bool(row["enforce_session"]),
        "session_limit": int(row["session_limit"]),
        "session_timeouts": {},
        "policies": policies(row),
        "subscription_id": row["subscription_id"],
        "subscription_info": None,
        "subscription_admin_verified_id": row["subscription_admin_verified_id"],
    }

"""SQLite table of role assignments on endpoints and collections.

A role row gives one principal (an identity or a group) one role on one target:
a Transfer endpoint/collection id or a GCSv5 endpoint id (both live in the same
id space at Globus, so one ``target_id`` column serves both). What a role lets
its holder do, and how roles are inherited from hosts, is decided in
``gterm.sandbox.roles``; this module only stores and finds assignments.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from gterm.sandbox import seed_marks
from gterm.sandbox.db import Database
from gterm.sandbox.seed_ids import ALICE_ID, ALICE_SHARED_ID, BOB_ID, BOB_SHARED_ID, HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.sandbox.state import SandboxState

#: Roles that can be assigned explicitly (Transfer's and the GCS Manager's shared names).
ROLE_NAMES: tuple[str, ...] = ("administrator", "access_manager", "activity_manager", "activity_monitor")
PRINCIPAL_TYPES: tuple[str, ...] = ("identity", "group")

SCHEMA = """
CREATE TABLE IF NOT EXISTS roles (
    id TEXT PRIMARY KEY,
    target_id TEXT NOT NULL,            -- endpoint or collection id
    principal_type TEXT NOT NULL,       -- identity | group
    principal TEXT NOT NULL,            -- identity id or group id
    role TEXT NOT NULL,                 -- one of ROLE_NAMES
    create_time TEXT NOT NULL,
    UNIQUE (target_id, principal_type, principal, role)
);
CREATE INDEX IF NOT EXISTS roles_principal ON roles (principal_type, principal);
"""


class DuplicateRole(Exception):
    """The principal already holds this role on this target."""

    def __init__(self, existing_id: str) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


def init_schema(db: Database) -> None:
    db.executescript(SCHEMA)
    seed_marks.init_schema(db)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def add_role(db: Database, target_id: str, principal_type: str, principal: str, role: str) -> str:
    """Assign a role; returns its id. Raises DuplicateRole when it exists already."""
    role_id = str(uuid.uuid4())
    try:
        db.execute(
            "INSERT INTO roles (id, target_id, principal_type, principal, role, create_time)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (role_id, target_id, principal_type, principal, role, _now()),
        )
    except sqlite3.IntegrityError:
        row = db.query_one(
            "SELECT id FROM roles WHERE target_id = ? AND principal_type = ? AND principal = ? AND role = ?",
            (target_id, principal_type, principal, role),
        )
        if row is None:
            raise
        raise DuplicateRole(str(row["id"])) from None
    return role_id


def find_role(db: Database, target_id: str, role_id: str) -> sqlite3.Row | None:
    return db.query_one("SELECT * FROM roles WHERE id = ? AND target_id = ?", (role_id, target_id))


def find_role_by_id(db: Database, role_id: str) -> sqlite3.Row | None:
    """A role by id alone (the GCS Manager's /roles/{id} does not name the target)."""
    return db.query_one("SELECT * FROM roles WHERE id = ?", (role_id,))


def list_roles(db: Database, target_id: str) -> list[sqlite3.Row]:
    return db.query("SELECT * FROM roles WHERE target_id = ? ORDER BY create_time, id", (target_id,))


def delete_role(db: Database, target_id: str, role_id: str) -> bool:
    return db.execute("DELETE FROM roles WHERE id = ? AND target_id = ?", (role_id, target_id)) > 0


def delete_roles_of(db: Database, target_id: str) -> None:
    """Forget every assignment on a target (it was deleted)."""
    db.execute("DELETE FROM roles WHERE target_id = ?", (target_id,))


def principal_keys(state: SandboxState, identity_id: str) -> set[tuple[str, str]]:
    """The (principal_type, principal) pairs a caller acts as.

    The identity itself, plus every group in which it is an active member.
    Groups come from the provider the Groups half registers as
    ``state.active_group_ids`` (identity id -> group ids), read at every call
    so a member removed from a group loses its roles at once.
    """
    keys = {("identity", identity_id)}
    keys.update(("group", group_id) for group_id in state.groups_of(identity_id))
    return keys


def held_roles(state: SandboxState, target_id: str, identity_id: str) -> set[str]:
    """The roles explicitly assigned on this target to the caller or one of its groups."""
    keys = principal_keys(state, identity_id)
    rows = state.db.query(
        "SELECT principal_type, principal, role FROM roles WHERE target_id = ?", (target_id,)
    )
    return {str(r["role"]) for r in rows if (r["principal_type"], r["principal"]) in keys}


def targets_with_roles(state: SandboxState, identity_id: str) -> dict[str, set[str]]:
    """Every target on which the caller holds an explicit role -> those roles."""
    keys = principal_keys(state, identity_id)
    found: dict[str, set[str]] = {}
    for row in state.db.query("SELECT target_id, principal_type, principal, role FROM roles"):
        if (row["principal_type"], row["principal"]) in keys:
            found.setdefault(str(row["target_id"]), set()).add(str(row["role"]))
    return found


#: The seeded assignments: Alice administers Lab Storage; on HPC Scratch Alice only
#: monitors activity while Bob manages it (so tests can show monitor vs manager).
SEED_ROLES: tuple[tuple[str, str, str], ...] = (
    (LAB_STORAGE_ID, ALICE_ID, "administrator"),
    (HPC_SCRATCH_ID, ALICE_ID, "activity_monitor"),
    (HPC_SCRATCH_ID, BOB_ID, "activity_manager"),
)


#: The seeded guest collections' creators: GCS gives whoever creates a guest collection the
#: administrator role on it, as a role document of its own (see gcs_manager's collection creation).
SEED_GUEST_CREATOR_ROLES: tuple[tuple[str, str, str], ...] = (
    (BOB_SHARED_ID, BOB_ID, "administrator"),
    (ALICE_SHARED_ID, ALICE_ID, "administrator"),
)


def seed(state: SandboxState) -> None:
    """Write the seed roles once per data dir (a user's later deletions stay deleted)."""
    _seed_once(state.db, "roles", SEED_ROLES)


def seed_guest_creators(state: SandboxState) -> None:
    """The seeded guest collections' creator roles, once per data dir (older ones too), after the
    guests are made: a guest that is not there (deleted by its owner) gets none."""
    existing = {str(row["id"]) for row in state.db.query("SELECT id FROM collections")}
    _seed_once(state.db, "guest-creator-roles",
               [assignment for assignment in SEED_GUEST_CREATOR_ROLES if assignment[0] in existing])


def _seed_once(db: Database, mark: str, assignments: Iterable[tuple[str, str, str]]) -> None:
    if seed_marks.is_done(db, mark):
        return
    with db.transaction() as conn:
        for target_id, identity_id, role in assignments:
            conn.execute(
                "INSERT OR IGNORE INTO roles (id, target_id, principal_type, principal, role, create_time)"
                " VALUES (?, ?, 'identity', ?, ?, ?)",
                (str(uuid.uuid4()), target_id, identity_id, role, _now()),
            )
    seed_marks.mark_done(db, mark)

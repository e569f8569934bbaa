"""SQLite tables of the management API: pause rules, explicit admin pauses, admin cancels.

Task rows themselves belong to ``tasks_store``; what an administrator did to a
task (paused it with a message, canceled it) is kept here and folded into the
task documents by ``gterm.sandbox.pauses``.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from gterm.sandbox.db import Database

PAUSE_FLAGS: tuple[str, ...] = (
    "pause_ls",
    "pause_mkdir",
    "pause_symlink",
    "pause_rename",
    "pause_task_delete",
    "pause_task_transfer_write",
    "pause_task_transfer_read",
)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS pause_rules (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    identity_id TEXT,                    -- NULL: everyone
    message TEXT NOT NULL,
    start_time REAL,                     -- NULL: from creation
    modified_by_id TEXT NOT NULL,
    created_by_host_manager INTEGER NOT NULL DEFAULT 0,
    create_time REAL NOT NULL,
    {", ".join(f"{flag} INTEGER NOT NULL DEFAULT 0" for flag in PAUSE_FLAGS)}
);
CREATE INDEX IF NOT EXISTS pause_rules_endpoint ON pause_rules (endpoint_id);
CREATE TABLE IF NOT EXISTS admin_pauses (
    task_id TEXT NOT NULL,
    side TEXT NOT NULL,                  -- source | destination
    share INTEGER NOT NULL,              -- 1: the admin manages the guest collection, not its host
    message TEXT NOT NULL,
    paused_by_id TEXT NOT NULL,
    time REAL NOT NULL,
    PRIMARY KEY (task_id, side, share)
);
CREATE TABLE IF NOT EXISTS admin_cancels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message TEXT NOT NULL,
    task_ids TEXT NOT NULL,              -- JSON list
    requested_by_id TEXT NOT NULL,
    time REAL NOT NULL
);
-- The management API lists tasks by endpoint, newest first (tasks belong to tasks_store;
-- these indexes serve only the administrators' queries, so they live with them).
CREATE INDEX IF NOT EXISTS tasks_newest ON tasks (request_time, task_id);
CREATE TABLE IF NOT EXISTS admin_canceled_tasks (
    task_id TEXT PRIMARY KEY,
    canceled_by_admin TEXT NOT NULL,     -- SOURCE | DESTINATION | BOTH
    message TEXT NOT NULL
);
"""


def init_schema(db: Database) -> None:
    db.executescript(SCHEMA)


# --------------------------------------------------------------------------- pause rules


@dataclass(frozen=True)
class PauseRule:
    id: str
    endpoint_id: str
    identity_id: str | None
    message: str
    start_time: float | None
    modified_by_id: str
    created_by_host_manager: bool
    create_time: float
    flags: dict[str, bool]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> PauseRule:
        return cls(
            id=row["id"], endpoint_id=row["endpoint_id"], identity_id=row["identity_id"], message=row["message"],
            start_time=row["start_time"], modified_by_id=row["modified_by_id"],
            created_by_host_manager=bool(row["created_by_host_manager"]), create_time=row["create_time"],
            flags={flag: bool(row[flag]) for flag in PAUSE_FLAGS},
        )

    def in_force(self, now: float) -> bool:
        return self.start_time is None or self.start_time <= now

    def applies_to(self, identity_id: str) -> bool:
        return self.identity_id is None or self.identity_id == identity_id


def insert_rule(db: Database, *, endpoint_id: str, identity_id: str | None, message: str, start_time: float | None,
                modified_by_id: str, created_by_host_manager: bool, flags: dict[str, bool]) -> str:
    rule_id = str(uuid.uuid4())
    cols = ", ".join(PAUSE_FLAGS)
    db.execute(
        f"INSERT INTO pause_rules (id, endpoint_id, identity_id, message, start_time, modified_by_id,"
        f" created_by_host_manager, create_time, {cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
        f" {', '.join('?' * len(PAUSE_FLAGS))})",
        (rule_id, endpoint_id, identity_id, message, start_time, modified_by_id, int(created_by_host_manager),
         time.time(), *(int(flags.get(flag, False)) for flag in PAUSE_FLAGS)),
    )
    return rule_id


def get_rule(db: Database, rule_id: str) -> PauseRule | None:
    row = db.query_one("SELECT * FROM pause_rules WHERE id = ?", (rule_id,))
    return PauseRule.from_row(row) if row is not None else None


def rules_on(db: Database, endpoint_ids: Iterable[str]) -> list[PauseRule]:
    ids = sorted(set(endpoint_ids))
    if not ids:
        return []
    rows = db.query(
        f"SELECT * FROM pause_rules WHERE endpoint_id IN ({', '.join('?' * len(ids))}) ORDER BY create_time, id",
        ids,
    )
    return [PauseRule.from_row(r) for r in rows]


def all_rules(db: Database) -> list[PauseRule]:
    return [PauseRule.from_row(r) for r in db.query("SELECT * FROM pause_rules ORDER BY create_time, id")]


def update_rule(db: Database, rule_id: str, *, message: str, start_time: float | None, identity_id: str | None,
                modified_by_id: str, flags: dict[str, bool]) -> None:
    db.execute(
        f"UPDATE pause_rules SET message = ?, start_time = ?, identity_id = ?, modified_by_id = ?,"
        f" {', '.join(f'{flag} = ?' for flag in PAUSE_FLAGS)} WHERE id = ?",
        (message, start_time, identity_id, modified_by_id, *(int(flags[flag]) for flag in PAUSE_FLAGS), rule_id),
    )


def delete_rule(db: Database, rule_id: str) -> None:
    db.execute("DELETE FROM pause_rules WHERE id = ?", (rule_id,))


def delete_rules_on(db: Database, endpoint_id: str) -> None:
    db.execute("DELETE FROM pause_rules WHERE endpoint_id = ?", (endpoint_id,))


# --------------------------------------------------------------------------- explicit pauses and cancels


@dataclass(frozen=True)
class AdminPause:
    side: str
    share: bool
    message: str


def add_admin_pause(db: Database, task_id: str, side: str, share: bool, message: str, by_id: str) -> None:
    db.execute(
        "INSERT INTO admin_pauses (task_id, side, share, message, paused_by_id, time) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (task_id, side, share) DO UPDATE SET message = excluded.message,"
        " paused_by_id = excluded.paused_by_id, time = excluded.time",
        (task_id, side, int(share), message, by_id, time.time()),
    )


def admin_pauses(db: Database, task_id: str) -> list[AdminPause]:
    rows = db.query("SELECT side, share, message FROM admin_pauses WHERE task_id = ? ORDER BY side, share",
                    (task_id,))
    return [AdminPause(r["side"], bool(r["share"]), r["message"]) for r in rows]


def paused_task_ids(db: Database, task_ids: Iterable[str]) -> set[str]:
    ids = list(set(task_ids))
    if not ids:
        return set()
    rows = db.query(f"SELECT DISTINCT task_id FROM admin_pauses WHERE task_id IN ({', '.join('?' * len(ids))})", ids)
    return {r["task_id"] for r in rows}


def clear_admin_pauses(db: Database, task_id: str) -> None:
    db.execute("DELETE FROM admin_pauses WHERE task_id = ?", (task_id,))


def record_cancel(db: Database, message: str, task_ids: list[str], by_id: str) -> int:
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO admin_cancels (message, task_ids, requested_by_id, time) VALUES (?, ?, ?, ?)",
            (message, json.dumps(task_ids), by_id, time.time()),
        )
        return int(cursor.lastrowid or 0)


def get_cancel(db: Database, cancel_id: int) -> sqlite3.Row | None:
    return db.query_one("SELECT * FROM admin_cancels WHERE id = ?", (cancel_id,))


def mark_canceled_by_admin(db: Database, task_id: str, sides: str, message: str) -> None:
    db.execute(
        "INSERT INTO admin_canceled_tasks (task_id, canceled_by_admin, message) VALUES (?, ?, ?)"
        " ON CONFLICT (task_id) DO UPDATE SET canceled_by_admin = excluded.canceled_by_admin,"
        " message = excluded.message",
        (task_id, sides, message),
    )


def canceled_by_admin(db: Database, task_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    ids = list(set(task_ids))
    if not ids:
        return {}
    rows = db.query(
        f"SELECT * FROM admin_canceled_tasks WHERE task_id IN ({', '.join('?' * len(ids))})", ids
    )
    return {r["task_id"]: (r["canceled_by_admin"], r["message"]) for r in rows}

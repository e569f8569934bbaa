"""SQLite state of Transfer tasks: tasks, events, per-file records, submission ids.

The routes and the engine both go through these functions, so the task
document the API returns is built in one place (``task_doc``). Times are
stored as epoch seconds (REAL) and rendered the way Transfer does:
ISO 8601 with ``T`` and ``+00:00``.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from gterm.sandbox.db import Database

# Counters a task document carries; all start at zero and live in columns of `tasks`.
COUNTERS: tuple[str, ...] = (
    "files",
    "directories",
    "symlinks",
    "files_skipped",
    "files_transferred",
    "bytes_transferred",
    "bytes_checksummed",
    "subtasks_total",
    "subtasks_succeeded",
    "subtasks_failed",
    "subtasks_canceled",
    "subtasks_expired",
    "subtasks_pending",
    "subtasks_retrying",
    "subtasks_skipped_errors",
    "faults",
)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS task_submissions (
    submission_id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    issued_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    task_id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    username TEXT NOT NULL,
    type TEXT NOT NULL,                  -- TRANSFER | DELETE
    status TEXT NOT NULL,                -- ACTIVE | INACTIVE | SUCCEEDED | FAILED
    label TEXT,
    submission_id TEXT NOT NULL,
    request_time REAL NOT NULL,
    start_time REAL,
    completion_time REAL,
    deadline REAL,
    source_endpoint_id TEXT,
    source_display_name TEXT,
    destination_endpoint_id TEXT,
    destination_display_name TEXT,
    options TEXT NOT NULL,               -- JSON: the submitted flags, normalised
    items TEXT NOT NULL,                 -- JSON: the submitted items, with collection paths
    planned INTEGER NOT NULL DEFAULT 0,  -- 1 once task_files holds the expanded plan
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    fatal_error TEXT,                    -- JSON {{code, description}} or NULL
    nice_status TEXT,
    nice_status_details TEXT,
    nice_status_short_description TEXT,
    {", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in COUNTERS)},
    UNIQUE (owner_id, submission_id)
);
CREATE INDEX IF NOT EXISTS tasks_owner_time ON tasks (owner_id, request_time);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status);
CREATE TABLE IF NOT EXISTS task_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    time REAL NOT NULL,
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    details TEXT NOT NULL,
    is_error INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS task_events_task ON task_events (task_id, id);
CREATE TABLE IF NOT EXISTS task_files (
    task_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,          -- dir | file | extra | delete_file | delete_dir | error
    source_path TEXT,            -- collection paths, as the API reports them (never host paths:
    destination_path TEXT,       -- the engine resolves them beneath the collection root when used)
    size INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,         -- pending | done | skipped | skipped_error | failed
    error_code TEXT,
    error_details TEXT,
    error_time REAL,
    is_directory INTEGER NOT NULL DEFAULT 0,
    checksum TEXT,               -- a copied file's digest, when the task verified checksums
    checksum_algorithm TEXT,     -- as Transfer names it (MD5, SHA256, ...)
    PRIMARY KEY (task_id, seq)
);
CREATE INDEX IF NOT EXISTS task_files_state ON task_files (task_id, state, seq);
"""


def init_schema(db: Database) -> None:
    db.executescript(SCHEMA)
    columns = {row["name"] for row in db.query("PRAGMA table_info(task_files)")}
    for column in ("checksum", "checksum_algorithm"):  # a data dir from before successful_transfers had them
        if column not in columns:
            db.execute(f"ALTER TABLE task_files ADD COLUMN {column} TEXT")


# ---------------------------------------------------------------- time helpers


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(int(ts), tz=UTC).isoformat()


def parse_time(value: Any) -> float | None:
    """Parse an ISO 8601 time as the SDK sends it ("2017-10-12 09:30Z", "2017-10-12", ...).

    Naive times are taken as UTC. Raises ValueError for anything else.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"invalid time {value!r}")
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def transfer_username(identity_id: str) -> str:
    """Transfer's opaque ``u_...`` username derived from the identity id."""
    raw = uuid.UUID(identity_id).bytes if _is_uuid(identity_id) else identity_id.encode()
    return "u_" + base64.b32encode(raw).decode().rstrip("=").lower()


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- submissions & tasks


def issue_submission_id(db: Database, owner_id: str) -> str:
    value = str(uuid.uuid4())
    db.execute(
        "INSERT INTO task_submissions (submission_id, owner_id, issued_at) VALUES (?, ?, ?)",
        (value, owner_id, time.time()),
    )
    return value


def find_by_submission(db: Database, owner_id: str, submission_id: str) -> sqlite3.Row | None:
    return db.query_one(
        "SELECT * FROM tasks WHERE owner_id = ? AND submission_id = ?", (owner_id, submission_id)
    )


@dataclass
class NewTask:
    owner_id: str
    username: str
    type: str
    label: str | None
    submission_id: str
    deadline: float | None
    source_endpoint_id: str | None
    source_display_name: str | None
    destination_endpoint_id: str | None
    destination_display_name: str | None
    options: dict[str, Any]
    items: list[dict[str, Any]]


def create_task(db: Database, new: NewTask) -> tuple[str, bool]:
    """Insert the task unless its submission id was seen: returns (task_id, duplicate)."""
    task_id = str(uuid.uuid4())
    try:
        db.execute(
            """INSERT INTO tasks (task_id, owner_id, username, type, status, label, submission_id,
                   request_time, deadline, source_endpoint_id, source_display_name,
                   destination_endpoint_id, destination_display_name, options, items, nice_status)
               VALUES (?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Queued')""",
            (
                task_id,
                new.owner_id,
                new.username,
                new.type,
                new.label,
                new.submission_id,
                time.time(),
                new.deadline,
                new.source_endpoint_id,
                new.source_display_name,
                new.destination_endpoint_id,
                new.destination_display_name,
                json.dumps(new.options),
                json.dumps(new.items),
            ),
        )
    except sqlite3.IntegrityError:
        # A concurrent request with the same submission id won the race.
        row = find_by_submission(db, new.owner_id, new.submission_id)
        if row is None:
            raise
        return row["task_id"], True
    return task_id, False


def reactivate(db: Database, task_id: str) -> bool:
    """A paused (INACTIVE) task made ACTIVE again; whether it was paused (a task in any other state is left)."""
    return db.execute("UPDATE tasks SET status = 'ACTIVE' WHERE task_id = ? AND status = 'INACTIVE'", (task_id,)) > 0


def get_task(db: Database, task_id: str) -> sqlite3.Row | None:
    return db.query_one("SELECT * FROM tasks WHERE task_id = ?", (task_id,))


def active_task_ids(db: Database) -> list[str]:
    rows = db.query("SELECT task_id FROM tasks WHERE status = 'ACTIVE' ORDER BY request_time")
    return [r["task_id"] for r in rows]


def collections_in_use(db: Database, identity_id: str) -> set[str]:
    """Collections in an identity's ACTIVE tasks (endpoint_search filter_scope=in-use)."""
    rows = db.query(
        "SELECT source_endpoint_id, destination_endpoint_id FROM tasks WHERE owner_id = ? AND status = 'ACTIVE'",
        (identity_id,),
    )
    return {cid for row in rows for cid in (row[0], row[1]) if cid}


def update_task_fields(db: Database, task_id: str, **fields: Any) -> None:
    if not fields:
        return
    cols = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"UPDATE tasks SET {cols} WHERE task_id = ?", (*fields.values(), task_id))


# ---------------------------------------------------------------- events


def add_event(
    db: Database,
    task_id: str,
    code: str,
    description: str,
    details: str | dict[str, Any] = "",
    *,
    is_error: bool = False,
    when: float | None = None,
) -> None:
    if isinstance(details, dict):
        details = json.dumps(details, indent=2)
    db.execute(
        "INSERT INTO task_events (task_id, time, code, description, details, is_error) VALUES (?, ?, ?, ?, ?, ?)",
        (task_id, when if when is not None else time.time(), code, description, details, int(is_error)),
    )


def event_page(
    db: Database, task_id: str, *, limit: int, offset: int, is_error: bool | None
) -> tuple[list[dict[str, Any]], int]:
    where = "task_id = ?"
    params: list[Any] = [task_id]
    if is_error is not None:
        where += " AND is_error = ?"
        params.append(int(is_error))
    total_row = db.query_one(f"SELECT COUNT(*) AS n FROM task_events WHERE {where}", params)
    rows = db.query(
        f"SELECT * FROM task_events WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    docs = [
        {
            "DATA_TYPE": "event",
            "code": r["code"],
            "description": r["description"],
            "details": r["details"],
            "is_error": bool(r["is_error"]),
            "time": iso(r["time"]),
        }
        for r in rows
    ]
    return docs, int(total_row["n"]) if total_row else 0


# ---------------------------------------------------------------- per-file records


FileKind = Literal["dir", "file", "extra", "delete_file", "delete_dir"]
FileState = Literal["pending", "done", "skipped", "skipped_error", "failed"]


class TaskFile(NamedTuple):
    """One row of ``task_files``: a directory, file, destination extra or deletion of a task's plan.

    A NamedTuple (fields in column order) so a plan of 100,000 rows goes to
    ``executemany`` as it is, with no conversion per row.
    """

    task_id: str
    seq: int
    kind: FileKind
    source_path: str | None  # collection paths, as the API reports them (directories end with "/");
    destination_path: str  # no source for extras and deletions (their path is the "destination")
    size: int = 0
    state: FileState = "pending"
    error_code: str | None = None
    error_details: str | None = None
    error_time: float | None = None
    is_directory: bool = False

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> TaskFile:
        values = list(row)
        values[-1] = bool(values[-1])  # is_directory is stored as 0/1
        return cls._make(values)


FILE_COLUMNS = ", ".join(TaskFile._fields)


def save_plan(db: Database, task_id: str, rows: Iterable[TaskFile]) -> None:
    """Store the expanded plan and mark the task planned, atomically."""
    placeholders = ", ".join("?" * len(TaskFile._fields))
    with db.transaction() as conn:
        conn.executemany(f"INSERT INTO task_files ({FILE_COLUMNS}) VALUES ({placeholders})", rows)
        conn.execute("UPDATE tasks SET planned = 1 WHERE task_id = ?", (task_id,))


def pending_files(db: Database, task_id: str, after_seq: int, limit: int = 1000) -> list[TaskFile]:
    rows = db.query(
        f"SELECT {FILE_COLUMNS} FROM task_files WHERE task_id = ? AND state = 'pending' AND seq > ?"
        " ORDER BY seq LIMIT ?",
        (task_id, after_seq, limit),
    )
    return [TaskFile.from_row(row) for row in rows]


def file_rows(db: Database, task_id: str, kind: FileKind) -> list[TaskFile]:
    rows = db.query(
        f"SELECT {FILE_COLUMNS} FROM task_files WHERE task_id = ? AND kind = ? ORDER BY seq", (task_id, kind)
    )
    return [TaskFile.from_row(row) for row in rows]


class RowUpdate(NamedTuple):
    """A new state of one task_files row (written in batches by the engine), in statement order."""

    state: FileState
    error_code: str | None
    error_details: str | None
    error_time: float | None
    checksum: str | None
    checksum_algorithm: str | None
    task_id: str
    seq: int


def update_rows(conn: sqlite3.Connection, updates: Sequence[RowUpdate]) -> None:
    conn.executemany(
        "UPDATE task_files SET state = ?, error_code = ?, error_details = ?, error_time = ?,"
        " checksum = ?, checksum_algorithm = ? WHERE task_id = ? AND seq = ?",
        updates,
    )


def file_state_counts(db: Database, task_id: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, state) -> (count, sum of sizes): lets a resumed task rebuild its counters."""
    rows = db.query(
        "SELECT kind, state, COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM task_files"
        " WHERE task_id = ? GROUP BY kind, state",
        (task_id,),
    )
    return {(r["kind"], r["state"]): (int(r["n"]), int(r["b"])) for r in rows}


def successful_page(db: Database, task_id: str, marker: int, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    rows = db.query(
        "SELECT seq, source_path, destination_path, size, checksum, checksum_algorithm FROM task_files"
        " WHERE task_id = ? AND kind = 'file' AND state = 'done' AND seq > ? ORDER BY seq LIMIT ?",
        (task_id, marker, limit + 1),
    )
    more = len(rows) > limit
    rows = rows[:limit]
    # As Transfer: the size always; the checksum and its algorithm when the task verified checksums.
    docs = [
        {"DATA_TYPE": "successful_transfer", "source_path": r["source_path"], "destination_path": r["destination_path"],
         "size": r["size"], "checksum": r["checksum"], "checksum_algorithm": r["checksum_algorithm"]}
        for r in rows
    ]
    return docs, (rows[-1]["seq"] if more and rows else None)


def skipped_page(db: Database, task_id: str, marker: int, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    rows = [TaskFile.from_row(row) for row in db.query(
        f"SELECT {FILE_COLUMNS} FROM task_files WHERE task_id = ? AND state = 'skipped_error' AND seq > ?"
        " ORDER BY seq LIMIT ?",
        (task_id, marker, limit + 1),
    )]
    more = len(rows) > limit
    rows = rows[:limit]
    docs = [
        {
            "DATA_TYPE": "skipped_error",
            "checksum_algorithm": None,
            "destination_path": r.destination_path,
            "error_code": r.error_code,
            "error_details": r.error_details,
            "error_time": iso(r.error_time),
            "external_checksum": None,
            "is_delete_destination_extra": r.kind == "extra",
            "is_directory": r.is_directory,
            "is_symlink": False,
            "source_path": r.source_path,
        }
        for r in rows
    ]
    return docs, (rows[-1].seq if more and rows else None)


# ---------------------------------------------------------------- the task document


def task_doc(row: sqlite3.Row, now: float | None = None) -> dict[str, Any]:
    """The Transfer task document: every key of globus_sdk.testing's task_list fixture."""
    now = time.time() if now is None else now
    options = json.loads(row["options"])
    counters = {c: int(row[c]) for c in COUNTERS}
    started = row["start_time"] or row["request_time"]
    ended = row["completion_time"] or now
    elapsed = max(ended - started, 1e-3)
    bps = int(counters["bytes_transferred"] / elapsed) if row["start_time"] else 0
    active = row["status"] in ("ACTIVE", "INACTIVE")
    fatal = json.loads(row["fatal_error"]) if row["fatal_error"] else None
    is_transfer = row["type"] == "TRANSFER"
    doc: dict[str, Any] = {
        "DATA_TYPE": "task",
        "task_id": row["task_id"],
        "type": row["type"],
        "status": row["status"],
        "label": row["label"],
        "owner_id": row["owner_id"],
        "username": row["username"],
        "command": "API 0.10",
        "request_time": iso(row["request_time"]),
        "completion_time": iso(row["completion_time"]),
        "deadline": iso(row["deadline"]),
        "source_endpoint": row["source_display_name"] or row["source_endpoint_id"],
        "source_endpoint_id": row["source_endpoint_id"],
        "source_endpoint_display_name": row["source_display_name"],
        "source_local_user": None,
        "destination_endpoint": row["destination_display_name"] or row["destination_endpoint_id"],
        "destination_endpoint_id": row["destination_endpoint_id"],
        "destination_endpoint_display_name": row["destination_display_name"],
        "destination_local_user": None,
        "sync_level": options.get("sync_level") if is_transfer else None,
        "verify_checksum": bool(options.get("verify_checksum", False)) if is_transfer else False,
        "preserve_timestamp": bool(options.get("preserve_timestamp", False)),
        "encrypt_data": bool(options.get("encrypt_data", False)),
        "delete_destination_extra": bool(options.get("delete_destination_extra", False)),
        "skip_source_errors": bool(options.get("skip_source_errors", False)),
        "fail_on_quota_errors": bool(options.get("fail_on_quota_errors", False)),
        "filter_rules": options.get("filter_rules") or None,
        "recursive_symlinks": "ignore",
        "effective_bytes_per_second": bps,
        "fatal_error": fatal,
        "is_ok": (row["nice_status"] in (None, "OK", "Queued")) if active else None,
        "is_paused": False,
        "history_deleted": False,
        "canceled_by_admin": None,
        "canceled_by_admin_message": None,
        "nice_status": row["nice_status"],
        "nice_status_details": row["nice_status_details"],
        "nice_status_expires_in": -1 if active and row["nice_status"] not in (None, "OK", "Queued") else None,
        "nice_status_short_description": row["nice_status_short_description"],
    }
    doc.update(counters)
    return doc


def list_tasks(
    db: Database,
    owner_id: str,
    *,
    where: list[str],
    params: list[Any],
    order_by: str,
    limit: int,
    offset: int,
) -> tuple[list[sqlite3.Row], int]:
    clause = " AND ".join(["owner_id = ?", *where])
    all_params = [owner_id, *params]
    total_row = db.query_one(f"SELECT COUNT(*) AS n FROM tasks WHERE {clause}", all_params)
    rows = db.query(
        f"SELECT * FROM tasks WHERE {clause} ORDER BY {order_by} LIMIT ? OFFSET ?",
        (*all_params, limit, offset),
    )
    return rows, int(total_row["n"]) if total_row else 0

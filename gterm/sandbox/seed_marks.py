"""Which seed steps already ran in this data dir, so a user's later deletions stay deleted.

A store that seeds rows into a table others also write cannot tell "never
seeded" from "seeded, then emptied by the user" by looking at its rows; it asks
here instead, once per named step.
"""

from __future__ import annotations

from gterm.sandbox.db import Database

SCHEMA = "CREATE TABLE IF NOT EXISTS seed_marks (name TEXT PRIMARY KEY, done_at TEXT NOT NULL)"


def init_schema(db: Database) -> None:
    db.executescript(SCHEMA)


def is_done(db: Database, name: str) -> bool:
    return db.query_one("SELECT 1 FROM seed_marks WHERE name = ?", (name,)) is not None


def mark_done(db: Database, name: str) -> None:
    db.execute("INSERT OR IGNORE INTO seed_marks (name, done_at) VALUES (?, datetime('now'))", (name,))

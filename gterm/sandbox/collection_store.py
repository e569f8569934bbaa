"""SQLite tables of collections and what hangs on them: ACL rules, bookmarks, collection use; the seed.

Collection roots are stored relative to ``DATA_DIR/collections`` (mapped) or as a
host path (guest), never as absolute paths, so a data dir can be moved.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gterm.sandbox import sample_tree
from gterm.sandbox.db import Database
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    BOB_ID,
    BOB_SHARED_ID,
    HPC_SCRATCH_ID,
    LAB_STORAGE_ID,
)
from gterm.sandbox.state import SandboxState

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    entity_type TEXT NOT NULL,          -- GCSv5_mapped_collection | GCSv5_guest_collection
    owner_id TEXT,                      -- identity id; NULL for admin-run mapped collections
    owner_string TEXT NOT NULL,
    slug TEXT,                          -- mapped: directory name under DATA_DIR/collections
    host_collection_id TEXT REFERENCES collections(id),
    host_path TEXT,                     -- guest: "/shared/bob/" inside the host collection
    requires_consent INTEGER NOT NULL DEFAULT 0,
    public INTEGER NOT NULL DEFAULT 1,
    meta TEXT NOT NULL DEFAULT '{}',    -- JSON: description, keywords, organization, ...
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS acl_rules (
    id TEXT PRIMARY KEY,
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    principal_type TEXT NOT NULL,       -- identity | group | all_authenticated_users | anonymous
    principal TEXT NOT NULL,
    path TEXT NOT NULL,                 -- relative to the guest root, ends with "/"
    permissions TEXT NOT NULL,          -- r | rw
    create_time TEXT NOT NULL,
    expiration_date TEXT
);
CREATE TABLE IF NOT EXISTS bookmarks (
    id TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL,
    name TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    path TEXT NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    UNIQUE (identity_id, name)
);
CREATE TABLE IF NOT EXISTS collection_use (
    identity_id TEXT NOT NULL,
    collection_id TEXT NOT NULL,
    last_used REAL NOT NULL,
    PRIMARY KEY (identity_id, collection_id)
);
"""

#: The subscription every seeded collection belongs to (roles and the management API need one).
SANDBOX_SUBSCRIPTION_ID = "964be8f5-5f9b-11e4-b64e-12313940394d"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def init_schema(db: Database) -> None:
    db.executescript(SCHEMA)


def insert_collection(
    db: Database,
    *,
    collection_id: str,
    display_name: str,
    entity_type: str,
    owner_id: str | None,
    owner_string: str,
    slug: str | None = None,
    host_collection_id: str | None = None,
    host_path: str | None = None,
    requires_consent: bool = False,
    public: bool = True,
    meta: dict[str, Any] | None = None,
) -> None:
    db.execute(
        "INSERT INTO collections (id, display_name, entity_type, owner_id, owner_string, slug,"
        " host_collection_id, host_path, requires_consent, public, meta, created)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            collection_id,
            display_name,
            entity_type,
            owner_id,
            owner_string,
            slug,
            host_collection_id,
            host_path,
            int(requires_consent),
            int(public),
            json.dumps(meta or {}),
            now_iso(),
        ),
    )


def insert_rule(
    db: Database, collection_id: str, principal_type: str, principal: str, path: str, permissions: str
) -> str:
    rule_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO acl_rules (id, collection_id, principal_type, principal, path, permissions,"
        " create_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rule_id, collection_id, principal_type, principal, path, permissions, now_iso()),
    )
    return rule_id


def collections_dir(state: SandboxState) -> Path:
    return state.config.data_dir / "collections"


def seed(state: SandboxState) -> None:
    """Create the seeded collections, Bob's ACL rule and the sample files (first start only)."""
    db = state.db
    if db.query_one("SELECT 1 FROM collections LIMIT 1") is not None:
        return
    base = collections_dir(state)
    lab_root = base / "lab-storage"
    scratch_root = base / "hpc-scratch"
    sample_tree.generate(lab_root, scratch_root)

    insert_collection(
        db,
        collection_id=LAB_STORAGE_ID,
        display_name="Lab Storage",
        entity_type="GCSv5_mapped_collection",
        owner_id=None,
        owner_string="lab-storage@example.org",
        slug="lab-storage",
        meta={
            "description": "Shared research storage of the Example Lab: home directories and projects.",
            "keywords": "lab,storage,research,projects",
            "organization": "Example University",
            "department": "Physics",
            "contact_email": "storage-admins@example.org",
            "info_link": "https://example.org/lab-storage",
            "default_directory": "/~/",
        },
    )
    insert_collection(
        db,
        collection_id=HPC_SCRATCH_ID,
        display_name="HPC Scratch",
        entity_type="GCSv5_mapped_collection",
        owner_id=None,
        owner_string="hpc-admins@example.org",
        slug="hpc-scratch",
        requires_consent=True,
        meta={
            "description": "Fast scratch space of the cluster. Purged after 30 days.",
            "keywords": "hpc,scratch,cluster",
            "organization": "Example University Research Computing",
            "department": "Research Computing",
            "contact_email": "hpc-help@example.org",
            "info_link": "https://example.org/hpc",
            "default_directory": "/~/",
        },
    )
    insert_collection(
        db,
        collection_id=BOB_SHARED_ID,
        display_name="Bob's shared results",
        entity_type="GCSv5_guest_collection",
        owner_id=BOB_ID,
        owner_string="bob@example.org",
        host_collection_id=LAB_STORAGE_ID,
        host_path="/shared/bob/",
        public=False,
        meta={
            "description": "Results Bob shares with Alice.",
            "keywords": "results,shared",
            "organization": "Example University",
            "default_directory": "/",
        },
    )
    insert_rule(db, BOB_SHARED_ID, "identity", ALICE_ID, "/", "rw")


def collection_summaries(state: SandboxState) -> list[dict[str, str]]:
    """The ``collections`` list of sandbox.json: id, display_name, entity_type, root."""
    from gterm.sandbox.collections import get_collection  # local: collections imports this module

    rows = state.db.query("SELECT id FROM collections ORDER BY created, display_name")
    result = []
    for row in rows:
        coll = get_collection(state, row["id"])
        result.append(
            {
                "id": coll.id,
                "display_name": coll.display_name,
                "entity_type": coll.entity_type,
                "root": str(coll.root),
            }
        )
    return result

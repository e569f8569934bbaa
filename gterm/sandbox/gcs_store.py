"""SQLite tables of the GCSv5 half: endpoints, storage gateways, which collection lives where, user credentials.

At Globus a GCSv5 *endpoint* is a server (its GCS Manager API manages it) and
not a collection: its mapped collections sit on storage gateways, guest
collections on mapped collections. The collections themselves stay in the
Transfer half's ``collections`` table (they are what Transfer lists and what
file operations resolve); this module only records which endpoint and gateway
each belongs to, plus the endpoint's own settings and its users' credentials.

A GCSv5 endpoint acts under its own client identity (its id, as
``<id>@clients.auth.globus.org``): that is the ``owner_id``/``owner_string``
Transfer reports for the mapped collections it hosts.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gterm.sandbox import collection_store, seed_marks
from gterm.sandbox.db import Database
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_SHARED_ID,
    ALICE_USERNAME,
    HPC_ENDPOINT_ID,
    HPC_GATEWAY_ID,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_GATEWAY_ID,
    LAB_STORAGE_ID,
)
from gterm.sandbox.state import SandboxState

POSIX_CONNECTOR_ID = "145812c8-decc-41f1-83cf-bb2a85a2a70b"  # the POSIX connector's id at Globus
GCS_VERSION = "5.4.80"

SCHEMA = """
CREATE TABLE IF NOT EXISTS gcs_endpoints (
    id TEXT PRIMARY KEY,                 -- endpoint id = its client id (resource server of its scopes)
    display_name TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',     -- JSON: organization, contact_email, public, ...
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gcs_storage_gateways (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES gcs_endpoints(id),
    display_name TEXT NOT NULL,
    high_assurance INTEGER NOT NULL DEFAULT 0,
    meta TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gcs_collection_homes (
    collection_id TEXT PRIMARY KEY,      -- a row of the Transfer half's collections table
    endpoint_id TEXT NOT NULL REFERENCES gcs_endpoints(id),
    storage_gateway_id TEXT NOT NULL REFERENCES gcs_storage_gateways(id),
    user_credential_id TEXT,             -- guests: the credential the guest acts with
    settings TEXT NOT NULL DEFAULT '{}'  -- JSON: GCS-only collection fields (allow_guest_collections, ...)
);
CREATE TABLE IF NOT EXISTS gcs_user_credentials (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES gcs_endpoints(id),
    storage_gateway_id TEXT NOT NULL REFERENCES gcs_storage_gateways(id),
    identity_id TEXT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class GcsEndpoint:
    id: str
    display_name: str
    meta: dict[str, Any]
    created: str

    @property
    def client_identity(self) -> str:
        """The endpoint's client identity as Globus writes it (owner_string of its mapped collections)."""
        return f"{self.id}@clients.auth.globus.org"


@dataclass(frozen=True)
class CollectionHome:
    collection_id: str
    endpoint_id: str
    storage_gateway_id: str
    user_credential_id: str | None
    settings: dict[str, Any]


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def init_schema(db: Database) -> None:
    db.executescript(SCHEMA)


# --------------------------------------------------------------------------- reads


def _endpoint(row: sqlite3.Row) -> GcsEndpoint:
    return GcsEndpoint(row["id"], row["display_name"], json.loads(row["meta"]), row["created"])


def find_endpoint(db: Database, endpoint_id: str) -> GcsEndpoint | None:
    row = db.query_one("SELECT * FROM gcs_endpoints WHERE id = ?", (endpoint_id,))
    return _endpoint(row) if row is not None else None


def all_endpoints(db: Database) -> list[GcsEndpoint]:
    return [_endpoint(row) for row in db.query("SELECT * FROM gcs_endpoints ORDER BY display_name")]


def gateways(db: Database, endpoint_id: str) -> list[sqlite3.Row]:
    return db.query(
        "SELECT * FROM gcs_storage_gateways WHERE endpoint_id = ? ORDER BY display_name, id", (endpoint_id,)
    )


def find_gateway(db: Database, endpoint_id: str, gateway_id: str) -> sqlite3.Row | None:
    return db.query_one(
        "SELECT * FROM gcs_storage_gateways WHERE id = ? AND endpoint_id = ?", (gateway_id, endpoint_id)
    )


def _home(row: sqlite3.Row) -> CollectionHome:
    return CollectionHome(
        row["collection_id"],
        row["endpoint_id"],
        row["storage_gateway_id"],
        row["user_credential_id"],
        json.loads(row["settings"]),
    )


def home_of(db: Database, collection_id: str) -> CollectionHome | None:
    row = db.query_one("SELECT * FROM gcs_collection_homes WHERE collection_id = ?", (collection_id,))
    return _home(row) if row is not None else None


def collection_ids(db: Database, endpoint_id: str) -> list[str]:
    rows = db.query(
        "SELECT h.collection_id FROM gcs_collection_homes AS h JOIN collections AS c ON c.id = h.collection_id"
        " WHERE h.endpoint_id = ? ORDER BY c.display_name, c.id",
        (endpoint_id,),
    )
    return [str(row["collection_id"]) for row in rows]


def credentials(db: Database, endpoint_id: str, identity_id: str) -> list[sqlite3.Row]:
    return db.query(
        "SELECT * FROM gcs_user_credentials WHERE endpoint_id = ? AND identity_id = ? ORDER BY created, id",
        (endpoint_id, identity_id),
    )


def find_credential(db: Database, endpoint_id: str, credential_id: str) -> sqlite3.Row | None:
    return db.query_one(
        "SELECT * FROM gcs_user_credentials WHERE id = ? AND endpoint_id = ?", (credential_id, endpoint_id)
    )


# --------------------------------------------------------------------------- writes


def set_endpoint(db: Database, endpoint: GcsEndpoint) -> None:
    db.execute(
        "UPDATE gcs_endpoints SET display_name = ?, meta = ? WHERE id = ?",
        (endpoint.display_name, json.dumps(endpoint.meta), endpoint.id),
    )


def add_home(
    db: Database,
    collection_id: str,
    endpoint_id: str,
    gateway_id: str,
    *,
    user_credential_id: str | None = None,
    settings: dict[str, Any] | None = None,
) -> None:
    db.execute(
        "INSERT INTO gcs_collection_homes (collection_id, endpoint_id, storage_gateway_id, user_credential_id,"
        " settings) VALUES (?, ?, ?, ?, ?)",
        (collection_id, endpoint_id, gateway_id, user_credential_id, json.dumps(settings or {})),
    )


def set_settings(db: Database, collection_id: str, settings: dict[str, Any]) -> None:
    db.execute(
        "UPDATE gcs_collection_homes SET settings = ? WHERE collection_id = ?", (json.dumps(settings), collection_id)
    )


def forget_collection(db: Database, collection_id: str) -> None:
    db.execute("DELETE FROM gcs_collection_homes WHERE collection_id = ?", (collection_id,))


def add_credential(
    db: Database, endpoint_id: str, gateway_id: str, identity_id: str, username: str, display_name: str
) -> str:
    credential_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO gcs_user_credentials (id, endpoint_id, storage_gateway_id, identity_id, username,"
        " display_name, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (credential_id, endpoint_id, gateway_id, identity_id, username, display_name, now_iso()),
    )
    return credential_id


def update_credential(db: Database, credential_id: str, display_name: str) -> None:
    db.execute("UPDATE gcs_user_credentials SET display_name = ? WHERE id = ?", (display_name, credential_id))


def delete_credential(db: Database, credential_id: str) -> None:
    db.execute("DELETE FROM gcs_user_credentials WHERE id = ?", (credential_id,))


# --------------------------------------------------------------------------- seed

#: (endpoint id, display name, gateway id, gateway name, mapped collection id, endpoint settings)
_SEED: tuple[tuple[str, str, str, str, str, dict[str, Any]], ...] = (
    (
        LAB_ENDPOINT_ID,
        "Example Lab GCS Endpoint",
        LAB_GATEWAY_ID,
        "Lab Storage POSIX gateway",
        LAB_STORAGE_ID,
        {"organization": "Example University", "department": "Physics", "contact_email": "storage-admins@example.org"},
    ),
    (
        HPC_ENDPOINT_ID,
        "Example HPC GCS Endpoint",
        HPC_GATEWAY_ID,
        "HPC Scratch POSIX gateway",
        HPC_SCRATCH_ID,
        {
            "organization": "Example University Research Computing",
            "department": "Research Computing",
            "contact_email": "hpc-help@example.org",
        },
    ),
)


def seed(state: SandboxState) -> None:
    """Once per data dir: the two GCSv5 endpoints, their gateways, and their collections' homes.

    Runs after the Transfer half's seed. It also gives the seeded mapped
    collections their endpoint's client identity as owner, as Transfer reports
    GCSv5 mapped collections (this fixes data dirs seeded before GCSv5 existed).
    """
    db = state.db
    seed_marks.init_schema(db)
    if seed_marks.is_done(db, "gcs"):
        return
    created = now_iso()
    with db.transaction() as conn:
        for endpoint_id, name, gateway_id, gateway_name, mapped_id, meta in _SEED:
            if conn.execute("SELECT 1 FROM collections WHERE id = ?", (mapped_id,)).fetchone() is None:
                continue  # a data dir without the seeded collection (deleted by its user)
            conn.execute(
                "INSERT INTO gcs_endpoints (id, display_name, meta, created) VALUES (?, ?, ?, ?)",
                (endpoint_id, name, json.dumps({"public": True, **meta}), created),
            )
            conn.execute(
                "INSERT INTO gcs_storage_gateways (id, endpoint_id, display_name, meta, created)"
                " VALUES (?, ?, ?, ?, ?)",
                (gateway_id, endpoint_id, gateway_name, json.dumps({"mapping": "username_without_domain"}), created),
            )
            conn.execute(
                "UPDATE collections SET owner_id = ?, owner_string = ? WHERE id = ?",
                (endpoint_id, f"{endpoint_id}@clients.auth.globus.org", mapped_id),
            )
            guests = conn.execute(
                "SELECT id FROM collections WHERE id = ? OR host_collection_id = ?", (mapped_id, mapped_id)
            ).fetchall()
            for row in guests:
                settings = {"allow_guest_collections": True, "delete_protected": True} if row["id"] == mapped_id else {}
                conn.execute(
                    "INSERT INTO gcs_collection_homes (collection_id, endpoint_id, storage_gateway_id, settings)"
                    " VALUES (?, ?, ?, ?)",
                    (row["id"], endpoint_id, gateway_id, json.dumps(settings)),
                )
    seed_marks.mark_done(db, "gcs")


ALICES_GUEST_PATH = "/home/alice/experiments/"


def seed_alices_guest(state: SandboxState) -> None:
    """Once per data dir (older ones too): a guest collection of Alice's on Lab Storage.

    `gterm demo` signs in as Alice; the exercise "set all the metadata fields on your
    shared endpoint" needs a guest collection she owns, as a GCS Manager would have
    made it (owner Alice, home on Lab Storage's endpoint and gateway, no access rules).
    """
    db = state.db
    seed_marks.init_schema(db)
    if seed_marks.is_done(db, "alice-guest"):
        return
    has_host = db.query_one("SELECT 1 FROM gcs_collection_homes WHERE collection_id = ?", (LAB_STORAGE_ID,))
    exists = db.query_one("SELECT 1 FROM collections WHERE id = ?", (ALICE_SHARED_ID,))
    if has_host is not None and exists is None:
        collection_store.insert_collection(
            db,
            collection_id=ALICE_SHARED_ID,
            display_name="Alice's shared experiments",
            entity_type="GCSv5_guest_collection",
            owner_id=ALICE_ID,
            owner_string=ALICE_USERNAME,
            host_collection_id=LAB_STORAGE_ID,
            host_path=ALICES_GUEST_PATH,
            public=False,
            meta={"description": "Experiment runs Alice shares from her Lab Storage home.", "default_directory": "/"},
        )
        add_home(db, ALICE_SHARED_ID, LAB_ENDPOINT_ID, LAB_GATEWAY_ID)
    seed_marks.mark_done(db, "alice-guest")

"""Globus Connect Personal in the sandbox: Alice's laptop, and what its documents carry.

A GCP mapped collection is one person's machine: its root is that person's home
directory, only its owner and administrators reach it, and it is managed
through Transfer itself (update, guest collections, roles, delete), unlike
GCSv5 collections whose settings belong to their GCS Manager.
"""

from __future__ import annotations

import os
from typing import Any

from gterm.sandbox import collection_store, sample_tree, seed_marks
from gterm.sandbox.collections import GCP_MAPPED, CollectionRecord, find_collection
from gterm.sandbox.seed_ids import ALICE_ID, ALICE_USERNAME, ALICES_LAPTOP_ID
from gterm.sandbox.state import SandboxState

LAPTOP_SLUG = "alices-laptop"

#: What Alice keeps on her laptop (small, fixed content and mtimes).
LAPTOP_FILES: dict[str, str] = {
    "README.txt": "Alice's laptop, shared through Globus Connect Personal.\n",
    "Documents/thesis-draft.md": "# Thesis draft\n\nChapter 1: why the lab measures everything twice.\n",
    "Documents/budget.csv": "item,amount\ndisk,120.00\ncoffee,35.50\n",
    "Pictures/field-trip/notes.txt": "Photos from the field trip go here.\n",
    "projects/analysis/run.py": "print('analysis placeholder')\n",
}

#: Default notification policy of a GCP guest collection (Transfer's own default).
DEFAULT_NOTIFICATION_POLICY: dict[str, list[str]] = {"status": [], "transfer_use": []}


def _write_files(root: str) -> None:
    for rel, content in LAPTOP_FILES.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.utime(path, (sample_tree.SEED_MTIME, sample_tree.SEED_MTIME))
    for dirpath, _dirnames, _files in os.walk(root):
        os.utime(dirpath, (sample_tree.SEED_MTIME, sample_tree.SEED_MTIME))


def seed(state: SandboxState) -> None:
    """Alice's laptop, once per data dir (deleting it through the API keeps it deleted)."""
    db = state.db
    if seed_marks.is_done(db, "gcp"):
        return
    seed_marks.init_schema(db)
    if db.query_one("SELECT 1 FROM collections WHERE id = ?", (ALICES_LAPTOP_ID,)) is None:
        root = collection_store.collections_dir(state) / LAPTOP_SLUG
        root.mkdir(parents=True, exist_ok=True)
        _write_files(str(root))
        collection_store.insert_collection(
            db,
            collection_id=ALICES_LAPTOP_ID,
            display_name="Alice's laptop",
            entity_type=GCP_MAPPED,
            owner_id=ALICE_ID,
            owner_string=ALICE_USERNAME,
            slug=LAPTOP_SLUG,
            public=False,
            meta={
                "description": "Alice's own machine, shared through Globus Connect Personal.",
                "keywords": "laptop,personal",
                "organization": "Example University",
                "default_directory": "/~/",
            },
        )
    seed_marks.mark_done(db, "gcp")


def server_doc(coll: CollectionRecord) -> dict[str, Any]:
    """The one server of a GCP machine: no host name (it connects out), a GCP certificate subject."""
    from gterm.sandbox.transfer_endpoints import server_doc as generic  # it imports this module

    return generic(_server_id(coll.id), None, f"/C=US/O=Globus Consortium/OU=Globus Connect Service/CN={coll.id}")


def _server_id(collection_id: str) -> int:
    """A stable integer id per machine (server ids are integers in Transfer)."""
    return 500000 + int(collection_id.replace("-", "")[:5], 16) % 100000


def servers(state: SandboxState, coll: CollectionRecord) -> list[dict[str, Any]]:
    """The servers of a GCP collection: its machine's, or for a guest its host machine's."""
    machine = coll
    if coll.host_collection_id:
        host = find_collection(state, coll.host_collection_id)
        if host is None:
            return []
        machine = host
    return [server_doc(machine)]


def document_fields(state: SandboxState, coll: CollectionRecord) -> dict[str, Any]:
    """Fields of a GCP endpoint document that differ from a GCSv5 collection's."""
    fields: dict[str, Any] = {
        "is_globus_connect": True,
        "gcp_connected": True,
        "gcp_paused": False,
        "gcs_version": None,
        "gcs_manager_url": None,
        "https_server": None,
        "storage_type": None,
        "local_user_info_available": False,
    }
    fields["DATA"] = servers(state, coll)
    if coll.is_guest:
        fields["guest_collection_activity_notification_policy"] = coll.meta.get(
            "guest_collection_activity_notification_policy", DEFAULT_NOTIFICATION_POLICY
        )
    return fields

"""An ``operation_ls`` answer's body, decoded into a Listing, without the garbage collector in the way.

gterm reads a listing's raw body itself (``decode_file_list``: Entry records
straight from the JSON); the start-up helper process (gterm.globus.head_start)
hands such bodies over too, so both decode them here.
"""

from __future__ import annotations

import json
from typing import Any

from gterm.collector import gc_paused
from gterm.globus import paths
from gterm.globus.models import FileListPage, Listing, decode_file_list, entries_from_docs


def lenient_json(body: bytes) -> dict[str, Any]:
    """A JSON object read by the standard library (which accepts lone surrogate escapes); {} if none."""
    try:
        doc = json.loads(body)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def listing_from_body(collection_id: str, path: str, offset: int, body: bytes) -> Listing:
    """The Listing in an ``operation_ls`` answer's body (the page from ``offset`` of ``path``)."""
    page = decode_file_list(body)  # Entry records are never tracked by the GC
    if page is None:  # something unusual in the documents: parse, then normalise each one
        with gc_paused():  # hundreds of thousands of dicts, none of them garbage
            # The standard library's reader, not the SDK's (orjson): it accepts a lone surrogate
            # escape (\udcff), which Transfer does not send (it spells bytes that are not UTF-8
            # with U+FFFD and latin-1) but another server might.
            doc = lenient_json(body)
            total = doc.get("total")
            page = FileListPage(
                DATA=entries_from_docs(doc.get("DATA") or []),
                path=doc.get("path"),
                total=total if isinstance(total, int) else None,
                has_next_page=bool(doc.get("has_next_page")),
            )
            # Free the parsed documents (a few hundred thousand objects) by reference
            # counting while the collector is still off, rather than have its first
            # run afterwards walk them all.
            del doc
    entries = page.DATA
    total = page.total
    if total is None and page.has_next_page:
        total = offset + len(entries) + 1  # more to come, how many unknown
    resolved = page.path or path or "/"
    return Listing(
        collection_id=collection_id, path=paths.as_dir(resolved), entries=entries, total=total, offset=offset
    )

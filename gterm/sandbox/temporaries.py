"""The sandbox's own temporary files in collections: their names, hiding them, removing stale ones.

Two kinds exist, each in the directory of the file it becomes (renamed into place only when
complete): a transfer's copy of one file (the engine) and an HTTPS upload (https_data). Nobody
but the sandbox should see them, as Globus never shows its own: listings and a transfer's
directory walk skip them. One killed mid-copy or mid-upload stays behind (a 398 MB upload was
seen); every start removes those, while it alone holds the data dir (data_dir_lock) and before
it serves, so no copy or upload of this run is in flight.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

_UPLOAD_PREFIX = ".gterm-upload-"
# Exactly the names made below: a user's file with a look-alike name is left alone.
_TEMPORARY_RE = re.compile(r"\.gterm-(?:upload-[0-9a-f]{16}|[0-9a-f]{8}-[0-9]+\.part)")


def upload_name() -> str:
    """A fresh temporary name for an HTTPS upload."""
    return f"{_UPLOAD_PREFIX}{secrets.token_hex(8)}"


def copy_name(task_id: str, seq: int) -> str:
    """The temporary name of a task's copy of its file ``seq`` (the same on every attempt: one at a time)."""
    return f".gterm-{task_id[:8]}-{seq}.part"


def is_temporary(name: str) -> bool:
    """Whether ``name`` is one of the sandbox's temporary files (always a dot name: any other costs one compare,
    as a copy's walk asks for every entry)."""
    return name[:1] == "." and _TEMPORARY_RE.fullmatch(name) is not None


def remove_stale(top: Path) -> int:
    """Remove every temporary file beneath ``top`` (links are not followed); return how many went.

    Only while nothing copies or uploads there: at start, with the data dir held.
    """
    removed = 0
    for dirpath, _dirs, files in os.walk(top):  # unreadable directories are skipped (onerror=None)
        for name in files:
            if name[0] == "." and is_temporary(name):
                path = os.path.join(dirpath, name)
                try:
                    os.unlink(path)
                    removed += 1
                except OSError as exc:
                    log.warning("could not remove the stale temporary file %s (%s)", path, exc.strerror or exc)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted copy or upload", removed)
    return removed

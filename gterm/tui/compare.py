"""Pure comparisons of two listings: the `c` directory compare and the sync preview.

Compare works like Midnight Commander's directory compare: an entry is marked
when it exists on one side only, when its type differs between the sides, or
(for files) when size or modification time differ. Directories present on
both sides are not descended into: marks describe what the panes show.

The sync preview applies Globus's cumulative sync levels (the same table as
the sandbox's engine and the real service) to a pair of listings, so the
dialog can say what a sync transfer would send before it is submitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from gterm.globus import paths
from gterm.globus.models import Entry, Listing
from gterm.globus.transfer_requests import SYNC_LEVELS
from gterm.tui.listing_view import human_size
from gterm.wording import plural

# Globus's sync_level number for each level (0-3), from the one table.
SYNC_LEVEL_ORDER: dict[str, int] = {level: rank for rank, level in enumerate(SYNC_LEVELS)}


@dataclass(frozen=True, slots=True)
class CompareResult:
    """Names to mark in the left and right pane."""

    left_marked: frozenset[str]
    right_marked: frozenset[str]


def _seconds(value: datetime | None) -> int | None:
    """Whole seconds: Globus lists times to the second, so finer differences are noise."""
    return None if value is None else int(value.timestamp())


def _kind(entry: Entry) -> str:
    return "dir" if entry.is_dir else "file"


def entries_differ(left: Entry, right: Entry) -> bool:
    """True when two same-named entries should be marked."""
    if _kind(left) != _kind(right):
        return True
    if left.is_dir:
        return False
    return left.size != right.size or _seconds(left.last_modified) != _seconds(right.last_modified)


def compare_entries(left: Iterable[Entry], right: Iterable[Entry]) -> CompareResult:
    # Names meet in one spelling: a collection lists bytes that are not UTF-8 as U+FFFD and
    # latin-1, this computer as lone surrogates (gterm.globus.paths); each pane keeps its own.
    by_name_left = {paths.with_surrogates(entry.name): entry for entry in left}
    by_name_right = {paths.with_surrogates(entry.name): entry for entry in right}
    left_marked = {entry.name for key, entry in by_name_left.items() if key not in by_name_right}
    right_marked = {entry.name for key, entry in by_name_right.items() if key not in by_name_left}
    for key, entry in by_name_left.items():
        other = by_name_right.get(key)
        if other is not None and entries_differ(entry, other):
            left_marked.add(entry.name)
            right_marked.add(other.name)
    return CompareResult(frozenset(left_marked), frozenset(right_marked))


def compare_listings(left: Listing, right: Listing) -> CompareResult:
    """Which entries of each listing differ from the other side (see module docstring)."""
    return compare_entries(left.entries, right.entries)


# -- sync preview --------------------------------------------------------------------------


def would_send(level: str | None, source: Entry, destination: Entry | None) -> bool | None:
    """Whether Globus would copy ``source`` over ``destination`` at ``level``.

    Returns None for the checksum level when sizes match: only the service
    can read both checksums, so the preview says "checked at transfer time".
    """
    if level is None or destination is None or destination.is_dir:
        return True
    rank = SYNC_LEVEL_ORDER[level]
    if rank == 0:
        return False
    if source.size != destination.size:
        return True
    if rank == 1:
        return False
    if rank == 2:
        src, dst = _seconds(source.last_modified), _seconds(destination.last_modified)
        if src is None or dst is None:
            return True
        return dst < src
    return None


@dataclass(slots=True)
class SyncPreview:
    """What a sync transfer would do, as relative paths (``dir/name``) and byte counts."""

    send: list[str] = field(default_factory=list)
    send_bytes: int = 0
    skip: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)  # checksum level, sizes equal: decided by the service
    extra: list[str] = field(default_factory=list)  # on the destination only (removed by delete-extra)
    incomplete: bool = False  # the walk stopped at its listing budget

    def merge(self, other: SyncPreview) -> None:
        self.send += other.send
        self.send_bytes += other.send_bytes
        self.skip += other.skip
        self.check += other.check
        self.extra += other.extra
        self.incomplete = self.incomplete or other.incomplete

    def summary(self, level: str | None, delete_extra: bool) -> str:
        parts = [f"{plural(len(self.send), 'file')} to send ({human_size(self.send_bytes)})"]
        if level is not None:
            parts.append(f"{len(self.skip):,} skipped as in sync")
        if self.check:
            parts.append(f"{len(self.check):,} compared by checksum at transfer time")
        if self.extra:
            verb = "deleted" if delete_extra else "left alone"
            parts.append(f"{len(self.extra):,} only on the destination ({verb})")
        text = "; ".join(parts)
        if self.incomplete:
            text += " (partial: stopped after the listing budget)"
        return text


def preview_directory(
    level: str | None,
    source: Iterable[Entry],
    destination: Iterable[Entry],
    prefix: str = "",
) -> tuple[SyncPreview, list[tuple[str, bool]]]:
    """Preview one directory level.

    Returns the preview and the source sub-directories as ``(name,
    exists_on_destination)``; the caller walks into them (listing the
    destination side only when it exists: everything under a source-only
    directory is sent).
    """
    preview = SyncPreview()
    dest_by_name: Mapping[str, Entry] = {entry.name: entry for entry in destination}
    sub_dirs: list[tuple[str, bool]] = []
    source_names = set()
    for entry in source:
        source_names.add(entry.name)
        rel = prefix + entry.name
        other = dest_by_name.get(entry.name)
        if entry.is_dir:
            sub_dirs.append((entry.name, other is not None and other.is_dir))
            continue
        decision = would_send(level, entry, other)
        if decision is None:
            preview.check.append(rel)
        elif decision:
            preview.send.append(rel)
            preview.send_bytes += entry.size
        else:
            preview.skip.append(rel)
    preview.extra = [prefix + name for name in dest_by_name if name not in source_names]
    return preview, sub_dirs

"""Pure comparisons of two listings: the `c` directory compare and the sync preview.

Compare works like Midnight Commander's quick directory compare (size and
date): of two same-named files that differ, the newer is the one to send (over
the older), whatever their sizes; when both carry the same time (to the second)
but sizes differ, or a time is missing, nothing says which is right and both
are to send (the user picks the direction with F5 from one pane). An entry on
one side only is to send from that side (a directory too: F5 sends it whole).
The older copy, and a name that is a file on one side and a directory on the
other (one cannot be copied over the other), differ but are not to send.
Directories present on both sides are not descended into: the result
describes what the panes show.

The sync preview applies Globus's cumulative sync levels (the same table as
the sandbox's engine and the real service) to a pair of listings, so the
dialog can say what a sync transfer would send before it is submitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from gterm.globus import paths
from gterm.globus.models import Entry, Listing
from gterm.globus.transfer_requests import SYNC_LEVELS
from gterm.tui.listing_view import human_size
from gterm.wording import plural

# Globus's sync_level number for each level (0-3), from the one table.
SYNC_LEVEL_ORDER: dict[str, int] = {level: rank for rank, level in enumerate(SYNC_LEVELS)}


@dataclass(frozen=True, slots=True)
class Side:
    """One pane's part of a compare, as names of its entries."""

    send: frozenset[str] = frozenset()  # to copy to the other side: newer, or on this side only
    older: frozenset[str] = frozenset()  # differs, but the other side's copy is newer
    clash: frozenset[str] = frozenset()  # a file here, a directory there (or the reverse)

    @property
    def differing(self) -> frozenset[str]:
        return self.send | self.older | self.clash


@dataclass(frozen=True, slots=True)
class CompareResult:
    """What compare found in the left and the right pane (see the module docstring)."""

    left: Side
    right: Side

    @property
    def same(self) -> bool:
        return not self.left.differing and not self.right.differing


def _seconds(value: datetime | None) -> int | None:
    """Whole seconds: Globus lists times to the second, so finer differences are noise."""
    return None if value is None else int(value.timestamp())


Verdict = Literal["same", "left", "right", "both", "clash"]


def verdict(left: Entry, right: Entry) -> Verdict:
    """Which of two same-named entries to send over the other (see the module docstring)."""
    if left.is_dir != right.is_dir:
        return "clash"
    if left.is_dir:
        return "same"  # not descended into
    left_time, right_time = _seconds(left.last_modified), _seconds(right.last_modified)
    if left_time is not None and right_time is not None and left_time != right_time:
        return "left" if left_time > right_time else "right"  # the newer copy, whatever the sizes
    if left.size != right.size or left_time != right_time:
        return "both"  # same time (or one unknown) but not the same file: nothing says which is right
    return "same"


@dataclass(slots=True)
class _Found:
    """A :class:`Side` while it is being built."""

    send: set[str] = field(default_factory=set)
    older: set[str] = field(default_factory=set)
    clash: set[str] = field(default_factory=set)

    def frozen(self) -> Side:
        return Side(frozenset(self.send), frozenset(self.older), frozenset(self.clash))


def compare_entries(left: Iterable[Entry], right: Iterable[Entry]) -> CompareResult:
    # Names meet in one spelling: a collection lists bytes that are not UTF-8 as U+FFFD and
    # latin-1, this computer as lone surrogates (gterm.globus.paths); each pane keeps its own.
    by_name_left = {paths.with_surrogates(entry.name): entry for entry in left}
    by_name_right = {paths.with_surrogates(entry.name): entry for entry in right}
    here, there = _Found(), _Found()
    here.send.update(entry.name for key, entry in by_name_left.items() if key not in by_name_right)
    there.send.update(entry.name for key, entry in by_name_right.items() if key not in by_name_left)
    for key, entry in by_name_left.items():
        other = by_name_right.get(key)
        if other is None:
            continue
        said = verdict(entry, other)
        if said == "same":
            continue
        if said == "clash":
            here.clash.add(entry.name)
            there.clash.add(other.name)
            continue
        (here.send if said in ("left", "both") else here.older).add(entry.name)
        (there.send if said in ("right", "both") else there.older).add(other.name)
    return CompareResult(here.frozen(), there.frozen())


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

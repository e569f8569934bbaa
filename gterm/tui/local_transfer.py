"""F5 with This computer on one side: an HTTPS download or upload, or a copy, run by gterm.

:func:`task_kind` says whether F5 between two panes is gterm's own task;
:func:`conflicts` names the chosen entries the destination already has (the
screen asks overwrite / skip / rename before starting); :func:`build_task`
turns the panes' plan and that answer into a :class:`LocalTask` whose
collection side reads and writes over the collection's HTTPS server (files)
and Transfer (listing, mkdir).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from gterm.globus import paths
from gterm.globus.errors import NotFound
from gterm.globus.local_files import is_local
from gterm.globus.local_tasks import Item, Kind, LocalTask, OnConflict
from gterm.globus.models import Collection, Entry
from gterm.tui.listing_view import format_time, human_size, slashed_name
from gterm.tui.safe_text import escape_controls

if TYPE_CHECKING:  # pragma: no cover
    from gterm.globus.https_access import HttpsAccess
    from gterm.globus.transfer import TransferService
    from gterm.tui.transfer_plan import TransferPlan


def task_kind(source_id: str, destination_id: str) -> Kind | None:
    """``download``/``upload``/``copy`` when This computer is a side; None: a Transfer task."""
    if is_local(source_id) and is_local(destination_id):
        return "copy"
    if is_local(destination_id):
        return "download"
    if is_local(source_id):
        return "upload"
    return None


@dataclass(frozen=True, slots=True)
class Conflict:
    """A chosen entry whose name the destination directory already holds: what comes, and what is there."""

    incoming: Entry
    existing: Entry

    @property
    def name(self) -> str:
        return self.incoming.name

    def line(self) -> str:
        """Both sides as Midnight Commander's overwrite question shows them: size and time, and which is newer.

        The name is escaped on its own (as the panes show it): Transfer's spelling of a name that is not UTF-8
        is recognised only as a whole name, not at the start of a line that goes on."""
        if self.incoming.is_dir or self.existing.is_dir:
            here = "a directory" if self.existing.is_dir else "a file"
            return f"{escape_controls(slashed_name(self.incoming))} · here: {here} of that name"
        new, old = self.incoming.last_modified, self.existing.last_modified
        than = ""
        if new is not None and old is not None:
            than = ", older" if old < new else ", newer" if old > new else ", same time"
        return (f"{escape_controls(self.name)} · new: {_facts(self.incoming)} · here: {_facts(self.existing)}{than}")


def _facts(entry: Entry) -> str:
    return " ".join(filter(None, (human_size(entry.size), format_time(entry.last_modified))))


def conflicts(plan: TransferPlan) -> list[Conflict]:
    """The chosen entries whose names the destination directory already holds (as listed in its pane)."""
    existing = {_same(entry.name): entry for entry in plan.destination_entries or ()}
    return [Conflict(entry, existing[_same(entry.name)]) for entry in plan.entries if _same(entry.name) in existing]


STAT_AT_MOST = 20
"""Chosen names an upload asks the collection about one by one; past this, one fresh listing costs less."""


def with_destination_now(plan: TransferPlan, service: TransferService) -> TransferPlan:
    """The upload's plan with the destination's names as the collection has them now (on a worker).

    The pane's listing may be stale or still paging in: a name it does not show may be taken all the
    same, and a PUT would replace that file unasked. Each chosen name is looked up (stat), or, for
    many, the directory is listed afresh; what is found joins the listed names :func:`conflicts` asks
    about and :func:`build_task` steers around.
    """
    listed = {_same(entry.name) for entry in plan.destination_entries or ()}
    unlisted = [entry for entry in plan.entries if _same(entry.name) not in listed]
    if not unlisted:
        return plan
    found: list[Entry] = []
    if len(unlisted) > STAT_AT_MOST:
        wanted = {_same(entry.name) for entry in unlisted}
        fresh = service.ls(plan.destination_collection_id, plan.destination_path, show_hidden=True).entries
        found = [entry for entry in fresh if _same(entry.name) in wanted]
    else:
        for entry in unlisted:
            try:
                there = service.stat(plan.destination_collection_id, paths.child(plan.destination_path, entry.name))
            except NotFound:
                continue
            found.append(msgspec.structs.replace(there, name=entry.name))  # the name as chosen, whatever stat says
    if not found:
        return plan
    return dataclasses.replace(plan, destination_entries=(*(plan.destination_entries or ()), *found))


def _same(name: str) -> str:
    """One spelling for a name on either side: a collection lists bytes that are not UTF-8 as U+FFFD
    and latin-1, this computer as lone surrogates (``gterm.globus.paths``)."""
    return paths.with_surrogates(name)


def build_task(
    plan: TransferPlan,
    kind: Kind,
    on_conflict: OnConflict,
    *,
    remote: Collection | None,
    https: HttpsAccess | None,
    service: TransferService,
) -> LocalTask:
    """The task for ``plan``; ``remote`` (and ``https``) is the collection side of a download or upload."""
    taken = {_same(entry.name) for entry in plan.destination_entries or ()}
    items: list[Item] = []
    for entry in plan.entries:
        name = _same(entry.name)  # on this computer a name holds its own bytes; a collection takes either spelling
        if kind == "upload" and name in taken:
            # A download or copy resolves names file by file; an upload decides here, from the listing.
            if on_conflict == "skip":
                continue
            if on_conflict == "rename":
                name = paths.free_name(name, taken.__contains__, is_dir=entry.is_dir)
                taken.add(name)
        source = paths.child(plan.source_path, entry.name)
        destination = paths.child(plan.destination_path, name)
        items.append(
            Item(source, destination, is_dir=entry.is_dir, size=entry.size or 0, modified=entry.last_modified)
        )
    task = LocalTask(
        kind=kind,
        items=items,
        source_name=plan.source_name,
        destination_name=plan.destination_name,
        on_conflict=on_conflict,
        label=plan.default_label(prefix=""),  # as a Globus task's: what moves, from where, to where
    )
    if remote is not None and https is not None:
        collection, access, remote_id = remote, https, remote.id
        task.open_remote = lambda: access.files_for(collection)
        task.list_remote = lambda path: service.ls(remote_id, path, show_hidden=True).entries
        task.make_remote_dir = lambda path: service.mkdir(remote_id, path)
    return task

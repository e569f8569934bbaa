"""F5 with This computer on one side: an HTTPS download or upload, or a copy, run by gterm.

:func:`task_kind` says whether F5 between two panes is gterm's own task;
:func:`local_target` reads the F5 dialog's "to" field (a directory, or for one
item a new name, as Midnight Commander's copy does); :func:`make_destination`
makes a directory typed there that is not there yet; :func:`conflicts` names
the chosen entries the destination already has (the screen asks overwrite /
skip / rename before starting); :func:`build_task` turns the panes' plan and that answer into a :class:`LocalTask` whose
collection side reads and writes over the collection's HTTPS server (files)
and Transfer (listing, mkdir).
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from gterm.globus import paths
from gterm.globus.browsing import LOCAL
from gterm.globus.errors import AlreadyExists, CollectionGone, NotFound
from gterm.globus.local_files import is_local
from gterm.globus.local_tasks import Item, Kind, LocalTask, OnConflict
from gterm.globus.models import Collection, Entry
from gterm.tui.listing_view import format_time, human_size, slashed_name
from gterm.tui.safe_text import escape_controls
from gterm.tui.transfer_plan import NOT_A_NAME, TargetProblem, retarget, typed_directory

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
    return [Conflict(entry, existing[_same(plan.target_name(entry))]) for entry in plan.entries
            if _same(plan.target_name(entry)) in existing]


def target_to_look_at(plan: TransferPlan, typed: str) -> str | None:
    """The path the "to" field names, when what is there decides what Enter does (:func:`local_target` is
    given what a stat finds there); None: the other pane's directory as proposed, a directory known to be.
    Raises :class:`TargetProblem` for a text that names nothing (empty, controls, above the root)."""
    path = typed_directory(plan, typed)
    return None if paths.same_dir(path, plan.destination_path) else path


def local_target(plan: TransferPlan, typed: str, there: Entry | None) -> TransferPlan:
    """``plan`` sent where the "to" field (raw text ``typed``) says; ``there``: what the path typed is now
    (a stat; None: nothing).

    A directory there, or a text ending in ``/``, or several items: it is the directory to send into
    (created if missing), as in the Transfer dialog (:func:`~gterm.tui.transfer_plan.retarget`, with its
    refusals). One item and anything else (no such path, or a file): the copy's new name, as ``cp a b`` and
    Midnight Commander's copy take it; a file there is the conflict the overwrite question asks about.
    Raises :class:`TargetProblem` with a message for the form.
    """
    text = typed.strip()
    path = typed_directory(plan, text)
    last = text.rsplit("/", 1)[-1]
    new_name = (len(plan.entries) == 1 and last not in NOT_A_NAME and (there is None or not there.is_dir)
                and not paths.same_dir(path, plan.destination_path))
    if not new_name:
        if there is not None and not there.is_dir:
            where = escape_controls(f"{plan.destination_name}:{path.rstrip('/')}")
            raise TargetProblem(f"{where} is a file, not a directory to send into: type a directory's path (one "
                                "that does not exist yet is created)" + (", or a new name for the one item."
                                                                       if len(plan.entries) == 1 else "."))
        return retarget(plan, text)
    entry, name, directory = plan.entries[0], paths.basename(path), paths.parent(path)
    if there is not None and entry.is_dir:
        raise TargetProblem(f"{escape_controls(name)} is a file in {escape_controls(directory)}: a directory cannot "
                            "be copied over it. Type another name, or a directory's path.")
    same_side = plan.source_collection_id == plan.destination_collection_id
    if same_side and paths.same_dir(directory, plan.source_path) and _same(name) == _same(entry.name):
        raise TargetProblem(f"That is {escape_controls(entry.name)} itself: type another name, or a directory.")
    if same_side and entry.is_dir and paths.is_within(path, paths.child(plan.source_path, entry.name, is_dir=True)):
        raise TargetProblem(f"Cannot copy {escape_controls(entry.name)}/ into itself: the destination is inside it.")
    listed = plan.destination_entries if paths.same_dir(directory, plan.destination_path) else None
    return dataclasses.replace(plan, destination_path=directory, destination_entries=listed, typed_target=True,
                               new_name=name)


def make_destination(plan: TransferPlan, kind: Kind, service: TransferService) -> str | None:
    """Make the directory typed in the F5 dialog when it is not there yet, with any parents missing (on a
    worker, before the task starts: a file is written only into a directory that is there). Returns the
    directory when it was made (the notice says so), None when it was there (or not typed)."""
    if not plan.typed_target:
        return None
    directory = plan.destination_path
    if kind != "upload":
        return directory if LOCAL.files.make_dirs(directory) else None
    collection_id, missing = plan.destination_collection_id, []
    at = paths.as_dir(directory)
    while at != "/" and at not in missing:
        try:
            service.stat(collection_id, at)
            break
        except NotFound as gone:
            if isinstance(gone, CollectionGone):
                raise
            missing.append(at)
            at = paths.parent(at)
    for level in reversed(missing):
        with contextlib.suppress(AlreadyExists):
            service.mkdir(collection_id, level)
    return directory if missing else None


STAT_AT_MOST = 20
"""Chosen names an upload asks the collection about one by one; past this, one fresh listing costs less."""


def with_destination_now(plan: TransferPlan, service: TransferService, kind: Kind = "upload") -> TransferPlan:
    """The plan with the destination's names as they are now (on a worker): an upload's always, a download's
    or copy's when its directory was typed in the F5 dialog (no pane listed it: this computer's is listed now,
    so the overwrite question is asked about what is there, as for the pane's own directory).

    The pane's listing may be stale or still paging in: a name it does not show may be taken all the
    same, and a PUT would replace that file unasked. Each chosen name is looked up (stat), or, for
    many, the directory is listed afresh; what is found joins the listed names :func:`conflicts` asks
    about and :func:`build_task` steers around.
    """
    if kind != "upload":
        if plan.destination_entries is not None:
            return plan
        try:
            here = LOCAL.ls(plan.destination_collection_id, plan.destination_path).entries
        except NotFound:
            here = ()  # not there yet: made before the task starts, empty
        return dataclasses.replace(plan, destination_entries=here)
    listed = {_same(entry.name) for entry in plan.destination_entries or ()}
    unlisted = [entry for entry in plan.entries if _same(plan.target_name(entry)) not in listed]
    if not unlisted:
        return plan
    found: list[Entry] = []
    if len(unlisted) > STAT_AT_MOST:
        wanted = {_same(plan.target_name(entry)) for entry in unlisted}
        try:
            fresh = service.ls(plan.destination_collection_id, plan.destination_path, show_hidden=True).entries
        except NotFound as gone:
            if isinstance(gone, CollectionGone):
                raise
            fresh = ()  # a directory typed that is not there yet: nothing in it is taken
        found = [entry for entry in fresh if _same(entry.name) in wanted]
    else:
        for entry in unlisted:
            name = plan.target_name(entry)
            try:
                there = service.stat(plan.destination_collection_id, paths.child(plan.destination_path, name))
            except NotFound as gone:
                if isinstance(gone, CollectionGone):
                    raise
                continue
            found.append(msgspec.structs.replace(there, name=name))  # the name as chosen, whatever stat says
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
        # On this computer a name holds its own bytes; a collection takes either spelling.
        name = _same(plan.target_name(entry))
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

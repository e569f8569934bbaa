"""What F5 means, as data: the plan, the options, the request they make, and the sync preview.

No Textual here: the transfer dialog shows and edits these; the transfer
screen builds a :class:`TransferPlan` from the panes; tests use them directly.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from gterm.globus import paths
from gterm.globus.models import Entry
from gterm.globus.transfer_requests import (
    SYNC_LEVEL_HELP,
    SYNC_LEVELS,
    FilterMethod,
    TransferFlags,
    TransferItem,
    TransferRequest,
    fit_label,
    label_problem,
)
from gterm.tui import task_format as fmt
from gterm.tui.compare import SyncPreview, preview_directory
from gterm.tui.listing_view import slashed_name
from gterm.tui.safe_text import escape_controls, has_controls
from gterm.wording import broken_links_skipped, directories, plural

#: The sync choices the dialog offers, from the one table of sync levels ("off" first: no sync).
SYNC_CHOICES: list[tuple[str, str]] = [
    ("off: always copy", "off"),
    *((f"{level}: {help_text}", level) for level, help_text in SYNC_LEVEL_HELP.items()),
]

#: How many directory listings one sync preview may spend (each side counts).
PREVIEW_LISTING_BUDGET = 60


def _join(directory: str, name: str) -> str:
    return (directory if directory.endswith("/") else directory + "/") + name


def _as_dir(path: str) -> str:
    return path if path.endswith("/") else path + "/"


#: What makes two plans send the same thing: collections, directories and entry names.
SendKey = tuple[str, str, str, str, frozenset[str]]


NOT_A_NAME = frozenset({"", ".", "..", "~"})
"""The last part of a typed destination that names no directory or item (Tab does not complete it; for one
item it is no new name)."""

ITEMS_NAMED = 6  # items a dialog names before "… (N more)"


@dataclass(frozen=True, slots=True)
class TransferPlan:
    """What F5 wants to send: entries of the source directory into the destination directory."""

    source_collection_id: str
    source_name: str
    source_path: str
    destination_collection_id: str
    destination_name: str
    destination_path: str
    entries: tuple[Entry, ...]
    destination_entries: tuple[Entry, ...] | None = None  # the other pane's listing, when known
    # Every entry of the source directory is selected (its whole, complete listing): with
    # "delete extras" the directory itself is sent, so the destination directory is cleaned
    # at that level too, as ``rsync -a --delete src/ dst/`` does.
    whole_directory: bool = False
    hidden_by_filter: int = 0  # how many of ``entries`` are selected but hidden by the source pane's filter
    # Chosen, but left out of ``entries``: links with nothing behind them (or leading outside the collection).
    invalid_links: tuple[Entry, ...] = ()
    # The destination directory was typed in the F5 dialog (see :func:`retarget`), not the other pane's.
    typed_target: bool = False
    # The absolute directory ``~`` stands for on the destination collection, when gterm knows it for certain
    # (TransferService.home_directory: a listing of ``~`` answered with it); None: not known.
    destination_home: str | None = None
    # The one entry's name at the destination, when a name was typed for it in the F5 dialog of gterm's own
    # tasks (``copy a.txt b.txt``: gterm.tui.local_transfer.local_target); None: it keeps its own.
    new_name: str | None = None

    def target_name(self, entry: Entry) -> str:
        """The name ``entry`` gets in the destination directory."""
        return self.new_name if self.new_name is not None else entry.name

    def invalid_links_said(self) -> str:
        """The links left out, named, as a sentence ("" when none): nothing chosen is dropped unsaid."""
        if not self.invalid_links:
            return ""
        return broken_links_skipped([escape_controls(entry.name) for entry in self.invalid_links]) + "."

    @property
    def send_key(self) -> SendKey:
        return (self.source_collection_id, self.source_path, self.destination_collection_id,
                self.destination_path, frozenset(entry.name for entry in self.entries))

    def destination_problem(self, *, inside: str = "the other pane is inside it") -> str | None:
        """Why this plan cannot go where it sends (None: it can): into its own directory, or a directory
        into itself (Midnight Commander's "Cannot copy/move directory into itself"). ``inside`` says where
        the destination came from."""
        if self.source_collection_id != self.destination_collection_id:
            return None
        if paths.same_dir(self.source_path, self.destination_path):
            return "Source and destination are the same directory."
        for entry in self.entries:
            if entry.is_dir and paths.is_within(self.destination_path,
                                                paths.child(self.source_path, entry.name, is_dir=True)):
                return f"Cannot copy {escape_controls(entry.name)}/ into itself: {inside}."
        return None

    @property
    def files(self) -> int:
        return sum(1 for entry in self.entries if not entry.is_dir)

    @property
    def directories(self) -> int:
        return sum(1 for entry in self.entries if entry.is_dir)

    @property
    def known_bytes(self) -> int:
        return sum(entry.size for entry in self.entries if not entry.is_dir)

    def items_line(self) -> str:
        """The items' names for a dialog, the first :data:`ITEMS_NAMED` and how many more. Each name is escaped on
        its own, as the panes show it: Transfer's spelling of a name that is not UTF-8 is recognised only as a
        whole name, not inside a sentence."""
        names = ", ".join(escape_controls(slashed_name(entry)) for entry in self.entries[:ITEMS_NAMED])
        more = len(self.entries) - ITEMS_NAMED
        return names + (f", … ({more} more)" if more > 0 else "")

    def default_label(self, *, prefix: str = "gterm: ") -> str:
        """What moves, from where, to where; ``prefix`` tells gterm's tasks apart in the Globus web app (a task
        gterm runs itself, never seen there, goes without: the panel's label column is narrow). A directory
        typed in the dialog is named after the collection (the other pane's own goes unnamed, as before)."""
        count = len(self.entries)
        # The name is escaped on its own: a name that is not UTF-8 comes in Transfer's spelling (U+FFFD, latin-1),
        # recognised only as a whole name, and the label is text (Globus keeps and shows it, nothing reads a path
        # from it), so it says what the panes show: ``caf\xe9.bin``, never that spelling.
        what = plural(count, "item") if count != 1 else escape_controls(self.entries[0].name)
        where = f"{self.destination_name}:{self.destination_path}" if self.typed_target else self.destination_name
        if self.new_name is not None:
            where += self.new_name
        # Names come from other people: the label (shown in an Input, sent to Globus) gets their
        # control characters as visible escapes, never raw (QA F11). fit_label keeps it to one line
        # (escape_controls made its line breaks visible) of at most 128 characters.
        return fit_label(escape_controls(f"{prefix}{what} from {self.source_name} to {where}"))

    def summary(self) -> str:
        parts = []
        if self.files:
            parts.append(plural(self.files, "file"))
        if self.directories:
            parts.append(directories(self.directories))
        size = fmt.human_bytes(self.known_bytes)
        extra = " plus directory contents" if self.directories else ""
        return f"{', '.join(parts)} ({size}{extra})"

    def expected_bytes(self, options: TransferOptions) -> int | None:
        """The bytes the task will move, when that is known now: files only, each sent in full.

        Directories' contents are not listed here, a sync level may skip files
        and filter rules may leave some out: then the total is unknown (None).
        """
        if self.directories or options.sync_level != "off" or options.include.strip() or options.exclude.strip():
            return None
        return self.known_bytes

    def sends_directory(self, delete_extra: bool) -> bool:
        """One recursive item for the source directory itself (see ``whole_directory``)."""
        return delete_extra and self.whole_directory

    def cleaned_directories(self, delete_extra: bool = True) -> list[str]:
        """The destination directories whose extras "delete extras" removes (with everything below them).

        Globus deletes extras only inside a recursive item's destination: the
        destination directory itself when the whole source directory is sent,
        otherwise each selected directory's counterpart (selected files clean nothing).
        """
        if self.sends_directory(delete_extra):
            return [_as_dir(self.destination_path)]
        return [_join(self.destination_path, entry.name) + "/" for entry in self.entries if entry.is_dir]

    def already_there(self) -> list[str]:
        """The chosen files whose names the destination's listing shows: Transfer sends over them (a
        sync level may skip those it finds the same). Empty when the destination was not listed."""
        there = {entry.name for entry in self.destination_entries or () if not entry.is_dir}
        return [entry.name for entry in self.entries if not entry.is_dir and entry.name in there]

    def delete_warning(self) -> str:
        """The warning shown when "delete extras" is ticked: it names what will really be cleaned."""
        cleaned = self.cleaned_directories()
        if not cleaned:
            return (
                "Delete extras cleans only directories that are sent: with files alone selected, "
                "nothing on the destination is deleted."
            )
        where = ", ".join(f"{self.destination_name}:{path}" for path in cleaned[:4])
        if len(cleaned) > 4:
            where += f" and {len(cleaned) - 4} more"
        return f"Warning: files in {where} (and below) that are not in the source will be DELETED."

    def items(self, delete_extra: bool = False) -> list[TransferItem]:
        if self.sends_directory(delete_extra):
            return [TransferItem(_as_dir(self.source_path), _as_dir(self.destination_path), recursive=True)]
        result = []
        for entry in self.entries:
            src = _join(self.source_path, entry.name)
            dst = _join(self.destination_path, entry.name)
            if entry.is_dir:
                result.append(TransferItem(src + "/", dst + "/", recursive=True))
            else:
                result.append(TransferItem(src, dst, recursive=False))
        return result


@dataclass(slots=True)
class TransferOptions(TransferFlags):
    """The transfer options as the F5 form holds them (pure data, validated by :func:`build_request`)."""

    label: str = ""
    sync_level: str = "off"
    notify: bool = True
    deadline: str = ""
    include: str = ""
    exclude: str = ""


def split_patterns(text: str) -> list[str]:
    """Comma-separated glob patterns (names may hold spaces, so spaces do not split)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def filter_rules(options: TransferOptions) -> list[tuple[FilterMethod, str]]:
    """The options' include/exclude globs as Globus filter rules.

    Globus: the first matching rule wins and unmatched names are included, so
    includes go first (they carve exceptions out of the excludes that follow).
    """
    rules: list[tuple[FilterMethod, str]] = [("include", p) for p in split_patterns(options.include)]
    return rules + [("exclude", p) for p in split_patterns(options.exclude)]


class LabelProblem(ValueError):
    """The typed label is one Globus would refuse (the form focuses the label field)."""


class TargetProblem(ValueError):
    """The typed destination is one the dialog refuses (the form focuses the destination field)."""


# What escape_controls shows for a control character (\x1b, \u202e, \t ...): typed into a path, that is
# an escape pasted or typed as text, not a directory anyone means to create (Transfer makes missing ones).
_ESCAPE_SPELLING = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[tnr])")


def _climbs_above_root(base: str, typed: str) -> bool:
    """True when ``typed`` (taken from the directory ``base``) goes up past the collection's ``/``, which
    paths.join would quietly stop at: the user meant somewhere that is not there. Above ``~`` only the
    service knows what is, so a home-relative path is left to it."""
    if paths.is_home_relative(typed) or (not typed.startswith("/") and paths.is_home_relative(base)):
        return False
    depth = 0 if typed.startswith("/") else len(paths.split(base))
    for segment in typed.split("/"):
        if segment == "..":
            depth -= 1
            if depth < 0:
                return True
        elif segment not in ("", "."):
            depth += 1
    return False


def _home_resolved(plan: TransferPlan, typed: str) -> str:
    """``typed`` with its leading ``~`` (``~``, ``~/x``, ``/~/x``) spelled as the destination's home directory
    when gterm knows it (``plan.destination_home``), so the checks below and the panes reloaded after the task
    compare real paths. Not known, ``~`` is left to the service, except on the source's own collection: there
    ``/~/data/`` could not be told apart from the source pane's ``/home/u/data/``, and the checks against
    sending a directory into itself would let it through, so it is refused."""
    if not paths.is_home_relative(typed):
        return typed
    if plan.destination_home is not None:
        return paths.as_dir(plan.destination_home) + typed.removeprefix("/").removeprefix("~").lstrip("/")
    if plan.source_collection_id == plan.destination_collection_id:
        raise TargetProblem(f"gterm does not know which directory ~ is on {escape_controls(plan.destination_name)}"
                            ", where the source is too, so it cannot check that nothing is sent into itself: "
                            "type an absolute path, or one relative to the other pane's directory.")
    return typed


def _file_in_the_way(plan: TransferPlan, path: str) -> str | None:
    """Why ``path`` cannot be sent into when the other pane's listing (``plan.destination_entries``) shows that it
    is one of its files, or goes through one (Globus would fail the task: NOT_A_DIRECTORY); None when the listing
    does not say (a path elsewhere, or below one of its directories: Globus answers those at submit)."""
    if plan.destination_entries is None or paths.same_dir(path, plan.destination_path) or not paths.is_within(
            path, plan.destination_path):
        return None
    first = paths.split(path)[len(paths.split(plan.destination_path))]
    if not any(entry.name == first and entry.type == "file" for entry in plan.destination_entries):
        return None
    where = escape_controls(f"{plan.destination_name}:{paths.as_dir(plan.destination_path)}")
    return (f"{escape_controls(first)} in {where} is a file, not a directory to send into: type a directory's path "
            "(one that does not exist yet is created).")


def retarget(plan: TransferPlan, typed: str) -> TransferPlan:
    """``plan`` sending into the directory typed in the dialog's destination field (raw text).

    An absolute path is on the destination collection; a relative one is taken from the other pane's
    directory (``plan.destination_path``); ``~`` and ``~/x`` are the home directory, as in the path bar
    (:func:`gterm.globus.paths.join`), resolved when gterm knows it (see :func:`_home_resolved`).
    The target is a directory: the items keep their names in it; one the other pane's listing shows as a file (or
    a path through one) is refused.
    Raises :class:`TargetProblem` with a message for the form.
    """
    path = typed_directory(plan, typed)
    if (in_the_way := _file_in_the_way(plan, path)) is not None:
        raise TargetProblem(in_the_way)
    if paths.same_dir(path, plan.destination_path):
        # The proposal accepted as it is: F5 opens the dialog even when the other pane is the source directory
        # (or inside a directory sent), as Midnight Commander's copy does, so it is checked here, on Enter.
        moved, inside = plan, "the other pane is inside it"
    else:
        moved = replace(plan, destination_path=path, destination_entries=None, typed_target=True)
        inside = "the destination is inside it"
    problem = moved.destination_problem(inside=inside)
    if problem is not None:
        raise TargetProblem(problem)
    return moved


def typed_directory(plan: TransferPlan, typed: str) -> str:
    """The absolute directory (ending in ``/``) the destination field's text (raw) names, as :func:`retarget`
    takes it; raises :class:`TargetProblem` for a text that names none (empty, controls, above the root)."""
    text = typed.strip()
    if not text:
        raise TargetProblem(f"Type the directory on {escape_controls(plan.destination_name)} to send into "
                            "(a path, or one relative to the other pane's), or press Esc.")
    if has_controls(text.replace(plan.destination_path, "")) or (
            set(_ESCAPE_SPELLING.findall(text)) - set(_ESCAPE_SPELLING.findall(plan.destination_path))):
        raise TargetProblem("The directory typed holds control characters or their escapes (such as \\x1b): "
                            "type the path without them, or open the directory in the other pane and press F5 there.")
    text = _home_resolved(plan, text)
    if _climbs_above_root(plan.destination_path, text):
        raise TargetProblem(f"The directory typed goes above the root (/) of {escape_controls(plan.destination_name)}"
                            ": there is nothing there to send into (each .. goes up one directory).")
    return paths.as_dir(paths.join(plan.destination_path, text))


def build_request(plan: TransferPlan, options: TransferOptions, now: datetime) -> TransferRequest:
    """The request the dialog returns; raises ValueError with a message for the form."""
    deadline = fmt.parse_deadline(options.deadline, now)
    problem = label_problem(options.label.strip())
    if problem is not None:
        raise LabelProblem(problem)
    rules = filter_rules(options)
    request = TransferRequest(
        source_collection=plan.source_collection_id,
        destination_collection=plan.destination_collection_id,
        items=plan.items(options.delete_destination_extra),
        label=options.label.strip() or plan.default_label(),
        sync_level=next((level for level in SYNC_LEVELS if level == options.sync_level), None),  # "off": None
        deadline=deadline,
        notify_on_succeeded=options.notify,
        notify_on_failed=options.notify,
        notify_on_inactive=options.notify,
        filter_rules=rules,
        expected_bytes=plan.expected_bytes(options),
    )
    options.copy_flags_to(request)
    return request


def _included(rules: list[tuple[FilterMethod, str]], entry: Entry) -> bool:
    """Globus filter rules: the first matching rule decides, no match means included."""
    for method, pattern in rules:
        if fnmatch.fnmatchcase(entry.name, pattern):
            return method == "include"
    return True


def preview_sync(
    plan: TransferPlan,
    options: TransferOptions,
    ls: Callable[[str, str], tuple[Entry, ...]],
    budget: int = PREVIEW_LISTING_BUDGET,
) -> SyncPreview:
    """Walk source and destination with ``ls(collection_id, path)`` (blocking: run it in a thread) and apply
    the sync level and filter rules the way Globus does. At most ``budget`` listings (each side counts).
    """
    level = None if options.sync_level == "off" else options.sync_level
    rules = filter_rules(options)
    remaining = [budget]
    total = SyncPreview()

    def listing(collection_id: str, path: str) -> tuple[Entry, ...] | None:
        if remaining[0] <= 0:
            total.incomplete = True
            return None
        remaining[0] -= 1
        return ls(collection_id, path)

    def kept(entries: tuple[Entry, ...] | list[Entry]) -> list[Entry]:
        return [entry for entry in entries if _included(rules, entry)]

    destination_top = plan.destination_entries
    if destination_top is None:
        destination_top = listing(plan.destination_collection_id, plan.destination_path) or ()
    selected = {entry.name for entry in plan.entries}
    if plan.sends_directory(options.delete_destination_extra):
        # The directory itself is sent: its destination's extras are part of the transfer.
        top, dirs = preview_directory(level, kept(plan.entries), kept(destination_top))
    else:
        # Each selected name is an item of its own: Globus applies filter rules inside recursive items
        # only, so a selected file goes whatever the rules say (a directory's contents are filtered below).
        top, dirs = preview_directory(level, list(plan.entries), [e for e in destination_top if e.name in selected])
        top.extra = []  # siblings outside the selection are not part of the transfer
    total.merge(top)
    queue = [(name, exists, name + "/") for name, exists in dirs]
    while queue:
        _name, exists, rel = queue.pop(0)
        src_entries = listing(plan.source_collection_id, _join(plan.source_path, rel))
        if src_entries is None:
            break
        dst_entries: tuple[Entry, ...] = ()
        if exists:
            found = listing(plan.destination_collection_id, _join(plan.destination_path, rel))
            if found is None:
                break
            dst_entries = found
        # Names a filter rule excludes are left alone on the destination too (as Globus does).
        part, sub = preview_directory(level, kept(src_entries), kept(dst_entries), prefix=rel)
        total.merge(part)
        queue.extend((child, child_exists, rel + child + "/") for child, child_exists in sub)
    return total

"""F6 as data: which (old, new) renames a move of some entries of a directory means, and what running them did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gterm.globus import paths
from gterm.globus.errors import SIGN_IN_ERRORS, AlreadyExists, GtermError, InvalidInput, is_retryable
from gterm.globus.models import Entry

if TYPE_CHECKING:
    from gterm.globus.browsing import PaneFiles


def plan_moves(directory: str, entries: list[Entry], destination: str) -> list[tuple[str, str]]:
    """(old, new) path pairs for F6. A destination ending in ``/`` (or several entries) means "into".

    Relative destinations are taken from ``directory``. Raises InvalidInput for
    a plan that cannot work (several entries onto one name, a move into itself).
    """
    if not destination:
        raise InvalidInput("No destination given.")
    target = paths.join(directory, destination)
    into = destination.endswith("/") or len(entries) > 1
    moves: list[tuple[str, str]] = []
    for entry in entries:
        old = paths.child(directory, entry.name, is_dir=entry.is_dir)
        if into:
            new = paths.child(paths.as_dir(target), entry.name, is_dir=entry.is_dir)
        else:
            new = paths.as_dir(target) if entry.is_dir else paths.normalise(target, directory=False)
        if entry.is_dir and paths.is_within(new, old):
            raise InvalidInput(f"Cannot move {entry.name!r} into itself.")
        if paths.normalise(new, directory=False) == paths.normalise(old, directory=False):
            continue
        moves.append((old, new))
    if not moves:
        raise InvalidInput("The destination is where the items already are.")
    return moves



@dataclass
class MoveOutcome:
    """What F6 did: each planned rename moved, was refused (and why), or was not tried."""

    moved: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str, GtermError]] = field(default_factory=list)
    stopped: GtermError | None = None
    """A failure every later rename would meet too (sign-in needed, service unreachable): the rest were not tried."""
    not_tried: list[tuple[str, str]] = field(default_factory=list)

    @property
    def planned(self) -> int:
        return len(self.moved) + len(self.refused) + len(self.not_tried)


def run_moves(files: PaneFiles, collection_id: str, moves: list[tuple[str, str]]) -> MoveOutcome:
    """Rename each (old, new) in turn; a name refused (it exists at the destination, say) does not stop the others.

    Globus renames never overwrite, so a name already at the destination is refused and stays where it was,
    as Midnight Commander's "skip all" would leave it; the outcome names every refusal.
    """
    outcome = MoveOutcome()
    for index, (old, new) in enumerate(moves):
        try:
            files.rename(collection_id, old, new)
        except GtermError as error:
            # What every later rename would meet as well (a sign-in to do, the service out of reach) stops them.
            if isinstance(error, SIGN_IN_ERRORS) or is_retryable(error):
                outcome.stopped = error
                outcome.not_tried = moves[index:]
                break
            outcome.refused.append((old, new, error))
        else:
            outcome.moved.append((old, new))
    return outcome


def refusal_reason(new: str, error: GtermError) -> str:
    """Why one name was not moved, in plain words (the service's "Rename failed: 'X' already exists" -> "X already
    exists")."""
    if isinstance(error, AlreadyExists):
        return f"{paths.normalise(new, directory=False)} already exists"
    return str(error)


def moved_location(path: str, moved: list[tuple[str, str]]) -> str | None:
    """Where directory ``path`` is now if it was, or lay inside, a directory that moved (None: it did not move)."""
    shown = paths.normalise(path, directory=True)
    for old, new in moved:
        if paths.is_dir_path(old) and paths.is_within(shown, old):
            return paths.as_dir(new) + shown[len(paths.as_dir(old)):]
    return None

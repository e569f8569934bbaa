"""F6 as data: which (old, new) renames a move of some entries of a directory means."""

from __future__ import annotations

from gterm.globus import paths
from gterm.globus.errors import InvalidInput
from gterm.globus.models import Entry


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


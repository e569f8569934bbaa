"""What the "to" field of a download / upload / local copy means: ``local_transfer.local_target`` (pure; what is
at the path typed is given, as the dialog's stat finds it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from gterm.globus.local_files import LOCAL_COLLECTION, LOCAL_ID
from gterm.globus.models import Entry
from gterm.tui.local_transfer import local_target, target_to_look_at
from gterm.tui.transfer_plan import TargetProblem, TransferPlan

WHEN = datetime(2026, 1, 2, tzinfo=UTC)
FILE = Entry(name="a.txt", type="file", size=6, last_modified=WHEN)
DIR = Entry(name="docs", type="dir", size=0, last_modified=WHEN)


def copy_plan(*entries: Entry, to: str = "/work/there/") -> TransferPlan:
    name = LOCAL_COLLECTION.display_name or ""
    return TransferPlan(LOCAL_ID, name, "/work/here/", LOCAL_ID, name, to, entries=entries, destination_entries=())


def found(kind: str) -> Entry:
    return Entry(name="x", type=kind, size=0, last_modified=WHEN)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "there", "directory", "new_name"),
    [
        ("b.txt", None, "/work/there/", "b.txt"),  # one item, nothing there: its new name (cp a.txt b.txt)
        ("sub/b.txt", None, "/work/there/sub/", "b.txt"),
        ("b.txt", "file", "/work/there/", "b.txt"),  # a file there: the overwrite question's, later
        ("sub", "dir", "/work/there/sub/", None),  # a directory there: into it
        ("sub/", None, "/work/there/sub/", None),  # ending in /: a directory, made if missing
        ("..", None, "/work/", None),  # names a directory, never a name
        ("~", None, "/home/u/", None),
        ("/work/there", None, "/work/there/", None),  # the proposal without its slash: still the proposal
    ],
)
def test_one_item(typed: str, there: str | None, directory: str, new_name: str | None) -> None:
    plan = local_target(replace(copy_plan(FILE), destination_home="/home/u/"), typed, found(there) if there else None)
    assert (plan.destination_path, plan.new_name) == (directory, new_name)
    assert plan.typed_target == (directory != "/work/there/" or new_name is not None)


def test_several_items_go_into_the_directory_typed_and_a_file_there_is_refused() -> None:
    plan = local_target(copy_plan(FILE, DIR), "b.txt", None)
    assert (plan.destination_path, plan.new_name) == ("/work/there/b.txt/", None)
    with pytest.raises(TargetProblem, match="is a file, not a directory to send into"):
        local_target(copy_plan(FILE, DIR), "b.txt", found("file"))


def test_a_directory_is_not_copied_over_a_file() -> None:
    with pytest.raises(TargetProblem, match="a directory cannot be copied over it"):
        local_target(copy_plan(DIR), "notes.txt", found("file"))


def test_copies_onto_themselves_are_refused() -> None:
    same = copy_plan(FILE, to="/work/here/")
    with pytest.raises(TargetProblem, match="Source and destination are the same directory"):
        local_target(same, "/work/here/", None)
    with pytest.raises(TargetProblem, match=r"That is a\.txt itself"):
        local_target(same, "a.txt", found("file"))
    assert local_target(same, "b.txt", None).new_name == "b.txt"  # beside it, under a new name
    with pytest.raises(TargetProblem, match="into itself"):
        local_target(copy_plan(DIR, to="/work/here/"), "docs/copy", None)


def test_only_a_path_other_than_the_proposal_is_looked_at() -> None:
    assert target_to_look_at(copy_plan(FILE), "/work/there") is None
    assert target_to_look_at(copy_plan(FILE), "b.txt") == "/work/there/b.txt/"

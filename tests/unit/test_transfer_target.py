"""Where F5 sends when a directory is typed in the dialog: ``transfer_plan.retarget`` (no service needed)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from gterm.globus.models import Entry
from gterm.globus.transfer_requests import MAX_LABEL_CHARS, TransferItem
from gterm.tui.transfer_actions import destination_dirs
from gterm.tui.transfer_plan import TargetProblem, TransferOptions, TransferPlan, build_request, retarget
from tests.support.transfer_scenes import FROZEN_NOW, LAB, fixed_plan


@pytest.mark.parametrize(
    ("typed", "target"),
    [
        ("/home/alice/incoming/", "/home/alice/incoming/"),  # the proposal, untouched
        ("/data/run 7", "/data/run 7/"),  # absolute, on the destination collection; always a directory
        ("/data/run 7/", "/data/run 7/"),
        ("sub/deeper", "/home/alice/incoming/sub/deeper/"),  # relative to the other pane's directory
        ("../outgoing/", "/home/alice/outgoing/"),
        ("./x//y/.", "/home/alice/incoming/x/y/"),
        ("~", "/~/"),  # the home directory, as the path bar spells it (the service resolves it)
        ("~/results", "/~/results/"),
        ("  /padded/  ", "/padded/"),  # spaces around the path are not part of it (as in the path bar)
        ("[bold]x[/bold]", "/home/alice/incoming/[bold]x[/bold]/"),  # markup characters are a name's own
    ],
)
def test_typed_directories_resolve_on_the_destination_collection(typed: str, target: str) -> None:
    plan = retarget(fixed_plan(), typed)
    assert plan.destination_path == target
    assert plan.destination_collection_id == fixed_plan().destination_collection_id


def test_the_items_keep_their_names_in_the_typed_directory() -> None:
    plan = retarget(fixed_plan(), "/data/new")
    assert plan.destination_entries is None  # the other pane's listing says nothing about this directory
    request = build_request(plan, TransferOptions(), FROZEN_NOW)
    assert request.items == [
        TransferItem("/home/alice/experiments/", "/data/new/experiments/", recursive=True),
        TransferItem("/home/alice/large-dataset.bin", "/data/new/large-dataset.bin"),
        TransferItem("/home/alice/notes with spaces.txt", "/data/new/notes with spaces.txt"),
    ]


def test_the_default_label_names_the_typed_directory() -> None:
    named = retarget(fixed_plan(), "/data/new/").default_label()
    assert named == "gterm: 3 items from Lab Storage to HPC Scratch:/data/new/"
    # The proposal left as it is: the label is as before the field existed.
    unchanged = retarget(fixed_plan(), "/home/alice/incoming").default_label()
    assert unchanged == "gterm: 3 items from Lab Storage to HPC Scratch"
    # A collection's name comes from other people: its line break is shown as an escape, never sent.
    long = retarget(replace(fixed_plan(), destination_name="HPC\nScratch"), "/" + "d" * 300)
    label = long.default_label()
    assert len(label) <= MAX_LABEL_CHARS and "\n" not in label and label.endswith("...")


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Type the directory on HPC Scratch to send into"),
        ("   ", "Type the directory on HPC Scratch to send into"),
        ("/data/\x1b]2;owned\x07", "holds control characters or their escapes"),
        ("/data/\\x1b[31mred", "holds control characters or their escapes"),  # an escape typed as text
        ("/data/\u202etxt.exe", "holds control characters or their escapes"),
        ("/..", "goes above the root (/) of HPC Scratch"),
        ("../../../..", "goes above the root (/) of HPC Scratch"),
        ("/a/../../b", "goes above the root (/) of HPC Scratch"),
    ],
)
def test_bad_directories_are_refused_with_a_message(typed: str, said: str) -> None:
    with pytest.raises(TargetProblem) as refused:
        retarget(fixed_plan(), typed)
    assert said in str(refused.value)
    assert "\x1b" not in str(refused.value) and "\u202e" not in str(refused.value)  # the message shows escapes


def test_a_control_character_the_proposal_had_is_kept() -> None:
    plan = replace(fixed_plan(), destination_path="/home/alice/in\x1bbox/")
    assert retarget(plan, "/home/alice/in\x1bbox/sub").destination_path == "/home/alice/in\x1bbox/sub/"


def test_a_directory_into_itself_is_refused_on_the_same_collection() -> None:
    plan = replace(fixed_plan(), destination_collection_id=LAB, destination_name="Lab Storage")
    with pytest.raises(TargetProblem, match="Cannot copy experiments/ into itself: the destination is inside it"):
        retarget(plan, "/home/alice/experiments/inner")
    with pytest.raises(TargetProblem, match="Source and destination are the same directory"):
        retarget(plan, "/home/alice")
    assert retarget(plan, "/home/alice/other").destination_path == "/home/alice/other/"


def test_an_unchanged_proposal_is_the_plan_itself() -> None:
    plan = fixed_plan()
    assert retarget(plan, "/home/alice/incoming") is plan
    assert retarget(plan, ".") is plan
    assert isinstance(plan.entries[0], Entry)


def test_the_proposal_is_refused_when_it_is_the_source_itself() -> None:
    """F5 opens the dialog with both panes on one directory (or the other pane inside a directory sent), so a
    subdirectory can be typed: the proposal accepted unchanged is refused with what the panes show."""
    same = replace(fixed_plan(), destination_collection_id=LAB, destination_path="/home/alice/")
    for typed in ("/home/alice/", ".", "/home/alice"):
        with pytest.raises(TargetProblem, match="Source and destination are the same directory"):
            retarget(same, typed)
    assert retarget(same, "sub").destination_path == "/home/alice/sub/"
    inside = replace(same, destination_path="/home/alice/experiments/inner/")
    with pytest.raises(TargetProblem, match="Cannot copy experiments/ into itself: the other pane is inside it"):
        retarget(inside, ".")
    assert retarget(inside, "../../copy").destination_path == "/home/alice/copy/"


def same_collection(home: str | None) -> TransferPlan:
    """Source pane /home/alice/ (holding experiments/), destination pane /home/alice/incoming/, one collection;
    ``home``: where gterm knows ``~`` is there (None: not known)."""
    return replace(fixed_plan(), destination_collection_id=LAB, destination_name="Lab Storage",
                   destination_home=home)


@pytest.mark.parametrize("typed", ["~", "~/", "~/experiments/sub", "/~/elsewhere", "~/../bob"])
def test_home_on_the_sources_collection_is_refused_while_gterm_does_not_know_where_it_is(typed: str) -> None:
    # /~/ could not be compared with the source pane's /home/alice/: "~" was sent into the source directory
    # itself, "~/experiments/sub" into experiments/ (while "../experiments/sub" was refused).
    with pytest.raises(TargetProblem) as refused:
        retarget(same_collection(None), typed)
    said = str(refused.value)
    assert "does not know which directory ~ is on Lab Storage" in said
    assert "type an absolute path, or one relative to the other pane's directory" in said


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("~", "Source and destination are the same directory"),
        ("/~", "Source and destination are the same directory"),
        ("~/experiments/sub", "Cannot copy experiments/ into itself: the destination is inside it"),
        ("/~/experiments/", "Cannot copy experiments/ into itself: the destination is inside it"),
        ("~/../../..", "goes above the root (/) of Lab Storage"),  # the home is known: so is what lies above it
    ],
)
def test_home_on_the_sources_collection_is_checked_where_gterm_knows_it_is(typed: str, said: str) -> None:
    with pytest.raises(TargetProblem, match=re.escape(said)):
        retarget(same_collection("/home/alice/"), typed)


def test_a_known_home_is_resolved_so_the_panes_showing_it_are_reloaded() -> None:
    plan = same_collection("/home/alice")
    assert retarget(plan, "~/results").destination_path == "/home/alice/results/"
    assert retarget(plan, "/~/../bob/x").destination_path == "/home/bob/x/"
    # "~" naming the other pane's own directory is the proposal itself: its "already there" warning stays.
    assert retarget(plan, "~/incoming/") is plan
    # The task's destination directories are real paths, as the panes show them (reloaded when it ends).
    request = build_request(retarget(plan, "~/results"), TransferOptions(), FROZEN_NOW)
    assert destination_dirs(request) == {"/home/alice/results/"}
    # On another collection too, when its home is known; not known, the service resolves ~ (the test above).
    elsewhere = replace(fixed_plan(), destination_home="/scratch/alice/")
    assert retarget(elsewhere, "~/results").destination_path == "/scratch/alice/results/"

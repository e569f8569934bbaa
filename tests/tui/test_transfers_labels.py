"""Generated task labels fit Globus' 128-character limit; a typed label that does not is refused in the form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gterm.globus.models import Entry
from gterm.globus.transfer import TransferService, wait_for_task
from gterm.globus.transfer_requests import MAX_LABEL_CHARS, label_problem
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.transfer_plan import LabelProblem, TransferOptions, TransferPlan, build_request

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LONG_NAME = "Department of Very Long Names Shared Research Storage Collection " * 2


def plan_for(src: str, dst: str, names: list[str], source_name: str = LONG_NAME,
             destination_name: str = LONG_NAME) -> TransferPlan:
    return TransferPlan(
        source_collection_id=LAB_STORAGE_ID,
        source_name=source_name,
        source_path=src,
        destination_collection_id=LAB_STORAGE_ID,
        destination_name=destination_name,
        destination_path=dst,
        entries=tuple(Entry(name=name, type="file", size=1, last_modified=None) for name in names),
    )


def test_long_collection_names_still_make_a_label_globus_accepts(alice_service: TransferService, lab_dir: Any) -> None:
    _, src = lab_dir({"a.txt": "a"})
    dst_disk, dst = lab_dir()
    request = build_request(plan_for(src, dst, ["a.txt"]), TransferOptions(), NOW)
    assert request.label is not None and len(request.label) <= MAX_LABEL_CHARS
    assert request.label.startswith("gterm: a.txt from Department")
    request.submission_id = alice_service.new_submission_id()
    task = wait_for_task(alice_service, alice_service.submit_transfer_once(request), timeout=60)
    assert task.status == "SUCCEEDED" and task.label == request.label
    assert (dst_disk / "a.txt").read_text() == "a"


def test_a_typed_label_over_the_limit_is_refused_before_submitting() -> None:
    plan = plan_for("/src/", "/dst/", ["a.txt"])
    with pytest.raises(ValueError, match="at most 128 characters"):
        build_request(plan, TransferOptions(label="x" * (MAX_LABEL_CHARS + 1)), NOW)
    assert build_request(plan, TransferOptions(label="x" * MAX_LABEL_CHARS), NOW).label == "x" * MAX_LABEL_CHARS


@pytest.mark.parametrize("typed", ["two\nlines", "carriage\rreturn", "crlf\r\nend"])
def test_a_typed_label_with_line_breaks_is_refused_before_submitting(typed: str) -> None:
    """Globus refuses a label holding \\r or \\n (400): the form says so instead of sending it."""
    with pytest.raises(LabelProblem, match="A label is one line"):
        build_request(plan_for("/src/", "/dst/", ["a.txt"]), TransferOptions(label=typed), NOW)
    assert label_problem(typed) == "A label is one line: remove its line breaks."
    assert label_problem(" edge ") == "A label cannot begin or end with a space."


def test_a_typed_label_is_sent_without_the_spaces_around_it() -> None:
    request = build_request(plan_for("/src/", "/dst/", ["a.txt"]), TransferOptions(label="\t my run  "), NOW)
    assert request.label == "my run"


async def test_default_labels_never_end_in_whitespace(alice_service: TransferService, lab_dir: Any) -> None:
    """A collection's display name may end in a space (its owner typed one): the generated label is
    "gterm: ... to <name>", and Globus refuses a label with trailing whitespace. Before, gterm sent it."""
    _, src = lab_dir({"a.txt": "a"})
    dst_disk, dst = lab_dir()
    for destination_name in ("Scratch ", "Scratch\u00a0", LONG_NAME):
        plan = plan_for(src, dst, ["a.txt"], source_name="Lab", destination_name=destination_name)
        label = plan.default_label()
        assert label == label.strip() and label_problem(label) is None, repr(label)
    plan = plan_for(src, dst, ["a.txt"], source_name="Lab", destination_name="Scratch ")
    request = build_request(plan, TransferOptions(), NOW)
    assert request.label == "gterm: a.txt from Lab to Scratch"
    request.submission_id = alice_service.new_submission_id()
    task = wait_for_task(alice_service, alice_service.submit_transfer_once(request), timeout=60)
    assert task.status == "SUCCEEDED" and task.label == request.label
    assert (dst_disk / "a.txt").read_text() == "a"

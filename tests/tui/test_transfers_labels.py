"""Generated task labels fit Globus' 128-character limit; a typed label that does not is refused in the form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gterm.globus.models import Entry
from gterm.globus.transfer import TransferService, wait_for_task
from gterm.globus.transfer_requests import MAX_LABEL_CHARS
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.transfer_plan import TransferOptions, TransferPlan, build_request

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LONG_NAME = "Department of Very Long Names Shared Research Storage Collection " * 2


def plan_for(src: str, dst: str, names: list[str]) -> TransferPlan:
    return TransferPlan(
        source_collection_id=LAB_STORAGE_ID,
        source_name=LONG_NAME,
        source_path=src,
        destination_collection_id=LAB_STORAGE_ID,
        destination_name=LONG_NAME,
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

"""TransferRequest / DeleteRequest become the TransferData / DeleteData documents Globus expects."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import globus_sdk
import pytest

from gterm.globus.errors import InvalidInput
from gterm.globus.transfer_documents import build_delete_data, build_transfer_data
from gterm.globus.transfer_requests import DeleteRequest, TransferItem, TransferRequest

SRC = "8f3caffd-c450-42a7-b874-98ce4d4f88b2"
DST = "0180106e-af90-4d7e-a01a-e28a99ac9624"


def sent(payload: globus_sdk.TransferData | globus_sdk.DeleteData) -> dict:
    """The document as the SDK will send it (MISSING fields dropped)."""
    from globus_sdk.transport import JSONRequestEncoder

    request = JSONRequestEncoder().encode("POST", "http://x/", params={}, data=payload, headers={})
    body = request.prepare().body
    assert isinstance(body, (str, bytes))
    return dict(json.loads(body))


def test_every_option_reaches_the_document() -> None:
    deadline = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    request = TransferRequest(
        SRC,
        DST,
        [TransferItem("/home/alice/dir/", "/scratch/dir/", recursive=True), TransferItem("/a b.txt", "/c d.txt")],
        label="nightly copy",
        sync_level="mtime",
        verify_checksum=False,
        preserve_timestamp=True,
        encrypt_data=True,
        delete_destination_extra=True,
        skip_source_errors=True,
        fail_on_quota_errors=True,
        deadline=deadline,
        notify_on_succeeded=False,
        notify_on_failed=True,
        notify_on_inactive=False,
        filter_rules=[("include", "*.txt"), ("exclude", "*")],
        submission_id="sub-1",
    )
    doc = sent(build_transfer_data(request))
    assert doc["DATA_TYPE"] == "transfer"
    assert (doc["source_endpoint"], doc["destination_endpoint"]) == (SRC, DST)
    assert doc["label"] == "nightly copy"
    assert doc["submission_id"] == "sub-1"
    assert doc["sync_level"] == 2
    assert doc["verify_checksum"] is False
    assert doc["preserve_timestamp"] is True
    assert doc["encrypt_data"] is True
    assert doc["delete_destination_extra"] is True
    assert doc["skip_source_errors"] is True
    assert doc["fail_on_quota_errors"] is True
    assert datetime.fromisoformat(doc["deadline"]) == deadline
    assert doc["deadline"].endswith("+00:00")
    assert (doc["notify_on_succeeded"], doc["notify_on_failed"], doc["notify_on_inactive"]) == (False, True, False)
    assert [(i["source_path"], i["destination_path"], i.get("recursive")) for i in doc["DATA"]] == [
        ("/home/alice/dir/", "/scratch/dir/", True),
        ("/a b.txt", "/c d.txt", False),
    ]
    assert [(r["method"], r["name"]) for r in doc["filter_rules"]] == [("include", "*.txt"), ("exclude", "*")]


def test_defaults_leave_optional_fields_out() -> None:
    doc = sent(build_transfer_data(TransferRequest(SRC, DST, [TransferItem("/a", "/b")])))
    for key in ("label", "submission_id", "sync_level", "deadline", "filter_rules"):
        assert key not in doc
    assert doc["verify_checksum"] is True  # gterm's default, as the dialog's


@pytest.mark.parametrize(
    "request_",
    [
        TransferRequest(SRC, DST, []),
        TransferRequest(SRC, DST, [TransferItem("", "/b")]),
        TransferRequest(SRC, DST, [TransferItem("/a", "/b")], sync_level="fast"),  # type: ignore[arg-type]
        TransferRequest(SRC, DST, [TransferItem("/a", "/b")], filter_rules=[("keep", "*")]),  # type: ignore[list-item]
        TransferRequest(SRC, DST, [TransferItem("/a", "/b")], filter_rules=[("exclude", "")]),
    ],
)
def test_invalid_transfer_requests(request_: TransferRequest) -> None:
    with pytest.raises(InvalidInput):
        build_transfer_data(request_)


def test_delete_document() -> None:
    request = DeleteRequest(SRC, ["/home/alice/old/", "/home/alice/x y.txt"], recursive=True, label="cleanup",
                            submission_id="sub-2", ignore_missing=True)
    doc = sent(build_delete_data(request))
    assert doc["DATA_TYPE"] == "delete"
    assert doc["endpoint"] == SRC
    assert (doc["recursive"], doc["label"]) == (True, "cleanup")
    assert (doc["submission_id"], doc["ignore_missing"]) == ("sub-2", True)
    assert [item["path"] for item in doc["DATA"]] == ["/home/alice/old/", "/home/alice/x y.txt"]


@pytest.mark.parametrize("bad_paths", [[], ["/"], ["//"], [""]])
def test_invalid_delete_requests(bad_paths: list[str]) -> None:
    with pytest.raises(InvalidInput):
        build_delete_data(DeleteRequest(SRC, bad_paths))

"""The SDK's TransferData and DeleteData documents for gterm's own requests (pure: no network).

:mod:`gterm.globus.transfer_requests` holds what a transfer or delete asks
for, without the SDK; this turns a request into the document Transfer is sent
(and checks it first, so a bad request costs no call for a submission id).
:class:`gterm.globus.transfer.TransferService` submits them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gterm.globus import paths
from gterm.globus.errors import InvalidInput
from gterm.globus.transfer_requests import SYNC_LEVELS, DeleteRequest, TransferRequest
from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    import globus_sdk
    from globus_sdk import DeleteData, TransferData
else:
    # Loaded with the first submission, not with the TUI (gterm.lazy_modules).
    globus_sdk = LazyModule("globus_sdk")


def deadline_text(deadline: datetime | None) -> str | None:
    """ISO 8601 in UTC; a naive datetime is taken as local time, as a user typed it."""
    if deadline is None:
        return None
    aware = deadline if deadline.tzinfo is not None else deadline.astimezone()
    return aware.astimezone(UTC).isoformat()


def _opt(value: Any) -> Any:
    """None -> MISSING, so the SDK leaves unset fields out of the document."""
    return globus_sdk.MISSING if value is None else value


def build_transfer_data(request: TransferRequest) -> TransferData:
    """The TransferData document for ``request`` (pure: no network, no submission id fetch)."""
    if not request.items:
        raise InvalidInput("Nothing to transfer: no items were given.")
    if request.sync_level is not None and request.sync_level not in SYNC_LEVELS:
        raise InvalidInput(f"Unknown sync level {request.sync_level!r} (use one of {', '.join(SYNC_LEVELS)}).")
    data = globus_sdk.TransferData(
        request.source_collection,
        request.destination_collection,
        label=_opt(request.label),
        submission_id=_opt(request.submission_id),
        sync_level=_opt(request.sync_level),
        verify_checksum=request.verify_checksum,
        preserve_timestamp=request.preserve_timestamp,
        encrypt_data=request.encrypt_data,
        deadline=_opt(deadline_text(request.deadline)),
        skip_source_errors=request.skip_source_errors,
        fail_on_quota_errors=request.fail_on_quota_errors,
        delete_destination_extra=request.delete_destination_extra,
        notify_on_succeeded=request.notify_on_succeeded,
        notify_on_failed=request.notify_on_failed,
        notify_on_inactive=request.notify_on_inactive,
    )
    for item in request.items:
        if not item.source_path or not item.destination_path:
            raise InvalidInput("Every transfer item needs a source and a destination path.")
        data.add_item(
            paths.globus_spelling(item.source_path),
            paths.globus_spelling(item.destination_path),
            recursive=item.recursive,
        )
    for method, pattern in request.filter_rules:
        if method not in ("include", "exclude"):
            raise InvalidInput(f"Unknown filter rule method {method!r} (use include or exclude).")
        if not pattern:
            raise InvalidInput("A filter rule needs a pattern.")
        data.add_filter_rule(pattern, method=method)
    return data


def build_delete_data(request: DeleteRequest) -> DeleteData:
    """The DeleteData document for ``request`` (pure)."""
    if not request.paths:
        raise InvalidInput("Nothing to delete: no paths were given.")
    data = globus_sdk.DeleteData(
        request.collection_id,
        label=_opt(request.label),
        submission_id=_opt(request.submission_id),
        recursive=request.recursive,
        ignore_missing=request.ignore_missing,
        deadline=_opt(deadline_text(request.deadline)),
        notify_on_succeeded=request.notify_on_succeeded,
        notify_on_failed=request.notify_on_failed,
        notify_on_inactive=request.notify_on_inactive,
    )
    for path in request.paths:
        if not path:
            raise InvalidInput("A delete item needs a path.")
        if paths.normalise(path) == "/":
            raise InvalidInput("Refusing to delete a collection's root directory.")
        data.add_item(paths.globus_spelling(path))
    return data

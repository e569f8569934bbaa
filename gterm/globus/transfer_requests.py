"""What a transfer or delete asks for, as gterm's own records (no globus-sdk import here).

The transfer dialog, the planners and the task screens build and check these;
:mod:`gterm.globus.transfer` turns them into the SDK's TransferData/DeleteData
when they are submitted. Keeping them apart lets the UI use them without
loading the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Literal

SyncLevel = Literal["exists", "size", "mtime", "checksum"]
FilterMethod = Literal["include", "exclude"]
SearchScope = Literal[
    "all", "my-endpoints", "shared-with-me", "shared-by-me", "recently-used", "in-use", "administered-by-me"
]

# The one table of sync levels, in Globus's order (sync_level 0-3; each level includes the checks of
# the ones before it), with what each means for a file already at the destination.
SYNC_LEVEL_HELP: dict[SyncLevel, str] = {
    "exists": "skip files already there",
    "size": "copy when sizes differ",
    "mtime": "copy when size differs or source is newer",
    "checksum": "copy when contents differ",
}
SYNC_LEVELS: tuple[SyncLevel, ...] = tuple(SYNC_LEVEL_HELP)
SEARCH_SCOPES: tuple[str, ...] = (
    "all", "my-endpoints", "shared-with-me", "shared-by-me", "recently-used", "in-use", "administered-by-me",
)


#: Globus accepts task labels of at most this many characters (longer ones are a 400, nothing is submitted).
#: Nor does it accept "Newline characters (\r or \n) and trailing or leading whitespace" (Task Submission).
MAX_LABEL_CHARS = 128


def fit_label(text: str) -> str:
    """``text`` (one line) made a label Globus accepts: no whitespace at either end, and an end that
    does not fit cut and marked with ``...``."""
    text = text.strip()
    if len(text) <= MAX_LABEL_CHARS:
        return text
    return text[: MAX_LABEL_CHARS - 3].rstrip() + "..."


def label_problem(text: str) -> str | None:
    """Why Globus would refuse ``text`` as a task label (None: it is fine)."""
    if "\n" in text or "\r" in text:
        return "A label is one line: remove its line breaks."
    if text != text.strip():
        return "A label cannot begin or end with a space."
    if len(text) > MAX_LABEL_CHARS:
        return f"A label has at most {MAX_LABEL_CHARS} characters (this one has {len(text)})."
    return None


@dataclass(frozen=True, slots=True)
class TransferItem:
    """One source path and where it goes. ``recursive`` must be True for directories."""

    source_path: str
    destination_path: str
    recursive: bool = False


@dataclass(slots=True, kw_only=True)
class TransferFlags:
    """Transfer's on/off options, declared once: the F5 form holds them (TransferOptions) and a
    request carries them (TransferRequest). Keyword-only, so a request's positional fields stay first."""

    verify_checksum: bool = True
    preserve_timestamp: bool = False
    encrypt_data: bool = False
    delete_destination_extra: bool = False
    skip_source_errors: bool = False
    fail_on_quota_errors: bool = False

    def copy_flags_to(self, other: TransferFlags) -> None:
        """Set ``other``'s flags to these (the form's choices onto the request it builds)."""
        for flag in fields(TransferFlags):
            setattr(other, flag.name, getattr(self, flag.name))


@dataclass(slots=True)
class TransferRequest(TransferFlags):
    """Everything the transfer dialog can set, mirroring TransferData's options (the flags: TransferFlags).

    Mutable on purpose: the service stores the submission id it fetched on the
    request, so submitting the same object again is harmless.
    """

    source_collection: str
    destination_collection: str
    items: list[TransferItem]
    label: str | None = None
    sync_level: SyncLevel | None = None
    deadline: datetime | None = None
    notify_on_succeeded: bool = True
    notify_on_failed: bool = True
    notify_on_inactive: bool = True
    filter_rules: list[tuple[FilterMethod, str]] = field(default_factory=list)
    submission_id: str | None = None
    # Bytes the task will move when gterm knows them at submit (files only, no sync level):
    # Globus reports bytes_transferred but no total, so progress and ETA in bytes need this.
    # Not sent to Globus.
    expected_bytes: int | None = None


@dataclass(slots=True)
class DeleteRequest:
    """A delete task: ``paths`` on one collection; ``recursive`` is required for directories."""

    collection_id: str
    paths: list[str]
    recursive: bool = False
    label: str | None = None
    submission_id: str | None = None
    ignore_missing: bool = False
    deadline: datetime | None = None
    notify_on_succeeded: bool = True
    notify_on_failed: bool = True
    notify_on_inactive: bool = True

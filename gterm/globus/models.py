"""Typed views of the Globus documents gterm works with.

Every class here is built from a Globus JSON document by a ``from_doc``
classmethod and is immutable, so the TUI can hold and compare them freely
without reaching back into the SDK's response objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from typing import Any, Literal

import msgspec

EntryType = Literal["file", "dir", "link", "invalid_symlink", "fifo", "socket", "char_device", "block_device"]
"""``invalid_symlink`` is Transfer's own type for a symlink it will not follow (broken, or
leading outside the collection); valid links come as ``file``/``dir`` with ``link_target``.
The last four only this computer's listing gives (Transfer does not list special files)."""

SPECIAL_KINDS: dict[str, str] = {
    "fifo": "named pipe (FIFO)",
    "socket": "socket",
    "char_device": "character device",
    "block_device": "block device",
}
"""A special file's type and what it is, in words: it has no contents to view or copy."""


def _entry_type(kind: Any) -> EntryType:
    if kind == "file" or kind == "dir" or kind == "link" or kind == "invalid_symlink":
        return kind  # type: ignore[no-any-return]  # the comparisons above narrow it to the literals
    return "file"


def parse_time(value: str | None) -> datetime | None:
    """Parse both Globus time formats (``2024-01-01 10:00:00+00:00`` and ISO 8601 with ``T``)."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    display_name: str
    owner_string: str = ""
    entity_type: str = ""
    description: str = ""
    organization: str = ""
    keywords: str = ""
    default_directory: str | None = None
    host_endpoint_id: str | None = None
    host_path: str | None = None
    https_server: str | None = None  # where its files are served over HTTPS (GCSv5), else None
    high_assurance: bool = False
    endpoint_display_name: str | None = None  # a GCSv5 collection's endpoint (Transfer names it as the owner)
    # A guest collection's host (mapped collection) by name, as Transfer reports it: "share of <this>".
    host_display_name: str | None = None

    @property
    def owner_shown(self) -> str:
        """Who to name as the owner: a GCSv5 collection's endpoint by name, not its client identity."""
        if self.endpoint_display_name and self.owner_string.endswith("@clients.auth.globus.org"):
            return f"{self.endpoint_display_name} (endpoint)"
        return self.owner_string

    @property
    def needs_data_access(self) -> bool:
        """Globus asks for a data_access consent on non-high-assurance GCSv5 mapped collections."""
        return self.entity_type == "GCSv5_mapped_collection" and not self.high_assurance

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Collection:
        return cls(
            id=str(doc["id"]),
            display_name=str(doc.get("display_name") or doc.get("canonical_name") or doc["id"]),
            owner_string=str(doc.get("owner_string") or ""),
            entity_type=str(doc.get("entity_type") or ""),
            description=str(doc.get("description") or ""),
            organization=str(doc.get("organization") or ""),
            keywords=str(doc.get("keywords") or ""),
            default_directory=doc.get("default_directory"),
            host_endpoint_id=doc.get("host_endpoint_id"),
            host_path=doc.get("host_path"),
            https_server=doc.get("https_server") or None,
            high_assurance=bool(doc.get("high_assurance")),
            endpoint_display_name=doc.get("non_functional_endpoint_display_name") or None,
            host_display_name=(
                doc.get("host_endpoint_display_name") or doc.get("mapped_collection_display_name") or None
            ),
        )


class Entry(msgspec.Struct, frozen=True, gc=False):
    """One row of an ``operation_ls`` listing.

    A frozen msgspec Struct rather than a dataclass or a NamedTuple, for
    100,000-entry listings: :func:`decode_file_list` builds these straight
    from the response body (the field names are Transfer's keys), they are
    immutable, comparable and hashable, and ``gc=False`` keeps the garbage
    collector from ever tracking them (they only hold strings, numbers,
    datetimes and None, so they cannot be part of a reference cycle).
    """

    name: str
    type: EntryType
    size: int
    last_modified: datetime | None
    permissions: str = ""
    user: str = ""
    group: str = ""
    link_target: str | None = None

    @property
    def is_dir(self) -> bool:
        return self.type == "dir"

    @property
    def special_kind(self) -> str | None:
        """What a special file (named pipe, socket, device) is, in words; None for files, dirs and links."""
        return SPECIAL_KINDS.get(self.type)

    @property
    def is_invalid_link(self) -> bool:
        """A symlink the service will not follow: nothing behind it can be opened or transferred."""
        return self.type == "invalid_symlink"

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Entry:
        kind = doc.get("type", "file")
        return cls(
            name=str(doc["name"]),
            type=_entry_type(kind),
            size=int(doc.get("size") or 0),
            last_modified=parse_time(doc.get("last_modified")),
            permissions=str(doc.get("permissions") or ""),
            user=str(doc.get("user") or ""),
            group=str(doc.get("group") or ""),
            link_target=doc.get("link_target"),
        )


def _parse_times(stamps: Iterable[Any]) -> dict[Any, datetime | None]:
    """``{stamp: parse_time(stamp)}`` for every distinct stamp, parsed in bulk.

    Files written together share mtimes, so a listing has far fewer distinct
    stamps than entries. The fast path parses them all with one C-level
    ``map(datetime.fromisoformat, ...)``; anything it does not take (another
    format, a bad value) sends the whole set through :func:`parse_time`.
    """
    unique = dict.fromkeys(stamps)
    unique.pop(None, None)
    unique.pop("", None)
    try:
        times: dict[Any, datetime | None] = dict(zip(unique, map(datetime.fromisoformat, unique), strict=True))
    except (TypeError, ValueError):
        times = {stamp: parse_time(stamp) for stamp in unique}
    else:
        if None in set(map(attrgetter("tzinfo"), times.values())):  # checked in C; Transfer's stamps carry +00:00
            for stamp, when in times.items():
                if when is not None and when.tzinfo is None:
                    times[stamp] = when.replace(tzinfo=UTC)
    times[None] = None
    times[""] = None
    return times


def entries_from_docs(docs: Iterable[Mapping[str, Any]]) -> tuple[Entry, ...]:
    """``tuple(Entry.from_doc(d) for d in docs)``, tuned for 100,000-entry listings.

    Same result as :meth:`Entry.from_doc` per document, several times faster:
    locals instead of attribute lookups, no conversion when the JSON already
    has the right type, each distinct ``last_modified`` parsed once per
    listing (in bulk, see :func:`_parse_times`). The general path behind
    :func:`decode_file_list`, for documents that one does not take.
    """
    if not isinstance(docs, (list, tuple)):
        docs = list(docs)
    get_stamp = itemgetter("last_modified")
    try:
        times = _parse_times(map(get_stamp, docs))
    except (KeyError, TypeError):  # documents without the key, or an unhashable stamp
        times = _parse_times(doc.get("last_modified") for doc in docs)
    make = Entry
    result: list[Entry] = []
    append = result.append
    for doc in docs:
        get = doc.get
        name = doc["name"]
        kind = get("type")
        size = get("size")
        permissions = get("permissions")
        user = get("user")
        group = get("group")
        append(
            make(
                name if type(name) is str else str(name),
                kind if kind == "file" or kind == "dir" else _entry_type(kind),
                size if type(size) is int else int(size or 0),
                times[get("last_modified")],
                permissions if type(permissions) is str else str(permissions or ""),
                user if type(user) is str else str(user or ""),
                group if type(group) is str else str(group or ""),
                get("link_target"),
            )
        )
    return tuple(result)


class FileListPage(msgspec.Struct, frozen=True):
    """The parts of a ``file_list`` document a listing needs (other keys are skipped while decoding)."""

    DATA: tuple[Entry, ...] = ()
    path: str | None = None
    total: int | None = None
    has_next_page: bool = False


_FILE_LIST_DECODER = msgspec.json.Decoder(FileListPage)


def decode_file_list(body: bytes) -> FileListPage | None:
    """Decode an ``operation_ls`` body straight into Entry records; None when it needs the general path.

    The usual Transfer answer (every value of the JSON type Transfer uses,
    times with their UTC offset) decodes in one pass in C, without building
    a dict per entry. Anything else (a null size, an unknown entry type, a
    time without offset or in another format) returns None, and the caller
    parses the JSON and normalises each document with :func:`entries_from_docs`.
    """
    try:
        page = _FILE_LIST_DECODER.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    stamps = [entry.last_modified for entry in page.DATA if entry.last_modified is not None]
    if None in set(map(attrgetter("tzinfo"), stamps)):  # a naive time: UTC is assumed on the general path
        return None
    _share_permissions(page.DATA)
    return page


def _share_permissions(entries: tuple[Entry, ...]) -> None:
    """One string object per distinct ``permissions`` value instead of one per entry.

    A directory has a handful of distinct modes; the decoder makes a new
    ``"0644"`` (53 bytes) for every entry. Sharing them takes ~50 MB off a
    1,000,000-entry listing (measured by tests/perf/ls_vs_globus_cli.py).
    """
    shared: dict[str, str] = {}
    share = shared.setdefault
    put = msgspec.structs.force_setattr  # Entry is frozen; this is its own decoding step
    for entry in entries:
        permissions = entry.permissions
        put(entry, "permissions", share(permissions, permissions))


@dataclass(frozen=True, slots=True)
class Listing:
    """A directory listing, or the part of it that has arrived: the absolute path the service
    resolved and entries in the order the service sent them.

    ``total`` is the number of entries the service says the whole listing has
    (None when it did not say); a listing fetched in pages is ``complete``
    once that many have arrived. ``offset`` is where these entries start in
    the service's order (0 for a whole listing or a first page).
    ``truncated`` is True when the service said there is more than it returned
    and gterm did not ask for the rest.
    """

    collection_id: str
    path: str
    entries: tuple[Entry, ...]
    truncated: bool = False
    total: int | None = None
    offset: int = 0

    @property
    def total_size(self) -> int:
        return sum(entry.size for entry in self.entries if not entry.is_dir)

    @property
    def complete(self) -> bool:
        """Every entry the service counted has arrived."""
        return self.total is None or self.offset + len(self.entries) >= self.total

    @property
    def expected(self) -> int:
        """How many entries the whole listing has, as far as anyone knows."""
        return max(self.total or 0, self.offset + len(self.entries))

    def extended(self, page: Listing) -> Listing:
        """This listing with the next ``page`` of the same directory appended.

        An entry created before the page was read moves the later entries one
        place on, so the page can start with names the previous page already
        had: those are dropped (names are unique in a directory). Only the
        previous page can hold them, so only the tail is checked.
        """
        fresh = page.entries
        if fresh and self.entries:
            tail = {entry.name for entry in self.entries[-len(fresh):]}
            if not tail.isdisjoint(entry.name for entry in fresh):
                fresh = tuple(entry for entry in fresh if entry.name not in tail)
        return Listing(
            collection_id=self.collection_id,
            path=self.path,
            entries=self.entries + fresh,
            truncated=page.truncated,
            total=page.total,
            offset=self.offset,
        )

    def finished(self) -> Listing:
        """This listing marked complete: the pages ran out (the directory may have changed meanwhile)."""
        if self.complete:
            return self
        return Listing(self.collection_id, self.path, self.entries, self.truncated, len(self.entries), 0)


TaskStatus = Literal["ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED"]

INTERRUPTED = "INTERRUPTED"
"""The nice_status (and event code) of one of gterm's own tasks that stopped because gterm did: FAILED, then, as a
cancel is (gterm.globus.task_history keeps it so; gterm.tui.task_format shows it)."""


@dataclass(frozen=True, slots=True)
class Task:
    task_id: str
    type: str  # TRANSFER | DELETE
    status: str
    label: str | None
    nice_status: str | None
    request_time: datetime | None
    completion_time: datetime | None
    deadline: datetime | None
    source_endpoint_id: str | None
    source_endpoint_display_name: str | None
    destination_endpoint_id: str | None
    destination_endpoint_display_name: str | None
    files: int
    directories: int
    files_skipped: int
    files_transferred: int
    subtasks_total: int
    subtasks_succeeded: int
    subtasks_pending: int
    subtasks_failed: int
    subtasks_canceled: int
    subtasks_expired: int
    subtasks_retrying: int
    bytes_transferred: int
    bytes_checksummed: int
    effective_bytes_per_second: int
    faults: int
    sync_level: int | None
    verify_checksum: bool
    preserve_timestamp: bool
    encrypt_data: bool
    delete_destination_extra: bool
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Why the task is paused (an administrator's or a pause rule's message), when it is and Globus says.
    pause_message: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ("ACTIVE", "INACTIVE")

    @property
    def is_paused(self) -> bool:
        """Paused by an administrator or a pause rule (Transfer's ``is_paused``); only an active task is."""
        return self.is_active and bool(self.raw.get("is_paused"))

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Task:
        def num(key: str) -> int:
            value = doc.get(key)
            return int(value) if value is not None else 0

        return cls(
            task_id=str(doc["task_id"]),
            type=str(doc.get("type") or ""),
            status=str(doc.get("status") or ""),
            label=doc.get("label"),
            nice_status=doc.get("nice_status"),
            request_time=parse_time(doc.get("request_time")),
            completion_time=parse_time(doc.get("completion_time")),
            deadline=parse_time(doc.get("deadline")),
            source_endpoint_id=doc.get("source_endpoint_id"),
            source_endpoint_display_name=doc.get("source_endpoint_display_name"),
            destination_endpoint_id=doc.get("destination_endpoint_id"),
            destination_endpoint_display_name=doc.get("destination_endpoint_display_name"),
            files=num("files"),
            directories=num("directories"),
            files_skipped=num("files_skipped"),
            files_transferred=num("files_transferred"),
            subtasks_total=num("subtasks_total"),
            subtasks_succeeded=num("subtasks_succeeded"),
            subtasks_pending=num("subtasks_pending"),
            subtasks_failed=num("subtasks_failed"),
            subtasks_canceled=num("subtasks_canceled"),
            subtasks_expired=num("subtasks_expired"),
            subtasks_retrying=num("subtasks_retrying"),
            bytes_transferred=num("bytes_transferred"),
            bytes_checksummed=num("bytes_checksummed"),
            effective_bytes_per_second=num("effective_bytes_per_second"),
            faults=num("faults"),
            sync_level=doc.get("sync_level"),
            verify_checksum=bool(doc.get("verify_checksum")),
            preserve_timestamp=bool(doc.get("preserve_timestamp")),
            encrypt_data=bool(doc.get("encrypt_data")),
            delete_destination_extra=bool(doc.get("delete_destination_extra")),
            raw=dict(doc),
        )


@dataclass(frozen=True, slots=True)
class Event:
    code: str
    description: str
    details: str
    is_error: bool
    time: datetime | None

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Event:
        return cls(
            code=str(doc.get("code") or ""),
            description=str(doc.get("description") or ""),
            details=str(doc.get("details") or ""),
            is_error=bool(doc.get("is_error")),
            time=parse_time(doc.get("time")),
        )


MAX_BOOKMARK_NAME = 128
"""Characters a bookmark's name may have (Transfer refuses a longer one)."""


@dataclass(frozen=True, slots=True)
class Bookmark:
    id: str
    name: str
    endpoint_id: str
    path: str

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Bookmark:
        return cls(
            id=str(doc["id"]),
            name=str(doc.get("name") or ""),
            endpoint_id=str(doc.get("endpoint_id") or ""),
            path=str(doc.get("path") or "/"),
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """An access rule (ACL) on a guest collection.

    Transfer may list rules that a role implies (an access document with ``role_id`` and
    ``role_type`` set and no ``id`` of its own): ``id`` is "" for those, and only taking the
    role away ends them.
    """

    id: str
    principal_type: str
    principal: str
    path: str
    permissions: str
    # Transfer's "expiration_date" and "create_time" (ISO 8601 text, None when unset).
    expiration_date: str | None = None
    create_time: str | None = None
    role_id: str | None = None
    role_type: str | None = None

    @property
    def from_role(self) -> bool:
        return not self.id and bool(self.role_id)

    def has_expired(self, now: datetime) -> bool:
        """Past its expiration date: the rule grants nothing any more (Globus keeps it until it is deleted)."""
        expires = parse_time(self.expiration_date)
        return expires is not None and expires <= now

    @property
    def key(self) -> str:
        """Unique among a collection's rules, role-implied ones included."""
        return self.id or f"role:{self.role_id}"

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Rule:
        return cls(
            id=str(doc.get("id") or ""),
            role_id=doc.get("role_id") or None,
            role_type=doc.get("role_type") or None,
            principal_type=str(doc.get("principal_type") or ""),
            principal=str(doc.get("principal") or ""),
            path=str(doc.get("path") or "/"),
            permissions=str(doc.get("permissions") or ""),
            expiration_date=doc.get("expiration_date") or None,
            create_time=doc.get("create_time") or None,
        )


@dataclass(frozen=True, slots=True)
class Identity:
    id: str
    username: str
    name: str
    email: str | None = None

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Identity:
        return cls(
            id=str(doc.get("id") or doc.get("sub") or ""),
            username=str(doc.get("username") or doc.get("preferred_username") or ""),
            name=str(doc.get("name") or ""),
            email=doc.get("email"),
        )


def pause_message_of(pause_info: Mapping[str, Any]) -> str | None:
    """The message of a task's ``pause_info`` (administrator's pause or pause rules), said once."""
    messages: list[str] = []
    candidates = [pause_info.get(key) for key in ("message", "source_pause_message", "destination_pause_message",
                                                  "source_pause_message_share", "destination_pause_message_share")]
    candidates += [rule.get("message") for rule in pause_info.get("pause_rules") or () if isinstance(rule, Mapping)]
    for text in candidates:
        if isinstance(text, str) and text.strip() and text.strip() not in messages:
            messages.append(text.strip())
    return "; ".join(messages) or None

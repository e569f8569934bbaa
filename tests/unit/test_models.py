"""gterm.globus.models parse the documents Globus sends (shapes from globus_sdk.testing's recorded fixtures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import globus_sdk
from globus_sdk.testing import RegisteredResponse, get_response_set

from gterm.globus.models import (
    Bookmark,
    Collection,
    Entry,
    Event,
    Listing,
    Rule,
    Task,
    decode_file_list,
    entries_from_docs,
    parse_time,
)


def recorded(method: object, case: str = "default") -> dict:
    response = get_response_set(method).lookup(case)
    assert isinstance(response, RegisteredResponse) and isinstance(response.json, dict)
    return dict(response.json)


def test_parse_time_accepts_both_globus_formats() -> None:
    expected = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert parse_time("2026-01-15 12:00:00+00:00") == expected
    assert parse_time("2026-01-15T12:00:00+00:00") == expected
    assert parse_time("2026-01-15T12:00:00Z") == expected
    assert parse_time("2026-01-15T12:00:00") == expected  # naive means UTC
    assert parse_time(None) is None and parse_time("") is None and parse_time("yesterday") is None


def test_entry_from_recorded_stat() -> None:
    entry = Entry.from_doc(recorded(globus_sdk.TransferClient.operation_stat))
    assert entry.name == "file1.txt"
    assert entry.type == "file" and not entry.is_dir
    assert entry.size == 4
    assert entry.last_modified == datetime(2023, 12, 18, 16, 52, 50, tzinfo=UTC)
    assert (entry.permissions, entry.user, entry.group, entry.link_target) == ("0644", "tutorial", "tutorial", None)


def test_entry_kinds_and_literal_names() -> None:
    base = {"size": None, "last_modified": None}
    assert Entry.from_doc({**base, "name": "d", "type": "dir"}).is_dir
    link = Entry.from_doc({**base, "name": "l", "type": "link", "link_target": "/x"})
    assert (link.type, link.link_target, link.size) == ("link", "/x", 0)
    assert Entry.from_doc({**base, "name": "[b]x[/b] \x1b", "type": "weird"}).name == "[b]x[/b] \x1b"
    assert Entry.from_doc({**base, "name": "f", "type": "weird"}).type == "file"


def test_listing_total_size_and_truncated_default() -> None:
    entries = (
        Entry("a", "file", 10, None),
        Entry("d", "dir", 4096, None),
        Entry("b", "file", 5, None),
    )
    listing = Listing("c", "/x/", entries)
    assert listing.total_size == 15
    assert listing.truncated is False
    assert Listing("c", "/x/", entries, truncated=True).truncated


def test_task_from_recorded_task_list() -> None:
    doc = recorded(globus_sdk.TransferClient.task_list)["DATA"][0]
    task = Task.from_doc(doc)
    assert task.task_id == doc["task_id"]
    assert (task.type, task.status, task.is_active) == ("TRANSFER", "SUCCEEDED", False)
    assert task.request_time == datetime(2021, 9, 2, 18, 4, 47, tzinfo=UTC)
    assert task.completion_time == datetime(2021, 9, 2, 18, 4, 49, tzinfo=UTC)
    assert task.deadline == datetime(2021, 9, 3, 18, 4, 47, tzinfo=UTC)
    assert (task.files, task.files_transferred, task.subtasks_total, task.subtasks_succeeded) == (1, 1, 2, 2)
    assert (task.bytes_transferred, task.effective_bytes_per_second) == (4, 3)
    assert task.source_endpoint_display_name == "Source Endpoint"
    assert task.verify_checksum and not task.preserve_timestamp
    assert task.raw["username"] == doc["username"]
    assert Task.from_doc({**doc, "status": "ACTIVE"}).is_active
    assert Task.from_doc({**doc, "status": "INACTIVE"}).is_active


def test_task_equality_ignores_raw() -> None:
    doc = recorded(globus_sdk.TransferClient.task_list)["DATA"][0]
    assert Task.from_doc(doc) == Task.from_doc({**doc, "username": "someone else"})


def test_collection_from_recorded_get_endpoint() -> None:
    doc = recorded(globus_sdk.TransferClient.get_endpoint)
    collection = Collection.from_doc(doc)
    assert collection.id == doc["id"]
    assert collection.display_name == "myserver"
    assert collection.organization == "My Org"
    assert collection.description == "Example gridftp endpoint."
    assert collection.default_directory is None and collection.host_endpoint_id is None
    nameless = Collection.from_doc({"id": "abc", "display_name": None, "canonical_name": None})
    assert nameless.display_name == "abc"


def test_bookmark_event_rule_identity() -> None:
    bookmark = Bookmark.from_doc({"id": "b1", "name": "Results", "endpoint_id": "e", "path": "/r/"})
    assert (bookmark.name, bookmark.endpoint_id, bookmark.path) == ("Results", "e", "/r/")
    event = Event.from_doc(
        {"code": "FILE_NOT_FOUND", "description": "not found", "details": "x", "is_error": True,
         "time": "2026-01-15T12:00:00+00:00"}
    )
    assert event.is_error and event.time == datetime(2026, 1, 15, 12, tzinfo=UTC)
    rule = Rule.from_doc({"id": "r", "principal_type": "identity", "principal": "p", "path": "/s/",
                          "permissions": "rw"})
    assert (rule.principal_type, rule.permissions) == ("identity", "rw")


def test_entries_from_docs_matches_from_doc() -> None:
    stat = recorded(globus_sdk.TransferClient.operation_stat)
    docs = [
        stat,
        {**stat, "name": "d", "type": "dir", "size": 4096},
        {**stat, "name": "l", "type": "link", "link_target": "/x", "last_modified": "2026-01-15T12:00:00Z"},
        {"name": "sparse", "type": "weird", "size": None, "last_modified": None},
        {"name": 7, "size": "12", "permissions": None, "user": None, "group": None, "last_modified": "bad"},
        {**stat, "name": "same time again"},
    ]
    assert entries_from_docs(docs) == tuple(Entry.from_doc(doc) for doc in docs)
    assert entries_from_docs([]) == ()


def test_entries_from_docs_fast_time_path_matches_parse_time() -> None:
    """Distinct, shared, naive, ``Z``, empty and missing stamps all parse as :func:`parse_time` does."""
    stamps = [
        "2026-01-15 12:00:00+00:00",
        "2026-01-15 12:00:00+00:00",
        "2026-01-15T13:00:00Z",
        "2026-01-15T14:00:00",  # naive means UTC
        "2026-01-15T15:00:00+02:00",
        "",
        None,
    ]
    docs = [{"name": f"f{i}", "type": "file", "size": i, "last_modified": s} for i, s in enumerate(stamps)]
    docs.append({"name": "no stamp key", "type": "dir"})
    entries = entries_from_docs(iter(docs))  # any iterable, not only lists
    assert [e.last_modified for e in entries] == [parse_time(s) for s in stamps] + [None]
    assert all(e.last_modified is None or e.last_modified.tzinfo is not None for e in entries)
    assert entries == tuple(Entry.from_doc(doc) for doc in docs)
    # One bad stamp sends the set through parse_time: the good ones still parse, the bad one is None.
    mixed = entries_from_docs([{"name": "a", "last_modified": "yesterday"}, {"name": "b", "last_modified": stamps[0]}])
    assert [e.last_modified for e in mixed] == [None, parse_time(stamps[0])]


def test_entry_is_immutable_comparable_and_hashable() -> None:
    entry = Entry("a", "file", 1, None)
    assert entry == Entry(name="a", type="file", size=1, last_modified=None, permissions="", user="", group="")
    assert hash(entry) == hash(Entry("a", "file", 1, None))
    assert {entry, Entry("a", "file", 1, None)} == {entry}
    try:
        entry.name = "b"  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("Entry must stay immutable")
    assert entry.link_target is None and not entry.is_dir and not entry.is_invalid_link
    assert Entry("x", "invalid_symlink", 0, None).is_invalid_link
    assert entries_from_docs([{"name": "x", "type": "invalid_symlink"}])[0].is_invalid_link


def file_list_body(docs: list[dict[str, Any]], **envelope: Any) -> bytes:
    return json.dumps({"DATA_TYPE": "file_list", "path": "/p/", "total": len(docs), "DATA": docs, **envelope}).encode()


def test_decode_file_list_builds_the_same_entries_as_the_general_path() -> None:
    stat = recorded(globus_sdk.TransferClient.operation_stat)
    docs = [
        stat,
        {**stat, "name": "d", "type": "dir", "size": 4096, "user": "alice"},
        {**stat, "name": "l", "type": "file", "link_target": "/x", "last_modified": "2026-01-15T12:00:00Z"},
        {**stat, "name": "gone", "type": "invalid_symlink", "last_modified": None},
        {"DATA_TYPE": "file", "name": "[b]ü\x1b", "type": "file", "size": 5, "permissions": "0600",
         "last_modified": "2026-01-15 12:00:00+00:00", "extra": {"ignored": True}},  # fields=: no owner, an unknown key
    ]
    page = decode_file_list(file_list_body(docs, has_next_page=True))
    assert page is not None
    assert page.DATA == entries_from_docs(docs) == tuple(Entry.from_doc(doc) for doc in docs)
    assert (page.path, page.total, page.has_next_page) == ("/p/", 5, True)
    assert page.DATA[4].name == "[b]ü\x1b" and page.DATA[4].user == ""
    empty = decode_file_list(b'{"DATA_TYPE": "file_list", "DATA": []}')
    assert empty is not None and empty.DATA == () and empty.path is None


def test_decode_file_list_leaves_unusual_documents_to_the_general_path() -> None:
    good = {"name": "a", "type": "file", "size": 1, "last_modified": "2026-01-15 12:00:00+00:00"}
    for odd in (
        {**good, "size": None},
        {**good, "size": "12"},
        {**good, "type": "weird"},
        {**good, "permissions": None},
        {**good, "last_modified": "2026-01-15T14:00:00"},  # naive: UTC is assumed there
        {**good, "last_modified": "yesterday"},
        {key: value for key, value in good.items() if key != "name"},
    ):
        assert decode_file_list(file_list_body([good, odd])) is None, odd
    assert decode_file_list(b"not json") is None


def _names(listing: Listing) -> list[str]:
    return [entry.name for entry in listing.entries]


def test_a_first_page_is_incomplete_until_its_pages_are_merged() -> None:
    def page(names: str, offset: int, total: int) -> Listing:
        return Listing("c", "/x/", tuple(Entry(n, "file", 1, None) for n in names), total=total, offset=offset)

    first = page("ab", 0, 5)
    assert (first.complete, first.expected) == (False, 5)
    merged = first.extended(page("cd", 2, 5)).extended(page("e", 4, 5))
    assert (_names(merged), merged.complete, merged.offset) == (list("abcde"), True, 0)
    assert Listing("c", "/x/", ()).complete  # a service that gives no total gave everything


def test_a_page_that_moved_on_by_an_insert_loses_its_repeated_names() -> None:
    def page(names: str, offset: int, total: int) -> Listing:
        return Listing("c", "/x/", tuple(Entry(n, "file", 1, None) for n in names), total=total, offset=offset)

    # "0" was created before the second page was read: everything moved one place on.
    merged = page("ab", 0, 4).extended(page("bc", 2, 5)).extended(page("d", 4, 5))
    assert _names(merged) == list("abcd")
    assert not merged.complete  # 4 names of the 5 counted ("0" came before the pages read)
    done = merged.finished()
    assert (done.complete, done.total, _names(done)) == (True, 4, list("abcd"))


def test_a_rule_a_role_implies_has_no_id_of_its_own() -> None:
    """Transfer lists the access an administrator or access manager role gives as a rule with role_id set
    and no id: gterm keys it by the role and knows it cannot be changed or deleted as a rule."""
    implied = Rule.from_doc({"DATA_TYPE": "access", "id": None, "principal_type": "identity", "principal": "p",
                             "path": "/", "permissions": "rw", "role_id": "role-1", "role_type": "access_manager",
                             "create_time": "2026-01-15T12:00:00+00:00", "expiration_date": None})
    assert implied.from_role and implied.id == "" and implied.key == "role:role-1"
    assert implied.role_type == "access_manager"
    plain = Rule.from_doc({"id": "r", "principal_type": "anonymous", "principal": "", "path": "/",
                           "permissions": "r", "role_id": None, "role_type": None})
    assert not plain.from_role and plain.key == "r"

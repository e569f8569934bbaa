"""Directory listings and stat documents in Transfer's ``file_list`` / ``file`` shapes.

Built for 100,000-entry directories: one ``os.scandir`` pass with one ``lstat``
per entry, plain tuples for filtering and sorting, and the JSON body written
once by string formatting (no per-entry dicts, no json.dumps of a big tree).

Items hold the file system's names (``surrogateescape`` text for bytes that are
not UTF-8); documents carry Transfer's spelling of them (``wire_names``), put
in only on the rare page that needs it.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
import stat as stat_mod
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _q
from operator import itemgetter
from typing import Any, NamedTuple

from gterm.sandbox.collections import collection_path
from gterm.sandbox.confined import Root
from gterm.sandbox.errors import ApiError
from gterm.sandbox.temporaries import is_temporary
from gterm.sandbox.wire_names import from_wire, path_to_wire, to_wire

MAX_LS_ENTRIES = 100_000
GROUP = "users"


class Item(NamedTuple):
    name: str
    type: str  # file | dir | invalid_symlink
    size: int
    mtime: int
    mode: int
    user: str
    link_target: str | None  # collection path of the link target, for symlinks
    link_size: int | None
    link_mtime: int | None


_hour_cache: dict[int, str] = {}


def format_time(ts: int) -> str:
    """Transfer's ls time format: ``YYYY-MM-DD HH:MM:SS+00:00`` (UTC).

    A directory of 100,000 files can hold 100,000 distinct mtimes but few
    distinct hours: ``YYYY-MM-DD HH:`` is looked up per hour and the rest is
    arithmetic, several times cheaper than ``strftime`` per entry.
    """
    hour, seconds = divmod(ts, 3600)
    prefix = _hour_cache.get(hour)
    if prefix is None:
        if len(_hour_cache) > 100_000:
            _hour_cache.clear()
        prefix = _hour_cache[hour] = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%d %H:")
    return "%s%02d:%02d+00:00" % (prefix, seconds // 60, seconds % 60)  # noqa: UP031 - per entry; % is fastest


def owner_of(path: str) -> str:
    """Deterministic POSIX owner shown for entries of a directory (homes belong to their user)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "home":
        return parts[1]
    return "gterm"


def entry_owner(dir_path: str) -> str | None:
    """The ``user`` of every entry listed in ``dir_path``; None: each its own name (the homes in ``/home``)."""
    return None if dir_path.rstrip("/") == "/home" else owner_of(dir_path)


def item_from_stat(root: Root, dir_parts: Sequence[str], name: str, st: os.stat_result, user: str) -> Item:
    """The Item of ``name`` in the directory at ``dir_parts``, from its lstat ``st``.

    A link is followed now, beneath the root only.
    """
    mode = st.st_mode
    if stat_mod.S_ISLNK(mode):
        found = root.link_target(dir_parts, name)  # followed now, beneath the root only
        if found is None:
            # Broken, or pointing outside the collection: never reveal or follow it.
            return Item(name, "invalid_symlink", st.st_size, int(st.st_mtime), mode, user, None,
                        st.st_size, int(st.st_mtime))
        parts, tst = found
        kind = "dir" if stat_mod.S_ISDIR(tst.st_mode) else "file"
        target = collection_path(parts, kind == "dir")
        return Item(name, kind, tst.st_size, int(tst.st_mtime), tst.st_mode, user, target,
                     st.st_size, int(st.st_mtime))
    kind = "dir" if stat_mod.S_ISDIR(mode) else "file"
    return Item(name, kind, st.st_size, int(st.st_mtime), mode, user, None, None, None)


def scan(root: Root, dir_fd: int, dir_parts: Sequence[str], dir_path: str, show_hidden: bool) -> list[Item]:
    """All entries of a directory opened beneath ``root`` (one lstat each; the hot loop of a 100k listing).

    ``dir_parts`` is where the directory is beneath the root (links resolved):
    links listed in it are followed from there, and only inside the root.
    """
    items: list[Item] = []
    append = items.append
    make = Item._make
    is_dir = stat_mod.S_ISDIR
    user = entry_owner(dir_path)
    with os.scandir(dir_fd) as it:
        for entry in it:
            name = entry.name
            if name[0] == "." and (not show_hidden or is_temporary(name)):
                continue  # hidden, or a copy or upload in flight
            try:
                st = entry.stat(follow_symlinks=False)
                owner = user or name
                if entry.is_symlink():
                    append(item_from_stat(root, dir_parts, name, st, owner))
                    continue
            except OSError:
                continue  # vanished between readdir and stat
            mode = st.st_mode
            append(make((name, "dir" if is_dir(mode) else "file", st.st_size, int(st.st_mtime),
                         mode, owner, None, None, None)))
    return items


UNSTATED = -1
"""``size`` of an Item made to test a filter before its file facts are read (see :mod:`gterm.sandbox.names_listing`)."""

#: Orderby and filter fields that need no file facts: an order on these sorts names and types only.
NAME_FIELDS = frozenset({"name", "type", "user", "group"})


class SortedItems:
    """A listing read whole with its file facts and sorted: its pages are slices."""

    def __init__(self, items: list[Item]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def read(self, root: Root, dir_fd: int, dir_parts: Sequence[str], offset: int, limit: int) -> list[Item]:
        """Entries ``offset`` to ``offset + limit``, as read with the whole listing (``NamesListing.read``'s shape)."""
        return self._items[offset: offset + limit]


def read_facts(root: Root, dir_fd: int, dir_parts: Sequence[str], names: list[str], owner: str | None) -> list[Item]:
    """The Items of ``names`` in the directory open as ``dir_fd``, read now; names gone since drop out.

    ``owner`` is every entry's ``user``; None: each entry's own name (``/home``).
    """
    items: list[Item] = []
    append = items.append
    make = Item._make
    is_dir, is_link = stat_mod.S_ISDIR, stat_mod.S_ISLNK
    lstat = os.stat
    for name in names:
        try:
            st = lstat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            continue  # gone since the directory was read
        mode = st.st_mode
        if is_link(mode):
            append(item_from_stat(root, dir_parts, name, st, owner or name))
            continue
        append(make((name, "dir" if is_dir(mode) else "file", st.st_size, int(st.st_mtime), mode,
                     owner or name, None, None, None)))
    return items


def stat_item(root: Root, parts: Sequence[str], path: str) -> Item:
    """One entry for ``path`` itself (the link itself when it is a symlink), looked up beneath ``root``."""
    st = root.stat(parts)
    name = path.rstrip("/").rsplit("/", 1)[-1] or "/"
    parent = root.canonical(parts[:-1]) if parts else ()
    item = item_from_stat(root, parent, parts[-1] if parts else "", st, owner_of(path))
    return on_wire(item._replace(name=name))


def on_wire(item: Item) -> Item:
    """``item`` with its name and link target in Transfer's spelling (bytes that are not UTF-8)."""
    target = item.link_target
    return item._replace(name=to_wire(item.name), link_target=path_to_wire(target) if target else target)


# --------------------------------------------------------------------------- JSON


# --------------------------------------------------------------------------- fields

#: The keys of a ``file`` document, in the order the full document has them.
FILE_FIELDS: tuple[str, ...] = (
    "DATA_TYPE", "name", "type", "link_target", "permissions", "size", "user", "group",
    "last_modified", "link_group", "link_last_modified", "link_size", "link_user",
)


def parse_fields(values: list[str]) -> tuple[str, ...] | None:
    """Transfer's ``fields`` query parameter: which keys each returned document keeps.

    ``None`` (no parameter) means the whole document. ``DATA_TYPE`` is always
    kept, as Transfer does; names a ``file`` document does not have are
    ignored, so a client asking for a field this service lacks still gets
    the rest.
    """
    wanted = {name.strip() for value in values for name in value.split(",") if name.strip()}
    if not wanted:
        return None
    return tuple(name for name in FILE_FIELDS if name in wanted or name == "DATA_TYPE")


# field -> the Python expression giving its JSON text for an Item ``i`` (see _encoder_for).
_FIELD_EXPRESSIONS: dict[str, str] = {
    "DATA_TYPE": "'\"file\"'",
    "name": "_q(i.name)",
    "type": "'\"' + i.type + '\"'",
    "link_target": "'null' if i.link_target is None else _q(i.link_target)",
    "permissions": "'\"%04o\"' % (i.mode & 0o7777)",
    "size": "str(i.size)",
    "user": "_q(i.user)",
    "group": "'\"' + GROUP + '\"'",
    "last_modified": "'\"' + format_time(i.mtime) + '\"'",
    "link_group": "'null' if i.link_size is None else '\"' + GROUP + '\"'",
    "link_last_modified": "'null' if i.link_size is None else '\"' + format_time(i.link_mtime or 0) + '\"'",
    "link_size": "'null' if i.link_size is None else str(i.link_size)",
    "link_user": "'null' if i.link_size is None else _q(i.user)",
}


# Plain files and directories (no link_size): the link facts are null, written into the template.
_PLAIN_CONSTANTS: dict[str, str] = {
    "DATA_TYPE": '"file"',
    "group": '"' + GROUP + '"',
    "link_target": "null",
    "link_group": "null",
    "link_last_modified": "null",
    "link_size": "null",
    "link_user": "null",
}


@functools.lru_cache(maxsize=32)
def _encoder_for(fields: tuple[str, ...]) -> Callable[[Item], str]:
    """The JSON text of an Item's ``file`` document with just ``fields``.

    Built as one lambda from the expressions above (as ``collections.namedtuple``
    builds its methods), so a 100,000-entry page costs one call per entry
    rather than one per field. Plain entries (the vast majority) take a
    template with their constant fields already written in.
    """

    def template(constants: dict[str, str]) -> tuple[str, str]:
        parts = [f'"{name}":' + constants[name].replace("%", "%%") if name in constants else f'"{name}":%s'
                 for name in fields]
        arguments = "".join(f"({_FIELD_EXPRESSIONS[name]})," for name in fields if name not in constants)
        return repr("{" + ",".join(parts) + "}"), arguments

    plain_text, plain_args = template(_PLAIN_CONSTANTS)
    linked_text, linked_args = template({})
    source = f"lambda i: {linked_text} % ({linked_args}) if i.link_size is not None else {plain_text} % ({plain_args})"
    namespace = {"_q": _q, "format_time": format_time, "GROUP": GROUP}
    encoder: Callable[[Item], str] = eval(source, namespace)  # noqa: S307 - the source is built from the constants above only
    return encoder


entry_json: Callable[[Item], str] = _encoder_for(FILE_FIELDS)
"""The whole ``file`` document of an Item, as JSON text."""


def entry_doc(item: Item) -> dict[str, object]:
    doc: dict[str, object] = json.loads(entry_json(item))  # one entry: reuse the exact same shape
    return doc


def file_list_json(
    items: list[Item],
    *,
    path: str,
    collection_id: str,
    total: int,
    symlink_supported: bool,
    fields: tuple[str, ...] | None = None,
) -> bytes:
    """A ``file_list`` document: ``length`` entries in DATA, ``total`` in the whole (filtered) listing.

    The envelope has the keys Transfer's own answers have (recorded in
    globus-cli's test fixtures): no ``offset``, ``limit`` or ``has_next_page``
    -- a client paging with ``limit``/``offset`` knows there is more while
    ``offset + length < total``; ``absolute_path`` null (the recorded GCSv5
    answers say null, for "/~/" too) and ``symlink_supported`` as the caller
    says (true on GCSv5 there).
    """
    encode = _encoder_for(fields or FILE_FIELDS)
    body = ",".join(map(encode, items))
    if "\\udc" in body:
        # A name (or link target) whose bytes are not UTF-8 came out as a lone surrogate
        # escape, which Transfer never sends: write the page again in its spelling.
        body = ",".join(encode(on_wire(item)) for item in items)
    head = (
        '{"DATA_TYPE":"file_list","path":%s,"absolute_path":null,"endpoint":%s,"length":%d,'  # noqa: UP031 - a template
        '"total":%d,"rename_supported":true,"symlink_supported":%s,'
        '"DATA":['
    ) % (_q(path), _q(collection_id), len(items), total, "true" if symlink_supported else "false")
    return (head + body + "]}").encode("ascii")


# --------------------------------------------------------------------------- orderby


# Item fields by position (itemgetter runs in C: a 1,000,000-entry sort pays no Python call per entry).
_SORT_FIELDS: dict[str, Callable[[Item], Any]] = {
    "name": itemgetter(0),
    "type": itemgetter(1),
    "size": itemgetter(2),
    "last_modified": itemgetter(3),
    "permissions": lambda i: i.mode & 0o7777,
    "user": itemgetter(5),
    "group": lambda i: GROUP,
}


def parse_orderby(values: list[str]) -> list[tuple[str, bool]]:
    """Transfer's ``orderby``: ``"type,name DESC"`` (or repeated params) -> [(field, descending)].

    Each comma-separated option is a field name, optionally followed by a
    space and ``ASC`` or ``DESC``; the fields are the ``file`` document's
    sortable ones (globus-cli offers the same seven).
    """
    keys: list[tuple[str, bool]] = []
    for value in values:
        for clause in value.split(","):
            words = clause.split()
            if not words:
                continue
            field = words[0]
            direction = words[1].upper() if len(words) > 1 else "ASC"
            if field not in _SORT_FIELDS or direction not in ("ASC", "DESC") or len(words) > 2:
                raise ApiError(400, "ClientError.BadRequest", f"Invalid orderby clause '{clause}'")
            keys.append((field, direction == "DESC"))
    return keys


def sort_items(items: list[Item], keys: list[tuple[str, bool]]) -> None:
    """Sort by ``keys``; ties (and no keys at all) go by name, ascending.

    The name order underneath makes the order total, so the pages of one
    listing (``limit``/``offset``) never overlap or skip an entry, whatever
    the keys (names are unique within a directory). Stable sorts, last key
    first, each reversed for ``DESC`` (a reversed sort is still stable).
    """
    items.sort(key=itemgetter(0))
    for field, descending in reversed(keys):
        if field in ("name", "group") and not descending:
            continue  # already in name order; group is one value for all
        items.sort(key=_SORT_FIELDS[field], reverse=descending)


# --------------------------------------------------------------------------- filter

Predicate = Callable[[Item], bool]
_CMP = re.compile(r"^(>=|<=|!=|>|<|=)(.*)$")


def _bad(clause: str) -> ApiError:
    return ApiError(400, "ClientError.BadRequest", f"Invalid filter '{clause}'")


def _parse_time(text: str, clause: str) -> int:
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _bad(clause) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _compare(op: str, value: int, attr: Callable[[Item], int]) -> Predicate:
    ops: dict[str, Callable[[int, int], bool]] = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
    }
    fn = ops[op]
    return lambda i: fn(attr(i), value)


def _name_predicate(spec: str) -> Predicate:
    negate = spec.startswith("!")
    if negate:
        spec = spec[1:]
    if spec.startswith("~"):
        patterns = [fnmatch.translate(p.lower()) for p in spec[1:].split(",")]
        rx = re.compile("|".join(f"(?:{p})" for p in patterns), re.DOTALL)
        pred: Predicate = lambda i: rx.match(i.name.lower()) is not None  # noqa: E731
    else:
        names = {from_wire(n) for n in (spec[1:] if spec.startswith("=") else spec).split(",")}
        pred = lambda i: i.name in names  # noqa: E731
    return (lambda i: not pred(i)) if negate else pred


def _clause_predicate(clause: str) -> Predicate:
    field, sep, spec = clause.partition(":")
    if not sep:
        raise _bad(clause)
    if field == "name":
        return _name_predicate(spec)
    if field == "type":
        negate = spec.startswith("!=")
        spec = spec[2:] if negate else spec.lstrip("=")
        wanted = set(spec.split(","))
        if not wanted <= {"file", "dir", "invalid_symlink"}:
            raise _bad(clause)
        if negate:
            return lambda i: i.type not in wanted
        return lambda i: i.type in wanted
    if field == "size":
        m = _CMP.match(spec)
        try:
            op, value = (m.group(1), int(m.group(2))) if m else ("=", int(spec))
        except ValueError:
            raise _bad(clause) from None
        return _compare(op, value, lambda i: i.size)
    if field == "last_modified":
        m = _CMP.match(spec)
        if m:
            return _compare(m.group(1), _parse_time(m.group(2), clause), lambda i: i.mtime)
        start, comma, end = spec.partition(",")
        if not comma:
            raise _bad(clause)
        preds: list[Predicate] = []
        if start.strip():
            preds.append(_compare(">=", _parse_time(start, clause), lambda i: i.mtime))
        if end.strip():
            preds.append(_compare("<", _parse_time(end, clause), lambda i: i.mtime))
        return lambda i: all(p(i) for p in preds)
    if field in ("permissions", "user", "group"):
        negate = spec.startswith("!=")
        values = set((spec[2:] if negate else spec.lstrip("=")).split(","))
        getter: Callable[[Item], str] = {
            "permissions": lambda i: f"{i.mode & 0o7777:04o}",
            "user": lambda i: i.user,
            "group": lambda i: GROUP,
        }[field]
        return (lambda i: getter(i) not in values) if negate else (lambda i: getter(i) in values)
    raise _bad(clause)


def filter_fields(values: list[str]) -> set[str]:
    """The fields the filter clauses of ``values`` test (as :func:`parse_filters` splits them)."""
    return {clause.partition(":")[0] for value in values for clause in value.split("/") if clause}


def parse_filters(values: list[str]) -> list[Predicate]:
    """Globus filter syntax: clauses joined by "/" (and repeated params) must all hold."""
    preds: list[Predicate] = []
    for value in values:
        for clause in value.split("/"):
            if clause:
                preds.append(_clause_predicate(clause))
    return preds

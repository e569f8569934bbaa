"""File operation routes: ls, stat, mkdir, rename (checked by collections.resolve, done beneath the root)."""

from __future__ import annotations

import errno
import os
import stat
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from gterm.sandbox import confined, names_listing, pauses
from gterm.sandbox import file_listing as fl
from gterm.sandbox.collections import (
    CollectionRecord,
    ResolvedPath,
    leaves_collection,
    open_root,
    resolve,
)
from gterm.sandbox.errors import ApiError
from gterm.sandbox.gcs_transfer import is_gcsv5
from gterm.sandbox.listing_cache import NAMES_TTL, directory_stamp
from gterm.sandbox.request_parsing import bool_param, int_param, text_field
from gterm.sandbox.state import SandboxState
from gterm.sandbox.transfer_http import result_doc

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal


def _not_found(path: str, coll: CollectionRecord, code: str = "ClientError.NotFound") -> ApiError:
    return ApiError(404, code, f"Path not found: '{path}' on collection '{coll.display_name}' ({coll.id})")


def _rename_failed(exc: OSError, old: str, new: str) -> ApiError:
    """A rename the file system refused, told in collection paths (never the host's)."""
    if exc.errno == errno.EXDEV:
        return ApiError(409, "Conflict", f"Rename failed: '{old}' and '{new}' are on different file systems;"
                                         " transfer the data and delete the original instead")
    if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
        return ApiError(502, "ExternalError.RenameFailed.Exists", f"Rename failed: '{new}' already exists")
    if exc.errno in (errno.ENOTDIR, errno.EISDIR, errno.EINVAL):
        return ApiError(400, "ClientError.BadRequest", f"Rename failed: '{old}' cannot replace or enter '{new}'")
    return ApiError(502, "ExternalError.RenameFailed", f"Rename of '{old}' to '{new}' failed: {exc.strerror}")


def operation_ls(state: SandboxState, principal: Principal, request: Request) -> Response:
    q = request.query_params
    where = resolve(state, principal, request.path_params["endpoint_id"], q.get("path", ""), "r")
    pauses.check_operation(state, principal, where.collection, "pause_ls")
    with open_root(where.collection) as root:
        dir_fd = _open_listed_dir(root, where)
        try:
            return _listing(state, request, where, root, dir_fd)
        finally:
            os.close(dir_fd)


def _open_listed_dir(root: confined.Root, where: ResolvedPath) -> int:
    """The directory to list, opened beneath the root now (404 missing, 502 not a directory)."""
    try:
        if not root.exists(where.parts):
            raise _not_found(where.path, where.collection)
        return root.open_dir(where.parts)
    except confined.OutsideRoot:
        raise leaves_collection(where.path) from None
    except OSError:
        raise ApiError(
            502, "ExternalError.DirListingFailed.NotDirectory",
            f"Directory listing failed: '{where.path}' is not a directory",
        ) from None


def _listing(
    state: SandboxState, request: Request, where: ResolvedPath, root: confined.Root, dir_fd: int
) -> Response:
    q = request.query_params
    coll = where.collection
    show_hidden = bool_param(request, "show_hidden", True)
    limit = int_param(request, "limit", fl.MAX_LS_ENTRIES, 0, fl.MAX_LS_ENTRIES)
    offset = int_param(request, "offset", 0, 0, 10**9)
    orderby = q.getlist("orderby")
    filters = q.getlist("filter")
    order = fl.parse_orderby(orderby)
    preds = fl.parse_filters(filters)
    fields = fl.parse_fields(q.getlist("fields"))

    if state.config.listing_delay > 0:
        time.sleep(state.config.listing_delay)  # a handler thread of its own: other requests go on
    # Where the directory really is (links resolved), for the links listed in it.
    try:
        dir_parts = root.canonical(where.parts)
    except confined.OutsideRoot:
        raise leaves_collection(where.path) from None
    # An order and filter on names and types need no lstat per entry: only the page's are read,
    # as it is sent (names_listing), so such a listing kept from an earlier request is as fresh
    # as a new read (same entries, see listing_cache) and serves any page; one sorted by file
    # facts serves only the pages after its first.
    names_only = {field for field, _ in order} | fl.filter_fields(filters) <= fl.NAME_FIELDS
    kept = state.kept_listings
    key = (coll.id, dir_parts, show_hidden, tuple(filters), tuple(orderby))
    stamp = directory_stamp(dir_fd)
    listing = kept.get(key, stamp) if offset > 0 or names_only else None
    if listing is None and names_only:
        listing = names_listing.scan(root, dir_fd, dir_parts, where.path, show_hidden=show_hidden,
                                     predicates=preds, keys=order)
    elif listing is None:
        items = fl.scan(root, dir_fd, dir_parts, where.path, show_hidden)
        for pred in preds:
            items = [i for i in items if pred(i)]
        fl.sort_items(items, order)
        listing = fl.SortedItems(items)
    total = len(listing)
    if offset + limit < total or (names_only and total > limit):
        kept.put(key, stamp, listing, ttl=NAMES_TTL if names_only else None)
    else:
        kept.drop(key)
    page = listing.read(root, dir_fd, dir_parts, offset, limit)
    # GCSv5 says it supports symlinks (globus-cli's recorded answers); what others say is not recorded.
    body = fl.file_list_json(page, path=where.path, collection_id=coll.id, total=total, fields=fields,
                             symlink_supported=is_gcsv5(coll))
    return Response(body, media_type="application/json")


def operation_stat(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    where = resolve(state, principal, request.path_params["endpoint_id"],
                    request.query_params.get("path", ""), "r")
    with open_root(where.collection) as root:
        try:
            item = fl.stat_item(root, where.parts, where.path)
        except confined.OutsideRoot:
            raise leaves_collection(where.path) from None
        except OSError:
            raise _not_found(where.path, where.collection, code="NotFound") from None
    return fl.entry_doc(item)


def _parent_path(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[0] + "/"


def _is_dir(root: confined.Root, parts: tuple[str, ...]) -> bool:
    try:
        return stat.S_ISDIR(root.stat(parts, follow_last=True).st_mode)
    except OSError:
        return False


def operation_mkdir(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    path = text_field(body, "path")
    assert path is not None
    where = resolve(state, principal, request.path_params["endpoint_id"], path, "rw")
    pauses.check_operation(state, principal, where.collection, "pause_mkdir")
    if where.path == "/":
        raise ApiError(502, "ExternalError.MkdirFailed.Exists", "Path already exists: '/'")
    exists = ApiError(502, "ExternalError.MkdirFailed.Exists", f"Path already exists: '{where.path}'")
    with open_root(where.collection) as root:
        try:
            if root.exists(where.parts):
                raise exists
            if not _is_dir(root, where.parts[:-1]):
                raise _not_found(_parent_path(where.path), where.collection)
            root.mkdir(where.parts)
        except FileExistsError:
            raise exists from None
        except confined.OutsideRoot:
            raise leaves_collection(where.path) from None
    return result_doc(request, "mkdir_result", "DirectoryCreated",
                   "The directory was created successfully")


def operation_rename(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    old_path = text_field(body, "old_path")
    new_path = text_field(body, "new_path")
    assert old_path is not None and new_path is not None
    cid = request.path_params["endpoint_id"]
    old = resolve(state, principal, cid, old_path, "rw")
    new = resolve(state, principal, cid, new_path, "rw")
    pauses.check_operation(state, principal, old.collection, "pause_rename")
    if old.path == "/" or new.path == "/":
        raise ApiError(400, "ClientError.BadRequest", "The collection root cannot be renamed")
    with open_root(old.collection) as root:
        try:
            if not root.exists(old.parts):
                raise _not_found(old.path, old.collection)
            if root.exists(new.parts):
                raise ApiError(502, "ExternalError.RenameFailed.Exists",
                               f"Rename failed: '{new.path}' already exists")
            if not _is_dir(root, new.parts[:-1]):
                raise _not_found(_parent_path(new.path), new.collection)
            moved = root.canonical(old.parts, follow_last=False)  # the entry itself, not where a link leads
            new_parent = root.canonical(new.parts[:-1])
            if stat.S_ISDIR(root.stat(old.parts).st_mode) and new_parent[: len(moved)] == moved:
                raise ApiError(400, "ClientError.BadRequest", "A directory cannot be moved into itself")
        except confined.OutsideRoot:
            raise leaves_collection(old.path) from None
        try:
            # renameat between the two parents: a link is moved, never followed; a relative link
            # that now points outside is harmless, as every later access refuses to follow it.
            root.rename(old.parts, new.parts)
        except confined.OutsideRoot:
            raise leaves_collection(old.path) from None
        except OSError as exc:
            raise _rename_failed(exc, old.path, new.path) from None
    return result_doc(request, "result", "FileRenamed", "File or directory renamed successfully")

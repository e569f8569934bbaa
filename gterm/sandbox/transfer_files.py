"""File operation routes: ls, stat, mkdir, rename (all through collections.resolve)."""

from __future__ import annotations

import errno
import os
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from gterm.sandbox import file_listing as fl
from gterm.sandbox import pauses
from gterm.sandbox.collections import CollectionRecord, resolve
from gterm.sandbox.errors import ApiError
from gterm.sandbox.listing_cache import directory_stamp
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
    coll = where.collection
    pauses.check_operation(state, principal, coll, "pause_ls")
    fs_path = str(where.fs_path)
    if not os.path.lexists(fs_path):
        raise _not_found(where.path, coll)
    if not os.path.isdir(fs_path):
        raise ApiError(
            502, "ExternalError.DirListingFailed.NotDirectory",
            f"Directory listing failed: '{where.path}' is not a directory",
        )
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
    # A page after the first reuses the sorted listing its first page read (see listing_cache).
    kept = state.kept_listings
    key = (coll.id, fs_path, show_hidden, tuple(filters), tuple(orderby))
    stamp = directory_stamp(fs_path)
    items = kept.get(key, stamp) if offset > 0 else None
    if items is None:
        # An order and filter on names and types need no lstat per entry: only the page's are read.
        names_only = {field for field, _ in order} | fl.filter_fields(filters) <= fl.NAME_FIELDS
        items = (fl.scan_names if names_only else fl.scan)(coll, fs_path, where.path, show_hidden)
        for pred in preds:
            items = [i for i in items if pred(i)]
        fl.sort_items(items, order)
    total = len(items)
    if offset + limit < total:
        kept.put(key, stamp, items)
    else:
        kept.drop(key)
    page = fl.with_facts(coll, fs_path, items[offset: offset + limit])
    body = fl.file_list_json(page, path=where.path, collection_id=coll.id, total=total, fields=fields)
    return Response(body, media_type="application/json")


def operation_stat(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    where = resolve(state, principal, request.path_params["endpoint_id"],
                    request.query_params.get("path", ""), "r")
    if not os.path.lexists(where.fs_path):
        raise _not_found(where.path, where.collection, code="NotFound")
    return fl.entry_doc(fl.stat_item(where.collection, str(where.fs_path), where.path))


def operation_mkdir(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    path = text_field(body, "path")
    assert path is not None
    where = resolve(state, principal, request.path_params["endpoint_id"], path, "rw")
    pauses.check_operation(state, principal, where.collection, "pause_mkdir")
    if where.path == "/":
        raise ApiError(502, "ExternalError.MkdirFailed.Exists", "Path already exists: '/'")
    target = where.fs_path
    if os.path.lexists(target):
        raise ApiError(502, "ExternalError.MkdirFailed.Exists",
                       f"Path already exists: '{where.path}'")
    if not target.parent.is_dir():
        raise _not_found(where.path.rstrip("/").rsplit("/", 1)[0] + "/", where.collection)
    try:
        os.mkdir(target)
    except FileExistsError:
        raise ApiError(502, "ExternalError.MkdirFailed.Exists",
                       f"Path already exists: '{where.path}'") from None
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
    if not os.path.lexists(old.fs_path):
        raise _not_found(old.path, old.collection)
    if os.path.lexists(new.fs_path):
        raise ApiError(502, "ExternalError.RenameFailed.Exists",
                       f"Rename failed: '{new.path}' already exists")
    if not new.fs_path.parent.is_dir():
        raise _not_found(new.path.rstrip("/").rsplit("/", 1)[0] + "/", new.collection)
    old_real = os.path.realpath(old.fs_path)
    new_parent = os.path.realpath(new.fs_path.parent)
    if old.fs_path.is_dir() and not old.fs_path.is_symlink() and (
        new_parent == old_real or new_parent.startswith(old_real.rstrip("/") + "/")
    ):
        raise ApiError(400, "ClientError.BadRequest", "A directory cannot be moved into itself")
    try:
        os.rename(old.fs_path, new.fs_path)
    except OSError as exc:
        raise _rename_failed(exc, old.path, new.path) from None
    return result_doc(request, "result", "FileRenamed", "File or directory renamed successfully")

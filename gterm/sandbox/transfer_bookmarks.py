"""Bookmark routes: per identity, unique names, paths ending in "/"."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from gterm.sandbox.collections import get_collection
from gterm.sandbox.errors import ApiError
from gterm.sandbox.request_parsing import FIELD_LIMITS, body_object, bool_field, check_path, text_field
from gterm.sandbox.state import SandboxState
from gterm.sandbox.transfer_http import result_doc

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal


MAX_BOOKMARK_NAME = FIELD_LIMITS["bookmark_name"]


def _bookmark_doc(row: Any) -> dict[str, Any]:
    return {
        "DATA_TYPE": "bookmark",
        "id": row["id"],
        "name": row["name"],
        "endpoint_id": row["endpoint_id"],
        "path": row["path"],
        "pinned": bool(row["pinned"]),
    }


def _bookmark_name(body: Any) -> str:
    name = (text_field(body, "name", limit=MAX_BOOKMARK_NAME) or "").strip()
    if not name or len(name) > MAX_BOOKMARK_NAME:
        raise ApiError(400, "ClientError.BadRequest",
                       f"Bookmark name must be 1 to {MAX_BOOKMARK_NAME} characters")
    return name


def _name_taken(state: SandboxState, principal: Principal, name: str, except_id: str = "") -> None:
    row = state.db.query_one(
        "SELECT id FROM bookmarks WHERE identity_id = ? AND name = ? AND id != ?",
        (principal.identity_id, name, except_id),
    )
    if row is not None:
        raise ApiError(409, "Conflict", f"A bookmark named '{name}' already exists")


def _own_bookmark(state: SandboxState, principal: Principal, bookmark_id: str) -> Any:
    row = state.db.query_one(
        "SELECT * FROM bookmarks WHERE id = ? AND identity_id = ?", (bookmark_id, principal.identity_id)
    )
    if row is None:  # someone else's bookmark is as invisible as a missing one
        raise ApiError(404, "BookmarkNotFound", f"Bookmark '{bookmark_id}' not found")
    return row


def bookmark_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    rows = state.db.query(
        "SELECT * FROM bookmarks WHERE identity_id = ? ORDER BY name COLLATE NOCASE, id",
        (principal.identity_id,),
    )
    return {"DATA_TYPE": "bookmark_list", "DATA": [_bookmark_doc(r) for r in rows]}


def create_bookmark(state: SandboxState, principal: Principal, request: Request, body: Any) -> Any:
    name = _bookmark_name(body)
    endpoint_id = text_field(body, "endpoint_id")
    path = text_field(body, "path")
    assert endpoint_id is not None and path is not None
    check_path(path)
    pinned = bool_field(body, "pinned", False)
    get_collection(state, endpoint_id)
    if not path.endswith("/"):
        raise ApiError(400, "ClientError.BadRequest", "Bookmark path must end with '/'")
    _name_taken(state, principal, name)
    bookmark_id = str(uuid.uuid4())
    try:
        state.db.execute(
            "INSERT INTO bookmarks (id, identity_id, name, endpoint_id, path, pinned)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (bookmark_id, principal.identity_id, name, endpoint_id, path, int(pinned)),
        )
    except Exception as exc:  # a concurrent create with the same name lost the race
        if "UNIQUE" in str(exc):
            raise ApiError(409, "Conflict", f"A bookmark named '{name}' already exists") from None
        raise
    return _bookmark_doc(_own_bookmark(state, principal, bookmark_id)), 201


def get_bookmark(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    return _bookmark_doc(_own_bookmark(state, principal, request.path_params["bookmark_id"]))


def update_bookmark(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    row = _own_bookmark(state, principal, request.path_params["bookmark_id"])
    body = body_object(body, "bookmark")
    for key in ("endpoint_id", "path"):
        if key in body and body[key] != row[key]:
            raise ApiError(400, "ClientError.BadRequest", f"Only the name of a bookmark can change, not '{key}'")
    name = _bookmark_name(body) if "name" in body else row["name"]
    _name_taken(state, principal, name, except_id=row["id"])
    pinned = int(bool_field(body, "pinned", bool(row["pinned"])))
    state.db.execute("UPDATE bookmarks SET name = ?, pinned = ? WHERE id = ?", (name, pinned, row["id"]))
    return _bookmark_doc(_own_bookmark(state, principal, row["id"]))


def delete_bookmark(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    row = _own_bookmark(state, principal, request.path_params["bookmark_id"])
    state.db.execute("DELETE FROM bookmarks WHERE id = ?", (row["id"],))
    return result_doc(request, "result", "Deleted", "Bookmark deleted successfully")

"""HTTPS data access to a collection's files, as Globus Connect Server v5 serves it.

Every collection has an ``https_server`` (here ``<sandbox>/https/<collection id>``);
a file's URL is that base plus its absolute collection path. What GCS does, and
so what this does:

- ``GET`` streams the file (``Range: bytes=...`` gives 206 with ``Content-Range``,
  416 when unsatisfiable, the whole file when ``If-Range`` names another
  version; ``HEAD`` the same headers without a body);
  ``?download`` asks for ``Content-Disposition: attachment``;
- ``PUT`` uploads the raw body: it is written to a temporary name in the
  destination directory (recorded in ``temporaries``, so a start after a kill
  removes it) and renamed into place only when complete, so a half-sent
  upload never appears under the final name;
- ``DELETE`` removes a file;
- the caller shows a bearer token whose resource server is the collection
  (scope ``https://auth.globus.org/scopes/<ID>/https``); a mapped collection
  that requires ``data_access`` also needs that scope on the same token;
- a request with no token is redirected (302) to Globus Auth's authorize URL
  with ``client_id=<collection id>``, as GCS does for browsers;
- guest collections apply their access rules; paths resolve as Transfer's do
  (``collections.resolve``: consent, rights, the collection root);
- a URL's path is the file name's bytes, percent-encoded (RFC 3986 encodes
  octets): it is read from the raw request path, so a name whose bytes are not
  UTF-8 (``%E9``) is addressed exactly; Transfer's spelling of such a name
  (``wire_names``) works too, as the path goes through the same resolution.

Streaming keeps memory flat: files move in 4 MiB pieces, file system calls run
on worker threads so the event loop only moves bytes. A GET costs one trip to a
worker thread (token, rights, open, and the body itself when it is at most
1 MiB), so small files are not dominated by thread hops; a PUT writes one piece
while the next arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import os
import re
import stat
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote_to_bytes, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from gterm.sandbox import auth_store, temporaries
from gterm.sandbox.collections import (
    CollectionRecord,
    Need,
    ResolvedPath,
    get_collection,
    open_root,
    resolve,
)
from gterm.sandbox.confined import Location
from gterm.sandbox.errors import ApiError
from gterm.sandbox.scopes import data_access_collection, parse_scopes
from gterm.sandbox.seed_ids import https_scope
from gterm.sandbox.state import SandboxState
from gterm.sandbox.wire_names import path_to_wire

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal

PREFIX = "/https"
PIECE = 4 << 20  # bytes read or written per step
WHOLE_BODY = 1 << 20  # a GET body up to this size is read at once and sent as one response
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_IOV_MAX = 1024  # buffers per writev call (Linux's IOV_MAX)


def https_server_url(state: SandboxState, collection_id: str) -> str:
    """The ``https_server`` value a collection document carries (no trailing slash)."""
    return f"{state.base_url.rstrip('/')}{PREFIX}/{collection_id}"


# --------------------------------------------------------------------------- the caller


def _principal(state: SandboxState, request: Request, coll: CollectionRecord) -> Principal | Response:
    """The caller from a token for this collection's resource server, or the redirect GCS sends."""
    from gterm.sandbox.auth import Principal, bearer_token, token_for  # the auth half owns tokens

    if bearer_token(request) is None:
        query = urlencode(
            {
                "client_id": coll.id,
                "scope": https_scope(coll.id),
                "response_type": "code",
                "redirect_uri": str(request.url),
            }
        )
        return RedirectResponse(f"{state.auth_url.rstrip('/')}/v2/oauth2/authorize?{query}", status_code=302)
    record = token_for(state, request, coll.id)
    if record is None:
        # GCS's HTTPS server is not Transfer: its 401 body is not Transfer's ClientError.AuthenticationFailed
        # (nothing documents one; clients read the status).
        raise ApiError(401, "AuthenticationFailed", f"Token is not valid for collection {coll.id}")
    scopes = {scope.scope_string for scope in parse_scopes(record.scope)}
    if https_scope(coll.id) not in scopes:
        raise ApiError(403, "PermissionDenied", f"Token lacks the https scope of collection {coll.id}")
    identity = auth_store.get_identity(state.db, record.identity_id)
    if identity is None:
        raise ApiError(401, "AuthenticationFailed", "Token is not active")
    request.state.principal_id = record.identity_id
    data_access = frozenset(cid for cid in map(data_access_collection, scopes) if cid)
    return Principal(record.identity_id, identity["username"], record.client_id, data_access)


def _resolve_request(state: SandboxState, request: Request, need: Need) -> ResolvedPath | Response:
    """Where the request's path leads for its caller (consent, rights, root), or the login redirect."""
    coll = get_collection(state, request.path_params["collection_id"])
    principal = _principal(state, request, coll)
    if isinstance(principal, Response):
        return principal
    # The HTTPS server's answer to ".." above "/" is not known here: refused, as before.
    return resolve(state, principal, coll.id, _collection_path(request), need, refuse_above_root=True)


def _collection_path(request: Request) -> str:
    """The collection path the URL names, from its raw bytes (the server's decoded path turns ``%E9`` into U+FFFD)."""
    raw = request.scope.get("raw_path")
    prefix = f"{PREFIX}/{request.path_params['collection_id']}".encode()
    if isinstance(raw, bytes) and raw.startswith(prefix):
        named = unquote_to_bytes(raw[len(prefix) :]).decode("utf-8", "surrogateescape")
        return path_to_wire("/" + named.lstrip("/"))
    return "/" + str(request.path_params.get("path", ""))


async def _where(state: SandboxState, request: Request, need: Need) -> ResolvedPath | Response:
    # Token lookup and path resolution touch SQLite and the file system: off the event loop.
    return await run_in_threadpool(_resolve_request, state, request, need)


# --------------------------------------------------------------------------- GET / HEAD


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single ``bytes=`` range; None for the whole file."""
    if not header:
        return None
    match = _RANGE_RE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None  # RFC 9110: an unparseable Range is ignored
    first_text, last_text = match.groups()
    if not first_text:  # a suffix: the last N bytes
        length = int(last_text)
        if length == 0:
            raise _unsatisfiable(size)
        return max(0, size - length), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if first >= size or last < first:
        raise _unsatisfiable(size)
    return first, min(last, size - 1)


def _if_range_holds(condition: str | None, etag: str, last_modified: str) -> bool:
    """RFC 9110 13.1.5: a Range counts only while ``If-Range`` (when sent) still names this version.

    An entity tag must match strongly (a weak one never does); a date must be the Last-Modified
    sent, exactly. Otherwise the whole file is the answer (200), so a client resuming a file that
    changed meanwhile starts over instead of joining two versions.
    """
    if condition is None:
        return True
    condition = condition.strip()
    if condition.startswith(('"', "W/")):
        return condition == etag
    return condition == last_modified


def _unsatisfiable(size: int) -> ApiError:
    return ApiError(416, "RangeNotSatisfiable", f"The requested range is not satisfiable (size {size})")


def _open_file(where: ResolvedPath) -> tuple[int, os.stat_result]:
    try:
        with open_root(where.collection) as root:
            fd = root.open_file(where.parts, os.O_RDONLY)  # beneath the root, opened now
    except FileNotFoundError:
        raise ApiError(404, "NotFound", f"No such file: '{where.path}'") from None
    except OSError:
        raise ApiError(403, "PermissionDenied", f"Cannot read '{where.path}'") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ApiError(400, "ClientError.BadRequest", f"'{where.path}' is not a regular file")
    return fd, info


def _pieces(fd: int, first: int, length: int) -> Iterator[bytes]:
    """The file's bytes from ``first``, ``length`` of them; closes fd when done or abandoned."""
    try:
        offset, left = first, length
        while left > 0:
            piece = os.pread(fd, min(PIECE, left), offset)
            if not piece:
                break  # the file shrank meanwhile: the client sees a short body
            offset += len(piece)
            left -= len(piece)
            yield piece
    finally:
        os.close(fd)


def _answer_get(state: SandboxState, request: Request) -> Response:
    """The whole GET or HEAD, run on a worker thread: token, rights, open, and a small body read.

    One trip off the event loop per request: for a small file those trips, not its bytes,
    are most of the cost. A body larger than PIECE streams from the open descriptor.
    """
    where = _resolve_request(state, request, "r")
    if isinstance(where, Response):
        return where
    fd, info = _open_file(where)
    headers = {
        "Accept-Ranges": "bytes",
        "Last-Modified": email.utils.formatdate(info.st_mtime, usegmt=True),
        "ETag": f'"{info.st_ino:x}-{info.st_size:x}-{info.st_mtime_ns:x}"',
    }
    try:
        span = None
        if _if_range_holds(request.headers.get("if-range"), headers["ETag"], headers["Last-Modified"]):
            span = _byte_range(request.headers.get("range"), info.st_size)
    except ApiError:
        os.close(fd)
        raise
    if "download" in request.query_params:
        name = where.path.rstrip("/").rsplit("/", 1)[-1]
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    first, last, status = 0, info.st_size - 1, 200
    if span is not None:
        first, last = span
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{info.st_size}"
    length = max(0, last - first + 1)
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        os.close(fd)
        return Response(status_code=status, headers=headers, media_type="application/octet-stream")
    if length <= WHOLE_BODY:
        body = b"".join(_pieces(fd, first, length))  # closes fd
        headers["Content-Length"] = str(len(body))  # the file may have shrunk since fstat
        return Response(body, status_code=status, headers=headers, media_type="application/octet-stream")
    return StreamingResponse(
        _pieces(fd, first, length), status_code=status, headers=headers, media_type="application/octet-stream"
    )


async def _get(state: SandboxState, request: Request) -> Response:
    return await run_in_threadpool(_answer_get, state, request)


# --------------------------------------------------------------------------- PUT


@dataclass
class _Upload:
    """An upload in progress: written to ``temp`` in the directory opened when it started, renamed there."""

    fd: int
    directory: Location  # the target's directory (descriptor) and the target's name in it
    temp: str
    record: temporaries.Record  # until it is renamed or removed: a start after a kill removes it


def _open_upload(state: SandboxState, where: ResolvedPath) -> _Upload:
    with open_root(where.collection) as root:
        try:
            if stat.S_ISDIR(root.stat(where.parts, follow_last=True).st_mode):
                raise ApiError(409, "Conflict", f"'{where.path}' is a directory")
        except OSError:
            pass  # a new file
        try:
            directory = root.locate(where.parts)
        except OSError:
            raise ApiError(404, "NotFound", f"No such directory for '{where.path}'") from None
    temp = temporaries.upload_name()
    try:
        record = temporaries.record_upload(state, directory, temp)
    except BaseException:
        directory.close()
        raise
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                     dir_fd=directory.dir_fd)
    except BaseException:  # the temporary was not made: this refusal is the answer, whatever befalls the record
        try:
            temporaries.forget_upload(state.db, record)
        finally:
            directory.close()
        raise
    return _Upload(fd, directory, temp, record)


def _write_all(fd: int, pieces: list[bytes]) -> None:
    """Write the pieces in order with writev (no joined copy of them on the event loop)."""
    views = [memoryview(piece) for piece in pieces if piece]
    while views:
        written = os.writev(fd, views[:_IOV_MAX])
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if views and written:
            views[0] = views[0][written:]


def _commit_upload(state: SandboxState, upload: _Upload) -> bool:
    """Rename the finished upload into place; True if it replaced an existing file."""
    os.close(upload.fd)
    # Closed once only: should the rename below fail, _discard closes upload.fd, and by then another thread
    # may have been given the same number for a file of its own.
    upload.fd = -1
    target, dir_fd = upload.directory.name, upload.directory.dir_fd
    assert target is not None  # PUT never names the root
    try:
        os.stat(target, dir_fd=dir_fd, follow_symlinks=False)
        existed = True
    except FileNotFoundError:
        existed = False
    os.replace(upload.temp, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    # The file is in place: the PUT has succeeded, whatever befalls the record (forget_upload raises nothing
    # over it). No finally: any other error is the caller's to handle, and _discard closes the directory.
    temporaries.forget_upload(state.db, upload.record)
    upload.directory.close()
    return existed


def _discard(state: SandboxState, upload: _Upload) -> None:
    """Remove a failed upload's temporary; the upload's own error is what its client is answered."""
    try:
        with contextlib.suppress(OSError):
            os.close(upload.fd)
        if temporaries.remove(upload.directory.dir_fd, upload.temp):
            temporaries.forget_upload(state.db, upload.record)
    finally:
        upload.directory.close()


_cleanups: set[asyncio.Future[None]] = set()  # discards in flight (the loop holds tasks weakly)


async def _discard_after(state: SandboxState, writing: asyncio.Future[None] | None, upload: _Upload) -> None:
    if writing is not None:
        with contextlib.suppress(Exception):
            await writing
    await run_in_threadpool(_discard, state, upload)


async def _buffered(request: Request) -> AsyncIterator[list[bytes]]:
    """The request body in batches of about PIECE bytes (fewer thread hops than uvicorn's 64 KiB pieces)."""
    pending: list[bytes] = []
    held = 0
    async for chunk in request.stream():
        pending.append(chunk)
        held += len(chunk)
        if held >= PIECE:
            yield pending
            pending, held = [], 0
    if pending:
        yield pending


async def _put(state: SandboxState, request: Request) -> Response:
    where = await _where(state, request, "rw")
    if isinstance(where, Response):
        return where
    if where.path.endswith("/") or where.path == "/":
        raise ApiError(400, "ClientError.BadRequest", "PUT needs a file path, not a directory")
    if "content-range" in request.headers:
        # RFC 9110 section 14.5: a server that does not apply a partial PUT must refuse it, never store
        # the piece as the whole file.
        raise ApiError(400, "ClientError.BadRequest", "A PUT with Content-Range (a partial upload) is not supported")
    upload = await run_in_threadpool(_open_upload, state, where)
    expected = request.headers.get("content-length")
    received = 0
    writing: asyncio.Future[None] | None = None  # the previous piece, written while the next arrives
    try:
        async for batch in _buffered(request):
            received += sum(len(chunk) for chunk in batch)
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(run_in_threadpool(_write_all, upload.fd, batch))
        if writing is not None:
            await writing
            writing = None
        if expected is not None and expected.isascii() and expected.isdigit() and int(expected) != received:
            raise ApiError(400, "ClientError.BadRequest", "The upload ended before its Content-Length")
        replaced = await run_in_threadpool(_commit_upload, state, upload)
    except BaseException:
        # Shielded: the descriptor is closed only after a write still running on it has ended,
        # even if this request is being cancelled.
        cleanup = asyncio.ensure_future(_discard_after(state, writing, upload))
        _cleanups.add(cleanup)
        cleanup.add_done_callback(_cleanups.discard)
        await asyncio.shield(cleanup)
        raise
    return Response(status_code=200 if replaced else 201)


# --------------------------------------------------------------------------- DELETE


def _delete_file(where: ResolvedPath) -> None:
    with open_root(where.collection) as root:
        try:
            if stat.S_ISDIR(root.stat(where.parts).st_mode):
                raise ApiError(409, "Conflict", f"'{where.path}' is a directory")
            root.unlink(where.parts)
        except (FileNotFoundError, NotADirectoryError):
            raise ApiError(404, "NotFound", f"No such file: '{where.path}'") from None


async def _delete(state: SandboxState, request: Request) -> Response:
    where = await _where(state, request, "rw")
    if isinstance(where, Response):
        return where
    await run_in_threadpool(_delete_file, where)
    return Response(status_code=204)


def routes(state: SandboxState) -> list[Route]:
    async def endpoint(request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            return await _get(state, request)
        if request.method == "PUT":
            return await _put(state, request)
        return await _delete(state, request)

    methods = ["GET", "HEAD", "PUT", "DELETE"]
    return [
        Route(PREFIX + "/{collection_id}/{path:path}", endpoint, methods=methods),
        Route(PREFIX + "/{collection_id}", endpoint, methods=methods),
    ]

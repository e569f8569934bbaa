"""A head start for the start-up listings: a helper process lists while this one draws.

At start-up gterm knows which directories its panes will show
(:func:`startup_locations`). Made on a thread of this process, those calls
(loading the SDK's clients and requests, a robot's token grant, TLS, the
answers) take the GIL from Textual's import and the first frame. On a machine
with more than one CPU a helper process (``python -P -m
gterm.globus.head_start``) makes the same calls (``ls_request.ls_call``, the same
settings, the app's stored token) and sends each answer's body back through a
pipe, and this process takes those bodies as its own answers
(``TransferService.start_listing_early(answers=...)``).

The helper only ever saves time. It opens no token store and never refreshes
or stores a token: the app hands it its stored Transfer token as it is
(``GtermSession.stored_transfer_token``; none, near expiry: the helper is
closed before it asks for anything), and a robot makes its own grant, kept in
the helper's memory. It is started first of all and loads the SDK while the
app reads its settings and its token (:meth:`HeadStart.spawn`, then
:meth:`HeadStart.aim` and :meth:`HeadStart.hand_over`). A
NotFound or PermissionDenied it passes on as that error; any other call it
does not answer (an error, a timeout, a helper that died) is made by this
process as before, so every other error is this process's own, worded as
always. It writes its frames to stdout and nothing to the terminal (its stderr
goes to the null device): no token can reach a screen or a log through it.

Frames, helper to app: a 4-byte big-endian length, a JSON header of that
length (``call``, ``location`` as asked, ``ok``, ``length``, ``error``), then
``length`` bytes of body. The request, app to helper, is one JSON document on
stdin: the token and the locations; the helper reads the settings itself
(timeouts, a robot's id and secret).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import IO, TYPE_CHECKING, Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]  # no pipe to widen there

from gterm.collector import gc_paused
from gterm.config import GtermConfig
from gterm.globus.errors import GtermError, NotFound, PermissionDenied

if TYPE_CHECKING:
    import globus_sdk

log = logging.getLogger(__name__)

Location = tuple[str, "str | None", str]
"""A start-up listing as asked: collection id, path (None: its default directory), orderby."""

FIRST_ANSWER_WAIT = 10.0
"""Seconds the app waits for the helper's collection document or first page before asking itself."""

_HEADER = struct.Struct(">I")

REFUSALS: dict[str, type[GtermError]] = {"NotFound": NotFound, "PermissionDenied": PermissionDenied}
"""Globus' refusals the helper passes on as errors: plain ones (a message), as the app's own call would get
them (the same identity asks); anything else (a 401, a network error, a 5xx) the app meets by its own call."""


def available() -> bool:
    """A helper helps only beside this process: with a second CPU to run on, and a python to run it with."""
    if getattr(sys, "frozen", False) or not sys.executable:  # a bundled gterm: sys.executable is gterm itself
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # none (macOS), or refused (some sandboxes): the CPUs of the machine
        return (os.cpu_count() or 1) > 1


def startup_locations(config: GtermConfig, left: str | None, right: str | None) -> list[Location]:
    """The panes' start-up locations to list early: (collection id, path or None, the pane's orderby).

    Only ``COLLECTION_ID[:PATH]`` locations are listed early; a bookmark or a
    bad location is left to the screen, which resolves or reports it as before.
    This computer's files (``local:PATH``) need no head start. Each pane's
    remembered sort order is its ``orderby``: a first page in another order than
    the pane's would be asked for again.
    """
    from gterm.globus.local_files import is_local
    from gterm.globus.locations import written_out
    from gterm.globus.transfer import remembered_order

    found: list[Location] = []
    sorts = (config.last_left_sort, config.last_right_sort)
    for text, sort in zip(config.startup_texts(left, right), sorts, strict=True):
        location = written_out(text)
        if location is None or is_local(location.collection_id):
            continue
        early = (location.collection_id, location.path, remembered_order(sort))
        if early not in found:
            found.append(early)
    return found


class HeadStart:
    """The app's side: the helper process and its answers, by call and location (thread-safe)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self.locations: list[Location] = []
        """What the helper lists (:func:`startup_locations`, given by :meth:`aim`), as the app will ask for it."""
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, Location], Future[bytes | None]] = {}
        self._taken: set[tuple[str, Location]] = set()  # asked for once: a later frame is dropped, not kept
        self._ended = False
        threading.Thread(target=self._read, name="gterm-head-start", daemon=True).start()

    @classmethod
    def spawn(cls) -> HeadStart | None:
        """Start the helper; None when it cannot start (the app then lists its locations itself).

        It needs nothing to start: it loads the SDK while the app reads its
        settings and its token, then waits for :meth:`hand_over` (or
        :meth:`close`), so the app starts it before it knows the locations."""
        try:
            process = subprocess.Popen(
                # -P: the current directory is not put on the helper's path (as it is for -m), so a
                # gterm/ or requests.py there is never run by the process holding the token.
                [sys.executable, "-P", "-m", "gterm.globus.head_start"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
            )
        except (OSError, ValueError) as exc:
            log.debug("no head start for the start-up listings: %s", exc)
            return None
        _widen_pipe(process.stdout)
        return cls(process)

    def aim(self, locations: Sequence[Location]) -> None:
        """The panes' start-up ``locations`` (:func:`startup_locations`, as the app lists them early): what
        :meth:`hand_over` asks the helper to list."""
        self.locations = list(locations)

    def hand_over(self, token: str | None) -> None:
        """Send the helper what to list (the :meth:`aim`) and with what: ``token`` is the app's stored
        Transfer token, as it is (None: a robot, which gets its own grant). It goes through the helper's
        stdin, a pipe only these two processes hold: never in its arguments or environment."""
        request = json.dumps({"token": token, "locations": [list(location) for location in self.locations]})
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(request.encode())
            stdin.close()
        except (OSError, ValueError) as exc:  # it has ended: its answers are None, the app asks itself
            log.debug("head start not handed its request: %s", exc)

    def answer(self, call: str, collection_id: str, path: str | None, orderby: str) -> bytes | None:
        """The body the helper got for ``call`` at this location, or None: the caller asks Globus itself.

        A location that is not there or not readable (a last location since
        deleted, say) raises the NotFound or PermissionDenied the caller's own
        call would have raised, with Globus' message.

        The first answers are waited for at most :data:`FIRST_ANSWER_WAIT`; the
        rest of a big directory as long as the helper lives (its own HTTP
        timeouts bound the call, as they would here).
        """
        key = (call, (collection_id, path, orderby))
        with self._lock:
            if key in self._taken:
                return None  # asked for before: this is a call of the app's own (a reload)
            future = self._pending(key)
        try:
            return future.result(None if call == "rest" else FIRST_ANSWER_WAIT)
        except FutureTimeout:
            return None
        finally:
            with self._lock:  # each answer is taken once: the body (tens of MB for a rest) is not kept
                self._answers.pop(key, None)
                self._taken.add(key)

    def forget(self, call: str, collection_id: str, path: str | None, orderby: str) -> None:
        """The app will not ask for this answer (it has it from elsewhere): drop it, now or when it comes."""
        key = (call, (collection_id, path, orderby))
        with self._lock:
            self._answers.pop(key, None)
            self._taken.add(key)

    @property
    def exit_code(self) -> int | None:
        """The helper's exit status once it has ended (negative: stopped by that signal); None while it runs."""
        return self._process.poll()

    def close(self) -> None:
        """Stop the helper if it is still working (the app is ending)."""
        if self._process.poll() is None:
            self._process.kill()

    def _pending(self, key: tuple[str, Location]) -> Future[bytes | None]:
        """The answer for ``key``, coming or here; callers hold the lock."""
        future = self._answers.get(key)
        if future is None:
            future = self._answers[key] = Future()
            if self._ended:
                future.set_result(None)
        return future

    def _read(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        try:
            while (frame := read_frame(stream)) is not None:
                header, body = frame
                call, location = str(header["call"]), header["location"]
                key = (call, (str(location[0]), location[1], str(location[2])))
                with self._lock:
                    if key in self._taken:
                        continue  # asked for and given up on (a timeout): the app made the call itself
                    future = self._pending(key)
                error = header.get("error")
                if future.done():
                    continue
                if error and error[0] in REFUSALS:
                    future.set_exception(REFUSALS[error[0]](str(error[1])))
                else:
                    future.set_result(body if header.get("ok") else None)
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.debug("head start: unreadable answer (%s); the app asks itself", type(exc).__name__)
        finally:
            with self._lock:
                self._ended = True
                waiting = [future for future in self._answers.values() if not future.done()]
            for future in waiting:
                future.set_result(None)
            stream.close()
            self._process.wait()


def _widen_pipe(stream: IO[bytes] | None) -> None:
    """Let the pipe hold 1 MiB (Linux; the default is 64 KiB).

    The rest of a big directory is tens of MB: read 64 KiB at a time, the
    reading thread wakes (and waits for the GIL, which the UI holds) hundreds
    of times; 1 MiB at a time, a few dozen.
    """
    set_pipe_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if stream is None or set_pipe_size is None:
        return
    with contextlib.suppress(OSError):  # over the system's limit: the default size works too
        fcntl.fcntl(stream.fileno(), set_pipe_size, 1 << 20)


def read_frame(stream: IO[bytes]) -> tuple[dict[str, Any], bytes] | None:
    """The next frame (header, body); None at the end of the stream; ValueError for a frame cut short.

    A buffered read of n bytes returns fewer only when the stream has ended.
    """
    head = stream.read(_HEADER.size)
    if not head:
        return None
    (size,) = _HEADER.unpack(_whole(head, _HEADER.size))
    header = json.loads(_whole(stream.read(size), size))
    length = int(header["length"])
    return header, _whole(stream.read(length), length)


def _whole(data: bytes | None, size: int) -> bytes:
    if data is None or len(data) != size:
        raise ValueError("the helper's answer ends early")
    return data


class FrameWriter:
    """The helper's side of the pipe: whole frames, one thread at a time."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, call: str, location: Location, body: bytes | None, refusal: GtermError | None = None) -> None:
        """A call's body; else Globus' ``refusal`` when it is one of :data:`REFUSALS`; else that there is no answer."""
        passed_on = refusal is not None and type(refusal) in REFUSALS.values()
        header = json.dumps({
            "call": call, "location": list(location), "ok": body is not None, "length": len(body or b""),
            "error": [type(refusal).__name__, str(refusal)] if passed_on else None,
        }).encode()
        with self._lock:
            self._stream.write(_HEADER.pack(len(header)) + header)
            self._stream.write(body or b"")
            self._stream.flush()


# --- the helper process -------------------------------------------------------------------------


def answered(out: FrameWriter, call: str, location: Location, fetch: Callable[[], bytes]) -> bytes | None:
    """Make one call and send its body; a NotFound or PermissionDenied is sent as such (the app raises it,
    as its own call would have); any other failure as no answer (the app makes the call itself: a token to
    refresh, a network that may be back, a retry)."""
    from gterm.globus.error_mapping import map_exception

    try:
        body: bytes | None = fetch()
    except Exception as exc:  # noqa: BLE001 - mapped below, or left to the app's own call
        refusal = map_exception(exc)
        log.debug("head start: %s failed (%s)", call, type(refusal or exc).__name__)
        out.send(call, location, None, refusal)
        return None
    out.send(call, location, body)
    return body


def list_location(
    make_client: Callable[[], globus_sdk.TransferClient], out: FrameWriter, location: Location, asking: threading.Event
) -> None:
    """What ``TransferService.start_listing_early`` asks for at one location, answered in the same order.

    ``asking`` is set once this location's calls are about to go out (its client made and authorized:
    a robot's grant is made here), or it has given up.
    """
    from gterm.globus.ls_request import FIRST_PAGE, MAX_PAGE, ls_call

    collection_id, path, orderby = location
    try:
        client = make_client()
        if client.authorizer is not None:
            client.authorizer.get_authorization_header()  # a robot's grant; a stored token is as given
    except Exception as exc:  # noqa: BLE001 - the app makes these calls itself, with its own errors
        log.debug("head start: no client (%s)", type(exc).__name__)
        return
    finally:
        asking.set()
    if path is None:  # the default directory: the collection's document says which
        document = answered(out, "collection", location, lambda: client.get_endpoint(collection_id).binary_content)
        if document is None:
            return
        from gterm.globus.ls_bodies import lenient_json

        path = str(lenient_json(document).get("default_directory") or "/")
    else:
        threading.Thread(
            target=answered,
            args=(out, "collection", location, lambda: make_client().get_endpoint(collection_id).binary_content),
        ).start()
    target = path
    first = answered(out, "first page", location, lambda: ls_call(
        client, collection_id, target, limit=FIRST_PAGE, orderby=orderby).binary_content)
    if first is None:
        return
    from gterm.globus.ls_bodies import listing_from_body

    listing = listing_from_body(collection_id, target, 0, first)
    if not listing.complete:  # as TransferService._first_page decides, from the same page
        offset = listing.offset + len(listing.entries)
        answered(out, "rest", location, lambda: ls_call(
            client, collection_id, listing.path, offset=offset, limit=MAX_PAGE, orderby=orderby).binary_content)


def helper_main() -> int:
    """``python -m gterm.globus.head_start``: answer the request on stdin, frames on stdout."""
    out = FrameWriter(sys.stdout.buffer)
    try:
        config = GtermConfig.load()  # the app's settings, read as it read them (same files, same environment)
        _load_the_sdk()
        request = json.loads(sys.stdin.buffer.read())
        locations = [(str(c), None if p is None else str(p), str(o)) for c, p, o in request["locations"]]
        make_client = _client_maker(config, request.get("token")) if locations else None
        if make_client is None:
            return 0  # nothing to answer, or nothing to answer with: the app lists them itself
        asking = threading.Event()
        workers = [threading.Thread(target=list_location, args=(make_client, out, loc, asking)) for loc in locations]
        for worker in workers:
            worker.start()
        # What decodes the answers loads while the first calls are out: not before they leave, where it
        # would hold the GIL from a robot's grant, nor after they return, where the answers would wait.
        asking.wait()
        _load_the_decoder()
        for worker in workers:
            worker.join()
    except Exception as exc:  # noqa: BLE001 - what was not answered, the app asks itself
        log.debug("head start ended: %s", type(exc).__name__)
    return 0


def _load_the_sdk() -> None:
    """Import what the calls use (globus-sdk, requests) while the app is still reading its token."""
    import globus_sdk  # noqa: F401 - loaded for later, not used here
    import requests  # noqa: F401 - globus-sdk loads it with its first client

    from gterm.globus import ls_request  # noqa: F401 - loaded for later


def _load_the_decoder() -> None:
    """Import what reads an answer (msgspec, the Entry records): only to decide whether a rest is asked for."""
    from gterm.globus import ls_bodies  # noqa: F401 - loaded for later


def _client_maker(config: GtermConfig, token: str | None) -> Callable[[], globus_sdk.TransferClient] | None:
    """Clients as the app's would be: its stored token as it is, or a robot's own grant; None: nothing to use."""
    import globus_sdk

    from gterm.globus.client_options import client_options

    if token:
        return lambda: globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(token), **client_options(config)
        )
    if not config.uses_client_credentials:
        return None
    from gterm.globus.session import GtermSession

    # A robot's own grant, kept in this process's memory only (GtermSession's store for a robot).
    return GtermSession(config, persist_config=False).transfer_client


if __name__ == "__main__":
    with gc_paused():  # a process of a second that loads the SDK and frees nothing worth a collection
        sys.exit(helper_main())

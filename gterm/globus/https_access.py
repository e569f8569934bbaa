"""Files of a collection over HTTPS, as the Globus web app's Download and Upload buttons use them.

A Globus Connect Server v5 collection serves its files at its ``https_server``
(a file's URL is that base plus its absolute collection path) to a bearer token
for the collection's own scope, ``https://auth.globus.org/scopes/<ID>/https``
(plus ``.../data_access`` on the same token for a mapped collection that
requires it). This module is the client side: streaming downloads and uploads
that never hold a file in memory, ranged reads for the viewer, and the
failure handling a person on a shaky SSH link needs:

- a download is written to ``.<name>.gterm-part`` beside the destination and
  renamed into place only when its size checks out; an interrupted one resumes
  from the bytes it already has with a ``Range`` request guarded by
  ``If-Range``, so a file that changed meanwhile starts over. Which remote file
  a part holds and its validator (ETag or Last-Modified) are recorded beside it
  (``.<name>.gterm-resume``) when its first byte is written: a part without
  that record, or recorded for another file, is never resumed (it could splice
  someone else's bytes into this file). The file is named by collection and
  path, not URL, so a part resumes after the collection's server moved. Bytes
  thrown away are said (``discarded``), never dropped silently;
- continuing onto a file already at the destination (the conflict dialog's
  Continue) first compares samples of it with the remote file's first bytes,
  and leaves it untouched until the download succeeds;
- a dropped connection is retried with backoff, resuming where it stopped;
- the server's modification time is kept on the downloaded file;
- an upload is one ``PUT``; the server writes it to a temporary name, so a
  broken upload never leaves a half file under its final name.

HTTP answers become gterm's own errors (see ``gterm.globus.errors``); no token
ever appears in a message.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol, Self
from urllib.parse import quote

from gterm.globus import paths
from gterm.globus.cancellation import reading_until_cancel
from gterm.globus.download_parts import (
    Discarded,
    DownloadTally,
    PartFound,
    Progress,
    held,
    local_write_error,
    part_path,
    resumable_part,
    resume_record_path,
    truncate,
    write_record,
)
from gterm.globus.error_mapping import brief, network_error
from gterm.globus.errors import (
    ConsentNeeded,
    GtermError,
    InvalidInput,
    NotFound,
    Offline,
    PermissionDenied,
    ServiceError,
)
from gterm.globus.local_files import open_regular
from gterm.globus.models import Collection
from gterm.lazy_modules import LazyModule
from gterm.wording import plural

if TYPE_CHECKING:
    import requests
else:
    # Loaded with the first call to Globus, not with the TUI (gterm.lazy_modules).
    requests = LazyModule("requests")

PIECE = 1 << 20  # bytes per read/write step: progress and cancel stay responsive
SAMPLE = 64 * 1024  # bytes per sample when checking that a local file is the start of the remote one
SAMPLES = 8
_UPLOAD_STOPPED = "Upload stopped; nothing was left on the collection under the final name."
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds between attempts after a dropped connection


class AuthorizationSource(Protocol):
    """What gives the ``Authorization`` header (a globus_sdk authorizer fits)."""

    def get_authorization_header(self) -> str | None: ...


class Cancelled(GtermError):
    """The user stopped the transfer; partial data is kept for a later resume."""


def https_scope(collection_id: str) -> str:
    """The scope whose tokens a collection's HTTPS server accepts."""
    return f"https://auth.globus.org/scopes/{collection_id}/https"


def data_access_scope(collection_id: str) -> str:
    return f"https://auth.globus.org/scopes/{collection_id}/data_access"


@dataclass(frozen=True, slots=True)
class RemoteFile:
    size: int
    modified: float | None  # seconds since the epoch, from Last-Modified
    etag: str | None
    last_modified: str | None = None  # the header as sent (an If-Range validator when there is no ETag)

    @property
    def validator(self) -> str | None:
        """What names this version of the file for If-Range: its ETag, else its Last-Modified."""
        return self.etag or self.last_modified


@dataclass(frozen=True, slots=True)
class DownloadResult:
    path: Path
    size: int
    resumed_from: int  # bytes that were already there from an earlier attempt


class HttpsFiles:
    """One collection's files over HTTPS. Not shared between threads: make one per worker."""

    def __init__(
        self,
        https_server: str,
        collection_id: str,
        authorization: AuthorizationSource,
        *,
        collection_name: str = "the collection",
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        session: requests.Session | None = None,
    ) -> None:
        self._base = https_server.rstrip("/")
        self.collection_id = collection_id
        self._authorization = authorization
        self._name = collection_name
        self._timeout = (connect_timeout, read_timeout)
        self._retry_delays = retry_delays
        # requests verifies TLS against REQUESTS_CA_BUNDLE or certifi; never turned off here.
        self._http = session or requests.Session()
        # The environment (proxies, CA bundle) is read once here rather than on every request
        # (a tenth of a small file's cost in the client), and with it off, a ~/.netrc entry can
        # never replace the bearer token with Basic credentials.
        settings = self._http.merge_environment_settings(self._base, {}, None, None, None)
        self._http.trust_env = False
        self._http.proxies = settings["proxies"]
        self._http.verify = settings["verify"]
        self._http.cert = settings["cert"]
        from gterm.globus.watched_http import WatchedAdapter  # with requests: loaded on first use

        watched = WatchedAdapter()  # a cancel can break off a request awaiting its answer
        self._http.mount("https://", watched)
        self._http.mount("http://", watched)  # a sandbox served with --http

    def close(self) -> None:
        self._http.close()

    # --- requests -----------------------------------------------------------------

    def url(self, path: str) -> str:
        return self._base + _quoted(path)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        header = self._authorization.get_authorization_header()
        if header:
            headers["Authorization"] = header
        return headers

    def _send(
        self, method: str, path: str, *, cancel: threading.Event | None = None, **kwargs: object
    ) -> requests.Response:
        """One request; ``cancel`` breaks it off while its body goes or its answer is awaited."""
        from gterm.globus.watched_http import sending_until_cancel

        extra = kwargs.pop("headers", None)
        stream = bool(kwargs.pop("stream", False))
        url = self.url(path)
        try:
            # Straight to the connection adapter: the session's per-request merging (cookies, hooks,
            # auth, settings) was most of a small file's cost in the client, and none of it applies
            # here (no cookies, the token in our own header, settings fixed in __init__).
            headers = self._headers(extra if isinstance(extra, dict) else None)
            prepared = requests.Request(method, url, headers=headers, **kwargs).prepare()  # type: ignore[arg-type]  # data=
            http = self._http
            with sending_until_cancel(cancel):
                response = http.get_adapter(url).send(
                    prepared, stream=stream, timeout=self._timeout, verify=http.verify, cert=http.cert,
                    proxies=http.proxies,
                )
                if not stream:
                    response.content  # noqa: B018 - read the body now, as Session.request does
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            # Said as every Globus call's failure is: an Offline (gterm's own tasks wait it out), or a
            # certificate that cannot be verified (a setting to change, not an outage). A body cut off
            # (by the network, or by a cancel breaking the connection) is a ChunkedEncodingError.
            raise network_error(exc, f"the HTTPS server of {self._name}") from None
        if response.status_code >= 300:
            try:
                raise self._error(response, path)
            finally:
                response.close()
        return response

    def _error(self, response: requests.Response, path: str) -> GtermError:
        status = response.status_code
        code, message = "", ""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            code = str(body.get("code") or "")
            message = brief(str(body.get("message") or body.get("detail") or ""))
        if status in (301, 302, 303, 307, 308) or status == 401 or code == "ConsentRequired":
            # No token, or one the server does not take: a login for the collection's scope cures it.
            return ConsentNeeded(
                f"{self._name} needs you to sign in to its HTTPS access.",
                required_scopes=[https_scope(self.collection_id)],
            )
        if status == 404:
            return NotFound(message or f"'{path}' was not found on {self._name}.")
        if status == 403:
            return PermissionDenied(message or f"You may not do that to '{path}' on {self._name}.")
        if status in (400, 409, 416, 422):
            return InvalidInput(message or f"{self._name} refused the request for '{path}'.")
        return ServiceError(
            message or f"The HTTPS server of {self._name} answered with an error (HTTP {status}).",
            code=code,
            http_status=status,
        )

    # --- reading --------------------------------------------------------------------

    def stat(self, path: str) -> RemoteFile:
        response = self._send("HEAD", path)
        response.close()
        return _remote_file(response)

    def read(self, path: str, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (fewer at the end of the file): one Range request."""
        return self.read_sized(path, offset, length)[0]

    def read_sized(self, path: str, offset: int, length: int) -> tuple[bytes, int | None]:
        """:meth:`read`, and the file's size the answer gave (None: past the end, a 416, which gives none)."""
        if length <= 0:
            return b"", None
        try:
            response = self._send("GET", path, headers={"Range": f"bytes={offset}-{offset + length - 1}"})
        except InvalidInput:
            return b"", None  # 416: the offset is past the end
        with response:
            data = response.content
        if response.status_code == 206:
            return data[:length], _total_from_content_range(response.headers.get("Content-Range"), offset + len(data))
        return data[offset : offset + length], len(data)

    def download(
        self,
        path: str,
        destination: Path,
        *,
        progress: Progress | None = None,
        kept: Progress | None = None,
        cancel: threading.Event | None = None,
        resume: bool = True,
        continue_from: Path | None = None,
        tally: DownloadTally | None = None,
        discarded: Discarded | None = None,
    ) -> DownloadResult:
        """Stream ``path`` into ``destination`` (see the module docstring for the guarantees).

        ``progress`` is told the bytes fetched; ``kept`` the bytes already on disk the download goes on
        from (an earlier attempt's part, or Continue's file), as the first GET starts, and minus those it
        throws away (the remote file changed since).
        ``continue_from``: a file whose bytes are taken as the start of this one (Continue), once a
        comparison with the remote file agrees; it stays as it is until the download succeeds.
        ``tally``: what earlier calls for this file told ``progress`` and ``kept``, for a caller that calls
        again after an outage outlasted the retries here: the part those calls fetched is then not told
        again as kept bytes (it was told as fetched), and a part thrown away takes back what they told.
        ``discarded`` is told the bytes of a part thrown away (not this file's, or the file changed since)
        and why.
        """
        part = part_path(destination)
        tally = tally if tally is not None else DownloadTally()
        tally.progress, tally.kept, tally.discarded = progress, kept, discarded
        found = PartFound(0, None)
        if resume:
            found = resumable_part(part, destination, self.collection_id, _quoted(path), self.url(path))
        tally.discard(found.discarded, found.why)
        have, validator = found.have, found.validator
        if not have and continue_from is not None:
            have, validator = self._seed_from(path, continue_from, part, destination)
        started_with = have
        modified: float | None = None
        failures = 0
        while True:
            try:
                size, validator, have, modified = self._fetch_into(
                    path, destination, part, have, validator, tally, cancel
                )
                break
            except Offline:
                if cancel is not None and cancel.is_set():  # the read was broken off by the cancel itself
                    raise _stopped(held(part, destination), part) from None
                if failures >= len(self._retry_delays):
                    raise
                _pause_before_retry(self._retry_delays[failures], cancel, f"{part.name} is kept for a resume")
                failures += 1
                have = held(part, destination)
                if not validator:  # without one, a resumed range could join two versions of the file
                    tally.discard(have, f"{self._name} gives no version, ETag or Last-Modified, to resume by")
                    have = 0
        if have != size:
            raise ServiceError(
                f"'{path}' arrived with {plural(have, 'byte')} instead of {size:,}; the partial file is kept"
                f" as {part.name} and the next download resumes from it."
            )
        if modified is not None:
            os.utime(part, (modified, modified))
        try:
            os.replace(part, destination)
        except OSError as exc:
            raise local_write_error(exc, destination, kept=part) from None
        resume_record_path(destination).unlink(missing_ok=True)
        return DownloadResult(destination, size, started_with)

    def _seed_from(self, path: str, existing: Path, part: Path, destination: Path) -> tuple[int, str | None]:
        """Continue onto ``existing``: check it is the start of the remote file, then copy it to the part.

        Samples are compared rather than the whole prefix, which would cost the bytes Continue saves.
        A copy, not a rename: the file stays the user's until the finished download replaces it.
        """
        remote = self.stat(path)
        validator = remote.validator
        try:
            have = existing.stat().st_size
        except OSError as exc:
            raise local_write_error(exc, existing, kept=None) from None
        refusal = f"Cannot continue {existing.name}: nothing was changed; choose Overwrite or Rename instead."
        if have > remote.size:
            raise InvalidInput(
                f"{existing.name} here ({plural(have, 'byte')}) is larger than the file on {self._name}"
                f" ({plural(remote.size, 'byte')}), so it is not an unfinished copy of it. {refusal}"
            )
        if not validator:
            raise InvalidInput(f"{self._name} gives no version (ETag or Last-Modified) for {existing.name}. {refusal}")
        with open(existing, "rb") as local:
            for offset in _sample_offsets(have):
                length = min(SAMPLE, have - offset)
                if self.read(path, offset, length) != os.pread(local.fileno(), length, offset):
                    raise InvalidInput(
                        f"{existing.name} here differs from the start of the file on {self._name}, so it is not"
                        f" an unfinished copy of it. {refusal}"
                    )
        try:
            write_record(resume_record_path(destination), self.collection_id, _quoted(path), validator, remote.size)
            shutil.copyfile(existing, part)
        except OSError as exc:
            raise local_write_error(exc, destination, kept=None) from None
        return have, validator

    def _fetch_into(
        self,
        path: str,
        destination: Path,
        part: Path,
        have: int,
        validator: str | None,
        tally: DownloadTally,
        cancel: threading.Event | None,
    ) -> tuple[int, str | None, int, float | None]:
        """One GET appending to ``part`` (the part file of ``destination``, which messages name) from ``have``.

        Returns (total size, validator for If-Range, bytes now held, the server's modification time).
        """
        record = resume_record_path(destination)
        headers: dict[str, str] = {}
        if have:
            headers["Range"] = f"bytes={have}-"
            if validator:
                headers["If-Range"] = validator
        try:
            response = self._send("GET", path, headers=headers, stream=True, cancel=cancel)
        except InvalidInput:
            if not have:
                raise
            # 416: what we hold may already be the whole file; a HEAD says.
            remote = self.stat(path)
            if remote.size == have:
                tally.holding(have)
                return have, validator, have, remote.modified
            tally.discard(have, f"the file on {self._name} changed since")  # it is shorter now
            return self._fetch_into(path, destination, part, truncate(part), None, tally, cancel)
        with response:
            remote = _remote_file(response)
            validator = remote.validator
            if response.status_code == 206:
                total = _total_from_content_range(response.headers.get("Content-Range"), have + remote.size)
                mode = "ab"
            else:  # the whole file (a first attempt, or If-Range said the file changed)
                changed = validator != headers.get("If-Range")  # else the server would not send a range
                tally.discard(have, f"the file on {self._name} changed since" if changed else
                              f"{self._name} sent the whole file again instead of the rest")
                total, have, mode = remote.size, 0, "wb"
            tally.holding(have)
            try:
                if mode == "wb":
                    # Recorded before the first byte: a later attempt resumes only this file, this version.
                    if validator:
                        write_record(record, self.collection_id, _quoted(path), validator, total)
                    else:
                        record.unlink(missing_ok=True)  # nothing to check a later attempt against
                handle = open(part, mode)  # noqa: SIM115 - closed below, also on error
            except OSError as exc:
                raise local_write_error(exc, destination, kept=None) from None
            try:
                with reading_until_cancel(cancel, response):
                    for piece in _pieces(response):
                        if cancel is not None and cancel.is_set():
                            raise _stopped(have, part)
                        handle.write(piece)
                        have += len(piece)
                        tally.fetched(len(piece))
                handle.close()  # flushes the buffer's last bytes: on a full disk, ENOSPC may come only here
            except OSError as exc:
                _close_after_failure(handle)
                raise local_write_error(exc, destination, kept=part) from None
            except BaseException:
                _close_after_failure(handle)
                raise
        return total, validator, have, remote.modified

    # --- writing ---------------------------------------------------------------------

    def upload(
        self,
        source: Path,
        path: str,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """PUT ``source`` to ``path``; retried whole after a dropped connection. Returns the size sent."""
        failures = 0
        while True:
            sent: list[int] = [0]

            def counted(n: int, sent: list[int] = sent) -> None:
                sent[0] += n
                if progress is not None:
                    progress(n)

            try:
                with _UploadBody(source, counted, cancel) as body:
                    # An empty file goes as an empty body: requests frames a 0-length iterable as
                    # "Transfer-Encoding: chunked", and beside Content-Length that is a request RFC 9112
                    # forbids (a server waits for chunks that never come, or refuses it).
                    data: _UploadBody | bytes = body if len(body) else b""
                    response = self._send(
                        "PUT", path, data=data, headers={"Content-Length": str(len(body))}, cancel=cancel
                    )
                response.close()
                return sent[0]
            except Offline:
                if cancel is not None and cancel.is_set():  # broken off by the cancel itself
                    raise _upload_stopped(whole_body_sent=sent[0] == len(body)) from None
                if progress is not None and sent[0]:
                    progress(-sent[0])  # that attempt's bytes did not land
                if failures >= len(self._retry_delays):
                    raise
                _pause_before_retry(self._retry_delays[failures], cancel, "nothing was left under the final name")
                failures += 1

    def delete(self, path: str) -> None:
        self._send("DELETE", path).close()


# --- helpers -------------------------------------------------------------------------


def _quoted(path: str) -> str:
    """A collection path as its URL names it (after the server's base), which names the file's bytes
    (percent-encoded octets): a name that is not UTF-8, in either spelling (Transfer's U+FFFD + latin-1, or
    a local listing's lone surrogates), keeps its bytes."""
    raw = paths.with_surrogates(path if path.startswith("/") else "/" + path).encode("utf-8", "surrogateescape")
    return quote(raw, safe="/~")


def _close_after_failure(handle: IO[bytes]) -> None:
    """Close a part whose download already failed. Its close flushes the buffer again and, on a full disk,
    fails again: the first failure is the one said (a second one raised from here would replace it)."""
    with contextlib.suppress(OSError):
        handle.close()


def _stopped(held: int, part: Path) -> Cancelled:
    return Cancelled(f"Stopped; {plural(held, 'byte')} kept in {part.name} for a resume.")


def _upload_stopped(*, whole_body_sent: bool) -> Cancelled:
    if whole_body_sent:  # the server had it all and had not answered: it may have kept the file
        return Cancelled("Upload stopped while the collection was finishing it: the file may be there; check its"
                         " listing.")
    return Cancelled(_UPLOAD_STOPPED)


def _pause_before_retry(delay: float, cancel: threading.Event | None, kept: str) -> None:
    """Wait before another attempt, unless the user cancels meanwhile (then stop at once, not after the wait)."""
    if cancel is None:
        time.sleep(delay)
    elif cancel.wait(delay):
        raise Cancelled(f"Stopped; {kept}.")


def _pieces(response: requests.Response) -> Iterator[bytes]:
    try:
        yield from response.iter_content(PIECE)
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout):
        raise Offline("The connection dropped in the middle of the file.") from None


def _remote_file(response: requests.Response) -> RemoteFile:
    length = response.headers.get("Content-Length", "")
    modified = response.headers.get("Last-Modified")
    when: float | None = None
    if modified:
        try:
            when = email.utils.parsedate_to_datetime(modified).timestamp()
        except (TypeError, ValueError):
            when = None
    etag = response.headers.get("ETag")
    if etag and etag.startswith("W/"):
        etag = None  # If-Range takes only a strong validator
    return RemoteFile(int(length) if length.isascii() and length.isdigit() else 0, when, etag, modified)


def _total_from_content_range(header: str | None, fallback: int) -> int:
    # "bytes 100-199/1000"
    if header and "/" in header:
        total = header.rsplit("/", 1)[1].strip()
        if total.isascii() and total.isdigit():
            return int(total)
    return fallback


def _sample_offsets(size: int) -> list[int]:
    """Where to compare a local file with the remote one: its start, its end, and evenly between."""
    if size <= SAMPLE * SAMPLES:
        return list(range(0, size, SAMPLE))
    step = (size - SAMPLE) // (SAMPLES - 1)
    return [min(i * step, size - SAMPLE) for i in range(SAMPLES)]


class _UploadBody:
    """A file as a request body with a length, reporting progress and honouring cancel."""

    def __init__(self, source: Path, progress: Progress, cancel: threading.Event | None) -> None:
        try:
            # Not open(): a named pipe's open would wait for a writer, with no way to cancel it.
            self._handle = open(open_regular(source, refusal="it cannot be uploaded."), "rb")  # noqa: SIM115 - closed by __exit__
        except OSError as exc:
            raise InvalidInput(f"Cannot read {source}: {exc.strerror or 'error'}.") from None
        self._size = os.fstat(self._handle.fileno()).st_size
        self._progress = progress
        self._cancel = cancel

    def __len__(self) -> int:
        return self._size

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def __iter__(self) -> Iterator[bytes]:
        # Iterated, not read: urllib3 reads a file-like body 16 KiB at a time (65,536 reads and
        # progress calls per GiB, which held uploads to ~0.7x of curl); an iterable's pieces go
        # to the socket as they are, PIECE bytes per send.
        while True:
            if self._cancel is not None and self._cancel.is_set():
                raise Cancelled(_UPLOAD_STOPPED)
            data = self._handle.read(PIECE)
            if not data:
                return
            self._progress(len(data))
            yield data


# --- choosing the server and the token for a collection ---------------------------------


class CollectionTokens(Protocol):
    """Where HTTPS tokens come from (GtermSession, or a test's login)."""

    def https_authorizer(self, collection_id: str, *, data_access: bool) -> AuthorizationSource: ...


class HttpsAccess:
    """Opens :class:`HttpsFiles` for collections, with the scopes Globus requires for each kind."""

    def __init__(self, tokens: CollectionTokens, *, connect_timeout: float = 5.0, read_timeout: float = 60.0) -> None:
        self._tokens = tokens
        self._timeouts = (connect_timeout, read_timeout)

    def check_access(self, collection: Collection) -> None:
        """Raise now what the first file would meet: no HTTPS server, or a consent not yet given.

        Tokens are looked up when a request is made, so without this a missing consent would
        surface inside a running task, once per file, instead of as one sign-in before it starts.
        """
        if not collection.https_server:
            raise InvalidInput(no_https_reason(collection))
        authorization = self._tokens.https_authorizer(collection.id, data_access=collection.needs_data_access)
        authorization.get_authorization_header()

    def files_for(self, collection: Collection) -> HttpsFiles:
        if not collection.https_server:
            raise InvalidInput(no_https_reason(collection))
        authorization = self._tokens.https_authorizer(collection.id, data_access=collection.needs_data_access)
        return HttpsFiles(
            collection.https_server,
            collection.id,
            authorization,
            collection_name=collection.display_name,
            connect_timeout=self._timeouts[0],
            read_timeout=self._timeouts[1],
        )


def no_https_reason(collection: Collection) -> str:
    """Why a collection's files cannot come over HTTPS, and what would work instead."""
    if collection.entity_type.startswith("GCP_"):
        return (
            f"{collection.display_name} is on Globus Connect Personal, which has no HTTPS access. "
            "To move files between it and this computer, install Globus Connect Personal here and "
            "transfer between the two collections with F5."
        )
    return (
        f"{collection.display_name} does not offer HTTPS access (only Globus Connect Server v5 "
        "collections do). Transfer to a collection that does, or to a Globus Connect Personal "
        "endpoint on this computer."
    )

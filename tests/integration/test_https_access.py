"""HTTPS data access: gterm's client (gterm.globus.https_access) against the sandbox's HTTPS server.

Tokens come from the real native-app login for the collection's own https scope;
requests go over loopback to the live sandbox. Nothing is mocked.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import globus_sdk
import pytest
import requests

from gterm.globus.cancellation import Cancellation
from gterm.globus.download_parts import LocalWriteError, part_path
from gterm.globus.errors import ConsentNeeded, NotFound, PermissionDenied, ServiceError
from gterm.globus.https_access import Cancelled, HttpsFiles, data_access_scope, https_scope
from gterm.sandbox.https_data import https_server_url
from gterm.sandbox.seed_ids import BOB_SHARED_ID, HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import (
    login_tokens,
    new_native_client,
    robot_auth_client,
)
from tests.support.transfer_live import collection_root, make_lab_dir


def _token(sandbox: SandboxHandle, collection_id: str, identity: str = "alice", *, data_access: bool = False) -> str:
    scope = https_scope(collection_id)
    if data_access:
        scope += " " + data_access_scope(collection_id)
    tokens = login_tokens(sandbox, scope, new_native_client(sandbox), identity=identity)
    return str(tokens.by_resource_server[collection_id]["access_token"])


def files_for(sandbox: SandboxHandle, collection_id: str, identity: str = "alice", **kwargs: object) -> HttpsFiles:
    authorizer = globus_sdk.AccessTokenAuthorizer(_token(sandbox, collection_id, identity))
    return HttpsFiles(https_server_url(sandbox.state, collection_id), collection_id, authorizer, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def lab(sandbox: SandboxHandle) -> Iterator[HttpsFiles]:
    files = files_for(sandbox, LAB_STORAGE_ID)
    yield files
    files.close()


def _blob(size: int, seed: int = 7) -> bytes:
    return (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size]


def test_the_viewers_remote_source_says_a_file_shrunk_grown_or_deleted(sandbox: SandboxHandle) -> None:
    """What a read of the viewer's source finds (the size in its answer, a 404) is what changed() says:
    the viewer then re-reads its size and drops its cache, as for a file on this computer."""
    from gterm.globus.remote_bytes import RemoteBytes
    from gterm.tui.text_pager import FILE_CHANGED, FILE_DELETED, TextPager

    disk, path = make_lab_dir(sandbox, {"v.txt": b"line\n" * 4000})  # 20,000 bytes; the first line reads 5 blocks
    pager = TextPager(RemoteBytes(files_for(sandbox, LAB_STORAGE_ID), path + "v.txt"), block=1024)
    try:
        assert pager.lines_from(0, 1)[0].data == b"line" and pager.source.changed() is None
        (disk / "v.txt").write_bytes(b"grown\n" * 5000)
        pager.check()
        assert pager.take_notice() == ""  # nothing read since: nothing known (no request is made to ask)
        assert pager.bytes_at(9_996, 6) == b"grown\n"  # not cached: read, and its answer tells the new size
        pager.check()
        assert pager.size == 30_000 and pager.take_notice() == FILE_CHANGED
        (disk / "v.txt").write_bytes(b"short\n" * 10)  # 60 bytes: the next read is past its end
        assert pager.bytes_at(15_000, 10) == b"" and pager.size == 60 and pager.take_notice() == FILE_CHANGED
        (disk / "v.txt").unlink()
        assert pager.bytes_at(0, 10) == b"" and pager.deleted and pager.take_notice() == FILE_DELETED
        assert pager.size == 0
    finally:
        pager.source.close()


def test_download_is_byte_identical_and_keeps_the_time(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    data = _blob(3 * 1024 * 1024 + 17)
    disk, path = make_lab_dir(sandbox, {"data.bin": data})
    os.utime(disk / "data.bin", (1_600_000_000, 1_600_000_000))
    moved: list[int] = []

    result = lab.download(path + "data.bin", tmp_path / "data.bin", progress=moved.append)

    assert (tmp_path / "data.bin").read_bytes() == data
    assert result.size == len(data) and result.resumed_from == 0
    assert sum(moved) == len(data)
    assert int((tmp_path / "data.bin").stat().st_mtime) == 1_600_000_000
    assert not part_path(tmp_path / "data.bin").exists()


def test_range_reads_and_stat(sandbox: SandboxHandle, lab: HttpsFiles) -> None:
    data = _blob(10_000)
    _, path = make_lab_dir(sandbox, {"r.bin": data})
    assert lab.read(path + "r.bin", 100, 50) == data[100:150]
    assert lab.read(path + "r.bin", 9_990, 100) == data[9_990:]
    assert lab.read(path + "r.bin", 20_000, 10) == b""
    assert lab.stat(path + "r.bin").size == 10_000


def _interrupted(lab: HttpsFiles, path: str, target: Path) -> int:
    """Start downloading ``path`` to ``target`` and stop after the first piece: the bytes the part keeps."""
    stop = threading.Event()
    with pytest.raises(Cancelled):
        lab.download(path, target, progress=lambda n: stop.set(), cancel=stop)
    return part_path(target).stat().st_size


def test_an_interrupted_download_resumes_with_range(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    data = _blob(5 * 1024 * 1024, seed=3)
    _, path = make_lab_dir(sandbox, {"big.bin": data})
    target = tmp_path / "big.bin"
    kept = _interrupted(lab, path + "big.bin", target)  # what a dropped first attempt left

    result = lab.download(path + "big.bin", target)

    assert target.read_bytes() == data
    assert 0 < kept < len(data) and result.resumed_from == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.bin"]  # the part and its record are gone


def test_a_part_file_no_download_recorded_is_never_spliced_in(
    sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path
) -> None:
    # A leftover ".NAME.gterm-part" (another program's, or an older gterm's) holds bytes of who knows what.
    data = _blob(3 * 1024 * 1024, seed=31)
    _, path = make_lab_dir(sandbox, {"report.bin": data})
    target = tmp_path / "report.bin"
    part_path(target).write_bytes(b"unrelated" * 1000)

    result = lab.download(path + "report.bin", target)

    assert target.read_bytes() == data and result.resumed_from == 0


def test_a_part_of_another_remote_file_is_not_resumed(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    first, second = _blob(4 * 1024 * 1024, seed=37), _blob(4 * 1024 * 1024, seed=41)
    _, path = make_lab_dir(sandbox, {"one/data.bin": first, "two/data.bin": second})
    target = tmp_path / "data.bin"
    assert _interrupted(lab, path + "one/data.bin", target) > 0

    result = lab.download(path + "two/data.bin", target)

    assert target.read_bytes() == second and result.resumed_from == 0


def test_a_part_of_a_file_changed_since_starts_over(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    old, new = _blob(4 * 1024 * 1024, seed=43), _blob(4 * 1024 * 1024, seed=47)
    disk, path = make_lab_dir(sandbox, {"v.bin": old})
    target = tmp_path / "v.bin"
    assert _interrupted(lab, path + "v.bin", target) > 0
    (disk / "v.bin").write_bytes(new)  # same size, other bytes: If-Range no longer holds
    os.utime(disk / "v.bin", (1_700_000_000, 1_700_000_000))

    on_disk: list[int] = []
    fetched: list[int] = []
    lab.download(path + "v.bin", target, progress=fetched.append, kept=on_disk.append)

    assert target.read_bytes() == new
    assert sum(on_disk) == 0 and sum(fetched) == len(new)  # the old part's bytes never counted


def test_if_range_of_another_version_gets_the_whole_file(sandbox: SandboxHandle, lab: HttpsFiles) -> None:
    data = _blob(100_000, seed=53)
    _, path = make_lab_dir(sandbox, {"r.bin": data})
    headers = {"Authorization": f"Bearer {_token(sandbox, LAB_STORAGE_ID)}", "Range": "bytes=10-"}
    url = lab.url(path + "r.bin")
    etag = requests.head(url, headers=headers, timeout=30).headers["ETag"]
    same = requests.get(url, headers={**headers, "If-Range": etag}, timeout=30)
    other = requests.get(url, headers={**headers, "If-Range": '"not-this-version"'}, timeout=30)
    assert (same.status_code, same.content) == (206, data[10:])
    assert (other.status_code, other.content) == (200, data)


def test_a_partial_put_is_refused_and_the_file_kept(sandbox: SandboxHandle, lab: HttpsFiles) -> None:
    """RFC 9110: a server that does not apply a PUT with Content-Range refuses it; it never stores the piece
    as the whole file."""
    data = _blob(11, seed=59)
    disk, path = make_lab_dir(sandbox, {"whole.bin": data})
    headers = {"Authorization": f"Bearer {_token(sandbox, LAB_STORAGE_ID)}", "Content-Range": "bytes 0-1/11"}
    answer = requests.put(lab.url(path + "whole.bin"), data=b"XX", headers=headers, timeout=30)
    assert answer.status_code == 400
    assert (disk / "whole.bin").read_bytes() == data


def test_a_part_of_a_changed_file_starts_over(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    data = _blob(2 * 1024 * 1024, seed=5)
    _, path = make_lab_dir(sandbox, {"c.bin": data})
    target = tmp_path / "c.bin"
    part_path(target).write_bytes(b"x" * (len(data) + 10))  # longer than the file: cannot be a prefix

    lab.download(path + "c.bin", target)

    assert target.read_bytes() == data


class _CuttingProxy:
    """A TCP relay that cuts the first connection after ``cut_after`` bytes from the server (with ``stall``:
    stops passing them on and holds the connection open, as a server that went silent)."""

    def __init__(self, target: tuple[str, int], cut_after: int, *, stall: bool = False) -> None:
        self.target = target
        self.cut_after = cut_after
        self.stall = stall
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self._relay(client, socket.create_connection(self.target))

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        limit = self.cut_after if self.connections == 1 else None
        threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
        threading.Thread(target=self._pipe, args=(upstream, client, limit), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                if limit is not None and sent + len(chunk) > limit:
                    dst.sendall(chunk[: limit - sent])
                    if self.stall:
                        self._stop.wait()  # silent, the connection open: the client's read blocks
                    break
                dst.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()


def _lab_server(sandbox: SandboxHandle) -> tuple[str, int]:
    """Host and port of Lab Storage's HTTPS server."""
    host_port = https_server_url(sandbox.state, LAB_STORAGE_ID).split("://", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return host.strip("[]"), int(port)


def _files_through(proxy: _CuttingProxy, sandbox: SandboxHandle, **kwargs: Any) -> HttpsFiles:
    """Lab Storage's files as Alice, through ``proxy`` (the same TLS trust as the direct URL)."""
    base = https_server_url(sandbox.state, LAB_STORAGE_ID)
    host_port = base.split("://", 1)[1].split("/", 1)[0]
    authorizer = globus_sdk.AccessTokenAuthorizer(_token(sandbox, LAB_STORAGE_ID))
    files = HttpsFiles(base.replace(host_port, f"127.0.0.1:{proxy.port}"), LAB_STORAGE_ID, authorizer, **kwargs)
    files._http.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
    return files


def test_a_connection_cut_mid_file_resumes_and_ends_identical(sandbox: SandboxHandle, tmp_path: Path) -> None:
    data = _blob(8 * 1024 * 1024, seed=11)
    _, path = make_lab_dir(sandbox, {"cut.bin": data})
    proxy = _CuttingProxy(_lab_server(sandbox), cut_after=3 * 1024 * 1024)
    try:
        files = _files_through(proxy, sandbox, retry_delays=(0.05, 0.1))
        result = files.download(path + "cut.bin", tmp_path / "cut.bin")
    finally:
        proxy.close()
    assert (tmp_path / "cut.bin").read_bytes() == data
    assert proxy.connections >= 2
    assert result.size > 0


def test_cancel_breaks_off_a_read_blocked_on_a_silent_server(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """A server that stops sending without closing blocks the read for its whole timeout (60 s);
    Cancel of a task (a Cancellation) shuts the connection, so the download stops at once."""
    data = _blob(6 * 1024 * 1024, seed=37)
    _, path = make_lab_dir(sandbox, {"silent.bin": data})
    # 2.5 MB through, then silence: two whole pieces (1 MiB each) arrive, the third read waits.
    proxy = _CuttingProxy(_lab_server(sandbox), cut_after=5 * 512 * 1024, stall=True)
    target = tmp_path / "silent.bin"
    arrived = threading.Event()
    cancel = Cancellation()
    try:
        files = _files_through(proxy, sandbox)

        def cancel_once_silent() -> None:
            arrived.wait(30)
            time.sleep(0.5)  # a piece is in; the read now waits on the silent server
            cancel.set()

        threading.Thread(target=cancel_once_silent, daemon=True).start()
        started = time.monotonic()
        with pytest.raises(Cancelled, match="kept in"):
            files.download(path + "silent.bin", target, progress=lambda _n: arrived.set(), cancel=cancel)
        waited = time.monotonic() - started
    finally:
        proxy.close()
    assert waited < 10, f"the cancel took {waited:.1f} s"
    assert not target.exists() and 0 < part_path(target).stat().st_size < len(data)


class _AnswerWithholdingProxy(_CuttingProxy):
    """A TCP relay that passes everything until the client has sent ``cut_after`` bytes, then passes no more
    of the server's bytes and holds the connection open: a server that has the whole request and is silent."""

    def __init__(self, target: tuple[str, int], cut_after: int) -> None:
        self.client_sent = 0
        super().__init__(target, cut_after)

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
        threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()

    def _up(self, client: socket.socket, upstream: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := client.recv(65536):
                self.client_sent += len(chunk)  # counted before it goes: the answer can only come after
                upstream.sendall(chunk)

    def _down(self, upstream: socket.socket, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := upstream.recv(65536):
                if self.client_sent >= self.cut_after:
                    self._stop.wait()  # the answer is never passed on; the connection stays open
                    return
                client.sendall(chunk)


def test_cancel_breaks_off_an_upload_waiting_for_a_silent_server_s_answer(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """The whole body went and the server does not answer: the wait for its answer (the read timeout, 60 s)
    is broken off by a cancel, and the message does not claim the file was not kept (it may have been)."""
    data = _blob(3 * 1024 * 1024, seed=41)
    source = tmp_path / "quiet.bin"
    source.write_bytes(data)
    disk, path = make_lab_dir(sandbox)
    proxy = _AnswerWithholdingProxy(_lab_server(sandbox), cut_after=len(data))
    cancel = Cancellation()
    try:
        files = _files_through(proxy, sandbox, read_timeout=40.0)

        def cancel_once_all_sent() -> None:
            deadline = time.monotonic() + 30
            while proxy.client_sent < len(data) and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.5)  # the client now waits for the answer
            cancel.set()

        threading.Thread(target=cancel_once_all_sent, daemon=True).start()
        started = time.monotonic()
        with pytest.raises(Cancelled, match="may be there") as info:
            files.upload(source, path + "quiet.bin", cancel=cancel)
        waited = time.monotonic() - started
    finally:
        proxy.close()
    assert waited < 10, f"the cancel took {waited:.1f} s"
    assert "nothing was left" not in str(info.value)
    assert (disk / "quiet.bin").read_bytes() == data  # the server had it whole (it answered the relay)


def test_cancel_keeps_the_part_for_a_resume(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    data = _blob(6 * 1024 * 1024, seed=13)
    _, path = make_lab_dir(sandbox, {"x.bin": data})
    stop = threading.Event()

    def progress(n: int) -> None:
        stop.set()  # cancel after the first piece

    with pytest.raises(Cancelled):
        lab.download(path + "x.bin", tmp_path / "x.bin", progress=progress, cancel=stop)
    assert not (tmp_path / "x.bin").exists()
    kept = part_path(tmp_path / "x.bin").stat().st_size
    assert 0 < kept < len(data)
    on_disk: list[int] = []
    fetched: list[int] = []
    resumed = lab.download(path + "x.bin", tmp_path / "x.bin", progress=fetched.append, kept=on_disk.append)
    assert resumed.resumed_from == kept
    assert (tmp_path / "x.bin").read_bytes() == data
    assert on_disk == [kept] and sum(fetched) == len(data) - kept  # the part is told apart from this run's bytes


def test_upload_lands_whole_under_its_name(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    data = _blob(12 * 1024 * 1024 + 3, seed=17)  # over the API body cap: file data is never capped
    source = tmp_path / "up.bin"
    source.write_bytes(data)
    disk, path = make_lab_dir(sandbox)
    moved: list[int] = []

    lab.upload(source, path + "unicodé ✓.bin", progress=moved.append)

    assert (disk / "unicodé ✓.bin").read_bytes() == data
    assert sum(moved) == len(data)
    assert sorted(p.name for p in disk.iterdir()) == ["unicodé ✓.bin"]


def test_a_cancelled_upload_leaves_nothing_under_the_final_name(
    sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path
) -> None:
    source = tmp_path / "half.bin"
    source.write_bytes(_blob(6 * 1024 * 1024))
    disk, path = make_lab_dir(sandbox)
    stop = threading.Event()

    with pytest.raises(Cancelled):
        lab.upload(source, path + "half.bin", progress=lambda n: stop.set(), cancel=stop)

    assert not (disk / "half.bin").exists()
    # The server writes while it receives; once the write in flight ends, its temporary file goes too.
    # On a loaded machine it may begin the upload only after the client gave up, so an empty directory
    # seen once proves nothing: it must stay empty for a while.
    deadline, empty_since = time.monotonic() + 30, None
    while time.monotonic() < deadline:
        if list(disk.iterdir()):
            empty_since = None
        elif empty_since is None:
            empty_since = time.monotonic()
        elif time.monotonic() - empty_since > 1.0:
            break
        time.sleep(0.02)
    assert list(disk.iterdir()) == []


def test_a_netrc_entry_never_replaces_the_bearer_token(
    sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests applies ~/.netrc credentials (Basic auth over our header) when it reads the environment.
    netrc = tmp_path / "netrc"
    netrc.write_text("".join(f"machine {host} login someone password secret\n" for host in ("127.0.0.1", "localhost")))
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    _, path = make_lab_dir(sandbox, {"n.txt": b"netrc"})
    files = files_for(sandbox, LAB_STORAGE_ID)
    try:
        files.download(path + "n.txt", tmp_path / "n.txt")
    finally:
        files.close()
    assert (tmp_path / "n.txt").read_bytes() == b"netrc"


def test_errors_in_gterm_words(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        lab.download("/transfer-tests/no-such-file.bin", tmp_path / "n.bin")
    # Bob's home on Lab Storage is not Alice's to read.
    bob_home = collection_root(sandbox, LAB_STORAGE_ID) / "home" / "bob"
    bob_home.mkdir(parents=True, exist_ok=True)
    (bob_home / "private.txt").write_text("bob only")
    with pytest.raises(PermissionDenied):
        lab.read("/home/bob/private.txt", 0, 10)


def test_an_untrusted_certificate_is_said_as_such_and_is_no_outage(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """A certificate this computer does not trust is a setting to change, not a network to wait for: it is
    no Offline (gterm's own tasks wait out an Offline for minutes), and it names the certificate."""
    import certifi

    _, path = make_lab_dir(sandbox, {"c.bin": b"c"})
    files = HttpsFiles(https_server_url(sandbox.state, LAB_STORAGE_ID), LAB_STORAGE_ID,
                       globus_sdk.AccessTokenAuthorizer(_token(sandbox, LAB_STORAGE_ID)), retry_delays=())
    files._http.verify = certifi.where()  # the public CAs: not the sandbox's own
    with pytest.raises(ServiceError) as raised:
        files.download(path + "c.bin", tmp_path / "c.bin")
    # Worded as every Globus call's refusal (error_mapping.certificate_error): the server, its host, the reason.
    host = urlsplit(https_server_url(sandbox.state, LAB_STORAGE_ID)).netloc
    assert raised.value.code == "UntrustedCertificate"
    said = str(raised.value)
    assert said.startswith(f"The certificate of the HTTPS server of the collection ({host}) could not be verified (")
    assert "REQUESTS_CA_BUNDLE" in said


def test_no_token_redirects_to_auth_like_gcs(sandbox: SandboxHandle) -> None:
    url = https_server_url(sandbox.state, LAB_STORAGE_ID) + "/home/alice/"
    response = requests.get(url, allow_redirects=False, timeout=30)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(sandbox.auth_url.rstrip("/") + "/v2/oauth2/authorize?")
    assert f"client_id={LAB_STORAGE_ID}" in location


def test_a_token_for_another_collection_is_refused(sandbox: SandboxHandle, tmp_path: Path) -> None:
    wrong = globus_sdk.AccessTokenAuthorizer(_token(sandbox, HPC_SCRATCH_ID))
    files = HttpsFiles(https_server_url(sandbox.state, LAB_STORAGE_ID), LAB_STORAGE_ID, wrong)
    with pytest.raises(ConsentNeeded) as info:
        files.stat("/home/alice/")
    assert info.value.required_scopes == [https_scope(LAB_STORAGE_ID)]


def test_data_access_is_required_where_the_collection_requires_it(sandbox: SandboxHandle) -> None:
    base = https_server_url(sandbox.state, HPC_SCRATCH_ID)
    root = collection_root(sandbox, HPC_SCRATCH_ID)
    (root / "home" / "alice").mkdir(parents=True, exist_ok=True)
    (root / "home" / "alice" / "scratch.txt").write_text("scratch data")
    without = HttpsFiles(base, HPC_SCRATCH_ID, globus_sdk.AccessTokenAuthorizer(_token(sandbox, HPC_SCRATCH_ID)))
    with pytest.raises(ConsentNeeded):
        without.read("/home/alice/scratch.txt", 0, 100)
    token = _token(sandbox, HPC_SCRATCH_ID, data_access=True)
    with_consent = HttpsFiles(base, HPC_SCRATCH_ID, globus_sdk.AccessTokenAuthorizer(token))
    assert with_consent.read("/home/alice/scratch.txt", 0, 100) == b"scratch data"


def test_guest_collections_apply_their_access_rules(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # Bob's shared results grants Alice read/write: her upload lands under Bob's shared folder.
    alice = files_for(sandbox, BOB_SHARED_ID, "alice")
    source = tmp_path / "w.txt"
    source.write_text("alice was here")
    name = f"alice-upload-{os.getpid()}-{threading.get_ident()}.txt"
    alice.upload(source, "/" + name)
    assert alice.read("/" + name, 0, 100) == b"alice was here"
    alice.delete("/" + name)
    # The robot client has no rule there: refused, whatever its token says.
    robot = robot_auth_client(sandbox)
    token = robot.oauth2_client_credentials_tokens(requested_scopes=https_scope(BOB_SHARED_ID))
    robot_files = HttpsFiles(
        https_server_url(sandbox.state, BOB_SHARED_ID),
        BOB_SHARED_ID,
        globus_sdk.AccessTokenAuthorizer(token.by_resource_server[BOB_SHARED_ID]["access_token"]),
    )
    with pytest.raises(PermissionDenied):
        robot_files.read("/" + name, 0, 10)
    with pytest.raises(PermissionDenied):
        robot_files.upload(source, "/robot.txt")


def test_a_name_that_is_not_utf8_keeps_its_bytes(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    """b"caf\\xe9.txt" up and down by its exact bytes, whichever spelling gterm holds the name in."""
    raw = b"caf\xe9.txt"
    local_name = os.fsdecode(raw)  # a local listing's spelling (lone surrogate)
    wire_name = "\ufffd" + raw.decode("latin-1")  # Transfer's spelling (an ls of the collection)
    disk, path = make_lab_dir(sandbox)
    source = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), raw)))
    source.write_bytes(b"up")

    assert lab.url(path + local_name).endswith("/caf%E9.txt")
    assert lab.url(path + wire_name) == lab.url(path + local_name)
    assert lab.upload(source, path + local_name) == 2
    assert os.listdir(os.fsencode(disk)) == [raw]
    assert lab.stat(path + wire_name).size == 2

    target = tmp_path / "down"
    target.mkdir()
    lab.download(path + wire_name, target / local_name)
    assert os.listdir(os.fsencode(target)) == [raw]
    assert (target / local_name).read_bytes() == b"up"
    lab.delete(path + wire_name)
    assert os.listdir(os.fsencode(disk)) == []


def test_a_name_near_the_limit_downloads_and_resumes_through_a_short_part(
    sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path
) -> None:
    name = "n" * 250 + ".bin"  # 254 bytes: fits, but ".<name>.gterm-part" would not
    data = _blob(3 * 1024 * 1024, seed=23)
    _, path = make_lab_dir(sandbox, {name: data})
    target = tmp_path / name
    part = part_path(target)
    assert len(os.fsencode(part.name)) <= 255 and part.parent == tmp_path
    kept = _interrupted(lab, path + name, target)  # an earlier attempt's bytes

    result = lab.download(path + name, target)

    assert 0 < kept == result.resumed_from and target.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_full_disk_keeps_the_part_and_says_so(sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path) -> None:
    _, path = make_lab_dir(sandbox, {"full.bin": _blob(2 * 1024 * 1024, seed=29)})
    target = tmp_path / "full.bin"
    # Writes to /dev/full fail with ENOSPC, as a full disk's do: the part file is that device here.
    part_path(target).symlink_to("/dev/full")

    with pytest.raises(LocalWriteError) as info:
        lab.download(path + "full.bin", target)

    message = str(info.value)
    assert "disk is full while writing full.bin" in message
    assert f"{part_path(target).name} is kept, so the next download resumes from it" in message
    assert not target.exists()


def test_a_failed_write_names_the_local_file_not_the_remote_one(
    sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path
) -> None:
    # Keep both downloads "full.bin" as "full (1).bin": what cannot be written is that file.
    _, path = make_lab_dir(sandbox, {"full.bin": _blob(256 * 1024, seed=31)})
    target = tmp_path / "full (1).bin"
    part_path(target).symlink_to("/dev/full")

    with pytest.raises(LocalWriteError) as info:
        lab.download(path + "full.bin", target)

    assert "disk is full while writing full (1).bin" in str(info.value)


def test_a_path_this_computer_cannot_hold_is_said_and_nothing_is_written(
    sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path
) -> None:
    name = "a-rather-long-file-name-" + "x" * 200 + ".txt"
    _, path = make_lab_dir(sandbox, {name: "content"})
    deep = tmp_path
    while len(os.fsencode(str(deep))) < 4096 - 120:  # PATH_MAX is 4096: the file's full path will not fit
        deep = deep / ("d" * 100)
    deep.mkdir(parents=True)

    with pytest.raises(LocalWriteError) as info:
        lab.download(path + name, deep / name)

    assert "file system cannot hold the name" in str(info.value) and "nothing was written" in str(info.value)
    assert list(deep.iterdir()) == []


def test_an_empty_file_uploads_at_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # A 0-byte body once went out as "Transfer-Encoding: chunked" beside "Content-Length: 0": the server
    # waited for chunks that never came, and each attempt sat out the whole read timeout.
    source = tmp_path / "empty.txt"
    source.write_bytes(b"")
    disk, path = make_lab_dir(sandbox, {"empty.txt": b"old"})
    files = files_for(sandbox, LAB_STORAGE_ID, read_timeout=10.0, retry_delays=())
    try:
        started = time.monotonic()
        assert files.upload(source, path + "empty.txt") == 0
        assert files.upload(source, path + "new-empty.txt") == 0
        elapsed = time.monotonic() - started
    finally:
        files.close()
    assert elapsed < 5
    assert (disk / "empty.txt").read_bytes() == b"" and (disk / "new-empty.txt").read_bytes() == b""


def test_a_request_with_both_content_length_and_chunked_is_refused_at_once(sandbox: SandboxHandle) -> None:
    # RFC 9112 6.3: such a message is a smuggling risk; servers (nginx, GCS's) answer 400 and close.
    base = https_server_url(sandbox.state, LAB_STORAGE_ID)
    host_port, _, prefix = base.split("://", 1)[1].partition("/")
    host, port = host_port.rsplit(":", 1)
    context = ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE"))
    connection = http.client.HTTPSConnection(host.strip("[]"), int(port), context=context, timeout=10)
    try:
        connection.putrequest("PUT", f"/{prefix}/transfer-tests/framing.txt")
        connection.putheader("Authorization", f"Bearer {_token(sandbox, LAB_STORAGE_ID)}")
        connection.putheader("Content-Length", "0")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        started = time.monotonic()
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 400
    assert time.monotonic() - started < 5


def test_cancel_during_the_wait_before_a_retry_stops_at_once(tmp_path: Path) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: every attempt fails at once and waits before the next
    files = HttpsFiles(f"https://127.0.0.1:{port}/x", "x", globus_sdk.AccessTokenAuthorizer("t"), retry_delays=(30.0,))
    source = tmp_path / "s.txt"
    source.write_text("s")
    for attempt in (
        lambda stop: files.upload(source, "/s.txt", cancel=stop),
        lambda stop: files.download("/s.txt", tmp_path / "d.txt", cancel=stop),
    ):
        stop = threading.Event()
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        with pytest.raises(Cancelled):
            attempt(stop)
        assert time.monotonic() - started < 5
    files.close()


def test_continue_keeps_the_users_file_until_the_download_succeeds(
    sandbox: SandboxHandle, lab: HttpsFiles, tmp_path: Path
) -> None:
    data = _blob(6 * 1024 * 1024, seed=59)
    _, path = make_lab_dir(sandbox, {"half.bin": data})
    mine = tmp_path / "half.bin"
    mine.write_bytes(data[:1_000_000])  # an unfinished copy, made by something else
    stop = threading.Event()

    with pytest.raises(Cancelled):
        lab.download(path + "half.bin", mine, continue_from=mine, progress=lambda n: stop.set(), cancel=stop)

    assert mine.read_bytes() == data[:1_000_000]  # still the user's, whole, under its own name
    result = lab.download(path + "half.bin", mine, continue_from=mine)
    assert mine.read_bytes() == data and result.resumed_from > 1_000_000  # went on from the stopped attempt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["half.bin"]

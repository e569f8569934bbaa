"""One press of Submit never makes two tasks, even when the submit response is lost.

A tiny loopback TCP proxy sits between the SDK and the sandbox. It forwards
every request, but for the first ``POST /v0.10/transfer`` it closes the
client's connection after the sandbox has answered, so the response is lost
in transit: the task exists, the client never heard. Nothing in gterm or the
SDK is mocked; the retry (by the SDK's transport or by submit_transfer_once)
resends the same submission id and Globus answers with the original task.
"""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path
from typing import Any

import globus_sdk
from textual.widgets import Input

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.sandbox_login import login_tokens, new_native_client, transfer_scope
from tests.support.transfer_live import RequestLog, wait_until


def _read_message(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """One HTTP/1.1 message (headers + Content-Length body) from ``sock``; None at EOF."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    head_end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:head_end]).decode("latin-1")
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
            raise AssertionError("the proxy handles Content-Length bodies only")
    while len(buffer) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    message = bytes(buffer[: head_end + length])
    del buffer[: head_end + length]
    return message


class DroppingProxy:
    """Forwards HTTP to the sandbox (over TLS verified with ``ca_file`` when it serves https);
    loses the response of the first POST to ``drop_path``."""

    def __init__(self, upstream_port: int, drop_path: str, ca_file: Path | None) -> None:
        self.upstream_port = upstream_port
        self.upstream_tls = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
        self.drop_path = drop_path
        self.dropped = 0
        self.forwarded_posts = 0
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self._closed = True
        self.server.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        if self.upstream_tls is not None:
            upstream = self.upstream_tls.wrap_socket(upstream, server_hostname="127.0.0.1")
        from_client, from_upstream = bytearray(), bytearray()
        try:
            while True:
                request = _read_message(client, from_client)
                if request is None:
                    return
                upstream.sendall(request)
                response = _read_message(upstream, from_upstream)
                if response is None:
                    return
                start = request.split(b"\r\n", 1)[0].decode("latin-1").split()
                is_submit = start[0] == "POST" and start[1].split("?")[0] == self.drop_path
                with self._lock:
                    if is_submit:
                        self.forwarded_posts += 1
                    drop = is_submit and self.dropped == 0
                    if drop:
                        self.dropped += 1
                if drop:
                    return  # the sandbox answered; the client never hears it
                client.sendall(response)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()


def alice_service_via(sandbox: SandboxHandle, base_url: str) -> TransferService:
    client_id = new_native_client(sandbox)
    tokens = login_tokens(sandbox, f"openid {transfer_scope()}", client_id)
    data = tokens.by_resource_server["transfer.api.globus.org"]
    authorizer = globus_sdk.RefreshTokenAuthorizer(
        data["refresh_token"],
        globus_sdk.NativeAppAuthClient(client_id, base_url=sandbox.auth_url),
        access_token=data["access_token"],
        expires_at=data["expires_at_seconds"],
    )
    client = globus_sdk.TransferClient(authorizer=authorizer, base_url=base_url)
    return TransferService(lambda: client, retry_delay=0.05)


async def test_dropped_submit_response_makes_one_task(sandbox: SandboxHandle, lab_dir: Any) -> None:
    port = int(sandbox.transfer_url.rstrip("/").rsplit(":", 1)[1])
    proxy = DroppingProxy(port, "/v0.10/transfer", sandbox.ca_file)
    try:
        service = alice_service_via(sandbox, proxy.url)
        src_disk, src = lab_dir({"payload.txt": "sent once\n"})
        dst_disk, dst = lab_dir()
        left = HostPane(service, LAB_STORAGE_ID, src, "Lab Storage")
        right = HostPane(service, LAB_STORAGE_ID, dst, "Lab Storage")
        left.selected = ["payload.txt"]
        app = TransferHostApp(service, left, right)
        log = RequestLog(sandbox)
        mark = log.mark()
        label = f"once {src}"
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
            app.screen.query_one("#label", Input).value = label
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.submitted_task_id, "submission")
            task_id = str(app.submitted_task_id)
        assert proxy.dropped == 1
        assert proxy.forwarded_posts >= 2  # the first reached the sandbox; a retry followed
        assert log.count(mark, method="POST", path="/v0.10/transfer", identity="alice") >= 2
        same_label = [t for t in service.tasks(limit=100) if t.label == label]
        assert [t.task_id for t in same_label] == [task_id]
        assert wait_for_task(service, task_id, timeout=60).status == "SUCCEEDED"
        assert (dst_disk / "payload.txt").read_bytes() == (src_disk / "payload.txt").read_bytes()
    finally:
        proxy.close()

"""Once-only submission when the response is lost on the way back.

A tiny loopback HTTP proxy sits between the real TransferClient and the live
sandbox. It forwards every request; for the first POST /v0.10/transfer (or
/delete) it lets the sandbox create the task and then hangs up instead of
answering, exactly what a dropped connection looks like to the client. The
SDK's own retries are turned off so gterm's retry is what is exercised.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import globus_sdk
import pytest
from globus_sdk.transport import RetryConfig

from gterm.globus.errors import Offline
from gterm.globus.transfer import TransferService, wait_for_task
from gterm.globus.transfer_requests import DeleteRequest, TransferItem, TransferRequest
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.sandbox_login import LOGIN_SCOPES, login_tokens, new_native_client, transfer_scope

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class DroppingProxy:
    """Forwards HTTP to ``upstream`` (verified with ``ca_file`` when it is https); drops the response
    of the next N submissions."""

    def __init__(self, upstream: str, ca_file: Path | None) -> None:
        target = urlsplit(upstream)
        self.upstream_host = target.hostname or "127.0.0.1"
        self.upstream_port = target.port or (443 if target.scheme == "https" else 80)
        self.upstream_tls = ssl.create_default_context(cafile=str(ca_file)) if target.scheme == "https" else None
        self.drop_submissions = 0
        self.dropped = 0
        self.forwarded: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream: http.client.HTTPConnection
                if proxy.upstream_tls is not None:
                    upstream = http.client.HTTPSConnection(
                        proxy.upstream_host, proxy.upstream_port, timeout=60, context=proxy.upstream_tls
                    )
                else:
                    upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    payload = response.read()
                finally:
                    upstream.close()
                proxy.forwarded.append(f"{self.command} {self.path}")
                is_submission = self.command == "POST" and self.path.split("?")[0] in (
                    "/v0.10/transfer", "/v0.10/delete",
                )
                if is_submission and proxy.drop_submissions > 0:
                    proxy.drop_submissions -= 1
                    proxy.dropped += 1
                    self.close_connection = True  # hang up: the task exists, the client never hears
                    return
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> DroppingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def proxy(sandbox: Any) -> Iterator[DroppingProxy]:
    with DroppingProxy(sandbox.transfer_url, sandbox.ca_file) as running:
        yield running


@pytest.fixture
def service(sandbox: Any, proxy: DroppingProxy) -> TransferService:
    client_id = new_native_client(sandbox)
    tokens = login_tokens(sandbox, f"{LOGIN_SCOPES} {transfer_scope()}", client_id, identity="alice")
    data = tokens.by_resource_server["transfer.api.globus.org"]

    def factory() -> globus_sdk.TransferClient:
        authorizer = globus_sdk.RefreshTokenAuthorizer(
            data["refresh_token"],
            globus_sdk.NativeAppAuthClient(client_id, base_url=sandbox.auth_url),
            access_token=data["access_token"],
            expires_at=data["expires_at_seconds"],
        )
        return globus_sdk.TransferClient(
            authorizer=authorizer, base_url=proxy.url, retry_config=RetryConfig(max_retries=0)
        )

    return TransferService(factory, retry_delay=0.05)


def tasks_labelled(service: TransferService, label: str) -> list[str]:
    return [task.task_id for task in service.tasks(limit=100) if task.label == label]


def test_dropped_submit_response_retried_once_only(service: TransferService, proxy: DroppingProxy,
                                                   sandbox: Any) -> None:
    label = f"dropped-{uuid.uuid4().hex[:8]}"
    dest = f"/home/alice/{label}/"
    service.mkdir(LAB_STORAGE_ID, dest)
    request = TransferRequest(
        LAB_STORAGE_ID, LAB_STORAGE_ID,
        [TransferItem("/home/alice/README.md", dest + "README.md")], label=label,
    )
    proxy.drop_submissions = 1
    task_id = service.submit_transfer_once(request, retries=2)
    assert proxy.dropped == 1
    assert proxy.forwarded.count("POST /v0.10/transfer") == 2  # the retry reached the service
    assert tasks_labelled(service, label) == [task_id]  # and made no second task
    assert wait_for_task(service, task_id, timeout=60).status == "SUCCEEDED"


def test_user_resubmits_after_offline(service: TransferService, proxy: DroppingProxy) -> None:
    """Without the helper: the first press reports Offline; pressing again with the same request is harmless."""
    label = f"pressed-twice-{uuid.uuid4().hex[:8]}"
    request = TransferRequest(
        LAB_STORAGE_ID, LAB_STORAGE_ID,
        [TransferItem("/home/alice/README.md", f"/home/alice/{label}.md")], label=label,
    )
    proxy.drop_submissions = 1
    with pytest.raises(Offline):
        service.submit_transfer(request)
    created = tasks_labelled(service, label)
    assert len(created) == 1  # the service did create it
    assert service.submit_transfer(request) == created[0]
    assert tasks_labelled(service, label) == created


def test_dropped_delete_response_retried_once_only(service: TransferService, proxy: DroppingProxy) -> None:
    label = f"dropped-delete-{uuid.uuid4().hex[:8]}"
    target = f"/home/alice/{label}/"
    service.mkdir(LAB_STORAGE_ID, target)
    request = DeleteRequest(LAB_STORAGE_ID, [target], recursive=True, label=label)
    proxy.drop_submissions = 1
    task_id = service.submit_delete_once(request, retries=1)
    assert proxy.dropped == 1
    assert tasks_labelled(service, label) == [task_id]
    assert wait_for_task(service, task_id, timeout=60).status == "SUCCEEDED"


def test_retries_give_up_with_offline(service: TransferService, proxy: DroppingProxy) -> None:
    label = f"never-answered-{uuid.uuid4().hex[:8]}"
    request = TransferRequest(
        LAB_STORAGE_ID, LAB_STORAGE_ID,
        [TransferItem("/home/alice/README.md", f"/home/alice/{label}.md")], label=label,
    )
    proxy.drop_submissions = 3
    with pytest.raises(Offline):
        service.submit_transfer_once(request, retries=2)
    assert proxy.dropped == 3
    assert len(tasks_labelled(service, label)) == 1  # three sends, one task

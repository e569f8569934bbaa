"""Run the sandbox: in-process on a background thread (tests, `gterm demo`) or in the foreground (CLI).

One uvicorn server on one loopback port serves both Auth and Transfer, exactly
as the SDK expects once GLOBUS_SDK_SERVICE_URL_AUTH/_TRANSFER point at it. It
speaks HTTPS with a certificate from the sandbox's own CA (see tls.py) unless
the config asks for plain http; ``SandboxHandle.client_env()`` is what a client
sets to reach it and trust it.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import json
import shlex
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette

from gterm.sandbox import (
    auth_store,
    collection_store,
    gcp,
    gcs_documents,
    gcs_store,
    groups_store,
    management_store,
    pauses,
    principals,
    roles_store,
    tasks_store,
    temporaries,
)
from gterm.sandbox.app import build_app
from gterm.sandbox.data_dir_lock import holding_data_dir
from gterm.sandbox.db import Database
from gterm.sandbox.engine import Engine
from gterm.sandbox.https_data import https_server_url
from gterm.sandbox.state import SandboxConfig, SandboxState
from gterm.sandbox.tls import TlsFiles, ensure_tls_files

_START_TIMEOUT = 15.0

KEEP_ALIVE_SECONDS = 5
"""How long an idle keep-alive connection stays open before the server closes it (uvicorn's timeout_keep_alive)."""

# Every variable SandboxHandle.client_env() may set, plus the one a sandbox client must not have.
CLIENT_ENV_KEYS = (
    "GLOBUS_SDK_ENVIRONMENT",
    "GLOBUS_SDK_SERVICE_URL_AUTH",
    "GLOBUS_SDK_SERVICE_URL_TRANSFER",
    "GLOBUS_SDK_SERVICE_URL_GROUPS",
    "GLOBUS_SDK_VERIFY_SSL",
    "REQUESTS_CA_BUNDLE",
)


@dataclass
class SandboxHandle:
    """What a running sandbox offers its caller."""

    state: SandboxState
    info: dict[str, Any]  # the sandbox.json document
    app: Starlette | None = None  # the ASGI app being served (its route table lists every route)

    @property
    def auth_url(self) -> str:
        return self.state.auth_url

    @property
    def transfer_url(self) -> str:
        return self.state.transfer_url

    @property
    def groups_url(self) -> str:
        return self.state.groups_url

    @property
    def data_dir(self) -> Path:
        return Path(self.state.config.data_dir)

    @property
    def ca_file(self) -> Path | None:
        """The CA certificate clients must trust (None when serving plain http)."""
        ca = self.info.get("ca_file")
        return Path(ca) if ca else None

    def client_env(self) -> dict[str, str]:
        """The environment a client needs: service URLs, and the CA to trust for the SDK and for requests."""
        env = {
            "GLOBUS_SDK_SERVICE_URL_AUTH": self.auth_url,
            "GLOBUS_SDK_SERVICE_URL_TRANSFER": self.transfer_url,
            "GLOBUS_SDK_SERVICE_URL_GROUPS": self.groups_url,
        }
        if self.ca_file is not None:
            # The SDK sends verify=<its setting> itself, so REQUESTS_CA_BUNDLE alone would not reach it.
            env["GLOBUS_SDK_VERIFY_SSL"] = str(self.ca_file)
            env["REQUESTS_CA_BUNDLE"] = str(self.ca_file)
        return env

    def client_secret(self, client_id: str) -> str:
        """The secret of a seeded confidential client (from sandbox.json)."""
        for client in self.info["clients"]:
            if client["client_id"] == client_id and client.get("client_secret"):
                return str(client["client_secret"])
        raise KeyError(client_id)


class CannotListen(Exception):
    """The address to serve on cannot be bound (in use, not this machine's, not an address): says which."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        reason = error.strerror or str(error) or type(error).__name__
        where = f"{_shown_host(host)}:{port}" if port else f"{host} (any free port)"
        super().__init__(f"cannot listen on {where}: {reason}.")
        self.in_use = error.errno == errno.EADDRINUSE


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto is TCP, and without
    # it every response (headers, then body) waits ~40 ms on Nagle + delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:  # socket.gaierror too: a host name that does not resolve
        sock.close()
        raise CannotListen(host, port, exc) from None
    sock.setblocking(False)
    return sock


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _url(host: str, port: int, *, tls: bool) -> str:
    return f"{'https' if tls else 'http'}://{_shown_host(host)}:{port}/"


def _prepare(state: SandboxState) -> None:
    """Create every table and seed a fresh data dir (no-op for an existing one)."""
    auth_store.init_schema(state.db)
    collection_store.init_schema(state.db)
    tasks_store.init_schema(state.db)
    roles_store.init_schema(state.db)
    management_store.init_schema(state.db)
    groups_store.init_schema(state.db)
    gcs_store.init_schema(state.db)
    auth_store.seed(state)
    collection_store.seed(state)
    gcp.seed(state)
    roles_store.seed(state)
    groups_store.seed(state.db)
    # Access checks (ACLs, roles) ask Groups who is an active member, at every check.
    state.active_group_ids = functools.partial(principals.active_groups, state.db)
    gcs_store.seed(state)  # after the collections it places on GCSv5 endpoints
    for endpoint in gcs_store.all_endpoints(state.db):  # at every start: older data dirs get them too
        auth_store.ensure_client_identity(state.db, endpoint.id, endpoint.display_name)
    gcs_store.seed_alices_guest(state)  # after Lab Storage's place on its endpoint
    roles_store.seed_guest_creators(state)  # after the guests it gives their creators' roles on


def sandbox_info(state: SandboxState, tls: TlsFiles | None = None) -> dict[str, Any]:
    """The sandbox.json document: URLs, CA file, identities, clients (with the robot's secret), collections."""
    users = auth_store.list_users(state.db)
    clients = []
    for row in auth_store.list_clients(state.db):
        entry: dict[str, Any] = {"client_id": row["id"], "type": row["type"], "name": row["name"]}
        if row["type"] == "confidential":
            entry["client_secret"] = row["secret"]
        clients.append(entry)
    return {
        "auth_url": state.auth_url,
        "transfer_url": state.transfer_url,
        "ca_file": str(tls.ca_file) if tls else None,
        "groups_url": state.groups_url,
        "identities": [{"id": u["id"], "username": u["username"], "name": u["name"]} for u in users],
        "clients": clients,
        "collections": collection_store.collection_summaries(state),
        "groups": [{"id": row["id"], "name": row["name"]} for row in groups_store.list_groups(state.db)],
        "gcs_endpoints": gcs_documents.endpoint_summaries(state),
        # Every collection's https_server: this with its id filled in (the HTTPS data service's scheme).
        "https_server_template": https_server_url(state, "{collection_id}"),
    }


def last_port(data_dir: Path) -> int | None:
    """The port a sandbox last served ``data_dir`` on (from the sandbox.json it wrote then), or None."""
    try:
        info = json.loads((data_dir / "sandbox.json").read_text(encoding="utf-8"))
        return urlsplit(str(info["auth_url"])).port or None
    except (OSError, ValueError, TypeError, KeyError):  # none yet, or not one a sandbox wrote
        return None


def _write_info(data_dir: Path, info: dict[str, Any]) -> None:
    path = data_dir / "sandbox.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    tmp.chmod(0o600)  # it holds the robot's client secret
    tmp.replace(path)


class _SandboxServer(uvicorn.Server):
    """uvicorn, with a prompt stop under TLS.

    Closing an idle keep-alive TLS connection sends close_notify and waits for
    the client's reply, which an idle pooled client (a requests Session) never
    sends; uvicorn would then sit out its whole graceful-shutdown timeout. An
    idle connection has nothing in flight, so it is dropped at once; busy ones
    still finish their response as before.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        dropped = []
        for connection in list(self.server_state.connections):
            transport = connection.transport
            # One already closing (its keep-alive timeout sent close_notify: any connection idle for
            # timeout_keep_alive) is aborted as it is: a second close() on asyncio's TLS transport lets
            # go of its TLS protocol, which turns the abort into a no-op (the stop then took 4 s).
            if transport is None or not transport.is_closing():
                connection.shutdown()  # idle: closes its transport; busy: ends keep-alive after this response
            if transport is not None and transport.is_closing():
                transport.abort()
                dropped.append(connection)
        deadline = time.monotonic() + 1.0
        while any(c in self.server_state.connections for c in dropped) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # connection_lost runs on a later loop turn and unregisters them
        await super().shutdown(sockets)


class _ServerThread(threading.Thread):
    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        super().__init__(name="gterm-sandbox-server", daemon=True)
        self.server = server
        self.sock = sock
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self.sock]))
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            self.error = exc


@contextmanager
def running_sandbox(config: SandboxConfig) -> Iterator[SandboxHandle]:
    """Start the sandbox on ``config.host:config.port`` (0 = ephemeral) and stop it cleanly on exit.

    Raises DataDirInUse, before anything in the data dir is read or written, when another sandbox
    runs on it.
    """
    data_dir = Path(config.data_dir).resolve()
    # User-only when the sandbox makes it: it holds sandbox.db and sandbox.json (the robot's secret).
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config.data_dir = data_dir
    with holding_data_dir(data_dir), _serving(config, data_dir) as handle:
        yield handle


@contextmanager
def _serving(config: SandboxConfig, data_dir: Path) -> Iterator[SandboxHandle]:
    tls = ensure_tls_files(data_dir) if config.tls else None
    sock = _bind(config.host, config.port)
    port = sock.getsockname()[1]
    db = Database(data_dir / "sandbox.db")
    state = SandboxState(config=config, db=db, base_url=_url(config.host, port, tls=tls is not None))
    engine: Engine | None = None
    thread: _ServerThread | None = None
    try:
        _prepare(state)
        # Before anything is copied or uploaded: the data dir is this process's alone (holding_data_dir).
        temporaries.remove_stale(state)
        engine = Engine(state)  # registers itself as state.engine for the task routes
        pauses.install(state)  # running tasks stop between files while a pause holds them
        app = build_app(state)
        uv_config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=3,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            # Request heads up to 1 MiB reach the app, which answers them with a JSON 4xx. At h11's
            # 16 KiB default uvicorn answers an over-long URL and closes at once: a TLS client still
            # sending its request then gets a TLS error instead of the answer.
            h11_max_incomplete_event_size=1024 * 1024,
            ssl_certfile=tls.cert_file if tls else None,
            ssl_keyfile=tls.key_file if tls else None,
        )
        server = _SandboxServer(uv_config)
        thread = _ServerThread(server, sock)
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox server failed to start: {thread.error!r}")
            time.sleep(0.01)
        if engine is not None:
            engine.start()
            pauses.resume_unpaused(state)  # a rule deleted while the sandbox was down
        info = sandbox_info(state, tls)
        _write_info(data_dir, info)
        yield SandboxHandle(state=state, info=info, app=app)
    finally:
        if engine is not None:
            engine.stop()
        if thread is not None:
            thread.server.should_exit = True
            thread.join(timeout=10)
        sock.close()
        db.close()


@contextmanager
def _ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C (SIGINT) raises KeyboardInterrupt in here, even in a process started with SIGINT ignored.

    A shell starts a background job (`gterm sandbox serve &`, a test run started in the background)
    with SIGINT ignored, and Python then installs no KeyboardInterrupt handler: Ctrl-C and
    `kill -INT` did nothing and the sandbox served on. Stopping on SIGINT is this command's
    documented stop, so it takes the signal while it serves (uvicorn does the same in the foreground).
    """
    if threading.current_thread() is not threading.main_thread():  # signal.signal works only there
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if previous is not None:  # None: a handler set outside Python, which cannot be put back
            signal.signal(signal.SIGINT, previous)


def serve_forever(config: SandboxConfig) -> None:
    """`gterm sandbox serve`: print the export lines, then serve until Ctrl-C stops it.

    Once it serves, Ctrl-C stops it cleanly and this returns, wherever the interrupt lands: in
    the serve loop or while the export lines are still being printed (a client may read them
    and be done before this thread reaches the loop). Ctrl-C while it starts, or a second one
    while it stops, propagates as KeyboardInterrupt.
    """
    with _ctrl_c_raises(), running_sandbox(config) as handle:
        try:
            for key, value in handle.client_env().items():
                print(f"export {key}={shlex.quote(value)}")
            print("unset GLOBUS_SDK_ENVIRONMENT")
            if handle.ca_file is None:
                print(
                    "# plain http (--http): fine for Auth/Transfer debugging; GCS clients need https", file=sys.stderr
                )
            print(
                f"# sandbox data dir: {handle.data_dir} (identities, clients and secrets in sandbox.json)",
                file=sys.stderr,
            )
            print("# press Ctrl-C to stop", file=sys.stderr)
            sys.stdout.flush()
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("# stopping sandbox", file=sys.stderr)

"""The sandbox server itself: own data dirs, restarts, consent page, token lifetime, CLI entry."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import globus_sdk
import pytest
import requests

from gterm.sandbox import auth_store
from gterm.sandbox.data_dir_lock import DataDirInUse
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    BOB_ID,
    GTERM_NATIVE_CLIENT_ID,
    LAB_STORAGE_ID,
    ROBOT_CLIENT_ID,
    TRANSFER_SCOPE,
)
from gterm.sandbox.server import KEEP_ALIVE_SECONDS, SandboxHandle, running_sandbox, serve_forever
from gterm.sandbox.state import SandboxConfig
from tests.support.sandbox_login import login_tokens, own_sandbox, transfer_client_for
from tests.support.sandbox_process import spawn_serve_forever
from tests.support.session_helpers import read_exports

TRANSFER_RS = "transfer.api.globus.org"
SCOPES = f"openid profile email {TRANSFER_SCOPE}"


def test_sandbox_json_describes_the_world(sandbox: SandboxHandle) -> None:
    info = json.loads((sandbox.data_dir / "sandbox.json").read_text())
    assert info == sandbox.info
    assert info["auth_url"] == info["transfer_url"] == sandbox.auth_url
    assert urlsplit(info["auth_url"]).hostname == "127.0.0.1"
    assert [i["id"] for i in info["identities"]][:2] == [ALICE_ID, BOB_ID]
    clients = {c["client_id"]: c for c in info["clients"]}
    assert clients[GTERM_NATIVE_CLIENT_ID]["type"] == "native"
    assert "client_secret" not in clients[GTERM_NATIVE_CLIENT_ID]
    assert clients[ROBOT_CLIENT_ID]["type"] == "confidential"
    assert clients[ROBOT_CLIENT_ID]["client_secret"]
    assert oct((sandbox.data_dir / "sandbox.json").stat().st_mode & 0o777) == oct(0o600)


def test_the_sandbox_keeps_its_secrets_user_only(tmp_path: Path) -> None:
    """sandbox.db (the robot's secret, every token issued) was made 0644 in a 0755 data dir."""
    umask = os.umask(0o022)
    try:
        data_dir = tmp_path / "made" / "sb"
        with own_sandbox(data_dir) as handle:
            handle.state.db.execute("SELECT 1")
            assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
            for name in ("sandbox.db", "sandbox.db-wal", "sandbox.db-shm", "sandbox.json"):
                assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name
        # A database an older sandbox left world-readable is narrowed when it is opened again.
        (data_dir / "sandbox.db").chmod(0o644)
        with own_sandbox(data_dir):
            assert stat.S_IMODE((data_dir / "sandbox.db").stat().st_mode) == 0o600
    finally:
        os.umask(umask)


def test_unknown_routes_and_methods_answer_json(sandbox: SandboxHandle) -> None:
    missing = requests.get(sandbox.auth_url + "v2/no/such/thing", timeout=30)
    assert missing.status_code == 404
    assert missing.json()["code"] == "ClientError.NotFound"
    assert "request_id" in missing.json()
    wrong_method = requests.get(sandbox.auth_url + "v2/oauth2/token", timeout=30)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("application/json")


def test_expired_access_token_gets_401_and_refresh_recovers(tmp_path: Path) -> None:
    with own_sandbox(tmp_path, access_token_lifetime=2) as box:
        tokens = login_tokens(box, SCOPES)
        data = tokens.by_resource_server[TRANSFER_RS]
        assert data["expires_at_seconds"] <= time.time() + 2
        fixed = globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(data["access_token"]), base_url=box.transfer_url
        )
        renewing = transfer_client_for(box, "alice")
        time.sleep(3)  # let the access tokens expire (not a timing assert)
        with pytest.raises(globus_sdk.TransferAPIError) as info:
            fixed.get_endpoint(LAB_STORAGE_ID)
        assert info.value.http_status == 401
        assert renewing.get_endpoint(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID


def test_stop_drops_a_connection_its_keep_alive_timeout_already_closed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """`q` in `gterm demo` took 4.6 s to reach the shell, then uvicorn said "timeout graceful shutdown
    exceeded": a client's pooled TLS connection, idle past the keep-alive timeout, was already closing
    (close_notify sent, never answered), and the stop's second close() made its abort a no-op."""
    with own_sandbox(tmp_path) as box:
        client = transfer_client_for(box, "alice")
        assert client.get_endpoint(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID
        time.sleep(KEEP_ALIVE_SECONDS + 0.5)  # the server closes the idle connection (not a timing assert)
        capfd.readouterr()
    assert "graceful shutdown exceeded" not in capfd.readouterr().err


def test_restart_keeps_identities_clients_tokens_and_keys(tmp_path: Path) -> None:
    with own_sandbox(tmp_path, auto_approve=False) as first:
        tokens = login_tokens(first, SCOPES, identity="bob")  # goes through the consent form
        secret = first.client_secret(ROBOT_CLIENT_ID)
        jwks = requests.get(first.auth_url + "jwk.json", timeout=30).json()
    with own_sandbox(tmp_path, auto_approve=False) as second:
        assert second.client_secret(ROBOT_CLIENT_ID) == secret
        assert requests.get(second.auth_url + "jwk.json", timeout=30).json() == jwks
        client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID, base_url=second.auth_url)
        decoder = globus_sdk.IDTokenDecoder(client)
        assert decoder.decode(tokens["id_token"])["sub"] == BOB_ID
        refreshed = client.oauth2_refresh_token(tokens.by_resource_server[TRANSFER_RS]["refresh_token"])
        tc = globus_sdk.TransferClient(
            authorizer=globus_sdk.AccessTokenAuthorizer(refreshed.by_resource_server[TRANSFER_RS]["access_token"]),
            base_url=second.transfer_url,
        )
        assert tc.get_endpoint(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID
        assert auth_store.consent_docs(second.state.db, BOB_ID, GTERM_NATIVE_CLIENT_ID)
        robot = globus_sdk.ConfidentialAppAuthClient(ROBOT_CLIENT_ID, secret, base_url=second.auth_url)
        assert robot.oauth2_client_credentials_tokens(requested_scopes=TRANSFER_SCOPE)["access_token"]


def test_a_second_sandbox_on_a_data_dir_in_use_refuses_to_start(tmp_path: Path) -> None:
    """Two sandboxes ran on one data dir: both engines resumed its ACTIVE tasks, and the second rewrote
    sandbox.json with its own port. The second now refuses, naming the dir and the holder's pid, before it
    reads or writes anything there; the first serves on, and the dir is free again once it stops."""
    with own_sandbox(tmp_path) as first:
        info = (tmp_path / "sandbox.json").read_bytes()
        db_stat = (tmp_path / "sandbox.db").stat()
        with pytest.raises(DataDirInUse) as refused, running_sandbox(SandboxConfig(data_dir=tmp_path)):
            pytest.fail("a second sandbox started on a data dir in use")
        assert str(refused.value) == (
            f"data dir {tmp_path.resolve()} is in use by another sandbox (pid {os.getpid()}); "
            "stop it or give another --data-dir."
        )
        assert (tmp_path / "sandbox.json").read_bytes() == info
        assert (tmp_path / "sandbox.db").stat().st_mtime_ns == db_stat.st_mtime_ns
        assert transfer_client_for(first, "alice").get_endpoint(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID
    with own_sandbox(tmp_path) as again:  # the first stopped: the dir is free
        assert again.client_secret(ROBOT_CLIENT_ID) == first.client_secret(ROBOT_CLIENT_ID)


def test_a_killed_sandbox_leaves_its_data_dir_free(tmp_path: Path) -> None:
    """The lock is the kernel's (flock): a sandbox killed with SIGKILL holds nothing afterwards."""
    proc = spawn_serve_forever(tmp_path)
    try:
        assert proc.stdout is not None
        read_exports(proc.stdout, 60)
        with pytest.raises(DataDirInUse, match=f"pid {proc.pid}"), running_sandbox(SandboxConfig(data_dir=tmp_path)):
            pass
    finally:
        proc.kill()
        proc.wait()
    with own_sandbox(tmp_path) as box:
        assert box.client_secret(ROBOT_CLIENT_ID)


def _authorize_url(box: SandboxHandle) -> str:
    client = globus_sdk.NativeAppAuthClient(GTERM_NATIVE_CLIENT_ID, base_url=box.auth_url)
    client.oauth2_start_flow(requested_scopes=SCOPES, redirect_uri="http://localhost:8765/cb", state="xyz")
    return client.oauth2_get_authorize_url()


def test_consent_page_escapes_names_and_deny_redirects(tmp_path: Path) -> None:
    with own_sandbox(tmp_path, auto_approve=False) as box:
        box.state.db.execute(
            "INSERT INTO auth_identities (id, username, name, email, organization, identity_provider, kind)"
            " VALUES (?, ?, ?, NULL, NULL, ?, 'user')",
            ("0b0e9d6e-1111-4222-8333-944455556666", "eve@example.org", '<b>Eve & "Co"</b>', auth_store.SANDBOX_IDP_ID),
        )
        url = _authorize_url(box)
        page = requests.get(url, allow_redirects=False, timeout=30)
        assert page.status_code == 200
        assert "&lt;b&gt;Eve &amp; &quot;Co&quot;&lt;/b&gt;" in page.text
        assert "<b>Eve" not in page.text
        fields = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        denied = requests.post(
            box.auth_url + "v2/oauth2/authorize",
            data={**fields, "identity": ALICE_ID, "decision": "deny"},
            allow_redirects=False,
            timeout=30,
        )
        assert denied.status_code == 302
        query = parse_qs(urlsplit(denied.headers["location"]).query)
        assert query["error"] == ["access_denied"] and query["state"] == ["xyz"]
        unknown = requests.post(
            box.auth_url + "v2/oauth2/authorize",
            data={**fields, "identity": "nobody", "decision": "allow"},
            allow_redirects=False,
            timeout=30,
        )
        assert unknown.status_code == 400


def test_serve_forever_prints_exports_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    proc = spawn_serve_forever(tmp_path, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        exports = read_exports(proc.stdout, 60)
        url = exports["GLOBUS_SDK_SERVICE_URL_AUTH"]
        assert url.startswith("https://127.0.0.1:")
        assert exports["GLOBUS_SDK_SERVICE_URL_TRANSFER"] == url
        assert exports["GLOBUS_SDK_SERVICE_URL_GROUPS"] == url + "groups/"
        ca_file = exports["GLOBUS_SDK_VERIFY_SSL"]
        assert exports["REQUESTS_CA_BUNDLE"] == ca_file
        assert requests.get(url + ".well-known/openid-configuration", timeout=30, verify=ca_file).status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class _CtrlCAfterExports(io.StringIO):
    """A stdout on which Ctrl-C lands as the last export line is written: the client that reads the
    exports can be done, and press Ctrl-C, before the serving thread has reached its serve loop."""

    def write(self, text: str) -> int:
        written = super().write(text)
        if text.startswith("unset "):
            raise KeyboardInterrupt
        return written


def test_serve_forever_stops_cleanly_on_ctrl_c_right_after_the_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdout = _CtrlCAfterExports()
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        serve_forever(SandboxConfig(data_dir=tmp_path))
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C after the export lines escaped serve_forever: gterm said 'interrupted' and exited 130")
    assert "export GLOBUS_SDK_SERVICE_URL_AUTH=" in stdout.getvalue()
    assert capsys.readouterr().err.endswith("# stopping sandbox\n")
    info = json.loads((tmp_path / "sandbox.json").read_text())
    with pytest.raises(requests.ConnectionError):  # stopped: nothing listens on its port any more
        requests.get(info["auth_url"] + ".well-known/openid-configuration", timeout=10, verify=info["ca_file"])


def test_no_issued_token_ever_reaches_the_request_log(sandbox: SandboxHandle) -> None:
    """Scan the shared sandbox's log for any string that is a live or dead token (by its stored hash)."""
    login_tokens(sandbox, SCOPES)  # at least one login in the log, whatever ran before
    text = (sandbox.data_dir / "requests.log").read_text(encoding="utf-8")
    candidates = set(re.findall(r"[A-Za-z0-9_\-]{20,}", text))
    hashes = [auth_store.token_hash(c) for c in candidates]
    leaked = [h for h in hashes if sandbox.state.db.query_one("SELECT 1 FROM auth_tokens WHERE token_hash = ?", (h,))]
    assert leaked == []
    assert sandbox.client_secret(ROBOT_CLIENT_ID) not in text

"""`gterm demo`'s session half, and the promise that tokens live only in the keyring."""

from __future__ import annotations

import io
import logging
import socket
from urllib.parse import urlsplit

import keyring
import pytest
from keyring.backends import fail

from gterm import cli, sandbox_commands
from gterm.config import GtermConfig, debug_log_path
from gterm.globus.session import GtermSession
from gterm.logging_setup import setup_debug_log, stop_debug_log
from gterm.sandbox.seed_ids import ALICE_USERNAME, LAB_STORAGE_ID
from tests.support.session_helpers import copy_paste_login, files_containing


def test_demo_signs_in_for_real_and_survives_a_restart(tmp_path, gterm_dirs, memory_keyring):
    demo_dir = tmp_path / "demo"
    err = io.StringIO()
    with sandbox_commands.demo_session(demo_dir, err=err) as demo:
        assert demo.session.auto_approve
        assert demo.left.startswith(LAB_STORAGE_ID)
        assert demo.session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries
        refresh = demo.session.token_storage.get_token_data("transfer.api.globus.org").refresh_token
    assert f"signed in to the sandbox as {ALICE_USERNAME}" in err.getvalue()
    assert "auto-approved login" in err.getvalue()
    assert any(user.startswith("gterm-demo:") for _, user in memory_keyring.store)

    err = io.StringIO()
    with sandbox_commands.demo_session(demo_dir, err=err) as demo:  # started again on the same data dir
        assert "stored session" in err.getvalue()
        assert demo.session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries
        assert demo.session.token_storage.get_token_data("transfer.api.globus.org").refresh_token == refresh
    assert refresh not in err.getvalue()


def _https_server(demo: sandbox_commands.DemoSession) -> str:
    https_server = demo.session.transfer_service().get_collection(LAB_STORAGE_ID).https_server
    assert https_server is not None
    return https_server


def test_the_demo_keeps_its_port_across_starts_while_it_is_free(tmp_path, gterm_dirs, memory_keyring):
    """The URLs a demo gave out (a collection's https_server, Auth's, Transfer's) hold after it starts again;
    when another program has taken its port meanwhile, it starts on another one."""
    demo_dir = tmp_path / "demo"
    with sandbox_commands.demo_session(demo_dir, err=io.StringIO()) as demo:
        first = _https_server(demo)
    with sandbox_commands.demo_session(demo_dir, err=io.StringIO()) as demo:
        assert _https_server(demo) == first

    port = urlsplit(first).port
    assert port is not None
    with socket.socket() as holder:  # another program on it now
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", port))
        holder.listen(1)
        with sandbox_commands.demo_session(demo_dir, err=io.StringIO()) as demo:
            assert urlsplit(_https_server(demo)).port != port
            assert demo.session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries


def test_demo_falls_back_to_memory_without_a_keyring(tmp_path, gterm_dirs, memory_keyring):
    keyring.set_keyring(fail.Keyring())
    err = io.StringIO()
    with sandbox_commands.demo_session(tmp_path / "demo", err=err) as demo:
        assert "memory" in demo.session.storage_description
        assert demo.session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries
    assert "no usable OS keyring" in err.getvalue()


def test_without_a_keyring_the_real_commands_stop_and_name_the_fix(gterm_dirs, memory_keyring, capsys):
    keyring.set_keyring(fail.Keyring())
    assert cli.main(["login", "--no-local-server"]) == 1
    err = capsys.readouterr().err
    assert "--token-store file" in err and "Traceback" not in err


def test_no_token_outside_the_keyring(sandbox, fresh_config, gterm_dirs, memory_keyring, capsys, monkeypatch):
    """A full life (login, use, forced refresh, whoami, logout) with --debug: no token in any file or output."""
    captured: list[str] = []

    def fake_input(prompt: str) -> str:
        printed = capsys.readouterr()
        captured.extend([printed.out, printed.err])
        url = next(line for line in printed.out.splitlines() if line.startswith("http"))
        from tests.support.sandbox_login import authorize_code

        return authorize_code(sandbox, url)

    monkeypatch.setattr("builtins.input", fake_input)
    try:
        assert cli.main(["--debug", "login", "--no-local-server"]) == 0
        session = GtermSession(GtermConfig.load())
        service = session.transfer_service()
        service.ls(LAB_STORAGE_ID, "/~/")
        logging.getLogger("gterm.test").debug(
            "an exception text with a header: Authorization: Bearer %s",
            session.token_storage.get_token_data("transfer.api.globus.org").access_token,
        )
        # Force a refresh: the authorizer is told its token is bad, as after a 401.
        assert session.authorizer().handle_missing_authorization()
        service.ls(LAB_STORAGE_ID, "/~/")
        tokens = set()
        for data in session.token_storage.get_token_data_by_resource_server().values():
            tokens |= {data.access_token, data.refresh_token}
        tokens |= {
            v
            for (service_name, _), raw in memory_keyring.store.items()
            for v in _token_values(raw)
        }
        session.close()
        assert cli.main(["whoami", "--linked-identities"]) == 0
        assert cli.main(["logout"]) == 0
    finally:
        stop_debug_log()
    printed = capsys.readouterr()
    captured.extend([printed.out, printed.err])
    tokens.discard(None)
    assert len(tokens) >= 3  # at least: auth + transfer, and the refreshed transfer access token

    log_text = debug_log_path().read_text()
    assert "oauth2/token" in log_text  # the log is real and detailed...
    for token in tokens:  # ...and clean
        assert token not in log_text
        assert all(token not in text for text in captured)
    assert files_containing(gterm_dirs["data"], tokens) == []
    assert files_containing(gterm_dirs["config"], tokens) == []


def _token_values(raw: str) -> set[str]:
    import json

    try:
        doc = json.loads(raw)
    except ValueError:
        return set()
    if not isinstance(doc, dict):
        return set()
    return {doc[k] for k in ("access_token", "refresh_token") if isinstance(doc.get(k), str)}


@pytest.fixture(autouse=True)
def _no_debug_log_leftover():
    yield
    stop_debug_log()


def test_debug_log_is_private(gterm_dirs):
    path = setup_debug_log(debug_log_path())
    stop_debug_log()
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_copy_paste_helper_is_the_real_flow(sandbox, fresh_config):
    session = GtermSession(fresh_config)
    copy_paste_login(sandbox, session)
    assert [i.username for i in session.whoami()] == [ALICE_USERNAME]
    session.close()

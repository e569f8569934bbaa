"""Login flows against the live sandbox: copy-paste (CLI subprocess and in-process), local server, auto-approve."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest
import requests

from gterm import cli
from gterm.globus.errors import GtermError
from gterm.globus.session import GtermSession
from gterm.sandbox.seed_ids import ALICE_ID, ALICE_USERNAME, LAB_STORAGE_ID
from tests.support.outages import outage
from tests.support.sandbox_login import authorize_code, identity_id
from tests.support.session_helpers import all_tokens_in, read_line_with_timeout
from tests.support.sharing_helpers import api_conditions


def test_cli_copy_paste_login_in_a_subprocess(sandbox, fresh_config, gterm_dirs):
    """`gterm login --no-local-server`: URL on its own line, `Enter the code:`, code fed on stdin."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gterm", "login", "--no-local-server", "--token-store", "file"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stdin is not None
    lines: list[str] = []
    url = None
    while url is None:
        line = read_line_with_timeout(proc.stdout, 30)
        assert line, f"gterm login ended early: {lines} {proc.stderr.read() if proc.stderr else ''}"
        lines.append(line)
        if line.startswith("http"):
            url = line.rstrip("\n")
    assert url.startswith(sandbox.auth_url + "v2/oauth2/authorize?")  # the URL alone on its line
    code = authorize_code(sandbox, url)
    # Not communicate(): it reads the raw pipe and would lose what readline() buffered.
    proc.stdin.write(code + "\n")
    proc.stdin.close()
    out = proc.stdout.read()
    err = proc.stderr.read() if proc.stderr else ""
    proc.wait(timeout=60)
    output = "".join(lines) + out
    assert proc.returncode == 0, err
    assert "Enter the code: " in output
    assert f"Logged in as {ALICE_USERNAME}" in output
    assert "plaintext file" in err  # the opt-in store says so

    token_file = gterm_dirs["data"] / "tokens.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    tokens = all_tokens_in(json.loads(token_file.read_text()))
    assert tokens
    for token in tokens:
        assert token not in output and token not in err


def test_cli_login_in_process_with_input_patched(sandbox, fresh_config, capsys, monkeypatch, memory_keyring):
    """The same flow in-process, keyring-backed: only `input()` (the I/O edge) is replaced."""

    def fake_input(prompt: str) -> str:
        printed = capsys.readouterr().out
        print(printed, end="")  # keep it for the assertions below
        url = next(line for line in printed.splitlines() if line.startswith("http"))
        print(prompt, end="")
        return authorize_code(sandbox, url)

    monkeypatch.setattr("builtins.input", fake_input)
    assert cli.main(["login", "--no-local-server"]) == 0
    out = capsys.readouterr().out
    assert "Enter the code: " in out
    assert f"Logged in as {ALICE_USERNAME}" in out
    assert "OS keyring" in out
    assert any(user.endswith("|transfer.api.globus.org") for _, user in memory_keyring.store)

    # A second `gterm login` sees the stored session and does not prompt.
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("prompted although logged in"))
    assert cli.main(["login"]) == 0
    assert "Already logged in as alice@example.org" in capsys.readouterr().out
    assert cli.main(["whoami"]) == 0
    assert ALICE_ID in capsys.readouterr().out


def test_local_server_login_receives_the_redirect(sandbox, fresh_config):
    session = GtermSession(fresh_config)
    challenge = session.start_login(local_server=True)
    try:
        assert challenge.mode == "local-server"
        assert challenge.redirect_uri.startswith("http://127.0.0.1:")
        assert "redirect_uri=http%3A%2F%2F127.0.0.1" in challenge.url

        def browser() -> None:  # what the user's browser does: authorize, then follow to 127.0.0.1
            who = identity_id(sandbox, "alice")
            response = requests.get(challenge.url + "&session_required_identities=" + who, timeout=30)
            assert response.status_code == 200 and "Login successful" in response.text

        thread = threading.Thread(target=browser)
        thread.start()
        assert challenge.try_automatic(timeout=30) is True
        thread.join(timeout=30)
        assert not session.login_required()
        assert session.transfer_client().operation_ls(LAB_STORAGE_ID, path="/~/")["DATA"]
    finally:
        challenge.close()
        session.close()


def test_local_server_ignores_a_redirect_with_the_wrong_state(sandbox, fresh_config):
    session = GtermSession(fresh_config)
    challenge = session.start_login(local_server=True)
    try:
        response = requests.get(challenge.redirect_uri + "?code=forged&state=not-ours", timeout=10)
        assert response.status_code == 400
        assert challenge.try_automatic(timeout=0.5) is False  # nothing accepted
    finally:
        challenge.close()
        session.close()


def test_auto_approve_login_follows_the_authorize_url(sandbox, fresh_config):
    session = GtermSession(fresh_config, auto_approve=True)
    try:
        assert session.login_required()
        challenge = session.start_login()
        assert challenge.mode == "auto-approve"
        assert challenge.try_automatic(timeout=30) is True
        assert challenge.try_automatic(timeout=30) is True  # completing twice is harmless
        assert [i.username for i in session.whoami()] == [ALICE_USERNAME]
    finally:
        session.close()


def test_a_bad_code_gives_a_clear_error_and_stores_nothing(sandbox, fresh_config, memory_keyring):
    session = GtermSession(fresh_config)
    challenge = session.start_login(local_server=False)
    with pytest.raises(GtermError) as caught:
        challenge.complete_with_code("not-a-real-code")
    assert "not accepted" in str(caught.value)
    assert memory_keyring.store == {}
    with pytest.raises(GtermError):
        challenge.complete_with_code("   ")
    # The same challenge still works with the right code.
    challenge.complete_with_code(authorize_code(sandbox, challenge.url))
    assert not session.login_required()
    session.close()


def test_cli_errors_are_one_line_without_traceback(gterm_dirs, capsys):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert cli.main(["whoami"]) == 1
    finally:
        keyring.set_keyring(previous)
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("gterm: No usable OS keyring")
    assert "Traceback" not in err


def test_whoami_when_not_logged_in(gterm_dirs, memory_keyring, capsys):
    assert cli.main(["whoami"]) == 1
    assert "not logged in" in capsys.readouterr().err


def test_copy_paste_eof_is_a_clear_error(sandbox, fresh_config, monkeypatch, capsys):
    def eof(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    assert cli.main(["login", "--no-local-server"]) == 1
    assert "No code was entered" in capsys.readouterr().err


def test_python_dash_m_gterm_help_is_fast_and_textual_free():
    probe = (
        "import sys, runpy; sys.argv=['gterm','--help'];\n"
        "try:\n runpy.run_module('gterm', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "print('TEXTUAL' if 'textual' in sys.modules else 'NO-TEXTUAL')"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "usage: gterm" in result.stdout
    assert result.stdout.strip().endswith("NO-TEXTUAL")


def test_login_subcommand_parses_its_options():
    args = cli.build_parser().parse_args(["login", "--no-local-server", "--debug"])
    assert args.no_local_server and args.debug and args.command == "login"
    args = cli.build_parser().parse_args(["--token-store", "file", "whoami", "--linked-identities"])
    assert args.token_store == "file" and args.linked_identities


def test_sign_in_is_spared_from_the_sandboxs_injected_faults(sandbox, fresh_config):
    """`gterm demo --api-fault-rate 0.85` stopped with an AuthAPIError for /jwk.json: the README says
    sign-in is spared, and checking the id token (OpenID configuration, key set) is part of signing in."""
    session = GtermSession(fresh_config, auto_approve=True)
    try:
        with api_conditions(sandbox) as conditions:
            conditions.api_fault_rate = 1.0
            challenge = session.start_login()
            assert challenge.try_automatic(timeout=30) is True
        assert not session.login_required()
    finally:
        session.close()


def test_globus_auth_down_while_checking_the_sign_in_is_said_plainly(sandbox, fresh_config, capsys, monkeypatch):
    """A Globus Auth outage between the code exchange and the id token check (its key set answers 503)
    stopped `gterm login` with "unexpected error: AuthAPIError": it is Globus Auth failing, said so."""

    def fake_input(prompt: str) -> str:
        url = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("http"))
        return authorize_code(sandbox, url)

    monkeypatch.setattr("builtins.input", fake_input)
    with outage(sandbox, lambda method, path: path == "/jwk.json", "Globus Auth is down for maintenance."):
        assert cli.main(["login", "--no-local-server"]) == 1
    err = capsys.readouterr().err
    assert "Globus Auth failed" in err and "503" in err, err
    assert "unexpected" not in err and "AuthAPIError" not in err and "Traceback" not in err


@pytest.mark.parametrize("minutes", [-10, 60 * 24 * 3])
def test_a_clock_off_from_globus_auths_is_said_with_its_fix(sandbox, fresh_config, capsys, monkeypatch, minutes):
    """With this computer's clock 10 minutes slow, `gterm login` ended with 'unexpected error:
    ImmatureSignatureError: The token is not yet valid (iat)' (a fast one: ExpiredSignatureError). Now one line
    says the clocks differ and the fix. The clock is moved where the SDK's id token check (jwt) reads it."""
    import datetime as dt

    import jwt.api_jwt

    class ShiftedClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> ShiftedClock:
            return super().now(tz) + dt.timedelta(minutes=minutes)

    def fake_input(prompt: str) -> str:
        url = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("http"))
        return authorize_code(sandbox, url)

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr(jwt.api_jwt, "datetime", ShiftedClock)
    assert cli.main(["login", "--no-local-server"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "gterm: This computer's clock differs from Globus Auth's by more than 5 minutes, so the sign-in cannot be "
        "checked; set the clock right (turn on NTP time sync) and log in again.\n"
    )


def test_a_certificate_that_cannot_be_verified_is_said_as_such(sandbox, logged_in, capsys, monkeypatch):
    """A wrong CA bundle was worded 'Cannot reach Globus Auth; check the network': it is no outage. It must
    say the certificate could not be verified, name the host, and never suggest turning verification off."""
    import certifi

    logged_in.close()
    monkeypatch.setenv("GLOBUS_SDK_VERIFY_SSL", certifi.where())  # the public CAs, not the sandbox's own
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    assert cli.main(["whoami"]) == 1
    err = capsys.readouterr().err
    host = requests.utils.urlparse(sandbox.auth_url).netloc
    assert err.count("\n") == 1, err
    assert "certificate of Globus Auth" in err and host in err and "could not be verified" in err, err
    assert "reach" not in err and "network" not in err and "unexpected" not in err
    for unsafe in ("VERIFY_SSL", "verify=False", "disable", "insecure"):
        assert unsafe not in err
    with pytest.raises(GtermError) as caught:
        logged_in.transfer_service().ls(LAB_STORAGE_ID, "/~/")  # Transfer, through the SDK's own clients
    assert "certificate of Globus" in str(caught.value) and host in str(caught.value)

"""The plaintext-token-file notice is said once, when a login stores tokens there, not on every command."""

from __future__ import annotations

import builtins
import errno
import json
import os
import stat
import typing as t
from pathlib import Path

import pytest

from gterm import cli
from gterm.config import GtermConfig
from gterm.globus.tokens import auth_namespace, namespace_label
from gterm.sandbox.seed_ids import ALICE_ID
from tests.support.sandbox_login import authorize_code

NOTICE = "plaintext file"


def test_plaintext_notice_once_at_login_not_on_later_commands(sandbox, fresh_config, capsys, monkeypatch):
    monkeypatch.setattr("builtins.input", _copy_paste_code(sandbox, capsys))
    assert cli.main(["--token-store", "file", "login", "--no-local-server"]) == 0
    assert capsys.readouterr().err.count(NOTICE) == 1  # said once, where the tokens are written

    for command in (["--token-store", "file", "whoami"], ["--token-store", "file", "login"]):
        assert cli.main(command) == 0
        captured = capsys.readouterr()
        assert NOTICE not in captured.err, command
    assert cli.main(["--token-store", "file", "whoami"]) == 0
    assert ALICE_ID in capsys.readouterr().out


def test_a_damaged_token_file_is_removed_by_logout_and_replaced_by_login(
    sandbox, fresh_config, gterm_dirs, capsys, monkeypatch
):
    """Reading a damaged token file stopped `gterm logout` and `gterm login` with 'unexpected error'."""
    token_file = gterm_dirs["data"] / "tokens.json"
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text('{"data": {"gterm": {"transfer.api.globus.org": {"access_tok')  # truncated

    assert cli.main(["--token-store", "file", "whoami"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(token_file) in err and "unreadable" in err and "unexpected" not in err

    assert cli.main(["--token-store", "file", "logout"]) == 0
    out = capsys.readouterr().out
    assert "unreadable" in out and str(token_file) in out and "removed" in out
    assert not token_file.exists()

    token_file.write_text("\x00\x00garbage")

    said = _login_then_whoami(sandbox, capsys, monkeypatch)
    assert f"The token file {token_file} was unreadable (the file was damaged); removed the whole file" in said


PRODUCTION_ENTRY = {
    "transfer.api.globus.org": {
        "resource_server": "transfer.api.globus.org",
        "identity_id": "11111111-2222-3333-4444-555555555555",
        "scope": "urn:globus:auth:scope:transfer.api.globus.org:all",
        "access_token": "production-access-token",
        "refresh_token": "production-refresh-token",
        "expires_at_seconds": 2000000000,
        "token_type": "Bearer",
        "extra": {},
    }
}
PRODUCTION = "https://auth.globus.org|production-client"


def _token_file(gterm_dirs: dict[str, Path], namespaces: dict[str, object]) -> Path:
    token_file = gterm_dirs["data"] / "tokens.json"
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text(json.dumps({"data": namespaces, "format_version": "2.0", "globus-sdk.version": "4.0.0"}))
    token_file.chmod(0o600)
    return token_file


def _namespaces(token_file: Path) -> dict[str, object]:
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    return t.cast(dict, json.loads(token_file.read_text())["data"])


@pytest.mark.parametrize("damage", ["garbage", {"transfer.api.globus.org": {"access_token": "cut"}}])
def test_a_damaged_sandbox_session_is_removed_alone_and_production_tokens_are_kept(
    sandbox, fresh_config: GtermConfig, gterm_dirs, capsys, monkeypatch, damage
):
    """`gterm logout` / `gterm login` against a sandbox whose entry in the token file was damaged removed the
    whole file, production's refresh tokens with it (unrevoked), saying only 'the stored session' was unreadable.
    Now only the sandbox's entry goes, and the message names it."""
    ours = auth_namespace(str(fresh_config.native_client_id))
    named = f"The stored session for {namespace_label(ours)} in"
    token_file = _token_file(gterm_dirs, {PRODUCTION: PRODUCTION_ENTRY, ours: damage})

    assert cli.main(["--token-store", "file", "whoami"]) == 1
    err = capsys.readouterr().err
    assert named in err and "unreadable" in err and "unexpected" not in err

    assert cli.main(["--token-store", "file", "logout"]) == 0
    out = capsys.readouterr().out
    assert f"{named} {token_file} was unreadable" in out and "removed it" in out and "other sessions were kept" in out
    assert _namespaces(token_file) == {PRODUCTION: PRODUCTION_ENTRY}

    _token_file(gterm_dirs, {PRODUCTION: PRODUCTION_ENTRY, ours: damage})
    monkeypatch.setattr("builtins.input", _copy_paste_code(sandbox, capsys))
    assert cli.main(["--token-store", "file", "login", "--no-local-server"]) == 0
    out = capsys.readouterr().out
    assert f"{named} {token_file} was unreadable" in out and "Logged in as" in out
    namespaces = _namespaces(token_file)
    assert namespaces[PRODUCTION] == PRODUCTION_ENTRY and set(namespaces) == {PRODUCTION, ours}
    assert cli.main(["--token-store", "file", "whoami"]) == 0
    assert ALICE_ID in capsys.readouterr().out


def test_a_damaged_production_session_does_not_stop_the_sandboxs_login_whoami_or_logout(
    sandbox, fresh_config: GtermConfig, gterm_dirs, capsys, monkeypatch
):
    ours = auth_namespace(str(fresh_config.native_client_id))
    damaged = {"transfer.api.globus.org": "not token data"}
    token_file = _token_file(gterm_dirs, {PRODUCTION: damaged})

    monkeypatch.setattr("builtins.input", _copy_paste_code(sandbox, capsys))
    assert cli.main(["--token-store", "file", "login", "--no-local-server"]) == 0
    out = capsys.readouterr().out
    assert "unreadable" not in out and "Logged in as" in out
    assert cli.main(["--token-store", "file", "whoami"]) == 0
    assert ALICE_ID in capsys.readouterr().out
    assert cli.main(["--token-store", "file", "logout"]) == 0
    out = capsys.readouterr().out
    assert "Revoked tokens at Globus Auth" in out and "unreadable" not in out
    assert _namespaces(token_file) == {PRODUCTION: damaged, ours: {}}  # production's entry is not ours to touch


def test_another_users_token_file_is_said_by_name_and_replaced_by_login(
    sandbox, fresh_config: GtermConfig, gterm_dirs, capsys, monkeypatch
):
    """A token file left by `sudo gterm login` (root's, 0600) stopped whoami, logout, login and the TUI with
    'unexpected error: PermissionError'. Now each says the file and the fix in one line, and login replaces it."""
    token_file = _token_file(gterm_dirs, {PRODUCTION: PRODUCTION_ENTRY})
    _as_another_users_file(monkeypatch, token_file)

    for command in (["whoami"], ["logout"], []):  # [] is the TUI, which reads the store before it starts
        assert cli.main(["--token-store", "file", *command]) == 1, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "unexpected" not in err, command
        assert f"token file {token_file} (Permission denied)" in err and f"`ls -l {token_file}`" in err, command
        assert "fix its owner or mode, or remove it" in err, command
    assert token_file.stat().st_uid == NOBODY  # its tokens may be good: only a login replaces it

    said = _login_then_whoami(sandbox, capsys, monkeypatch)
    assert f"The token file {token_file} could not be read (Permission denied); removed it." in said


NOBODY = 65534


def _as_another_users_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Give ``path`` to another user and refuse it to this process as the kernel refuses a user without
    CAP_DAC_OVERRIDE. The tests run as root, whom the kernel never refuses, so the refusal is made at the
    OS calls themselves (open, os.open, os.chmod), for files this process's user does not own."""
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    os.chown(path, NOBODY, NOBODY)

    def not_ours(target: object) -> bool:
        if not isinstance(target, (str, os.PathLike)):
            return False  # a descriptor
        try:
            return os.stat(target).st_uid != os.geteuid()
        except OSError:
            return False

    def refusal(code: int, target: object) -> OSError:
        return PermissionError(code, os.strerror(code), str(target))

    real_open, real_os_open, real_chmod = builtins.open, os.open, os.chmod

    def open_(file: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not_ours(file):
            raise refusal(errno.EACCES, file)
        return real_open(file, *args, **kwargs)

    def os_open(file: t.Any, *args: t.Any, **kwargs: t.Any) -> int:
        if not_ours(file):
            raise refusal(errno.EACCES, file)
        return real_os_open(file, *args, **kwargs)

    def chmod(file: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        if not_ours(file):
            raise refusal(errno.EPERM, file)
        real_chmod(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "chmod", chmod)


def _login_then_whoami(sandbox, capsys, monkeypatch) -> str:
    """``gterm login`` into the token file (the code pasted), then ``gterm whoami`` as Alice: what login said."""
    monkeypatch.setattr("builtins.input", _copy_paste_code(sandbox, capsys))
    assert cli.main(["--token-store", "file", "login", "--no-local-server"]) == 0
    captured = capsys.readouterr()
    assert "Logged in as" in captured.out and "unexpected" not in captured.err
    assert cli.main(["--token-store", "file", "whoami"]) == 0
    assert ALICE_ID in capsys.readouterr().out
    return captured.out


def _copy_paste_code(sandbox, capsys):
    """``input()`` at the login's code prompt: the URL printed, approved in the sandbox, its code typed."""

    def fake_input(prompt: str) -> str:
        printed = capsys.readouterr()
        print(printed.out, end="")
        url = next(line for line in printed.out.splitlines() if line.startswith("http"))
        return authorize_code(sandbox, url)

    return fake_input

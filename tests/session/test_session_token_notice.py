"""The plaintext-token-file notice is said once, when a login stores tokens there, not on every command."""

from __future__ import annotations

from gterm import cli
from gterm.sandbox.seed_ids import ALICE_ID
from tests.support.sandbox_login import authorize_code

NOTICE = "plaintext file"


def test_plaintext_notice_once_at_login_not_on_later_commands(sandbox, fresh_config, capsys, monkeypatch):
    def fake_input(prompt: str) -> str:
        printed = capsys.readouterr()
        print(printed.out, end="")
        url = next(line for line in printed.out.splitlines() if line.startswith("http"))
        return authorize_code(sandbox, url)

    monkeypatch.setattr("builtins.input", fake_input)
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

    def fake_input(prompt: str) -> str:
        printed = capsys.readouterr()
        print(printed.out, end="")
        url = next(line for line in printed.out.splitlines() if line.startswith("http"))
        return authorize_code(sandbox, url)

    monkeypatch.setattr("builtins.input", fake_input)
    assert cli.main(["--token-store", "file", "login", "--no-local-server"]) == 0
    captured = capsys.readouterr()
    assert f"The stored session in {token_file} was unreadable" in captured.out
    assert "Logged in as" in captured.out and "unexpected" not in captured.err
    assert cli.main(["--token-store", "file", "whoami"]) == 0
    assert ALICE_ID in capsys.readouterr().out

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

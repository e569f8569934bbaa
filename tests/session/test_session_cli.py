"""CLI wiring: `gterm sandbox serve`, exit codes, and the no-argument TUI path before the TUI starts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from gterm import cli
from tests.support.session_helpers import read_exports

# A shell starts a background job (`gterm sandbox serve &`, or a whole test run started with `&`)
# with SIGINT ignored; `trap "" INT; exec` starts the command the same way.
LAUNCHES = {"as inherited": [], "background job, SIGINT ignored": ["sh", "-c", 'trap "" INT; exec "$0" "$@"']}


@pytest.mark.parametrize("launch", LAUNCHES)
def test_sandbox_serve_prints_exports_and_stops_on_ctrl_c(tmp_path, launch):
    data_dir = tmp_path / "served"
    proc = subprocess.Popen(
        [*LAUNCHES[launch], sys.executable, "-m", "gterm", "sandbox", "serve", "--data-dir", str(data_dir),
         "--auto-approve", "--access-token-lifetime", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert proc.stdout is not None
        exports = read_exports(proc.stdout, 60)
        url = exports["GLOBUS_SDK_SERVICE_URL_AUTH"]
        assert url.startswith("https://127.0.0.1:")
        assert exports["GLOBUS_SDK_SERVICE_URL_TRANSFER"] == url
        info = json.loads((data_dir / "sandbox.json").read_text())
        assert exports["GLOBUS_SDK_VERIFY_SSL"] == exports["REQUESTS_CA_BUNDLE"] == info["ca_file"]
        ca_file = exports["REQUESTS_CA_BUNDLE"]
        assert requests.get(url + ".well-known/openid-configuration", timeout=10, verify=ca_file).status_code == 200
        assert info["auth_url"] == url
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert err.endswith("# stopping sandbox\n") and "Traceback" not in err
    finally:
        if proc.poll() is None:  # never leave a sandbox serving behind a failed test
            proc.kill()
            proc.communicate()


def test_tui_path_logs_in_first_and_fails_cleanly_without_a_terminal(sandbox, fresh_config, capsys, monkeypatch):
    def eof(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    assert cli.main(["--left", "x:/"]) == 1  # not logged in: the login comes before the TUI
    captured = capsys.readouterr()
    assert "You are not logged in to Globus yet." in captured.out
    assert captured.err.startswith("gterm: No code was entered")
    assert "Traceback" not in captured.err


def test_bad_settings_file_is_one_line(gterm_dirs, capsys):
    config = gterm_dirs["config"] / "config.toml"
    config.write_text("token_store = 'sometimes'\n")
    assert cli.main(["whoami"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(config) in err


def test_tui_path_without_a_keyring_is_one_line_before_the_tui(gterm_dirs, capsys):
    # The token store is opened before the first frame (the GlobusApp is not): a missing
    # keyring is still said at once, as one line, and the TUI never starts.
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert cli.main(["--left", "x:/"]) == 1
    finally:
        keyring.set_keyring(previous)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("gterm: No usable OS keyring")


def test_a_read_only_data_dir_leaves_debug_without_its_log_not_a_traceback(gterm_dirs, memory_keyring, capsys,
                                                                         monkeypatch, tmp_path):
    """`gterm --debug` made its log before anything caught errors: a read-only data dir was a traceback."""
    from tests.support.mounts import tmpfs_at

    with tmpfs_at(tmp_path / "ro-data") as data:
        subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True, capture_output=True)
        monkeypatch.setenv("GTERM_DATA_DIR", str(data))
        assert cli.main(["--debug", "whoami"]) == 1  # not logged in: said after the log's line
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"gterm: cannot write the debug log {data / 'gterm-debug.log'} (Read-only file system); going on without it.",
        "gterm: not logged in; run `gterm login`.",
    ]


def test_a_data_dir_gterm_cannot_create_is_one_line_naming_gterm_data_dir(gterm_dirs, capsys, monkeypatch, tmp_path):
    """GTERM_DATA_DIR in /proc, or naming a file, ended whoami with 'unexpected error: FileNotFoundError' (or
    FileExistsError) after a bare 'ignoring unreadable state file' line. Now: gterm's one line, as --data-dir's."""
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("")
    for data, reason in (("/proc/nope", "No such file or directory"), (str(a_file), "it is not a directory")):
        monkeypatch.setenv("GTERM_DATA_DIR", data)
        assert cli.main(["--token-store", "file", "whoami"]) == 1
        lines = capsys.readouterr().err.splitlines()
        assert lines[-1] == f"gterm: GTERM_DATA_DIR {data}: cannot create it ({reason})."
        assert all(line.startswith("gterm: ") for line in lines), lines  # the state file's warning too


def test_half_a_client_credentials_pair_ends_with_status_2(gterm_dirs, capsys, monkeypatch):
    monkeypatch.setenv("GTERM_CLIENT_ID", "robot")
    assert cli.main(["whoami"]) == 2
    assert capsys.readouterr().err == (
        "gterm: GTERM_CLIENT_ID is set but GTERM_CLIENT_SECRET is not: set both to run as that client "
        "(client credentials), or unset GTERM_CLIENT_ID to log in as yourself.\n"
    )


def test_an_unknown_setting_is_one_gterm_line_and_the_command_goes_on(gterm_dirs, memory_keyring, capsys):
    config = gterm_dirs["config"] / "config.toml"
    config.write_text("htp_timeout = 5\n")
    assert cli.main(["whoami"]) == 1  # not logged in: said after the setting's line
    assert capsys.readouterr().err.splitlines() == [
        f"gterm: {config}: unknown setting 'htp_timeout' ignored; did you mean http_timeout? the settings are "
        "native_client_id, token_store, theme, bell_on_task_end, http_timeout, connect_timeout, max_retries, keymap.",
        "gterm: not logged in; run `gterm login`.",
    ]

"""`gterm sandbox serve` and `gterm demo` check their arguments: one clear line, never a traceback
or "unexpected error"; `gterm demo` takes --slow and --fault-rate like `sandbox serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gterm import cli, sandbox_commands
from gterm.globus.errors import InvalidInput


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gterm", "sandbox", "serve", *args],
        check=False, capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--port", "99999"], "--port 99999"),
        (["--fault-rate", "2"], "--fault-rate 2.0"),
        (["--slow", "-5"], "--slow -5"),
        (["--access-token-lifetime", "0"], "--access-token-lifetime 0"),
        (["--api-delay", "-1"], "--api-delay -1.0"),
        (["--api-fault-rate", "nan"], "--api-fault-rate nan"),
    ],
)
def test_bad_sandbox_values_are_one_clear_line(tmp_path: Path, args: list[str], said: str) -> None:
    result = run_serve("--data-dir", str(tmp_path / "data"), *args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gterm: {said}:"), result.stderr
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "sandbox.json").exists()  # nothing was started


def test_a_data_dir_that_cannot_be_created_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_serve("--data-dir", str(blocker / "data"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gterm: --data-dir {blocker / 'data'}: cannot create it")
    assert "unexpected" not in result.stderr


def test_demo_accepts_slow_and_fault_rate_and_checks_them() -> None:
    args = cli.build_parser().parse_args(["demo", "--slow", "100000", "--fault-rate", "0.2"])
    assert sandbox_commands.checked_sandbox_options(args) == {"slow": 100000, "fault_rate": 0.2}
    slow_api = cli.build_parser().parse_args(["demo", "--api-delay", "1.5", "--api-fault-rate", "0.1"])
    assert sandbox_commands.checked_sandbox_options(slow_api) == {"api_delay": 1.5, "api_fault_rate": 0.1}
    bad = cli.build_parser().parse_args(["demo", "--fault-rate", "1.5"])
    with pytest.raises(InvalidInput, match=r"--fault-rate 1\.5: a probability is from 0 to 1"):
        sandbox_commands.checked_sandbox_options(bad)


def test_demo_runs_its_sandbox_with_the_given_slowness(tmp_path: Path, gterm_dirs, memory_keyring) -> None:
    import io

    from gterm.globus.transfer import wait_for_task
    from gterm.globus.transfer_requests import TransferItem, TransferRequest
    from gterm.sandbox.seed_ids import LAB_STORAGE_ID

    err = io.StringIO()
    options = {"slow": 1, "fault_rate": 0.0}
    with sandbox_commands.demo_session(tmp_path / "demo", err=err, sandbox_options=options) as demo:
        service = demo.session.transfer_service()
        home = service.ls(LAB_STORAGE_ID, "/~/").path
        big = next(e for e in service.ls(LAB_STORAGE_ID, home).entries if not e.is_dir and e.size > 1000)
        name = big.name
        request = TransferRequest(
            LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(home + name, home + "copy-" + name)], deadline=None
        )
        request.submission_id = service.new_submission_id()
        task_id = service.submit_transfer_once(request)
        # At 1 byte per second the file is still moving once its first bytes are reported
        # (an unthrottled sandbox finishes it before the first report).
        deadline = time.monotonic() + 60
        task = service.task(task_id)
        while task.is_active and task.bytes_transferred == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
            task = service.task(task_id)
        assert task.is_active and task.bytes_transferred < big.size
        service.cancel(task_id)
        assert wait_for_task(service, task_id, timeout=60).status == "FAILED"


def test_a_data_dir_the_sandbox_command_makes_is_user_only(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        made = sandbox_commands.usable_data_dir(tmp_path / "new-sb")
    finally:
        os.umask(umask)
    assert made.stat().st_mode & 0o777 == 0o700  # it will hold sandbox.json and sandbox.db (the robot's secret)


def test_an_address_that_cannot_be_bound_is_named_in_one_line(tmp_path: Path) -> None:
    """A port in use or a bad --host ended as 'unexpected error: OSError ...' naming no address."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        in_use = run_serve("--data-dir", str(tmp_path / "data"), "--port", str(port))
    bad_host = run_serve("--data-dir", str(tmp_path / "data"), "--host", "256.1.1.1")
    for result, said in ((in_use, f"127.0.0.1:{port}"), (bad_host, "256.1.1.1")):
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"gterm: cannot listen on {said}"), result.stderr
        assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    assert "another --port" in in_use.stderr and "--host" in bad_host.stderr


def test_sandbox_serve_and_demo_refuse_a_data_dir_another_sandbox_runs_on(tmp_path: Path) -> None:
    """A second `gterm sandbox serve` on a data dir in use started without a word and ran the first's
    tasks again; both commands now stop with one line naming the dir and the pid holding it."""
    from tests.support.sandbox_login import own_sandbox

    data = tmp_path / "data"
    env = dict(os.environ, PYTHONUNBUFFERED="1", GTERM_DATA_DIR=str(tmp_path / "gterm"),
               GTERM_CONFIG=str(tmp_path / "config.toml"))
    with own_sandbox(data):
        info = (data / "sandbox.json").read_bytes()
        serve = run_serve("--data-dir", str(data))
        demo = subprocess.run(
            [sys.executable, "-m", "gterm", "demo", "--data-dir", str(data)],
            check=False, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
        )
        assert (data / "sandbox.json").read_bytes() == info
    said = f"gterm: data dir {data.resolve()} is in use by another sandbox (pid {os.getpid()}); "
    for result in (serve, demo):
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith(said), result.stderr
        assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    assert len(serve.stderr.strip().splitlines()) == 1


def test_sandbox_without_a_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`gterm sandbox` alone printed its help and exited 0, so a script that forgot `serve` went on as if
    a sandbox were running. Now it is a usage error: status 2, the usage and what is missing on stderr."""
    with pytest.raises(SystemExit) as ended:
        cli.main(["sandbox"])
    assert ended.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage: gterm sandbox" in captured.err and "required: SUBCOMMAND" in captured.err

"""The unmodified globus-cli 3.44 driven against a sandbox, in its own venv and its own HOME.

globus-cli pins its own globus-sdk, so it never shares gterm's venv (and is never
one of gterm's dependencies). The venv comes from ``GTERM_GLOBUS_CLI_VENV``, the
perf scripts' cache (``~/.cache/gterm-perf/cli-venv``) when it holds 3.44, or is
made once per test session in a temporary directory with pip. ``logged_in`` is the one
fixture body the CLI tests share: it skips (with the reason) only when no CLI can be had.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import authorize_code

CLI_VERSION = "3.44.0"
_CACHE_VENV = Path.home() / ".cache" / "gterm-perf" / "cli-venv"
_TIMEOUT = 120
# One install per test session, shared by every CLI test module: (executable or None, reason).
_found: tuple[Path | None, str] | None = None


def _has_cli(venv: Path) -> bool:
    globus = venv / "bin" / "globus"
    if not globus.exists():
        return False
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import globus_cli.version as v; print(v.__version__)"],
        capture_output=True, text=True, timeout=_TIMEOUT, check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == CLI_VERSION


def find_or_install(scratch: Path) -> tuple[Path | None, str]:
    """(path of the ``globus`` executable, or None with the reason it could not be had)."""
    candidates = [Path(os.environ["GTERM_GLOBUS_CLI_VENV"])] if os.environ.get("GTERM_GLOBUS_CLI_VENV") else []
    candidates.append(_CACHE_VENV)
    for venv in candidates:
        if _has_cli(venv):
            return venv / "bin" / "globus", ""
    venv = scratch / "cli-venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return None, f"cannot create a venv: {made.stderr.strip()[-300:]}"
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"globus-cli=={CLI_VERSION}"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if pip.returncode != 0 or not _has_cli(venv):
        return None, f"cannot install globus-cli=={CLI_VERSION}: {pip.stderr.strip()[-300:]}"
    return venv / "bin" / "globus", ""


def globus_or_skip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``globus`` executable for this test session; skips the caller when it cannot be installed."""
    global _found
    if _found is None:
        _found = find_or_install(tmp_path_factory.mktemp("globus-cli"))
    found, reason = _found
    if found is None:
        pytest.skip(f"globus-cli {CLI_VERSION} is not available here: {reason}")
    return found


def logged_in(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory, identity: str) -> GlobusCLI:
    """A CLI user with a fresh HOME who ran `globus login --no-local-server` as ``identity``."""
    cli = GlobusCLI(globus_or_skip(tmp_path_factory), sandbox, tmp_path_factory.mktemp(f"{identity}-cli-home"))
    out = cli.login(identity)
    assert "You have successfully logged in" in out
    return cli


def as_client(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory, client_id: str) -> GlobusCLI:
    """The CLI in client mode (GLOBUS_CLI_CLIENT_ID/SECRET): a confidential client acting as itself, no login."""
    cli = GlobusCLI(globus_or_skip(tmp_path_factory), sandbox, tmp_path_factory.mktemp("client-cli-home"))
    cli.env.update(GLOBUS_CLI_CLIENT_ID=client_id, GLOBUS_CLI_CLIENT_SECRET=sandbox.client_secret(client_id))
    return cli


class GlobusCLI:
    """One globus-cli user: its own HOME (token storage), pointed at the sandbox."""

    def __init__(self, globus: Path, sandbox: SandboxHandle, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.globus = globus
        self.sandbox = sandbox
        # Nothing of the test process leaks in (no PYTHONPATH into the CLI's venv, no other Globus
        # settings); the service URLs and the sandbox's CA (TLS: trusted, never verification off) do.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GLOBUS_", "PYTHON", "REQUESTS_"))}
        env.update(sandbox.client_env(), HOME=str(home))
        self.env = env

    def login(self, identity: str) -> str:
        """`globus login --no-local-server`: follow the printed link as ``identity``, paste the code."""
        return self.link_flow(identity, "login", "--no-local-server")

    def link_flow(self, identity: str, *args: str) -> str:
        """Run a command that prints an authorize link and waits for the code (login, session update/consent)."""
        proc = subprocess.Popen(
            [str(self.globus), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env,
        )
        assert proc.stdout is not None and proc.stdin is not None
        seen = []
        url = None
        for line in proc.stdout:
            seen.append(line)
            if re.match(r"^https?://\S+/v2/oauth2/authorize\?", line.strip()):
                url = line.strip()
                break
        if url is None:
            proc.kill()
            _, err = proc.communicate(timeout=_TIMEOUT)
            raise AssertionError(f"globus {' '.join(args)} printed no authorize link: {''.join(seen)}{err}")
        code = authorize_code(self.sandbox, url, identity)
        out, err = proc.communicate(code + "\n", timeout=_TIMEOUT)
        if proc.returncode != 0:
            raise AssertionError(f"globus {' '.join(args)} failed ({proc.returncode}): {out}{err}")
        return "".join(seen) + out

    def run(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.globus), *args], capture_output=True, text=True, env=self.env, timeout=_TIMEOUT, check=False
        )
        if done.returncode != expect:
            raise AssertionError(
                f"globus {' '.join(args)} exited {done.returncode}, expected {expect}:\n{done.stdout}{done.stderr}"
            )
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-F", "json").stdout)

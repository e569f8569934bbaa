"""A sandbox in its own process (`gterm sandbox serve`), for perf scripts that must not share a GIL with it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ServedSandbox:
    """What the child printed (its export lines) and wrote (sandbox.json)."""

    exports: dict[str, str]
    info: dict[str, Any]
    work: Path  # a scratch directory beside the sandbox's data dir, removed at the end

    @property
    def auth_url(self) -> str:
        return self.exports["GLOBUS_SDK_SERVICE_URL_AUTH"]

    @property
    def ca_file(self) -> str | None:
        return self.exports.get("GLOBUS_SDK_VERIFY_SSL") or self.exports.get("REQUESTS_CA_BUNDLE")

    def collection_root(self, collection_id: str) -> Path:
        return Path(next(c["root"] for c in self.info["collections"] if c["id"] == collection_id))


@contextmanager
def served_sandbox(parent: Path | None = None) -> Iterator[ServedSandbox]:
    """Start `gterm sandbox serve --auto-approve`, point this process's SDK and requests at it, stop it after."""
    work = Path(tempfile.mkdtemp(prefix="gterm-perf-", dir=parent))
    data_dir = work / "sandbox"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gterm", "sandbox", "serve", "--data-dir", str(data_dir), "--auto-approve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        exports: dict[str, str] = {}
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                exports[key] = value.strip("'\"")
            if line.startswith("unset "):  # the last line `gterm sandbox serve` prints on stdout
                break
        if "GLOBUS_SDK_SERVICE_URL_AUTH" not in exports:
            raise SystemExit("the sandbox did not start")
        os.environ.update(exports)
        os.environ.pop("GLOBUS_SDK_ENVIRONMENT", None)
        served = ServedSandbox(exports, json.loads((data_dir / "sandbox.json").read_text()), work)
        if served.ca_file:
            os.environ["REQUESTS_CA_BUNDLE"] = served.ca_file
            os.environ["GLOBUS_SDK_VERIFY_SSL"] = served.ca_file
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


def spawn_serve_forever(data_dir: Path, *, stderr: int = subprocess.DEVNULL, **config: object) -> subprocess.Popen[str]:
    """``serve_forever(SandboxConfig(data_dir, **config))`` in a child python (it can be killed, as a thread
    cannot), its export lines on the piped stdout, without this process's ``GLOBUS_SDK_*`` settings."""
    settings = "".join(f", {key}={value!r}" for key, value in config.items())
    code = (
        "from pathlib import Path; from gterm.sandbox.server import serve_forever;"
        "from gterm.sandbox.state import SandboxConfig;"
        f"serve_forever(SandboxConfig(data_dir=Path({str(data_dir)!r}){settings}))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("GLOBUS_SDK_")}
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)

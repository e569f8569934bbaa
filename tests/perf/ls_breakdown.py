"""Where does a 100,000-entry listing's time go? Server, HTTP body, JSON, Entry tuples (prints, asserts nothing).

One in-process sandbox, one directory of ``--entries`` empty files, the robot
client (client credentials). Per round, in this process:

* ``server``: the sandbox's own duration for the ``operation_ls`` request (its request log);
* ``raw GET``: ``requests.get`` of the same URL with the same bearer token (body bytes only),
  once with every field and once with the ``fields`` gterm asks for (and the server's time for each);
* ``SDK call``: ``TransferClient.operation_ls`` with gterm's fields, without touching ``.data``;
* the general path: JSON to dicts (``response.data``), ``entries_from_docs``, freeing the dicts;
* the path ``TransferService.ls`` takes: ``decode_file_list`` from the body straight to Entry records;
* ``TransferService.ls``: all of it, as the TUI calls it;
* ``globus ls``: the globus-cli process (if ``~/.cache/gterm-perf/cli-venv`` exists), for scale.

Run:  python -m tests.perf.ls_breakdown [--entries 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import globus_sdk
import requests

from gterm.collector import gc_paused
from gterm.globus.ls_request import LS_FIELDS
from gterm.globus.models import decode_file_list, entries_from_docs
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID, ROBOT_CLIENT_ID, TRANSFER_SCOPE
from tests.support.sandbox_login import own_sandbox

CLI = Path.home() / ".cache" / "gterm-perf" / "cli-venv" / "bin" / "globus"
DIR = "/gterm-perf-100k/"


def server_durations(data_dir: Path) -> list[float]:
    log = data_dir / "requests.log"
    durations = []
    for line in log.read_text().splitlines():
        record = json.loads(line)
        if record.get("path", "").endswith("/ls"):
            durations.append(float(record.get("duration_ms", 0)) / 1000)
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gterm-perf-") as tmp:
        data_dir = Path(tmp) / "sandbox"
        with own_sandbox(data_dir) as sandbox:  # the SDK, requests and subprocesses point at it and trust its CA
            root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == LAB_STORAGE_ID)
            target_dir = root / DIR.strip("/")
            target_dir.mkdir(parents=True, exist_ok=True)
            for i in range(args.entries):
                os.close(os.open(target_dir / f"entry-{i:06d}.dat", os.O_CREAT | os.O_WRONLY, 0o644))
            secret = sandbox.client_secret(ROBOT_CLIENT_ID)

            started = time.perf_counter()
            auth = globus_sdk.ConfidentialAppAuthClient(ROBOT_CLIENT_ID, secret)
            authorizer = globus_sdk.ClientCredentialsAuthorizer(auth, TRANSFER_SCOPE)
            token_seconds = time.perf_counter() - started
            client = globus_sdk.TransferClient(authorizer=authorizer)
            service = TransferService(lambda: client)
            token = authorizer.access_token
            url = f"{sandbox.transfer_url.rstrip('/')}/v0.10/operation/endpoint/{LAB_STORAGE_ID}/ls"
            http = requests.Session()

            env = {k: v for k, v in os.environ.items()}
            env.update(HOME=str(Path(tmp) / "cli-home"), GLOBUS_CLI_CLIENT_ID=ROBOT_CLIENT_ID,
                       GLOBUS_CLI_CLIENT_SECRET=secret)
            figures: dict[str, list[float]] = {}

            def note(key: str, seconds: float) -> None:
                figures.setdefault(key, []).append(seconds)

            service.ls(LAB_STORAGE_ID, DIR)  # warm-up (connections, server caches)
            for _ in range(args.rounds):
                for label, params in (
                    ("raw GET, every field", {"path": DIR, "show_hidden": "true"}),
                    ("raw GET, gterm's fields", {"path": DIR, "show_hidden": "true", "fields": LS_FIELDS}),
                ):
                    before = len(server_durations(data_dir))
                    t0 = time.perf_counter()
                    body = http.get(url, params=params, headers={"Authorization": f"Bearer {token}"}).content
                    note(f"{label} (body bytes)", time.perf_counter() - t0)
                    note(f"  server, {label}", server_durations(data_dir)[before])
                    note(f"  body size, {label} (MB)", len(body) / 1e6)
                before = len(server_durations(data_dir))
                t0 = time.perf_counter()
                response = client.operation_ls(
                    LAB_STORAGE_ID, path=DIR, show_hidden=True, query_params={"fields": LS_FIELDS}
                )
                note("SDK call, gterm's fields (no .data)", time.perf_counter() - t0)
                # the general path: JSON -> dicts (orjson, as the SDK does) -> Entry records
                t0 = time.perf_counter()
                docs = response.data["DATA"]
                note("  json -> dicts (response.data)", time.perf_counter() - t0)
                t0 = time.perf_counter()
                with gc_paused():
                    entries_from_docs(docs)
                note("  dicts -> entries (entries_from_docs)", time.perf_counter() - t0)
                t0 = time.perf_counter()
                del docs
                note("  freeing the dicts", time.perf_counter() - t0)
                # the path TransferService.ls takes: body -> Entry records in one pass
                t0 = time.perf_counter()
                with gc_paused():
                    page = decode_file_list(response.binary_content)
                note("  body -> entries (decode_file_list)", time.perf_counter() - t0)
                assert page is not None and len(page.DATA) == args.entries
                del page, response
                t0 = time.perf_counter()
                service.ls(LAB_STORAGE_ID, DIR)
                note("TransferService.ls (all)", time.perf_counter() - t0)
                durations = server_durations(data_dir)[before:]
                if durations:
                    note("server (sandbox log, per ls)", statistics.median(durations))
                if CLI.exists():
                    t0 = time.perf_counter()
                    subprocess.run([str(CLI), "ls", f"{LAB_STORAGE_ID}:{DIR}"], env=env, capture_output=True)
                    note("globus ls (process)", time.perf_counter() - t0)
            print(f"entries {args.entries:,}, rounds {args.rounds}; "
                  f"token fetch {token_seconds:.3f} s")
            for key, values in figures.items():
                unit = "MB" if key.endswith("(MB)") else "s"
                print(f"  {key:<40} median {statistics.median(values):6.3f} {unit:<2}  min {min(values):6.3f} {unit}")
            print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

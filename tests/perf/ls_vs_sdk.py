"""How much does TransferService.ls add on top of the raw SDK operation_ls? (prints figures, asserts nothing)

Starts an in-process sandbox in a temporary data dir, creates a directory of
100,000 empty files inside Lab Storage's root on disk, logs in as Alice with
the real native-app flow, then lists that directory alternately with
``TransferClient.operation_ls`` (one call, show_hidden) and with
``TransferService.ls`` (the same one call asking only for the fields gterm
shows, decoded straight into Entry records). The raw call reads every
document as the SDK gives it (JSON parsed into dicts).

Run:  python -m tests.perf.ls_vs_sdk [--entries 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gterm.globus.ls_request import LS_FIELDS
from gterm.globus.models import decode_file_list
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.sandbox_login import own_sandbox, transfer_client_for

DIR = "/home/alice/perf-100k/"


def make_entries(root: Path, count: int) -> None:
    target = root / DIR.strip("/")
    target.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        fd = os.open(target / f"entry-{i:06d}.dat", os.O_CREAT | os.O_WRONLY, 0o644)
        os.close(fd)


def timed(call: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = call()
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gterm-perf-") as tmp:
        with own_sandbox(Path(tmp)) as sandbox:  # the SDK points at it and trusts its CA
            root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == LAB_STORAGE_ID)
            started = time.perf_counter()
            make_entries(root, args.entries)
            print(f"created {args.entries:,} files in {time.perf_counter() - started:.2f} s")

            raw_client = transfer_client_for(sandbox, "alice")
            service = TransferService(lambda: transfer_client_for(sandbox, "alice"))

            def raw() -> int:
                response = raw_client.operation_ls(LAB_STORAGE_ID, path=DIR, show_hidden=True)
                return len(response["DATA"])

            def typed() -> int:
                return len(service.ls(LAB_STORAGE_ID, DIR, show_hidden=True).entries)

            # warm both paths (logins, connections, the server's directory cache if any)
            raw()
            typed()
            raw_times: list[float] = []
            typed_times: list[float] = []
            for _ in range(args.rounds):
                seconds, count = timed(raw)
                assert count == args.entries, count
                raw_times.append(seconds)
                seconds, count = timed(typed)
                assert count == args.entries, count
                typed_times.append(seconds)

            raw_median = statistics.median(raw_times)
            typed_median = statistics.median(typed_times)
            print(f"entries: {args.entries:,}   rounds: {args.rounds}")
            print(f"SDK operation_ls      median {raw_median:.3f} s   min {min(raw_times):.3f} s")
            print(f"TransferService.ls    median {typed_median:.3f} s   min {min(typed_times):.3f} s")
            print(f"ratio service/sdk     {typed_median / raw_median:.2f}x (median)   "
                  f"{min(typed_times) / min(raw_times):.2f}x (min)")
            print(f"parsing overhead      {typed_median - raw_median:+.3f} s (median difference)")

            # The service's own work in isolation (no HTTP): the body -> Entry records.
            body = raw_client.operation_ls(
                LAB_STORAGE_ID, path=DIR, show_hidden=True, query_params={"fields": LS_FIELDS}
            ).binary_content
            parse_times: list[float] = []
            parse_cpu: list[float] = []
            for _ in range(args.rounds):
                started, cpu_started = time.perf_counter(), time.process_time()
                page = decode_file_list(body)
                parse_times.append(time.perf_counter() - started)
                parse_cpu.append(time.process_time() - cpu_started)
                assert page is not None and len(page.DATA) == args.entries
            print(f"Entry decoding alone  median {statistics.median(parse_times):.3f} s   "
                  f"min {min(parse_times):.3f} s   CPU min {min(parse_cpu):.3f} s"
                  "  (no HTTP; included in the service figure above)")
            print(f"load average          {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (figures are wall time)")


if __name__ == "__main__":
    main()

"""Copy speed of the sandbox engine against coreutils, in the same run (a script, not a test).

    python -m tests.perf.copy_vs_cp [--size-mb 1024] [--small-files 5000] [--dir /tmp] [--repeat 3]

Starts a sandbox in-process with its data dir under --dir, writes a big file and
a directory of small files into Lab Storage, then times

- ``cp`` against a sandbox transfer without checksums, and
- ``cp`` followed by ``md5sum`` of source and destination (the same work done by
  hand) against a sandbox transfer with ``verify_checksum``,

each sandbox run timed from submit until the task reads SUCCEEDED (polled over
HTTP with the real SDK). Caches are warm for both sides (the source is read
once first) and ``sync`` runs before every timed run, so earlier writes do not
slow later ones. Ratios are speeds relative to the by-hand baseline (>= 1 is
faster). Aims: >= 0.7x of cp without checksum, >= 0.8x of cp+md5sum with it.
Everything is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import globus_sdk

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.sandbox_login import own_sandbox, transfer_client_for

POLL_SECONDS = 0.02  # get_task polling while waiting (a request costs ~2 ms on loopback)


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def measure(prepare: Callable[[], None], action: Callable[[], None]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run after ``prepare`` and a sync.

    CPU counts this process (server, engine and polling client together) plus
    its children (cp, md5sum): on a busy machine it is steadier than wall time.
    """
    prepare()
    run("sync")
    before = os.times()
    start = time.perf_counter()
    action()
    wall = time.perf_counter() - start
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])
    return wall, cpu


def compare(
    prepare: Callable[[], None], baseline: Callable[[], None], sandbox: Callable[[], None], repeat: int
) -> tuple[float, float, float, float]:
    """Interleave baseline and sandbox runs so both meet the same machine load; medians."""
    results: list[tuple[float, float, float, float]] = []
    for _ in range(repeat):
        b = measure(prepare, baseline)
        s = measure(prepare, sandbox)
        results.append((b[0], s[0], b[1], s[1]))
    return tuple(statistics.median(r[i] for r in results) for i in range(4))  # type: ignore[return-value]


def make_inputs(home: Path, size_mb: int, small_files: int) -> tuple[Path, Path]:
    big = home / "perf-big.bin"
    block = os.urandom(1 << 20)
    with open(big, "wb") as out:
        for i in range(size_mb):
            out.write(block[i % 251:] + block[: i % 251])  # not all blocks equal
    small = home / "perf-small"
    small.mkdir()
    for i in range(small_files):
        sub = small / f"d{i // 500:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i:05d}.dat").write_bytes(os.urandom(512 + (i * 37) % 8192))
    run("cat", str(big))  # warm the page cache for both contenders
    return big, small


def md5_all(paths: list[Path]) -> None:
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(str(p) for p in sorted(path.rglob("*")) if p.is_file())
        else:
            files.append(str(path))
    for i in range(0, len(files), 2000):
        run("md5sum", *files[i : i + 2000])


def sandbox_copy(tc: globus_sdk.TransferClient, src: str, dst: str, recursive: bool, verify: bool) -> None:
    data = globus_sdk.TransferData(
        LAB_STORAGE_ID, LAB_STORAGE_ID, verify_checksum=verify, submission_id=tc.get_submission_id()["value"]
    )
    data.add_item(src, dst, recursive=recursive)
    start = time.perf_counter()
    task_id = tc.submit_transfer(data)["task_id"]
    while True:
        task = tc.get_task(task_id)
        if task["status"] != "ACTIVE":
            break
        time.sleep(POLL_SECONDS)
    if task["status"] != "SUCCEEDED":
        raise SystemExit(f"sandbox task failed: {task.data}")
    sandbox_copy.last = time.perf_counter() - start  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--small-files", type=int, default=5000)
    parser.add_argument("--dir", default="/tmp", help="where the sandbox data dir goes (same disk for both)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="gterm-perf-", dir=args.dir))
    try:
        with own_sandbox(workdir / "sandbox") as handle:
            root = next(Path(c["root"]) for c in handle.info["collections"] if c["id"] == LAB_STORAGE_ID)
            home = root / "home" / "alice"
            home.mkdir(parents=True, exist_ok=True)
            tc = transfer_client_for(handle)
            print(f"# writing {args.size_mb} MiB file and {args.small_files} small files under {home}", flush=True)
            big, small = make_inputs(home, args.size_mb, args.small_files)
            small_bytes = sum(p.stat().st_size for p in small.rglob("*") if p.is_file())
            out_big, out_small = home / "out-big.bin", home / "out-small"

            def clean() -> None:
                if out_big.exists():
                    out_big.unlink()
                shutil.rmtree(out_small, ignore_errors=True)

            rows = []
            for label, src, dst, recursive, size in (
                (f"1 file of {args.size_mb} MiB", big, out_big, False, args.size_mb << 20),
                (f"{args.small_files} small files ({small_bytes / 1e6:.1f} MB)", small, out_small, True, small_bytes),
            ):
                cp_args = ("cp", "-r", str(src), str(dst)) if recursive else ("cp", str(src), str(dst))
                g_src = "/~/" + src.name + ("/" if recursive else "")
                g_dst = "/~/" + dst.name + ("/" if recursive else "")

                by_sandbox = partial(partial, sandbox_copy, tc, g_src, g_dst, recursive)  # by_sandbox(verify)

                cp, plain, cp_cpu, plain_cpu = compare(clean, partial(run, *cp_args), by_sandbox(False), args.repeat)
                cp_md5, checked, md5_cpu, checked_cpu = compare(
                    clean,
                    lambda cp_args=cp_args, src=src, dst=dst: (run(*cp_args), md5_all([src, dst])),
                    by_sandbox(True),
                    args.repeat,
                )
                rows.append((label, size, cp, plain, cp_md5, checked, cp_cpu, plain_cpu, md5_cpu, checked_cpu))
            clean()

        print()
        print("wall time (median), ratio = baseline time / sandbox time (>= 1: sandbox faster)")
        print(
            f"{'workload':34} {'cp':>8} {'sandbox':>8} {'ratio':>7}   "
            f"{'cp+md5sum':>9} {'sandbox+verify':>14} {'ratio':>7}",
        )
        for label, _size, cp, plain, cp_md5, checked, *_ in rows:
            print(
                f"{label:34} {cp:7.2f}s {plain:7.2f}s {cp / plain:6.2f}x   {cp_md5:8.2f}s {checked:13.2f}s"
                f" {cp_md5 / checked:6.2f}x"
            )
        print("cpu time (median; sandbox = whole process: server + engine + polling client)")
        for label, _size, *_, cp_cpu, plain_cpu, md5_cpu, checked_cpu in rows:
            print(
                f"{label:34} {cp_cpu:7.2f}s {plain_cpu:7.2f}s {cp_cpu / plain_cpu:6.2f}x   {md5_cpu:8.2f}s"
                f" {checked_cpu:13.2f}s {md5_cpu / checked_cpu:6.2f}x"
            )
        print()
        for label, size, _cp, plain, _cp_md5, checked, *_ in rows:
            print(f"# {label}: sandbox {size / plain / 1e6:.0f} MB/s plain, {size / checked / 1e6:.0f} MB/s verified")
        big_row = rows[0]
        print(f"# targets (big file, wall): plain >= 0.70x -> {big_row[2] / big_row[3]:.2f}x ;"
              f" verified >= 0.80x -> {big_row[4] / big_row[5]:.2f}x")
        load = os.getloadavg()[0]
        print(f"# median of {args.repeat} interleaved runs each; {os.cpu_count()} CPUs; load average now {load:.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

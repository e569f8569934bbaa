"""HTTPS data access: gterm's client against curl and cp, in the same run (prints figures, asserts nothing).

    python -m tests.perf.https_vs_curl [--size-mb 1024] [--small-files 100] [--repeat 3] [--dir /tmp]

Starts ``gterm sandbox serve`` in its own process (so the server never shares
a GIL with the client being timed, as with a real Globus Connect Server), signs
in through the native-app flow for Lab Storage's ``https`` scope, and times:

- one big file: ``cp`` (the floor: no network, no TLS), ``curl`` GET with the same
  token and CA, and ``HttpsFiles.download`` -- then the same for uploads (``curl -T``
  against ``HttpsFiles.upload``);
- small files: curl fetching them one after another in one process (one
  connection, reused) against gterm's download of the same files on 4 streams,
  which is what an HTTPS task does;
- memory: the client's peak RSS growth while downloading the big file (a
  streaming client stays flat whatever the file size).

Runs alternate their order each round so both tools meet the same load; medians.
Ratios are speeds relative to the baseline (>= 1 is faster). Aims: >= 0.8x of
curl for big and small files (issue 14), >= 0.5x of cp for the big file over
TLS (issue 11). The transport is what the sandbox serves (TLS when it has its
CA; the line "transport:" says which).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import globus_sdk

from gterm.globus.https_access import HttpsFiles, https_scope
from gterm.sandbox.seed_ids import GTERM_NATIVE_CLIENT_ID, LAB_STORAGE_ID
from tests.support.sandbox_login import login_tokens
from tests.support.sandbox_process import ServedSandbox, served_sandbox

STREAMS = 4


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run(*cmd: str) -> None:
    """Run a baseline command; on failure say which tool failed, never the command line (it holds a token)."""
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed (exit {result.returncode}): {result.stderr.strip()[:200]}")


def compare(label: str, baseline: Callable[[], None], ours: Callable[[], None], size: int, repeat: int) -> float:
    pairs: list[tuple[float, float]] = []
    for round_ in range(repeat):
        run("sync")
        if round_ % 2 == 0:
            b = timed(baseline)
            run("sync")
            o = timed(ours)
        else:
            o = timed(ours)
            run("sync")
            b = timed(baseline)
        pairs.append((b, o))
    b = statistics.median(p[0] for p in pairs)
    o = statistics.median(p[1] for p in pairs)
    mb = size / 1e6
    print(f"  {label:<44} baseline {b:7.3f} s ({mb / b:8.1f} MB/s)   gterm {o:7.3f} s ({mb / o:8.1f} MB/s)"
          f"   speed ratio {b / o:5.2f}x")
    # Each round's own ratio too: on a shared machine one slow round moves a median of three.
    print("    rounds: " + "  ".join(f"{pb / po:.2f}x" for pb, po in pairs))
    return b / o


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--small-files", type=int, default=100)
    parser.add_argument("--small-kb", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()

    with served_sandbox(args.dir) as served:
        measure(served, args)


def measure(served: ServedSandbox, args: argparse.Namespace) -> None:
    info = served.info
    auth_url = served.auth_url
    ca_file = served.ca_file
    base = auth_url.rstrip("/") + f"/https/{LAB_STORAGE_ID}"
    for coll in info["collections"]:
        if coll["id"] == LAB_STORAGE_ID and coll.get("https_server"):
            base = coll["https_server"].rstrip("/")
    handle = SimpleNamespace(auth_url=auth_url, info=info)
    tokens = login_tokens(handle, https_scope(LAB_STORAGE_ID), GTERM_NATIVE_CLIENT_ID)  # type: ignore[arg-type]
    token = tokens.by_resource_server[LAB_STORAGE_ID]["access_token"]
    authorizer = globus_sdk.AccessTokenAuthorizer(token)
    print(f"transport: {base.split('://')[0]}{' (CA ' + ca_file + ')' if ca_file else ''}")
    work = served.work

    lab_root = Path(next(c["root"] for c in info["collections"] if c["id"] == LAB_STORAGE_ID))
    remote_dir = lab_root / "https-perf"
    remote_dir.mkdir(parents=True, exist_ok=True)
    big = remote_dir / "big.bin"
    block = os.urandom(1 << 20)
    with open(big, "wb") as out:
        out.writelines(block[i % 251 :] + block[: i % 251] for i in range(args.size_mb))
    small_names = []
    for i in range(args.small_files):
        name = f"s{i:04d}.dat"
        (remote_dir / name).write_bytes(os.urandom(args.small_kb * 1024))
        small_names.append(name)
    run("cat", str(big))  # warm the page cache for every contender
    size = big.stat().st_size
    local = work / "local"
    local.mkdir()
    curl = ["curl", "-sS", "--fail", "-H", f"Authorization: Bearer {token}"]
    if ca_file:
        curl += ["--cacert", ca_file]

    print(f"\nbig file ({size / 2**20:.0f} MiB), {args.repeat} rounds, medians:")
    cp_ratio = compare(
        "download vs cp (same disk, no network)",
        lambda: shutil.copyfile(big, local / "cp.bin") and None,
        lambda: _download(base, authorizer, "/https-perf/big.bin", local / "g.bin"),
        size,
        args.repeat,
    )
    curl_ratio = compare(
        "download vs curl GET",
        lambda: run(*curl, "-o", str(local / "c.bin"), base + "/https-perf/big.bin"),
        lambda: _download(base, authorizer, "/https-perf/big.bin", local / "g.bin"),
        size,
        args.repeat,
    )
    upload_source = local / "c.bin"
    up_ratio = compare(
        "upload vs curl PUT (-T)",
        lambda: run(*curl, "-T", str(upload_source), base + "/https-perf/up-curl.bin"),
        lambda: _upload(base, authorizer, upload_source, "/https-perf/up-gterm.bin"),
        size,
        args.repeat,
    )
    up_cp_ratio = compare(
        "upload vs cp",
        lambda: shutil.copyfile(upload_source, remote_dir / "up-cp.bin") and None,
        lambda: _upload(base, authorizer, upload_source, "/https-perf/up-gterm.bin"),
        size,
        args.repeat,
    )

    small_total = args.small_files * args.small_kb * 1024
    print(f"\n{args.small_files} small files of {args.small_kb} KiB, {args.repeat} rounds, medians:")
    small_dir_c = local / "small-curl"
    small_dir_g = local / "small-gterm"
    small_dir_c.mkdir()
    small_dir_g.mkdir()
    curl_many = list(curl)
    for name in small_names:
        curl_many += ["-o", str(small_dir_c / name), f"{base}/https-perf/{name}"]
    small_ratio = compare(
        f"download vs curl one after another (gterm {STREAMS} streams)",
        lambda: run(*curl_many),
        lambda: _download_many(base, authorizer, small_names, small_dir_g),
        small_total,
        args.repeat,
    )

    print("\nmemory while downloading the big file (gterm client, this process):")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            with open("/proc/self/statm") as statm:
                peak[0] = max(peak[0], int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
            time.sleep(0.01)

    with open("/proc/self/statm") as statm:
        rss_start = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _download(base, authorizer, "/https-perf/big.bin", local / "m.bin")
    stop.set()
    sampler.join()
    print(f"  RSS at start {rss_start / 2**20:7.1f} MiB, peak during download {peak[0] / 2**20:7.1f} MiB"
          f" (growth {(peak[0] - rss_start) / 2**20:5.1f} MiB for a {size / 2**20:.0f} MiB file;"
          f" ru_maxrss before {before / 1024:.1f} MiB)")

    print("\nsummary (speed ratios, >= 1: gterm faster):")
    print(f"  big download: {curl_ratio:4.2f}x of curl (aim >= 0.8), {cp_ratio:4.2f}x of cp (aim >= 0.5)")
    print(f"  big upload:   {up_ratio:4.2f}x of curl (aim >= 0.8), {up_cp_ratio:4.2f}x of cp (aim >= 0.5)")
    print(f"  small files:  {small_ratio:4.2f}x of curl one after another (aim >= 0.8)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other processes share the machine)")


def _download(base: str, authorizer: globus_sdk.AccessTokenAuthorizer, path: str, target: Path) -> None:
    target.unlink(missing_ok=True)
    files = HttpsFiles(base, LAB_STORAGE_ID, authorizer)
    try:
        files.download(path, target, resume=False)
    finally:
        files.close()


def _upload(base: str, authorizer: globus_sdk.AccessTokenAuthorizer, source: Path, path: str) -> None:
    files = HttpsFiles(base, LAB_STORAGE_ID, authorizer)
    try:
        files.upload(source, path)
    finally:
        files.close()


def _download_many(base: str, authorizer: globus_sdk.AccessTokenAuthorizer, names: list[str], target: Path) -> None:
    local = threading.local()

    def one(name: str) -> None:
        files = getattr(local, "files", None)
        if files is None:
            files = local.files = HttpsFiles(base, LAB_STORAGE_ID, authorizer)
        files.download(f"/https-perf/{name}", target / name, resume=False)

    with ThreadPoolExecutor(STREAMS) as pool:
        list(pool.map(one, names))


if __name__ == "__main__":
    main()

"""Paged listings against the sandbox: what a first page costs, and what paging the rest costs.

Prints figures and ratios, asserts nothing. One in-process sandbox, gterm's
TransferService as the client (real SDK, real HTTP, Entry decoding included):

1. a first page of a 100,000-entry directory by its ``limit`` (100 ... 100,000),
   in a pane's name order and size order: the baseline is the smallest page;
   this is what ``FIRST_PAGE`` is chosen from;
2. directories of 1,000 ... 100,000 entries listed whole by one call vs a first
   page of ``FIRST_PAGE`` then the rest: the baseline is the one call (what a
   small directory costs either way, and what paging adds for bigger ones);
3. with ``--tree DIR`` (a directory of 1,000,000 files made beforehand, moved
   into the sandbox for the run and back), that directory paged to the end
   with the sandbox keeping the sorted listing between pages and without
   (every page reads the directory again, as Transfer itself does): the
   baseline is the run without.

Run:  python -m tests.perf.ls_paging [--rounds 3] [--tree ~/.cache/gterm-perf/trees/m1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PERF_DIR = "/gterm-perf-paging/"


def make_files(target: Path, count: int) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        fd = os.open(target / f"entry-{index:07d}.dat", os.O_CREAT | os.O_WRONLY, 0o644)
        os.ftruncate(fd, (index * 7919) % 50_000_000)
        os.close(fd)
    os.utime(target, (time.time() - 3600, time.time() - 3600))  # not "just changed": see listing_cache


def timed(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", type=Path, help="a directory of 1,000,000 files to page through")
    args = parser.parse_args()

    import globus_sdk

    from gterm.globus.ls_request import FIRST_PAGE, MAX_PAGE
    from gterm.globus.models import Listing
    from gterm.globus.transfer import TransferService, listing_order
    from gterm.sandbox.listing_cache import SortedListings
    from gterm.sandbox.seed_ids import LAB_STORAGE_ID, ROBOT_CLIENT_ID, TRANSFER_SCOPE
    from gterm.sandbox.server import running_sandbox
    from gterm.sandbox.state import SandboxConfig

    with tempfile.TemporaryDirectory(prefix="gterm-perf-") as tmp, running_sandbox(
        SandboxConfig(data_dir=Path(tmp) / "sandbox", auto_approve=True)
    ) as sandbox:
        root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == LAB_STORAGE_ID)
        os.environ.update(sandbox.client_env())  # its URLs and CA (the SDK reads them when a client is built)
        auth = globus_sdk.ConfidentialAppAuthClient(
            ROBOT_CLIENT_ID, sandbox.client_secret(ROBOT_CLIENT_ID), base_url=sandbox.auth_url
        )
        client = globus_sdk.TransferClient(
            authorizer=globus_sdk.ClientCredentialsAuthorizer(auth, TRANSFER_SCOPE), base_url=sandbox.transfer_url
        )
        service = TransferService(lambda: client)
        by_name, by_size = listing_order("name"), listing_order("size")

        def whole_by_pages(path: str, order: str, first: int = FIRST_PAGE) -> Listing:
            listing = service.ls_page(LAB_STORAGE_ID, path, limit=first, orderby=order)
            for page in service.more_pages(listing, orderby=order):
                listing = listing.extended(page)
            return listing.finished()

        sizes = (1_000, 3_000, 10_000, 30_000, 100_000)
        for count in sizes:
            make_files(root / PERF_DIR.strip("/") / str(count), count)
        big = f"{PERF_DIR}100000/"
        service.ls(LAB_STORAGE_ID, big)  # warm: token, caches

        print(f"1. first page of a 100,000-entry directory by limit (median of {args.rounds}):")
        for order_name, order in (("name", by_name), ("size", by_size)):
            base = None
            for limit in (100, 1_000, 2_000, 5_000, 10_000, 100_000):
                seconds = timed(lambda: service.ls_page(LAB_STORAGE_ID, big, limit=limit, orderby=order), args.rounds)
                base = base or seconds
                print(f"   order {order_name:<5} limit {limit:>7,}: {seconds * 1000:7.1f} ms   {seconds / base:5.2f}x")

        print(
            f"\n2. whole listing: one call vs a first page of {FIRST_PAGE:,} then pages of {MAX_PAGE:,} (name order):"
        )
        for count in sizes:
            path = f"{PERF_DIR}{count}/"
            one = timed(lambda: service.ls_page(LAB_STORAGE_ID, path, orderby=by_name), args.rounds)
            paged = timed(lambda: whole_by_pages(path, by_name), args.rounds)
            print(
                f"   {count:>7,} entries: one call {one * 1000:7.1f} ms   paged {paged * 1000:7.1f} ms"
                f"   {paged / one:5.2f}x",
            )

        if args.tree:
            placed = root / PERF_DIR.strip("/") / "tree"
            os.rename(args.tree, placed)
            try:
                path = f"{PERF_DIR}tree/"
                kept = sandbox.state.kept_listings
                print(f"\n3. {args.tree.name}: paged to the end, pages of {MAX_PAGE:,} (one round each):")
                results: dict[str, tuple[float, float, int]] = {}
                for label, keeping in (("every page reads the directory (as Transfer)", False),
                                       ("the sandbox keeps the sorted listing", True)):
                    sandbox.state.kept_listings = kept if keeping else SortedListings(max_listings=0)
                    for order_name, order in (("name", by_name), ("size", by_size)):
                        started = time.perf_counter()
                        first = service.ls_page(LAB_STORAGE_ID, path, limit=FIRST_PAGE, orderby=order)
                        first_seconds = time.perf_counter() - started
                        listing = first
                        for page in service.more_pages(first, orderby=order):
                            listing = listing.extended(page)
                        total = time.perf_counter() - started
                        results[f"{label}, {order_name}"] = (first_seconds, total, len(listing.entries))
                        print(f"   {label:<45} {order_name:<5} first page {first_seconds:6.2f} s"
                              f"   all {len(listing.entries):,} in {total:6.2f} s")
                for order_name in ("name", "size"):
                    without = results[f"every page reads the directory (as Transfer), {order_name}"][1]
                    kept_total = results[f"the sandbox keeps the sorted listing, {order_name}"][1]
                    print(f"   ratio kept / re-read ({order_name}): {kept_total / without:.2f}x")
            finally:
                sandbox.state.kept_listings = kept
                os.rename(placed, args.tree)
        print(f"\nload average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

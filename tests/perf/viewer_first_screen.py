"""F3 on a 1 GiB file: time to the first painted page, and to the last page (End), in the full app.

    python -m tests.perf.viewer_first_screen [--size-mb 1024] [--rounds 5]

The sandbox runs in its own process (``gterm sandbox serve``, as a real server
would); gterm runs headless in this one, signed in through the native-app flow
(Transfer for the panes, the collection's https scope for the viewer). Each
round presses F3 on the file and waits until the viewer has painted its page,
then presses End and waits for the last line. Baseline in the same run: the
same first read done by hand (a HEAD for the size and one 64 KiB ranged GET
with requests), and the same for a 4 KiB file, so the ratio shows what file
size costs (nothing, if pages are read where they are shown). Aim: the first
page under 200 ms. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import globus_sdk
import requests

from gterm.globus.https_access import HttpsAccess
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import GTERM_NATIVE_CLIENT_ID, LAB_STORAGE_ID
from gterm.tui.app import GtermApp
from gterm.tui.screens.viewer import FileViewer
from tests.support.browser_helpers import cursor_to, settled, wait_for
from tests.support.sandbox_login import LOGIN_SCOPES, LoginHttpsTokens, login_tokens, transfer_scope
from tests.support.sandbox_process import ServedSandbox, served_sandbox


async def time_viewer(app: GtermApp, name: str, rounds: int) -> tuple[list[float], list[float]]:
    first: list[float] = []
    last: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        pane = app.main_screen.left_pane  # type: ignore[union-attr]
        await cursor_to(pilot, pane, name)
        for _ in range(rounds + 1):  # the first round warms the token and the connection
            start = time.perf_counter()
            await pilot.press("f3")
            await wait_for(pilot, lambda: isinstance(app.screen, FileViewer) and app.screen.page_shown is not None)
            first.append(time.perf_counter() - start)
            viewer = app.screen
            assert isinstance(viewer, FileViewer)
            shown = viewer.page_shown
            start = time.perf_counter()
            await pilot.press("end")
            await wait_for(pilot, lambda: viewer.page_shown is not shown)
            last.append(time.perf_counter() - start)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, FileViewer))
    return first[1:], last[1:]


def by_hand(url: str, token: str, rounds: int) -> list[float]:
    times = []
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        http.head(url, timeout=30)
        for _ in range(rounds):
            start = time.perf_counter()
            http.head(url, timeout=30).raise_for_status()
            http.get(url, headers={"Range": "bytes=0-65535"}, timeout=30).raise_for_status()
            times.append(time.perf_counter() - start)
    return times


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms  max {max(values) * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()

    with served_sandbox(args.dir) as served:
        measure(served, args)


def measure(served: ServedSandbox, args: argparse.Namespace) -> None:
    handle = SimpleNamespace(auth_url=served.auth_url, info=served.info)
    root = served.collection_root(LAB_STORAGE_ID) / "viewer-perf"
    root.mkdir(parents=True)
    block = b"".join(b"%08d the quick brown fox jumps over the lazy dog\n" % i for i in range(20_000))
    with open(root / "big.log", "wb") as out:
        for _ in range(args.size_mb * 2**20 // len(block)):
            out.write(block)
    (root / "small.log").write_bytes(block[:4096])
    size = (root / "big.log").stat().st_size

    tokens = login_tokens(handle, f"{LOGIN_SCOPES} {transfer_scope()}", GTERM_NATIVE_CLIENT_ID)  # type: ignore[arg-type]
    transfer = tokens.by_resource_server["transfer.api.globus.org"]["access_token"]
    client = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(transfer))
    service = TransferService(lambda: client)
    perf_tokens = LoginHttpsTokens(handle, client_id=GTERM_NATIVE_CLIENT_ID)  # type: ignore[arg-type]  # auth_url and info suffice
    https = HttpsAccess(perf_tokens)

    def app() -> GtermApp:
        return GtermApp(service, left=f"{LAB_STORAGE_ID}:/viewer-perf/", right=f"{LAB_STORAGE_ID}:/", https=https)

    big_first, big_end = asyncio.run(time_viewer(app(), "big.log", args.rounds))
    small_first, small_end = asyncio.run(time_viewer(app(), "small.log", args.rounds))
    base = next(
        c for c in client.endpoint_search(filter_fulltext="Lab Storage")["DATA"] if c["id"] == LAB_STORAGE_ID
    )
    url = (base.get("https_server") or "").rstrip("/") + "/viewer-perf/big.log"
    hand_token = perf_tokens.https_authorizer(LAB_STORAGE_ID, data_access=True).access_token
    raw = by_hand(url, hand_token, args.rounds)

    print(f"\nF3 in the full app (press -> page painted), {args.rounds} rounds after a warm-up:")
    print(f"  {size / 2**20:6.0f} MiB file: first page {ms(big_first)};  End {ms(big_end)}")
    print(f"  {4:6d} KiB file: first page {ms(small_first)};  End {ms(small_end)}")
    print(f"  by hand (HEAD + one 64 KiB Range GET, requests): {ms(raw)}")
    ratio = statistics.median(big_first) / statistics.median(small_first)
    print(f"  first page, big file / small file: {ratio:4.2f}x   (aim: first page < 200 ms)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

"""Request latency of a small ls over TLS against plain http (prints figures, asserts nothing).

Starts two in-process sandboxes in temporary data dirs, one serving HTTPS with
its own CA (the default) and one plain http (``--http``), logs in as Alice on
each with the real native-app flow, then lists a small directory alternately:

- warm: ``TransferClient.operation_ls`` on the SDK's pooled keep-alive
  connection (what gterm does all day; TLS costs only encryption here);
- cold: the same GET on a new connection each time (TCP + TLS handshake paid
  on every request; the worst case, e.g. the first request after idling).

Run:  python -m tests.perf.tls_latency [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import globus_sdk
import requests

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import own_sandbox, transfer_client_for

SMALL_DIR = "/home/alice/experiments/"


@dataclass
class Side:
    label: str
    handle: SandboxHandle
    client: globus_sdk.TransferClient
    token: str

    @property
    def ls_url(self) -> str:
        return f"{self.handle.transfer_url}v0.10/operation/endpoint/{LAB_STORAGE_ID}/ls"

    @property
    def verify(self) -> str | bool:
        return str(self.handle.ca_file) if self.handle.ca_file else True


@contextmanager
def side(label: str, data_dir: Path, *, tls: bool) -> Iterator[Side]:
    with own_sandbox(data_dir, tls=tls) as handle:
        client = transfer_client_for(handle, "alice")
        client.operation_ls(LAB_STORAGE_ID, path=SMALL_DIR)  # warm-up: token, connection, server caches
        authorizer = client.authorizer
        assert isinstance(authorizer, globus_sdk.RefreshTokenAuthorizer)
        token = authorizer.access_token
        assert token is not None
        yield Side(label, handle, client, token)


def warm_ls(s: Side) -> Callable[[], None]:
    def call() -> None:
        s.client.operation_ls(LAB_STORAGE_ID, path=SMALL_DIR)

    return call


def cold_ls(s: Side) -> Callable[[], None]:
    def call() -> None:
        with requests.Session() as http:  # a new connection: TCP (+ TLS) handshake every time
            response = http.get(
                s.ls_url,
                params={"path": SMALL_DIR},
                headers={"Authorization": f"Bearer {s.token}"},
                verify=s.verify,
                timeout=30,
            )
            response.raise_for_status()

    return call


def measure(calls: dict[str, Callable[[], None]], rounds: int) -> dict[str, list[float]]:
    """Interleave the calls round by round so load on the machine hits both sides alike."""
    times: dict[str, list[float]] = {key: [] for key in calls}
    for _ in range(rounds):
        for key, call in calls.items():
            started = time.perf_counter()
            call()
            times[key].append(time.perf_counter() - started)
    return times


def report(kind: str, tls: list[float], plain: list[float]) -> None:
    tls_ms, plain_ms = statistics.median(tls) * 1000, statistics.median(plain) * 1000
    tls_p90 = statistics.quantiles(tls, n=10)[-1] * 1000
    plain_p90 = statistics.quantiles(plain, n=10)[-1] * 1000
    print(
        f"{kind:<5} median https {tls_ms:6.2f} ms  http {plain_ms:6.2f} ms  ratio {tls_ms / plain_ms:4.2f}x"
        f"   (p90 {tls_p90:6.2f} / {plain_p90:6.2f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gterm-perf-tls-") as tmp:
        # The SDK reads GLOBUS_SDK_VERIFY_SSL when each client is built, so both clients keep their own CA.
        with side("https", Path(tmp) / "tls", tls=True) as tls, side("http", Path(tmp) / "plain", tls=False) as plain:
            entries = len(tls.client.operation_ls(LAB_STORAGE_ID, path=SMALL_DIR)["DATA"])
            print(f"# ls of {SMALL_DIR} ({entries} entries) on Lab Storage, {args.rounds} rounds each")
            times = measure(
                {
                    "warm https": warm_ls(tls),
                    "warm http": warm_ls(plain),
                    "cold https": cold_ls(tls),
                    "cold http": cold_ls(plain),
                },
                args.rounds,
            )
    report("warm", times["warm https"], times["warm http"])
    report("cold", times["cold https"], times["cold http"])
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (wall time)")


if __name__ == "__main__":
    main()

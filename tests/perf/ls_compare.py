"""``--compare DIR`` for tests/perf/ls_vs_globus_cli.py: an older checkout's gterm timed in the same run.

The older checkout (e.g. a worktree of a commit before paged listings) lists the
same 100,000-entry directory of the same sandbox, in the same rounds as
``globus ls`` and today's gterm, in alternating order: so its figures and
today's share the machine's load and the service's state, and today / older is
measured, not put together from two runs on different days.

It is timed through its own child entry point, as that commit timed itself:
``python -m tests.perf.ls_vs_globus_cli --child --collection C --path P
--expect N --variant V`` run in the checkout (before tests/perf/ls_child.py, the
child lived in the script), which prints one JSON line whose ``painted`` is the
moment (``time.time()``) the frame with the whole listing was painted.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

VARIANT_NAMES = {"app": "robot", "user": "signed in"}


class OlderCheckout:
    """Another checkout's gterm, spawned and timed as today's is (from spawn to the whole listing painted)."""

    def __init__(self, checkout: Path, robot_env: dict[str, str], tmp: Path, preexec: Callable[[], None]) -> None:
        self.checkout = checkout.resolve()
        # `python -m` puts the current directory first on sys.path, before PYTHONPATH: run from the
        # checkout, so its tests.perf and its gterm are the ones imported (see tests/perf/startup.py).
        # Its own settings and state dirs: today's gterm remembers things (the sort) an older one
        # would read differently. Its bytecode goes under the run's temporary dir (compiled by the
        # warm-up run, as today's is), so nothing is written into the checkout.
        self.env = dict(robot_env, PYTHONPATH=str(self.checkout), HOME=str(tmp / "older-home"),
                        XDG_CONFIG_HOME=str(tmp / "older-config"), GTERM_DATA_DIR=str(tmp / "older-data"),
                        PYTHONPYCACHEPREFIX=str(tmp / "older-pycache"))
        self.preexec = preexec
        self.envs = {"app": self.env}
        self.times: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.milestones: dict[str, dict[str, list[float]]] = {}
        self.unsupported: list[str] = []

    def describe(self) -> str:
        done = subprocess.run(["git", "-C", str(self.checkout), "log", "-1", "--format=%h %s"],
                              capture_output=True, text=True)
        return f"{self.checkout} ({done.stdout.strip() or 'not a git checkout'})"

    def accepts(self, variant: str) -> bool:
        """Whether the older child knows ``--variant variant`` (argparse rejects it before --help)."""
        done = subprocess.run([*self.child_argv("-", "-", 0, variant), "--help"], cwd=self.checkout, env=self.env,
                              capture_output=True, text=True)
        return done.returncode == 0

    def prepare(self, sign_in: Callable[[dict[str, str]], None]) -> None:
        """The variants the older child has: robot always; signed in (a login into its own dirs) if it has one."""
        if self.accepts("user"):
            user_env = {k: v for k, v in self.env.items() if not k.startswith("GTERM_CLIENT_")}
            sign_in(user_env)
            self.envs["user"] = user_env
        else:
            self.unsupported.append("user")

    def warm_up(self, collection: str, path: str, expect: int) -> None:
        """One run of each variant (bytecode, the token): one that cannot list the directory is dropped, saying why."""
        for variant in list(self.envs):
            painted, error, _ = self.run(collection, path, expect, variant)
            if painted is None:
                print(f"the compared checkout ({variant}) did not show the listing: {error}")
                del self.envs[variant]

    @staticmethod
    def child_argv(collection: str, path: str, expect: int, variant: str) -> list[str]:
        return [sys.executable, "-m", "tests.perf.ls_vs_globus_cli", "--child", "--collection", collection,
                "--path", path, "--expect", str(expect), "--variant", variant]

    def run(self, collection: str, path: str, expect: int, variant: str) -> tuple[float | None, str, dict[str, float]]:
        """(wall seconds from spawn to the whole listing painted, or None; the error text; its milestones)."""
        started = time.time()  # the clock the child's milestones are on
        done = subprocess.run(self.child_argv(collection, path, expect, variant), cwd=self.checkout,
                              env=self.envs[variant], capture_output=True, text=True, preexec_fn=self.preexec)
        if done.returncode != 0 or not done.stdout.strip():
            return None, (done.stderr or done.stdout)[-2000:], {}
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        if not result.get("painted") or int(result.get("entries") or 0) < expect:
            return None, f"the listing was not painted whole (entries shown: {result.get('entries')})", {}
        # moments (time.time()) become seconds from spawn; "cpu" is the process's CPU time by the paint
        milestones = {key: value - started for key, value in result.items()
                      if isinstance(value, float) and key != "cpu"}
        return result["painted"] - started, "", milestones

    def measure(self, collection: str, path: str, expect: int, variant: str) -> None:
        painted, error, milestones = self.run(collection, path, expect, variant)
        if painted is None:
            print(f"older checkout ({variant}) round failed: {error}")
            return
        self.times.setdefault(variant, []).append(painted)
        for key, seconds in milestones.items():
            self.milestones.setdefault(variant, {}).setdefault(key, []).append(seconds)


def median_min(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s {min(values):6.2f} s"


def ratio(values: list[float], baseline: list[float]) -> str:
    """Median / median and min / min, in the median and min columns."""
    if not values or not baseline:
        return ""
    return f"{statistics.median(values) / statistics.median(baseline):6.2f}x  {min(values) / min(baseline):6.2f}x"


def report(older: OlderCheckout, cli_times: list[float], today: dict[str, list[float]],
           today_first: dict[str, list[float]], entries: int) -> None:
    """Today's figures next to the older checkout's, each with its ratio to globus ls of this run."""
    print(f"\ncompared checkout: {older.describe()}")
    print("   same sandbox, same rounds, alternating order; wall from process spawn, median and min")
    print(f"   {'':<52} {'median':>8} {'min':>8}   ratio to globus ls (median, min)")
    if cli_times:
        print(f"   {'globus ls (all names printed, exited)':<52} {median_min(cli_times)}")
    for variant, who in VARIANT_NAMES.items():
        whole = f"listing painted ({entries:,} entries)"
        if today.get(variant):
            print(f"   {f'today,  {who}: {whole}':<52} {median_min(today[variant])}   "
                  f"{ratio(today[variant], cli_times)}")
        if variant in older.unsupported:
            print(f"   {f'older,  {who}:':<52} not timed: its child has no such variant (--variant {variant})")
        elif older.times.get(variant):
            print(f"   {f'older,  {who}: {whole}':<52} {median_min(older.times[variant])}   "
                  f"{ratio(older.times[variant], cli_times)}")
            if today.get(variant):
                print(f"   {f'today / older, {who}: listing painted':<52} "
                      f"{ratio(today[variant], older.times[variant])}")
        if today_first.get(variant):
            print(f"   {f'today,  {who}: first screenful painted':<52} {median_min(today_first[variant])}   "
                  f"{ratio(today_first[variant], cli_times)}")
    for variant, milestones in older.milestones.items():
        print(f"   older ({VARIANT_NAMES[variant]}) timeline, median seconds from spawn (measured rounds):")
        for key, values in sorted(milestones.items(), key=lambda item: statistics.median(item[1])):
            print(f"     {statistics.median(values):6.2f}  {key}")

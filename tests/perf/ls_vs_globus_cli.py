"""100,000 entries: `globus ls` (globus-cli) vs gterm showing them on screen (prints figures, asserts nothing).

One run, side by side, against one in-process sandbox:

1. starts the sandbox (``running_sandbox``) in a temporary data dir and creates
   a directory of 100,000 empty files in Lab Storage's root on disk
   (``/gterm-perf-100k/``: outside ``/home/<user>/``, so any identity may read it);
2. makes (or reuses) a venv with globus-cli under ``~/.cache/gterm-perf/cli-venv``
   (globus-cli pins its own globus-sdk, so it cannot share gterm's venv);
3. both tools act as the sandbox's robot client (client credentials from
   sandbox.json): globus-cli through ``GLOBUS_CLI_CLIENT_ID`` /
   ``GLOBUS_CLI_CLIENT_SECRET``, gterm through its own client-credentials
   mode (``GTERM_CLIENT_ID`` / ``GTERM_CLIENT_SECRET``); both find the
   sandbox through ``GLOBUS_SDK_SERVICE_URL_AUTH`` / ``_TRANSFER``;
4. alternately, for ``--rounds`` rounds, measures from process spawn:
   * ``globus ls LAB:/gterm-perf-100k/`` until it has printed every name and exited;
   * a fresh Python process (tests/perf/ls_child.py, which imports no more than gterm
     does before its first step) starting gterm as ``gterm --left LAB:/gterm-perf-100k/``
     does, through the same function (``cli.tui_app``: settings, session,
     ``cli.build_tui``; the start-up listing's calls are made by the head-start
     helper process (gterm.globus.head_start, when there are two CPUs) while the
     UI is imported, the robot's credentials checked after the first frame; the
     helper's CPU is printed apart), running the app headless until
     the left pane's FileList has painted its first screenful and then a frame
     with all 100,000 entries (the rest arrives in pages), then timing
     keystrokes there (filter, Esc, sort), and its resident memory at the
     first screenful and once complete (bytes per entry);
   * a fresh Python process with only the listing path (a thread worker calling
     ``TransferService.ls``, then ``FileList.set_listing``), to separate the
     file list's cost from everything else the full app starts at once;
   and prints medians, minimums, a timeline of gterm's milestones and the
   ratios gterm / globus-cli.

Run:  python -m tests.perf.ls_vs_globus_cli [--entries 100000] [--rounds 3] [--compare /path/to/older/checkout]
(the first run installs globus-cli into the cache venv; later runs reuse it).
Beyond 100,000 entries globus ls cannot list the directory in its one call, so
only gterm's figures are printed; ``--tree DIR`` moves a directory made
beforehand (``--keep-tree DIR`` keeps the one a run made) into the sandbox
instead of creating a million files per run. ``--compare DIR`` also times
another checkout's gterm (e.g. a worktree of an older commit) in the same
rounds, against the same sandbox, and prints today / older (tests/perf/ls_compare.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

CLI_VENV = Path.home() / ".cache" / "gterm-perf" / "cli-venv"
PERF_DIR = "/gterm-perf-100k/"
CHILD = Path(__file__).with_name("ls_child.py")
"""The measured gterm process (its own module: it must import no more than gterm does before its first step)."""


# --------------------------------------------------------------------------- parent


def ensure_cli() -> Path:
    globus = CLI_VENV / "bin" / "globus"
    if not globus.exists():
        print(f"creating {CLI_VENV} and installing globus-cli …", flush=True)
        CLI_VENV.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(CLI_VENV)], check=True)
        subprocess.run([str(CLI_VENV / "bin" / "pip"), "install", "-q", "globus-cli"], check=True)
    return globus


def make_entries(root: Path, count: int) -> None:
    target = root / PERF_DIR.strip("/")
    target.mkdir(parents=True, exist_ok=True)
    newest = time.time() - 86400
    for i in range(count):
        # Varied sizes (sparse files) and times, in an order unrelated to the names,
        # so sorting by size or time in the app is real work, as in a real directory.
        path = target / f"entry-{i:06d}.dat"
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o644)
        os.ftruncate(fd, (i * 7919) % 50_000_000)
        os.close(fd)
        stamp = newest - ((i * 104_729) % 5_000_000)
        os.utime(path, (stamp, stamp))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(globus: Path, env: dict[str, str], target: str) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds of the globus process, lines printed, error text)."""
    started, cpu = time.time(), children_cpu()
    done = subprocess.run([str(globus), "ls", target], env=env, capture_output=True, text=True, preexec_fn=TOOL_CPUS)
    seconds = time.time() - started
    lines = len(done.stdout.splitlines()) if done.returncode == 0 else 0
    return seconds, children_cpu() - cpu, lines, done.stderr.strip() if done.returncode else ""


class ToolCpus:
    """``preexec_fn`` for the measured processes: pins them to ``cpus`` when set (``--pin``)."""

    def __init__(self) -> None:
        self.cpus: set[int] | None = None

    def __call__(self) -> None:
        if self.cpus:
            os.sched_setaffinity(0, self.cpus)


TOOL_CPUS = ToolCpus()
VARIANTS = ("app", "user", "list")  # as ls_child.VARIANTS
MILESTONES: dict[str, dict[str, list[float]]] = {variant: {} for variant in VARIANTS}
RSS: dict[str, dict[str, list[int]]] = {variant: {} for variant in VARIANTS}
CPU_AT_FIRST: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
HELPER_CPU: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
KEY_TIMINGS: dict[str, list[float]] = {}
SERVER_LS: dict[str, dict[str, list[tuple[float, float]]]] = {}  # tool -> request -> (arrived, served in)


class ServerLog:
    """What the sandbox saw of each tool's requests (DATA_DIR/requests.log).

    A record is written when the response is sent, with its duration: so the
    request arrived ``time - duration`` after the tool was spawned, the same
    clock for both tools. Each request is named by what it is and its place
    among its kind (``ls #1`` is the app's first page, ``ls #2`` the rest).
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "requests.log"
        self.mark = 0
        self.spawned = 0.0

    def start(self) -> None:
        self.mark = self.path.stat().st_size if self.path.exists() else 0
        self.spawned = time.time()

    @staticmethod
    def kind(path: str) -> str:
        if path.endswith("/ls"):
            return "ls"
        if path.endswith("/token"):
            return "token"
        if "/endpoint/" in path and path.count("/") == 3:
            return "get_endpoint"
        return path.rsplit("/", 1)[-1]

    def record(self, tool: str) -> None:
        with self.path.open("rb") as handle:
            handle.seek(self.mark)
            records = [json.loads(line) for line in handle.read().decode().splitlines() if line.strip()]
        seen: dict[str, int] = {}
        figures = SERVER_LS.setdefault(tool, {})
        timed = [(datetime.fromisoformat(r["time"]).timestamp(), r["duration_ms"] / 1000, r) for r in records]
        for ended, seconds, record in sorted(timed, key=lambda each: each[0] - each[1]):  # in order of arrival
            kind = self.kind(record["path"])
            seen[kind] = seen.get(kind, 0) + 1
            figures.setdefault(f"{kind} #{seen[kind]}", []).append((ended - seconds - self.spawned, seconds))


def run_gterm(
    env: dict[str, str], collection: str, expect: int, variant: str = "app"
) -> tuple[float | None, float, float, int, str]:
    """(wall seconds to the painted listing, seconds to imports done, CPU seconds at paint, entries, error).

    The child's milestones (seconds from spawn) are collected in MILESTONES.
    """
    started = time.time()
    done = subprocess.run(
        [sys.executable, str(CHILD), "--collection", collection, "--path", PERF_DIR,
         "--expect", str(expect), "--variant", variant],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=TOOL_CPUS,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return None, 0.0, 0.0, 0, (done.stderr or done.stdout)[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    painted = result["painted"]
    for key in ("imported", "ls_start", "body_received", "entries_decoded", "ls_end", "first_frame", "collection_end",
                "pane_open", "load_done", "first_line", "first_painted", "last_body_received", "last_decoded",
                "last_ls_end", "set_listing_start", "set_listing_end", "painted"):
        if result.get(key):
            MILESTONES[variant].setdefault(key, []).append(result[key] - started)
    if result.get("cpu_first") is not None:
        CPU_AT_FIRST[variant].append(result["cpu_first"])
    HELPER_CPU[variant].append(float(result.get("helper_cpu") or 0.0))
    for label, seconds in (result.get("keys") or {}).items():
        if seconds is not None:
            KEY_TIMINGS.setdefault(label, []).append(seconds)
    for key, value in (result.get("rss") or {}).items():
        RSS[variant].setdefault(key, []).append(value)
    return (
        painted - started if painted else None,
        result["imported"] - started,
        float(result["cpu"] or 0.0),
        int(result["entries"]),
        "",
    )


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):6.2f} s   min {min(values):6.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--tree",
        type=Path,
        help="a directory of --entries files made beforehand (e.g. by a first run with --keep-tree): moved into "
        "the sandbox for the run and back afterwards, instead of creating the files each time",
    )
    parser.add_argument("--keep-tree", type=Path, help="after the run, move the created directory here for --tree")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="run the sandbox on CPU 0 and each measured tool on CPU 1, as if the service were another "
        "machine (as Globus is): the tools' own start-up work then does not slow the service down",
    )
    parser.add_argument("--compare", metavar="DIR", type=Path, help="also time the full app from this checkout "
                        "(e.g. a worktree of an older commit) in every round, as a baseline in the same run")
    parser.add_argument(
        "--http",
        action="store_true",
        help="serve plain http instead of TLS (both tools alike): to compare with figures taken before TLS",
    )
    args = parser.parse_args()

    from gterm.sandbox.seed_ids import LAB_STORAGE_ID
    from gterm.sandbox.server import running_sandbox
    from gterm.sandbox.state import SandboxConfig

    globus = ensure_cli()
    # A kill (SIGTERM, a timeout) unwinds as Ctrl-C does: the --tree directory is moved back below.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="gterm-perf-") as tmp:
        config = SandboxConfig(data_dir=Path(tmp) / "sandbox", auto_approve=True, tls=not args.http)
        if args.pin:
            # Threads inherit the affinity of the thread that starts them: the server's do.
            os.sched_setaffinity(0, {0})
            TOOL_CPUS.cpus = {1}
        with running_sandbox(config) as sandbox:
            root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == LAB_STORAGE_ID)
            started = time.perf_counter()
            placed = root / PERF_DIR.strip("/")
            if args.tree:
                os.rename(args.tree, placed)
                print(f"moved {args.tree} ({args.entries:,} files expected) into Lab Storage {PERF_DIR}")
            else:
                make_entries(root, args.entries)
                print(
                    f"created {args.entries:,} files in Lab Storage {PERF_DIR} in {time.perf_counter() - started:.1f} s"
                )
            try:
                measure_all(args, sandbox, config, globus, tmp)
            finally:
                if args.tree or args.keep_tree:
                    kept = args.tree or args.keep_tree
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(placed, kept)


def measure_all(args: argparse.Namespace, sandbox: Any, config: Any, globus: Path, tmp: str) -> None:
    """The rounds and the report (see the module docstring)."""
    from gterm.sandbox.seed_ids import LAB_STORAGE_ID, ROBOT_CLIENT_ID, TRANSFER_SCOPE
    from tests.support.session_helpers import sign_in_to_token_file

    secret = sandbox.client_secret(ROBOT_CLIENT_ID)
    # PYTHONDONTWRITEBYTECODE goes (as in startup.py): installed tools have their bytecode (pip
    # compiles it at install time), and an editable gterm under that variable would be timed
    # compiling its own modules at every spawn, something no user runs
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith("GLOBUS_") and k != "PYTHONDONTWRITEBYTECODE"}
    base_env.update(sandbox.client_env())  # service URLs and the sandbox's CA: both tools speak TLS to it
    cli_home = Path(tmp) / "cli-home"  # globus-cli keeps its token storage under $HOME
    cli_home.mkdir()
    cli_env = dict(base_env, HOME=str(cli_home), GLOBUS_CLI_CLIENT_ID=ROBOT_CLIENT_ID,
                   GLOBUS_CLI_CLIENT_SECRET=secret)
    # gterm's own client-credentials mode (what `GTERM_CLIENT_ID=… gterm` uses), its
    # settings and state in the temporary dir
    gterm_env = dict(base_env, GTERM_CLIENT_ID=ROBOT_CLIENT_ID, GTERM_CLIENT_SECRET=secret,
                     GTERM_PERF_SCOPE=TRANSFER_SCOPE, HOME=str(Path(tmp) / "gterm-home"),
                     XDG_CONFIG_HOME=str(Path(tmp) / "gterm-config"),
                     GTERM_DATA_DIR=str(Path(tmp) / "gterm-data"))
    # A person signed in: the same dirs, no client id; a real login stores the tokens
    # in gterm's 0600 token file (as `gterm login --token-store file` leaves them)
    user_env = {k: v for k, v in gterm_env.items() if not k.startswith("GTERM_CLIENT_")}
    sign_in_to_token_file(sandbox, user_env)
    target = f"{LAB_STORAGE_ID}:{PERF_DIR}"
    older = None
    if args.compare:
        from tests.perf.ls_compare import OlderCheckout

        older = OlderCheckout(args.compare, gterm_env, Path(tmp), TOOL_CPUS)
        older.prepare(lambda env: sign_in_to_token_file(sandbox, env))

    # warm-up: token fetch and .pyc compilation on both sides, and a sanity check
    # (globus ls makes one call: beyond Transfer's 100,000 per call it cannot list the directory whole)
    cli_ok = False
    if args.entries <= 100_000:
        _seconds, _, lines, error = run_cli(globus, cli_env, target)
        cli_ok = lines == args.entries
    else:
        lines, error = 0, f"{args.entries:,} entries: more than one ls call returns; no globus ls baseline"
    if not cli_ok:
        print(f"globus ls did not list the directory (lines={lines}): {error or '(no error output)'}")
    envs = {"app": gterm_env, "user": user_env, "list": gterm_env}
    for variant in ("app", "user"):
        painted, _, _, shown, error = run_gterm(envs[variant], LAB_STORAGE_ID, args.entries, variant)
        if painted is None:
            print(f"gterm ({variant}) did not show the listing (entries shown={shown}): {error}")
            return
    if older:
        older.warm_up(LAB_STORAGE_ID, PERF_DIR, args.entries)

    cli_times: list[float] = []
    cli_cpu: list[float] = []
    gterm_times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    first_times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    gterm_cpu: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    server_log = ServerLog(config.data_dir)
    def measure_cli() -> None:
        server_log.start()
        seconds, cpu, lines, _ = run_cli(globus, cli_env, target)
        server_log.record("globus ls")
        if lines == args.entries:
            cli_times.append(seconds)
            cli_cpu.append(cpu)

    def measure_gterm(variant: str) -> None:
        server_log.start()
        first_before = len(MILESTONES[variant].get("first_painted", []))
        painted, _, cpu, _shown, error = run_gterm(envs[variant], LAB_STORAGE_ID, args.entries, variant)
        server_log.record(f"gterm {variant}")
        if painted is not None:
            gterm_times[variant].append(painted)
            gterm_cpu[variant].append(cpu)
            firsts = MILESTONES[variant].get("first_painted", [])
            if len(firsts) > first_before:
                first_times[variant].append(firsts[-1])
        else:
            print(f"gterm ({variant}) round failed: {error}")

    def measure_older(variant: str) -> None:
        assert older is not None
        server_log.start()
        older.measure(LAB_STORAGE_ID, PERF_DIR, args.entries, variant)
        server_log.record(f"older {variant}")

    for round_number in range(args.rounds):
        # The order alternates (globus ls first, then gterm first), so whatever the
        # previous request leaves behind in the service weighs on both tools alike.
        runs: list[Any] = [measure_cli] if cli_ok else []
        runs.append(lambda: measure_gterm("app"))
        # the compared checkout next to today's full app, each variant it has
        runs += [lambda variant=variant: measure_older(variant) for variant in (older.envs if older else ())]
        runs += [lambda: measure_gterm("user"), lambda: measure_gterm("list")]
        for run in runs if round_number % 2 == 0 else reversed(runs):
            run()

    print(f"\nentries: {args.entries:,}   rounds: {args.rounds}   (wall time from process spawn)")
    if cli_times:
        print(f"globus ls (all names printed, exited)         wall {summary(cli_times)}")
        print(f"                                              CPU  {summary(cli_cpu)}  (the globus process)")
    titles = {"app": "gterm: full GtermApp (robot), listing painted",
              "user": "gterm: full GtermApp (signed in), listing painted",
              "list": "gterm: ls worker + FileList, painted"}
    for variant, who in (("app", "robot: a token granted at start"), ("user", "signed in: stored tokens")):
        firsts = first_times[variant]
        if not firsts:
            continue
        print(f"{'gterm: full GtermApp, first screenful painted':<45} wall {summary(firsts)}   ({who})")
        if cli_times:
            ratio = statistics.median(firsts) / statistics.median(cli_times)
            print(f"   ratio to globus ls: wall {ratio:.2f}x (median)  {min(firsts) / min(cli_times):.2f}x (min)"
                  "   target <= 0.3x")
        if CPU_AT_FIRST[variant]:
            print(f"{'':<45} CPU  {summary(CPU_AT_FIRST[variant])}  (the gterm process, all threads, by then)")
    labels = {
        "imported": "Python start + imports done (app: the UI built)",
        "ls_start": "operation_ls sent (app: its first page, started early, before the UI import)",
        "body_received": "response body received (operation_ls returned, or the helper's answer; app: the first page)",
        "entries_decoded": "Entry records decoded from the body (app: the first page)",
        "ls_end": "ls returned (app: the first page)",
        "first_frame": "first frame drawn (app: the gate opens for other Globus calls)",
        "collection_end": "the collection's document returned to the pane (get_collection)",
        "pane_open": "the pane asked to open the directory (app: Pane.open)",
        "load_done": "the first page handed to the pane on the event loop (app: Pane._load_done)",
        "first_line": "first line of the listing drawn",
        "first_painted": "frame with the first screenful painted",
        "last_body_received": "the last page's body received (app: the rest, asked for early)",
        "last_decoded": "the last page decoded (app: the rest waits for the first frame)",
        "last_ls_end": "the last page returned",
        "set_listing_start": "FileList.set_listing called",
        "set_listing_end": "set_listing done (sorted view)",
        "painted": "frame with the full listing painted",
    }
    for variant, title in titles.items():
        if not gterm_times[variant]:
            continue
        print(f"{title:<45} wall {summary(gterm_times[variant])}")
        print(f"{'':<45} CPU  {summary(gterm_cpu[variant])}  (the gterm process)")
        if any(HELPER_CPU[variant]):
            print(f"{'':<45} CPU  {summary(HELPER_CPU[variant])}  (its head-start helper process, in its own"
                  " CPU; not in the figure above)")
        print("   timeline, median seconds from spawn (warm-up run included):")
        for key, label in labels.items():
            if MILESTONES[variant].get(key):
                each = " ".join(f"{value:.2f}" for value in MILESTONES[variant][key])
                print(f"     {statistics.median(MILESTONES[variant][key]):6.2f}  {label}   (runs: {each})")
        if cli_times:
            ratio = statistics.median(gterm_times[variant]) / statistics.median(cli_times)
            print(f"   ratio to globus ls: wall {ratio:.2f}x (median)  "
                  f"{min(gterm_times[variant]) / min(cli_times):.2f}x (min);  client CPU "
                  f"{statistics.median(gterm_cpu[variant]) / statistics.median(cli_cpu):.2f}x   (< 1: gterm first)")
    memory = RSS["app"]
    if memory.get("first_screenful") and memory.get("complete"):
        growth = statistics.median(c - f for c, f in zip(memory["complete"], memory["first_screenful"], strict=False))
        per_entry = growth / max(args.entries - 1000, 1)
        print(f"\nmemory (full app, RSS): {statistics.median(memory['first_screenful']) / 1e6:.0f} MB at the first"
              f" screenful, {statistics.median(memory['complete']) / 1e6:.0f} MB complete: +{growth / 1e6:.0f} MB"
              f" for the other {args.entries - 1000:,} entries = {per_entry:.0f} bytes per entry")
        print("   (an upper bound: the growth also holds what the app loads after its first frame, globus-sdk's"
              " clients and requests among them, ~20 MB; with the head-start helper none of it is loaded before)")
    if KEY_TIMINGS:
        print(f"\nkeystrokes in the full app on the {args.entries:,}-entry listing (key press -> frame painted):")
        for label, values in KEY_TIMINGS.items():
            print(f"   {label:<28} median {statistics.median(values) * 1000:7.1f} ms"
                  f"   max {max(values) * 1000:7.1f} ms   ({len(values)} runs)")
        if args.entries <= 100_000:
            print("   targets: a filter keystroke < 50 ms, a re-sort < 150 ms")
        else:
            print("   targets at 1,000,000: a filter keystroke < 250 ms, a re-sort < 1 s")
    if SERVER_LS:
        print("\neach tool's requests as the sandbox saw them (request log), median seconds:")
        print(f"   {'':<12} {'request':<15} {'arrived':>9} {'served in':>10} {'sent back':>10}"
              "   (arrived/sent back: from spawn)")
        for tool, requests in SERVER_LS.items():
            for name, pairs in requests.items():
                arrived = statistics.median(a for a, _ in pairs)
                served = statistics.median(s for _, s in pairs)
                back = statistics.median(a + s for a, s in pairs)
                print(f"   {tool:<12} {name:<15} {arrived:9.2f} {served:10.2f} {back:10.2f}   ({len(pairs)} runs)")
    if older:
        from tests.perf.ls_compare import report

        report(older, cli_times, gterm_times, first_times, args.entries)
    print("(the sandbox serving both runs in this process; its CPU is in neither figure)")
    where = "sandbox on CPU 0, tools on CPU 1 (--pin)" if args.pin else "sandbox and tools share the CPUs"
    where += "; plain http (--http)" if args.http else "; TLS both sides"
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {where}")


if __name__ == "__main__":
    main()

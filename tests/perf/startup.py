"""Start-up: from process spawn to the first painted frame and to two listed panes (prints, asserts nothing).

gterm runs as a user runs it, in a pseudo-terminal (120x36), against one
sandbox; the script reads what it draws:

* first frame: the first pane border (``╭``) drawn after the switch to the
  alternate screen;
* two listed panes: a marker name from each pane's directory drawn.

Cases (``--rounds`` each, alternating):

1. ``gterm --token-store file --left LAB:/a/ --right LAB:/b/`` with a signed-in
   session (a real login made beforehand into gterm's 0600 token file);
2. the same in client-credentials mode (``GTERM_CLIENT_ID`` / ``_SECRET``);
3. ``gterm demo --data-dir D`` on a warm data dir (made by a first run), which
   starts its own sandbox and signs in;

and, as the baselines measured in the same run, ``python -c pass`` (the
interpreter's own start), ``python -c "import textual.app"`` and a bare Textual
app of the same shape (header, a sidebar list, two bordered panes of 40 names, a
task strip, a footer of ten keys) to its first frame: the floor Textual itself
sets on this machine, which gterm's own start-up is measured against.

Run:  python -m tests.perf.startup [--rounds 5] [--compare /path/to/older/checkout]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any, ClassVar

COLUMNS, ROWS = 120, 36
ALT_SCREEN = b"\x1b[?1049h"


def run_in_pty(
    argv: list[str], env: dict[str, str], markers: tuple[bytes, ...], timeout: float = 60.0
) -> dict[str, float]:
    """Spawn ``argv`` on a pty; seconds from spawn to the first frame and to every marker drawn."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    started = time.perf_counter()
    # Not from the checkout: `python -m gterm` puts the current directory first on sys.path, before
    # PYTHONPATH, so from a checkout --compare would time that checkout's gterm instead of the other.
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
                               start_new_session=True, cwd=tempfile.gettempdir())
    os.close(slave)
    seen = b""
    found: dict[str, float] = {}
    cpu: dict[str, float] = {}  # the process's CPU time (all threads) when it got there: load-independent
    deadline = started + timeout
    try:
        while time.perf_counter() < deadline and len(found) < 1 + len(markers):
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            seen += chunk
            now = time.perf_counter() - started
            at = seen.find(ALT_SCREEN)
            if "first frame" not in found and at >= 0 and "╭".encode() in seen[at:]:
                found["first frame"] = now
                cpu["first frame"] = cpu_seconds(process.pid)
            for marker in markers:
                if marker.decode() not in found and marker in seen:
                    found[marker.decode()] = now
                    cpu["listed"] = cpu_seconds(process.pid)
        if len(found) == 1 + len(markers):
            found["listed"] = max(found.values())
            found.update({f"cpu to {key}": seconds for key, seconds in cpu.items()})
    finally:
        try:
            os.write(master, b"q")
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        os.close(master)
    if "listed" not in found:
        tail = seen[-600:].decode(errors="replace")
        raise RuntimeError(f"{argv[1:]} did not list both panes in {timeout:.0f} s; last output: {tail!r}")
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used so far (Linux /proc; nan elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def child_stages(left: str, right: str) -> None:
    """In a fresh process: gterm's start-up steps, run by ``cli.tui_app`` as ``cmd_tui`` runs them, timed.

    The app then runs headless until its first refresh (when ``after_first_frame`` would
    fire): the CPU time by then is what the first frame costs, free of the pty's read lag.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    marks: list[tuple[str, float]] = []
    stack = contextlib.ExitStack()  # the session, closed by the process's end (os._exit below)

    def mark(what: str) -> None:
        marks.append((what, time.perf_counter() - started))
        marks.append((f"   CPU by then ({what.split(' (')[0]})", time.process_time() - cpu_started))

    from gterm import cli

    mark("import gterm.cli")
    make_session, build_tui, spawn_head_start = cli.make_session, cli.build_tui, cli.spawn_head_start

    def timed_spawn_head_start(*given: Any) -> Any:  # instrumentation only
        started = spawn_head_start(*given)
        mark("settings read, head-start helper spawned" if started is not None else "settings read, no helper")
        return started

    def timed_make_session(*given: Any, **options: Any) -> Any:  # instrumentation only
        mark("start-up locations worked out")
        session = make_session(*given, **options)
        mark("session made (token store opened; no GlobusApp yet)")
        return session

    def timed_build_tui(*given: Any, **options: Any) -> Any:  # instrumentation only
        mark("has_tokens (token file read)")
        return build_tui(*given, **options)

    cli.make_session, cli.build_tui = timed_make_session, timed_build_tui  # instrumentation only
    cli.spawn_head_start = timed_spawn_head_start  # instrumentation only
    # What cmd_tui runs, through the same function (cli.tui_app); only app.run() becomes headless below.
    args = cli.build_parser().parse_args(["--token-store", "file", "--left", left, "--right", right])
    app = stack.enter_context(cli.tui_app(args))
    mark("app built (imports Textual and gterm's UI; listings started)")
    from gterm.tui.app import GtermApp

    on_mount = GtermApp.on_mount

    def on_mount_then_time(self: GtermApp) -> None:  # instrumentation only
        on_mount(self)

        def refreshed() -> None:
            mark("first refresh, headless (the first frame is out; Globus work starts now)")
            self.exit()

        self.call_after_refresh(refreshed)

    GtermApp.on_mount = on_mount_then_time  # type: ignore[method-assign]
    app.run(headless=True, size=(COLUMNS, ROWS))
    print(json.dumps(marks), flush=True)
    os._exit(0)  # the start-up listings' threads need not finish


def bare_textual_app() -> None:
    """The floor: a Textual app shaped like gterm's main screen, with nothing of gterm (a baseline)."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import Horizontal
    from textual.widgets import Footer, Header, OptionList, Static

    keys = ["f1", "f2", "f3", "f5", "f6", "f7", "f8", "f9", "tab", "q"]

    class BarePanes(App[None]):
        CSS = "#left, #right { border: round $accent; width: 1fr; height: 1fr; } #tasks { height: 8; }"
        BINDINGS: ClassVar[list[Binding]] = [Binding(key, "bell", f"key {key}") for key in keys]

        def compose(self) -> ComposeResult:
            yield Header()
            with Horizontal():
                yield OptionList("Lab Storage", "Scratch", "Home")
                for side in ("a", "b"):
                    names = [f"000-marker-{side}.txt", *(f"{side}-file-{index:02d}.txt" for index in range(40))]
                    yield Static("\n".join(names), id="left" if side == "a" else "right")
            yield Static("no tasks", id="tasks")
            yield Footer()

    BarePanes().run()


def timed_process(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compare", metavar="DIR", help="also time the signed-in case from this checkout "
                        "(e.g. a worktree of an older commit), as a baseline in the same run")
    parser.add_argument("--child-stages", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--bare-textual-app", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_textual_app:
        bare_textual_app()
        return
    if args.child_stages:
        child_stages(*args.child_stages)
        return

    from gterm.sandbox.seed_ids import LAB_STORAGE_ID, ROBOT_CLIENT_ID
    from gterm.sandbox.server import running_sandbox
    from gterm.sandbox.state import SandboxConfig
    from tests.support.session_helpers import sign_in_to_token_file

    gterm = [sys.executable, "-m", "gterm"]
    with tempfile.TemporaryDirectory(prefix="gterm-startup-") as tmp:
        home = Path(tmp)
        # PYTHONDONTWRITEBYTECODE goes too: an installed gterm has its bytecode (pip compiles it),
        # and timing the compiler on every start would measure something no user runs.
        base_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("GLOBUS_", "GTERM_")) and k != "PYTHONDONTWRITEBYTECODE"}
        base_env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS), HOME=str(home / "home"),
                        XDG_CONFIG_HOME=str(home / "config"), GTERM_DATA_DIR=str(home / "data"),
                        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
        demo_dir = home / "demo"
        demo = [*gterm, "demo", "--data-dir", str(demo_dir)]
        demo_markers = (b"many-files", b"results")
        print("warming the demo data dir (first run seeds it) …", flush=True)
        run_in_pty(demo, base_env, demo_markers, timeout=180)

        with running_sandbox(SandboxConfig(data_dir=home / "sandbox", auto_approve=True)) as sandbox:
            root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == LAB_STORAGE_ID)
            for side in ("a", "b"):
                (root / side).mkdir()
                for index in range(40):
                    (root / side / f"{side}-file-{index:02d}.txt").write_text("x")
                (root / side / f"000-marker-{side}.txt").write_text(side)  # sorts first: on screen
            sdk_env = dict(base_env, **sandbox.client_env())  # service URLs and the sandbox's CA
            sign_in_to_token_file(sandbox, sdk_env)  # a signed-in session, as `gterm login` leaves it
            panes = ["--left", f"{LAB_STORAGE_ID}:/a/", "--right", f"{LAB_STORAGE_ID}:/b/"]
            user = [*gterm, "--token-store", "file", *panes]
            robot_env = dict(sdk_env, GTERM_CLIENT_ID=ROBOT_CLIENT_ID,
                             GTERM_CLIENT_SECRET=sandbox.client_secret(ROBOT_CLIENT_ID))
            markers = (b"000-marker-a.txt", b"000-marker-b.txt")
            bare = [sys.executable, str(Path(__file__).resolve()), "--bare-textual-app"]
            cases = {
                "baseline: bare Textual app": lambda: run_in_pty(bare, base_env, markers),
                "gterm, signed-in session": lambda: run_in_pty(user, sdk_env, markers),
                "gterm, client credentials": lambda: run_in_pty([*gterm, *panes], robot_env, markers),
                "gterm demo, warm data dir": lambda: run_in_pty(demo, base_env, demo_markers),
            }
            if args.compare:  # another checkout (an older commit), same session, same sandbox
                compare_env = dict(sdk_env, PYTHONPATH=str(Path(args.compare).resolve()))
                cases["compared checkout, signed in"] = lambda: run_in_pty(user, compare_env, markers)
            for case in cases.values():
                case()  # warm: .pyc files, the file cache
            results: dict[str, dict[str, list[float]]] = {name: {} for name in cases}
            python_start: list[float] = []
            textual_import: list[float] = []
            stages: dict[str, list[float]] = {}
            for _ in range(args.rounds):
                done = subprocess.run([sys.executable, "-m", "tests.perf.startup", "--child-stages",
                                       f"{LAB_STORAGE_ID}:/a/", f"{LAB_STORAGE_ID}:/b/"],
                                      env=sdk_env, capture_output=True, text=True, check=True)
                for what, seconds in json.loads(done.stdout.strip().splitlines()[-1]):
                    stages.setdefault(what, []).append(seconds)
            for round_number in range(args.rounds):
                order = list(cases.items())
                for name, case in order if round_number % 2 == 0 else reversed(order):
                    for key, seconds in case().items():
                        results[name].setdefault(key, []).append(seconds)
                python_start.append(timed_process([sys.executable, "-c", "pass"], base_env))
                textual_import.append(timed_process([sys.executable, "-c", "import textual.app"], base_env))

    python_median = statistics.median(python_start)
    print(f"\nfrom spawn, median of {args.rounds} (min); terminal {COLUMNS}x{ROWS}")
    print(f"   baseline: python -c pass                     {python_median:6.3f} s ({min(python_start):.3f})")
    print(f"   baseline: python -c 'import textual.app'     {statistics.median(textual_import):6.3f} s"
          f" ({min(textual_import):.3f})")
    print("   gterm (signed-in session) start-up steps as cmd_tui takes them, median seconds from the script's start"
          " (wall, then CPU):")
    for what, values in stages.items():
        print(f"      {statistics.median(values):6.3f}  {what}")
    targets = {"baseline: bare Textual app": (None, None), "gterm, signed-in session": (0.5, 1.0),
               "gterm, client credentials": (0.5, 1.0), "gterm demo, warm data dir": (None, 1.5),
               "compared checkout, signed in": (0.5, 1.0)}
    for name, figures in results.items():
        first, listed = figures["first frame"], figures["listed"]
        frame_target, listed_target = targets[name]
        print(f"   {name:<28} first frame {statistics.median(first):6.3f} s ({min(first):.3f})"
              f"   two panes listed {statistics.median(listed):6.3f} s ({min(listed):.3f})"
              f"   = {statistics.median(listed) / python_median:5.1f}x python's start")
        print(f"   {'':<28} CPU used by then {statistics.median(figures['cpu to first frame']):6.3f} s"
              f"   {'':>18}{statistics.median(figures['cpu to listed']):6.3f} s")
        wanted = [f"first frame < {frame_target} s"] if frame_target else []
        wanted += [f"two panes < {listed_target} s"] if listed_target else []
        if wanted:
            print(f"   {'':<28} targets: {', '.join(wanted)}")
    floor = statistics.median(results["baseline: bare Textual app"]["first frame"])
    for name in ("gterm, signed-in session", "gterm, client credentials"):
        first = statistics.median(results[name]["first frame"])
        print(f"   {name}: first frame {first / floor:.2f}x the bare Textual app's"
              f" ({first - floor:+.3f} s: gterm's own)")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

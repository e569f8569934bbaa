"""The garbage collector during start-up (gterm.collector): off until the first frame, then back, start-up frozen.

The pause is process-wide (``gc.freeze`` cannot be undone for a test worker's
objects without ``gc.unfreeze``), so the start-up itself is run by a fresh
interpreter, as ``gterm`` runs it: ``cli.main`` with the app made headless.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gterm import collector
from gterm.sandbox.seed_ids import LAB_STORAGE_ID, ROBOT_CLIENT_ID
from gterm.sandbox.server import SandboxHandle

PROBE = """
import gc, json, sys
from gterm import cli

seen = {}

def run_headless(app):
    seen["app built, before its first frame"] = gc.isenabled()
    first_frame_work = app._after_first_frame

    def after_first_frame():
        first_frame_work()
        seen["after the first frame"] = gc.isenabled()
        seen["frozen"] = gc.get_freeze_count()
        app.call_from_thread(app.exit)

    app._after_first_frame = after_first_frame
    app.run(headless=True, size=(120, 36))
    return 0

cli.run_app = run_headless
status = cli.main(sys.argv[1:])
seen["after main"] = gc.isenabled()
seen["frozen at the end"] = gc.get_freeze_count()
print(json.dumps([status, seen]))
"""


@pytest.fixture
def undo_freeze() -> Iterator[None]:
    yield
    collector.end_startup_pause()
    gc.unfreeze()
    gc.enable()


def run_gterm(sandbox: SandboxHandle, tmp_path: Path, *argv: str) -> tuple[int, dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GTERM_", "GLOBUS_"))}
    env.update(
        sandbox.client_env(),
        GTERM_DATA_DIR=str(tmp_path / "data"),
        GTERM_CONFIG=str(tmp_path / "config.toml"),
        GTERM_CLIENT_ID=ROBOT_CLIENT_ID,
        GTERM_CLIENT_SECRET=sandbox.client_secret(ROBOT_CLIENT_ID),
        GTERM_HEAD_START="0",
    )
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    status, seen = json.loads(done.stdout.strip().splitlines()[-1])
    return status, seen


def test_gterm_starts_with_the_collector_off_and_turns_it_on_with_start_up_frozen(sandbox, tmp_path) -> None:
    status, seen = run_gterm(sandbox, tmp_path, "--left", f"{LAB_STORAGE_ID}:/~/")
    assert status == 0
    assert seen["app built, before its first frame"] is False
    assert seen["after the first frame"] is True
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 10_000  # Textual, the SDK and the screen
    assert seen["after main"] is True


def test_the_demo_starts_with_the_collector_off_and_turns_it_on_with_start_up_frozen(sandbox, tmp_path) -> None:
    status, seen = run_gterm(sandbox, tmp_path, "demo", "--data-dir", str(tmp_path / "demo"))
    assert status == 0
    assert seen["app built, before its first frame"] is False
    assert seen["after the first frame"] is True
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 10_000
    assert seen["after main"] is True


def test_a_command_without_a_screen_leaves_the_collector_alone(sandbox, tmp_path) -> None:
    status, seen = run_gterm(sandbox, tmp_path, "whoami")
    assert status == 0
    assert seen == {"after main": True, "frozen at the end": 0}


def test_a_start_that_fails_before_its_first_frame_turns_the_collector_back_on(sandbox, tmp_path) -> None:
    (tmp_path / "config.toml").write_text("this is = = not toml\n")
    status, seen = run_gterm(sandbox, tmp_path, "--left", f"{LAB_STORAGE_ID}:/~/")
    assert status == 1
    assert seen == {"after main": True, "frozen at the end": 0}  # nothing frozen for a start that never drew


def test_the_start_up_pause_and_a_listings_pause_overlap(undo_freeze) -> None:
    assert gc.isenabled()
    collector.pause_for_startup()
    collector.pause_for_startup()  # again while paused: the same pause
    assert not gc.isenabled()
    frozen = gc.get_freeze_count()
    with collector.gc_paused():  # a big listing decoded while the first frame is being drawn
        collector.end_startup_pause()
        assert gc.get_freeze_count() > frozen
        assert not gc.isenabled()  # the listing's pause still holds
    assert gc.isenabled()
    collector.end_startup_pause()  # once ended: nothing more
    assert gc.isenabled()


def test_a_block_that_ends_before_a_first_frame_freezes_nothing() -> None:
    frozen = gc.get_freeze_count()
    with pytest.raises(RuntimeError), collector.paused_until_first_frame():
        assert not gc.isenabled()
        raise RuntimeError("the settings could not be read")
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_pause_on_one_thread_holds_while_another_ends_its_own() -> None:
    inside, leave = threading.Event(), threading.Event()

    def listing() -> None:
        with collector.gc_paused():
            inside.set()
            leave.wait(10)

    worker = threading.Thread(target=listing)
    worker.start()
    try:
        assert inside.wait(10)
        with collector.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the other thread's pause is still on
    finally:
        leave.set()
        worker.join(10)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()

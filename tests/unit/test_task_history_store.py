"""gterm.globus.task_history: gterm's own tasks kept across runs, bounded, private, without a token."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gterm.globus.local_tasks import Item, LocalTask
from gterm.globus.models import INTERRUPTED, Event
from gterm.globus.task_history import KEEP_EVENTS, KEEP_TASKS, TaskHistory

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TOKEN = "AgBq9xY2kLmN4pQrStUvWxYz0123456789abcdEFGHij"  # credential-shaped: 40+ mixed-case url-safe characters


def _copy(tmp_path: Path, name: str = "a.txt", started: datetime = NOW) -> LocalTask:
    source = tmp_path / "src" / name
    source.parent.mkdir(exist_ok=True)
    source.write_text("hello")
    return LocalTask(kind="copy", items=[Item(str(source), str(tmp_path / "dst" / name), is_dir=False, size=5)],
                     source_name="This computer", destination_name="This computer", label=f"{name} copy",
                     _started=started)


def test_a_finished_task_is_read_back_by_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "data" / "state.tasks.json"
    history = TaskHistory(path, clock=lambda: NOW)
    task = _copy(tmp_path)
    (tmp_path / "dst").mkdir()
    task.on_change = history.record
    task.run()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (past,) = TaskHistory(path, clock=lambda: NOW).load().tasks
    assert past.snapshot() == task.snapshot()
    assert [(e.code, e.description) for e in past.events()] == [(e.code, e.description) for e in task.events()]
    assert not past.is_active


def test_a_task_writes_on_a_change_of_state_not_on_every_file(tmp_path: Path) -> None:
    (tmp_path / "dst").mkdir()
    task = LocalTask(kind="copy", items=[Item(str(tmp_path / "src"), str(tmp_path / "dst" / "tree"), is_dir=True)],
                     source_name="This computer", destination_name="This computer")
    for index in range(30):
        (tmp_path / "src").mkdir(exist_ok=True)
        (tmp_path / "src" / f"f{index}").write_text("x" * index)
    seen: list[str] = []
    task.on_change = lambda t: seen.append(t.snapshot().nice_status or t.status)
    task.run()
    assert seen == ["PLANNING", "ACTIVE", "SUCCEEDED"]  # begun, planned, ended: not 30 file ends


def test_no_token_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.tasks.json"
    history = TaskHistory(path, clock=lambda: NOW)
    task = _copy(tmp_path)
    task._event("FILE_FAILED", f"refused: Authorization: Bearer {TOKEN}", f"https://h/x?access_token={TOKEN}",
                is_error=True)
    task.fatal_error = f"the server said {TOKEN}"
    history.record(task)
    text = path.read_text()
    assert TOKEN not in text and "***" in text


def test_a_task_running_when_gterm_stopped_is_read_back_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "state.tasks.json"
    history = TaskHistory(path, clock=lambda: NOW)
    task = _copy(tmp_path)
    task.kind = "download"
    task._counters.files_total, task._counters.bytes_total, task._counters.bytes_done = 4, 4000, 1500
    history.record(task)  # then gterm was killed: nothing more was written
    loaded = TaskHistory(path, clock=lambda: NOW + timedelta(hours=1)).load()
    (past,) = loaded.tasks
    snap = past.snapshot()
    assert (snap.status, snap.nice_status, snap.bytes_transferred) == ("FAILED", INTERRUPTED, 1500)
    assert snap.completion_time == NOW  # when it was last known to run, not "still running" an hour on
    said = str(snap.raw["fatal_error"])
    assert said.startswith("gterm stopped while this download ran: 0 files of 4 done, 1,500 of 4,000 bytes")
    assert "F5 on the same files again to resume" in said
    assert past.events()[-1].code == INTERRUPTED
    assert loaded.newly_interrupted == [past]
    # Said once: the next start lists it without telling again.
    assert TaskHistory(path, clock=lambda: NOW).load().newly_interrupted == []


def test_the_history_is_bounded_in_tasks_days_and_events(tmp_path: Path) -> None:
    path = tmp_path / "state.tasks.json"
    history = TaskHistory(path, clock=lambda: NOW)
    old = _copy(tmp_path, "old.txt", started=NOW - timedelta(days=31))
    history.record(old)
    for index in range(KEEP_TASKS + 5):
        history.record(_copy(tmp_path, f"t{index}.txt", started=NOW - timedelta(minutes=index)))
    chatty = _copy(tmp_path, "chatty.txt", started=NOW + timedelta(seconds=1))
    for index in range(KEEP_EVENTS * 3):
        chatty._event("KEPT_BOTH", f"event {index}")
    chatty.status = "SUCCEEDED"  # ended (one still running would be read back with one event more: interrupted)
    history.record(chatty)
    tasks = TaskHistory(path, clock=lambda: NOW).load().tasks
    assert len(tasks) == KEEP_TASKS
    labels = [past.snapshot().label for past in tasks]
    assert labels[0] == "chatty.txt copy" and "old.txt copy" not in labels and "t0.txt copy" in labels
    events = tasks[0].events()
    assert len(events) == KEEP_EVENTS
    assert events[0].description == "event 0" and events[-1].description == f"event {KEEP_EVENTS * 3 - 1}"
    assert any(e.code == "EVENTS_LEFT_OUT" for e in events)


@pytest.mark.parametrize("text", ["{not json", '{"version": 1}', '{"version": 99, "tasks": []}', "\xff\xfe"])
def test_an_unreadable_file_is_set_aside_and_said(tmp_path: Path, text: str) -> None:
    path = tmp_path / "state.tasks.json"
    path.write_bytes(text.encode("latin-1"))
    history = TaskHistory(path, clock=lambda: NOW)
    loaded = history.load()
    assert loaded.tasks == [] and loaded.problem is not None
    assert "cannot be read" in loaded.problem and "state.tasks.json.bad" in loaded.problem
    assert (tmp_path / "state.tasks.json.bad").read_bytes() == text.encode("latin-1")
    history.record(_copy(tmp_path))  # and this run's tasks are kept in a new one
    assert len(TaskHistory(path, clock=lambda: NOW).load().tasks) == 1


def test_one_bad_record_is_left_out_and_the_others_kept(tmp_path: Path) -> None:
    path = tmp_path / "state.tasks.json"
    history = TaskHistory(path, clock=lambda: NOW)
    history.record(_copy(tmp_path))
    document = json.loads(path.read_text())
    document["tasks"].append({**document["tasks"][0], "task_id": "local-bad", "files": "many"})
    path.write_text(json.dumps(document))
    loaded = TaskHistory(path, clock=lambda: NOW).load()
    assert [past.task_id for past in loaded.tasks] == [document["tasks"][0]["task_id"]] and loaded.problem is None


def test_a_history_that_cannot_be_written_is_said_once(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the data dir should be")
    errors: list[OSError] = []
    history = TaskHistory(blocked / "state.tasks.json", clock=lambda: NOW)
    history.on_write_error = errors.append
    history.record(_copy(tmp_path))
    history.record(_copy(tmp_path, "b.txt"))
    assert len(errors) == 1


def test_no_file_without_a_path(tmp_path: Path) -> None:
    history = TaskHistory(None, clock=lambda: NOW)
    history.record(_copy(tmp_path))
    assert not any(p.suffix == ".json" for p in tmp_path.rglob("*"))


def test_events_keep_their_order_and_times(tmp_path: Path) -> None:
    path = tmp_path / "state.tasks.json"
    task = _copy(tmp_path)
    task._events.append(Event("KEPT_BOTH", "x", "y", False, NOW))
    task.status = "SUCCEEDED"
    TaskHistory(path, clock=lambda: NOW).record(task)
    (past,) = TaskHistory(path, clock=lambda: NOW).load().tasks
    assert past.events() == [Event("KEPT_BOTH", "x", "y", False, NOW)]
    assert os.stat(path).st_size < 10_000

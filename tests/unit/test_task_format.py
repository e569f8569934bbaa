"""Pure task formatting: progress, rates, durations, ETA, endings, the poll schedule, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gterm.globus.models import Task
from gterm.tui import task_format as fmt
from gterm.tui.safe_text import escape_controls
from gterm.tui.task_poller import IDLE_MAX, PollSchedule

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def task(**overrides: Any) -> Task:
    doc: dict[str, Any] = {
        "task_id": "t-1",
        "type": "TRANSFER",
        "status": "ACTIVE",
        "label": "nightly",
        "nice_status": "OK",
        "request_time": (NOW - timedelta(seconds=60)).isoformat(),
        "files": 10,
        "files_transferred": 4,
        "files_skipped": 1,
        "bytes_transferred": 5_000_000,
        "effective_bytes_per_second": 83_333,
        "source_endpoint_display_name": "Lab Storage",
        "destination_endpoint_display_name": "HPC Scratch",
    }
    doc.update(overrides)
    return Task.from_doc(doc)


def test_human_units() -> None:
    assert fmt.human_bytes(0) == "0 B"
    assert fmt.human_bytes(999) == "999 B"
    assert fmt.human_bytes(3_145_728) == "3.1 MB"
    assert fmt.human_rate(0) == "-"
    assert fmt.human_rate(1_500) == "1.5 kB/s"
    assert fmt.human_duration(42) == "42s"
    assert fmt.human_duration(185) == "3m05s"
    assert fmt.human_duration(7620) == "2h07m"
    assert fmt.human_duration(3 * 86400 + 4 * 3600) == "3d04h"
    assert fmt.human_duration(None) == "-"


def test_event_details_are_shown_on_one_line() -> None:
    # QA F12: pretty-printed JSON details showed literal "\\n" in the events table.
    assert fmt.one_line_details('{\n  "files_succeeded": 1\n}') == "files_succeeded=1"
    pretty = '{\n  "type": "Sandbox Transfer",\n  "concurrency": 1,\n  "parallelism": 1,\n  "pipelining": 1\n}'
    assert fmt.one_line_details(pretty) == "type=Sandbox Transfer, concurrency=1, parallelism=1, pipelining=1"
    assert fmt.one_line_details(
        '{"error": {"code": 5, "paths": ["/a", "/b"]}}'
    ) == 'error={"code":5,"paths":["/a","/b"]}'
    assert fmt.one_line_details("line one\n  line two") == "line one line two"
    assert fmt.one_line_details("[1, 2]") == "[1, 2]"
    assert fmt.one_line_details("") == ""
    assert "\n" not in escape_controls(fmt.one_line_details('{"a": "x\\ny"}'))


def test_progress_counts_files_then_subtasks() -> None:
    prog = fmt.progress(task())
    assert (prog.done, prog.total, prog.unit) == (5, 10, "files")
    assert prog.text == "5/10 files"
    delete = fmt.progress(task(type="DELETE", files=0, subtasks_total=4, subtasks_pending=1))
    assert (delete.done, delete.total, delete.unit) == (3, 4, "subtasks")
    assert fmt.progress(task(files=0)).fraction is None
    done = fmt.progress(task(status="SUCCEEDED", files_transferred=2, files_skipped=0))
    assert done.fraction == 1.0


def test_progress_bar_is_fixed_width_text() -> None:
    assert fmt.progress_bar(0.5, 10) == "█████░░░░░"
    assert fmt.progress_bar(None, 4) == "····"
    assert fmt.progress_bar(1.0, 3) == "███"


def test_elapsed_and_eta_use_the_given_clock() -> None:
    running = task(files=40, files_transferred=16, files_skipped=4)
    assert fmt.elapsed_seconds(running, NOW) == 60
    assert fmt.eta_seconds(running, NOW) == pytest.approx(60.0)  # half done after a minute
    finished = task(status="SUCCEEDED", completion_time=(NOW - timedelta(seconds=30)).isoformat())
    assert fmt.elapsed_seconds(finished, NOW) == 30
    assert fmt.eta_seconds(finished, NOW) is None
    assert fmt.eta_seconds(task(files_transferred=0, files_skipped=0), NOW) is None
    assert fmt.eta_seconds(task(status="INACTIVE"), NOW) is None  # stalled: no estimate


def test_no_time_left_from_a_few_files_whose_bytes_are_unknown() -> None:
    """A directory transfer (no byte total): with one of six big files done after a minute, the count
    said 5m left while a third of the bytes had moved; under ten files done there is no estimate."""
    few_big = task(files=6, files_transferred=1, files_skipped=0, bytes_transferred=60_500_000)
    assert fmt.eta_seconds(few_big, NOW) is None
    assert fmt.progress(few_big).text == "1/6 files"  # the count itself still shows
    many = task(files=100, files_transferred=10, files_skipped=0)
    assert fmt.eta_seconds(many, NOW) == pytest.approx(540.0)
    delete = task(type="DELETE", files=0, subtasks_total=40, subtasks_pending=31)
    assert fmt.eta_seconds(delete, NOW) is None  # 9 of 40 subtasks


def test_endings_and_status_text() -> None:
    assert fmt.ending(task()) is None
    assert fmt.ending(task(status="SUCCEEDED")) == fmt.ENDED_OK
    canceled = task(status="FAILED", nice_status=None, fatal_error={"code": "CANCELED", "description": "canceled"})
    assert fmt.ending(canceled) == fmt.ENDED_CANCELED
    assert fmt.status_text(canceled) == "FAILED CANCELED"
    failed = task(status="FAILED", nice_status=None, fatal_error={"code": "DEADLINE", "description": "too late"})
    assert fmt.ending(failed) == fmt.ENDED_FAILED
    assert fmt.status_text(failed) == "FAILED DEADLINE"
    assert "too late" in fmt.finish_message(failed)
    assert fmt.status_text(task(status="INACTIVE", nice_status="PERMISSION_DENIED")) == "INACTIVE PERMISSION_DENIED"
    assert fmt.finish_message(task(status="SUCCEEDED")).startswith("Transfer succeeded: nightly")
    one = task(status="SUCCEEDED", files_transferred=1, bytes_transferred=6)
    assert fmt.finish_message(one).endswith("(1 file, 6 B)")  # was "(1 files, 6 B)"
    upload = task(type="UPLOAD", status="SUCCEEDED", files_transferred=1, files_skipped=2, bytes_transferred=6)
    assert fmt.finish_message(upload).endswith("(1 file, 6 B, 2 skipped)")  # its events name them
    # A download's directory where a file has its name here: counted apart from the files.
    download = task(type="DOWNLOAD", status="SUCCEEDED", files_transferred=0, files_skipped=0, bytes_transferred=0,
                    directories_skipped=1)
    assert fmt.finish_message(download).endswith("(0 files, 0 B, 1 directory skipped)")
    both = task(type="DOWNLOAD", status="SUCCEEDED", files_transferred=3, files_skipped=2, bytes_transferred=6,
                directories_skipped=2)
    assert fmt.finish_message(both).endswith("(3 files, 6 B, 2 files and 2 directories skipped)")
    # What a tree walk left out (links in an upload, special files): said after the files, not only in events.
    left = task(type="UPLOAD", status="SUCCEEDED", files_transferred=1, files_skipped=0, bytes_transferred=3,
                links_left_out=2, special_files_left_out=1)
    assert fmt.finish_message(left).endswith("(1 file, 3 B; 2 links and 1 special file left out)")
    empty = task(type="COPY", status="SUCCEEDED", files=0, files_transferred=0, files_skipped=0, directories=1,
                 special_files_left_out=1)
    assert fmt.finish_message(empty).endswith("(1 directory made, no files; 1 special file left out)")


def test_title_falls_back_to_endpoints() -> None:
    assert fmt.task_title(task(label=None)) == "Lab Storage -> HPC Scratch"
    assert fmt.task_title(task(label="[bold]x[/bold]")) == "[bold]x[/bold]"


def test_sort_active_first_then_newest() -> None:
    old_active = task(task_id="a", request_time=(NOW - timedelta(hours=2)).isoformat())
    new_done = task(task_id="b", status="SUCCEEDED", request_time=(NOW - timedelta(minutes=1)).isoformat())
    new_active = task(task_id="c", request_time=(NOW - timedelta(minutes=5)).isoformat())
    assert [t.task_id for t in fmt.sort_tasks([old_active, new_done, new_active])] == ["c", "a", "b"]


def test_finished_since_reports_only_transitions() -> None:
    previous = {"a": "ACTIVE", "b": "SUCCEEDED", "c": "INACTIVE"}
    now = [
        task(task_id="a", status="SUCCEEDED"),
        task(task_id="b", status="SUCCEEDED"),
        task(task_id="c", status="FAILED"),
        task(task_id="d", status="FAILED"),  # never seen active: not news
    ]
    assert [t.task_id for t in fmt.finished_since(previous, now)] == ["a", "c"]


def test_parse_deadline() -> None:
    assert fmt.parse_deadline("", NOW) is None
    assert fmt.parse_deadline("+2h", NOW) == NOW + timedelta(hours=2)
    assert fmt.parse_deadline("+30m", NOW) == NOW + timedelta(minutes=30)
    assert fmt.parse_deadline("+1d", NOW) == NOW + timedelta(days=1)
    assert fmt.parse_deadline("2026-12-01T18:00", NOW) == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="Cannot read deadline"):
        fmt.parse_deadline("tomorrow", NOW)
    with pytest.raises(ValueError, match="Cannot read deadline"):
        fmt.parse_deadline("+2x", NOW)
    for not_ascii in ("+²h", "+٣d"):  # digits to str.isdigit; float() raised its own message
        with pytest.raises(ValueError, match="Cannot read deadline"):
            fmt.parse_deadline(not_ascii, NOW)
    with pytest.raises(ValueError, match="in the past"):
        fmt.parse_deadline("2020-01-01", NOW)


@pytest.mark.parametrize("text", ["+9999999d", "+99999999999999w", "9999-12-31T23:59-05:00"])
def test_a_deadline_past_the_calendar_is_a_message_not_a_crash(text: str) -> None:
    """An OverflowError here ended the app (the dialog and task details catch the ValueError they show)."""
    with pytest.raises(ValueError, match="too far ahead"):
        fmt.parse_deadline(text, NOW)


def test_poll_schedule_fast_while_active_backs_off_when_idle() -> None:
    schedule = PollSchedule()
    assert schedule.after_refresh(True) <= 2.0
    idle = [schedule.after_refresh(False) for _ in range(8)]
    assert idle == sorted(idle)  # never speeds up while idle
    assert idle[0] > 2.0
    assert idle[-1] == IDLE_MAX >= 30.0
    assert schedule.after_refresh(True) <= 2.0  # activity snaps back
    schedule.after_refresh(False)
    schedule.after_refresh(False)
    schedule.reset()
    assert schedule.after_refresh(False) == idle[0]


def test_one_big_file_shows_progress_and_eta_in_bytes() -> None:
    """A 4 GB single-file transfer half done: 2.0 GB/4.0 GB and an ETA, not ``0/1`` and no ETA."""
    big = task(files=1, files_transferred=0, files_skipped=0, bytes_transferred=2_000_000_000,
               effective_bytes_per_second=50_000_000)
    assert fmt.progress(big).short_text == "0/1"  # without the total: whole files only
    prog = fmt.progress(big, expected_bytes=4_000_000_000)
    assert prog.unit == "bytes" and prog.fraction == 0.5
    assert prog.short_text == "2.0 GB/4.0 GB"
    assert fmt.eta_seconds(big, NOW, expected_bytes=4_000_000_000) == pytest.approx(40.0)
    # No rate reported yet: bytes over elapsed time (60 s here).
    early = task(files=1, files_transferred=0, files_skipped=0, bytes_transferred=1_000_000_000,
                 effective_bytes_per_second=0)
    assert fmt.eta_seconds(early, NOW, expected_bytes=4_000_000_000) == pytest.approx(180.0)
    # Done is done, even if the counters lag.
    finished = task(status="SUCCEEDED", files=1, files_transferred=1, bytes_transferred=0)
    assert fmt.progress(finished, expected_bytes=10).fraction == 1.0

"""F5 with This computer: which task, which names collide, what an upload does with them; details and cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from gterm.globus.local_task_control import LocalTaskControl
from gterm.globus.local_tasks import Item, LocalTask
from gterm.globus.models import Entry
from gterm.globus.transfer import TransferService
from gterm.tui.local_transfer import build_task, conflicts, task_kind
from gterm.tui.transfer_plan import TransferPlan

LAB = "8f3caffd-c450-42a7-b874-98ce4d4f88b2"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _plan(source: str, destination: str, names: list[str], existing: list[str]) -> TransferPlan:
    return TransferPlan(
        source_collection_id=source,
        source_name="This computer" if source == "local" else "Lab Storage",
        source_path="/src/",
        destination_collection_id=destination,
        destination_name="This computer" if destination == "local" else "Lab Storage",
        destination_path="/dst/",
        entries=tuple(Entry(n, "file", 3, WHEN) for n in names),
        destination_entries=tuple(Entry(n, "file", 1, WHEN) for n in existing),
    )


def test_task_kind_by_side() -> None:
    assert task_kind(LAB, "local") == "download"
    assert task_kind("local", LAB) == "upload"
    assert task_kind("local", "local") == "copy"
    assert task_kind(LAB, LAB) is None  # Transfer's own task


def test_conflicts_name_what_the_destination_has() -> None:
    assert [c.name for c in conflicts(_plan(LAB, "local", ["a.txt", "b.txt"], ["b.txt", "c.txt"]))] == ["b.txt"]


def test_a_conflict_shows_both_sides_sizes_and_times_and_which_is_newer() -> None:
    plan = TransferPlan(
        source_collection_id=LAB, source_name="Lab Storage", source_path="/src/",
        destination_collection_id="local", destination_name="This computer", destination_path="/dst/",
        entries=(Entry("run.log", "file", 2_500_000, WHEN), Entry("data", "dir", 0, WHEN),
                 Entry("same.txt", "file", 5, WHEN)),
        destination_entries=(Entry("run.log", "file", 1_000, datetime(2025, 6, 1, 8, 30, tzinfo=UTC)),
                             Entry("data", "file", 9, WHEN), Entry("same.txt", "file", 5, WHEN)),
    )
    assert [c.line() for c in conflicts(plan)] == [
        "run.log · new: 2.5 MB 2026-01-01 00:00 · here: 1.0 kB 2025-06-01 08:30, older",
        "data/ · here: a file of that name",
        "same.txt · new: 5 B 2026-01-01 00:00 · here: 5 B 2026-01-01 00:00, same time",
    ]


def test_upload_skips_or_renames_from_the_listing() -> None:
    service = TransferService(lambda: None)  # type: ignore[arg-type,return-value]  # never called here
    plan = _plan("local", LAB, ["a.txt", "b.txt", "report.v1.csv"], ["b.txt", "report.v1.csv", "b (1).txt"])
    skipped = build_task(plan, "upload", "skip", remote=None, https=None, service=service)
    assert [item.destination for item in skipped.items] == ["/dst/a.txt"]
    renamed = build_task(plan, "upload", "rename", remote=None, https=None, service=service)
    assert [item.destination for item in renamed.items] == ["/dst/a.txt", "/dst/b (2).txt", "/dst/report (1).v1.csv"]
    overwritten = build_task(plan, "upload", "overwrite", remote=None, https=None, service=service)
    assert [item.destination for item in overwritten.items] == ["/dst/a.txt", "/dst/b.txt", "/dst/report.v1.csv"]


def test_control_cancels_and_reads_events_newest_first(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    task = LocalTask(kind="copy", items=[Item(str(tmp_path / "f.txt"), str(tmp_path / "g.txt"), is_dir=False, size=1)],
                     source_name="This computer", destination_name="This computer")
    control = LocalTaskControl(task)
    assert "Cancelling" in control.cancel(task.task_id)
    task.run()
    finished = control.task(task.task_id)
    assert (finished.status, finished.nice_status) == ("FAILED", "CANCELED")
    assert control.events(task.task_id)[0].code == "CANCELED"
    assert control.cancel(task.task_id) == "The task had already ended."


def test_cancel_says_what_is_left_of_the_file_cut_off_for_each_kind(tmp_path: Path) -> None:
    """QA: cancelling an upload said "a partial download is kept to resume": an upload keeps nothing of a
    file cut off on the collection (HttpsFiles.upload), and a copy removes its temporary file."""
    said = {
        kind: LocalTaskControl(LocalTask(kind=kind, items=[], source_name="a", destination_name="b")).cancel("t")
        for kind in ("download", "upload", "copy")
    }
    assert said["download"].endswith("(a partial download is kept to resume).")
    assert said["upload"].endswith("(a file cut off is not kept on the collection; the files already sent stay there).")
    assert said["copy"].endswith("(a file cut off is removed; the files already copied stay).")
    assert all(text.startswith("Cancelling: each stream stops at its next piece") for text in said.values())

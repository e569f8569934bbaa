"""gterm's own tasks kept in the data dir: a download over the live sandbox's HTTPS server, recorded as it
changes state, read back by a new TaskHistory on the same data dir (the next run of gterm)."""

from __future__ import annotations

from pathlib import Path

from gterm.config import GtermConfig
from gterm.globus.local_tasks import Item
from gterm.globus.task_history import TaskHistory
from gterm.sandbox.server import SandboxHandle
from tests.integration.test_local_tasks import _task
from tests.support.transfer_live import make_lab_dir


def test_a_download_is_read_back_from_the_same_data_dir(sandbox: SandboxHandle, tmp_path: Path) -> None:
    disk, path = make_lab_dir(sandbox, {"a.txt": "alpha", "deep/b.bin": b"\x01" * 4096})
    config = GtermConfig(path=tmp_path / "config.toml")
    history_file = config.task_history_file()
    task = _task(sandbox, "download", [Item(path, str(tmp_path / "got"), is_dir=True)])
    task.on_change = TaskHistory(history_file).record
    task.run()
    assert task.snapshot().status == "SUCCEEDED", task.events()

    (past,) = TaskHistory(history_file).load().tasks  # the next run: only the file is shared
    snap = past.snapshot()
    assert (snap.status, snap.type, snap.files, snap.files_transferred) == ("SUCCEEDED", "DOWNLOAD", 2, 2)
    assert snap.bytes_transferred == snap.raw["bytes_total"] == 5 + 4096
    assert [e.code for e in past.events()] == [e.code for e in task.events()]
    assert "access_token" not in history_file.read_text() and str(disk) not in history_file.read_text()

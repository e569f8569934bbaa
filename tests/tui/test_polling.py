"""The task panel's polling rule, counted in the sandbox's request log.

- idle (nothing active): only back-off-rate task_list requests over a window;
- several active tasks: one task_list per refresh, no per-task requests, at
  least every 2 s.

The module runs its own slowed sandbox so tasks stay active long enough.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.app import App, ComposeResult

from gterm.globus.transfer import TransferService
from gterm.globus.transfer_requests import TransferItem, TransferRequest
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.task_poller import ACTIVE_INTERVAL, IDLE_FIRST
from gterm.tui.widgets.task_panel import TaskPanel
from tests.support.transfer_live import RequestLog, make_lab_dir, own_sandbox, pump_for, service_for, wait_until

SLOW_BYTES_PER_SECOND = 100_000


@pytest.fixture(scope="module")
def slow_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("slow-sandbox"), slow=SLOW_BYTES_PER_SECOND) as handle:
        yield handle


class PanelApp(App[None]):
    def __init__(self, service: TransferService) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        yield TaskPanel(self.service, id="tasks")


async def test_idle_panel_backs_off(slow_sandbox: SandboxHandle) -> None:
    bob = service_for(slow_sandbox, "bob")  # Bob has never submitted anything here: nothing is active
    log = RequestLog(slow_sandbox)
    app = PanelApp(bob)
    mark = log.mark()
    async with app.run_test(size=(120, 20)) as pilot:
        panel = app.query_one(TaskPanel)
        await wait_until(pilot, lambda: panel.refresh_count >= 1 and not panel._in_flight, "the first refresh")
        window = 3 * IDLE_FIRST + 1  # first refresh, +4 s, +8 s: the next would come 16 s later
        await pump_for(pilot, window)
        refreshes = panel.refresh_count
        intervals = list(panel.intervals)
    requests = log.count(mark, method="GET", path="/v0.10/task_list", identity="bob")
    assert requests == refreshes  # one request per refresh
    assert 2 <= requests <= 3  # backed off: not the 2 s rate (which would be 8 or more)
    assert intervals[0] >= IDLE_FIRST and intervals == sorted(intervals) and intervals[-1] > intervals[0]
    others = [r for r in log.since(mark) if r["path"].startswith("/v0.10/task/")]
    assert others == []


async def test_several_active_tasks_cost_one_request_per_refresh(slow_sandbox: SandboxHandle) -> None:
    alice = service_for(slow_sandbox, "alice")
    log = RequestLog(slow_sandbox)
    task_ids = []
    # Submitted "elsewhere" (straight through the service, not the panel): they must show up.
    for index in range(3):
        _, src = make_lab_dir(slow_sandbox, {"big.bin": b"x" * 3_000_000})
        _, dst = make_lab_dir(slow_sandbox)
        request = TransferRequest(
            LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(src + "big.bin", dst + "big.bin")], label=f"poll {index}"
        )
        task_ids.append(alice.submit_transfer(request))
    app = PanelApp(alice)
    try:
        async with app.run_test(size=(120, 20)) as pilot:
            panel = app.query_one(TaskPanel)
            await wait_until(
                pilot,
                lambda: {t.task_id for t in panel.tasks if t.is_active} >= set(task_ids),
                "the three active tasks in the panel",
            )
            await wait_until(pilot, lambda: not panel._in_flight, "the refresh in flight to end")
            mark = log.mark()
            before = panel.refresh_count
            await pump_for(pilot, 6.0)
            await wait_until(pilot, lambda: not panel._in_flight, "the refresh in flight to end")
            refreshes = panel.refresh_count - before
            still_active = sum(1 for t in panel.tasks if t.is_active)
            intervals = list(panel.intervals[-refreshes:])
            end = log.mark()
    finally:
        for task_id in task_ids:
            alice.cancel(task_id)
    assert still_active >= 3
    task_lists = log.count(mark, method="GET", path="/v0.10/task_list", identity="alice", end=end)
    assert task_lists == refreshes
    assert refreshes >= 3  # 6 s at least every 2 s
    assert all(delay <= 2.0 for delay in intervals) and ACTIVE_INTERVAL <= 2.0
    per_task = [r for r in log.since(mark, end) if r["path"].startswith("/v0.10/task/") or "/event_list" in r["path"]]
    assert per_task == []

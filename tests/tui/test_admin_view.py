"""``m``: the administrator's view over a throttled sandbox of its own.

Alice administers Lab Storage; Bob's slow copy there stays running long enough
for her to pause it with a message (Bob's task panel, with Bob's token, shows
it paused with that message), resume it and cancel it. A pause rule on ``ls``
made in the pause rules screen refuses Bob's listing with its message; deleting
it lets the listing work again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import globus_sdk
import pytest
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static

from gterm.globus.endpoint_manager import PAUSE_OPERATIONS, EndpointManager, PauseRuleDraft
from gterm.globus.errors import PermissionDenied
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import BOB_ID, BOB_USERNAME, LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.admin_tasks import AdminTasksScreen
from gterm.tui.screens.pause_rules import PauseRuleForm, PauseRulesScreen
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from gterm.tui.screens.task_details import TaskDetailsScreen
from gterm.tui.widgets.key_footer import FooterKey, KeyFooter
from gterm.tui.widgets.pane import Pane
from tests.support.browser_helpers import key_opens, make_app, notices, screen_lines, settled, type_text, wait_for
from tests.support.gcs_helpers import gcs_client_for
from tests.support.outages import outage
from tests.support.sandbox_login import own_sandbox, robot_transfer_client, sdk_pointed_at, transfer_client_for
from tests.support.sharing_helpers import sharing_for
from tests.support.tasks_helpers import collection_root, write
from tests.support.transfer_live import RequestLog, service_for

LAB = LAB_STORAGE_ID
SLOW = 8192  # bytes per second per task: Bob's 40 x 4 KiB copy runs ~20 s


@pytest.fixture(scope="module")
def mgmt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("admin-view"), slow=SLOW) as handle:
        yield handle


@pytest.fixture(scope="module")
def bob(mgmt: SandboxHandle) -> globus_sdk.TransferClient:
    return transfer_client_for(mgmt, "bob")


def bob_copy(sandbox: SandboxHandle, bob: globus_sdk.TransferClient, files: int = 40) -> str:
    name = f"admin-{uuid.uuid4().hex[:8]}"
    disk = collection_root(sandbox, LAB) / "home" / "bob" / name
    for n in range(files):
        write(disk / "src" / f"f{n:03}.bin", bytes([n % 256]) * 4096)
    data = globus_sdk.TransferData(LAB, LAB, label=name)
    data.add_item(f"/home/bob/{name}/src/", f"/home/bob/{name}/dst/", recursive=True)
    return str(bob.submit_transfer(data)["task_id"])


async def until(pilot: Any, check: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Pump the app until ``check()`` holds (it may call the service: a slow poll, bounded)."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.1)


async def open_admin_view(pilot: Any, app: Any) -> AdminTasksScreen:
    await settled(pilot)
    admin = await key_opens(pilot, app, "m", AdminTasksScreen, "the administrator's view")
    await wait_for(pilot, lambda: any(e.id == LAB for e in admin.endpoints), "the endpoints Alice manages")
    asked = admin.queries
    admin.query_one("#filter-endpoint", Select).value = LAB  # what choosing it in the list does
    # The list for that filter, not the first one (all running tasks): a reload arriving later
    # would empty the list under the test's feet.
    await wait_for(pilot, lambda: admin.queries > asked and not admin.fetching, "the list for Lab Storage")
    return admin


async def cursor_to_task(pilot: Any, admin: AdminTasksScreen, task_id: str) -> None:
    await wait_for(pilot, lambda: not admin.fetching and any(i.task.task_id == task_id for i in admin.items),
                   "Bob's task in the list")
    row = next(n for n, item in enumerate(admin.items) if item.task.task_id == task_id)
    admin.table.move_cursor(row=row)
    admin.table.focus()
    await pilot.pause()


async def answer_with(pilot: Any, app: Any, message: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the message prompt")
    await type_text(pilot, message)
    await pilot.press("enter")


async def test_admin_pauses_bobs_task_bob_sees_why_then_resume_and_cancel(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient
) -> None:
    task_id = bob_copy(mgmt, bob)
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    async with app.run_test(size=(160, 45)) as pilot:
        admin = await open_admin_view(pilot, app)
        await cursor_to_task(pilot, admin, task_id)
        assert next(i for i in admin.items if i.task.task_id == task_id).owner.startswith("bob")
        await pilot.press("p")
        await answer_with(pilot, app, "Disk maintenance")
        await until(pilot, lambda: bool(bob.get_task(task_id)["is_paused"]), "the pause to reach Bob's task")
        await wait_for(pilot, lambda: admin.statuses().get(task_id) == "PAUSED", "the list to show it paused")

        # Bob's side, with Bob's own token: the task panel says paused, and why.
        bob_app = make_app(service_for(mgmt, "bob"), left=f"{LAB}:/home/bob/", right=f"{LAB}:/home/bob/")
        async with bob_app.run_test(size=(160, 45)) as bob_pilot:
            panel = bob_app.main_screen.task_panel
            await wait_for(bob_pilot, lambda: any(t.task_id == task_id and t.is_paused for t in panel.tasks),
                           "Bob's panel to show the task paused")
            mine = next(t for t in panel.tasks if t.task_id == task_id)
            assert mine.pause_message == "Disk maintenance"
            row = panel.table.get_row(task_id)
            assert str(row[2]).startswith("PAUSED: Disk")

        await cursor_to_task(pilot, admin, task_id)
        await pilot.press("r")
        await until(pilot, lambda: not bob.get_task(task_id)["is_paused"], "the resume")

        await cursor_to_task(pilot, admin, task_id)
        await pilot.press("x")
        await answer_with(pilot, app, "Out of quota")
        await until(pilot, lambda: bob.get_task(task_id)["status"] == "FAILED", "the cancel")
    final = bob.get_task(task_id)
    assert final["canceled_by_admin_message"] == "Out of quota"


async def test_after_an_action_the_cursor_stays_on_its_task(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient
) -> None:
    """A pause reloaded the list: the cursor went to the first row, and the next x or p acted on another task."""
    older, newer = bob_copy(mgmt, bob), bob_copy(mgmt, bob)
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            admin = await open_admin_view(pilot, app)
            await wait_for(pilot, lambda: {older, newer} <= {i.task.task_id for i in admin.items}, "both tasks")
            await cursor_to_task(pilot, admin, older)
            row = admin.table.cursor_row
            assert row > 0, "the task should not be on the first row"
            await pilot.press("p")
            await answer_with(pilot, app, "one at a time")
            await wait_for(pilot, lambda: admin.statuses().get(older) == "PAUSED", "the list to show it paused")
            assert admin.table.cursor_row == row and admin.items[row].task.task_id == older
    finally:
        for task_id in (older, newer):
            bob.cancel_task(task_id)


async def test_the_rows_on_screen_follow_their_tasks_without_a_reload(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list showed each task as it was when listed until ctrl+r; the active tasks on screen are read
    again now and then (every 5 s; faster here), as the task panel follows one's own tasks."""
    monkeypatch.setattr(AdminTasksScreen, "REFRESH_SECONDS", 0.3)
    task_id = bob_copy(mgmt, bob, files=12)  # about 6 s at SLOW
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    async with app.run_test(size=(160, 45)) as pilot:
        admin = await open_admin_view(pilot, app)
        await cursor_to_task(pilot, admin, task_id)
        assert admin.statuses()[task_id].startswith("ACTIVE")
        listed = admin.queries
        await until(pilot, lambda: admin.statuses().get(task_id) == "SUCCEEDED", "the row to show the task ended")
        assert admin.queries == listed  # read again in place, not listed again
        row = next(n for n, item in enumerate(admin.items) if item.task.task_id == task_id)
        assert str(admin.table.get_row_at(row)[3]) == "SUCCEEDED"
        assert str(admin.table.get_row_at(row)[5]).strip() == "12/12"


async def test_pause_or_cancel_on_a_task_that_ended_says_so_and_sends_nothing(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient
) -> None:
    """QA: p on a task that had SUCCEEDED asked for a message, then said "The tasks have been paused"."""
    task_id = bob_copy(mgmt, bob, files=2)
    finished_by = time.monotonic() + 60
    while bob.get_task(task_id)["status"] != "SUCCEEDED":
        assert time.monotonic() < finished_by, "Bob's copy did not finish"
        time.sleep(0.2)
    log = RequestLog(mgmt)
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    async with app.run_test(size=(160, 45)) as pilot:
        admin = await open_admin_view(pilot, app)
        admin.query_one("#filter-status", Select).value = "succeeded"
        await cursor_to_task(pilot, admin, task_id)
        mark = log.mark()
        for key, verb in (("p", "pause"), ("x", "cancel")):
            await pilot.press(key)
            said = f"Nothing to {verb}: 1 task already ended"
            # (bound as a default: the loop goes on to the next verb; mypy types no lambda default)
            await wait_for(pilot, lambda said=said: any(said in n for n in notices(app)),  # type: ignore[misc]
                           f"nothing to {verb}, said")
            assert app.screen is admin  # no message asked for
        assert log.count(mark, method="POST", path="/v0.10/endpoint_manager/admin_pause") == 0
        assert log.count(mark, method="POST", path="/v0.10/endpoint_manager/admin_cancel") == 0


async def test_at_80_columns_the_administrators_footer_shows_every_key(mgmt: SandboxHandle) -> None:
    """The footer was cut after "u Pause": the rest of "Pause rules", ctrl+r and q were off screen."""
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, AdminTasksScreen), "the administrator's view")
        footer = app.screen.query_one(KeyFooter)

        def shown() -> list[tuple[str, str]]:
            return [(key.key_display, key.description) for key in footer.children if isinstance(key, FooterKey)]

        await wait_for(pilot, lambda: ("u", "Rules") in shown(), "the short labels")
        await pilot.pause()
        assert footer.virtual_size.width <= 80
        assert [key for key, _label in shown()] == ["esc", "space", "p", "r", "x", "u", "^r", "q"]


async def test_at_80_columns_every_filter_is_on_screen_readable_and_reached_by_tab(mgmt: SandboxHandle) -> None:
    """QA: at 80x24 the "at least N faults" filter was entirely off screen and the owner filter cut to
    "owner: username or id": the filters wrap to a second row there, each whole, and Tab reaches each."""
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    async with app.run_test(size=(80, 24)) as pilot:
        admin = await open_admin_view(pilot, app)
        await pilot.pause()
        ids = ("filter-endpoint", "filter-status", "filter-owner", "filter-faults")
        for widget_id in ids:
            region = admin.query_one(f"#{widget_id}").region
            assert region.width >= 10 and region.x >= 0 and region.right <= 80, (widget_id, region)
        shown = "\n".join(screen_lines(app))
        assert "owner: username or id" in shown and "at least N faults" in shown
        assert admin.table.region.height >= 10  # the list keeps most of the screen
        admin.query_one("#filter-endpoint").focus()
        await pilot.pause()
        reached = []
        for _ in ids:
            reached.append(str(app.focused.id if app.focused else ""))
            await pilot.press("tab")
        assert reached == list(ids)


async def test_an_endpoint_named_with_markup_is_listed_as_it_is(mgmt: SandboxHandle) -> None:
    """The endpoint filter read a name as markup: "Lab [/] Storage" crashed the app when the list opened."""
    with sdk_pointed_at(mgmt):
        gcs = gcs_client_for(mgmt, LAB_ENDPOINT_ID, "alice")
    before = gcs.get_collection(LAB).data["display_name"]
    gcs.update_collection(LAB, {"display_name": "Lab [/] Storage [b]"})
    try:
        app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
        async with app.run_test(size=(120, 36)) as pilot:
            admin = await open_admin_view(pilot, app)
            select = admin.query_one("#filter-endpoint", Select)
            select.focus()
            await pilot.press("enter")  # the list opens
            await pilot.pause()
            assert app.is_running and select.expanded
            shown = " ".join(" ".join(line.split()) for line in screen_lines(app))
            assert "Lab [/] Storage [b]" in shown
            await pilot.press("escape")
    finally:
        gcs.update_collection(LAB, {"display_name": before})


async def test_a_pause_rule_on_ls_refuses_bobs_listing_until_deleted(mgmt: SandboxHandle) -> None:
    message = "Listing paused for the storage upgrade"
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    bob_service = service_for(mgmt, "bob")
    async with app.run_test(size=(160, 45)) as pilot:
        admin = await open_admin_view(pilot, app)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, PauseRulesScreen), "the pause rules")
        rules = app.screen
        assert isinstance(rules, PauseRulesScreen)
        await wait_for(pilot, lambda: rules.loaded, "the rule list")
        before = len(rules.rules)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PauseRuleForm), "the pause rule form")
        form = app.screen
        assert isinstance(form, PauseRuleForm)
        await pilot.press("ctrl+s")  # empty: refused with a reason, the form stays
        assert app.screen is form
        await type_text(pilot, message)
        form.query_one("#rule-pause_ls", Checkbox).value = True
        form.query_one("#rule-identity", Input).value = BOB_ID
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is rules and rules.loaded and len(rules.rules) == before + 1,
                       "the new rule in the list")
        rule = rules.rules[-1]
        assert (rule.message, rule.operations, rule.identity_id) == (message, ("pause_ls",), BOB_ID)

        bob_app = make_app(bob_service, left=f"{LAB}:/home/bob/", right=f"{LAB}:/home/bob/")
        async with bob_app.run_test(size=(160, 45)) as bob_pilot:
            await wait_for(bob_pilot, lambda: any(message in n for n in notices(bob_app)),
                           "Bob's listing refused with the rule's message")

        rules.query_one("#rules").move_cursor(row=len(rules.rules) - 1)  # type: ignore[attr-defined]  # a DataTable
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the delete confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is rules and rules.loaded and len(rules.rules) == before,
                       "the rule gone")
        del admin

    bob_app = make_app(bob_service, left=f"{LAB}:/home/bob/", right=f"{LAB}:/home/bob/")
    async with bob_app.run_test(size=(160, 45)) as bob_pilot:
        await settled(bob_pilot)
        pane = bob_app.main_screen.query_one("#left", Pane)
        await wait_for(bob_pilot, lambda: pane.listing is not None, "Bob's listing to work again")
        assert not any(message in n for n in notices(bob_app))


async def test_enter_on_bobs_task_shows_its_details_through_the_management_api(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient
) -> None:
    task_id = bob_copy(mgmt, bob, files=3)
    await_finished = time.monotonic() + 60
    while bob.get_task(task_id)["status"] != "SUCCEEDED":
        assert time.monotonic() < await_finished, "Bob's copy did not finish"
        time.sleep(0.2)
    log = RequestLog(mgmt)
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    async with app.run_test(size=(160, 45)) as pilot:
        admin = await open_admin_view(pilot, app)
        admin.query_one("#filter-status", Select).value = "succeeded"  # Bob's task has finished
        await cursor_to_task(pilot, admin, task_id)
        mark = log.mark()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailsScreen), "the task's details")
        details = app.screen
        assert isinstance(details, TaskDetailsScreen)
        await wait_for(pilot, lambda: details.data.successful is not None and details.data.pause_info is not None,
                       "the details loaded")
        data = details.data
        assert data.task.task_id == task_id and data.task.status == "SUCCEEDED"
        assert data.task.raw["owner_string"].startswith("bob")  # whose task it is
        assert "owner bob" in str(details.query_one("#details-head", Static).render())
        assert any(event.code == "SUCCEEDED" for event in data.events)
        assert sorted(doc["source_path"].rsplit("/", 1)[-1] for doc in data.successful or []) == [
            "f000.bin", "f001.bin", "f002.bin"]
        assert data.skipped == []
        # An administrator reads the task; Globus has no management call to relabel it or move its
        # deadline, so those keys (and the owner's cancel without a message) are not offered here.
        assert details.control is None and not details.offers_control
        assert not any(details.check_action(a, ()) for a in TaskDetailsScreen.CONTROL_ACTIONS)

        # Every read went through the management API with Alice's token; none through Bob's task routes.
        base = f"/v0.10/endpoint_manager/task/{task_id}"
        for route in ("", "/event_list", "/successful_transfers", "/skipped_errors", "/pause_info"):
            assert log.count(mark, method="GET", path=base + route, identity="alice") >= 1, route
        assert log.count(mark, method="GET", path=f"/v0.10/task/{task_id}", prefix=True) == 0

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is admin, "back to the administrator's view")


async def test_bob_is_refused_the_administrators_reads_of_his_own_task(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient
) -> None:
    """Bob holds no role on Lab Storage: the management API answers him 403, and gterm says so."""
    task_id = bob_copy(mgmt, bob, files=1)
    manager = EndpointManager(lambda: bob)
    with pytest.raises(PermissionDenied):
        manager.task(task_id)


async def test_a_user_without_a_role_is_told_so_and_gets_no_task_list_or_rule_form(mgmt: SandboxHandle) -> None:
    """The robot client manages no endpoint (Bob does: his guest collection): `m` says why there is
    nothing to show, and `u` opens no pause rules and no form."""
    robot = robot_transfer_client(mgmt)
    app = make_app(TransferService(lambda: robot), left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, AdminTasksScreen), "the administrator's view")
        admin = app.screen
        assert isinstance(admin, AdminTasksScreen)
        await wait_for(pilot, lambda: admin.error is not None, "the refusal")
        status = str(admin.query_one("#admin-status", Static).render())
        assert status.startswith("Could not list tasks:") and "role" in status and admin.items == []
        assert any("Tasks on your endpoints" in n for n in notices(app))
        await pilot.press("u")
        await wait_for(pilot, lambda: any("Pick an endpoint" in n for n in notices(app)), "the reason")
        assert app.screen is admin  # no pause rules screen, no form


async def test_the_owner_filter_takes_a_username_and_names_an_id_it_is_given(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient
) -> None:
    """Transfer filters tasks by the owner's identity id; the field shows people by name: a username
    typed there is looked up in Auth (in a worker) and filters by its id, and an id typed or pasted
    there filters at once and is replaced by the owner's username once Auth has named it."""
    bobs_task = bob_copy(mgmt, bob, files=2)
    name = f"admin-{uuid.uuid4().hex[:8]}"
    write(collection_root(mgmt, LAB) / "home" / "alice" / name / "a.bin", b"a")
    alices = globus_sdk.TransferData(LAB, LAB, label=name)
    alices.add_item(f"/home/alice/{name}/a.bin", f"/home/alice/{name}/b.bin")
    transfer_client_for(mgmt, "alice").submit_transfer(alices)
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/",
                   sharing=sharing_for(mgmt, "alice"))
    async with app.run_test(size=(160, 45)) as pilot:
        admin = await open_admin_view(pilot, app)
        admin.query_one("#filter-status", Select).value = "all"
        owner = admin.query_one("#filter-owner", Input)
        await wait_for(pilot, lambda: not admin.fetching and len({i.owner for i in admin.items}) > 1, "everyone's")

        owner.focus()
        await pilot.pause()
        await type_text(pilot, BOB_USERNAME)
        await pilot.press("enter")
        await wait_for(pilot, lambda: admin.filters().owner_id == BOB_ID, "bob's identity id from Auth")
        await wait_for(pilot, lambda: not admin.fetching and any(i.task.task_id == bobs_task for i in admin.items),
                       "Bob's tasks")
        assert {i.owner for i in admin.items} == {BOB_USERNAME}
        assert owner.value == BOB_USERNAME

        owner.focus()
        owner.value = BOB_ID  # pasted
        await pilot.press("enter")
        await wait_for(pilot, lambda: owner.value == BOB_USERNAME, "the id named")
        assert admin.filters().owner_id == BOB_ID
        await wait_for(pilot, lambda: not admin.fetching, "the list")
        assert {i.owner for i in admin.items} == {BOB_USERNAME}

        owner.focus()
        owner.value = "nobody@nowhere.invalid"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "nobody@nowhere.invalid" in str(admin.query_one("#admin-status").render()),
                       "the unknown name said")
        assert admin.filters().owner_id is None and owner.value == "nobody@nowhere.invalid"

        owner.focus()
        owner.value = "bob"  # a username without its organization: said how one reads
        await pilot.press("enter")
        await wait_for(pilot, lambda: "as in bob@university.edu" in str(admin.query_one("#admin-status").render()),
                       "how a username reads")


async def open_pause_rules(pilot: Any, app: Any) -> PauseRulesScreen:
    await open_admin_view(pilot, app)
    await pilot.press("u")
    await wait_for(pilot, lambda: isinstance(app.screen, PauseRulesScreen), "the pause rules")
    rules = app.screen
    assert isinstance(rules, PauseRulesScreen)
    await wait_for(pilot, lambda: rules.loaded, "the rule list")
    return rules


async def test_enter_edits_a_rule_and_an_emptied_start_means_now(mgmt: SandboxHandle) -> None:
    """Enter on a rule opens it in the form (the status line says "Enter edit"): its message, server
    text with a control character, is shown escaped and kept as it was when left alone; its identity
    is shown by username, in the list and the form; clearing "Starting at" starts the rule now."""
    alice = EndpointManager(lambda: transfer_client_for(mgmt, "alice"))
    message = "Symlinks \x1b[31mpaused"
    later = datetime(2031, 1, 2, 3, 4, tzinfo=UTC)
    rule = alice.create_pause_rule(PauseRuleDraft(LAB, message, ("pause_symlink",), BOB_ID, later))
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/",
                   sharing=sharing_for(mgmt, "alice"))
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            rules = await open_pause_rules(pilot, app)
            row = next(n for n, r in enumerate(rules.rules) if r.id == rule.id)
            table = rules.query_one("#rules", DataTable)
            assert str(table.get_row_at(row)[2]) == BOB_USERNAME  # "For": a name, not an id
            table.move_cursor(row=row)
            await pilot.pause()
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, PauseRuleForm), "the rule in the form")
            form = app.screen
            assert isinstance(form, PauseRuleForm) and form.rule == rule
            assert form.query_one("#rule-message", Input).value == "Symlinks \\x1b[31mpaused"
            assert form.query_one("#rule-identity", Input).value == BOB_USERNAME
            start = form.query_one("#rule-start", Input)
            assert start.value == "2031-01-02 03:04"
            start.value = ""  # "empty: now"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is rules and rules.loaded, "back to the saved rules")
        saved = next(r for r in alice.pause_rules(LAB) if r.id == rule.id)
        assert saved.message == message and saved.identity_id == BOB_ID and saved.operations == ("pause_symlink",)
        assert saved.start_time is not None and abs((saved.start_time - datetime.now(UTC)).total_seconds()) < 120
    finally:
        alice.delete_pause_rule(rule.id)


async def test_at_100_columns_every_pause_rule_column_stays_on_screen(mgmt: SandboxHandle) -> None:
    """QA: after saving a rule with a long message and every operation, "For" and "From" were pushed off
    the right edge (the message took 60 cells, the operations all they needed); a cut cell ends in "…"."""
    alice = EndpointManager(lambda: transfer_client_for(mgmt, "alice"))
    message = "A much longer message about the maintenance window on the storage system tonight"
    rule = alice.create_pause_rule(PauseRuleDraft(LAB, message, tuple(PAUSE_OPERATIONS), BOB_ID, None))
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/",
                   sharing=sharing_for(mgmt, "alice"))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await open_pause_rules(pilot, app)
            await pilot.pause()
            lines = screen_lines(app)
            head = next(line for line in lines if "Message" in line)
            assert "For" in head and "From" in head
            row = next(line for line in lines if line.lstrip().startswith("A much longer"))
            assert BOB_USERNAME in row and row.count("…") == 2  # message and operations cut, visibly
    finally:
        alice.delete_pause_rule(rule.id)


async def test_a_refused_rule_keeps_the_form_and_a_username_names_the_identity(mgmt: SandboxHandle) -> None:
    """The form is sent from the form: Transfer's refusal (here a message over its 2,048 characters) and
    a username Auth does not know are said in it, with everything as typed; a username Auth knows is
    sent as its identity id."""
    alice = EndpointManager(lambda: transfer_client_for(mgmt, "alice"))
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/",
                   sharing=sharing_for(mgmt, "alice"))
    made: list[str] = []
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            rules = await open_pause_rules(pilot, app)
            before = {r.id for r in rules.rules}
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, PauseRuleForm), "the pause rule form")
            form = app.screen
            assert isinstance(form, PauseRuleForm)
            error = form.query_one("#rule-error", Static)
            form.query_one("#rule-message", Input).value = "x" * 2100
            form.query_one("#rule-pause_symlink", Checkbox).value = True
            form.query_one("#rule-start", Input).value = "2031-01-01 00:00"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "Not saved" in str(error.render()), "the refusal")
            assert app.screen is form and "2048" in str(error.render())
            assert form.query_one("#rule-message", Input).value == "x" * 2100  # as typed

            form.query_one("#rule-message", Input).value = "Symlinks paused for Bob"
            identity = form.query_one("#rule-identity", Input)
            identity.value = "nobody@nowhere.invalid"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "nobody@nowhere.invalid" in str(error.render()),
                           "the unknown name said")
            assert app.screen is form

            identity.value = BOB_USERNAME
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is rules and rules.loaded and len(rules.rules) > len(before),
                           "the new rule in the list")
            new = [r for r in rules.rules if r.id not in before]
            made.extend(r.id for r in new)
            assert [(r.message, r.identity_id) for r in new] == [("Symlinks paused for Bob", BOB_ID)]
    finally:
        for rule_id in made:
            alice.delete_pause_rule(rule_id)


async def test_cancel_names_the_tasks_and_resume_says_what_happened(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient
) -> None:
    """The cancel question said only "Cancel 1 task" over "Cancel" / "OK" buttons: it lists the tasks and
    its buttons say what they do. r on a task that is not paused said "resumed"; one a pause rule holds
    is not resumed by an administrator either: each is said as it is."""
    task_id = bob_copy(mgmt, bob)
    label = bob.get_task(task_id)["label"]
    alice = EndpointManager(lambda: transfer_client_for(mgmt, "alice"))
    log = RequestLog(mgmt)
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    rule = None
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            admin = await open_admin_view(pilot, app)
            await cursor_to_task(pilot, admin, task_id)
            mark = log.mark()
            await pilot.press("r")
            await wait_for(pilot, lambda: any("Nothing to resume: 1 task not paused" in n for n in notices(app)),
                           "not paused, said")
            assert log.count(mark, method="POST", path="/v0.10/endpoint_manager/admin_resume") == 0

            await pilot.press("x")
            await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the cancel question")
            question = app.screen
            assert isinstance(question, InputPrompt)
            assert any(item.startswith(label) and BOB_USERNAME in item for item in question.items), question.items
            buttons = {str(b.id): str(b.label) for b in question.query(Button)}
            assert buttons == {"cancel": "Keep", "ok": "Cancel task"}
            await pilot.click("#cancel")
            await wait_for(pilot, lambda: app.screen is admin, "kept")
            assert bob.get_task(task_id)["status"] == "ACTIVE"

            rule = alice.create_pause_rule(PauseRuleDraft(LAB, "Reads paused for Bob",
                                                          ("pause_task_transfer_read",), BOB_ID))
            await until(pilot, lambda: bool(bob.get_task(task_id)["is_paused"]), "the rule to hold Bob's task")
            admin.action_reload()
            await wait_for(pilot, lambda: admin.statuses().get(task_id) == "PAUSED", "the list to show it paused")
            await cursor_to_task(pilot, admin, task_id)
            await pilot.press("r")
            await wait_for(pilot, lambda: any("Not resumed: 1 task still paused by a pause rule" in n
                                              for n in notices(app)), "held by the rule, said")
    finally:
        if rule is not None:
            alice.delete_pause_rule(rule.id)
        bob.cancel_task(task_id)


async def test_ctrl_r_asks_again_for_the_endpoint_list_that_failed(mgmt: SandboxHandle) -> None:
    """The endpoints for the filter were asked for once, when the view opened: after a failure only
    leaving and coming back brought them. ctrl+r now asks again."""
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        with outage(mgmt, lambda method, path: path == "/v0.10/endpoint_manager/monitored_endpoints"):
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, AdminTasksScreen), "the administrator's view")
            admin = app.screen
            assert isinstance(admin, AdminTasksScreen)
            await wait_for(pilot, lambda: any("Endpoints you manage" in n for n in notices(app)), "the failure")
            assert admin.endpoints == []
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: any(e.id == LAB for e in admin.endpoints), "the endpoints, asked again")


async def test_pausing_a_task_that_ended_since_the_list_was_read_says_it_was_not_paused(
    mgmt: SandboxHandle, bob: globus_sdk.TransferClient
) -> None:
    """QA: p on a task the list still showed ACTIVE but that had SUCCEEDED said "The tasks have been
    paused." (Transfer's answer) while the task was SUCCEEDED and not paused: the tasks are read back."""
    ended, running = bob_copy(mgmt, bob, files=2), bob_copy(mgmt, bob)
    finished_by = time.monotonic() + 60
    while bob.get_task(ended)["status"] != "SUCCEEDED":
        assert time.monotonic() < finished_by, "Bob's copy did not finish"
        time.sleep(0.2)
    alice = EndpointManager(lambda: transfer_client_for(mgmt, "alice"))
    try:
        assert alice.pause([ended], "Disk maintenance") == "Not paused: 1 task had already ended."
        assert not bob.get_task(ended)["is_paused"]
        said = alice.pause([ended, running], "Disk maintenance")
        assert said == "Paused 1 task; 1 task had already ended (not paused)."
        assert bob.get_task(running)["is_paused"]
    finally:
        bob.cancel_task(running)


async def test_deleting_a_pause_rule_says_whom_it_was_for_and_that_its_tasks_resume(mgmt: SandboxHandle) -> None:
    """QA: the question said only "Users are no longer told: <message>": not whom the rule was for, nor
    that the tasks it paused go on once it is deleted."""
    alice = EndpointManager(lambda: transfer_client_for(mgmt, "alice"))
    rule = alice.create_pause_rule(PauseRuleDraft(LAB, "Reads paused for Bob", ("pause_task_transfer_read",),
                                                  BOB_ID))
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/",
                   sharing=sharing_for(mgmt, "alice"))
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            rules = await open_pause_rules(pilot, app)
            table = rules.query_one("#rules", DataTable)
            row = next(n for n, r in enumerate(rules.rules) if r.id == rule.id)
            await wait_for(pilot, lambda: str(table.get_row_at(row)[2]) == BOB_USERNAME, "Bob named")
            table.move_cursor(row=row)
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the delete question")
            question = app.screen
            assert isinstance(question, ConfirmPrompt)
            assert f"for {BOB_USERNAME}" in question.message
            assert "tasks it paused resume" in question.message
            assert "Users are no longer told: Reads paused for Bob" in question.message
            await pilot.press("n")
    finally:
        alice.delete_pause_rule(rule.id)


async def test_at_80x24_the_pause_rule_form_scrolls_each_field_into_view_and_keeps_its_buttons(
    mgmt: SandboxHandle,
) -> None:
    """QA: at 80x24 "Starting at" was below the visible part of the form: Tab to it scrolls it into view,
    and Save and Cancel stay on screen."""
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pause_rules(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PauseRuleForm), "the pause rule form")
        form = app.screen
        assert isinstance(form, PauseRuleForm)
        await pilot.pause()
        fields = form.query_one("#rule-fields")
        start = form.query_one("#rule-start", Input)
        for _ in range(20):
            if start.has_focus:
                break
            await pilot.press("tab")
        assert start.has_focus
        await pilot.pause(0.3)
        assert fields.region.contains_region(start.region), (fields.region, start.region)
        screen = app.screen.region
        for button in form.query(Button):
            assert screen.contains_region(button.region) and button.region.height > 0, button.region


async def test_at_80_columns_the_pause_rule_list_shows_whom_a_rule_is_for_whole(mgmt: SandboxHandle) -> None:
    """QA: at 80 columns the list showed "bob@example.o…" on a fixed fraction of the screen: the columns
    follow what they hold, so the username is whole and every column is still on screen."""
    alice = EndpointManager(lambda: transfer_client_for(mgmt, "alice"))
    rule = alice.create_pause_rule(PauseRuleDraft(LAB, "Reads paused for the disk swap tonight",
                                                  ("pause_task_transfer_read",), BOB_ID))
    app = make_app(service_for(mgmt, "alice"), left=f"{LAB}:/home/alice/", right=f"{LAB}:/home/alice/",
                   sharing=sharing_for(mgmt, "alice"))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_pause_rules(pilot, app)
            await pilot.pause()
            lines = screen_lines(app)
            head = next(line for line in lines if "Message" in line)
            assert all(word in head for word in ("Pauses", "For", "From"))
            row = next(line for line in lines if line.lstrip().startswith("Reads paused"))
            assert BOB_USERNAME in row  # whole (the rule starts now: its From is empty)
    finally:
        alice.delete_pause_rule(rule.id)

"""The head-start helper (gterm.globus.head_start), a real second process, against the live sandbox.

The app's start-up calls (a collection's document, the first page, the rest of
a big directory) are made by the helper with the same settings and token
store; the app takes its answers, and makes a call itself only when the helper
has none. Real HTTP, the real SDK, the sandbox's request log counting calls.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from gterm import cli
from gterm.config import ConfigError, GtermConfig
from gterm.globus.errors import KeyringUnavailable, NotFound
from gterm.globus.head_start import HeadStart
from gterm.globus.ls_request import FIRST_PAGE
from gterm.globus.models import Listing
from gterm.globus.session import GtermSession
from gterm.globus.transfer import ORDER_BY_NAME, TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID, ROBOT_CLIENT_ID
from tests.support.sandbox_login import transfer_client_for
from tests.support.session_helpers import launch_head_start, login_to_token_file
from tests.support.transfer_live import RequestLog

MANY = "/home/alice/many-files/"  # 3,000 entries: a first page and a rest
LS_PATH = f"/v0.10/operation/endpoint/{LAB_STORAGE_ID}/ls"
COLLECTION_PATH = f"/v0.10/endpoint/{LAB_STORAGE_ID}"


def app_must_not_call() -> Any:
    raise AssertionError("the app made a start-up call itself, though the helper had its answer")


def counting(factory: Callable[[], Any]) -> tuple[Callable[[], Any], list[str]]:
    calls: list[str] = []

    def counted() -> Any:
        calls.append("client")
        return factory()

    return counted, calls


def whole_listing(service: TransferService, first: Listing) -> Listing:
    whole = first
    for page in service.more_pages(first, orderby=ORDER_BY_NAME):
        whole = whole.extended(page)
    return whole


def list_many(service: TransferService, head_start: HeadStart) -> None:
    """MANY's start-up listing as a pane takes it, with the helper's answers: a first page, then the rest."""
    service.start_listing_early(LAB_STORAGE_ID, MANY, orderby=ORDER_BY_NAME, answers=head_start)
    first = service.ls_page(LAB_STORAGE_ID, MANY, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
    assert (len(first.entries), first.total) == (FIRST_PAGE, 3000)
    assert len(whole_listing(service, first).entries) == 3000


def test_the_helper_answers_every_start_up_call_and_the_app_makes_none(sandbox, fresh_config) -> None:
    token = login_to_token_file(sandbox, fresh_config).access_token
    log = RequestLog(sandbox)
    mark = log.mark()
    head_start = launch_head_start(token, [(LAB_STORAGE_ID, MANY, ORDER_BY_NAME)])
    assert head_start is not None
    try:
        service = TransferService(app_must_not_call)
        service.start_listing_early(LAB_STORAGE_ID, MANY, orderby=ORDER_BY_NAME, answers=head_start)
        first = service.ls_page(LAB_STORAGE_ID, MANY, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
        assert (len(first.entries), first.total, first.path) == (FIRST_PAGE, 3000, MANY)
        assert service.get_collection(LAB_STORAGE_ID).display_name == "Lab Storage"
        whole = whole_listing(service, first)
    finally:
        head_start.close()
    # the same entries, in the same order, as the app's own listing of the directory
    own = TransferService(lambda: transfer_client_for(sandbox, "alice")).ls(LAB_STORAGE_ID, MANY)
    assert [e.name for e in whole.entries] == sorted(e.name for e in own.entries)
    assert {(e.name, e.size) for e in whole.entries} == {(e.name, e.size) for e in own.entries}
    # the helper's calls: one collection document, the first page and the rest (the app's own ls is the third)
    wait_until(lambda: log.count(mark, method="GET", path=LS_PATH) >= 3, "the requests to reach the log")
    assert log.count(mark, method="GET", path=COLLECTION_PATH) == 1
    assert log.count(mark, method="GET", path=LS_PATH) == 3


def test_a_location_that_is_not_there_raises_the_apps_own_error_without_a_call_of_its_own(
    sandbox, fresh_config
) -> None:
    token = login_to_token_file(sandbox, fresh_config).access_token
    missing = f"/~/not-there-{uuid.uuid4().hex[:8]}/"
    head_start = launch_head_start(token, [(LAB_STORAGE_ID, missing, ORDER_BY_NAME)])
    assert head_start is not None
    try:
        service = TransferService(app_must_not_call)
        service.start_listing_early(LAB_STORAGE_ID, missing, orderby=ORDER_BY_NAME, answers=head_start)
        with pytest.raises(NotFound) as early:
            service.ls_page(LAB_STORAGE_ID, missing, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
    finally:
        head_start.close()
    own = TransferService(lambda: transfer_client_for(sandbox, "alice"))
    with pytest.raises(NotFound) as direct:
        own.ls_page(LAB_STORAGE_ID, missing, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
    assert str(early.value) == str(direct.value) and "not-there" in str(early.value)


def test_a_token_the_service_refuses_leaves_the_app_to_list_itself(sandbox, fresh_config) -> None:
    # A 401 is the app's to meet (its session refreshes): the helper passes nothing on.
    head_start = launch_head_start("not-a-token", [(LAB_STORAGE_ID, MANY, ORDER_BY_NAME)])
    assert head_start is not None
    factory, calls = counting(lambda: transfer_client_for(sandbox, "alice"))
    try:
        service = TransferService(factory)
        list_many(service, head_start)
    finally:
        head_start.close()
    assert calls  # the app's own early calls


def test_a_helper_that_is_gone_leaves_the_app_to_list_itself(sandbox, fresh_config) -> None:
    token = login_to_token_file(sandbox, fresh_config).access_token
    head_start = launch_head_start(token, [(LAB_STORAGE_ID, MANY, ORDER_BY_NAME)])
    assert head_start is not None
    head_start.close()  # killed before (or while) it answers: whatever it did not send, the app asks for
    service = TransferService(lambda: transfer_client_for(sandbox, "alice"))
    service.start_listing_early(LAB_STORAGE_ID, MANY, orderby=ORDER_BY_NAME, answers=head_start)
    first = service.ls_page(LAB_STORAGE_ID, MANY, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
    assert len(whole_listing(service, first).entries) == 3000
    assert service.get_collection(LAB_STORAGE_ID).id == LAB_STORAGE_ID


def test_a_robot_helper_gets_its_own_grant_and_finds_the_default_directory(sandbox, gterm_dirs, monkeypatch) -> None:
    monkeypatch.setenv("GTERM_CLIENT_ID", ROBOT_CLIENT_ID)
    monkeypatch.setenv("GTERM_CLIENT_SECRET", sandbox.client_secret(ROBOT_CLIENT_ID))
    robot = GtermSession(GtermConfig.load())
    try:
        own = robot.transfer_service()
        expected_collection = own.get_collection(LAB_STORAGE_ID)
        target = expected_collection.default_directory or "/"
        expected = own.ls_page(LAB_STORAGE_ID, target, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
    finally:
        robot.close()
    head_start = launch_head_start(None, [(LAB_STORAGE_ID, None, ORDER_BY_NAME)])  # no path: the default directory
    assert head_start is not None
    try:
        service = TransferService(app_must_not_call)
        service.start_listing_early(LAB_STORAGE_ID, None, orderby=ORDER_BY_NAME, answers=head_start)
        collection = service.get_collection(LAB_STORAGE_ID)
        first = service.ls_page(LAB_STORAGE_ID, target, limit=FIRST_PAGE, orderby=ORDER_BY_NAME)
    finally:
        head_start.close()
    assert collection == expected_collection
    assert first.path == expected.path and [e.name for e in first.entries] == [e.name for e in expected.entries]


def test_the_app_starts_a_helper_only_where_it_can_help(sandbox, fresh_config, monkeypatch) -> None:
    monkeypatch.setattr("gterm.globus.head_start.available", lambda: True)
    monkeypatch.delenv("GTERM_HEAD_START", raising=False)
    somewhere = f"{LAB_STORAGE_ID}:/~/"
    assert cli.spawn_head_start(fresh_config, None, None) is None  # a first run: no start-up location at all
    spawned = cli.spawn_head_start(fresh_config, "bookmark:data", "local:~")  # before the locations are parsed
    assert isinstance(spawned, HeadStart)
    assert cli.aim_head_start(spawned, fresh_config, "bookmark:data", "local:~") is None  # none to list: closed
    wait_until(lambda: spawned.exit_code is not None, "the helper to end")
    assert spawned.exit_code == -signal.SIGKILL
    started = cli.aim_head_start(cli.spawn_head_start(fresh_config, somewhere, None), fresh_config, somewhere, None)
    assert isinstance(started, HeadStart)
    assert started.locations == [(LAB_STORAGE_ID, "/~/", ORDER_BY_NAME)]
    started.close()
    monkeypatch.setenv("GTERM_HEAD_START", "0")
    assert cli.spawn_head_start(fresh_config, somewhere, None) is None
    monkeypatch.delenv("GTERM_HEAD_START")
    monkeypatch.setattr("gterm.globus.head_start.available", lambda: False)  # one CPU: it would only compete
    assert cli.spawn_head_start(fresh_config, somewhere, None) is None


def test_a_helper_started_before_the_token_is_read_answers_once_handed_it(sandbox, fresh_config) -> None:
    # As tui_app does for a person: the helper loads the SDK while the app opens its token store.
    head_start = HeadStart.spawn()
    assert head_start is not None
    head_start.aim([(LAB_STORAGE_ID, MANY, ORDER_BY_NAME)])
    try:
        token = login_to_token_file(sandbox, fresh_config).access_token
        assert GtermSession(fresh_config).stored_transfer_token() == token
        assert head_start.exit_code is None  # waiting for it
        head_start.hand_over(token)
        service = TransferService(app_must_not_call)
        list_many(service, head_start)
    finally:
        head_start.close()


def test_a_helper_closed_before_it_is_handed_a_token_answers_nothing(sandbox, fresh_config) -> None:
    # A person not signed in, or whose stored token needs a refresh first: tui_app closes the helper.
    log = RequestLog(sandbox)
    mark = log.mark()
    head_start = HeadStart.spawn()
    assert head_start is not None
    head_start.aim([(LAB_STORAGE_ID, MANY, ORDER_BY_NAME)])
    head_start.close()
    assert head_start.answer("first page", LAB_STORAGE_ID, MANY, ORDER_BY_NAME) is None
    wait_until(lambda: head_start.exit_code is not None, "the helper to end")
    assert head_start.exit_code == -signal.SIGKILL
    head_start.hand_over("too late")  # said to nobody, and no error
    service = TransferService(lambda: transfer_client_for(sandbox, "alice"))
    assert service.ls(LAB_STORAGE_ID, "/~/").path == "/home/alice/"  # a marker: every request so far is logged
    assert log.count(mark, method="GET", path=LS_PATH) == 1  # the marker's: the helper asked for nothing


def wait_until(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_robot_helper_is_stopped_when_the_session_cannot_open(sandbox, gterm_dirs, monkeypatch) -> None:
    monkeypatch.setenv("GTERM_CLIENT_ID", ROBOT_CLIENT_ID)
    monkeypatch.setenv("GTERM_CLIENT_SECRET", sandbox.client_secret(ROBOT_CLIENT_ID))
    monkeypatch.setattr("gterm.globus.head_start.available", lambda: True)
    started: list[HeadStart | None] = []
    spawn = cli.spawn_head_start
    monkeypatch.setattr(cli, "spawn_head_start", lambda *given: started.append(spawn(*given)) or started[-1])

    def no_keyring(config: GtermConfig, **options: Any) -> GtermSession:
        raise KeyringUnavailable("No usable keyring here.")

    monkeypatch.setattr(cli, "make_session", no_keyring)
    with pytest.raises(KeyringUnavailable), cli.tui_app(cli.build_parser().parse_args(["--left", LAB_STORAGE_ID])):
        pass
    assert len(started) == 1 and started[0] is not None  # a robot's helper starts before the session opens
    helper = started[0]
    wait_until(lambda: helper.exit_code is not None, "the helper to end")
    assert helper.exit_code == -signal.SIGKILL  # stopped by the app, not left to finish its calls alone


def test_no_helper_is_started_when_the_settings_cannot_be_read(gterm_dirs, monkeypatch) -> None:
    # A settings file gterm cannot read ends it with one line, before anything is started.
    monkeypatch.setattr("gterm.globus.head_start.available", lambda: True)
    (gterm_dirs["config"] / "config.toml").write_text("this is = = not toml\n")
    started: list[HeadStart | None] = []
    spawn = cli.spawn_head_start
    monkeypatch.setattr(cli, "spawn_head_start", lambda *given: started.append(spawn(*given)) or started[-1])
    with pytest.raises(ConfigError, match="cannot read settings file"), cli.tui_app(
        cli.build_parser().parse_args(["--left", LAB_STORAGE_ID])
    ):
        pass
    assert started == []


def test_gterm_spawns_aims_and_hands_over_its_helper_and_takes_its_answers(sandbox, fresh_config, monkeypatch) -> None:
    # `gterm --token-store file --left LAB:MANY` signed in, through tui_app as cmd_tui runs it: the helper is
    # spawned before the settings, aimed at the start-up location, handed the stored token, and answers.
    monkeypatch.setattr("gterm.globus.head_start.available", lambda: True)
    monkeypatch.delenv("GTERM_HEAD_START", raising=False)
    login_to_token_file(sandbox, fresh_config)
    started: list[HeadStart | None] = []
    spawn = cli.spawn_head_start
    monkeypatch.setattr(cli, "spawn_head_start", lambda *given: started.append(spawn(*given)) or started[-1])
    answered: list[tuple[str, bool]] = []
    answer = HeadStart.answer

    def recording(self: HeadStart, call: str, collection_id: str, path: str | None, orderby: str) -> bytes | None:
        body = answer(self, call, collection_id, path, orderby)
        answered.append((call, body is not None))
        return body

    monkeypatch.setattr(HeadStart, "answer", recording)
    args = cli.build_parser().parse_args(["--token-store", "file", "--left", f"{LAB_STORAGE_ID}:{MANY}"])
    with cli.tui_app(args) as app:
        assert len(started) == 1 and started[0] is not None
        assert started[0].locations == [(LAB_STORAGE_ID, MANY, ORDER_BY_NAME)]
        service = app.service
        wait_until(
            lambda: service.first_page_at_hand(LAB_STORAGE_ID, MANY, orderby=ORDER_BY_NAME) is not None,
            "the start-up listing",
        )
    assert ("collection", True) in answered and ("first page", True) in answered  # the helper's, not the app's

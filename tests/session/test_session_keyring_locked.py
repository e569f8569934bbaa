"""A keyring that locks mid-session (a screensaver, its Secret Service gone) must not end the session.

The SDK refreshes an expired access token at Globus Auth and only then stores the new tokens: when the
keyring refused them, they were kept nowhere and every later call failed until the keyring was unlocked.
Now the session goes on with them in memory, says so once, and the next store the keyring takes writes them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import keyring.errors
import pytest

from gterm import cli
from gterm.config import GtermConfig
from gterm.globus.errors import KeyringUnavailable
from gterm.globus.session import AUTH_RS, TRANSFER_RS, GtermSession
from gterm.globus.tokens import KEYRING_SERVICE
from gterm.sandbox.seed_ids import ALICE_ID, LAB_STORAGE_ID
from tests.support.browser_helpers import wait_for
from tests.support.sandbox_login import authorize_code, new_native_client
from tests.support.session_helpers import all_tokens_in, copy_paste_login

if TYPE_CHECKING:
    from globus_sdk.token_storage import TokenStorageData
    from textual.notifications import Notification

    from gterm.tui.app import GtermApp
    from tests.conftest import MemoryKeyring

LIFETIME_PASSED = 3  # the short-lived sandbox's access tokens live 2 seconds
REFUSED = "Could not write to the OS keyring (KeyringLocked)"
WRITTEN_AGAIN = "The OS keyring can be written again"


def _refuse(*_args: object) -> None:
    raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


@contextmanager
def locked(memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, *, reads: bool) -> Iterator[None]:
    """The keyring refuses writes and removals (and, with ``reads``, reads too) until the block ends: it is
    unlocked."""
    with monkeypatch.context() as patch:
        patch.setattr(memory_keyring, "set_password", _refuse)
        patch.setattr(memory_keyring, "delete_password", _refuse)
        if reads:
            patch.setattr(memory_keyring, "get_password", _refuse)
        yield


@contextmanager
def refusing_first(memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, times: int) -> Iterator[None]:
    """The keyring refuses its first ``times`` writes, then takes them (unlocked meanwhile)."""
    store = memory_keyring.set_password
    refused: list[str] = []

    def set_password(service: str, username: str, password: str) -> None:
        if len(refused) < times:
            refused.append(username)
            _refuse()
        store(service, username, password)

    with monkeypatch.context() as patch:
        patch.setattr(memory_keyring, "set_password", set_password)
        yield


def _said(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What gterm's token store said: warning lines in CLI commands (the TUI makes them toasts, see cli.build_tui)."""
    return [r.getMessage() for r in caplog.records if r.name == "gterm.globus.tokens" and r.levelno >= logging.WARNING]


def _data(access_token: str, resource_server: str = "rs") -> TokenStorageData:
    from globus_sdk.token_storage import TokenStorageData

    return TokenStorageData(
        resource_server=resource_server, identity_id=None, scope="s", access_token=access_token,
        refresh_token="refresh", expires_at_seconds=2_000_000_000, token_type="Bearer",
    )


def _in_keyring(memory_keyring: MemoryKeyring, session: GtermSession, resource_server: str) -> str:
    return memory_keyring.store[(KEYRING_SERVICE, f"{session.namespace}|{resource_server}")]


def _documents(memory_keyring: MemoryKeyring) -> list[object]:
    """The token entries in the keyring, as documents (the index is a list of names)."""
    return [json.loads(raw) for raw in memory_keyring.store.values() if raw.startswith("{")]


@pytest.mark.parametrize("reads", [False, True], ids=["writes-refused", "locked"])
def test_a_refresh_the_keyring_refuses_is_kept_in_memory_said_once_and_stored_once_unlocked(
    short_lived_sandbox, gterm_dirs, memory_keyring, monkeypatch, caplog, reads
):
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(short_lived_sandbox, "keyring locks"))
    session = GtermSession(GtermConfig.load())
    try:
        copy_paste_login(short_lived_sandbox, session)
        service = session.transfer_service()
        assert service.ls(LAB_STORAGE_ID, "/~/").entries
        signed_in = _in_keyring(memory_keyring, session, TRANSFER_RS)

        with locked(memory_keyring, monkeypatch, reads=reads):
            time.sleep(LIFETIME_PASSED)  # expired: the next call refreshes, and the keyring refuses the result
            assert service.ls(LAB_STORAGE_ID, "/~/").entries  # was: "Cannot write to the OS keyring"
            time.sleep(LIFETIME_PASSED)  # a second refresh while locked: still in memory, not said again
            assert service.ls(LAB_STORAGE_ID, "/~/").entries
            heard = _said(caplog)
            assert len(heard) == 1 and heard[0].startswith(REFUSED)
            assert "will not be remembered after gterm exits unless the keyring is unlocked" in heard[0]
            in_memory = session.token_storage.get_token_data(TRANSFER_RS)
            assert in_memory is not None and in_memory.access_token not in signed_in
        assert _in_keyring(memory_keyring, session, TRANSFER_RS) == signed_in  # nothing reached it meanwhile

        time.sleep(LIFETIME_PASSED)  # unlocked: the next refresh's store writes there, the kept tokens with it
        assert service.ls(LAB_STORAGE_ID, "/~/").entries
        heard = _said(caplog)
        assert len(heard) == 2 and heard[1].startswith(WRITTEN_AGAIN)
        stored = session.token_storage.get_token_data(TRANSFER_RS)
        assert stored is not None and stored.access_token in _in_keyring(memory_keyring, session, TRANSFER_RS)
        assert session.token_storage.unsaved == frozenset()
        assert not any(token in "".join(heard) for token in (stored.access_token, stored.refresh_token))
    finally:
        session.close()
    again = GtermSession(GtermConfig.load())  # a new gterm finds the sign-in in the keyring
    try:
        assert not again.login_required()
        assert again.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries
    finally:
        again.close()


def test_what_the_keyring_refused_is_written_when_gterm_closes_the_session_after_an_unlock(
    short_lived_sandbox, gterm_dirs, memory_keyring, monkeypatch
):
    """Unlocked but no refresh since: quitting gterm writes the kept tokens (the next start needs no sign-in)."""
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(short_lived_sandbox, "keyring locks"))
    session = GtermSession(GtermConfig.load())
    copy_paste_login(short_lived_sandbox, session)
    with locked(memory_keyring, monkeypatch, reads=False):
        time.sleep(LIFETIME_PASSED)
        assert session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries
    kept = session.token_storage.get_token_data(TRANSFER_RS)
    assert kept is not None and kept.access_token not in _in_keyring(memory_keyring, session, TRANSFER_RS)
    session.close()
    assert kept.access_token in _in_keyring(memory_keyring, session, TRANSFER_RS)


def test_a_cli_command_says_once_on_stderr_that_the_keyring_refused_its_refresh(
    short_lived_sandbox, gterm_dirs, memory_keyring, monkeypatch, capsys
):
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(short_lived_sandbox, "keyring locks"))
    session = GtermSession(GtermConfig.load())
    copy_paste_login(short_lived_sandbox, session)
    session.close()
    capsys.readouterr()
    with locked(memory_keyring, monkeypatch, reads=False):
        time.sleep(LIFETIME_PASSED)
        assert cli.main(["whoami"]) == 0  # was: exit 1, "Cannot write to the OS keyring"
    printed = capsys.readouterr()
    assert ALICE_ID in printed.out
    assert printed.err.count(REFUSED) == 1 and printed.err.startswith(f"gterm: {REFUSED}")
    tokens = all_tokens_in(_documents(memory_keyring))
    assert not any(token in printed.err or token in printed.out for token in tokens)


def test_gterm_login_fails_clearly_when_the_keyring_refuses_the_new_tokens(
    sandbox, fresh_config, memory_keyring, monkeypatch, capsys
):
    """`gterm login` exists to keep a sign-in: kept only until it exits, it is said as the failure it is."""

    def fake_input(prompt: str) -> str:
        url = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("http"))
        return authorize_code(sandbox, url)

    monkeypatch.setattr("builtins.input", fake_input)
    with locked(memory_keyring, monkeypatch, reads=False):
        assert cli.main(["login", "--no-local-server"]) == 1
    printed = capsys.readouterr()
    assert "Logged in as" not in printed.out
    assert printed.err.count("\n") == 1 and "OS keyring refused to store the tokens" in printed.err
    assert REFUSED not in printed.err  # the error says it, once
    assert not any(user.endswith(f"|{AUTH_RS}") for _, user in memory_keyring.store)


@pytest.mark.parametrize("refusals", [1, 2], ids=["taken-at-its-second-try", "refused-until-it-decides"])
def test_gterm_login_says_what_the_keyring_ends_up_holding_when_it_refuses_then_takes_the_tokens(
    sandbox, fresh_config, memory_keyring, monkeypatch, capsys, refusals
):
    """`gterm login` said "the sign-in is not kept" while the session's close stored it: the keyring refused the
    login's store, then took the close's. It now tries once more before deciding, and what it says holds."""

    def fake_input(prompt: str) -> str:
        url = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("http"))
        return authorize_code(sandbox, url)

    monkeypatch.setattr("builtins.input", fake_input)
    with refusing_first(memory_keyring, monkeypatch, refusals):  # unlocked by the third write: the close's
        code = cli.main(["login", "--no-local-server"])
    printed = capsys.readouterr()
    kept = any(user.endswith(f"|{AUTH_RS}") for _, user in memory_keyring.store)
    if refusals == 1:  # the second try took them: signed in, and said so
        assert code == 0 and "Logged in as" in printed.out and kept
        assert "keyring" not in printed.err
    else:  # refused when it decided: said not kept, and none is kept (the close has nothing to write)
        assert code == 1 and "OS keyring refused to store the tokens" in printed.err
        assert "Logged in as" not in printed.out and not kept


def test_a_store_the_keyring_refuses_is_kept_only_in_memory(memory_keyring, monkeypatch, caplog):
    """The storage alone: refused tokens are read back from memory, said once, never raised to the SDK."""
    from gterm.globus.tokens import KeyringTokenStorage

    storage = KeyringTokenStorage("ns")
    with locked(memory_keyring, monkeypatch, reads=True):
        storage.store_token_data_by_resource_server({"rs": _data("first")})
        storage.store_token_data_by_resource_server({"rs": _data("second")})
        assert storage.get_token_data("rs").access_token == "second"  # from memory: the keyring refuses reads
        with pytest.raises(KeyringUnavailable) as caught:
            storage.get_token_data("other")  # what was never kept is the keyring's to say
        assert "unlock" in str(caught.value)
    assert memory_keyring.store == {}  # nothing written anywhere while locked
    assert len(_said(caplog)) == 1 and _said(caplog)[0].startswith(REFUSED)
    storage.write_unsaved()
    assert storage.get_token_data_by_resource_server()["rs"].access_token == "second"
    assert "second" in memory_keyring.store[(KEYRING_SERVICE, "ns|rs")]
    assert storage.unsaved == frozenset() and _said(caplog)[1].startswith(WRITTEN_AGAIN)


def test_a_locked_keyring_is_answered_from_memory_and_a_removal_it_refuses_keeps_the_tokens_in_memory(
    memory_keyring, monkeypatch
):
    """Reads refused: the tokens in memory are this session's (has_tokens, the redactor, logout read them);
    a removal refused removes nothing, so the newest tokens are not dropped while the keyring keeps older ones."""
    from gterm.globus.tokens import KeyringTokenStorage

    storage = KeyringTokenStorage("ns")
    storage.store_token_data_by_resource_server({"old": _data("old", "old")})
    with locked(memory_keyring, monkeypatch, reads=True):
        with pytest.raises(KeyringUnavailable):  # nothing in memory yet: the keyring's refusal is the answer
            storage.get_token_data_by_resource_server()
        storage.store_token_data_by_resource_server({"rs": _data("new")})
        assert {rs: d.access_token for rs, d in storage.get_token_data_by_resource_server().items()} == {"rs": "new"}
        with pytest.raises(KeyringUnavailable):
            storage.remove_all()
        assert storage.unsaved == frozenset({"rs"})
    assert storage.remove_all() == ["old", "rs"]  # unlocked: every entry, and the tokens in memory
    assert memory_keyring.store == {} and storage.unsaved == frozenset()


def test_a_logout_with_the_keyring_locked_revokes_the_tokens_in_memory_and_says_the_keyring_kept_its_own(
    short_lived_sandbox, gterm_dirs, memory_keyring, monkeypatch
):
    """Was: "Cannot read the OS keyring" before anything was revoked, so the refreshed tokens that only this
    process held stayed valid at Globus. Now they are revoked, and the report says the keyring kept its entries."""
    import globus_sdk

    client_id = new_native_client(short_lived_sandbox, "keyring locks")
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", client_id)
    session = GtermSession(GtermConfig.load())
    try:
        copy_paste_login(short_lived_sandbox, session)
        with locked(memory_keyring, monkeypatch, reads=False):
            time.sleep(LIFETIME_PASSED)
            assert session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries  # its refresh kept in memory
        kept = session.token_storage.get_token_data(TRANSFER_RS)
        assert kept is not None and session.token_storage.unsaved == frozenset({TRANSFER_RS})
        with locked(memory_keyring, monkeypatch, reads=True):
            assert session.has_tokens()  # was: KeyringUnavailable
            report = session.logout()
            assert session.token_storage.unsaved == frozenset()  # revoked: nothing left to write to the keyring
        assert report.revoked == [TRANSFER_RS] and not report.complete
        said = "\n".join(report.lines())
        assert f"Revoked tokens at Globus Auth for: {TRANSFER_RS}." in said
        assert "Could not remove the tokens (KeyringLocked)" in said and "run `gterm logout` again" in said
        assert kept.access_token not in said and str(kept.refresh_token) not in said
        with pytest.raises(globus_sdk.AuthAPIError):  # revoked at Globus
            globus_sdk.NativeAppAuthClient(client_id).oauth2_refresh_token(str(kept.refresh_token))
        assert _in_keyring(memory_keyring, session, AUTH_RS)  # the keyring kept what it held
    finally:
        session.close()


def test_tokens_a_logout_revoked_are_not_written_to_the_keyring_once_it_unlocks(
    short_lived_sandbox, gterm_dirs, memory_keyring, monkeypatch, caplog
):
    """A refresh kept in memory (keyring locked), then a logout that revoked it at Globus Auth but whose removal
    the keyring refused: the revoked tokens stayed in memory, and the session's close wrote them to the keyring
    once it was unlocked ("gterm stored the sign-in it kept in memory there"), a dead sign-in stored after a
    logout. Now a logout forgets the tokens Auth revoked: nothing is written back, and nothing says so."""
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(short_lived_sandbox, "keyring locks"))
    session = GtermSession(GtermConfig.load())
    try:
        copy_paste_login(short_lived_sandbox, session)
        signed_in = _in_keyring(memory_keyring, session, TRANSFER_RS)
        with locked(memory_keyring, monkeypatch, reads=False):
            time.sleep(LIFETIME_PASSED)
            assert session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries  # its refresh kept in memory
            kept = session.token_storage.get_token_data(TRANSFER_RS)
            assert kept is not None and kept.access_token not in signed_in
            report = session.logout()
        assert report.revoked == [AUTH_RS, TRANSFER_RS] and not report.complete
        assert session.token_storage.unsaved == frozenset()  # was: {TRANSFER_RS}, written at the close below
    finally:
        session.close()  # unlocked now: the last chance to write what the keyring refused
    assert _in_keyring(memory_keyring, session, TRANSFER_RS) == signed_in  # the entry it kept, not the revoked one
    assert not any(kept.access_token in raw for raw in memory_keyring.store.values())
    assert not any(said.startswith(WRITTEN_AGAIN) for said in _said(caplog))


def test_gterm_logout_with_the_keyring_refusing_removals_says_what_it_revoked_and_fails(
    sandbox, fresh_config, memory_keyring, monkeypatch, capsys
):
    """Was only "Cannot change the OS keyring", after every token had been revoked at Globus."""
    session = GtermSession(GtermConfig.load())
    copy_paste_login(sandbox, session)
    session.close()
    capsys.readouterr()
    with locked(memory_keyring, monkeypatch, reads=False):
        assert cli.main(["logout"]) == 1  # not signed out: the keyring still holds the entries
    printed = capsys.readouterr()
    assert f"Revoked tokens at Globus Auth for: {AUTH_RS}, {TRANSFER_RS}." in printed.out
    assert "Could not remove the tokens (KeyringLocked)" in printed.out and "Removed" not in printed.out
    assert _in_keyring(memory_keyring, session, TRANSFER_RS)
    assert not any(token in printed.out + printed.err for token in all_tokens_in(_documents(memory_keyring)))


def test_a_logout_neither_auth_nor_the_keyring_takes_does_not_say_the_tokens_were_removed(
    sandbox, fresh_config, memory_keyring, monkeypatch
):
    """Auth unreachable and the keyring locked: "removed locally anyway" would be false; nothing was removed."""
    signed_in = GtermSession(GtermConfig.load())
    copy_paste_login(sandbox, signed_in)
    signed_in.close()
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", "http://127.0.0.1:9/")  # Auth unreachable
    session = GtermSession(GtermConfig.load(), namespace=signed_in.namespace)
    try:
        with locked(memory_keyring, monkeypatch, reads=False):
            report = session.logout()
    finally:
        session.close()
    assert report.revoked == [] and report.removed == [] and not report.complete
    assert report.problems == [f"Could not revoke the tokens for {rs} at Globus Auth (unreachable)." for rs in
                               (AUTH_RS, TRANSFER_RS)]
    assert "Could not remove the tokens (KeyringLocked)" in report.lines()[-1]
    assert _in_keyring(memory_keyring, session, TRANSFER_RS)


async def test_the_tui_says_in_one_toast_that_the_keyring_refused_a_refresh_and_the_panes_go_on(
    short_lived_sandbox, gterm_dirs, memory_keyring, monkeypatch
):
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(short_lived_sandbox, "keyring locks"))
    config = GtermConfig.load()
    session = GtermSession(config)
    copy_paste_login(short_lived_sandbox, session)
    app = cli.build_tui(session, config, LAB_STORAGE_ID, None)  # as `gterm --left LAB` builds it
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.main_screen.left_pane
            await wait_for(pilot, lambda: bool(pane.path) and not pane.fetching, "the first listing")
            with locked(memory_keyring, monkeypatch, reads=True):
                await pilot.pause(LIFETIME_PASSED)  # expired: the reload refreshes, the keyring refuses the result
                for _ in range(2):  # the second reload uses the kept token: nothing more is said
                    await pilot.press("ctrl+r")
                    await wait_for(pilot, lambda: not pane.fetching, "the reload")
                await wait_for(pilot, lambda: _toasts(app, "OS keyring"), "the keyring's notice")
                await pilot.pause(0.2)
            toasts = _toasts(app, "OS keyring")
            assert len(toasts) == 1 and str(toasts[0].message).startswith(REFUSED)
            assert toasts[0].severity == "warning"
            assert not [n for n in app._notifications if n.severity == "error"]  # was: "Cannot write to the OS keyring"
    finally:
        session.close()


def _toasts(app: GtermApp, title: str) -> list[Notification]:
    return [n for n in app._notifications if n.title == title]


async def test_a_refusal_met_by_a_start_up_listing_before_the_app_exists_is_a_toast_too(
    short_lived_sandbox, gterm_dirs, memory_keyring, monkeypatch
):
    """The start-up listings leave before the UI is built: a refresh they made that the keyring refused was
    said to the log (and, said once, never again), because the toast was hooked only once the app was built."""
    from gterm.globus.tokens import keyring_store
    from gterm.tui.app import GtermApp

    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(short_lived_sandbox, "keyring locks"))
    config = GtermConfig.load()
    session = GtermSession(config)
    copy_paste_login(short_lived_sandbox, session)
    store = keyring_store(session.token_storage)
    assert store is not None
    build = GtermApp.__init__

    def built_once_refused(app: GtermApp, *args: object, **kwargs: object) -> None:
        """A UI import slower than the listing's refresh (a cold start): the refusal comes first."""
        deadline = time.monotonic() + 10
        while not store.unsaved and time.monotonic() < deadline:
            time.sleep(0.05)
        build(app, *args, **kwargs)

    try:
        with locked(memory_keyring, monkeypatch, reads=False):
            time.sleep(LIFETIME_PASSED)  # expired: the start-up listing refreshes, the keyring refuses the result
            with monkeypatch.context() as patch:
                patch.setattr(GtermApp, "__init__", built_once_refused)
                app = cli.build_tui(session, config, LAB_STORAGE_ID, None)  # as `gterm --left LAB` builds it
            assert store.unsaved  # refused before the app existed
            async with app.run_test(size=(120, 40)) as pilot:
                pane = app.main_screen.left_pane
                await wait_for(pilot, lambda: bool(pane.path) and not pane.fetching, "the first listing")
                await wait_for(pilot, lambda: _toasts(app, "OS keyring"), "the keyring's notice")
                await pilot.pause(0.2)
                toasts = _toasts(app, "OS keyring")
                assert len(toasts) == 1 and str(toasts[0].message).startswith(REFUSED)
                assert not [n for n in app._notifications if n.severity == "error"]
    finally:
        session.close()

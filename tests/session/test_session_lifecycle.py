"""A session's life: silent refresh, revocation -> re-login, logout, consent, client credentials."""

from __future__ import annotations

import threading
import time

import globus_sdk
import pytest

from gterm import cli
from gterm.config import GtermConfig
from gterm.globus.errors import ConsentNeeded, NotLoggedIn, SessionExpired
from gterm.globus.session import TRANSFER_RS, GtermSession
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID, ROBOT_CLIENT_ID, data_access_scope
from tests.support.sandbox_login import authorize_code, new_native_client
from tests.support.session_helpers import copy_paste_login


def _stored(session: GtermSession, rs: str = TRANSFER_RS):
    data = session.token_storage.get_token_data(rs)
    assert data is not None
    return data


def test_silent_refresh_after_access_token_expiry(short_lived_sandbox, gterm_dirs, memory_keyring, monkeypatch):
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(short_lived_sandbox, "short lived"))
    session = GtermSession(GtermConfig.load())
    try:
        copy_paste_login(short_lived_sandbox, session)
        service = session.transfer_service()
        assert service.ls(LAB_STORAGE_ID, "/~/").entries
        first = _stored(session)

        time.sleep(3)  # the access token (2 s) is now expired; the refresh token is not
        assert first.expires_at_seconds < time.time()

        assert service.ls(LAB_STORAGE_ID, "/~/").entries  # no prompt, no error
        second = _stored(session)
        assert second.access_token != first.access_token
        assert second.refresh_token == first.refresh_token
        assert second.expires_at_seconds > first.expires_at_seconds
        # The refreshed tokens were written back to the keyring: a new session uses them.
        again = GtermSession(GtermConfig.load())
        assert _stored(again).access_token == second.access_token
        assert not again.login_required()
        again.close()
    finally:
        session.close()


def test_many_threads_share_one_session(logged_in):
    """Each thread builds its own client; refreshes and the app are serialized by the session."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client = logged_in.transfer_client()
            for _ in range(3):
                client.operation_ls(LAB_STORAGE_ID, path="/~/")
        except BaseException as exc:  # noqa: BLE001 (collected and asserted)
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_revoked_refresh_token_leads_to_relogin(sandbox, logged_in):
    service = logged_in.transfer_service()
    assert service.ls(LAB_STORAGE_ID, "/~/").entries
    refresh = _stored(logged_in).refresh_token
    # Revoked elsewhere (globus.org "manage consents", an admin): gterm only sees the 401s.
    globus_sdk.NativeAppAuthClient(logged_in.client_id).oauth2_revoke_token(refresh)

    with pytest.raises(SessionExpired) as caught:
        service.ls(LAB_STORAGE_ID, "/~/")
    assert "log in again" in str(caught.value)
    assert refresh not in str(caught.value)

    # The re-login path: a login through the same session, then the operation works again.
    copy_paste_login(sandbox, logged_in)
    assert service.ls(LAB_STORAGE_ID, "/~/").entries
    assert _stored(logged_in).refresh_token != refresh


def test_no_tokens_means_not_logged_in(fresh_config):
    session = GtermSession(fresh_config)
    with pytest.raises(NotLoggedIn):
        session.transfer_service().ls(LAB_STORAGE_ID, "/~/")
    session.close()


def test_logout_revokes_at_auth_and_empties_the_keyring(sandbox, logged_in, memory_keyring, capsys):
    stored = logged_in.token_storage.get_token_data_by_resource_server()
    refresh_tokens = [d.refresh_token for d in stored.values() if d.refresh_token]
    assert len(refresh_tokens) == 2
    logged_in.close()

    assert cli.main(["logout"]) == 0
    out = capsys.readouterr().out
    assert "Revoked tokens at Globus Auth for: auth.globus.org, transfer.api.globus.org." in out
    assert "Removed 2 token entries from the OS keyring" in out
    assert not [key for key in memory_keyring.store if key[0] == "gterm"]

    auth = globus_sdk.NativeAppAuthClient(logged_in.client_id)
    for token in refresh_tokens:
        with pytest.raises(globus_sdk.AuthAPIError) as caught:
            auth.oauth2_refresh_token(token)
        assert caught.value.http_status == 400
        assert caught.value.raw_json["error"] == "invalid_grant"

    assert cli.main(["logout"]) == 0
    assert "Nothing to do" in capsys.readouterr().out


def test_consent_required_is_resolved_by_a_login_with_the_required_scope(sandbox, logged_in, gterm_dirs):
    service = logged_in.transfer_service()
    with pytest.raises(ConsentNeeded) as caught:
        service.ls(HPC_SCRATCH_ID, "/~/")
    required = caught.value.required_scopes
    assert any(data_access_scope(HPC_SCRATCH_ID) in scope for scope in required)

    challenge = logged_in.handle_consent(caught.value)
    assert "data_access" in challenge.url
    challenge.complete_with_code(authorize_code(sandbox, challenge.url))

    assert service.ls(HPC_SCRATCH_ID, "/~/") is not None  # the operation now succeeds
    assert service.ls(LAB_STORAGE_ID, "/~/").entries
    # The app's transfer requirement gained the dependency...
    transfer_req = logged_in.scope_requirements[TRANSFER_RS]
    assert any(data_access_scope(HPC_SCRATCH_ID) in scope for scope in transfer_req)
    # ...and the settings file remembers it, so the next run asks for it too.
    reloaded = GtermConfig.load()
    assert any(data_access_scope(HPC_SCRATCH_ID) in scope for scope in reloaded.consent_scopes)
    next_run = GtermSession(reloaded)
    assert any(data_access_scope(HPC_SCRATCH_ID) in s for s in next_run.scope_requirements[TRANSFER_RS])
    assert not next_run.login_required()  # the consent is verified against Auth's consent records
    assert "data_access" in next_run.start_login(local_server=False).url
    next_run.close()


def test_auto_approve_consent_path(sandbox, fresh_config):
    """The demo's path: the TUI's LoginScreen would run try_automatic for the consent login."""
    session = GtermSession(fresh_config, auto_approve=True, persist_config=False)
    try:
        assert session.start_login().try_automatic(30)
        service = session.transfer_service()
        with pytest.raises(ConsentNeeded) as caught:
            service.ls(HPC_SCRATCH_ID, "/~/")
        assert session.handle_consent(caught.value).try_automatic(30)
        assert service.ls(HPC_SCRATCH_ID, "/~/") is not None
        assert not GtermConfig.load().consent_scopes  # persist_config=False wrote nothing
    finally:
        session.close()


def test_client_credentials_mode_lists_a_collection(sandbox, gterm_dirs, memory_keyring, monkeypatch, capsys):
    monkeypatch.setenv("GTERM_CLIENT_ID", ROBOT_CLIENT_ID)
    monkeypatch.setenv("GTERM_CLIENT_SECRET", sandbox.client_secret(ROBOT_CLIENT_ID))
    config = GtermConfig.load()
    session = GtermSession(config)
    try:
        assert session.mode == "client"
        assert not session.login_required()
        listing = session.transfer_service().ls(LAB_STORAGE_ID, "/")
        assert listing.entries
        assert memory_keyring.store == {}  # robots need no keyring
        assert "memory" in session.storage_description
        # ConsentRequired for a robot: "login" is one more client-credentials grant.
        service = session.transfer_service()
        try:
            service.ls(HPC_SCRATCH_ID, "/")
        except ConsentNeeded as needed:
            assert session.handle_consent(needed).try_automatic(10)
            assert service.ls(HPC_SCRATCH_ID, "/") is not None
    finally:
        session.close()
    assert cli.main(["login"]) == 0
    assert "client credentials" in capsys.readouterr().out
    assert cli.main(["whoami"]) == 0
    assert ROBOT_CLIENT_ID in capsys.readouterr().out


def test_clients_are_bounded_and_a_dead_network_is_offline(logged_in, monkeypatch):
    from gterm.globus.errors import Offline

    client = logged_in.transfer_client()
    assert client.transport.http_timeout == (logged_in.config.connect_timeout, logged_in.config.http_timeout)
    assert client.retry_config.max_retries == logged_in.config.max_retries < 5
    assert logged_in.transfer_client() is not client  # one client per caller/thread

    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_TRANSFER", "http://127.0.0.1:9/")  # nothing listens there
    with pytest.raises(Offline):
        logged_in.transfer_service().ls(LAB_STORAGE_ID, "/~/")


def test_a_remembered_consent_the_tokens_lack_asks_for_consent(sandbox, logged_in):
    """Settings say scratch data_access is needed; the stored tokens predate it -> ConsentNeeded, not a crash."""
    scope = f"urn:globus:auth:scope:transfer.api.globus.org:all[*{data_access_scope(HPC_SCRATCH_ID)}]"
    logged_in.config.consent_scopes = [scope]
    session = GtermSession(logged_in.config, token_storage=logged_in.token_storage, persist_config=False)
    try:
        assert session.login_required()
        with pytest.raises(ConsentNeeded) as caught:
            session.transfer_service().ls(LAB_STORAGE_ID, "/~/")
        assert any(data_access_scope(HPC_SCRATCH_ID) in s for s in caught.value.required_scopes)
        copy_paste_login(sandbox, session, caught.value.required_scopes)
        assert session.transfer_service().ls(HPC_SCRATCH_ID, "/~/") is not None
    finally:
        session.close()


def test_logout_while_offline_still_forgets_the_tokens_and_says_so(logged_in, memory_keyring, monkeypatch):
    namespace = logged_in.namespace
    logged_in.close()
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", "http://127.0.0.1:9/")  # Auth unreachable
    session = GtermSession(logged_in.config, namespace=namespace)
    report = session.logout()
    session.close()
    assert report.revoked == []
    assert len(report.problems) == 2 and "removed locally anyway" in report.problems[0]
    assert sorted(report.removed) == ["auth.globus.org", "transfer.api.globus.org"]
    assert not [key for key in memory_keyring.store if key[0] == "gterm"]


def test_logout_says_a_certificate_it_could_not_verify_and_still_forgets_the_tokens(
    logged_in, memory_keyring, monkeypatch
):
    """Behind a wrong CA bundle, logout called Globus Auth "(unreachable)": the network was fine."""
    import certifi

    namespace = logged_in.namespace
    logged_in.close()
    monkeypatch.setenv("GLOBUS_SDK_VERIFY_SSL", certifi.where())  # the public CAs, not the sandbox's own
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    session = GtermSession(logged_in.config, namespace=namespace)
    report = session.logout()
    session.close()
    assert report.revoked == [] and len(report.problems) == 2
    assert all("(its certificate could not be verified)" in problem for problem in report.problems)
    assert not any("unreachable" in problem for problem in report.problems)
    assert sorted(report.removed) == ["auth.globus.org", "transfer.api.globus.org"]


def test_a_damaged_remembered_consent_is_left_out_not_a_crash(sandbox, fresh_config):
    """A scope string in the state file that does not parse stopped every command with 'unexpected error:
    ScopeParseError'; it is left out (and dropped from the state on its next save), the good ones kept."""
    good = f"urn:globus:auth:scope:transfer.api.globus.org:all[*{data_access_scope(HPC_SCRATCH_ID)}]"
    fresh_config.consent_scopes = ["urn:globus:auth:scope:transfer.api.globus.org:all[broken", "[[[", good]
    fresh_config.save()
    config = GtermConfig.load()
    session = GtermSession(config)
    try:
        copy_paste_login(sandbox, session)
        assert session.whoami()
        assert config.consent_scopes == [good]
        assert good in session.scope_requirements[TRANSFER_RS]
    finally:
        session.close()

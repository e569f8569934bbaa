"""Token stores: the keyring storage through the SDK's validating wrapper, namespaces, the opt-in file."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import keyring
import keyring.backend
import pytest
from globus_sdk.token_storage import TokenStorageData, ValidatingTokenStorage
from globus_sdk.token_storage.validating_token_storage import (
    HasRefreshTokensValidator,
    MissingTokenError,
    UnchangingIdentityIDValidator,
)
from keyring.backends import chainer, fail

from gterm.globus.errors import KeyringUnavailable, UnreadableSession
from gterm.globus.tokens import (
    KEYRING_SERVICE,
    KeyringTokenStorage,
    PlaintextTokenStorage,
    auth_namespace,
    check_keyring,
)
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.sandbox_login import LOGIN_SCOPES, login_tokens, new_native_client


def _data(rs: str, *, refresh: str | None = "r-" + "x" * 20, identity: str | None = "id-1") -> TokenStorageData:
    return TokenStorageData(
        resource_server=rs,
        identity_id=identity,
        scope=f"scope:{rs}",
        access_token=f"a-{rs}-" + "y" * 20,
        refresh_token=refresh,
        expires_at_seconds=int(time.time()) + 3600,
        token_type="Bearer",
    )


def test_keyring_storage_round_trips_a_real_login_through_the_validating_wrapper(sandbox, memory_keyring):
    client_id = new_native_client(sandbox, "round trip")
    tokens = login_tokens(sandbox, f"{LOGIN_SCOPES} urn:globus:auth:scope:transfer.api.globus.org:all", client_id)
    storage = KeyringTokenStorage(auth_namespace(client_id))
    validating = ValidatingTokenStorage(
        storage, validators=[HasRefreshTokensValidator(), UnchangingIdentityIDValidator()]
    )

    validating.store_token_response(tokens)

    again = ValidatingTokenStorage(
        KeyringTokenStorage(auth_namespace(client_id)), validators=[HasRefreshTokensValidator()]
    )
    transfer = again.get_token_data("transfer.api.globus.org")
    expected = tokens.by_resource_server["transfer.api.globus.org"]
    assert transfer.access_token == expected["access_token"]
    assert transfer.refresh_token == expected["refresh_token"]
    assert transfer.expires_at_seconds == expected["expires_at_seconds"]
    assert transfer.identity_id == again.identity_id  # decoded from the id_token on store
    assert set(again.get_token_data_by_resource_server()) == {"auth.globus.org", "transfer.api.globus.org"}
    # One entry per resource server plus the index, all under the service name "gterm".
    assert {service for service, _ in memory_keyring.store} == {KEYRING_SERVICE}
    assert len(memory_keyring.store) == 3


def test_stored_refresh_token_is_usable_against_the_sandbox(sandbox, memory_keyring):
    import globus_sdk

    client_id = new_native_client(sandbox, "usable")
    tokens = login_tokens(sandbox, f"{LOGIN_SCOPES} urn:globus:auth:scope:transfer.api.globus.org:all", client_id)
    storage = KeyringTokenStorage(auth_namespace(client_id))
    storage.store_token_response(tokens)
    data = storage.get_token_data("transfer.api.globus.org")
    assert data is not None and data.refresh_token
    authorizer = globus_sdk.RefreshTokenAuthorizer(data.refresh_token, globus_sdk.NativeAppAuthClient(client_id))
    client = globus_sdk.TransferClient(authorizer=authorizer)
    assert client.operation_ls(LAB_STORAGE_ID, path="/~/")["DATA_TYPE"] == "file_list"


def test_namespaces_keep_environments_and_clients_apart(memory_keyring, monkeypatch):
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", "http://127.0.0.1:1111/")
    sandbox_ns = auth_namespace("client-a")
    monkeypatch.delenv("GLOBUS_SDK_SERVICE_URL_AUTH")
    monkeypatch.delenv("GLOBUS_SDK_ENVIRONMENT", raising=False)
    production_ns = auth_namespace("client-a")
    assert production_ns.startswith("https://auth.globus.org")
    assert len({sandbox_ns, production_ns, auth_namespace("client-b")}) == 3

    KeyringTokenStorage(sandbox_ns).store_token_data_by_resource_server({"t": _data("t")})
    assert KeyringTokenStorage(production_ns).get_token_data_by_resource_server() == {}
    assert KeyringTokenStorage(sandbox_ns).get_token_data("t") is not None


def test_remove_and_remove_all_keep_the_index_true(memory_keyring):
    storage = KeyringTokenStorage("ns")
    storage.store_token_data_by_resource_server({"a": _data("a"), "b": _data("b")})
    assert storage.remove_token_data("a") is True
    assert storage.remove_token_data("a") is False
    assert set(storage.get_token_data_by_resource_server()) == {"b"}
    assert storage.remove_all() == ["b"]
    assert memory_keyring.store == {}


def test_validating_wrapper_reports_missing_tokens(memory_keyring):
    validating = ValidatingTokenStorage(KeyringTokenStorage("empty-ns"))
    with pytest.raises(MissingTokenError):
        validating.get_token_data("transfer.api.globus.org")


def test_a_damaged_entry_reads_as_no_tokens(memory_keyring):
    storage = KeyringTokenStorage("ns")
    storage.store_token_data_by_resource_server({"a": _data("a")})
    memory_keyring.store[(KEYRING_SERVICE, "ns|a")] = "{not json"
    assert storage.get_token_data("a") is None
    assert storage.get_token_data_by_resource_server() == {}


def test_fail_backend_is_reported_with_the_fix(memory_keyring):
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailable) as caught:
        KeyringTokenStorage("ns")
    message = str(caught.value)
    assert "keyring" in message.lower()
    assert "--token-store file" in message
    assert "gnome-keyring" in message


def test_chainer_without_backends_is_unusable(monkeypatch):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    with pytest.raises(KeyringUnavailable):
        check_keyring(chainer.ChainerBackend())


class _LockedKeyring(keyring.backend.KeyringBackend):
    """A backend that is installed but refuses access, like a locked collection."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


def test_locked_keyring_errors_become_keyring_unavailable(memory_keyring):
    """Reads and removals a locked keyring refuses are said with the fix. (A store it refuses is kept in
    memory and said once: tests/session/test_session_keyring_locked.py.)"""
    storage = KeyringTokenStorage("ns", backend=_LockedKeyring())
    storage.store_token_data_by_resource_server({"a": _data("a")})
    with pytest.raises(KeyringUnavailable) as caught:
        storage.get_token_data("b")
    assert "unlock" in str(caught.value) and caught.value.reason == "KeyringLocked"
    assert _data("a").access_token not in str(caught.value)
    with pytest.raises(KeyringUnavailable):
        storage.remove_all()


class SecretServiceNotAvailableException(Exception):
    """What secretstorage raises, through keyring unwrapped, when the Secret Service has gone away."""

    __module__ = "secretstorage.exceptions"


class _GoneKeyring(_LockedKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise SecretServiceNotAvailableException("Could not connect to the D-Bus session bus")


def test_a_secret_service_that_went_away_is_said_as_the_keyring_unavailable(memory_keyring):
    with pytest.raises(KeyringUnavailable) as caught:
        KeyringTokenStorage("ns", backend=_GoneKeyring()).get_token_data("a")
    assert caught.value.reason == "SecretServiceNotAvailableException" and "unlock" in str(caught.value)


def test_plaintext_store_is_0600_and_tightens_loose_files(tmp_path: Path):
    path = tmp_path / "store" / "tokens.json"
    storage = PlaintextTokenStorage(path, namespace="ns")
    storage.store_token_data_by_resource_server({"a": _data("a")})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    again = PlaintextTokenStorage(path, namespace="ns")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert again.get_token_data("a") is not None
    assert json.loads(path.read_text())["data"]["ns"]["a"]["resource_server"] == "a"
    assert again.remove_all() == ["a"]
    assert again.get_token_data_by_resource_server() == {}


def test_writing_the_plaintext_store_leaves_the_process_umask_alone(tmp_path: Path):
    """The SDK narrowed the whole process's umask while it wrote the file: a download's directory made on
    another thread at that moment came out drw------- (unopenable for its owner's other tools)."""
    path = tmp_path / "tokens.json"
    storage = PlaintextTokenStorage(path, namespace="ns")
    umask = os.umask(0o022)
    os.umask(umask)
    with storage.user_only_umask():  # what the SDK writes inside
        (tmp_path / "made-meanwhile").mkdir()
    assert stat.S_IMODE((tmp_path / "made-meanwhile").stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the file itself is made user-only


def test_the_token_files_directory_is_user_only_when_gterm_makes_it_or_owns_it(tmp_path: Path, monkeypatch):
    """A directory the token file needs is made 0700; gterm's own data dir is tightened to 0700; a directory
    the user named that exists already (their home as GTERM_DATA_DIR) keeps its mode."""
    umask = os.umask(0o022)
    try:
        made = tmp_path / "new" / "gterm"
        PlaintextTokenStorage(made / "tokens.json", namespace="ns")
        assert stat.S_IMODE(made.stat().st_mode) == 0o700

        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # gterm's default data dir, made 0755 before
        own = tmp_path / "xdg" / "gterm"
        own.mkdir(parents=True, mode=0o755)
        PlaintextTokenStorage(own / "tokens.json", namespace="ns")
        assert stat.S_IMODE(own.stat().st_mode) == 0o700

        home = tmp_path / "home"
        home.mkdir(mode=0o755)
        storage = PlaintextTokenStorage(home / "tokens.json", namespace="ns")
        storage.store_token_data_by_resource_server({"a": _data("a")})
        assert stat.S_IMODE(home.stat().st_mode) == 0o755  # not gterm's to change
        assert stat.S_IMODE((home / "tokens.json").stat().st_mode) == 0o600
    finally:
        os.umask(umask)


@pytest.mark.parametrize("damage", ['{"data": {"ns": ', "\udcff not json", '{"format_version": "2.0"}', "[1, 2]"])
def test_a_damaged_token_file_is_said_by_name_and_can_be_discarded(tmp_path: Path, damage: str):
    path = tmp_path / "tokens.json"
    path.write_bytes(damage.encode("utf-8", "surrogateescape"))
    storage = PlaintextTokenStorage(path, namespace="ns")
    with pytest.raises(UnreadableSession) as caught:
        storage.get_token_data("a")
    assert str(path) in str(caught.value) and "gterm login" in str(caught.value)
    discarded = storage.discard_if_unreadable()
    assert discarded is not None and discarded.session is None  # the whole file: nothing in it reads
    assert not path.exists()
    assert not storage.discard_if_unreadable()  # nothing more to discard
    assert storage.get_token_data_by_resource_server() == {}


PRODUCTION = "https://auth.globus.org|prod-client"
SANDBOX = "https://localhost:8443|sandbox-client"


def _file_with_production_and(path: Path, sandbox_entry: object) -> dict:
    """A token file holding a good production session and ``sandbox_entry`` as the sandbox's namespace."""
    PlaintextTokenStorage(path, namespace=PRODUCTION).store_token_data_by_resource_server(
        {"auth.globus.org": _data("auth.globus.org"), "transfer.api.globus.org": _data("transfer.api.globus.org")}
    )
    content = json.loads(path.read_text())
    content["data"][SANDBOX] = sandbox_entry
    path.write_text(json.dumps(content))
    return content["data"][PRODUCTION]


DAMAGED_ENTRIES = ["garbage", [1, 2], {"transfer.api.globus.org": {"access_token": "a"}}, {"rs": "x"}]


@pytest.mark.parametrize("damage", DAMAGED_ENTRIES)
def test_a_damaged_namespace_is_discarded_alone_and_the_others_are_kept(tmp_path: Path, damage: object):
    """Discarding a sandbox session's damaged entry removed the whole file: production's refresh tokens
    went with it, unrevoked. Now only that namespace's entry is taken out; the file stays 0600."""
    path = tmp_path / "tokens.json"
    production = _file_with_production_and(path, damage)
    storage = PlaintextTokenStorage(path, namespace=SANDBOX)
    with pytest.raises(UnreadableSession) as caught:
        storage.get_token_data_by_resource_server()
    assert "https://localhost:8443 (client id sandbox-client)" in str(caught.value) and str(path) in str(caught.value)

    discarded = storage.discard_if_unreadable()
    assert discarded is not None and discarded.session == "https://localhost:8443 (client id sandbox-client)"
    content = json.loads(path.read_text())
    assert content["data"] == {PRODUCTION: production}  # production's entry as it was, the sandbox's gone
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["tokens.json"]  # no temporary file left beside it
    assert storage.discard_if_unreadable() is None and storage.get_token_data_by_resource_server() == {}
    kept = PlaintextTokenStorage(path, namespace=PRODUCTION).get_token_data_by_resource_server()
    assert sorted(kept) == ["auth.globus.org", "transfer.api.globus.org"]


@pytest.mark.parametrize("damage", DAMAGED_ENTRIES)
def test_another_namespaces_damaged_entry_does_not_stop_this_one(tmp_path: Path, damage: object):
    path = tmp_path / "tokens.json"
    _file_with_production_and(path, damage)
    storage = PlaintextTokenStorage(path, namespace=PRODUCTION)
    assert storage.discard_if_unreadable() is None  # production's own entry reads: nothing to discard
    assert sorted(storage.get_token_data_by_resource_server()) == ["auth.globus.org", "transfer.api.globus.org"]
    storage.store_token_data_by_resource_server({"other.rs": _data("other.rs")})
    assert sorted(storage.remove_all()) == ["auth.globus.org", "other.rs", "transfer.api.globus.org"]
    assert json.loads(path.read_text())["data"][SANDBOX] == damage  # not production's to touch

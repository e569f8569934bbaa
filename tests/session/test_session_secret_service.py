"""Against a real Secret Service (gnome-keyring in a private D-Bus session).

Skipped unless selected with ``-m secret_service``; then it must pass. CI runs:

    dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets \
        && python -m pytest -m secret_service tests/session'
"""

from __future__ import annotations

import pytest

from gterm.globus.session import GtermSession
from gterm.globus.tokens import KEYRING_SERVICE, KeyringTokenStorage, check_keyring
from gterm.sandbox.seed_ids import LAB_STORAGE_ID

from conftest import copy_paste_login

pytestmark = pytest.mark.secret_service


@pytest.fixture
def secret_service(request: pytest.FixtureRequest):
    if "secret_service" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("needs a real Secret Service: run `-m secret_service` inside dbus-run-session")
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    check_keyring(backend)
    return backend


def test_login_use_and_logout_with_the_real_keyring(secret_service, sandbox, fresh_config):
    namespace = f"secret-service-test|{fresh_config.native_client_id}"
    storage = KeyringTokenStorage(namespace, backend=secret_service)
    session = GtermSession(fresh_config, token_storage=storage, namespace=namespace)
    try:
        copy_paste_login(sandbox, session)
        assert session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries
        # A second process would find the tokens: read them back through a new storage object.
        again = KeyringTokenStorage(namespace, backend=secret_service)
        assert set(again.get_token_data_by_resource_server()) == {"auth.globus.org", "transfer.api.globus.org"}
        assert secret_service.get_password(KEYRING_SERVICE, f"{namespace}|index")

        report = session.logout()
        assert report.revoked == ["auth.globus.org", "transfer.api.globus.org"]
        assert again.get_token_data_by_resource_server() == {}
        assert secret_service.get_password(KEYRING_SERVICE, f"{namespace}|transfer.api.globus.org") is None
        assert secret_service.get_password(KEYRING_SERVICE, f"{namespace}|index") is None
    finally:
        session.close()

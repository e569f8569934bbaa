"""Against a real Secret Service (gnome-keyring in a private D-Bus session).

Runs when selected with ``-m secret_service`` or when ``GTERM_REQUIRE_SECRET_SERVICE=1``
(CI sets it and runs the whole suite inside ``dbus-run-session`` with an unlocked
gnome-keyring, see ``.ci/run``); then it must pass. Elsewhere it is skipped, and
the skip says so: a machine without a Secret Service cannot run it.
"""

from __future__ import annotations

import os

import pytest

from gterm.globus.session import GtermSession
from gterm.globus.tokens import KEYRING_SERVICE, KeyringTokenStorage, check_keyring
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.session_helpers import copy_paste_login

pytestmark = pytest.mark.secret_service


@pytest.fixture
def secret_service(request: pytest.FixtureRequest):
    required = os.environ.get("GTERM_REQUIRE_SECRET_SERVICE") == "1"
    if not required and "secret_service" not in (request.config.getoption("markexpr") or ""):
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

"""A signed-in start: a stored token that needs nothing from Globus Auth is sent as is.

Until the session's GlobusApp is built (it loads the Auth half of globus-sdk:
its clients, JWT, cryptography), a stored Transfer token far from expiry that
covers the requirements goes out directly. Anything the app would have to
check or fix still goes through it: a revoked token is refreshed after its
401, a token near expiry is refreshed first, a remembered consent with
dependent scopes is checked with Auth (``test_session_lifecycle``:
``test_a_remembered_consent_the_tokens_lack_asks_for_consent``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import globus_sdk

from gterm.config import GtermConfig
from gterm.globus.session import STORED_TOKEN_MARGIN_SECONDS, TRANSFER_RS, GtermSession
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.session_helpers import copy_paste_login, login_to_token_file

# What building the app loads and a start with a good stored token does not need.
AUTH_HALF = ("jwt", "cryptography", "globus_sdk.globus_app", "globus_sdk.services.auth")

NEW_PROCESS_LISTING = f"""
import json, sys
from gterm.config import GtermConfig
from gterm.globus.session import GtermSession

config = GtermConfig.load()
config.token_store = "file"
session = GtermSession(config)
names = [entry["name"] for entry in session.transfer_client().operation_ls("{LAB_STORAGE_ID}", path="/~/")]
loaded = sorted(name for name in sys.modules if name.startswith({AUTH_HALF!r}))
print(json.dumps({{"names": names, "loaded": loaded}}))
"""


def test_a_new_process_lists_with_the_stored_token_without_loading_the_auth_half_of_the_sdk(sandbox, fresh_config):
    stored = login_to_token_file(sandbox, fresh_config)

    # A fresh interpreter, as `gterm --token-store file` starts: the env points it at the
    # sandbox, this test's data dir (the token file) and its native client.
    done = subprocess.run(
        [sys.executable, "-c", NEW_PROCESS_LISTING], env=dict(os.environ), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["names"]  # Alice's home lists
    assert result["loaded"] == []
    assert stored.access_token not in done.stdout + done.stderr


def test_a_stored_token_revoked_at_auth_is_refreshed_after_its_401(sandbox, fresh_config):
    first = GtermSession(fresh_config)
    copy_paste_login(sandbox, first)
    before = first.token_storage.get_token_data(TRANSFER_RS)
    first.close()
    assert before is not None and before.expires_at_seconds > time.time() + STORED_TOKEN_MARGIN_SECONDS
    # Revoked elsewhere; the store still says it is good for hours.
    globus_sdk.NativeAppAuthClient(first.client_id).oauth2_revoke_token(before.access_token)

    session = GtermSession(GtermConfig.load())
    try:
        assert session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries  # no error, no prompt
        after = session.token_storage.get_token_data(TRANSFER_RS)
        assert after is not None
        assert after.access_token != before.access_token
        assert after.refresh_token == before.refresh_token
    finally:
        session.close()


def test_a_stored_token_near_expiry_is_refreshed_before_it_is_used(sandbox, fresh_config):
    first = GtermSession(fresh_config)
    copy_paste_login(sandbox, first)
    before = first.token_storage.get_token_data(TRANSFER_RS)
    assert before is not None
    # Inside the margin (the token itself is good for hours at Auth): the app refreshes it
    # rather than send it as is.
    before.expires_at_seconds = int(time.time()) + STORED_TOKEN_MARGIN_SECONDS // 2
    first.token_storage.store_token_data_by_resource_server({TRANSFER_RS: before})
    first.close()

    session = GtermSession(GtermConfig.load())
    try:
        assert session.transfer_service().ls(LAB_STORAGE_ID, "/~/").entries
        after = session.token_storage.get_token_data(TRANSFER_RS)
        assert after is not None
        assert after.access_token != before.access_token
        assert after.expires_at_seconds > time.time() + STORED_TOKEN_MARGIN_SECONDS
    finally:
        session.close()

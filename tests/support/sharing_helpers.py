"""Sharing test helpers: a SharingService acting as a sandbox identity (real logins, real SDK), a guest of
Alice's, the sandbox's slow/failing API switch, and ``p`` in a Pilot run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import globus_sdk

from gterm.globus.groups import GroupsService
from gterm.globus.sharing import GroupRef, SharingService
from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.sandbox.state import SandboxConfig
from gterm.tui.screens.sharing import SharingScreen
from tests.support.browser_helpers import settled, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for, manage_scope
from tests.support.groups_helpers import auth_client_for, groups_client_for
from tests.support.sandbox_login import login_tokens, new_native_client, transfer_client_for
from tests.support.transfer_helpers import unique


def sharing_for(sandbox: SandboxHandle, identity: str = "alice", *, max_retries: int | None = None) -> SharingService:
    """One logged-in client of each kind shared by the worker threads (tests only, like service_for).

    ``max_retries`` bounds the SDK's retries of 5xx answers, as gterm's own clients do (``client_options``).
    """
    transfer = transfer_client_for(sandbox, identity)
    auth = auth_client_for(sandbox, identity)
    if max_retries is not None:
        transfer.retry_config.max_retries = auth.retry_config.max_retries = max_retries
    manage_tokens: dict[str, str] = {}  # endpoint id -> a manage_collections token (one login per endpoint)

    def gcs(endpoint_id: str, manager_url: str, mapped_id: str) -> globus_sdk.GCSClient:
        return gcs_client_for(sandbox, endpoint_id, identity, data_access=[mapped_id])

    def gcs_manager(endpoint_id: str, manager_url: str) -> globus_sdk.GCSClient:
        if endpoint_id not in manage_tokens:
            tokens = login_tokens(sandbox, f"openid {manage_scope(endpoint_id)}", new_native_client(sandbox),
                                  identity=identity)
            manage_tokens[endpoint_id] = tokens.by_resource_server[endpoint_id]["access_token"]
        authorizer = globus_sdk.AccessTokenAuthorizer(manage_tokens[endpoint_id])
        client = globus_sdk.GCSClient(manager_url, authorizer=authorizer)
        if max_retries is not None:
            client.retry_config.max_retries = max_retries
        return client

    groups_client: list[globus_sdk.GroupsClient] = []  # logged in when first asked, as the app's session does

    def my_groups() -> list[GroupRef]:
        if not groups_client:
            groups_client.append(groups_client_for(sandbox, identity))
        return [g.ref for g in GroupsService(lambda: groups_client[0]).my_groups()]

    return SharingService(lambda: transfer, lambda: auth, gcs, my_groups, gcs_manager=gcs_manager)


@contextmanager
def alice_guest(sandbox: SandboxHandle, name: str, *, public: bool = False,
                folders: tuple[str, ...] = ()) -> Iterator[str]:
    """A GCSv5 guest of Alice's on a fresh folder of hers (``folders`` made inside it), deleted after; its id."""
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    alice = transfer_client_for(sandbox, "alice")
    root = f"/home/alice/{unique('guest')}/"
    for folder in ("", *folders):
        alice.operation_mkdir(LAB_STORAGE_ID, root + folder)
    guest_id = create_guest(gcs, LAB_STORAGE_ID, root, name, public=public)
    try:
        yield guest_id
    finally:
        gcs.delete_collection(guest_id)


@contextmanager
def api_conditions(sandbox: SandboxHandle) -> Iterator[SandboxConfig]:
    """The sandbox's settings, to slow (api_delay) or fail (api_fault_rate) its API; both back to 0 after."""
    try:
        yield sandbox.state.config
    finally:
        sandbox.state.config.api_delay = 0.0
        sandbox.state.config.api_fault_rate = 0.0


async def open_sharing(pilot: Any, *, loaded: bool = True) -> SharingScreen:
    """``p`` on the focused pane once both panes are listed; the sharing screen (its first tab ``loaded``)."""
    await settled(pilot)
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SharingScreen), "the sharing screen")
    screen = pilot.app.screen
    assert isinstance(screen, SharingScreen)
    if loaded:
        await wait_for(pilot, lambda: screen.loaded, "the sharing screen's first answer")
    return screen

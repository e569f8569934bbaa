"""Sharing test helpers: a SharingService acting as a sandbox identity (real logins, real SDK), a guest of
Alice's, the sandbox's slow/failing API switch, answers held until the test lets them go, and ``p`` in a
Pilot run."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import globus_sdk

from gterm.globus.errors import ConsentNeeded
from gterm.globus.groups import GroupsService
from gterm.globus.models import Rule
from gterm.globus.sharing import GroupRef, SharingService
from gterm.sandbox.api_conditions import UNTOUCHED_PREFIXES
from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.sandbox.state import SandboxConfig
from gterm.tui.screens.sharing import SharingScreen
from tests.support.browser_helpers import settled, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for, manage_scope
from tests.support.groups_helpers import auth_client_for, groups_client_for
from tests.support.outages import gated
from tests.support.sandbox_login import login_tokens, new_native_client, transfer_client_for
from tests.support.transfer_helpers import unique


def own_rules(rules: list[Rule]) -> list[Rule]:
    """The rules one manages, without those a role implies (Transfer lists an administrator's or
    access manager's implicit read-write on / among a guest's rules)."""
    return [rule for rule in rules if not rule.from_role]


GROUPS_SCOPE = "urn:globus:auth:scope:groups.api.globus.org:all"


def sharing_for(sandbox: SandboxHandle, identity: str = "alice", *, max_retries: int | None = None,
                groups_consent: threading.Event | None = None,
                data_access_consent: threading.Event | None = None,
                manage_consent: threading.Event | None = None) -> SharingService:
    """One logged-in client of each kind shared by the worker threads (tests only, like service_for).

    ``max_retries`` bounds the SDK's retries of 5xx answers, as gterm's own clients do (``client_options``).
    ``groups_consent``: until it is set, my groups need a consent (ConsentNeeded for the Groups scope, as
    a session without it gets); a test's sign-in sets it. ``data_access_consent``: likewise for the GCS
    clients' manage_collections with the mapped collection's data_access (as the session's gcs_client, whose
    stored token lacks it, raises). ``manage_consent``: likewise for the GCS Manager's own client (roles).
    """
    transfer = transfer_client_for(sandbox, identity)
    auth = auth_client_for(sandbox, identity)
    if max_retries is not None:
        transfer.retry_config.max_retries = auth.retry_config.max_retries = max_retries
    manage_tokens: dict[str, str] = {}  # endpoint id -> a manage_collections token (one login per endpoint)

    def gcs(endpoint_id: str, manager_url: str, mapped_id: str) -> globus_sdk.GCSClient:
        if data_access_consent is not None and not data_access_consent.is_set():
            raise ConsentNeeded("Globus needs your consent for more access; log in again to grant it.",
                                required_scopes=[manage_scope(endpoint_id, [mapped_id])])
        return gcs_client_for(sandbox, endpoint_id, identity, data_access=[mapped_id])

    def gcs_manager(endpoint_id: str, manager_url: str) -> globus_sdk.GCSClient:
        if manage_consent is not None and not manage_consent.is_set():
            raise ConsentNeeded("Globus needs your consent for more access; log in again to grant it.",
                                required_scopes=[manage_scope(endpoint_id)])
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
        if groups_consent is not None and not groups_consent.is_set():
            raise ConsentNeeded("Globus needs your consent for more access; log in again to grant it.",
                                required_scopes=[GROUPS_SCOPE])
        if not groups_client:
            groups_client.append(groups_client_for(sandbox, identity))
        return [g.ref for g in GroupsService(lambda: groups_client[0]).my_groups()]

    def group_named(group_id: str) -> GroupRef:  # a group not of mine, as the app's session asks Groups for it
        if groups_consent is not None and not groups_consent.is_set():
            raise ConsentNeeded("Globus needs your consent for more access; log in again to grant it.",
                                required_scopes=[GROUPS_SCOPE])
        if not groups_client:
            groups_client.append(groups_client_for(sandbox, identity))
        return GroupsService(lambda: groups_client[0]).named(group_id).ref

    return SharingService(lambda: transfer, lambda: auth, gcs, my_groups, gcs_manager=gcs_manager,
                          group_named=group_named)


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


HOLD_LIMIT = 60.0  # seconds a held answer waits at most (a test that forgets to release fails, not hangs)


class HeldAnswers:
    """The sandbox's API answers wait while held (sign-in and file data are spared, as with ``api_delay``).

    A call the app makes while held stays out until :meth:`release`: the test, not the
    clock, decides when "still loading" ends, so a loaded machine cannot answer early.
    """

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def until_released(self) -> None:
        deadline = time.monotonic() + HOLD_LIMIT
        while not self._open.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # on the sandbox's loop: other requests go on meanwhile


@contextmanager
def held_answers(sandbox: SandboxHandle) -> Iterator[HeldAnswers]:
    """Put a :class:`HeldAnswers` gate in front of the sandbox's app for the block (released and removed after)."""
    held = HeldAnswers()

    async def hold(scope: Any, receive: Any, send: Any, inner: Any) -> None:
        if not str(scope.get("path", "")).startswith(UNTOUCHED_PREFIXES):
            await held.until_released()
        await inner(scope, receive, send)

    try:
        with gated(sandbox, hold):
            yield held
    finally:
        held.release()


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

"""Shared fixtures: one live sandbox per test session, an in-memory keyring, logged-in clients.

Under pytest-xdist each worker is a session of its own: its own sandbox, port and data dir.

Owned by the sandbox-auth helper; other suites use these fixtures, they do not edit them.
"""

from __future__ import annotations

from collections.abc import Iterator

import globus_sdk
import keyring
import keyring.backend
import keyring.errors
import pytest

from gterm.sandbox.server import SandboxHandle
from tests.support.ram_dir import sandbox_data_dir
from tests.support.sandbox_login import own_sandbox, transfer_client_for


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A process-local keyring so no test reads or writes the machine's real keyring."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.store[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(f"no such password: {service}/{username}") from None


_MEMORY_KEYRING = MemoryKeyring()


def pytest_configure(config: pytest.Config) -> None:
    # Installed for the whole run, before any test can touch keyring.
    keyring.set_keyring(_MEMORY_KEYRING)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The in-memory keyring, emptied before and after the test (and reinstalled if a test swapped it)."""
    _MEMORY_KEYRING.store.clear()
    keyring.set_keyring(_MEMORY_KEYRING)
    yield _MEMORY_KEYRING
    _MEMORY_KEYRING.store.clear()
    keyring.set_keyring(_MEMORY_KEYRING)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """The live sandbox (auto-approve, ephemeral port, fresh data dir, in RAM when there is room: see
    tests.support.ram_dir); SDK env vars point at it."""
    with sandbox_data_dir(lambda: tmp_path_factory.mktemp("sandbox")) as data_dir, own_sandbox(data_dir) as handle:
        yield handle


@pytest.fixture(scope="session")
def alice_tc(sandbox: SandboxHandle) -> globus_sdk.TransferClient:
    """TransferClient as Alice (own fresh native client, transfer:all without data_access consents)."""
    return transfer_client_for(sandbox, "alice")


@pytest.fixture(scope="session")
def bob_tc(sandbox: SandboxHandle) -> globus_sdk.TransferClient:
    """TransferClient as Bob (own fresh native client, transfer:all without data_access consents)."""
    return transfer_client_for(sandbox, "bob")

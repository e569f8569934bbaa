"""Fixtures for the browser's Pilot tests: a real TransferService against the live sandbox.

No gterm layer and no SDK call is mocked: the app talks HTTP to the sandbox
(see tests/conftest.py). Tests that change files work in their own directory
under ``/tui-tests/`` in Lab Storage, created on disk, so they never disturb
the seeded tree other tests (and the snapshots) rely on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gterm.config import GtermConfig
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import sdk_pointed_at, transfer_client_for

TEST_ROOT = "tui-tests"
LISTING_DELAY = 1.0  # seconds; long enough that the next key press lands while the listing is in flight


@pytest.fixture(scope="session")
def alice_service(sandbox: SandboxHandle) -> TransferService:
    """Alice's TransferService. One logged-in client is shared by the worker threads (tests only:
    each thread worker is a new thread, and a login per thread would make every listing a login)."""
    # Built while the SDK points at this sandbox: a module's own sandbox may hold the env when this is first
    # asked for, and the client keeps the CA it was built with.
    with sdk_pointed_at(sandbox):
        client = transfer_client_for(sandbox, "alice")
    return TransferService(lambda: client)


def collection_root(sandbox: SandboxHandle, collection_id: str) -> Path:
    for collection in sandbox.info["collections"]:
        if collection["id"] == collection_id:
            return Path(collection["root"])
    raise KeyError(collection_id)


@pytest.fixture
def lab_dir(sandbox: SandboxHandle) -> Callable[..., tuple[Path, str]]:
    """Make a fresh directory in Lab Storage: returns (disk path, Globus path ending in /)."""

    def make(files: dict[str, str | bytes] | None = None, dirs: tuple[str, ...] = ()) -> tuple[Path, str]:
        name = f"t-{uuid.uuid4().hex[:10]}"
        disk = collection_root(sandbox, LAB_STORAGE_ID) / TEST_ROOT / name
        disk.mkdir(parents=True)
        for rel in dirs:
            (disk / rel).mkdir(parents=True, exist_ok=True)
        for rel, content in (files or {}).items():
            target = disk / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
        return disk, f"/{TEST_ROOT}/{name}/"

    return make


@pytest.fixture
def tmp_config(tmp_path: Path) -> GtermConfig:
    """Settings in a temp file, so tests never touch the user's config."""
    config = GtermConfig()
    config.path = tmp_path / "config.toml"
    return config


@pytest.fixture
def slow_listings(sandbox: SandboxHandle) -> Iterator[None]:
    """Every ``ls`` answered after LISTING_DELAY (real Globus takes 0.5-2 s): keys land while one is in flight."""
    sandbox.state.config.listing_delay = LISTING_DELAY
    try:
        yield
    finally:
        sandbox.state.config.listing_delay = 0.0


@pytest.fixture
def slow_transfers(sandbox: SandboxHandle) -> Iterator[None]:
    """Tasks copy at 64 KiB/s: a 2 MB file keeps its task active for half a minute."""
    sandbox.state.config.slow = 64 * 1024
    try:
        yield
    finally:
        sandbox.state.config.slow = None

"""What every part of the running sandbox shares: its settings, database and URLs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gterm.sandbox.db import Database

if TYPE_CHECKING:  # the engine imports this module
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from gterm.sandbox.engine import Engine


@dataclass
class SandboxConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0  # 0 picks a free ephemeral port
    auto_approve: bool = False
    access_token_lifetime: int = 3600 * 48  # seconds, as Globus Auth
    slow: int | None = None  # bytes per second per task, None = unlimited
    fault_rate: float = 0.0  # probability that one file copy attempt fails transiently


@dataclass
class SandboxState:
    config: SandboxConfig
    db: Database
    # Filled in once the server is bound; both halves live on one host:port.
    base_url: str = ""
    # The task engine once created (it registers itself); without one, tasks stay queued.
    engine: "Engine | None" = None
    # Group id -> member identity ids: the sandbox has no Groups service; tests and demos fill this.
    group_members: dict[str, set[str]] = field(default_factory=dict)
    # (identity id, collection id) -> [last use (epoch), last write to SQLite (monotonic)]:
    # collection use is kept in memory and persisted at most every few seconds.
    collection_use: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    # Auth's RS256 signing key (key id, private key), parsed once per process.
    signing_key: "tuple[str, RSAPrivateKey] | None" = None

    @property
    def auth_url(self) -> str:
        return self.base_url  # GLOBUS_SDK_SERVICE_URL_AUTH (routes under /v2/..., /.well-known/...)

    @property
    def transfer_url(self) -> str:
        return self.base_url  # GLOBUS_SDK_SERVICE_URL_TRANSFER (routes under /v0.10/...)

"""What every part of the running sandbox shares: its settings, database and URLs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gterm.sandbox.db import Database


@dataclass
class SandboxConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0  # 0 picks a free ephemeral port
    auto_approve: bool = False
    access_token_lifetime: int = 3600 * 48  # seconds, as Globus Auth
    slow: int | None = None  # bytes per second per task, None = unlimited
    fault_rate: float = 0.0  # probability that one file copy attempt fails transiently
    tls: bool = True  # HTTPS with the sandbox's own CA; False = plain http, for debugging only


@dataclass
class SandboxState:
    config: SandboxConfig
    db: Database
    # Filled in once the server is bound; both halves live on one host:port.
    base_url: str = ""
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def auth_url(self) -> str:
        return self.base_url  # GLOBUS_SDK_SERVICE_URL_AUTH (routes under /v2/..., /.well-known/...)

    @property
    def transfer_url(self) -> str:
        return self.base_url  # GLOBUS_SDK_SERVICE_URL_TRANSFER (routes under /v0.10/...)

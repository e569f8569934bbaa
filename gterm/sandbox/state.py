"""What every part of the running sandbox shares: its settings, database and URLs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gterm.sandbox.db import Database
from gterm.sandbox.listing_cache import SortedListings

if TYPE_CHECKING:  # these modules import this one
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from gterm.sandbox.engine import Engine
    from gterm.sandbox.file_listing import SortedItems
    from gterm.sandbox.names_listing import NamesListing


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
    # Seconds each directory listing waits before it answers: real Globus takes 0.5-2 s to list,
    # and a UI must stay correct while a listing is in flight (tests set it to hold one there).
    listing_delay: float = 0.0
    # Seconds every API answer waits, and the share (0-1) of API requests answered 503 (token routes
    # and file data excepted; see api_conditions): a slow or failing service, for the UI to show.
    api_delay: float = 0.0
    api_fault_rate: float = 0.0


@dataclass
class SandboxState:
    config: SandboxConfig
    db: Database
    # Filled in once the server is bound; both halves live on one host:port.
    base_url: str = ""
    # The task engine once created (it registers itself); without one, tasks stay queued.
    engine: Engine | None = None
    # Identity id -> ids of the groups it is an active member of. The Groups half registers it;
    # read at every access check, so leaving a group takes effect at once. None: no groups.
    active_group_ids: Callable[[str], Iterable[str]] | None = None
    # The GCS half: collection id -> its GCSv5 endpoint id, and endpoint id -> owner identity id.
    gcs_endpoint_of: Callable[[str], str | None] | None = None
    gcs_endpoint_owner: Callable[[str], str | None] | None = None
    # Sorted listings a first ls page produced, for the pages after it (see listing_cache).
    kept_listings: SortedListings[SortedItems | NamesListing] = field(default_factory=SortedListings)
    # (identity id, collection id) -> [last use (epoch), last write to SQLite (monotonic)]:
    # collection use is kept in memory and persisted at most every few seconds.
    collection_use: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    # Auth's RS256 signing key (key id, private key), parsed once per process.
    signing_key: tuple[str, RSAPrivateKey] | None = None

    def groups_of(self, identity_id: str) -> set[str]:
        """The groups the identity is an active member of, as the Groups half says now."""
        provider = self.active_group_ids
        return {str(group_id) for group_id in provider(identity_id)} if provider is not None else set()

    @property
    def auth_url(self) -> str:
        return self.base_url  # GLOBUS_SDK_SERVICE_URL_AUTH (routes under /v2/..., /.well-known/...)

    @property
    def transfer_url(self) -> str:
        return self.base_url  # GLOBUS_SDK_SERVICE_URL_TRANSFER (routes under /v0.10/...)

    @property
    def groups_url(self) -> str:
        return self.base_url + "groups/"  # GLOBUS_SDK_SERVICE_URL_GROUPS (routes under /groups/v2/...)

"""A SharingService acting as a sandbox identity (real logins, real SDK), for Pilot, snapshot and screenshot runs."""

from __future__ import annotations

import globus_sdk

from gterm.globus.sharing import SharingService
from gterm.sandbox.server import SandboxHandle
from tests.support.gcs_helpers import gcs_client_for
from tests.support.groups_helpers import auth_client_for
from tests.support.sandbox_login import transfer_client_for


def sharing_for(sandbox: SandboxHandle, identity: str = "alice") -> SharingService:
    """One logged-in client of each kind shared by the worker threads (tests only, like service_for)."""
    transfer = transfer_client_for(sandbox, identity)
    auth = auth_client_for(sandbox, identity)

    def gcs(endpoint_id: str, manager_url: str, mapped_id: str) -> globus_sdk.GCSClient:
        return gcs_client_for(sandbox, endpoint_id, identity, data_access=[mapped_id])

    return SharingService(lambda: transfer, lambda: auth, gcs)

"""What every globus-sdk client gterm builds shares: its app name, a tuned transport, bounded retries."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from gterm.config import APP_NAME, GtermConfig
from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    import globus_sdk
    from globus_sdk import transport as sdk_transport
    from globus_sdk.transport import RequestsTransport, RetryConfig
else:
    # Loaded with the first client (gterm.lazy_modules): a session imports this module before the first frame.
    sdk_transport = LazyModule("globus_sdk.transport")

MAX_RETRY_SLEEP = 2
"""Seconds at most between the SDK's retries of one call: a person is waiting."""


def set_timeouts(transport: RequestsTransport, config: GtermConfig) -> None:
    """Give up quickly on a dead network (connect) but wait for a slow answer (read).

    The SDK takes one number for both timeouts; requests accepts a
    ``(connect, read)`` pair, which the transport passes through unchanged.
    """
    # The SDK types http_timeout as one float; requests (which it passes it to) takes the pair.
    transport.http_timeout = (config.connect_timeout, config.http_timeout)  # type: ignore[assignment]


def tuned_transport(config: GtermConfig) -> RequestsTransport:
    transport = sdk_transport.RequestsTransport(http_timeout=config.http_timeout)
    set_timeouts(transport, config)
    return transport


class ClientOptions(TypedDict):
    app_name: str
    transport: RequestsTransport
    retry_config: RetryConfig


def client_options(config: GtermConfig) -> ClientOptions:
    """What every client gterm builds shares: its app name, a tuned transport and bounded retries."""
    return {
        "app_name": APP_NAME,
        "transport": tuned_transport(config),
        "retry_config": sdk_transport.RetryConfig(max_retries=config.max_retries, max_sleep=MAX_RETRY_SLEEP),
    }


def tune_built_client(client: globus_sdk.BaseClient, config: GtermConfig) -> None:
    """Bound a client the SDK built itself (the GlobusApp's consent lookup) like every client gterm builds."""
    set_timeouts(client.transport, config)
    client.retry_config.max_retries = config.max_retries
    client.retry_config.max_sleep = MAX_RETRY_SLEEP

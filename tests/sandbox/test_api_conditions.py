"""The sandbox's slow or failing API (api_delay / api_fault_rate): real SDK calls see the wait and the 503,
sign-in is never refused, and both can change while the sandbox runs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import globus_sdk
import pytest

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import transfer_client_for
from tests.support.sharing_helpers import api_conditions


@pytest.fixture
def weather(sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    with api_conditions(sandbox):
        yield sandbox


def test_faults_are_503s_the_sdk_reads_and_sign_in_still_works(weather: SandboxHandle) -> None:
    weather.state.config.api_fault_rate = 1.0
    client = transfer_client_for(weather, "alice")  # a login under a 100% fault rate: token routes are spared
    client.retry_config.max_retries = 0
    with pytest.raises(globus_sdk.TransferAPIError) as refused:
        client.get_endpoint(LAB_STORAGE_ID)
    assert (refused.value.http_status, refused.value.code) == (503, "ServiceUnavailable")
    assert "try again" in (refused.value.message or "")
    weather.state.config.api_fault_rate = 0.0
    assert client.get_endpoint(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID


def test_every_api_answer_waits_the_delay(weather: SandboxHandle) -> None:
    client = transfer_client_for(weather, "alice")
    weather.state.config.api_delay = 0.3
    started = time.monotonic()
    assert client.get_endpoint(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID
    assert time.monotonic() - started >= 0.3  # a lower bound only: the answer cannot come sooner

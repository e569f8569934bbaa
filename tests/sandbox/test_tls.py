"""TLS on loopback: the sandbox's own CA, its reuse across restarts, verification that stays on."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import globus_sdk
import pytest
import requests
from cryptography import x509
from globus_sdk.transport import RequestsTransport, RetryConfig

from gterm.sandbox.seed_ids import GTERM_NATIVE_CLIENT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle, running_sandbox
from gterm.sandbox.state import SandboxConfig
from tests.support.sandbox_login import own_sandbox, transfer_client_for


def test_every_service_answers_https_with_the_listed_ca(sandbox: SandboxHandle) -> None:
    assert urlsplit(sandbox.auth_url).scheme == "https"
    assert sandbox.ca_file is not None and sandbox.info["ca_file"] == str(sandbox.ca_file)
    env = sandbox.client_env()
    assert env["GLOBUS_SDK_VERIFY_SSL"] == env["REQUESTS_CA_BUNDLE"] == str(sandbox.ca_file)
    answer = requests.get(
        sandbox.auth_url + ".well-known/openid-configuration", timeout=30, verify=env["REQUESTS_CA_BUNDLE"]
    )
    assert answer.status_code == 200
    # The SDK, configured only through the environment the fixtures set, verifies against that CA.
    tc = transfer_client_for(sandbox, "alice")
    assert tc.transport.verify_ssl == str(sandbox.ca_file)
    assert tc.get_endpoint(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID


def test_a_client_that_does_not_trust_the_ca_is_refused(sandbox: SandboxHandle) -> None:
    # The system's trust store (certifi) does not know the sandbox's CA: verification really happens.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sandbox.auth_url + "jwk.json", timeout=30, verify=requests.certs.where())
    sdk_default = globus_sdk.NativeAppAuthClient(
        GTERM_NATIVE_CLIENT_ID,
        base_url=sandbox.auth_url,
        transport=RequestsTransport(verify_ssl=True),
        retry_config=RetryConfig(max_retries=0),
    )
    with pytest.raises(globus_sdk.NetworkError):
        sdk_default.get("/jwk.json")


def test_server_certificate_names_loopback_and_is_signed_by_the_ca(sandbox: SandboxHandle) -> None:
    assert sandbox.ca_file is not None
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    host, port = "127.0.0.1", urlsplit(sandbox.auth_url).port
    assert port is not None
    pem = ssl.get_server_certificate((host, port), ca_certs=str(sandbox.ca_file))
    cert = x509.load_pem_x509_certificate(pem.encode())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    # A hostname check against "localhost" passes with the same CA (the name is in the certificate).
    with socket.create_connection((host, port), timeout=30) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")


def _key_modes(data_dir: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mode & 0o777 for p in (data_dir / "tls").iterdir()}


def test_ca_is_made_once_and_reused_on_restart(tmp_path: Path) -> None:
    with own_sandbox(tmp_path) as first:
        assert first.ca_file is not None
        ca_pem = first.ca_file.read_bytes()
        server_pem = (tmp_path / "tls" / "server.pem").read_bytes()
    modes = _key_modes(tmp_path)
    assert modes["ca-key.pem"] == modes["server-key.pem"] == 0o600
    assert (tmp_path / "tls").stat().st_mode & 0o777 == 0o700
    with own_sandbox(tmp_path) as second:
        assert second.ca_file is not None and second.ca_file.read_bytes() == ca_pem
        assert (tmp_path / "tls" / "server.pem").read_bytes() == server_pem
        # A client built in the first run's environment still trusts the restarted sandbox.
        assert transfer_client_for(second).get_endpoint(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID


def test_a_damaged_server_certificate_is_reissued_from_the_same_ca(tmp_path: Path) -> None:
    with own_sandbox(tmp_path) as first:
        assert first.ca_file is not None
        ca_pem = first.ca_file.read_bytes()
    (tmp_path / "tls" / "server.pem").write_text("not a certificate")
    with own_sandbox(tmp_path) as second:
        assert second.ca_file is not None and second.ca_file.read_bytes() == ca_pem
        assert requests.get(second.auth_url + "jwk.json", timeout=30).status_code == 200


def test_plain_http_mode_is_opt_in(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path, tls=False)) as box:
        assert urlsplit(box.auth_url).scheme == "http"
        assert box.ca_file is None and box.info["ca_file"] is None
        assert set(box.client_env()) == {
            "GLOBUS_SDK_SERVICE_URL_AUTH",
            "GLOBUS_SDK_SERVICE_URL_TRANSFER",
            "GLOBUS_SDK_SERVICE_URL_GROUPS",
        }
        assert requests.get(box.auth_url + "jwk.json", timeout=30).status_code == 200

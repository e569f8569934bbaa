"""The sandbox's own certificate authority, so every service can answer over HTTPS on loopback.

globus-sdk's GCS clients only speak https, and code that passes here must work
at Globus, where verification is always on. So the sandbox makes a CA in its
data directory on first start (reused afterwards), issues a server certificate
for 127.0.0.1, ::1 and localhost from it, and clients are told to trust that CA
(``GLOBUS_SDK_VERIFY_SSL`` / ``REQUESTS_CA_BUNDLE``). Verification is never off.

ECDSA P-256 keys: generating one takes about a millisecond, so a fresh data dir
(every test session) pays nothing noticeable for its CA.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TLS_DIR_NAME = "tls"
_CA_LIFETIME = datetime.timedelta(days=3650)
_SERVER_LIFETIME = datetime.timedelta(days=365)
# A server certificate this close to expiry is reissued at start (the CA stays, so clients keep trusting it).
_RENEW_MARGIN = datetime.timedelta(days=7)
SERVER_NAMES: tuple[str, ...] = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA and the server's certificate and key live (PEM)."""

    ca_file: Path  # what clients trust
    cert_file: Path  # server certificate followed by nothing else (the CA is a root)
    key_file: Path  # server private key, 0600


def ensure_tls_files(data_dir: Path) -> TlsFiles:
    """Create the CA and a server certificate in ``data_dir/tls`` unless usable ones are there."""
    tls_dir = data_dir / TLS_DIR_NAME
    tls_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = TlsFiles(
        ca_file=tls_dir / "ca.pem",
        cert_file=tls_dir / "server.pem",
        key_file=tls_dir / "server-key.pem",
    )
    ca_key_file = tls_dir / "ca-key.pem"
    now = datetime.datetime.now(datetime.UTC)
    ca = _load_ca(files.ca_file, ca_key_file, now)
    if ca is None:
        ca = _new_ca(now)
        _write_key(ca_key_file, ca[1])
        _write_public(files.ca_file, ca[0])
    elif _server_cert_usable(files, ca[0], now):
        return files
    cert, key = _new_server_cert(ca, now)
    _write_key(files.key_file, key)
    _write_public(files.cert_file, cert)
    return files


def _load_ca(
    ca_file: Path, ca_key_file: Path, now: datetime.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    try:
        cert = x509.load_pem_x509_certificate(ca_file.read_bytes())
        key = serialization.load_pem_private_key(ca_key_file.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or cert.not_valid_after_utc - _RENEW_MARGIN < now:
        return None
    return cert, key


def _server_cert_usable(files: TlsFiles, ca_cert: x509.Certificate, now: datetime.datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
        serialization.load_pem_private_key(files.key_file.read_bytes(), password=None)
    except (OSError, ValueError):
        return False
    return cert.issuer == ca_cert.subject and cert.not_valid_after_utc - _RENEW_MARGIN > now


def _new_ca(now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gterm sandbox"),
            # A unique name per CA, so two sandboxes' CAs never look alike to a client.
            x509.NameAttribute(NameOID.COMMON_NAME, f"gterm sandbox CA {x509.random_serial_number():x}"[:64]),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _new_server_cert(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], now: datetime.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    alt_names += [x509.IPAddress(ipaddress.ip_address(name)) for name in SERVER_NAMES if name != "localhost"]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + _SERVER_LIFETIME, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_atomically(path, data, 0o600)


def _write_public(path: Path, cert: x509.Certificate) -> None:
    _write_atomically(path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    # Created with its final mode (a key is never readable by others, not even for a moment).
    tmp = path.with_name(path.name + ".tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)  # O_CREAT's mode applies only to a new file (and is masked by the umask)
    tmp.replace(path)

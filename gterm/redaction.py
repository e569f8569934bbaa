"""The one ``redact``: secrets out of anything gterm writes or shows.

Used by the debug log's formatter (every record, after it is rendered), by
the error vocabulary (server messages before they reach a user) and by the
CLI's one-line errors. Two complementary nets:

- patterns: ``Authorization`` headers and ``Bearer``/``Basic`` credentials,
  values of secret-named fields in JSON, form bodies and query strings
  (access_token, refresh_token, id_token, code, code_verifier,
  client_secret, ...), and long opaque credential-shaped runs (32+ url-safe
  characters mixing upper and lower case, as random tokens always do; UUIDs,
  paths and ordinary words stay readable);
- exact strings: the session registers every token it handles
  (:func:`register_secret`), which catches tokens in shapes no pattern expects.
"""

from __future__ import annotations

import re
import threading

REDACTED = "***"

_SECRET_FIELDS = (
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "code",
    "code_verifier",
    "client_secret",
    "password",
    "assertion",
)
_FIELDS = "|".join(_SECRET_FIELDS)
# In JSON, "code" is a Globus error code (ConsentRequired, ...), worth keeping.
_JSON_FIELDS = "|".join(f for f in _SECRET_FIELDS if f != "code")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "Authorization: Bearer xyz" (any scheme), then bare "Bearer xyz" / "Basic xyz".
    (re.compile(r"(?i)\b(authorization)\s*[:=]\s*(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"), rf"\1: \2 {REDACTED}"),
    (re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]+"), rf"\1 {REDACTED}"),
    # JSON / Python repr: "access_token": "value"  or 'access_token': 'value'
    (re.compile(rf"""(?i)(["'](?:{_JSON_FIELDS})["']\s*:\s*)(["'])[^"']*\2"""), rf"\1\2{REDACTED}\2"),
    # form bodies, query strings, key=value text: access_token=value
    (re.compile(rf"(?i)(\b(?:{_FIELDS})=)[^&\s\"',;]+"), rf"\1{REDACTED}"),
    # "access_token: value" and the like in prose
    (re.compile(r"(?i)\b((?:access|refresh|id)_token|client_secret|code_verifier)(\s*:\s*)[A-Za-z0-9._~+/=-]+"),
     rf"\1\2{REDACTED}"),
    # Any long opaque credential-looking run.
    (re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{32,}"
                r"(?![A-Za-z0-9_-])"), REDACTED),
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret (token, client secret) so it is redacted wherever it appears."""
    if value and len(value) >= 8:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every known secret and secret-shaped value replaced by ``***``."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text

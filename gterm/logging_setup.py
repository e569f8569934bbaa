"""The ``--debug`` log: everything gterm and the SDK log, with secrets removed.

Redaction happens in the formatter, after the whole record (message, args and
traceback) is rendered, so no logger anywhere (globus_sdk, urllib3, gterm) can
slip a token past it. Two complementary nets:

- patterns: ``Bearer``/``Basic`` credentials, and values of secret-named
  fields in JSON, form bodies and query strings (access_token, refresh_token,
  id_token, code, code_verifier, client_secret, ...);
- exact strings: the session registers every token it handles
  (``register_secret``), which catches tokens in shapes no pattern expects.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from pathlib import Path

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

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization headers, in any rendering.
    (re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]+"), rf"\1 {REDACTED}"),
    # JSON / Python repr: "access_token": "value"  or 'access_token': 'value'
    (re.compile(rf"""(?i)(["'](?:{_JSON_FIELDS})["']\s*:\s*)(["'])[^"']*\2"""), rf"\1\2{REDACTED}\2"),
    # form bodies, query strings, key=value text: access_token=value
    (re.compile(rf"(?i)(\b(?:{_FIELDS})=)[^&\s\"',;]+"), rf"\1{REDACTED}"),
]

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret (token, client secret) so it is redacted wherever it appears."""
    if value and len(value) >= 8:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every known secret and secret-shaped value replaced."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A Formatter whose every output line has passed through ``redact``."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatException(self, ei: object) -> str:  # noqa: N802 (logging's name)
        return redact(super().formatException(ei))  # type: ignore[arg-type]


_handler: logging.Handler | None = None
_saved_levels: dict[str, int] = {}


def setup_debug_log(path: Path) -> Path:
    """Send DEBUG logs of gterm, globus_sdk and urllib3 to ``path`` (0600), redacted."""
    global _handler
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    with contextlib.suppress(OSError):
        path.chmod(0o600)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    if _handler is not None:
        stop_debug_log()
    # Textual and asyncio are chatty and irrelevant to a session/transfer bug hunt.
    for name, level in (("", logging.DEBUG), ("asyncio", logging.WARNING), ("markdown_it", logging.WARNING)):
        logger = logging.getLogger(name)
        _saved_levels[name] = logger.level
        logger.setLevel(level)
    root.addHandler(handler)
    _handler = handler
    logging.getLogger("gterm").debug("debug log started")
    return path


def stop_debug_log() -> None:
    """Detach the debug log and put the logger levels back as they were."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None
    for name, level in _saved_levels.items():
        logging.getLogger(name).setLevel(level)
    _saved_levels.clear()

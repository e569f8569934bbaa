"""The debug log's redaction: patterns for secret-shaped values, and exact registered secrets."""

from __future__ import annotations

import logging
from pathlib import Path

from gterm.logging_setup import setup_debug_log, stop_debug_log
from gterm.redaction import REDACTED, redact, register_secret


def test_authorization_headers():
    assert redact("Authorization: Bearer abc.DEF-123_xyz") == f"Authorization: Bearer {REDACTED}"
    assert redact("basic Y2xpZW50OnNlY3JldA==") == f"basic {REDACTED}"


def test_json_and_repr_fields_but_not_error_codes():
    text = '{"access_token": "AT", "refresh_token": "RT", "id_token": "IT", "code": "ConsentRequired"}'
    out = redact(text)
    assert "AT" not in out.replace(REDACTED, "") and '"RT"' not in out and '"IT"' not in out
    assert '"code": "ConsentRequired"' in out
    assert "'client_secret': '" + REDACTED in redact("{'client_secret': 'shh'}")


def test_form_bodies_and_query_strings():
    out = redact("grant_type=refresh_token&refresh_token=RTvalue&client_id=c")
    assert "RTvalue" not in out and "client_id=c" in out
    out = redact("GET /cb?code=THECODE&state=s status_code=200")
    assert "THECODE" not in out and "state=s" in out and "status_code=200" in out
    assert "VERIFIER" not in redact("code_verifier=VERIFIER")


def test_registered_secrets_are_removed_in_any_shape():
    secret = "opaque-token-1234567890"
    register_secret(secret)
    register_secret("short")  # too short to be a token: ignored, never redacts common words
    out = redact(f"weird shape <{secret}> and {secret[:8]}")
    assert secret not in out
    assert "short" in redact("a short word")


def test_formatter_redacts_messages_args_and_tracebacks(tmp_path: Path):
    path = setup_debug_log(tmp_path / "debug.log")
    logger = logging.getLogger("gterm.test.redaction")
    try:
        logger.debug("token response %s", {"access_token": "LEAKY-ACCESS"})
        try:
            raise ValueError("refresh_token=LEAKY-REFRESH")
        except ValueError:
            logger.exception("failed")
    finally:
        stop_debug_log()
    text = path.read_text()
    assert "LEAKY" not in text
    assert "ValueError" in text and "failed" in text


def test_stopping_the_debug_log_restores_levels(tmp_path: Path):
    root = logging.getLogger()
    before = root.level
    setup_debug_log(tmp_path / "a.log")
    assert root.level == logging.DEBUG
    stop_debug_log()
    assert root.level == before
    assert not any(isinstance(h, logging.FileHandler) and h.baseFilename.endswith("a.log") for h in root.handlers)

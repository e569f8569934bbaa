"""The ``--debug`` log: everything gterm and the SDK log, with secrets removed.

Redaction happens in the formatter, after the whole record (message, args and
traceback) is rendered, so no logger anywhere (globus_sdk, urllib3, gterm) can
slip a token past it. The redaction is :func:`gterm.redaction.redact`, the one
gterm has: secret-shaped patterns and the exact secrets the session registered.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

from gterm.config import make_private_dir
from gterm.redaction import redact


class RedactingFormatter(logging.Formatter):
    """A Formatter whose every output line has passed through ``redact``."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatException(self, ei: object) -> str:  # noqa: N802 (logging's name)
        return redact(super().formatException(ei))  # type: ignore[arg-type]  # logging's exc-info type is private


class WarningLines(logging.Handler):
    """gterm's own warnings on stderr, each one line that says it is gterm's (``gterm: ...``), redacted.

    Without it, logging's last-resort handler printed them bare. stderr is looked up at each line, so a
    redirected one (a test's) is honoured.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(RedactingFormatter("gterm: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr)
        except (OSError, ValueError):  # a closed stderr must not end the command
            self.handleError(record)


def say_warnings() -> None:
    """Send gterm's warnings to stderr as ``gterm:`` lines (once, however often it is called)."""
    logger = logging.getLogger("gterm")
    if not any(isinstance(handler, WarningLines) for handler in logger.handlers):
        logger.addHandler(WarningLines())


_handler: logging.Handler | None = None
_saved_levels: dict[str, int] = {}


def setup_debug_log(path: Path) -> Path:
    """Send DEBUG logs of gterm, globus_sdk and urllib3 to ``path`` (0600), redacted."""
    global _handler
    make_private_dir(path.parent)
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

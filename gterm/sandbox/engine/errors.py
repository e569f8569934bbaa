"""What can go wrong in a task: aborts, per-file errors with Globus event codes, fatal errors."""

from __future__ import annotations

import errno


class TaskAborted(Exception):
    """Raised by the guard between chunks: reason is cancel, deadline or stop."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileError(Exception):
    """A per-file failure with a Globus event code; ``transient`` ones are retried."""

    def __init__(self, code: str, details: str, *, source_side: bool = False, transient: bool = False) -> None:
        super().__init__(details)
        self.code = code
        self.details = details
        self.source_side = source_side
        self.transient = transient


class FatalTaskError(Exception):
    def __init__(self, code: str, description: str, details: str = "") -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.details = details


_DESCRIPTIONS = {
    "FILE_NOT_FOUND": "file not found",
    "PERMISSION_DENIED": "permission denied",
    "CHECKSUM_MISMATCH": "checksum verification failed",
    "CONNECTION_RESET": "connection reset",
    "QUOTA_EXCEEDED": "quota exceeded",
    "NOT_A_FILE": "not a file",
    "NOT_A_DIRECTORY": "not a directory",
    "ENDPOINT_ERROR": "endpoint error",
}


def describe(code: str) -> str:
    return _DESCRIPTIONS.get(code, code.lower().replace("_", " "))


def classify_os_error(exc: OSError, path: str, *, source_side: bool) -> FileError:
    """Map an OSError to the Globus event code a GridFTP server would report."""
    code = {
        errno.ENOENT: "FILE_NOT_FOUND",
        errno.EACCES: "PERMISSION_DENIED",
        errno.EPERM: "PERMISSION_DENIED",
        errno.ELOOP: "PERMISSION_DENIED",  # O_NOFOLLOW met a symlink
        errno.ENOSPC: "QUOTA_EXCEEDED",
        errno.EDQUOT: "QUOTA_EXCEEDED",
        errno.EISDIR: "NOT_A_FILE",
        errno.ENOTDIR: "NOT_A_DIRECTORY",
    }.get(exc.errno or 0, "ENDPOINT_ERROR")
    side = "source" if source_side else "destination"
    details = f"Error on {side} path {path}: {exc.strerror or exc}"
    return FileError(code, details, source_side=source_side)


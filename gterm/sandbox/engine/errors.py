"""What can go wrong in a task: aborts, per-file errors with Globus event codes, fatal errors."""

from __future__ import annotations

import errno


class TaskAborted(Exception):
    """Raised by the guard between chunks: reason is cancel, deadline or stop."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileError(Exception):
    """A per-file failure with a Globus event code; ``transient`` ones are retried.

    ``reason`` (the file system's words, e.g. "No space left on device") lets a
    caller that knows the collection path retell the error with :meth:`at`:
    messages speak in collection paths, never in the host's.
    """

    def __init__(self, code: str, details: str, *, source_side: bool = False, transient: bool = False,
                 reason: str | None = None) -> None:
        super().__init__(details)
        self.code = code
        self.details = details
        self.source_side = source_side
        self.transient = transient
        self.reason = reason

    def at(self, path: str) -> FileError:
        """The same error told about ``path``, the collection path of the side that failed."""
        if self.reason is None:
            return self
        return FileError(self.code, _details(path, self.reason, self.source_side), source_side=self.source_side,
                         transient=self.transient, reason=self.reason)


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


def _details(path: str, reason: str, source_side: bool) -> str:
    return f"Error on {'source' if source_side else 'destination'} path {path}: {reason}"


def classify_os_error(exc: OSError, path: str, *, source_side: bool) -> FileError:
    """Map an OSError to the Globus event code a GridFTP server would report.

    ``path`` is shown in the message: a collection path, or a placeholder that the
    caller replaces with one (:meth:`FileError.at`). The OSError's own text is never
    used, since it names the host path.
    """
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
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "I/O error")
    return FileError(code, _details(path, reason, source_side), source_side=source_side, reason=reason)


"""A file on a collection as the viewer's byte source (``gterm.tui.text_pager.ByteSource``)."""

from __future__ import annotations

from typing import Literal

from gterm.globus.errors import CollectionGone, NotFound
from gterm.globus.https_access import HttpsFiles


class RemoteBytes:
    """Its size from one HEAD, ranged reads after.

    Each read's answer carries the file's size now (``Content-Range``): a size other than the one read
    so far, or the file gone (404), is what :meth:`changed` says next. Asking costs no request: a file
    rewritten at the same size is seen only when a read's size says so, which it cannot.
    """

    def __init__(self, files: HttpsFiles, path: str) -> None:
        self._files = files
        self._path = path
        self._size = files.stat(path).size
        self._change: Literal["changed", "deleted"] | None = None
        self._deleted = False

    @property
    def size(self) -> int:
        return self._size

    def read(self, offset: int, length: int) -> bytes:
        try:
            data, total = self._files.read_sized(self._path, offset, length)
            if total is None and offset < self._size:  # past the end of what the file was: it shrank
                total = self._files.stat(self._path).size
        except CollectionGone:
            raise
        except NotFound:
            if not self._deleted:
                self._size, self._change, self._deleted = 0, "deleted", True
            return b""
        if total is not None and (total != self._size or self._deleted):
            self._size, self._change, self._deleted = total, "changed", False
        return data

    def changed(self) -> Literal["changed", "deleted"] | None:
        change, self._change = self._change, None
        return change

    def close(self) -> None:
        self._files.close()

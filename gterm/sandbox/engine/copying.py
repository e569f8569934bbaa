"""Copy primitives: one file to a temporary name, with optional digests, throttling and faults.

Without checksums, throttling or fault injection the kernel copies
(``copy_file_range``, like coreutils ``cp``), in 64 MiB steps so cancel and
progress stay responsive. Otherwise data goes through 1 MiB buffers: the copy
loop hashes the source from the very buffer it writes (one read of the
source) and, for ``verify_checksum``, a second thread reads every written
chunk back from the destination file and hashes it -- the "read the
destination again" check Globus does, overlapped with the copy instead of
after it (hashlib releases the GIL, so both digests run at once). See
tests/perf/copy_vs_cp.py.
"""

from __future__ import annotations

import errno
import hashlib
import os
import queue
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from gterm.sandbox.engine.errors import FileError, classify_os_error

CHUNK = 1 << 20  # buffered copies and hashing (see _buffered_copy)
SMALL_FILE = 1 << 20  # at or below: copied in one go, without helper threads
KERNEL_STEP = 64 << 20  # one copy_file_range call; bounds the time between abort checks

# The temporary copy: read back through the same descriptor for verification.
OPEN_TEMPORARY = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC

Guard = Callable[[], None]


class Throttle:
    """Caps a task's bytes per second (sandbox ``--slow``); sleeps in short slices."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.started = time.monotonic()
        self.sent = 0

    def chunk_size(self) -> int:
        return max(16 << 10, min(CHUNK, self.rate // 10))

    def wait(self, n: int, guard: Guard) -> None:
        self.sent += n
        target = self.started + self.sent / self.rate
        while (delay := target - time.monotonic()) > 0:
            guard()
            time.sleep(min(delay, 0.05))


@dataclass
class Fault:
    """An injected transient failure: after ``at_byte`` bytes, fail or corrupt."""

    at_byte: int
    corrupt: bool  # flip a byte in the destination: only checksum verification catches it


class _ReadBack:
    """Verifies a destination by reading each written chunk back from the file and hashing it.

    Runs on its own thread next to the copy loop (which hashes the source from
    the very buffer it writes), so source and destination digests are computed
    on two cores at once; hashlib releases the GIL while hashing. Reads with
    ``pread`` on the destination's descriptor (which the copy loop does not
    own the offset of), so no path is opened again.
    """

    def __init__(self, fd: int, algorithm: str, chunk: int) -> None:
        self.digest = hashlib.new(algorithm)
        self._fd = fd
        self._view = memoryview(bytearray(chunk))
        self._queue: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gterm-verify", daemon=True)
        self._thread.start()

    def written(self, offset: int, length: int) -> None:
        self._queue.put((offset, length))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue
            offset, length = item
            try:
                while length > 0:
                    view = self._view[: min(length, len(self._view))]
                    n = os.preadv(self._fd, [view], offset)
                    if n <= 0:
                        raise OSError(errno.EIO, "short read verifying the destination")
                    self.digest.update(view[:n])
                    offset += n
                    length -= n
            except BaseException as exc:  # noqa: BLE001 - reported by finish()
                self._error = exc

    def finish(self) -> str:
        self.close()
        if self._error is not None:
            raise self._error
        return self.digest.hexdigest()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

@dataclass
class CopyResult:
    source_digest: str | None
    destination_digest: str | None


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        n = os.write(fd, data)
        data = data[n:]


def copy_file(
    src_fd: int,
    dst_fd: int,
    *,
    algorithm: str | None,
    verify: bool,
    throttle: Throttle | None,
    fault: Fault | None,
    guard: Guard,
    progress: Callable[[int], None],
    source: str = "(source)",
    destination: str = "(destination)",
) -> CopyResult:
    """Copy an open source into an open, empty destination (opened read-write: see OPEN_TEMPORARY).

    ``algorithm`` set: digest of the source as read. ``verify``: also a
    digest of the destination as read back from disk. ``source`` and
    ``destination`` are the collection paths errors speak of.
    """
    st = os.fstat(src_fd)
    if not stat.S_ISREG(st.st_mode):
        raise FileError("NOT_A_FILE", f"{source} is not a regular file", source_side=True,
                        reason="not a regular file")
    if algorithm is None and not verify and throttle is None and fault is None:
        _kernel_copy(src_fd, dst_fd, st.st_size, guard, progress, destination)
        return CopyResult(None, None)
    if st.st_size <= SMALL_FILE and throttle is None:
        return _small_copy(src_fd, dst_fd, st.st_size, algorithm=algorithm or "md5", verify=verify,
                           fault=fault, progress=progress, source=source, destination=destination)
    return _buffered_copy(
        src_fd, dst_fd, algorithm=algorithm or "md5", verify=verify, throttle=throttle, fault=fault,
        guard=guard, progress=progress, source=source, destination=destination,
    )


def _small_copy(
    src_fd: int,
    dst_fd: int,
    size: int,
    *,
    algorithm: str,
    verify: bool,
    fault: Fault | None,
    progress: Callable[[int], None],
    source: str,
    destination: str,
) -> CopyResult:
    """Whole-file copy for small files: no helper threads, one buffer (most files are small)."""
    chunks = []
    while True:
        try:
            data = os.read(src_fd, max(size, 1 << 16) + 1)
        except OSError as exc:
            raise classify_os_error(exc, source, source_side=True) from exc
        if not data:
            break
        chunks.append(data)
    data = b"".join(chunks)
    written = data
    if fault is not None:
        if not fault.corrupt or not data:
            raise FileError("CONNECTION_RESET",
                            f"Injected transient fault after {min(fault.at_byte, len(data))} bytes"
                            " (sandbox --fault-rate)", transient=True)
        bad = bytearray(data)
        bad[min(fault.at_byte, len(data) - 1)] ^= 0xFF
        written = bytes(bad)
    try:
        _write_all(dst_fd, memoryview(written))
    except OSError as exc:
        raise classify_os_error(exc, destination, source_side=False) from exc
    progress(len(data))
    source_digest = hashlib.new(algorithm, data).hexdigest()
    destination_digest = None
    if verify:
        back = os.pread(dst_fd, len(written) + 1, 0)  # read the destination back, as Globus does
        destination_digest = hashlib.new(algorithm, back).hexdigest()
    return CopyResult(source_digest, destination_digest)


def _kernel_copy(
    src_fd: int, dst_fd: int, size: int, guard: Guard, progress: Callable[[int], None], destination: str
) -> None:
    """Copy ``size`` bytes (the size at open: a file growing meanwhile is copied as it was)."""
    use_cfr = hasattr(os, "copy_file_range")
    copied = 0
    while copied < size:
        if copied:
            guard()
        try:
            if use_cfr:
                n = os.copy_file_range(src_fd, dst_fd, min(KERNEL_STEP, size - copied))
            else:
                n = os.sendfile(dst_fd, src_fd, None, min(KERNEL_STEP, size - copied))
        except OSError as exc:
            if exc.errno in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP) and use_cfr:
                use_cfr = False  # e.g. across filesystems on old kernels: sendfile still avoids userspace
                continue
            raise classify_os_error(exc, destination, source_side=False) from exc
        if n == 0:
            return  # the file shrank while being copied
        copied += n
        progress(n)


def _buffered_copy(
    src_fd: int,
    dst_fd: int,
    *,
    algorithm: str,
    verify: bool,
    throttle: Throttle | None,
    fault: Fault | None,
    guard: Guard,
    progress: Callable[[int], None],
    source: str,
    destination: str,
) -> CopyResult:
    # 1 MiB chunks: the chunk is hashed and written while still in the CPU cache
    # (4 MiB chunks measured ~25% more CPU on the reference VM).
    chunk = throttle.chunk_size() if throttle else CHUNK
    source_digest = hashlib.new(algorithm)
    readback = _ReadBack(dst_fd, algorithm, chunk) if verify else None
    view = memoryview(bytearray(chunk))
    offset = 0
    try:
        while True:
            guard()
            try:
                n = os.readv(src_fd, [view])
            except OSError as exc:
                raise classify_os_error(exc, source, source_side=True) from exc
            if n == 0:
                break
            data = view[:n]
            source_digest.update(data)
            if fault is not None and offset + n > fault.at_byte:
                if not fault.corrupt:
                    raise FileError(
                        "CONNECTION_RESET",
                        f"Injected transient fault after {offset} bytes (sandbox --fault-rate)",
                        transient=True,
                    )
                bad = bytearray(data)
                bad[fault.at_byte - offset] ^= 0xFF  # only verification can notice
                data = memoryview(bad)
                fault = None
            try:
                _write_all(dst_fd, data)
            except OSError as exc:
                raise classify_os_error(exc, destination, source_side=False) from exc
            if readback is not None:
                readback.written(offset, n)
            offset += n
            progress(n)
            if throttle is not None:
                throttle.wait(n, guard)
        if fault is not None:  # an empty file still gets its injected fault
            raise FileError("CONNECTION_RESET", "Injected transient fault (sandbox --fault-rate)", transient=True)
        return CopyResult(source_digest.hexdigest(), readback.finish() if readback is not None else None)
    finally:
        if readback is not None:
            readback.close()

def hash_file(fd: int, algorithm: str, guard: Guard) -> str:
    """Digest of an open file from its start (pread: the descriptor's offset is left alone)."""
    digest = hashlib.new(algorithm)
    offset = 0
    while True:
        guard()
        data = os.pread(fd, CHUNK, offset)
        if not data:
            return digest.hexdigest()
        digest.update(data)
        offset += len(data)

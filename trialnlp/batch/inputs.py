"""The batch's view of its inputs: their total size, a fingerprint, and bytes read so far.

A pre-pass over the expanded inputs (``expand_inputs``: directories walked, globs expanded,
in the order they are read) stats each file, without reading it, to learn the total size
(for an ETA) and a fingerprint of paths, sizes and modification times (for ``--resume``).
Reading then goes file by file through ``read_sources``, so the batch knows which file a
record came from; where ``/proc`` exists (Linux) it also knows how far into the current
file the reader is, so a single large JSONL shows its progress too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..readers import read_sources
from ..readers.inputs import STDIN, expand_inputs
from ..types import ReadError, SourceRecord

Inputs = Iterable[str | os.PathLike[str]]


@dataclass(frozen=True, slots=True)
class InputScan:
    files: int
    total_bytes: int | None  # None when standard input is among the inputs
    digest: str  # of every expanded input's path, size and mtime, in reading order
    has_stdin: bool


def scan_inputs(inputs: Inputs) -> InputScan:
    digest = hashlib.sha256()
    files, total, stdin = 0, 0, False
    for item in expand_inputs(inputs):
        if isinstance(item, ReadError):
            digest.update(f"error\0{item.source}\0{item.reason}\n".encode())
        elif item == STDIN:
            stdin = True
            digest.update(b"stdin\n")
        else:
            files += 1
            try:
                stat = Path(item).stat()
            except OSError as error:
                digest.update(f"unreadable\0{item}\0{error.strerror}\n".encode())
                continue
            total += stat.st_size
            digest.update(f"file\0{Path(item).resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n"
                          .encode("utf-8", "surrogateescape"))
    return InputScan(files, None if stdin else total, digest.hexdigest(), stdin)


class ByteProgress:
    """How many bytes of the inputs the reader has got through (``done()``)."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self._before = 0  # bytes of the files finished
        self._path: str | None = None
        self._size = 0
        self._fd: str | None = None
        self._last = 0

    def start_file(self, path: str) -> None:
        self.end_file()
        try:
            self._size = os.stat(path).st_size
            self._path = os.path.realpath(path)
        except OSError:
            self._size, self._path = 0, None
        self._fd = None

    def end_file(self) -> None:
        self._before += self._size
        self._size, self._path, self._fd = 0, None, None

    def done(self) -> int | None:
        if self.total is None:
            return None
        position = self._position() if self._path else None
        value = self._before + min(position or 0, self._size)
        self._last = max(self._last, min(value, self.total))
        return self._last

    def _position(self) -> int | None:
        """The OS file position of the reader's open handle on the current file (Linux)."""
        fd = self._fd if self._fd is not None and self._is_current(self._fd) else None
        if fd is None:
            try:
                fds = os.listdir("/proc/self/fd")
            except OSError:
                return None
            fd = next((f for f in fds if self._is_current(f)), None)
            self._fd = fd
        if fd is None:
            return None
        try:
            with open(f"/proc/self/fdinfo/{fd}", encoding="ascii") as info:
                for line in info:
                    if line.startswith("pos:"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            return None
        return None

    def _is_current(self, fd: str) -> bool:
        try:
            return os.readlink(f"/proc/self/fd/{fd}") == self._path
        except OSError:
            return False


def stream_records(
    inputs: Inputs, progress: ByteProgress | None = None, **read_options: Any
) -> Iterator[SourceRecord | ReadError]:
    """The same records as ``read_sources(inputs, **read_options)``, in the same order,
    read file by file so that ``progress`` follows along."""
    for item in expand_inputs(inputs):
        if isinstance(item, ReadError):
            yield item
            continue
        name = item if item == STDIN else str(item)
        if progress is not None and name != STDIN:
            progress.start_file(name)
        yield from read_sources([name], **read_options)
        if progress is not None:
            progress.end_file()

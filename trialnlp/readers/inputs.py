"""Turning user inputs (files, directories, globs, ``-``) into opened byte streams."""

from __future__ import annotations

import glob
import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..types import ReadError
from .detect import SUFFIX_FORMATS
from .encoding import HEAD_SIZE

STDIN = "-"
_GLOB_CHARS = frozenset("*?[")


@dataclass(slots=True)
class Opened:
    """An input ready to read: ``head`` holds its first bytes, ``stream`` starts at byte 0."""

    name: str
    stem: str
    suffix: str
    stream: BinaryIO
    head: bytes


def expand_inputs(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[Path | str | ReadError]:
    """Files to read in order: a Path, ``STDIN``, or a ReadError for an input that names none.

    Directories are walked (files with a known extension, hidden ones skipped); globs are
    expanded; both are sorted so that runs are reproducible.
    """
    for item in inputs:
        name = os.fspath(item)
        if name == STDIN:
            yield STDIN
            continue
        named = _named_paths(name)
        if isinstance(named, ReadError):
            yield named
            continue
        for path in named:
            yield from _walk(path) if path.is_dir() else (path,)


def _named_paths(name: str) -> list[Path] | ReadError:
    """What an input other than ``-`` names: a file or directory, or a glob's matches."""
    path = Path(name)
    if path.is_dir() or path.exists() or path.is_symlink():
        return [path]
    if _GLOB_CHARS & set(name):
        matches = sorted(glob.glob(name, recursive=True))
        return [Path(match) for match in matches] if matches else \
            ReadError(name, "no files match this pattern")
    return ReadError(name, "no such file or directory")


def _scan(root: Path) -> tuple[list[Path], list[Path]]:
    """The files under ``root`` that are read (a known extension), in order, and the
    others (hidden ones aside)."""
    found: list[tuple[tuple[str, ...], Path]] = []
    other: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [name for name in subdirs if not name.startswith(".")]
        for name in files:
            path = Path(directory, name)
            if name.startswith("."):
                continue
            if path.suffix.lower() in SUFFIX_FORMATS:
                found.append((path.relative_to(root).parts, path))
            else:
                other.append(path)
    return [path for _, path in sorted(found)], sorted(other)


def skipped_files(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files in the input directories that are not read (no known extension), so a
    run can say so: nothing is dropped unseen."""
    skipped: list[Path] = []
    for item in inputs:
        name = os.fspath(item)
        named = [] if name == STDIN else _named_paths(name)
        if isinstance(named, ReadError):
            continue  # (the run has an error row for it)
        for path in named:
            if path.is_dir():
                skipped.extend(_scan(path)[1])
    return skipped


def _walk(root: Path) -> Iterator[Path | ReadError]:
    found = _scan(root)[0]
    if not found:
        known = ", ".join(sorted(SUFFIX_FORMATS))
        yield ReadError(str(root), f"directory has no files with a known extension ({known})")
    yield from found


def read_head(stream: BinaryIO) -> bytes:
    """Up to HEAD_SIZE bytes (a pipe may deliver them in several pieces)."""
    parts: list[bytes] = []
    size = 0
    while size < HEAD_SIZE:
        chunk = stream.read(HEAD_SIZE - size)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def open_file(path: Path) -> Opened:
    """Open ``path`` for reading (the caller closes ``stream``); raises OSError."""
    stream = path.open("rb")
    try:
        head = read_head(stream)
        stream.seek(0)
    except OSError:
        stream.close()
        raise
    return Opened(str(path), path.stem, path.suffix, stream, head)


def open_stdin() -> Opened:
    """Standard input as bytes; its head is read ahead and replayed, so it still streams."""
    stdin = sys.stdin
    if stdin is None:
        raise OSError("there is no standard input")
    buffer = getattr(stdin, "buffer", None)
    source: BinaryIO = buffer if buffer is not None else io.BytesIO(stdin.read().encode("utf-8"))
    head = read_head(source)
    stream = io.BufferedReader(_Prefixed(head, source))
    return Opened("<stdin>", "stdin", "", stream, head)


class _Prefixed(io.RawIOBase):
    """``head`` followed by the rest of ``rest``: a non-seekable stream read ahead once."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        read = getattr(self._rest, "read1", self._rest.read)
        data = read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

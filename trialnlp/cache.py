"""The user cache of tables built from installed vocabularies (drug dictionary, ICD-10-CM
candidate index): where it lives, what keys it, and how a file is written so that a reader
never sees half of one."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path


def cache_dir() -> Path:
    """``$TRIALNLP_CACHE_DIR``, else ``$XDG_CACHE_HOME/trialnlp``, else ``~/.cache/trialnlp``."""
    explicit = os.environ.get("TRIALNLP_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trialnlp"


def package_version(distribution: str) -> str:
    """The installed version of ``distribution`` (``unknown`` where it has no metadata)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def write_atomically(path: Path, write: Callable[[Path], None], suffix: str = ".tmp") -> bool:
    """``write`` a temporary file beside ``path``, then move it into place; whether it was.

    Any OSError (a read-only home) is no error: the table is rebuilt next time.
    """
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}{suffix}")
        try:
            write(temporary)
            os.replace(temporary, path)
            return True
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink()
    return False

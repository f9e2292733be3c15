"""Fixtures for the batch tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import MIXED


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    """A private copy of the 30-record fixture (resume fingerprints look at mtimes)."""
    copy = tmp_path / "mixed.jsonl"
    copy.write_bytes(MIXED.read_bytes())
    return copy

"""Helpers shared by the reader tests: fixture paths and result filters."""

from __future__ import annotations

from pathlib import Path

from trialnlp.readers import read_sources
from trialnlp.types import ReadError, SourceRecord

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def fixture(name: str) -> Path:
    return FIXTURES / name


def read_all(*names: str, **options: str) -> list[SourceRecord | ReadError]:
    """Every result of reading the named fixtures."""
    return list(read_sources([fixture(name) for name in names], **options))


def records(*names: str, **options: str) -> list[SourceRecord]:
    """The records of the named fixtures; fails on any ReadError."""
    results = read_all(*names, **options)
    errors = [result for result in results if isinstance(result, ReadError)]
    assert not errors, errors
    return [result for result in results if isinstance(result, SourceRecord)]


def only(*names: str, **options: str) -> SourceRecord:
    found = records(*names, **options)
    assert len(found) == 1, found
    return found[0]


def errors_of(results: list[SourceRecord | ReadError]) -> list[ReadError]:
    return [result for result in results if isinstance(result, ReadError)]

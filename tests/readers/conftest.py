"""Fixtures for the reader tests."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable

import pytest


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], None]:
    """Call with bytes to make them the process's standard input."""

    def feed(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", _Stdin(data))

    return feed

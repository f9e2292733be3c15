"""Memory stays flat over a long input (slow: thousands of records through 2 workers).

Memory is PSS (proportional set size): the workers fork from a server that has built the
pipeline and share most of its pages, which a sum of RSS would count once per process.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from trialnlp.batch import run_batch

from .helpers import write_records

psutil = pytest.importorskip("psutil")
MIB = 1024 * 1024


def _pss(process) -> int:
    try:
        return process.memory_full_info().pss
    except (psutil.Error, AttributeError):
        return 0


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PSS is read from /proc")
def test_memory_is_flat_over_a_long_run(tmp_path: Path) -> None:
    data = write_records(tmp_path / "long.jsonl", 8000)
    me = psutil.Process()
    samples: list[tuple[int, int, int]] = []

    def sample(state) -> None:
        if state.records % 640 == 0:
            workers = sum(_pss(child) for child in me.children(recursive=True))
            samples.append((state.records, _pss(me), workers))

    summary = run_batch([data], tmp_path / "out", jobs=2, chunk_size=64, on_progress=sample)
    assert summary.trials == 8000
    quarter = next(s for s in samples if s[0] >= 2000)
    last = samples[-1]
    assert last[1] - quarter[1] < 30 * MIB, (quarter, last)  # the main process
    assert last[2] - quarter[2] < 60 * MIB, (quarter, last)  # workers + fork server
    assert max(s[1] + s[2] for s in samples) < 1536 * MIB, samples

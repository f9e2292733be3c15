"""Large batch files stream: memory stays flat however many records they hold."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest

from trialnlp.readers import read_sources
from trialnlp.types import SourceRecord


def _write_jsonl(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            record = {
                "nct_id": f"NCT{number:08d}",
                "criteria": "Inclusion Criteria:\n  - adults aged 18 years or older",
                "gender": "All",
                "minimum_age": "18 Years",
            }
            handle.write(json.dumps(record) + "\n")


def _write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("nct_id,criteria,gender\n")
        for number in range(count):
            handle.write(f'NCT{number:08d},"Inclusion:\n- adults, aged 18+",All\n')


def _peak_while_reading(path: Path) -> tuple[int, int]:
    """(records read, peak traced bytes) for one pass that keeps no records."""
    tracemalloc.start()
    try:
        count = 0
        for result in read_sources([path]):
            assert isinstance(result, SourceRecord)
            count += 1
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("writer", [_write_jsonl, _write_csv])
def test_memory_does_not_grow_with_the_file(tmp_path: Path, writer: object) -> None:
    suffix = ".jsonl" if writer is _write_jsonl else ".csv"
    small, large = tmp_path / f"small{suffix}", tmp_path / f"large{suffix}"
    writer(small, 1_000)  # type: ignore[operator]
    writer(large, 10_000)  # type: ignore[operator]
    _, small_peak = _peak_while_reading(small)
    count, large_peak = _peak_while_reading(large)
    assert count == 10_000
    assert large_peak < small_peak + 64 * 1024, (small_peak, large_peak)
    assert large_peak < large.stat().st_size / 2


def _rss_bytes() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
def test_a_million_line_jsonl_streams_with_flat_memory(tmp_path: Path) -> None:
    if _rss_bytes() is None:
        pytest.skip("needs /proc/self/statm to watch memory")
    path = tmp_path / "million.jsonl"
    _write_jsonl(path, 1_000_000)
    count = 0
    baseline = 0
    last = None
    try:
        for result in read_sources([path]):
            last = result
            count += 1
            if count == 10_000:
                baseline = _rss_bytes() or 0
        growth = (_rss_bytes() or 0) - baseline
        size = path.stat().st_size
    finally:
        path.unlink()  # 140 MB: do not leave it in pytest's kept temp directories
    assert count == 1_000_000
    assert isinstance(last, SourceRecord) and last.trial_id == "NCT00999999"
    assert growth < 20 * 1024 * 1024, f"memory grew by {growth / 1e6:.1f} MB"
    assert size > 100 * 1024 * 1024  # loading it whole would show

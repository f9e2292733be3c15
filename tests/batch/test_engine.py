"""Output order and content do not depend on --jobs; records in == rows out; streaming."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import pandas as pd
import pytest
from spacy.language import Language

import trialnlp
from trialnlp.batch import iter_trials, run_batch, start_method
from trialnlp.batch.engine import ProcessEngine, chunked, make_engine
from trialnlp.batch.worker import process_items
from trialnlp.errors import TrialnlpError, UsageError
from trialnlp.export import write_trials
from trialnlp.readers import read_sources
from trialnlp.types import SourceRecord

from .helpers import ERROR_LINES, MIXED, N_MIXED, read_bytes


def _trials_csv(folder: Path) -> list[dict[str, str]]:
    with (folder / "trials.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_jobs_1_and_2_write_byte_identical_files(tmp_path: Path) -> None:
    one = run_batch([MIXED], tmp_path / "one", jobs=1, chunk_size=4)
    two = run_batch([MIXED], tmp_path / "two", jobs=2, chunk_size=4)
    assert read_bytes(tmp_path / "one") == read_bytes(tmp_path / "two")
    assert one.counts() == two.counts()
    assert (one.trials, one.errors) == (N_MIXED, len(ERROR_LINES))
    # records in == rows out, in input order, errors where their records were
    rows = _trials_csv(tmp_path / "two")
    assert len(rows) == N_MIXED
    assert [r["status"] == "error" for r in rows] == [
        i + 1 in ERROR_LINES for i in range(N_MIXED)]
    assert "line 12" in rows[11]["source"] and "invalid JSON" in rows[11]["error"]
    assert rows[19]["trial_id"] == "NCT90000019" and "must be text" in rows[19]["error"]
    assert rows[23]["status"] == "ok" and "no criteria field" in rows[23]["warnings"]
    expected_ids = [json.loads(line)["nct_id"] for i, line in
                    enumerate(MIXED.read_text(encoding="utf-8").splitlines()) if i != 11]
    assert [r["trial_id"] for i, r in enumerate(rows) if i != 11] == expected_ids


@pytest.mark.parametrize("name", ["dir", "out.jsonl", "out.json", "out.parquet"])
def test_batch_files_equal_the_plain_writers(tmp_path: Path, name: str) -> None:
    """Workers render the rows; the files are those write_trials makes from Trials."""
    inputs = [MIXED]
    write_trials(trialnlp.extract_many(inputs), tmp_path / "plain" / name)
    run_batch(inputs, tmp_path / "batch" / name, jobs=2, chunk_size=4)
    if name.endswith(".parquet"):
        for table in ("trials", "criteria", "constraints"):
            suffix = "" if table == "criteria" else f".{table}"
            assert pd.read_parquet(tmp_path / "batch" / f"out{suffix}.parquet").equals(
                pd.read_parquet(tmp_path / "plain" / f"out{suffix}.parquet"))
        return
    assert read_bytes(tmp_path / "batch") == read_bytes(tmp_path / "plain")


def test_parallel_trials_equal_the_single_process_api(seed_paths) -> None:
    inputs = [*seed_paths, MIXED]
    expected = list(trialnlp.extract_many(inputs))
    records = read_sources(inputs)
    got = list(iter_trials(records, jobs=2, chunk_size=3))
    assert got == expected  # dataclass equality: every field, text included


@pytest.mark.parametrize("chunk_size", [1, 7, 64])
def test_chunk_size_changes_nothing(tmp_path: Path, chunk_size: int) -> None:
    run_batch([MIXED], tmp_path / "ref.jsonl", jobs=1)
    run_batch([MIXED], tmp_path / "out.jsonl", jobs=1, chunk_size=chunk_size)
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == N_MIXED


def test_recycled_workers_change_nothing(seed_paths) -> None:
    """Fresh worker processes every 2 chunks: the same trials, in the same order."""
    inputs = [*seed_paths, MIXED]
    expected = list(trialnlp.extract_many(inputs))
    engine = ProcessEngine(2, recycle_after=2)
    try:
        got = [t for chunk in engine.map_chunks(chunked(read_sources(inputs), 3)) for t in chunk]
    finally:
        engine.close()
    assert got == expected
    assert len(engine.retired) == 5  # 12 chunks, 2 per set of workers


def test_workers_pull_records_lazily() -> None:
    """An endless input: taking 10 trials reads only a bounded number of records."""
    pulled = 0

    def endless():
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield SourceRecord(f"Inclusion Criteria:\n- item {i}", f"gen#{i}", "text", f"T{i}")

    trials = iter_trials(endless(), jobs=2, chunk_size=4)
    first = list(itertools.islice(trials, 10))
    trials.close()
    assert [t.trial_id for t in first] == [f"T{i}" for i in range(10)]
    assert pulled <= 4 * (2 * 2 + 2)  # chunk_size * (max in flight + the two looked ahead)


def test_a_record_that_breaks_the_pipeline_becomes_an_error_row() -> None:
    nlp = trialnlp.build_pipeline()

    @Language.component("test_batch_boom")
    def boom(doc):
        if "BOOM" in doc.text:
            raise RuntimeError("component exploded")
        return doc

    nlp.add_pipe("test_batch_boom")
    items = [SourceRecord(t, f"s{i}", "text", f"T{i}") for i, t in
             enumerate(["- fine", "- BOOM here", "- also fine"])]
    trials = process_items(items, nlp)
    assert [t.status for t in trials] == ["ok", "error", "ok"]
    assert trials[1].trial_id == "T1" and "RuntimeError: component exploded" in trials[1].error


def test_small_inputs_start_no_workers(tmp_path: Path, monkeypatch) -> None:
    def no_workers(*args, **kwargs):
        raise AssertionError("a pool was started for a single chunk")

    monkeypatch.setattr("trialnlp.batch.engine.ProcessEngine", no_workers)
    summary = run_batch([MIXED], tmp_path / "o", jobs=2, chunk_size=64)
    assert summary.trials == N_MIXED


def test_bad_options_are_clear() -> None:
    with pytest.raises(UsageError, match="unknown engine"):
        make_engine("spark", 2)
    with pytest.raises(UsageError, match="at least 1"):
        make_engine("process", 0)
    with pytest.raises(UsageError, match="--scheduler goes with --engine dask"):
        make_engine("process", 2, scheduler="tcp://localhost:8786")
    with pytest.raises(TrialnlpError, match="unknown format 'yaml'"):
        run_batch([MIXED], None, input_format="yaml")


def test_start_method_is_not_fork() -> None:
    assert start_method() in ("forkserver", "spawn")

"""Interrupted runs leave valid files, and --resume finishes them as if never interrupted."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from trialnlp.batch import BatchInterrupted, run_batch
from trialnlp.batch.resume import load, progress_path
from trialnlp.errors import TrialnlpError

from .helpers import N_MIXED, StopAfter, read_bytes


def _interrupt(mixed: Path, out: Path, chunks: int = 3, **options) -> int:
    with pytest.raises(BatchInterrupted) as stop:
        run_batch([mixed], out, chunk_size=4, on_progress=StopAfter(chunks), **options)
    return stop.value.summary.trials


@pytest.mark.parametrize("name", ["dir", "out.csv", "out.jsonl", "out.json"])
def test_resume_equals_an_uninterrupted_run(tmp_path: Path, mixed: Path, name: str) -> None:
    run_batch([mixed], tmp_path / "ref" / name, jobs=1)
    out = tmp_path / "run" / name
    written = _interrupt(mixed, out, jobs=1)
    assert written == 12
    directory = name == "dir"
    state = load(progress_path(out, directory))
    assert state is not None and state.records == 12 and not state.complete
    # what an interrupted run leaves is valid as it is
    if name == "out.json":
        assert len(json.loads(out.read_text(encoding="utf-8"))) == 12
    elif name == "out.jsonl":
        assert len([json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]) == 12
    else:
        trials = out / "trials.csv" if directory else out.with_name("out.trials.csv")
        with trials.open(encoding="utf-8-sig", newline="") as handle:
            assert len(list(csv.DictReader(handle))) == 12
    summary = run_batch([mixed], out, jobs=1, resume=True)
    assert summary.resumed_from == 12 and summary.processed == N_MIXED - 12
    assert summary.trials == N_MIXED and summary.errors == 2 and summary.complete
    assert read_bytes(tmp_path / "run") == read_bytes(tmp_path / "ref")


def test_resume_after_a_hard_kill_drops_rows_past_the_checkpoint(tmp_path, mixed) -> None:
    run_batch([mixed], tmp_path / "ref", jobs=1)
    out = tmp_path / "run"
    _interrupt(mixed, out, chunks=2, jobs=1)
    # A kill -9 between a flush and the next checkpoint leaves extra (even half) rows.
    for name in ("trials.csv", "criteria.csv"):
        with (out / name).open("a", encoding="utf-8", newline="") as handle:
            handle.write('NCT_PARTIAL,"half a row')
    run_batch([mixed], out, jobs=2, chunk_size=4, resume=True)  # other --jobs: same output
    assert read_bytes(out) == read_bytes(tmp_path / "ref")


def test_resume_parquet(tmp_path: Path, mixed: Path) -> None:
    run_batch([mixed], tmp_path / "ref", out_format="parquet", jobs=1)
    out = tmp_path / "run"
    _interrupt(mixed, out, out_format="parquet", jobs=1)
    assert len(pd.read_parquet(out / "trials.parquet")) == 12  # closed cleanly: readable
    run_batch([mixed], out, out_format="parquet", jobs=1, resume=True)
    for table in ("trials", "criteria", "constraints"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{table}.parquet"),
                                      pd.read_parquet(tmp_path / "ref" / f"{table}.parquet"))


def test_resume_refuses_changed_inputs(tmp_path: Path, mixed: Path) -> None:
    out = tmp_path / "run"
    _interrupt(mixed, out, jobs=1)
    with mixed.open("a", encoding="utf-8") as handle:
        handle.write('{"nct_id": "NCT_NEW", "criteria": "- new"}\n')
    with pytest.raises(TrialnlpError, match="differ"):
        run_batch([mixed], out, jobs=1, resume=True)
    with pytest.raises(TrialnlpError, match="differ"):
        run_batch([mixed], out, jobs=1, resume=True, text_field="criteria")


def test_resume_of_a_finished_or_missing_run(tmp_path: Path, mixed: Path) -> None:
    fresh = run_batch([mixed], tmp_path / "new", jobs=1, resume=True)  # nothing to resume
    assert fresh.trials == N_MIXED and fresh.resumed_from == 0
    again = run_batch([mixed], tmp_path / "new", jobs=1, resume=True)
    assert again.already_complete and again.trials == N_MIXED and again.processed == 0


def test_resume_needs_a_file_output(tmp_path: Path, mixed: Path) -> None:
    with pytest.raises(TrialnlpError, match="--resume needs -o"):
        run_batch([mixed], None, resume=True)
    with pytest.raises(TrialnlpError, match="--resume needs -o"):
        run_batch([mixed], tmp_path / "o.xlsx", resume=True)

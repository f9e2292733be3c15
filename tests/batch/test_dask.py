"""The Dask engine and map_dask, on a LocalCluster of one in-process worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import trialnlp
from trialnlp.batch import map_dask, run_batch
from trialnlp.trial import COLUMNS

from .helpers import MIXED, N_MIXED, read_bytes

distributed = pytest.importorskip("distributed")
dask_bag = pytest.importorskip("dask.bag")
dask_dataframe = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as connected:
        yield connected


def _records() -> list[dict]:
    lines = MIXED.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for i, line in enumerate(lines[:10]) if i != 11]


def test_engine_dask_writes_what_the_process_engine_writes(tmp_path: Path, cluster) -> None:
    run_batch([MIXED], tmp_path / "ref", jobs=1)
    summary = run_batch([MIXED], tmp_path / "dask", engine="dask",
                        scheduler=cluster.scheduler_address, chunk_size=8)
    assert summary.trials == N_MIXED
    assert read_bytes(tmp_path / "dask") == read_bytes(tmp_path / "ref")


def test_map_dask_over_a_bag_of_records(client) -> None:
    records = _records()
    bag = dask_bag.from_sequence([*records, "Inclusion Criteria:\n- text alone", 42],
                                 npartitions=3)
    trials = map_dask(bag).compute()
    expected = [trialnlp.extract(r) for r in records]
    assert [t.trial_id for t in trials[:len(records)]] == [t.trial_id for t in expected]
    for trial, single in zip(trials, expected, strict=False):  # + 2 non-records
        assert [c.to_dict() for c in trial.criteria] == [c.to_dict() for c in single.criteria]
    assert trials[0].source == "partition 0 #1"
    assert trials[-2].criteria[0].text == "text alone"
    assert trials[-1].status == "error" and "got int" in trials[-1].error
    rows = map_dask(bag, table="criteria").compute()
    assert len(rows) == sum(len(t.rows("criteria")) for t in trials)


def test_map_dask_over_a_dataframe(client) -> None:
    frame = pd.DataFrame(_records())[["nct_id", "criteria", "gender", "minimum_age"]]
    frame = frame.rename(columns={"criteria": "eligibility", "nct_id": "trial"})
    ddf = dask_dataframe.from_pandas(frame, npartitions=2)
    criteria = map_dask(ddf, text_column="eligibility", id_column="trial")
    assert list(criteria.columns) == list(COLUMNS["criteria"])
    result = criteria.compute()
    expected = [row for r in _records() for row in trialnlp.extract(r).rows("criteria")]
    assert result["text"].tolist() == [row["text"] for row in expected]
    assert result["trial_id"].tolist() == [row["trial_id"] for row in expected]
    trials = map_dask(ddf, "eligibility", "trial", table="trials").compute()
    assert len(trials) == len(frame)
    assert trials["sex"].tolist() == [r["gender"].lower() for r in _records()]


@pytest.mark.slow
def test_engine_dask_on_worker_processes(tmp_path: Path) -> None:
    """Worker processes load their own pipeline; only plain data travels."""
    run_batch([MIXED], tmp_path / "ref.jsonl", jobs=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        run_batch([MIXED], tmp_path / "dask.jsonl", engine="dask",
                  scheduler=local.scheduler_address, chunk_size=8)
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "ref.jsonl").read_bytes()


@pytest.mark.slow
def test_cli_engine_dask_starts_a_local_cluster(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trialnlp.cli import app

    run_batch([MIXED], tmp_path / "ref.jsonl", jobs=1)
    result = CliRunner().invoke(app, ["extract", str(MIXED), "-o", str(tmp_path / "d.jsonl"),
                                      "--engine", "dask", "-j", "1", "--chunk-size", "8"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d.jsonl").read_bytes() == (tmp_path / "ref.jsonl").read_bytes()


def test_dask_engine_and_map_dask_take_the_model_mode_and_size_limit(tmp_path: Path,
                                                                      cluster, client) -> None:
    from .test_options import LONG, MODEL_ROWS, MODES_TEXT, _model_rows, _write

    data = _write(tmp_path / "in.jsonl", [MODES_TEXT, LONG, "- adults"] * 3)
    options = {"model": "all", "max_chars": 700}
    run_batch([data], tmp_path / "ref", jobs=1, **options)
    summary = run_batch([data], tmp_path / "dask", engine="dask", chunk_size=2,
                        scheduler=cluster.scheduler_address, **options)
    assert (summary.trials, summary.errors) == (9, 3)
    assert read_bytes(tmp_path / "dask") == read_bytes(tmp_path / "ref")

    bag = dask_bag.from_sequence([MODES_TEXT, LONG], npartitions=2)
    for mode, rows in MODEL_ROWS.items():
        trials = map_dask(bag, model=mode, max_chars=700).compute()
        assert _model_rows(trials[0]) == rows
        assert trials[1].status == "error" and "over the limit of 700" in trials[1].error
    frame = dask_dataframe.from_pandas(
        pd.DataFrame({"nct_id": ["A", "B"], "criteria": [MODES_TEXT, LONG]}), npartitions=1)
    constraints = map_dask(frame, table="constraints", model="off").compute()
    assert set(constraints["source"]) == {"rule"}
    trials = map_dask(frame, table="trials", max_chars=700).compute()
    assert trials["status"].tolist() == ["ok", "error"]

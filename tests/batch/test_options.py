"""The model mode (--model) and size limit (--max-chars) through the API and the engines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import trialnlp
from trialnlp.batch import BatchInterrupted, iter_trials, record_to_dict, run_batch
from trialnlp.batch.worker import ParseOptions, run_chunk
from trialnlp.errors import TrialnlpError, UsageError
from trialnlp.pipeline import build_pipeline, parse_records
from trialnlp.types import SourceRecord

from .helpers import StopAfter, read_bytes

# What each mode adds (found with the shipped model): a value the rules tie to nothing
# (exc.1), a criterion where rules find nothing (exc.2), one where they find something and
# the model something else (exc.3).
MODES_TEXT = ("Exclusion Criteria:\n- Westley croup score 3-11\n- Kawasaki syndrome\n"
              "- Chronic plantar fasciitis or Kawasaki syndrome")
MODEL_ROWS = {
    "off": [],
    "values": [("exc.1", "Westley croup score 3-11")],
    "gaps": [("exc.1", "Westley croup score 3-11"), ("exc.2", "Kawasaki syndrome")],
    "all": [("exc.1", "Westley croup score 3-11"), ("exc.2", "Kawasaki syndrome"),
            ("exc.3", "Kawasaki syndrome")],
}
LONG = "Inclusion Criteria:\n- " + "adults over eighteen years of age; " * 20  # 722 characters


def _model_rows(trial: trialnlp.Trial) -> list[tuple[str | None, str]]:
    return [(c.criterion_id, c.text) for c in trial.iter_constraints() if c.source == "model"]


def _write(path: Path, texts: list[str]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"nct_id": f"NCT{i:08d}", "criteria": text}) + "\n")
    return path


@pytest.mark.parametrize("mode", list(MODEL_ROWS))
def test_each_model_mode_adds_what_it_should(mode: str) -> None:
    trial = trialnlp.extract(MODES_TEXT, model=mode)
    assert _model_rows(trial) == MODEL_ROWS[mode]
    # The rules' own output never changes, but for their last resort: a value nothing
    # named gets the words before it as a free-text subject where the model does not run.
    free = [("exc.1", "Westley croup score 3-11")] if mode == "off" else []
    assert [(c.criterion_id, c.text) for c in trial.iter_constraints() if c.source == "rule"] \
        == [*free, ("exc.3", "plantar fasciitis")]
    (batched,) = iter_trials([SourceRecord(MODES_TEXT, "s", "text", "T")], jobs=1, model=mode)
    assert _model_rows(batched) == MODEL_ROWS[mode]


def test_build_pipeline_takes_the_mode() -> None:
    nlp = build_pipeline(model="off")
    assert nlp.get_pipe("trialnlp_constraints").model == "off"
    assert _model_rows(trialnlp.extract(MODES_TEXT, nlp=nlp)) == []
    # A per-call mode overrides the pipeline's, for that call only.
    assert _model_rows(trialnlp.extract(MODES_TEXT, nlp=nlp, model="values")) == \
        MODEL_ROWS["values"]
    assert nlp.get_pipe("trialnlp_constraints").model == "off"


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one of off, values, gaps, all"):
        build_pipeline(model="fast")
    with pytest.raises(ValueError, match="model='fast'"):
        trialnlp.extract(MODES_TEXT, model="fast")
    with pytest.raises(UsageError, match="model='fast'"):
        run_batch([], None, model="fast")


def test_jobs_1_and_2_write_the_same_bytes_with_a_non_default_mode(tmp_path: Path) -> None:
    data = _write(tmp_path / "in.jsonl", [MODES_TEXT, LONG, "Inclusion Criteria:\n- adults"] * 4)
    for jobs in (1, 2):
        summary = run_batch([data], tmp_path / f"jobs{jobs}", jobs=jobs, chunk_size=3,
                            model="all", max_chars=700)
        assert (summary.trials, summary.errors) == (12, 4)
    assert read_bytes(tmp_path / "jobs1") == read_bytes(tmp_path / "jobs2")
    with (tmp_path / "jobs2" / "constraints.csv").open(encoding="utf-8-sig") as handle:
        rows = [(r["trial_id"], r["criterion_id"]) for r in csv.DictReader(handle)
                if r["source"] == "model"]
    assert ("NCT00000009", "exc.3") in rows  # only "all" reads exc.3
    run_batch([data], tmp_path / "gaps", jobs=1, chunk_size=3, max_chars=700)
    assert read_bytes(tmp_path / "gaps") != read_bytes(tmp_path / "jobs1")


def test_a_record_over_max_chars_is_an_error_row(tmp_path: Path) -> None:
    data = _write(tmp_path / "in.jsonl", ["Inclusion Criteria:\n- adults", LONG, "- consent"])
    for jobs in (1, 2):
        summary = run_batch([data], tmp_path / f"o{jobs}", jobs=jobs, chunk_size=1,
                            max_chars=500)
        assert (summary.trials, summary.errors) == (3, 1)
        with (tmp_path / f"o{jobs}" / "trials.csv").open(encoding="utf-8-sig") as handle:
            trials = list(csv.DictReader(handle))
        assert [t["status"] for t in trials] == ["ok", "error", "ok"]
        assert trials[1]["trial_id"] == "NCT00000001"
        assert trials[1]["error"] == (
            "text is 722 characters, over the limit of 500 per record; split the record or "
            "raise the limit with --max-chars")
    assert read_bytes(tmp_path / "o1") == read_bytes(tmp_path / "o2")
    # The default limit (1,000,000 characters) lets it through.
    assert run_batch([data], tmp_path / "default", jobs=1).errors == 0


def test_the_limit_is_checked_before_the_text_is_tokenized() -> None:
    nlp = build_pipeline(("trialnlp_sections", "trialnlp_criteria"))
    tokenized: list[int] = []
    tokenizer = nlp.tokenizer

    def spy(text: str):
        tokenized.append(len(text))
        return tokenizer(text)

    nlp.tokenizer = spy
    records = [SourceRecord(LONG, "a", "text", "A"), SourceRecord("- adults", "b", "text", "B")]
    trials = list(parse_records(records, nlp, max_chars=500))
    assert [t.status for t in trials] == ["error", "ok"]
    assert tokenized == [8]
    # A limit above nlp.max_length raises it for the call (spaCy's own check is skipped).
    nlp.max_length = 100
    assert [t.status for t in parse_records(records, nlp, max_chars=1000)] == ["ok", "ok"]
    assert [t.status for t in parse_records(records, nlp)] == ["error", "ok"]


def test_worker_entry_point_applies_the_options() -> None:
    chunk = [record_to_dict(SourceRecord(MODES_TEXT, "s", "text", "T")),
             record_to_dict(SourceRecord(LONG, "l", "text", "L"))]
    encoded = run_chunk(chunk, None, None, ParseOptions(model="off", max_chars=500))
    assert [data[8] for data in encoded] == ["ok", "error"]  # the codec's status field
    # Over-long records are turned into errors where they are read, before being sent.
    limited = ParseOptions(max_chars=500).limit(SourceRecord(LONG, "l", "text", "L"))
    assert "over the limit of 500" in limited.reason
    assert ParseOptions().limit(SourceRecord(LONG, "l", "text", "L")).text == LONG
    with pytest.raises(ValueError):
        ParseOptions(max_chars=0)


@pytest.mark.parametrize(("first", "second", "named"), [
    ({}, {"model": "off"}, "--model was 'gaps', now 'off'"),
    ({"model": "all"}, {}, "--model was 'all', now 'gaps'"),
    ({}, {"max_chars": 500}, "--max-chars was 1000000, now 500"),
])
def test_resume_with_other_options_is_refused(tmp_path: Path, mixed: Path, first: dict,
                                              second: dict, named: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(BatchInterrupted):
        run_batch([mixed], out, chunk_size=4, on_progress=StopAfter(2), jobs=1, **first)
    with pytest.raises(TrialnlpError, match="cannot resume") as refused:
        run_batch([mixed], out, chunk_size=4, jobs=1, resume=True, **second)
    assert named in str(refused.value)
    # The same options (the default spelled out counts as the same) resume.
    same = {"model": "gaps", **first}
    summary = run_batch([mixed], out, chunk_size=4, jobs=1, resume=True, **same)
    assert summary.resumed_from == 8 and summary.complete


def test_model_batching_and_cache_change_nothing() -> None:
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    records = [SourceRecord(p.read_text(encoding="utf-8"), p.name, "text", p.stem)
               for p in sorted(seeds.glob("*.txt"))]
    records.append(SourceRecord(MODES_TEXT, "m", "text", "M"))
    one_by_one = [t.to_dict() for t in parse_records(records, build_pipeline(), batch_size=1)]
    nlp = build_pipeline()
    builder = nlp.get_pipe("trialnlp_constraints")
    builder.cache_size = 5  # most texts are evicted and read again
    for _ in range(2):
        assert [t.to_dict() for t in parse_records(records, nlp, batch_size=64)] == one_by_one
    assert len(builder._cache) == 5
    assert sum(1 for t in one_by_one for c in t["criteria"] for k in c["constraints"]
               if k["source"] == "model") > 5

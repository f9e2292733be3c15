from __future__ import annotations

import json

import pytest

import trialnlp
from trialnlp.trial import COLUMNS


def test_extract_from_string() -> None:
    trial = trialnlp.extract("Inclusion Criteria:\n* Age 18 to 75 years\n* ECOG 0-1\n", trial_id="T1")
    assert trial.trial_id == "T1"
    assert [c.text for c in trial.criteria] == ["Age 18 to 75 years", "ECOG 0-1"]
    frame = trial.to_frame("criteria")
    assert list(frame.columns) == list(COLUMNS["criteria"])
    assert frame["text"].tolist() == ["Age 18 to 75 years", "ECOG 0-1"]
    assert trial.to_frame("trials").loc[0, "n_inclusion"] == 2
    constraints = trial.to_frame("constraints")
    assert constraints[["kind", "op", "value", "value_max"]].values.tolist() == [
        ["age", "between", 18.0, 75.0], ["score", "between", 0.0, 1.0]]


def test_extract_from_ctgov_v2_record() -> None:
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT01234567"},
        "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* Woman ≥ 18 years\n"
                              "\nExclusion Criteria:\n\n* Pregnancy\n  * or lactation",
                              "sex": "FEMALE", "minimumAge": "18 Years", "healthyVolunteers": False}}}
    trial = trialnlp.extract(study)
    assert trial.trial_id == "NCT01234567"
    assert trial.structured.sex == "female" and trial.structured.healthy_volunteers is False
    assert [c.path for c in trial.iter_criteria()] == ["1", "1", "1.1"]
    data = json.loads(json.dumps(trial.to_dict()))
    assert data["criteria"][1]["children"][0]["text"] == "or lactation"


def test_extract_many_is_lazy_and_keeps_errors(tmp_path) -> None:
    good = tmp_path / "a.txt"
    good.write_text("Inclusion Criteria:\n- adults\n", encoding="utf-8")
    bad = tmp_path / "b.pdf"
    bad.write_bytes(b"%PDF-1.4 binary")
    results = trialnlp.extract_many([good, bad])
    assert not isinstance(results, list)
    trials = list(results)
    assert [t.status for t in trials] == ["ok", "error"]
    assert "PDF" in trials[1].error


def test_extract_missing_file_raises_input_error(tmp_path) -> None:
    with pytest.raises(trialnlp.InputError, match="does-not-exist"):
        trialnlp.extract(tmp_path / "does-not-exist.json")


def test_pipeline_components_are_registered_factories() -> None:
    nlp = trialnlp.build_pipeline()
    assert nlp.pipe_names == ["trialnlp_sections", "trialnlp_criteria", "trialnlp_entities",
                              "trialnlp_context", "trialnlp_constraints"]
    doc = nlp("Inclusion Criteria:\n1. Adults\n2. Consent")
    assert [s.text for s in doc.spans["trialnlp_criteria"]] == ["Adults", "Consent"]
    for span in doc.spans["trialnlp_criteria"]:
        assert span[0].is_sent_start
        assert span.end == len(doc) or doc[span.end].is_sent_start
    assert sum(1 for t in doc if t.is_sent_start) == 4  # header, "Adults", "2.", "Consent"


def test_an_over_long_record_is_an_error_row_with_a_plain_reason() -> None:
    from trialnlp.pipeline import build_pipeline, parse_records
    from trialnlp.types import SourceRecord

    nlp = build_pipeline(("trialnlp_sections", "trialnlp_criteria"))
    nlp.max_length = 50
    records = [SourceRecord("Inclusion Criteria:\n* adults", "a", "text", "A"),
               SourceRecord("Inclusion Criteria:\n* " + "x " * 40, "b", "text", "B"),
               SourceRecord("Inclusion Criteria:\n* consent", "c", "text", "C")]
    trials = list(parse_records(records, nlp))
    assert [(t.trial_id, t.status) for t in trials] == [("A", "ok"), ("B", "error"), ("C", "ok")]
    assert trials[1].error.startswith("text is 102 characters, over the limit of 50 per record")

"""Real ClinicalTrials.gov records (../shared/corpora/ctgov): skipped when absent."""

from __future__ import annotations

import pytest

import trialnlp

pytestmark = pytest.mark.corpus


def test_every_legacy_record_with_text_yields_criteria(corpora) -> None:
    seen = with_text = 0
    for trial in trialnlp.extract_many(corpora / "ctgov" / "legacy_sample.jsonl"):
        seen += 1
        assert trial.status == "ok", (trial.source, trial.error)
        assert trial.trial_id.startswith("NCT")
        if trial.text.strip():
            with_text += 1
            assert list(trial.iter_criteria()), trial.trial_id
    assert seen == 3460
    assert with_text > 3400


@pytest.mark.parametrize(("name", "count"), [("study_1.json", 1), ("studies_10.json", 10),
                                             ("studies_50.json", 50)])
def test_api_v2_samples(corpora, name: str, count: int) -> None:
    trials = list(trialnlp.extract_many(corpora / "ctgov" / "api_v2" / name))
    assert len(trials) == count
    for trial in trials:
        assert trial.status == "ok" and trial.trial_id.startswith("NCT")
        if trial.text.strip():
            assert list(trial.iter_criteria()), trial.trial_id
            assert trial.structured.sex in ("all", "female", "male")

"""The shipped model (models/chia_ner): skipped when it has not been trained."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialnlp.ner import EVAL_TYPES, entities, load_ner, model_available
from trialnlp.resources import model_path

pytestmark = pytest.mark.skipif(not model_available(), reason="models/chia_ner not built")


def test_load_ner_is_cached_and_knows_the_eight_types() -> None:
    nlp = load_ner()
    assert load_ner() is nlp
    assert set(EVAL_TYPES) <= set(nlp.get_pipe("ner").labels)


def test_entities_are_label_offsets_and_text() -> None:
    text = "Serum creatinine > 1.5 mg/dL within 30 days before randomization"
    found = entities(text)
    assert found, "expected at least one entity"
    for label, start, end, span_text in found:
        assert text[start:end] == span_text
        assert label in load_ner().get_pipe("ner").labels
    labels = {label for label, *_ in found}
    assert {"Measurement", "Value"} <= labels
    assert entities(load_ner()(text)) == found


def test_model_is_small_and_credits_chia() -> None:
    import json

    root = Path(str(model_path("chia_ner")))
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size <= 50 * 1024 * 1024
    meta = json.loads((root / "meta.json").read_text(encoding="utf-8"))
    assert "Chia" in json.dumps(meta["sources"])


@pytest.mark.corpus
@pytest.mark.slow
def test_dev_scores_are_not_worse_than_the_model_card(chia_dir: Path) -> None:
    from trialnlp.ner.evaluate import evaluate_brat

    report = evaluate_brat(chia_dir / "dev")
    assert report.exact_micro.f1 >= 0.60
    assert report.relaxed_micro.f1 >= 0.72

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialnlp.ner.train import _portable_config, score_chia


def test_tiny_training_run_exports_a_code_free_model(tiny_model: Path) -> None:
    import spacy

    config = (tiny_model / "config.cfg").read_text(encoding="utf-8")
    assert "trialnlp" not in config  # loads without trialnlp's registered functions
    meta = json.loads((tiny_model / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "chia_ner"
    assert meta["sources"][0]["name"] == "Chia"
    nlp = spacy.load(tiny_model)
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert {"Condition", "Drug", "Value"} <= set(nlp.get_pipe("ner").labels)
    # The tokenizer rules travel with the model.
    assert [t.text for t in nlp.tokenizer("HbA1c>7.5%")] == ["HbA1c", ">", "7.5", "%"]
    doc = nlp("Adults aged 18 years or older with type 2 diabetes mellitus")
    assert all(ent.label_ in nlp.get_pipe("ner").labels for ent in doc.ents)


def test_portable_config_drops_training_only_references() -> None:
    from trialnlp.resources import model_path

    text = model_path("chia_ner.cfg").read_text(encoding="utf-8")
    assert "trialnlp.ner.chia_scorer.v1" in text
    portable = _portable_config(text.replace("vectors = null", 'vectors = ".train/vectors"'))
    assert "trialnlp" not in portable
    assert 'scorer = {"@scorers":"spacy.ner_scorer.v1"}' in portable
    assert "before_init = null" in portable
    assert '".train/vectors"' not in portable


def test_score_chia_counts_only_the_eight_types() -> None:
    import spacy
    from spacy.tokens import Span
    from spacy.training import Example

    nlp = spacy.blank("en")
    reference = nlp.make_doc("insulin for severe asthma")
    reference.ents = [
        Span(reference, 0, 1, "Drug"),
        Span(reference, 2, 3, "Qualifier"),
        Span(reference, 3, 4, "Condition"),
    ]
    predicted = nlp.make_doc("insulin for severe asthma")
    predicted.ents = [Span(predicted, 0, 1, "Drug"), Span(predicted, 2, 4, "Condition")]
    scores = score_chia([Example(predicted, reference)])
    assert scores["chia8_p"] == pytest.approx(0.5)
    assert scores["chia8_r"] == pytest.approx(0.5)
    assert "ents_f" in scores

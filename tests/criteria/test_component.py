"""The spaCy wrappers: the document text joined once, token offsets read as arrays."""

from __future__ import annotations

import pytest

from trialnlp.constraints.entities import _drug_spans
from trialnlp.extensions import TEXT_KEY, doc_text
from trialnlp.pipeline import build_pipeline, parse_records
from trialnlp.types import SourceRecord

TEXT = ("Inclusion Criteria:\n1. Age  >=18 years\n2.No methotrexate\tor insulin glargine\n"
        "   a. c.AZA ok\nExclusion Criteria:\n- Pregnant\n")


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(model="off")


def test_doc_text_is_joined_once_and_kept(nlp) -> None:
    doc = nlp.tokenizer("Age  >= 18\nyears")
    assert TEXT_KEY not in doc.user_data
    assert doc_text(doc) == "Age  >= 18\nyears" == doc.text
    assert doc.user_data[TEXT_KEY] is doc_text(doc)


def test_pipeline_docs_carry_their_text(nlp) -> None:
    doc = nlp(TEXT)
    assert doc_text(doc) == doc.text == TEXT
    # Criteria offsets index that text; the splitter cut "2.No" into a boundary.
    criteria = [c for top in doc._.trialnlp_criteria for c in top.walk()]
    assert [TEXT[c.start : c.end] for c in criteria] == [
        "Age  >=18 years", "No methotrexate\tor insulin glargine", "c.AZA ok", "Pregnant"]
    assert {token.idx for token in doc} >= {c.start for c in criteria}


def test_parse_records_matches_calling_the_pipeline(nlp) -> None:
    record = SourceRecord(text=TEXT, source="t", format="text")
    trial = next(parse_records([record], nlp))
    doc = nlp(TEXT)
    assert [c.to_dict() for c in trial.criteria] == \
        [c.to_dict() for c in doc._.trialnlp_criteria]


def test_drug_spans_read_token_texts_from_offsets(nlp) -> None:
    # A whitespace token (the double space) keeps the token indices aligned.
    doc = nlp.make_doc("No methotrexate  or insulin glargine; aspirin.")
    assert [(s.text, s.start, s.end, s.id_) for s in _drug_spans(doc, [])] == [
        ("insulin glargine", 4, 6, "drug:Insulin Glargine"),
        ("methotrexate", 1, 2, "drug:Methotrexate"),
        ("aspirin", 7, 8, "drug:Aspirin"),
    ]

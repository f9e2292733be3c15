from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from trialnlp.ner.brat import read_document
from trialnlp.ner.convert import (
    ERROR_LABELS,
    EVAL_TYPES,
    MODEL_TYPES,
    ConversionStats,
    EntitySpan,
    convert_corpus,
    convert_document,
    resolve_overlaps,
    split_criteria,
    to_doc,
)
from trialnlp.ner.tokenizer import blank_nlp


def spans_text(text: str, spans: list[EntitySpan]) -> list[tuple[str, str]]:
    return [(s.label, text[s.start : s.end]) for s in spans]


def test_nested_annotation_keeps_the_longest_and_error_labels_are_not_entities(
    brat_dir: Path,
) -> None:
    document = read_document(brat_dir / "NCT00000001_inc.txt")
    stats = ConversionStats()
    spans = convert_document(document, stats=stats)
    assert spans_text(document.text, spans) == [
        ("Person", "Adults"),
        ("Value", "18 years or older"),
        ("Condition", "type 2 diabetes mellitus"),  # nested "diabetes mellitus" dropped
        ("Measurement", "HbA1c"),
        ("Value", ">7.5%"),
        ("Temporal", "within 3 months before screening"),
    ]
    assert stats.dropped_overlap == {"Condition": 1}
    # Reference_point is not a model type; Informed_consent is an annotator error label.
    assert stats.ignored_labels == {"Reference_point": 1, "Informed_consent": 1}


def test_discontinuous_entity_becomes_its_covering_span(brat_dir: Path) -> None:
    document = read_document(brat_dir / "NCT00000001_exc.txt")
    stats = ConversionStats()
    spans = convert_document(document, stats=stats)
    assert spans_text(document.text, spans) == [
        ("Condition", "Renal or hepatic impairment"),  # "Renal" + "impairment"
        ("Drug", "insulin"),
        ("Drug", "metformin"),
        ("Temporal", "in the past 6 months"),  # the line end in the offsets is trimmed
    ]
    assert stats.discontinuous == {"Condition": 1}
    # "hepatic impairment" (same type, shorter) and the helper type Qualifier inside it.
    assert stats.dropped_overlap == {"Condition": 1, "Qualifier": 1}
    assert stats.ignored_labels == {"Parsing_Error": 1}


def test_overlap_preference_primary_then_longest_then_earliest() -> None:
    helper_long = EntitySpan(0, 20, "Qualifier")
    primary_short = EntitySpan(5, 10, "Condition")
    kept, dropped = resolve_overlaps([helper_long, primary_short], MODEL_TYPES)
    assert kept == [primary_short] and dropped == [helper_long]

    left, right = EntitySpan(0, 10, "Drug"), EntitySpan(5, 15, "Condition")
    kept, _ = resolve_overlaps([right, left], MODEL_TYPES)
    assert kept == [left]  # same length, earlier start wins

    same = EntitySpan(0, 5, "Drug")
    kept, dropped = resolve_overlaps([same, same], MODEL_TYPES)
    assert kept == [same] and dropped == []


def test_error_labels_are_never_entity_types() -> None:
    assert ERROR_LABELS.isdisjoint(MODEL_TYPES)
    assert set(EVAL_TYPES) <= set(MODEL_TYPES)
    assert {"Non-query-able", "Parsing_Error", "Informed_consent"} <= ERROR_LABELS


def test_criteria_are_lines_with_relative_offsets(brat_dir: Path) -> None:
    document = read_document(brat_dir / "NCT00000001_inc.txt")
    criteria = split_criteria(document, convert_document(document))
    assert [c.offset for c in criteria] == [0, 60, 104]
    second = criteria[1]
    assert second.text == "HbA1c>7.5% within 3 months before screening"
    assert [(s.label, second.text[s.start : s.end]) for s in second.spans] == [
        ("Measurement", "HbA1c"),
        ("Value", ">7.5%"),
        ("Temporal", "within 3 months before screening"),
    ]
    assert criteria[2].spans == ()  # the informed-consent line has no entity


def test_crlf_lines_and_spans_exclude_the_carriage_return(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"Prior stroke\r\nAge > 18 years\r\n")
    (tmp_path / "a.ann").write_text(
        "T1\tCondition 6 13\tstroke\nT2\tValue 18 28\t> 18 years\n", encoding="utf-8"
    )
    document = read_document(tmp_path / "a.txt")
    criteria = split_criteria(document, convert_document(document))
    assert [c.text for c in criteria] == ["Prior stroke", "Age > 18 years"]
    assert [[(s.label, c.text[s.start : s.end]) for s in c.spans] for c in criteria] == [
        [("Condition", "stroke")],
        [("Value", "> 18 years")],
    ]


def test_tokenizer_splits_comparators_glued_to_words(brat_dir: Path) -> None:
    nlp = blank_nlp()
    assert [t.text for t in nlp("ALT<2.5X ULN, age>18, treatment(chemotherapy)")] == [
        "ALT", "<", "2.5X", "ULN", ",", "age", ">", "18", ",",
        "treatment", "(", "chemotherapy", ")",
    ]  # fmt: skip
    document = read_document(brat_dir / "NCT00000001_inc.txt")
    criterion = split_criteria(document, convert_document(document))[1]
    stats = ConversionStats()
    doc = to_doc(nlp, criterion, stats)
    assert [(e.label_, e.text) for e in doc.ents] == [
        ("Measurement", "HbA1c"),
        ("Value", ">7.5%"),
        ("Temporal", "within 3 months before screening"),
    ]
    assert not stats.dropped_misaligned and not stats.expanded_to_tokens


def test_tokenizer_splits_a_markdown_escape_before_a_comparator() -> None:
    # ClinicalTrials.gov API v2 writes "LDL-C\\>=120", "(\\< 95%)"
    assert [t.text for t in blank_nlp()("TBL\\>1.5 (\\< 95%) a\\b")] == [
        "TBL", "\\", ">", "1.5", "(", "\\", "<", "95", "%", ")", "a\\b"]


def test_tokenizer_keeps_english_special_cases_with_the_new_split_points() -> None:
    # customize_tokenizer sets its regexes with the special cases taken out and puts them
    # back once: they must still apply, as in spaCy's own tokenizer.
    nlp, english = blank_nlp(), spacy.blank("en")
    assert nlp.tokenizer.rules == english.tokenizer.rules
    text = "Don't use e.g. aspirin (i.e. ASA) a.m. or p.m.; can't"
    assert [t.text for t in nlp(text)] == [t.text for t in english(text)]
    assert [t.text for t in nlp("ca>5")] == ["ca", ">", "5"]


def test_misaligned_span_is_expanded_to_token_bounds() -> None:
    from trialnlp.ner.convert import Criterion

    criterion = Criterion("x", 0, "hip fractures", (EntitySpan(0, 12, "Condition"),))
    stats = ConversionStats()
    doc = to_doc(blank_nlp(), criterion, stats)
    assert [e.text for e in doc.ents] == ["hip fractures"]
    assert stats.expanded_to_tokens == {"Condition": 1}


def test_convert_corpus_writes_a_docbin(brat_dir: Path, tmp_path: Path) -> None:
    from spacy.tokens import DocBin

    stats = convert_corpus(brat_dir, tmp_path / "out.spacy")
    docs = list(DocBin().from_disk(tmp_path / "out.spacy").get_docs(blank_nlp().vocab))
    assert stats.documents == 2 and stats.criteria == len(docs) == 5
    assert sum(len(doc.ents) for doc in docs) == sum(stats.kept.values()) == 10


@pytest.mark.corpus
def test_conversion_of_chia_dev(chia_dir: Path, tmp_path: Path) -> None:
    from trialnlp.ner.convert import convert_corpus

    stats = convert_corpus(chia_dir / "dev", tmp_path / "dev.spacy")
    assert stats.documents == 194
    assert stats.criteria > 1000
    assert sum(stats.dropped_misaligned.values()) < 0.01 * sum(stats.kept.values())
    assert sum(stats.discontinuous.values()) > 100
    assert set(stats.ignored_labels) & ERROR_LABELS


@pytest.mark.corpus
def test_every_chia_label_is_known(chia_dir: Path) -> None:
    from trialnlp.ner.brat import iter_corpus
    from trialnlp.ner.labels import OTHER_TYPES

    seen = {
        entity.label
        for split in ("train", "dev")
        for document in iter_corpus(chia_dir / split)
        for entity in document.entities
    }
    assert seen <= set(MODEL_TYPES) | ERROR_LABELS | set(OTHER_TYPES), seen

"""The NER model as a source of candidates for the constraint layer.

A stand-in "model" (a blank pipeline whose entity ruler plays the trained NER) keeps
these tests independent of the shipped weights.
"""

from __future__ import annotations

import pytest
import spacy
from hypothesis import given
from hypothesis import strategies as st

import trialnlp
import trialnlp.ner
from trialnlp.constraints.assemble import Mention
from trialnlp.constraints.component import _unwrap
from trialnlp.constraints.model import gap_in, model_mentions
from trialnlp.types import Constraint


@pytest.fixture()
def stand_in_model(monkeypatch: pytest.MonkeyPatch) -> spacy.language.Language:
    model = spacy.blank("en")
    ruler = model.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "Measurement", "pattern": "Westley croup score"},
        {"label": "Condition", "pattern": "frobnitz syndrome"},
        {"label": "Condition", "pattern": "migraine"},
        {"label": "Drug", "pattern": "warfarin"},
    ])
    monkeypatch.setattr(trialnlp.ner, "model_available", lambda: True)
    monkeypatch.setattr(trialnlp.ner, "load_ner", lambda: model)
    return model


def build(mode: str) -> spacy.language.Language:
    nlp = trialnlp.build_pipeline()
    nlp.get_pipe("trialnlp_constraints").model = mode
    return nlp


def test_model_fills_a_threshold_gap(stand_in_model) -> None:
    trial = trialnlp.extract("Inclusion Criteria:\n* Westley croup score between 3 and 11",
                             nlp=build("gaps"))
    (constraint,) = list(trial.iter_constraints())
    assert (constraint.kind, constraint.concept, constraint.op, constraint.value,
            constraint.value_max, constraint.source) == (
        "measurement", "Westley croup score", "between", 3.0, 11.0, "model")


def test_rules_win_where_both_find_something(stand_in_model) -> None:
    trial = trialnlp.extract("Exclusion Criteria:\n* warfarin or migraine", nlp=build("all"))
    sources = {(c.concept, c.source) for c in trial.iter_constraints()}
    assert ("Warfarin", "rule") in sources  # the dictionary found it first
    migraine = [c for c in trial.iter_constraints() if c.kind == "condition"]
    assert migraine and migraine[0].source == "rule"


def test_model_mentions_get_context(stand_in_model) -> None:
    trial = trialnlp.extract("Inclusion Criteria:\n* No history of frobnitz syndrome",
                             nlp=build("gaps"))
    found = [c for c in trial.iter_constraints() if c.source == "model"]
    assert [(c.kind, c.negated, c.historical) for c in found] == [("condition", True, True)]


def test_off_and_values_modes(stand_in_model) -> None:
    text = "Inclusion Criteria:\n* frobnitz syndrome\n* Westley croup score > 3"
    off = trialnlp.extract(text, nlp=build("off"))
    assert all(c.source == "rule" for c in off.iter_constraints())
    values = trialnlp.extract(text, nlp=build("values"))
    assert [c.concept for c in values.iter_constraints() if c.source == "model"] == [
        "Westley croup score"]


def test_without_a_shipped_model_the_rules_still_work(monkeypatch) -> None:
    monkeypatch.setattr(trialnlp.ner, "model_available", lambda: False)
    trial = trialnlp.extract("Inclusion Criteria:\n* ALT < 2.5 x ULN", nlp=build("gaps"))
    assert [c.relative_to for c in trial.iter_constraints()] == ["ULN"]


def test_unknown_mode_is_refused() -> None:
    nlp = trialnlp.build_pipeline(("trialnlp_sections", "trialnlp_criteria"))
    with pytest.raises(ValueError, match="model='sometimes'"):
        nlp.add_pipe("trialnlp_constraints", config={"model": "sometimes"})


def test_gap_detection_and_lexicon_normalisation() -> None:
    text = "ALT < 40 and croup score > 3"
    rule = [Mention("LAB", 0, 3, "ALT")]
    assert not gap_in(text, 0, 8, rule, [Constraint("lab", "ALT < 40", 0, 8)], [])
    assert gap_in("nothing known here", 0, 18, [], [], [])
    assert not gap_in("nothing known here", 0, 18, [], [], [], empty=False)
    # a word that only confirms a diagnosis leaves the diagnosis to the model
    text = "Histologically confirmed neuroblastoma"
    confirming = [Mention("PROCEDURE", 0, 14, "Histologically", entry_id="procedure:histology")]
    assert gap_in(text, 0, len(text), confirming, [], [])
    surgery = [Mention("PROCEDURE", 0, 7, "Surgery", entry_id="procedure:surgery")]
    assert not gap_in("Surgery for neuroblastoma", 0, 25, surgery, [], [])
    found = model_mentions([("Measurement", 0, 3, "ALT"), ("Measurement", 13, 24, "croup score"),
                            ("Measurement", 30, 34, "SGPT")], rule,
                           "ALT < 40 and croup score > 3 SGPT")
    assert [(m.label, m.concept, m.code) for m in found] == [
        ("MEASUREMENT", "croup score", None), ("LAB", "Alanine aminotransferase", "LOINC:1742-6")]
    # a span the lexicon names carries the entry's id, as a rule mention of it does
    assert [m.entry_id for m in found] == [None, "alt"]


@pytest.mark.parametrize(("source", "span", "kept"), [
    # a heading in capitals, an organ-system label before its colon, a word never a mention
    ("DISEASE CHARACTERISTICS: Histologically proven cancer", "DISEASE", False),
    ("PATIENT CHARACTERISTICS: Age: 18 and over", "CHARACTERISTICS", False),
    ("PRIOR CONCURRENT THERAPY: No prior chemotherapy", "THERAPY", False),
    ("Hematopoietic: ANC at least 1,500", "Hematopoietic", False),
    ("At least 4 weeks since prior therapy and recovered", "recovered", False),
    ("Performance status: See Disease Characteristics", "See Disease", False),
    # an abbreviation as its own label, a label word that names something, a heading's word
    # in running text
    ("HIV: positive by ELISA", "HIV", True),
    ("hepatic impairment", "hepatic", True),
    ("active DISEASE at baseline", "DISEASE", True),
])
def test_model_spans_that_are_headings_or_labels_are_no_mentions(source: str, span: str,
                                                                 kept: bool) -> None:
    start = source.index(span)
    found = model_mentions([("Condition", start, start + len(span), span)], [], source)
    assert bool(found) is kept


def test_model_spans_lose_the_punctuation_at_their_edges() -> None:
    source = "Corneal, lens, or abnormal brain development (see below)"
    found = model_mentions([("Condition", 0, 14, source[0:14]),
                            ("Condition", 18, 46, source[18:46])], [], source)
    assert [(m.text, source[m.start:m.end]) for m in found] == [
        ("Corneal, lens", "Corneal, lens"),
        ("abnormal brain development", "abnormal brain development")]


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8)), max_size=12),
       st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8)), max_size=12))
def test_model_mentions_skip_exactly_the_entities_a_rule_span_overlaps(
        rules: list[tuple[int, int]], entities: list[tuple[int, int]]) -> None:
    text = "x" * 60
    rule_mentions = [Mention("LAB", start, start + size, text[start:start + size])
                     for start, size in rules]
    found = model_mentions([("Condition", start, start + size, "ab")
                            for start, size in entities], rule_mentions, text)
    expected = [(start, start + size) for start, size in entities
                if not any(m.start < start + size and start < m.end for m in rule_mentions)]
    assert [(m.start, m.end) for m in found] == expected


def test_a_long_record_gives_each_criterion_what_it_gives_alone(stand_in_model) -> None:
    lines = ["Westley croup score between 3 and 11", "No migraine; ALT < 2 x ULN",
             "warfarin within 4 weeks", "frobnitz syndrome", "Not pregnant or nursing"]

    def constraints(body: str) -> list[list[tuple]]:
        trial = trialnlp.extract("Inclusion Criteria:\n" + body, nlp=build("gaps"))
        return [[(c.kind, c.concept, c.op, c.value, c.negated, c.source)
                 for c in criterion.constraints] for criterion in trial.criteria]

    alone = [constraints(f"* {line}")[0] for line in lines]
    assert all(alone)
    together = constraints("".join(f"* {line}\n" for line in lines * 40))
    assert together == alone * 40


def test_the_model_reads_a_wrapped_line_as_one_and_offsets_point_at_the_source(
        stand_in_model) -> None:
    # The stand-in only knows "Westley croup score" with single spaces, as the trained
    # model only saw Chia's unwrapped lines.
    text = "Inclusion Criteria:\n* Westley croup\n        score  between 3 and 11"
    trial = trialnlp.extract(text, nlp=build("gaps"))
    (constraint,) = list(trial.iter_constraints())
    assert (constraint.concept, constraint.source, constraint.value_max) == (
        "Westley croup score", "model", 11.0)
    assert text[constraint.start:constraint.end] == constraint.text


@given(st.text(alphabet="ab \n\t", max_size=40))
def test_unwrap_maps_every_character_back(text: str) -> None:
    flat, where = _unwrap(text)
    if where is None:
        assert flat == text
        return
    assert len(where) == len(flat) and where == sorted(set(where))
    assert all(text[i] == ch or (ch == " " and text[i].isspace()) for ch, i in zip(
        flat, where, strict=True))

"""trialnlp's ConText (trialnlp.constraints.context) gives what medspaCy's ConText gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialnlp.constraints.context import ContextRule, ContextTagger
from trialnlp.constraints.entities import SPANS_KEY
from trialnlp.pipeline import build_pipeline
from trialnlp.resources import rule_path

medspacy_context = pytest.importorskip("medspacy.context")

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT.parent / "shared" / "corpora" / "ctgov" / "legacy_sample.jsonl"
FLAGS = ("is_negated", "is_uncertain", "is_historical", "is_hypothetical", "is_family")
TEXTS = [
    "Exclusion Criteria:\n- No history of myocardial infarction or stroke\n"
    "- Patients without diabetes but with hypertension\n- Denies smoking; HIV positive\n"
    "- Possible pneumonia, no evidence of heart failure, no tuberculosis\n"
    "- Mother has breast cancer\n- Hepatitis B is ruled out\n- Prior chemotherapy allowed\n"
    "- Planned surgery within 6 months\n- no\n- Asthma, not excluded: COPD",
    "Inclusion Criteria:\n1. Age 18 or older\n2. Negative pregnancy test\n"
    "Exclusion Criteria:\n1. Pregnant or breastfeeding women\n2. Known allergy to penicillin",
]


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(("trialnlp_sections", "trialnlp_criteria", "trialnlp_entities"))


def _medspacy(nlp, rules: list[dict]):
    context = medspacy_context.ConText(nlp, name="oracle", rules=None,
                                       input_span_type="group", span_group_name=SPANS_KEY)
    context.add([medspacy_context.ConTextRule.from_dict(rule) for rule in rules])
    return context


def _view(doc) -> list[tuple]:
    return [(span.start, span.end, span.label_,
             tuple((m.category, tuple(m.modifier_span), tuple(m.scope_span))
                   for m in span._.modifiers),
             tuple(getattr(span._, flag) for flag in FLAGS))
            for span in doc.spans[SPANS_KEY]]


def _same(nlp, ours, theirs, texts) -> int:
    """Asserts both give the same modifiers and flags on every span; returns the links."""
    links = 0
    for text in texts:
        expected = _view(theirs(nlp(text)))
        assert _view(ours(nlp(text))) == expected, text[:200]
        links += sum(len(span[3]) for span in expected)
    return links


def test_same_as_medspacy_with_the_shipped_rules(nlp) -> None:
    rules = json.loads(rule_path("context.json").read_text(encoding="utf-8"))["context_rules"]
    seeds = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "seeds").glob("*.txt"))]
    links = _same(nlp, ContextTagger(nlp), _medspacy(nlp, rules), [*TEXTS, *seeds])
    assert links > 50  # the texts do exercise the rules


def test_same_as_medspacy_in_every_direction(nlp) -> None:
    # Every direction, a literal in two categories, nested literals, a terminator.
    rules = [
        {"literal": "no", "category": "NEGATED_EXISTENCE", "direction": "FORWARD"},
        {"literal": "no evidence of", "category": "NEGATED_EXISTENCE", "direction": "FORWARD"},
        {"literal": "is ruled out", "category": "NEGATED_EXISTENCE", "direction": "BACKWARD"},
        {"literal": "possible", "category": "POSSIBLE_EXISTENCE", "direction": "BIDIRECTIONAL"},
        {"literal": "not excluded", "category": "NEGATED_EXISTENCE", "direction": "PSEUDO"},
        {"literal": "but", "category": "TERMINATE", "direction": "TERMINATE"},
        {"literal": "but", "category": "HISTORICAL", "direction": "FORWARD"},
        {"literal": "mother", "category": "FAMILY", "direction": "FORWARD"},
        {"literal": "planned", "category": "HYPOTHETICAL", "direction": "FORWARD"},
        {"literal": "prior", "category": "HISTORICAL", "direction": "FORWARD"},
    ]
    ours = ContextTagger(nlp, rules=[ContextRule.from_dict(rule) for rule in rules])
    assert _same(nlp, ours, _medspacy(nlp, rules), TEXTS) > 5


def test_unsupported_rule_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported ConText rule"):
        ContextRule.from_dict({"literal": "no", "category": "NEGATED_EXISTENCE",
                               "direction": "FORWARD", "max_scope": 3})
    with pytest.raises(ValueError, match="unsupported ConText rule"):
        ContextRule.from_dict({"literal": "no", "category": "X", "direction": "SIDEWAYS"})


@pytest.mark.corpus
@pytest.mark.slow
def test_same_as_medspacy_on_the_legacy_sample(nlp) -> None:
    if not LEGACY.exists():
        pytest.skip(f"{LEGACY} not found")
    from trialnlp.readers import read_sources
    from trialnlp.types import SourceRecord

    rules = json.loads(rule_path("context.json").read_text(encoding="utf-8"))["context_rules"]
    texts = [r.text for r in read_sources([LEGACY]) if isinstance(r, SourceRecord)]
    assert _same(nlp, ContextTagger(nlp), _medspacy(nlp, rules), texts[:1500]) > 5000

"""Negation that is not: pseudo-triggers, and lexicon terms that swallowed their trigger."""

from __future__ import annotations

import pytest

import trialnlp


def _constraints(text: str) -> dict[str, trialnlp.Constraint]:
    trial = trialnlp.extract("Exclusion Criteria:\n1. " + text)
    return {c.text: c for criterion in trial.iter_criteria() for c in criterion.constraints}


@pytest.mark.parametrize("text, target", [
    ("Hematological conditions including, but not limited to, coagulopathy", "coagulopathy"),
    ("Not more than 2 prior chemotherapy regimens", "chemotherapy"),
    ("Hemoglobin not less than 9 g/dL and diabetes", "diabetes"),
])
def test_pseudo_negations_negate_nothing(text: str, target: str) -> None:
    found = _constraints(text)
    assert target in found and not found[target].negated


@pytest.mark.parametrize("text, target", [
    ("No history of stroke", "stroke"),
    ("No prior myocardial infarction", "myocardial infarction"),
])
def test_history_words_stay_triggers(text: str, target: str) -> None:
    found = _constraints(text)
    assert target in found, found
    assert found[target].negated and found[target].historical


def test_a_roman_numeral_is_not_a_drug() -> None:
    trial = trialnlp.extract("Exclusion Criteria:\n1. Decompensated cardiac insufficiency "
                             "(NYHA grade Ⅲ or Ⅳ) within 6 months before screening")
    drugs = [c.text for c in trial.iter_constraints() if c.kind == "drug"]
    assert drugs == []


@pytest.mark.parametrize("text", [
    "All men/women of childbearing potential should practice birth control to prevent "
    "pregnancy while on study",
    "A woman of child-bearing potential must be non-lactating",
])
def test_contraception_and_non_lactating_are_no_pregnancy_or_lactation(text: str) -> None:
    kinds = {c.kind for c in _constraints(text).values()}
    assert not kinds & {"pregnancy", "lactation"}


def test_pregnant_or_breastfeeding_is_still_found() -> None:
    kinds = {c.kind for c in _constraints("Women who are pregnant or breastfeeding").values()}
    assert {"pregnancy", "lactation"} <= kinds

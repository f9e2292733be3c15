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
    # '-free' frees its own word: the allowed cancers before it are no absence
    ("Malignancy except in situ cervical cancer or other cancer for which the patient has "
     "been disease-free for five years", "cervical cancer"),
])
def test_pseudo_negations_negate_nothing(text: str, target: str) -> None:
    found = _constraints(text)
    assert target in found and not found[target].negated


def test_a_drug_free_on_its_own_is_still_absent() -> None:
    found = _constraints("Must be steroid free")
    assert found["steroid"].negated


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


def test_contraception_is_no_pregnancy_or_lactation() -> None:
    kinds = {c.kind for c in _constraints(
        "All men/women of childbearing potential should practice birth control to prevent "
        "pregnancy while on study").values()}
    assert not kinds & {"pregnancy", "lactation"}


@pytest.mark.parametrize(("text", "kinds"), [
    ("A woman of child-bearing potential must be non-lactating", {"lactation"}),
    ("Non-pregnant, non-lactating women", {"pregnancy", "lactation"}),
    ("Not pregnant or nursing", {"pregnancy", "lactation"}),  # PDQ's usual wording
])
def test_no_pregnancy_or_lactation_in_its_own_words_is_negated(text: str,
                                                               kinds: set[str]) -> None:
    found = [c for c in _constraints(text).values() if c.kind in ("pregnancy", "lactation")]
    assert {c.kind for c in found} == kinds
    assert all(c.negated and c.triggers for c in found)


def test_nursing_is_lactation_except_in_a_nursing_home() -> None:
    assert {c.kind for c in _constraints("Pregnant or nursing women").values()} >= {
        "pregnancy", "lactation"}
    assert "lactation" not in {c.kind for c in _constraints(
        "Lives in a nursing home or skilled nursing facility").values()}


def test_a_pregnancy_test_is_a_lab_not_a_pregnancy() -> None:
    found = _constraints("Women of childbearing potential must have a negative pregnancy test")
    assert [c.kind for c in found.values()] == ["lab"]


def test_pregnant_or_breastfeeding_is_still_found() -> None:
    kinds = {c.kind for c in _constraints("Women who are pregnant or breastfeeding").values()}
    assert {"pregnancy", "lactation"} <= kinds


def test_a_full_stop_ends_a_negation() -> None:
    found = _constraints("Patients must not have AIDS. Patients with CD4 count < 200 "
                         "cells/mm3 are eligible")
    negated = {c.kind: c.negated for c in found.values()}
    assert negated["condition"] is True and negated["lab"] is False


def test_but_not_be_limited_to_negates_nothing() -> None:
    found = _constraints("Any severe medical complication including but not be limited to "
                         "uncontrolled seizures or creatinine clearance less than 35 ml/min")
    assert not any(c.negated for c in found.values()), found


@pytest.mark.parametrize(("text", "negated", "plain"), [
    # A new clause ('and have', 'but must', 'or have had') ends the first one's negation.
    ("Patients must have no active infection and have a cardiac ejection fraction of "
     "greater than 40%", "infection", "ejection fraction"),
    ("Must not have received cytoreductive therapy for 2 weeks and must have recovered "
     "from its toxicities, with ALT < 3 x ULN", "cytoreductive therapy", "ALT"),
    ("Have never had hepatitis B, or have had an ALT below 2 x ULN for 6 months",
     "hepatitis B", "ALT"),
])
def test_a_new_clause_ends_a_negation(text: str, negated: str, plain: str) -> None:
    found = _constraints(text)
    first = [c for t, c in found.items() if negated in t]
    second = [c for t, c in found.items() if plain in t]
    assert first and second, found
    assert all(c.negated for c in first) and not any(c.negated for c in second)


def test_a_label_colon_no_negates_what_follows_not_the_paragraph_before() -> None:
    # A PDQ paragraph in one line: "Cardiovascular: No CHF" once negated every lab before it
    # (medspaCy's backward ": no" rule, dropped in rules/context.json), and "Sex: Not
    # specified" the score after it.
    trial = trialnlp.extract(
        "Eligibility Criteria:\nPATIENT CHARACTERISTICS: Age: Over 70 Sex: Not specified "
        "Performance status: ECOG 0-2 Hematopoietic: WBC at least 3,000 Platelets at least "
        "100,000 Cardiovascular: No congestive heart failure")
    negated = {c.text: c.negated for c in trial.iter_constraints()}
    assert negated["congestive heart failure"] is True
    assert negated["WBC at least 3,000"] is False
    assert negated["Platelets at least 100,000"] is False
    assert negated["ECOG 0-2"] is False


def test_a_label_left_unspecified_is_no_requirement() -> None:
    trial = trialnlp.extract("Eligibility Criteria:\nPATIENT CHARACTERISTICS: Menopausal "
                             "status: Not specified Chemotherapy: Not specified")
    assert [c.concept for c in trial.iter_constraints()] == []


def test_unlikely_to_negates_what_follows() -> None:
    # "unlikely" looks back ("infection unlikely"); "unlikely to" looks forward
    found = _constraints("Unlikely to survive more than 2 weeks")
    (survival,) = [c for c in found.values() if c.concept == "Life expectancy"]
    assert survival.negated and survival.triggers == ("negated_existence:Unlikely to",)
    assert _constraints("Infection unlikely")["Infection"].negated


def test_the_child_in_a_pediatric_criterion_is_the_patient() -> None:
    # medspaCy's FAMILY rule would report "family:Children"; family history is a relative
    found = _constraints("Children with cystic fibrosis")
    assert [t for c in found.values() for t in c.triggers if t.startswith("family")] == []
    mother = _constraints("Mother with breast cancer")
    assert any(t.startswith("family:") for c in mother.values() for t in c.triggers)

"""Long forms of bracketed abbreviations (trialnlp/constraints/abbreviations.py)."""

from __future__ import annotations

import pytest

import trialnlp
from trialnlp.constraints.abbreviations import long_form_start


def _long_form(text: str, short: str) -> str | None:
    start = text.index(short)
    found = long_form_start(text, 0, start, start + len(short))
    return None if found is None else text[found : text.index(short) - 1].rstrip(" ([")


@pytest.mark.parametrize(("text", "short", "long"), [
    ("baseline partial pressure of arterial carbon dioxide [PaCO2] > 45", "PaCO2",
     "pressure of arterial carbon dioxide"),  # the nearest word start that spells it
    ("Forced expiratory volume at one second (FEV1) < 70%", "FEV1",
     "Forced expiratory volume at one second"),
    ("American Society of Anesthesiologist classification score (ASA classification) 1-3",
     "ASA classification",
     "American Society of Anesthesiologist classification score"),
])
def test_the_words_before_the_bracket_that_spell_it(text: str, short: str, long: str) -> None:
    assert _long_form(text, short) == long


@pytest.mark.parametrize(("text", "short"), [
    ("Patients with diabetes (HbA1c > 7%)", "HbA1c"),  # not alone in its brackets
    ("Patients with diabetes (HbA1c)", "HbA1c"),  # the words do not spell it
    ("HbA1c > 7%", "HbA1c"),  # no bracket
    ("kidney disease; (eGFR)", "eGFR"),  # the long form stays in its clause
])
def test_no_long_form(text: str, short: str) -> None:
    assert _long_form(text, short) is None


def test_a_threshold_on_an_abbreviation_spans_its_long_form() -> None:
    text = "Inclusion Criteria:\n* chronic hypercapnia (baseline partial pressure of arterial " \
           "carbon dioxide [PaCO2] > 45)\n"
    trial = trialnlp.extract(text, trial_id="T", model="off")
    (found,) = [c for c in trial.iter_constraints() if c.value is not None]
    assert found.text == "pressure of arterial carbon dioxide [PaCO2] > 45"
    assert text[found.start : found.end] == found.text
    assert (found.concept, found.op, found.value) == (
        "Arterial carbon dioxide partial pressure", ">", 45.0)


def test_a_named_long_form_is_left_alone() -> None:
    text = "Inclusion Criteria:\n* Hemoglobin A1c (HbA1c) > 7%\n"
    (found,) = [c for c in trialnlp.extract(text, trial_id="T", model="off").iter_constraints()
                if c.value is not None]
    assert found.text == "Hemoglobin A1c (HbA1c) > 7%"

"""Free-text subjects (trialnlp/constraints/subjects.py): a written comparison that
neither the lexicon nor the model names still becomes a constraint, with the words next to
it as its subject."""

from __future__ import annotations

import pytest

import trialnlp
from trialnlp.constraints.model import gap_in
from trialnlp.constraints.subjects import subject_after, subject_before
from trialnlp.types import Constraint


def found(line: str, model: str = "off") -> list[Constraint]:
    text = f"Inclusion Criteria:\n* {line}\n"
    trial = trialnlp.extract(text, trial_id="T", model=model)
    for constraint in trial.iter_constraints():
        assert text[constraint.start : constraint.end] == constraint.text
    return list(trial.iter_constraints())


def free(line: str, model: str = "off") -> list[tuple]:
    return [(c.concept, c.op, c.value, c.value_max, c.unit) for c in found(line, model)
            if c.kind == "measurement" and c.source == "rule"]


@pytest.mark.parametrize(("line", "expected"), [
    ("Estimated weight loss less than or equal to 10% in the 3 months before randomization",
     ("Estimated weight loss", "<=", 10.0, None, "%")),
    ("planned surgical duration more than 3 hours",
     ("planned surgical duration", ">", 3.0, None, "h")),
    ("Multiple pregnancy (more than 3 fetuses)", ("fetuses", ">", 3.0, None, None)),
    # a verb form stays in a longer subject
    ("unresected tumor > 2 cm", ("unresected tumor", ">", 2.0, None, "cm")),
    ("Must have at least 6 mm of residual bone", ("residual bone", ">=", 6.0, None, "mm")),
    ("Pain (VPS) > 3", ("Pain (VPS)", ">", 3.0, None, None)),
    ("disease duration of at least 5 years", ("disease duration", ">=", 5.0, None, "a")),
    ("Habitual dietary sodium intake > 3400mg per day",
     ("Habitual dietary sodium intake", ">", 3400.0, None, "mg/d")),
    ("systolic blood pressure drop >=20 on standing",
     ("systolic blood pressure drop", ">=", 20.0, None, None)),
    ("Regular menstrual cycles with duration between 24-35 days",  # a weak word joined
     ("Regular menstrual cycles with duration", "between", 24.0, 35.0, "d")),
    # a percentage says what it is a share of right after it
    ("More than 10% blasts in the bone marrow", ("blasts", ">", 10.0, None, "%")),
    ("Ischemia in the presence of >50% de novo stenosis",
     ("de novo stenosis", ">", 50.0, None, "%")),
])
def test_the_words_next_to_an_unnamed_threshold_are_its_subject(line: str,
                                                                 expected: tuple) -> None:
    assert free(line) == [expected]


def test_a_free_subject_has_no_code_and_keeps_the_criterion_context() -> None:
    (constraint,) = [c for c in found("No weight loss > 10% within 6 months")
                     if c.kind == "measurement"]
    assert (constraint.code, constraint.source, constraint.negated) == (None, "rule", True)
    assert constraint.window is not None and constraint.window.amount == 6.0
    assert constraint.value == 10.0  # the 6 months is the window, no threshold of its own


@pytest.mark.parametrize("line", [
    "Hemoglobin >= 9 g/dL",  # the lexicon names it
    "Age 18 to 65 years",  # an age
    "Males between the ages of 20-45",  # an age the age reader does not take either
    "Patients with at least 2 of the following:",  # counts no measure
    "Systolic blood pressure outside the range of 100-160 mmHg",  # no bound says this
    "stenosis (by visual estimate) more than 72 hours",  # a duration is no stenosis
    "Metformin 500 mg twice daily",  # a dose
    "within 6 months of screening",  # a window
    # a verb form or a joining word says nothing of what is measured
    "Subjects who have collected 400 mL or more",
    "Randomized ≤ 72 hours after admission",
    "elevated ALT and/or no more than 1",
    "scores 4-6 out of 10",
    "BMI >= 27.0 kilograms per square meter (kg/m^2) with greater than 2",  # only an aside
])
def test_no_free_subject_where_something_else_holds_the_value(line: str) -> None:
    assert free(line) == []


def test_phrase_readers_stop_at_clause_words_numbers_and_punctuation() -> None:
    text = "Patients with HBV DNA < 2000 IU/mL, and 3 or more loose stools"
    assert subject_before(text, 0, text.index("<")).text == "HBV DNA"
    assert subject_before(text, 0, text.index("3 or")) is None  # "and" ends it at once
    after = subject_after(text, text.index("more") + 4, len(text), counted=True)
    assert after is not None and after.text == "loose stools"
    assert subject_after("2 of the following", 1, 18, counted=True) is None


def test_the_model_is_still_asked_where_only_a_free_subject_holds_a_value() -> None:
    line = "Estimated weight loss less than or equal to 10%"
    text = f"Inclusion Criteria:\n* {line}\n"
    trial = trialnlp.extract(text, trial_id="T", model="off")
    (criterion,) = trial.criteria
    values = [type("V", (), {"start": text.index("less"), "end": len(text) - 1})()]
    assert gap_in(text, criterion.start, criterion.end, [], criterion.constraints, values,
                  empty=False)


def test_a_duration_subject_does_not_take_its_own_value_as_a_window() -> None:
    (constraint,) = [c for c in found("disease duration of at least 5 years.")
                     if c.kind == "measurement"]
    assert (constraint.concept, constraint.op, constraint.value, constraint.unit) == (
        "disease duration", ">=", 5.0, "a")
    assert constraint.window is None


@pytest.mark.parametrize(("line", "expected"), [
    ("Unresolved diarrhea greater than Grade 1", ("Unresolved diarrhea grade", ">", 1.0)),
    ("Prior radiation pneumonitis > grade 2", ("radiation pneumonitis grade", ">", 2.0)),
    ("Peripheral neuropathy of grade 2 or worse", ("Peripheral neuropathy grade", ">=", 2.0)),
    ("History of grade 3 or worse neurosensory deficits",
     ("neurosensory deficits grade", ">=", 3.0)),
    ("Less than grade 2 peripheral neuropathy", ("peripheral neuropathy grade", "<", 2.0)),
])
def test_a_grade_is_a_threshold_on_what_it_grades(line: str, expected: tuple) -> None:
    assert [t[:3] for t in free(line)] == [expected]


@pytest.mark.parametrize("line", [
    "Grade 3 or worse anemia",  # no hemoglobin of 3
    "Grade >= 3 hypertension",  # no blood pressure of 3 mmHg
    "Neutropenia greater than grade 2",
])
def test_a_grade_is_no_amount_of_the_analyte_a_condition_stands_for(line: str) -> None:
    constraints = found(line)
    assert not [c for c in constraints if c.kind in ("lab", "vital")]
    assert [(c.op, c.value) for c in constraints if c.value is not None] in (
        [(">=", 3.0)], [(">", 2.0)])


def test_or_worse_is_a_comparator_only_after_a_grade() -> None:
    from trialnlp.constraints.values import find_values

    assert [(v.op, v.value) for v in find_values("CTCAE grade 3 or worse")] == [(">=", 3.0)]
    assert find_values("visual acuity 0.5 or worse") == []


@pytest.mark.parametrize(("line", "expected"), [
    # RECIST: a second bound after how the first is measured is of the same subject
    ("Longest diameter at least 20 mm with conventional techniques or at least 10 mm with "
     "spiral CT scan", [("Longest diameter", ">=", 20.0, None, "mm"),
                        ("Longest diameter", ">=", 10.0, None, "mm")]),
    ("history of cycles less than 26 days or more than 35 days",
     [("history of cycles", "<", 26.0, None, "d"), ("history of cycles", ">", 35.0, None, "d")]),
    # ... unless the second names what it counts, or is no pair at all
    ("At least 15% but less than 30% blasts", [("blasts", "<", 30.0, None, "%")]),
    ("use of orally inhaled steroid must be less than 4 weeks over a 6 month period",
     [("use of orally inhaled steroid", "<", 4.0, None, "wk")]),
])
def test_a_second_bound_of_a_free_subject_is_chained_to_it(line: str, expected: list) -> None:
    assert free(line) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("No more than 2 prior chemotherapy regimens",
     ("prior chemotherapy regimens", "<=", 2.0, None, None)),
    ("No more than 1 prior regimen of chemotherapy", ("prior regimen", "<=", 1.0, None, None)),
    ("3 or more loose stools a day", ("loose stools", ">=", 3.0, None, None)),
    # a unit that says what it counts, with no words left to name it
    ("No more than 3 prior regimens for metastatic disease",
     ("Prior lines of therapy", "<=", 3.0, None, "{lines}")),
    ("up to 2 lines of therapy", ("Prior lines of therapy", "<=", 2.0, None, "{lines}")),
])
def test_a_count_of_prior_treatments_is_a_threshold(line: str, expected: tuple) -> None:
    assert free(line) == [expected]


def test_a_bare_length_under_measurable_disease_is_a_lesion_size() -> None:
    text = ("Inclusion Criteria:\n- Measurable disease as defined by the following:\n"
            "  - At least 20 mm by conventional techniques\n  - At least 10 mm by spiral CT scan\n"
            "- At least 4 weeks since prior surgery, with a scar under 2 cm\n")
    trial = trialnlp.extract(text, trial_id="T", model="off")
    sizes = [(c.criterion_id, c.concept, c.op, c.value, c.unit, c.text)
             for c in trial.iter_constraints() if c.kind == "measurement"]
    assert sizes[:2] == [("inc.1.1", "Lesion size", ">=", 20.0, "mm", "At least 20 mm"),
                         ("inc.1.2", "Lesion size", ">=", 10.0, "mm", "At least 10 mm")]
    # no lesion named above the scar: its length keeps the words next to it
    assert [row[:5] for row in sizes[2:]] == [("inc.2", "scar", "<", 2.0, "cm")]


def test_a_bare_count_after_a_quantity_counts_what_follows_it() -> None:
    line = "estradiol at ovulation trigger > 5000 pg/ml or more than 15 oocytes are retrieved"
    values = [(c.concept, c.op, c.value, c.unit) for c in found(line) if c.value is not None]
    assert values == [("Estradiol", ">", 5000.0, "pg/mL"), ("oocytes", ">", 15.0, None)]


def test_see_disease_characteristics_is_no_subject() -> None:
    assert free("See Disease Characteristics No more than 2 prior chemotherapy regimens") == [
        ("prior chemotherapy regimens", "<=", 2.0, None, None)]


@pytest.mark.parametrize(("line", "expected"), [
    # a capitalised comparison after a lower-case word starts the run-on's next sentence
    ("Chemotherapy: At least 4 weeks since prior chemotherapy and recovered No more than 1 "
     "prior adjuvant chemotherapy regimen", [("prior adjuvant chemotherapy", "<=", 1.0)]),
    # a label's count says what it counts after the number
    ("Biologic therapy: Not specified Chemotherapy: No more than 1 prior chemotherapy for "
     "metastatic disease allowed", [("prior chemotherapy", "<=", 1.0)]),
    # a title-case word after a lower-case one ends the words after a count
    ("No greater than 25% L3 blasts Initial WBC less than 100", [("L3 blasts", "<=", 25.0)]),
    # not an acronym or a drug's letter
    ("More than 3 days of amphotericin B", [("amphotericin B", ">", 3.0)]),
])
def test_pdq_run_on_sentences_bound_free_subjects(line: str, expected: list) -> None:
    assert [(c, op, v) for c, op, v, _, _ in free(line)] == expected

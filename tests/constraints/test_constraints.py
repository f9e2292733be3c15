"""The constraint layer end to end: criteria text in, Constraint records out (issue 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trialnlp
from trialnlp.types import Constraint

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def constraints(criteria: str, section: str = "Inclusion Criteria") -> list[Constraint]:
    text = f"{section}:\n" + "\n".join(f"* {line}" for line in criteria.split("\n"))
    trial = trialnlp.extract(text, trial_id="T")
    for constraint in trial.iter_constraints():
        assert text[constraint.start : constraint.end] == constraint.text
    return list(trial.iter_constraints())


def one(criteria: str, kind: str, section: str = "Inclusion Criteria") -> Constraint:
    found = [c for c in constraints(criteria, section) if c.kind == kind]
    assert len(found) == 1, found
    return found[0]


def seed(prefix: str) -> trialnlp.Trial:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return trialnlp.extract(path)


def summary(c: Constraint) -> tuple:
    return (c.kind, c.concept, c.op, c.value, c.value_max, c.unit, c.relative_to, c.sex)


# -- thresholds --------------------------------------------------------------------------

def test_coordinated_analytes_share_a_uln_threshold() -> None:
    found = [c for c in constraints("ALT and/or AST ≥ 2.5 times the upper limit of normal")
             if c.kind == "lab"]
    assert [(c.code, c.op, c.value, c.unit, c.relative_to) for c in found] == [
        ("LOINC:1742-6", ">=", 2.5, None, "ULN"), ("LOINC:1920-8", ">=", 2.5, None, "ULN")]


def test_conditional_second_threshold_is_kept_with_its_qualifier() -> None:
    found = [c for c in constraints("AST, ALT < 2.5 x ULN (< 5 x ULN if liver metastases)")
             if c.kind == "lab"]
    assert sorted((c.concept, c.value, c.qualifier or "") for c in found) == [
        ("Alanine aminotransferase", 2.5, ""), ("Alanine aminotransferase", 5.0,
                                               "if liver metastases"),
        ("Aspartate aminotransferase", 2.5, ""), ("Aspartate aminotransferase", 5.0,
                                                  "if liver metastases")]
    # the conditional bound spans its subject, as the first one does
    assert {c.text for c in found if c.value == 5.0} == {
        "AST, ALT < 2.5 x ULN (< 5 x ULN if liver metastases",
        "ALT < 2.5 x ULN (< 5 x ULN if liver metastases"}


@pytest.mark.parametrize(("criterion", "qualifier"), [
    # the case after the second bound, past a clause break
    ("AST > 2.5 x ULN; > 5 x ULN if secondary to liver metastases",
     "if secondary to liver metastases"),
    ("AST no greater than 2 times ULN* NOTE: *No greater than 5 times ULN if liver "
     "metastases present", "if liver metastases present"),
    # the case before it
    ("AST ≤ 2.5 x ULN; if liver metastases are present, then ≤ 5 x ULN is allowed",
     "if liver metastases are present"),
    ("AST no greater than 2 times ULN (unless related to liver metastases, then no greater "
     "than 5 times ULN)", "unless related to liver metastases"),
])
def test_a_second_normal_limit_bound_for_a_case_is_the_same_analytes(
        criterion: str, qualifier: str) -> None:
    found = sorted((c.concept, c.value, c.qualifier) for c in constraints(criterion)
                   if c.kind == "lab")
    assert found == [("Aspartate aminotransferase", 2.0 if "2 times" in criterion else 2.5,
                      None), ("Aspartate aminotransferase", 5.0, qualifier)]


@pytest.mark.parametrize("criterion", [
    "ALT < 3 times (5 times if liver metastases) the upper limit of normal",
    "ALT <3 times [<5 times for patients with liver metastases] the upper normal limit",
    "ALT < 3 x (or < 5 x in case of liver metastases) ULN",
])
def test_a_multiple_before_an_aside_takes_the_limit_after_it(criterion: str) -> None:
    # the limit after the brackets is both multiples' (not 3 U/L, ALT's usual unit)
    found = [(c.op, c.value, c.unit, c.relative_to, bool(c.qualifier))
             for c in constraints(criterion) if c.kind == "lab"]
    assert found == [("<", 3.0, None, "ULN", False), ("<", 5.0, None, "ULN", True)]


@pytest.mark.parametrize(("criterion", "unit"), [
    ("magnesium less than 1.2 or greater than 2.5 mEq/L", "meq/L"),
    ("Serum potassium < 3.5 or > 5.1 mEq/L", "meq/L"),
    ("TSH < 0.1 or > 7 uU/mL", "uU/mL"),
    ("Prior radiation therapy with total doses of ≥40 and ≤80 Gy", "Gy"),  # a free measure
])
def test_a_bound_the_other_way_before_a_unit_shares_it(criterion: str, unit: str) -> None:
    # not the analyte's usual unit (magnesium in mg/dL, potassium in mmol/L)
    assert [c.unit for c in constraints(criterion) if c.value is not None] == [unit, unit]


def test_a_second_bound_in_the_same_unit_for_a_case() -> None:
    found = [c for c in constraints(
        "bilirubin less than 2 mg/dl (total) except less than 5 mg/dl in patients with "
        "Gilbert's syndrome; ANC at least 1500/mm3") if c.kind == "lab"]
    assert [(c.concept, c.value, c.unit, c.qualifier) for c in found] == [
        ("Total bilirubin", 2.0, "mg/dL", None),
        ("Total bilirubin", 5.0, "mg/dL", "in patients with Gilbert's syndrome"),
        ("Absolute neutrophil count", 1500.0, "/uL", None)]
    # "and" after the first bound's case joins bounds in one unit
    found = [c for c in constraints(
        "PSA greater than 4 ng/mL for patients with intact prostates and greater than 0.8 "
        "ng/mL for post-prostatectomy patients") if c.kind == "lab"]
    assert [(c.concept, c.op, c.value) for c in found] == [
        ("Prostate specific antigen", ">", 4.0), ("Prostate specific antigen", ">", 0.8)]


def test_falls_the_verb_is_no_condition() -> None:
    assert not [c for c in constraints("PCP prophylaxis if CD4 count falls below 200 cells/mm3")
                if c.kind == "condition" and "falls" in c.text]
    assert [c.code for c in constraints("History of falls") if c.kind == "condition"] == [
        "ICD10CM:R29.6"]


def test_a_ratio_unit_that_names_its_denominator() -> None:
    found = constraints("UACR greater than 30 mg/g.cr. and less than 3500 mg/g.cr.")
    assert [(c.op, c.value, c.unit) for c in found] == [(">", 30.0, "mg/g"),
                                                        ("<", 3500.0, "mg/g")]


def test_subscripts_in_brackets_name_the_analyte() -> None:
    found = constraints("FEV(1) less than 0.8 liters; PaO(2), on supplemental 02, of less than "
                        "70 mmHg or PaCO(2) greater than 45 mmHg")
    assert sorted((c.concept, c.op, c.value, c.unit) for c in found) == [
        ("Arterial carbon dioxide partial pressure", ">", 45.0, "mm[Hg]"),
        ("Arterial oxygen partial pressure", "<", 70.0, "mm[Hg]"),
        ("Forced expiratory volume in 1 second", "<", 0.8, "L")]


def test_a_bound_a_case_is_about_is_no_second_threshold() -> None:
    # "(if greater than 2 times ULN then ...)": the bound says when a test is done
    found = [c for c in constraints("Alkaline phosphatase less than 2 times ULN (if greater "
                                    "than 2 times ULN then a GGT test is done)")
             if c.value is not None]
    assert [(c.op, c.value, c.relative_to) for c in found] == [("<", 2.0, "ULN")]
    # a named analyte after the break has its own bound
    found = constraints("AST ≤ 2.5 x ULN; bilirubin ≤ 1.5 x ULN")
    assert sorted((c.concept, c.value) for c in found) == [
        ("Aspartate aminotransferase", 2.5), ("Total bilirubin", 1.5)]


@pytest.mark.parametrize(("criterion", "expected"), [
    ("transaminases greater 5 x upper limit of normal", (">", 5.0, None, "ULN")),
    ("SGOT no greater 2 times upper limit of normal", ("<=", 2.0, None, "ULN")),
    ("PTT less that 1.66 times normal limit", ("<", 1.66, None, "ULN")),
    ("Creatinine less then 1.5 mg/dL", ("<", 1.5, "mg/dL", None)),
    ("Bilirubin no greater that 2.5 times ULN", ("<=", 2.5, None, "ULN")),
    ("Bilirubin nor greater than 2.5 mg/dL", ("<=", 2.5, "mg/dL", None)),
])
def test_misspelt_comparisons_seen_in_registry_records(criterion: str,
                                                       expected: tuple) -> None:
    (found,) = [c for c in constraints(criterion) if c.value is not None]
    assert (found.op, found.value, found.unit, found.relative_to) == expected


def test_age_introduced_by_if_is_a_condition_not_a_requirement() -> None:
    age = one("Written informed consent from a parent or guardian if < 18 years old.", "age")
    assert (age.op, age.value, age.unit, age.qualifier) == ("<", 18.0, "a", "if < 18 years old")
    assert one("Age 18 to 75 years", "age").qualifier is None
    assert one("Patients are eligible if aged 18 years or older", "age").qualifier is None
    assert [c.qualifier for c in constraints(
        "Patients will be excluded if less than 18 or greater than 90 years old")
        if c.kind == "age"] == [None, None]
    # a disorder to rule out when a count is high: the count is the case
    assert one("Hematologic disorders must be excluded when the platelet count is above "
               "500,000/mm3", "lab").qualifier == "when the platelet count is above 500,000/mm3"
    found = {c.kind: c for c in constraints(
        "For patients aged 65 or older, creatinine clearance > 50 mL/min")}
    assert (found["age"].op, found["age"].value, found["age"].qualifier) == (
        ">=", 65.0, "For patients aged 65 or older")
    weight = one("Children younger than 12 years when weighing less than 30 kg", "vital")
    assert (weight.op, weight.value, weight.qualifier) == (
        "<", 30.0, "when weighing less than 30 kg")
    assert one("If available, the hemoglobin must be ≥ 9 g/dL", "lab").qualifier is None


@pytest.mark.parametrize(("criterion", "expected"), [
    # a second bound spans the analyte too
    ("BMI >18 and <35 kg/m2", [(">", 18.0, "BMI >18"), ("<", 35.0, "BMI >18 and <35 kg/m2")]),
    # coordination across bracketed abbreviations
    ("Serum aspartate transaminase (AST) and/or alanine transaminase (ALT) ≤2.5 × ULN",
     [("<=", 2.5, "aspartate transaminase (AST) and/or alanine transaminase (ALT) ≤2.5 × ULN"),
      ("<=", 2.5, "alanine transaminase (ALT) ≤2.5 × ULN")]),
    # value before the analyte, and a score "on the" scale
    ("<37 weeks of gestation", [("<", 37.0, "<37 weeks of gestation")]),
    ("> 25 points on the Beck Depression Inventory",
     [(">", 25.0, "> 25 points on the Beck Depression Inventory")]),
    ("Mini-Mental State Examination (MMSE) [18] score = 23", [("=", 23.0, None)]),
    ("Clinical Dementia Rating (CDR) test inferior or equal to 1", [("<=", 1.0, None)]),
    # a duration inside the analyte's name is no threshold
    ("2-hour C-peptide level < 1.8 ng/mL", [("<", 1.8, None)]),
])
def test_threshold_linking(criterion: str, expected: list) -> None:
    found = [c for c in constraints(criterion)
             if c.kind in ("lab", "vital", "score") and c.value is not None]
    assert [(c.op, c.value) for c in found] == [(op, value) for op, value, _ in expected]
    for c, (_, _, text) in zip(found, expected, strict=True):
        assert text is None or c.text == text


def test_sex_specific_thresholds() -> None:
    found = [c for c in constraints(
        "male serum creatinine ≥1.5mg/dl, female serum creatinine ≥1.4mg/dl") if c.kind == "lab"]
    assert [(c.code, c.op, c.value, c.unit, c.sex) for c in found] == [
        ("LOINC:2160-0", ">=", 1.5, "mg/dL", "male"), ("LOINC:2160-0", ">=", 1.4, "mg/dL", "female")]
    # the sex words qualify the thresholds: no sex restriction of their own
    assert [c for c in constraints("male serum creatinine ≥1.5mg/dl, female serum "
                                   "creatinine ≥1.4mg/dl") if c.kind == "sex"] == []


@pytest.mark.parametrize("criterion", [
    "hematocrit > 48 % (women) and > 53 % (men)",
    "hematocrit > 48 % in women and > 53 % in men",
    "hematocrit female>48%, male>53%",
])
def test_sex_written_after_or_before_each_threshold(criterion: str) -> None:
    found = constraints(criterion)
    assert [(c.concept, c.op, c.value, c.unit, c.sex) for c in found] == [
        ("Hematocrit", ">", 48.0, "%", "female"), ("Hematocrit", ">", 53.0, "%", "male")]


def test_sex_specific_threshold_pair_in_brackets() -> None:
    found = [c for c in constraints(
        "low serum levels of HDL cholesterol (<40 mg/dL for men or < 50 mg/dL for women)")
        if c.kind == "lab"]
    assert [(c.op, c.value, c.sex) for c in found] == [("<", 40.0, "male"), ("<", 50.0, "female")]


def test_a_population_before_a_threshold_is_a_sex_restriction_not_a_qualifier() -> None:
    found = constraints("Female patients with hemoglobin ≥ 10 g/dL")
    assert [(c.kind, c.sex) for c in found] == [("sex", "female"), ("lab", None)]


def test_condition_defined_by_a_transaminase_threshold() -> None:
    found = [c for c in constraints("elevated transaminases more than three times normal values")
             if c.kind == "lab"]
    assert [(c.concept, c.op, c.value, c.relative_to) for c in found] == [
        ("Aminotransferases (ALT and AST)", ">", 3.0, "ULN")]


@pytest.mark.parametrize(("criterion", "expected"), [
    ("Absolute neutrophil count ≥ 1.5 x 10^9/L", ("lab", ">=", 1.5, "10*9/L")),
    ("platelets ≥ 100,000/mm3", ("lab", ">=", 100000.0, "/uL")),
    ("Hemoglobin at least 9 g/dL", ("lab", ">=", 9.0, "g/dL")),
    ("weight ≥40 kg", ("vital", ">=", 40.0, "kg")),
    ("BMI between 18.5 and 30 kg/m2", ("vital", "between", 18.5, "kg/m2")),
    ("HbA1c no more than 10%", ("lab", "<=", 10.0, "%")),
    ("QTcF > 470 msec", ("lab", ">", 470.0, "ms")),
    ("CD4+ cell count = or < 200/mm3", ("lab", "<=", 200.0, "/uL")),
])
def test_thresholds_with_units(criterion: str, expected: tuple) -> None:
    found = [c for c in constraints(criterion) if c.value is not None]
    assert [(c.kind, c.op, c.value, c.unit) for c in found][:1] == [expected]


def test_scores_and_classes() -> None:
    assert summary(one("four-component Mayo score of 6-12 (inclusive)", "score"))[2:5] == \
        ("between", 6.0, 12.0)
    assert summary(one("ECOG performance status 0 or 1", "score"))[2:5] == ("between", 0.0, 1.0)
    nyha = one("decompensated cardiac insufficiency (NYHA grade Ⅲ or Ⅳ)", "score", "Exclusion Criteria")
    assert (nyha.op, nyha.value, nyha.value_max, nyha.effect) == ("between", 3.0, 4.0, "exclude")
    found = [c for c in constraints("Padua score ≥4 or Caprini score ≥5") if c.kind == "score"]
    assert [(c.op, c.value) for c in found] == [(">=", 4.0), (">=", 5.0)]


def test_a_heading_that_names_the_measure_is_the_subject_of_a_bare_bound() -> None:
    # PDQ records (legacy CT.gov): the measure is a heading line, its bound the criterion.
    text = ("Eligibility Criteria:\nPATIENT CHARACTERISTICS:\n\nAge:\n\n  - Over 18\n\n"
            "Life expectancy:\n\n  - At least 12 weeks\n\nPerformance status:\n\n  - 0-2\n\n"
            "Chemotherapy:\n\n  - No more than 1 prior regimen\n\n"
            "Performance status:\n\n  - WHO 0-1\n")
    trial = trialnlp.extract(text, trial_id="T")
    found = {c.criterion_id: c for c in trial.iter_constraints()}
    for c in found.values():
        assert text[c.start : c.end] == c.text
    assert summary(found["crit.1"])[:6] == ("age", "Age", ">", 18.0, None, "a")
    assert found["crit.1"].text == "Over 18"
    assert summary(found["crit.2"])[:6] == ("score", "Life expectancy", ">=", 12.0, None, "wk")
    assert found["crit.3"].concept == "ECOG performance status"
    assert (found["crit.3"].op, found["crit.3"].value, found["crit.3"].value_max) == (
        "between", 0.0, 2.0)
    assert "crit.4" not in found or found["crit.4"].kind != "score"  # no measure named
    # the scale's name before the bound (the model tags "WHO" a measure of its own)
    assert summary(found["crit.5"])[:6] == ("score", "ECOG performance status", "between", 0.0,
                                            1.0, None)


def test_a_bound_written_twice_is_two_rows_a_name_said_twice_is_one() -> None:
    found = constraints("HBV DNA < 2000 IU/ml (Subgroup 1) or HBsAg-negative with "
                        "HBV DNA < 2000 IU/ml (Subgroup 2)")
    bounds = [c for c in found if c.concept == "Hepatitis B virus DNA (viral load)"]
    assert [(c.op, c.value, c.unit) for c in bounds] == [("<", 2000.0, "[IU]/mL")] * 2
    assert bounds[0].start != bounds[1].start
    names = [c for c in constraints("Melasma; chloasma of the face, or melasma after pregnancy")
             if c.kind == "condition" and c.text.lower() == "melasma"]
    assert len(names) == 1


def test_a_bare_bound_under_a_criterion_takes_the_one_measure_the_parent_names() -> None:
    text = ("Inclusion Criteria:\n"
            "  - If younger, WBC must be 1 of the following:\n"
            "      - Greater than 40,000/mm^3 (for boys age 10 or girls age 14)\n"
            "  - SGOT no greater than 3 times normal\n"
            "      - No greater than 5 times normal if liver metastases present\n"
            "  - CD4 count at least 200 cells/mm3 and one of the following:\n"
            "      - No more than 2 prior regimens\n"
            "      - Less than 10% weight loss\n"
            "      - Less than 100 cells/mm3\n")
    trial = trialnlp.extract(text, trial_id="T")
    valued = {(c.criterion_id, c.concept, c.op, c.value, c.unit, c.relative_to)
              for c in trial.iter_constraints() if c.value is not None}
    assert ("inc.1.1", "Leukocytes (white blood cell count)", ">", 40000.0, "/uL",
            None) in valued
    assert ("inc.2.1", "Aspartate aminotransferase", "<=", 5.0, None, "ULN") in valued
    (conditional,) = [c for c in trial.iter_constraints() if c.criterion_id == "inc.2.1"
                      and c.value is not None]
    assert conditional.qualifier == "if liver metastases present"
    assert ("inc.3.3", "CD4+ T-cell count", "<", 100.0, "/uL", None) in valued
    # bounds with a measure of their own are not the parent's
    assert not {v for v in valued if v[0] in ("inc.3.1", "inc.3.2")
                and v[1] == "CD4+ T-cell count"}
    for c in trial.iter_constraints():
        assert text[c.start : c.end] == c.text


def test_a_dipstick_grade_gets_no_unit_of_the_analyte() -> None:
    (grade,) = [c for c in constraints("proteinuria ≥2+ on urine dipstick test")
                if c.value is not None]
    assert (grade.concept, grade.op, grade.value, grade.unit) == ("Protein (urine)", ">=", 2.0,
                                                                  None)


@pytest.mark.parametrize(("criterion", "expected"), [
    ("Minimum life expectancy of 12 weeks", ("Life expectancy", ">=", 12.0, "wk")),
    ("expected to survive at least 3 months", ("Life expectancy", ">=", 3.0, "mo")),
    ("minimum weight of 50 kg", ("Body weight", ">=", 50.0, "kg")),
    ("a maximum PSA of 10 ng/mL", ("Prostate specific antigen", "<=", 10.0, "ng/mL")),
    ("weight of 50 kg", ("Body weight", "=", 50.0, "kg")),  # no limit word: as written
])
def test_a_limit_word_framing_the_measure_is_the_comparison(criterion: str,
                                                            expected: tuple) -> None:
    assert [(c.concept, c.op, c.value, c.unit) for c in constraints(criterion)
            if c.value is not None] == [expected]


@pytest.mark.parametrize(("criterion", "expected"), [
    ("18 ≤ BMI ≤ 28 kg/m2", [("Body mass index", ">=", 18.0, "kg/m2"),
                             ("Body mass index", "<=", 28.0, "kg/m2")]),
    ("130mmHg=SBP<180mmHg and 80mmHg=DBP<110mmHg",
     [("Systolic blood pressure", ">=", 130.0, "mm[Hg]"),
      ("Systolic blood pressure", "<", 180.0, "mm[Hg]"),
      ("Diastolic blood pressure", ">=", 80.0, "mm[Hg]"),
      ("Diastolic blood pressure", "<", 110.0, "mm[Hg]")]),
    ("6 <= antral follicle count (AFC) <= 16", [("Antral follicle count", ">=", 6.0, None),
                                                ("Antral follicle count", "<=", 16.0, None)]),
])
def test_a_lower_bound_written_before_the_measure(criterion: str, expected: list) -> None:
    assert [(c.concept, c.op, c.value, c.unit) for c in constraints(criterion)
            if c.value is not None] == expected


def test_analyte_without_value_or_result_is_no_constraint() -> None:
    assert [c for c in constraints("drugs that affect glucose metabolism") if c.kind == "lab"] == []
    serology = one("HIV antibody test positive", "lab", "Exclusion Criteria")
    assert (serology.code, serology.qualifier, serology.effect) == ("LOINC:56888-1", "positive",
                                                                   "exclude")


def test_unit_names_the_measure() -> None:
    found = [c for c in constraints(
        "consumed >2 alcoholic beverages per day or >14 alcoholic beverages per week")
        if c.kind == "substance"]
    assert [(c.concept, c.op, c.value, c.unit) for c in found] == [
        ("Alcohol intake", ">", 2.0, "{beverage}/d"), ("Alcohol intake", ">", 14.0, "{beverage}/wk")]


# -- ages and sex -------------------------------------------------------------------------

@pytest.mark.parametrize(("criterion", "expected"), [
    ("18 to 75 years old", ("between", 18.0, 75.0, "a")),
    ("aged > 25 years", (">", 25.0, None, "a")),
    ("≥ 18 years of age", (">=", 18.0, None, "a")),
    ("≥50 YoA at the time of signing", (">=", 50.0, None, "a")),  # "years of age" abbreviated
    ("older than 65", (">", 65.0, None, "a")),
    ("children 2-12 years", ("between", 2.0, 12.0, "a")),
    ("younger than 6 months", ("<", 6.0, None, "mo")),
    ("Age: 18-65", ("between", 18.0, 65.0, "a")),
    ("18 years or older", (">=", 18.0, None, "a")),
    ("Age: Physiologic 65 and under", ("<=", 65.0, None, "a")),  # PDQ's physiologic age
    # the word "age" between the comparison and a bare number
    ("Over age 65", (">", 65.0, None, "a")),
    ("at least age 16", (">=", 16.0, None, "a")),
    ("patients over age of 50", (">", 50.0, None, "a")),
    ("Males between the ages of 20-45.", ("between", 20.0, 45.0, "a")),
    # an age after a measure's name is no value of it: no temperature < 2 Cel
    ("fever under the age of 2", ("<", 2.0, None, "a")),
    ("between the ages of 18 and 65", ("between", 18.0, 65.0, "a")),
    # an age limit named before its number
    ("Maximum age is 85 for patients with Alzheimer's disease", ("<=", 85.0, None, "a")),
    ("Minimum age is 45", (">=", 45.0, None, "a")),
    ("Upper age limit is 75 years", ("<=", 75.0, None, "a")),
    ("Lower age limit of 18 years", (">=", 18.0, None, "a")),
    ("Age limit: 18-70", ("between", 18.0, 70.0, "a")),
    ("The age range is 18 to 65", ("between", 18.0, 65.0, "a")),
    # an age first is no value of the measure after it (a PDQ run-on)
    ("Male or female patients ≥ 18 years of age Life expectancy of at least 12 weeks",
     (">=", 18.0, None, "a")),
])
def test_ages(criterion: str, expected: tuple) -> None:
    age = one(criterion, "age")
    assert (age.op, age.value, age.value_max, age.unit) == expected


@pytest.mark.parametrize(("criterion", "expected"), [
    ("Age greater than 55 or less than 10", [(">", 55.0), ("<", 10.0)]),
    ("Patients below the age of 3 or over 25", [("<", 3.0), (">", 25.0)]),
    # a count after an age in brackets is no age; the ages in brackets say whom each count
    # is for (qualifiers, see test_an_age_in_brackets_after_a_bound_is_whom_it_is_for)
    ("CD4 count of at least 750 (under 12 months of age), at least 500 (1 to 5 years of age)",
     []),
    # a bare bound before an age the other way shares its unit
    ("Patients less than 6 or greater than 65 years of age", [("<", 6.0), (">", 65.0)]),
    # not one the same way, nor one joined by a comma
    ("Pain > 3 or age > 65 years", [(">", 65.0)]),
    ("Pain (VPS) > 3, 18-45 years of age", [("between", 18.0)]),
])
def test_a_second_bound_chained_to_an_age_is_an_age(criterion: str, expected: list) -> None:
    assert [(c.op, c.value) for c in constraints(criterion) if c.kind == "age"] == expected


def test_a_window_is_not_an_age() -> None:
    assert [c for c in constraints("A history of cancer within the past 5 years")
            if c.kind == "age"] == []


@pytest.mark.parametrize(("criterion", "sex"), [
    ("women", "female"), ("female participants aged 18-45", "female"),
    ("Postmenopausal women", "female"), ("Healthy male volunteers", "male"), ("men", "male")])
def test_sex_restrictions(criterion: str, sex: str) -> None:
    assert one(criterion, "sex").sex == sex


@pytest.mark.parametrize("criterion", [
    "women of childbearing potential must use contraception",
    "Men and women aged 18 or older",
    "male or female patients with asthma",
    "Female patients must have a negative pregnancy test",
    "Pregnant or lactating women",
])
def test_no_false_sex_restriction(criterion: str) -> None:
    assert [c for c in constraints(criterion) if c.kind == "sex"] == []


# -- drugs, conditions, procedures -----------------------------------------------------------

@pytest.mark.parametrize(("criterion", "counted"), [
    ("elevated serum calcium concentration on at least 2 occasions", "occasions"),
    ("Blood pressure measured on at least 3 separate visits", "separate visits"),
    ("elevated LDH More than 1 extranodal site", "extranodal site"),
])
def test_a_bare_number_before_what_it_counts_bounds_no_measure(criterion: str,
                                                               counted: str) -> None:
    # no calcium >= 2 mg/dL, no blood pressure >= 3 mmHg, no LDH > 1 U/L
    found = [(c.kind, c.concept, c.value) for c in constraints(criterion) if c.value is not None]
    assert found == [("measurement", counted, found[0][2])]


def test_how_a_diagnosis_is_confirmed_is_a_procedure() -> None:
    found = [(c.kind, c.concept) for c in constraints(
        "Histologically or cytologically confirmed non-small cell lung cancer, "
        "radiologically measurable") if c.kind == "procedure"]
    assert found == [("procedure", "Histological examination"),
                     ("procedure", "Cytological examination"), ("procedure", "Diagnostic imaging")]


@pytest.mark.parametrize(("criterion", "drug", "dose"), [
    ("oral prednisone ≥40mg/ day (or equivalent)", "Prednisone", (">=", 40.0, "mg/d")),
    ("AZA≥2 mg/kg/ day", "Azathioprine", (">=", 2.0, "mg/kg/d")),
    ("AZA, 6-MP, or MTX(≤15 mg/ week)", "Methotrexate", ("<=", 15.0, "mg/wk")),
    ("failure to taper to <6mg/ day of budesonide", "Budesonide", ("<", 6.0, "mg/d")),
    # routes between the dose and the drug
    ("chronic treatment with > 15 mg/day of systemic prednisone", "Prednisone",
     (">", 15.0, "mg/d")),
    ("greater than 2.0 mg/day inhaled or intranasal budesonide", "Budesonide",
     (">", 2.0, "mg/d")),
    ("No more than 450 mg/m2 cumulative dose of prior doxorubicin", "Doxorubicin",
     ("<=", 450.0, "mg/m2")),
    # a PDQ run-on: the bound after "recovered" starts the next sentence, and the drug in
    # brackets before it has closed
    ("At least 4 weeks since prior chemotherapy (6 weeks for nitrosoureas) and recovered No "
     "greater than 300 mg/m2 cumulative dose of doxorubicin", "Doxorubicin",
     ("<=", 300.0, "mg/m2")),
])
def test_drug_doses(criterion: str, drug: str, dose: tuple) -> None:
    found = {c.concept: c for c in constraints(criterion) if c.kind == "drug"}
    assert (found[drug].dose_op, found[drug].dose_value, found[drug].dose_unit) == dose
    assert found[drug].code and found[drug].code.startswith("DrugBank:DB")


def test_a_pdq_run_on_sentence_gives_no_dose_across_its_break() -> None:
    found = {c.concept: c for c in constraints(
        "Chemotherapy: At least 4 weeks since prior chemotherapy (6 weeks for mitomycin or "
        "nitrosoureas) and recovered No greater than 300 mg/m2 of prior therapy") if c.kind == "drug"}
    assert found["Nitrosoureas"].dose_value is None
    found = {c.concept: c for c in constraints(
        "Prior doxorubicin no greater than 300 mg/m2 Prior cumulative dose of epirubicin no "
        "greater than 500 mg/m2") if c.kind == "drug"}
    assert (found["Doxorubicin"].dose_value, found["Epirubicin"].dose_value) == (300.0, 500.0)


def test_antiretroviral_abbreviations_of_legacy_hiv_trials_are_coded() -> None:
    found = [(c.concept, c.code) for c in constraints("Prior ddI, ddC or d4T; current IDV/RTV")
             if c.kind == "drug"]
    assert [concept for concept, _ in found] == [
        "Didanosine", "Zalcitabine", "Stavudine", "Indinavir", "Ritonavir"]
    assert all(code and code.startswith("DrugBank:DB") for _, code in found)


def test_a_fixed_combination_is_one_drug() -> None:
    for text in ("PCP prophylaxis with TMP/SMX", "trimethoprim-sulfamethoxazole", "Bactrim DS"):
        (drug,) = [c for c in constraints(text) if c.kind == "drug"]
        assert drug.code == "ATC:J01EE01", text


def test_drug_classes_are_coded_to_atc() -> None:
    found = one("Patients taking oral contraceptives within the past 12 months", "drug",
                "Exclusion Criteria")
    assert found.code.startswith("ATC:G03A")
    assert (found.window.amount, found.window.unit, found.window.relation) == (12.0, "mo", "within")


@pytest.mark.parametrize(("criterion", "codes"), [
    ("No night sweats, oral thrush or PCP",
     ["ICD10CM:R61", "ICD10CM:B37.0", "ICD10CM:B59"]),
    ("history of drug-induced liver injury or bronchospasm", ["ICD10CM:K71.9", "ICD10CM:J98.01"]),
])
def test_symptoms_and_infections_of_registry_records_are_coded(criterion: str,
                                                               codes: list[str]) -> None:
    assert [c.code for c in constraints(criterion) if c.kind == "condition"] == codes


@pytest.mark.parametrize("name", ["melasma", "chloasma"])
def test_conditions_are_coded_to_icd10cm(name: str) -> None:
    assert one(f"Patients diagnosed with {name}", "condition").code == "ICD10CM:L81.1"


def test_pregnancy_and_lactation() -> None:
    found = constraints("Pregnant or lactating women", "Exclusion Criteria")
    assert {(c.kind, c.code, c.effect) for c in found} == {
        ("pregnancy", "ICD10CM:Z33.1", "exclude"), ("lactation", "ICD10CM:Z39.1", "exclude")}
    planned = one("Have a pregnancy plan in the next 2 years", "pregnancy", "Exclusion Criteria")
    assert planned.hypothetical


def test_windows_attach_to_what_they_qualify() -> None:
    procedure = one("Had received fecal microbial transplantation within 4 weeks prior to "
                    "randomization", "procedure", "Exclusion Criteria")
    assert (procedure.concept, procedure.window.amount, procedure.window.unit,
            procedure.window.anchor) == ("Fecal microbiota transplantation", 4.0, "wk",
                                         "randomization")


def test_negation_history_and_hypothetical_with_triggers() -> None:
    negated = one("No history of myocardial infarction", "condition")
    assert negated.negated and negated.historical
    assert any(t.startswith("negated_existence:") for t in negated.triggers)
    assert one("Planned surgery", "procedure", "Exclusion Criteria").hypothetical
    # Scoped to one criterion: the next criterion is not negated.
    found = constraints("No diabetes\nAsthma")
    assert [(c.concept is not None, c.negated) for c in found if c.kind == "condition"][-1] == \
        (True, False)


# -- the seeds, as the issue lists them ----------------------------------------------------------

def test_seed_004_constraints() -> None:
    found = [(*summary(c), c.effect) for c in seed("004").iter_constraints()]
    for expected in [
        ("lab", "Alanine aminotransferase", ">=", 2.5, None, None, "ULN", None, "exclude"),
        ("lab", "Aspartate aminotransferase", ">=", 2.5, None, None, "ULN", None, "exclude"),
        ("lab", "Creatinine (serum)", ">=", 1.5, None, "mg/dL", None, "male", "exclude"),
        ("lab", "Creatinine (serum)", ">=", 1.4, None, "mg/dL", None, "female", "exclude"),
        ("score", "Padua prediction score", ">=", 4.0, None, None, None, None, "exclude"),
        ("score", "Caprini risk assessment score", ">=", 5.0, None, None, None, None, "exclude"),
        ("substance", "Alcohol intake", ">", 2.0, None, "{beverage}/d", None, None, "exclude"),
        ("substance", "Alcohol intake", ">", 14.0, None, "{beverage}/wk", None, None, "exclude"),
    ]:
        assert expected in found, expected
    nyha = [c for c in seed("004").iter_constraints()
            if (c.concept or "").startswith("New York Heart")]
    assert [(c.op, c.value, c.value_max) for c in nyha] == [("between", 3.0, 4.0)]


def test_seed_003_constraints() -> None:
    trial = seed("003")
    found = {(c.kind, c.concept): c for c in trial.iter_constraints() if c.source == "rule"}
    assert summary(found[("age", "Age")])[2:6] == ("between", 18.0, 75.0, "a")
    assert summary(found[("vital", "Body weight")])[2:6] == (">=", 40.0, None, "kg")
    mayo = [c for (k, n), c in found.items() if k == "score" and "Mayo" in n]
    assert [(c.op, c.value, c.value_max) for c in mayo] == [("between", 6.0, 12.0)]
    doses = {(c.concept, c.dose_op, c.dose_value, c.dose_unit) for c in trial.iter_constraints()
             if c.kind == "drug"}
    assert {("Prednisone", ">=", 40.0, "mg/d"), ("Azathioprine", ">=", 2.0, "mg/kg/d"),
            ("Methotrexate", "<=", 15.0, "mg/wk")} <= doses
    fmt = [c for c in trial.iter_constraints() if c.concept == "Fecal microbiota transplantation"]
    assert [(c.window.amount, c.window.unit) for c in fmt] == [(4.0, "wk")]


def test_seed_001_constraints() -> None:
    found = [(c.kind, c.op, c.value, c.sex, c.source) for c in seed("001").iter_constraints()]
    assert ("sex", "=", None, "female", "rule") in found
    assert ("age", ">", 25.0, None, "rule") in found
    assert ("age", ">=", 25.0, None, "structured") in found


def test_seed_000_constraints() -> None:
    trial = seed("000")
    codes = {(c.kind, c.code) for c in trial.iter_constraints()}
    assert ("condition", "ICD10CM:L81.1") in codes
    oc = [c for c in trial.iter_constraints() if c.code and c.code.startswith("ATC:G03A")]
    assert oc and (oc[0].window.amount, oc[0].window.unit) == (12.0, "mo")


def test_constraints_table_rows() -> None:
    frame = seed("004").to_frame("constraints")
    assert {"trial_id", "criterion_id", "kind", "op", "value", "relative_to", "window_amount",
            "effect", "source"} <= set(frame.columns)
    assert (frame["section"].dropna() == "exclusion").all()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ALT AST≥<>=2.5xULN mg/dl ( ) women men aged 18 "
                                             "years ; within 6 months no history of")),
               max_size=120))
def test_any_criterion_text_gives_valid_constraints(text: str) -> None:
    source = "Inclusion Criteria:\n* " + text
    for constraint in trialnlp.extract(source, trial_id="T").iter_constraints():
        if constraint.start is not None:
            assert source[constraint.start : constraint.end] == constraint.text


# -- issue 3 recall: linking and lexicon additions -----------------------------------------

def thresholds(criterion: str) -> list[tuple]:
    return [(c.concept, c.op, c.value, c.value_max, c.unit, c.relative_to)
            for c in constraints(criterion)
            if c.kind in ("lab", "vital", "score") and c.value is not None]


@pytest.mark.parametrize(("criterion", "expected", "prefix"), [
    # an alternative bound after "or" spans the analyte too
    ("Platelet count <80,000 or >700,000 cells/mm3",
     ("Platelets", ">", 700000.0, None, "/uL", None), "Platelet count <80,000 or >700,000"),
    # past the diastolic half of a pair, "but" chains the second bound (a pair is
    # systolic/diastolic)
    ("Blood pressure ≥ 135/85 mm Hg but lower than 170/105 mm Hg",
     ("Systolic blood pressure", "<", 170.0, None, "mm[Hg]", None), "Blood pressure ≥ 135/85"),
    # after a bracketed restatement in other units
    ("HbA1c =6.0% (=42 mmol/mol) and =9.0% (75 mmol/mol)",
     ("Hemoglobin A1c", "=", 9.0, None, "%", None), "HbA1c =6.0% (=42 mmol/mol) and =9.0%"),
    ("PSA > 10 & < 20", ("Prostate specific antigen", "<", 20.0, None, "ng/mL", None), "PSA"),
    ("Total bilirubin <= 1.5 x ULN (or <= 2.5 x ULN for Gilbert)",
     ("Total bilirubin", "<=", 2.5, None, None, "ULN"), "Total bilirubin <= 1.5 x ULN (or"),
])
def test_chained_bound_spans_its_subject(criterion: str, expected: tuple, prefix: str) -> None:
    found = [c for c in constraints(criterion) if c.value == expected[2]]
    assert [(c.concept, c.op, c.value, c.value_max, c.unit, c.relative_to)
            for c in found] == [expected]
    assert found[0].text.startswith(prefix)


def test_restated_units_keep_their_own_span() -> None:
    found = [c for c in constraints("serum creatinine ≥ 1.5 mg/dL (133 µmol/L)")
             if c.kind == "lab"]
    assert [(c.op, c.value, c.unit, c.text) for c in found] == [
        (">=", 1.5, "mg/dL", "serum creatinine ≥ 1.5 mg/dL"),
        (">=", 133.0, "umol/L", "133 µmol/L")]


def test_scale_range_in_brackets_is_no_bound() -> None:
    assert thresholds("BASDAI score = 4 (0-10)") == [
        ("Bath Ankylosing Spondylitis Disease Activity Index", "=", 4.0, None, None, None)]


def test_bound_before_a_subject_named_after_the_value() -> None:
    found = thresholds("mass lesion that is >0.5 cm and < 2 cm in size of the stenosis")
    assert found == []  # no size analyte in the lexicon: nothing invented
    assert thresholds("Apnea-hypopnea index of less than 5 h-1") == [
        ("Apnea-hypopnea index", "<", 5.0, None, "/h", None)]  # h-1: per hour


def test_duration_is_no_stenosis() -> None:
    assert thresholds("70% or greater stenosis (by visual estimate) more than 72 hours ago") == [
        ("Vessel stenosis (percent diameter)", ">=", 70.0, None, "%", None)]


@pytest.mark.parametrize(("criterion", "expected"), [
    ("AST to platelet ratio index (APRI) > 2.0",
     [("AST to platelet ratio index", ">", 2.0, None, None, None)]),
    ("FIB-4 > 3.25", [("Fibrosis-4 index", ">", 3.25, None, None, None)]),
    ("HOMA-IR < 2.0", [("HOMA insulin resistance index", "<", 2.0, None, None, None)]),
    ("AFC > 10", [("Antral follicle count", ">", 10.0, None, None, None)]),
    ("Serum erythropoietin < 500 mU/mL",
     [("Erythropoietin (serum level)", "<", 500.0, None, "mU/mL", None)]),
    ("cholinesterase < 2000 U/L", [("Cholinesterase (serum)", "<", 2000.0, None, "U/L", None)]),
    ("NITBUT < 10 s", [("Tear film break-up time", "<", 10.0, None, "s", None)]),
    ("end diastolic diameter > 60 mm",
     [("Left ventricular end-diastolic diameter", ">", 60.0, None, "mm", None)]),
    ("left atrium diameter < 46 mm", [("Left atrial diameter", "<", 46.0, None, "mm", None)]),
    ("Systolic pulmonary artery pressure > 40 mmHg",
     [("Pulmonary artery systolic pressure", ">", 40.0, None, "mm[Hg]", None)]),
    ("Fetal weight estimation > 4500 g", [("Estimated fetal weight", ">", 4500.0, None, "g", None)]),
    ("weight-for-height Z-score < -3", [("Weight-for-height z-score", "<", -3.0, None, None, None)]),
    ("periodic limb movement index > 10/hour",
     [("Periodic limb movement index", ">", 10.0, None, "/h", None)]),
    ("Anticipated survival of at least 3 months",
     [("Life expectancy", ">=", 3.0, None, "mo", None)]),
    ("Reference vessel diameter 2.75-4.0 mm",
     [("Reference vessel diameter", "between", 2.75, 4.0, "mm", None)]),
    ("FEV1/SVC < 70%", [("FEV1/vital capacity ratio", "<", 70.0, None, "%", None)]),
    ("residual stenosis < 30%", [("Vessel stenosis (percent diameter)", "<", 30.0, None, "%", None)]),
    ("Hamilton Depression Rating Scale-17 score greater than 18",
     [("Hamilton Depression Rating Scale", ">", 18.0, None, None, None)]),
    ("mean ventricular response rate > 100 beats per minute",
     [("Heart rate", ">", 100.0, None, "/min", None)]),
    # "for": the value names its subject after it
    ("Blood pressure taken at screening and randomization is = 180 mmHg for siSBP or = 110 mmHg "
     "for siDBP",
     [("Systolic blood pressure", "=", 180.0, None, "mm[Hg]", None),
      ("Diastolic blood pressure", "=", 110.0, None, "mm[Hg]", None)]),
    # "by"/"per": the grade of a named scale
    ("Toxicity that is Grade >1 by NCI CTCAE v4",
     [("CTCAE grade (NCI Common Terminology Criteria for Adverse Events)", ">", 1.0, None, None,
       None)]),
    # "either" inside a coordinated run; GGPT is GGT
    ("Liver enzymes (either AST, ALT, GGPT), or direct bilirubin exceeding 2 x upper limit of "
     "normal range",
     [("Aminotransferases (ALT and AST)", ">", 2.0, None, None, "ULN"),
      ("Aspartate aminotransferase", ">", 2.0, None, None, "ULN"),
      ("Alanine aminotransferase", ">", 2.0, None, None, "ULN"),
      ("Gamma-glutamyl transferase", ">", 2.0, None, None, "ULN"),
      ("Direct (conjugated) bilirubin", ">", 2.0, None, None, "ULN")]),
])
def test_added_analytes(criterion: str, expected: list) -> None:
    assert thresholds(criterion) == expected


@pytest.mark.parametrize(("criterion", "expected"), [
    ("ASA 1-3", ("=", "between", 1.0, 3.0)),
    ("ASA II or III", ("=", "between", 2.0, 3.0)),
    ("ASA physical status I-II", ("=", "between", 1.0, 2.0)),
    ("American Society of Anesthesiologist (ASA) status 4 or higher", ("=", ">=", 4.0, None)),
    ("American Society of Anesthesiology Physical Class 1-3", ("=", "between", 1.0, 3.0)),
])
def test_asa_class_is_the_score_not_aspirin(criterion: str, expected: tuple) -> None:
    found = [c for c in constraints(criterion) if c.value is not None]
    assert [(c.kind, c.concept, c.op, c.value, c.value_max) for c in found] == [
        ("score", "ASA physical status classification", *expected[1:])]
    assert not [c for c in constraints(criterion) if c.kind == "drug"]


def test_bare_asa_with_a_dose_is_still_aspirin() -> None:
    drugs = [c for c in constraints("ASA 81 mg daily") if c.kind == "drug"]
    assert [(c.concept, c.dose_value, c.dose_unit) for c in drugs] == [("Aspirin", 81.0, "mg/d")]


# -- blood pressure pairs, thresholds that define a condition, bare numbers ---------------

SBP, DBP = "Systolic blood pressure", "Diastolic blood pressure"


@pytest.mark.parametrize(("criterion", "expected"), [
    ("uncontrolled hypertension (blood pressure > 140/90 mmHg)",
     [(SBP, ">", 140.0, None, "mm[Hg]", None), (DBP, ">", 90.0, None, "mm[Hg]", None)]),
    # the comparator written after the pair applies to both numbers
    ("blood pressure of 140/90 mmHg or higher",
     [(SBP, ">=", 140.0, None, "mm[Hg]", None), (DBP, ">=", 90.0, None, "mm[Hg]", None)]),
    # no unit: the second number is read in the panel's unit
    ("BP >= 140/90",
     [(SBP, ">=", 140.0, None, "mm[Hg]", None), (DBP, ">=", 90.0, None, "mm[Hg]", None)]),
    ("Blood pressure ≥ 135/85 mm Hg but lower than 170/105 mm Hg",
     [(SBP, ">=", 135.0, None, "mm[Hg]", None), (DBP, ">=", 85.0, None, "mm[Hg]", None),
      (SBP, "<", 170.0, None, "mm[Hg]", None), (DBP, "<", 105.0, None, "mm[Hg]", None)]),
    # one number stays a blood pressure threshold
    ("BP > 140 mmHg", [("Blood pressure", ">", 140.0, None, "mm[Hg]", None)]),
    # ... unless the part of the panel is named right after it
    ("uncontrolled hypertension (> 160 mmHg systolic or > 100 mmHg diastolic)",
     [(SBP, ">", 160.0, None, "mm[Hg]", None), (DBP, ">", 100.0, None, "mm[Hg]", None)]),
    ("blood pressure > 150 mmHg systolic and/or > 90 mmHg diastolic",
     [(SBP, ">", 150.0, None, "mm[Hg]", None), (DBP, ">", 90.0, None, "mm[Hg]", None)]),
    ("blood pressure > 140 mmHg (systolic)", [(SBP, ">", 140.0, None, "mm[Hg]", None)]),
])
def test_blood_pressure_pair_is_systolic_and_diastolic(criterion: str, expected: list) -> None:
    assert thresholds(criterion) == expected


AST, ALT = "Aspartate aminotransferase", "Alanine aminotransferase"


@pytest.mark.parametrize(("criterion", "expected"), [
    # a QTc may be written in seconds: no duration
    ("QTc less than or equal to 0.44 seconds", [("QTc interval", "<=", 0.44, None, "s", None)]),
    # ">or equal to" without its space
    ("Hemoglobin >or equal to 9 g/dL", [("Hemoglobin", ">=", 9.0, None, "g/dL", None)]),
    # verbs between the measure and its bound
    ("O2 saturation can be maintained at >80%",
     [("Oxygen saturation (pulse oximetry)", ">", 80.0, None, "%", None)]),
    ("creatinine clearance is reduced to less than 30 ml/min",
     [("Creatinine clearance", "<", 30.0, None, "mL/min", None)]),
    # how it is judged, then the bound in brackets
    ("Serum testosterone in the castrate range (less than 20 ng/mL)",
     [("Testosterone (total)", "<", 20.0, None, "ng/mL", None)]),
    ("Increased blood glucose levels during ICU care (> 110 mg/dL) or on insulin",
     [("Glucose (serum/plasma)", ">", 110.0, None, "mg/dL", None)]),
    # ... but "and"/"or"/"age" start no method phrase: the age is the trial's
    ("LH, FSH, and E2 levels On HRT and either age 50 or greater", []),
    # the value first, then what it is in
    ("less than 25 kg in weight", [("Body weight", "<", 25.0, None, "kg", None)]),
    ("Southwest Oncology Group performance status criteria of 0-1",
     [("ECOG performance status", "between", 0.0, 1.0, None, None)]),
    # a comparison written twice
    ("Creatinine clearance less than < 70 mL/min",
     [("Creatinine clearance", "<", 70.0, None, "mL/min", None)]),
    # a condition named for its analyte; no coordination across a closed aside with a value
    ("obesity (20% greater than ideal body weight), hyperhomocysteinemia (plasma homocysteine "
     "greater than 17 umol/L)", [("Homocysteine", ">", 17.0, None, "umol/L", None)]),
    ("leukocytosis (WBC less than or equal to 3.5 K/cu mm or at least 20.0 K/ cu mm)",
     [("Leukocytes (white blood cell count)", "<=", 3.5, None, "10*3/uL", None),
      ("Leukocytes (white blood cell count)", ">=", 20.0, None, "10*3/uL", None)]),
    # an abbreviation's period
    ("Cr. less than 2.0 mg/dL", [("Creatinine (serum)", "<", 2.0, None, "mg/dL", None)]),
    # a multiple of a normal limit before the names it is for: a bound even with no
    # comparison written, on each name
    ("three times the upper limit of normal (ULN) for aspartate aminotransferase (AST) and/or "
     "alanine aminotransferase (ALT)",
     [(AST, "=", 3.0, None, None, "ULN"), (ALT, "=", 3.0, None, None, "ULN")]),
    (">3 x ULN for AST and/or ALT", [(AST, ">", 3.0, None, None, "ULN"),
                                     (ALT, ">", 3.0, None, None, "ULN")]),
    # CT.gov's misspelling keeps the coordination whole
    ("alanine aminotransferase (ALT), aspartase aminotransferase (AST), or alkaline phosphatase "
     "= 10 times upper limit of normal(ULN)",
     [(ALT, "=", 10.0, None, None, "ULN"), (AST, "=", 10.0, None, None, "ULN"),
      ("Alkaline phosphatase", "=", 10.0, None, None, "ULN")]),
    # an age before a lab in a PDQ run-on is no bound on the lab
    ("Over 55 years of age AST or ALT greater than 2.5 times upper limit of normal (ULN)",
     [(AST, ">", 2.5, None, None, "ULN"), (ALT, ">", 2.5, None, None, "ULN")]),
])
def test_bound_reached_past_words_between(criterion: str, expected: list) -> None:
    assert thresholds(criterion) == expected


def test_blood_pressure_pair_codes() -> None:
    found = [c for c in constraints("BP > 140/90 mmHg") if c.value is not None]
    assert [(c.kind, c.code, c.text) for c in found] == [
        ("vital", "LOINC:8480-6", "BP > 140/90 mmHg"), ("vital", "LOINC:8462-4", "BP > 140/90 mmHg")]


@pytest.mark.parametrize(("criterion", "expected"), [
    ("Thrombocytopenia (< 50,000)", [("Platelets", "<", 50000.0, None, "/uL", None)]),
    ("Hypertriglyceridemic (>400 mg/dl)", [("Triglycerides", ">", 400.0, None, "mg/dL", None)]),
    ("Hyperglycemia > 250 mg/dL",
     [("Glucose (serum/plasma)", ">", 250.0, None, "mg/dL", None)]),
    ("Lymphopenia < 500/mm3", [("Absolute lymphocyte count", "<", 500.0, None, "/uL", None)]),
    ("high blood pressure (>160/100mmHg)",
     [(SBP, ">", 160.0, None, "mm[Hg]", None), (DBP, ">", 100.0, None, "mm[Hg]", None)]),
    ("Fever >= 38.5 C", [("Body temperature", ">=", 38.5, None, "Cel", None)]),
    ("reduced ejection fraction (= 40%)",
     [("Left ventricular ejection fraction", "=", 40.0, None, "%", None)]),
    # the analyte written out wins, and is not doubled by the condition before it
    ("anemia (hemoglobin < 10 g/dL)", [("Hemoglobin", "<", 10.0, None, "g/dL", None)]),
    ("vitamin B12 deficiency (less than 160 pg/mL)",
     [("Vitamin B12 (cobalamin)", "<", 160.0, None, "pg/mL", None)]),
    ("folic acid deficiency (less than 0.9 ng/mL)",  # no dose of folic acid
     [("Folate (serum)", "<", 0.9, None, "ng/mL", None)]),
    ("Persistent lymphocytosis (greater than 10,000/mm^3)",
     [("Absolute lymphocyte count", ">", 10000.0, None, "/uL", None)]),
    ("prolonged QTc interval (greater than 450 ms)",
     [("QTc interval", ">", 450.0, None, "ms", None)]),
    ("carotid stenosis (> 50 percent)",
     [("Vessel stenosis (percent diameter)", ">", 50.0, None, "%", None)]),
    # a grade is no count; a duration is no pressure; a length is no count
    ("neutropenia grade >= 3", []),
    ("hypertension for > 6 months", []),
    ("Lymphadenopathy greater than 10 cm Lymphocytosis", []),
])
def test_condition_defined_by_a_threshold(criterion: str, expected: list) -> None:
    assert thresholds(criterion) == expected
    assert [c for c in constraints(criterion) if c.kind == "condition"]  # still a condition


@pytest.mark.parametrize(("criterion", "expected"), [
    ("platelets < 100,000", ("Platelets", 100000.0, "/uL")),
    ("platelets < 100", ("Platelets", 100.0, "10*9/L")),
    ("ANC >= 1500", ("Absolute neutrophil count", 1500.0, "/uL")),
    ("ANC >= 1.5", ("Absolute neutrophil count", 1.5, "10*9/L")),
    ("Hemoglobin >= 9", ("Hemoglobin", 9.0, "g/dL")),
    ("hemoglobin < 100", ("Hemoglobin", 100.0, "g/L")),
])
def test_a_bare_number_is_read_in_the_unit_its_size_implies(criterion: str,
                                                            expected: tuple) -> None:
    [(concept, _, value, _, unit, _)] = thresholds(criterion)
    assert (concept, value, unit) == expected


@pytest.mark.parametrize(("criterion", "expected"), [
    # a slash after a bracket or ending a word splits ("(AST)/Alanine", "Bilirubin/ SGOT")
    ("Aspartate aminotransferase (AST)/Alanine aminotransferase (ALT) <10x upper limit of normal",
     [("Aspartate aminotransferase", "<", 10.0, None, None, "ULN"),
      ("Alanine aminotransferase", "<", 10.0, None, None, "ULN")]),
    ("Bilirubin/ SGOT/SGPT < 5 × upper normal limits",
     [("Total bilirubin", "<", 5.0, None, None, "ULN"),
      ("Aminotransferases (ALT and AST)", "<", 5.0, None, None, "ULN")]),
    # a comparator word before a written comparator is a filler
    ("elevated levels of NT-proBNP (at least >125 pg/ml)",
     [("N-terminal pro-B-type natriuretic peptide", ">", 125.0, None, "pg/mL", None)]),
])
def test_slashes_and_doubled_comparators(criterion: str, expected: list) -> None:
    assert thresholds(criterion) == expected


def test_extension_shortcut_reads_what_span_underscore_reads() -> None:
    """component._extension reads span extensions straight from doc.user_data under the key
    spaCy 3.7's Underscore uses; if a spaCy release changes that key, this fails."""
    import spacy
    from spacy.tokens import Span

    from trialnlp.constraints.component import _extension

    for name, default in (("_tn_test_flag", False), ("_tn_test_list", None)):
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    doc = spacy.blank("en")("no history of asthma or copd")
    asthma, copd, unset = doc[3:4], doc[5:6], doc[0:1]
    asthma._._tn_test_flag = True
    copd._._tn_test_list = ("a", "b")
    for span in (asthma, copd, unset):
        for name in ("_tn_test_flag", "_tn_test_list"):
            assert _extension(span, name, "x") == getattr(span._, name)
    assert _extension(asthma, "_tn_never_registered", "x") == "x"


@pytest.mark.parametrize(("criterion", "bounds"), [
    ("TBUT > 5 sec. and < 10 sec.", [(">", 5.0, "s"), ("<", 10.0, "s")]),
    ("6-min walk of > 50m (without rehabilitation) or > 100m (with rehabilitation)",
     [(">", 50.0, "m"), (">", 100.0, "m")]),
])
def test_second_bound_after_an_abbreviated_unit_or_an_aside(criterion: str,
                                                            bounds: list[tuple]) -> None:
    found = [c for c in constraints(criterion) if c.kind in ("lab", "vital")]
    assert [(c.op, c.value, c.unit) for c in found] == bounds
    assert len({c.concept for c in found}) == 1


@pytest.mark.parametrize("criterion", ["blood pressure 150/95 or higher",
                                       "Bloodpressure 150/95 or higher."])
def test_unitless_pressure_pair_with_a_suffix_comparator(criterion: str) -> None:
    found = [(c.concept, c.op, c.value, c.unit) for c in constraints(criterion)]
    assert found == [("Systolic blood pressure", ">=", 150.0, "mm[Hg]"),
                     ("Diastolic blood pressure", ">=", 95.0, "mm[Hg]")]


def test_second_bound_after_comma_or_keeps_its_qualifier() -> None:
    found = [c for c in constraints(
        "Total bilirubin ≤ 1.5 x ULN, or ≤ 3 x ULN in patients with Gilbert's syndrome")
        if c.kind == "lab"]
    assert [(c.op, c.value, c.relative_to, c.qualifier) for c in found] == [
        ("<=", 1.5, "ULN", None), ("<=", 3.0, "ULN", "in patients with Gilbert's syndrome")]


def test_an_age_label_keeps_its_value_from_the_measure_after_it() -> None:
    # PDQ-style legacy text: the age range must not become a performance-status range
    found = constraints("PATIENT CHARACTERISTICS: Age: 15 to 55 Performance status: Zubrod 0-2")
    assert [(c.kind, c.op, c.value, c.value_max) for c in found] == [
        ("age", "between", 15.0, 55.0), ("score", "between", 0.0, 2.0)]


@pytest.mark.parametrize(("criterion", "expected"), [
    ("Have had at least 2 CD4 cell counts over 200 cells/mm3", [(">", 200.0, "/uL")]),
    ("At least 2 HbA1c values >= 7% in the past year", [(">=", 7.0, "%")]),
    # the word after the analyte says it; "to <" makes the bare number the lower end
    ("More than 1 plasma HIV-1 RNA measurement 50 c/mL to <200 c/mL within 24 weeks",
     [(">=", 50.0, "{copies}/mL"), ("<", 200.0, "{copies}/mL")]),
    ("More than 2 HbA1c values in the past year", []),
])
def test_a_number_that_counts_readings_is_no_threshold(criterion: str,
                                                       expected: list[tuple]) -> None:
    found = [c for c in constraints(criterion) if c.kind == "lab"]
    assert [(c.op, c.value, c.unit) for c in found] == expected


def test_a_bare_number_to_an_upper_bound_is_the_lower_end() -> None:
    found = [c for c in constraints("HbA1c 7% to <8% with associated symptoms") if c.kind == "lab"]
    assert [(c.op, c.value, c.unit) for c in found] == [(">=", 7.0, "%"), ("<", 8.0, "%")]


def test_a_name_modifying_what_is_counted_is_not_what_is_counted() -> None:
    found = constraints("BMI >= 35.0 kg/m^2 with greater than or equal to 1 obesity-related "
                        "complication")
    assert [(c.concept, c.op, c.value) for c in found if c.kind == "vital"] == [
        ("Body mass index", ">=", 35.0)]


def test_a_phrase_or_unit_wrapped_over_two_lines_is_read_whole() -> None:
    # Legacy CT.gov text wraps its lines with indentation inside a criterion.
    text = ("Inclusion Criteria:\n1. measured creatinine\n        clearance of at least 55 "
            "ml/min\n2. a life expectancy of at least 8\n        weeks\n"
            "3. history of congestive  heart\n   failure")
    trial = trialnlp.extract(text)
    found = [(c.concept, c.op, c.value, c.unit) for c in trial.iter_constraints()]
    assert found == [("Creatinine clearance", ">=", 55.0, "mL/min"),
                     ("Life expectancy", ">=", 8.0, "wk"), ("Heart failure", None, None, None)]
    assert all(text[c.start:c.end] == c.text for c in trial.iter_constraints())


def test_a_line_break_without_indentation_still_separates_words() -> None:
    # One criterion per line: the next line's first word is no unit of this line's number.
    trial = trialnlp.extract("Inclusion Criteria:\nHemoglobin > 9\nweeks since surgery: 4")
    assert next((c.concept, c.value, c.unit) for c in trial.iter_constraints()) == (
        "Hemoglobin", 9.0, "g/dL")


def test_a_count_written_over_a_volume_is_per_volume() -> None:
    found = constraints("Platelets must be greater than 70,000 mm(3) and WBC 3000 mm3 or more")
    assert [(c.value, c.unit) for c in found if c.kind == "lab"] == [
        (70000.0, "/uL"), (3000.0, "/uL")]


def test_nested_asides_do_not_separate_a_measure_from_its_value() -> None:
    assert thresholds("Body mass index (BMI; weight [kilogram(kg)]/height^2 [meter square "
                      "(m^2)]) between 18 and 30 kg/m^2, (inclusive)") == [
        ("Body mass index", "between", 18.0, 30.0, "kg/m2", None)]


def test_a_positive_test_with_a_quantity() -> None:
    assert thresholds("Hepatitis B surface antigen (HBsAg) positive and <1500 IU/mL.") == [
        ("Hepatitis B surface antigen", "<", 1500.0, None, "[IU]/mL", None)]


@pytest.mark.parametrize(("criterion", "expected"), [
    ("Kellgren-Lawrence score at X-ray evaluation > 3;",
     ("Kellgren-Lawrence grade", ">", 3.0, None, None, None)),
    ("QTc on ECG > 470 ms", ("QTc interval", ">", 470.0, None, "ms", None)),
    ("FEV1 at Visit 1 (Screening) >=80% predicted",
     ("Forced expiratory volume in 1 second", ">=", 80.0, None, "%{predicted}", None)),
    ("estradiol at time of ovulation trigger is > 5000 pg/ml",
     ("Estradiol", ">", 5000.0, None, "pg/mL", None)),
    ("QRS width in the 12 channel surface ECG =120 ms",
     ("QRS duration", "=", 120.0, None, "ms", None)),
    ("viral load in the past that was less than or equal to 400 copies/ml",
     ("HIV-1 RNA (viral load)", "<=", 400.0, None, "{copies}/mL", None)),
])
def test_how_a_measure_is_taken_stands_between_it_and_its_value(criterion: str,
                                                                expected: tuple) -> None:
    assert thresholds(criterion) == [expected]


def test_a_method_phrase_with_a_number_in_it_is_no_gap() -> None:
    # the 12 of "12 channel" is no value of the QRS width
    assert [t for t in thresholds("QRS width in the 12 channel surface ECG =120 ms")
            if t[2] == 12.0] == []


@pytest.mark.parametrize("criterion", ["HBsAg in serum for at least 6 months",
                                       "stool culture in patient with 3 or more stools"])
def test_in_without_a_determiner_is_no_method_phrase(criterion: str) -> None:
    assert thresholds(criterion) == []


@pytest.mark.parametrize(("criterion", "expected"), [
    ("HbA1c >= 9% if on triple therapy or >= 10% on diet",
     [("Hemoglobin A1c", ">=", 9.0, None, "%", None),
      ("Hemoglobin A1c", ">=", 10.0, None, "%", None)]),
    ("ALT < 3 x ULN in patients without liver metastases or < 5 x ULN",
     [("Alanine aminotransferase", "<", 3.0, None, None, "ULN"),
      ("Alanine aminotransferase", "<", 5.0, None, None, "ULN")]),
])
def test_a_second_bound_after_the_case_of_the_first(criterion: str, expected: list) -> None:
    assert thresholds(criterion) == expected


def test_clause_reading_matches_the_regex_it_replaces() -> None:
    """assemble._Clauses answers what scanning the criterion for each threshold answered:
    the clause start after the last ';'/'.' break and the first condition trigger that no
    ';', '.' or ':' break follows."""
    import re

    from trialnlp.constraints.assemble import _CLAUSE_BREAK, _Clauses
    from trialnlp.types import Criterion

    condition = re.compile(r"\b(?:if|when|for\s+(?:those|patients|subjects|participants|"
                           r"children|individuals|people))\b(?:(?![;.:](?:\s|$)).)*$",
                           re.IGNORECASE | re.DOTALL)
    text = ("x. If ECOG = 2; when weighing < 30 kg: for patients aged 65, BMI > 30.a if. "
            "when ALT < 3 for those with if")
    criterion = Criterion(criterion_id="c", section="inclusion", number="1", marker="1.",
                          path="1", depth=0, text=text, start=0, end=len(text))
    clauses = _Clauses(text, criterion)
    for pos in range(1, len(text) + 1):
        start = 0
        for match in _CLAUSE_BREAK.finditer(text, 0, pos):
            start = match.end()
        assert clauses.start_of(pos) == start, pos
        found = condition.search(text, start, pos)
        assert clauses.trigger_before(start, pos) == (found.start() if found else None), pos


@pytest.mark.parametrize(("criterion", "expected"), [
    ("SIRS criteria (* T>38 ºC or <36ºC, HR>90 bpm)",
     [("Body temperature", ">", 38.0, None, "Cel", None),
      ("Body temperature", "<", 36.0, None, "Cel", None),
      ("Heart rate", ">", 90.0, None, "/min", None)]),
    ("history of fever > 103 degrees F", [("Body temperature", ">", 103.0, None, "[degF]", None)]),
    ("Protocol 88 C-92 or 85-C", []),  # no comparison, a one-letter unit: no temperature
])
def test_degrees_name_body_temperature(criterion: str, expected: list) -> None:
    assert thresholds(criterion) == expected


@pytest.mark.parametrize("criterion", ["Performance status: WHO 0-2", "Performance status: SWOG 0-2",
                                       "GOG 0-2"])
def test_who_swog_and_gog_performance_status_are_the_ecog_scale(criterion: str) -> None:
    assert thresholds(criterion) == [("ECOG performance status", "between", 0.0, 2.0, None, None)]


def test_a_unitless_pair_before_a_comma_or_a_second_pair() -> None:
    sbp, dbp = "Systolic blood pressure", "Diastolic blood pressure"
    assert thresholds("defined as BP > 140/90, despite three drugs") == [
        (sbp, ">", 140.0, None, "mm[Hg]", None), (dbp, ">", 90.0, None, "mm[Hg]", None)]
    assert thresholds("an average daytime ABPM =135/85 but <150/95.") == [
        (sbp, "=", 135.0, None, "mm[Hg]", None), (dbp, "=", 85.0, None, "mm[Hg]", None),
        (sbp, "<", 150.0, None, "mm[Hg]", None), (dbp, "<", 95.0, None, "mm[Hg]", None)]


def test_has_been_and_serum_ca_125() -> None:
    assert thresholds("Hb concentrations has been between ≥ 9.5 g/dL and ≤11.5 g/dL") == [
        ("Hemoglobin", ">=", 9.5, None, "g/dL", None), ("Hemoglobin", "<=", 11.5, None, "g/dL", None)]
    # "serum Ca" is calcium as written, not the start of "serum CA 125"
    assert thresholds("a serum CA 125 of at least 100 U/mL") == [
        ("Cancer antigen 125", ">=", 100.0, None, "U/mL", None)]


@pytest.mark.parametrize(("criterion", "expected"), [
    # PDQ: "normal" and then the bound that says what normal is
    ("Bilirubin normal (no greater than 1.5 times upper limit of normal)",
     [("Total bilirubin", "<=", 1.5, None, None, "ULN")]),
    ("Hemoglobin normal (at least 6.8 mmoles/liter)",
     [("Hemoglobin", ">=", 6.8, None, "mmol/L", None)]),
    # "each" between two bounds of the same pair of analytes
    ("SGOT less than 112.5 IU/L each or less than 2.5 times upper limit of normal",
     [("Aspartate aminotransferase", "<", 112.5, None, "[IU]/L", None),
      ("Aspartate aminotransferase", "<", 2.5, None, None, "ULN")]),
])
def test_a_bound_spelling_out_normal_belongs_to_the_measure(criterion: str,
                                                            expected: list) -> None:
    assert thresholds(criterion) == expected


@pytest.mark.parametrize(("criterion", "expected"), [
    ("tachypnea (>=20 per minute)", [("Respiratory rate", ">=", 20.0, None, "/min", None)]),
    ("decreased saturation of oxygen (< 95%)",
     [("Oxygen saturation (pulse oximetry)", "<", 95.0, None, "%", None)]),
    ("Hypoxia < 92% on room air",
     [("Oxygen saturation (pulse oximetry)", "<", 92.0, None, "%", None)]),
])
def test_a_condition_with_a_threshold_is_a_threshold_on_its_measure(criterion: str,
                                                                    expected: list) -> None:
    assert thresholds(criterion) == expected


def test_a_range_it_must_lie_outside_is_the_range_negated() -> None:
    found = [(c.concept, c.op, c.value, c.value_max, c.negated) for c in constraints(
        "Systolic blood pressure outside the range of 100-160 mmHg or diastolic blood "
        "pressure outside 60-100") if c.value is not None]
    assert found == [("Systolic blood pressure", "between", 100.0, 160.0, True),
                     ("Diastolic blood pressure", "between", 60.0, 100.0, True)]


def test_a_patient_inside_an_outside_range_does_not_meet_it() -> None:
    from trialnlp.matching import Patient, match

    trial = trialnlp.extract("Inclusion Criteria:\n- Heart rate outside the range of 50-100 bpm\n",
                             trial_id="T", model="off")
    patient = Patient(id="P", age=40, vitals=[{"name": "heart rate", "value": 72,
                                               "unit": "/min"}])
    (verdict,) = [v for c in match(patient, trial).walk() for v in c.constraints
                  if v.constraint.value is not None]
    assert verdict.verdict == "not_met"


@pytest.mark.parametrize(("criterion", "expected"), [
    ("T1-3 N0 M0 adenocarcinoma of the prostate",
     [("TNM primary tumour (T) category", "between", 1.0, 3.0),
      ("TNM regional lymph node (N) category", "=", 0.0, None),
      ("TNM distant metastasis (M) category", "=", 0.0, None)]),
    ("rectal cancer stage: cT1-2-3, cN0-1", [("TNM primary tumour (T) category", "between", 1.0, 3.0),
                                            ("TNM regional lymph node (N) category", "between", 0.0, 1.0)]),
    ("Tis or T1 breast cancer", [("TNM primary tumour (T) category", "=", 0.0, None),
                                 ("TNM primary tumour (T) category", "=", 1.0, None)]),
    # a thyroid hormone, an MRI sequence and a T-cell count are no stage
    ("T3 uptake is less than 19%; T4 less than 2.9", []),
    ("enhancing tumor on MRI T1 hypodense and T2 hyperdense", []),
])
def test_tnm_categories_are_scores(criterion: str, expected: list) -> None:
    assert [(c.concept, c.op, c.value, c.value_max) for c in constraints(criterion)
            if c.concept and c.concept.startswith("TNM")] == expected


@pytest.mark.parametrize(("criterion", "expected"), [
    ("T value 2.5 SD or more below the young female adult mean",
     [("Bone mineral density T-score", "<=", -2.5, None, "{SD}", None)]),
    ("BMD T-score <= -2.5", [("Bone mineral density T-score", "<=", -2.5, None, "{SD}", None)]),
    # "S.D." (not seconds), below the median: no height of 2.25 cm
    ("Height at least 2.25 S.D. below the median for chronological age",
     [("Body height", "<=", -2.25, None, "{SD}", None)]),
    ("Schirmer: < 4 mm", [("Schirmer test", "<", 4.0, None, "mm", None)]),
])
def test_standard_deviations_below_the_mean_are_negative(criterion: str, expected: list) -> None:
    assert thresholds(criterion) == expected


@pytest.mark.parametrize(("criterion", "expected"), [
    ("Performance status: CALGB 0-2", ("ECOG performance status", "between", 0.0, 2.0, None, None)),
    ("IQ less than 70", ("Intelligence quotient", "<", 70.0, None, None, None)),
    ("a pH less than 7.15", ("pH (blood)", "<", 7.15, None, "[pH]", None)),
    ("FEVI > 50%", ("Forced expiratory volume in 1 second", ">", 50.0, None, "%", None)),
    ("PT INR is < 1.5", ("International normalized ratio", "<", 1.5, None, None, None)),
    ("Fevers greater than 100.5 degree Fahrenheit",
     ("Body temperature", ">", 100.5, None, "[degF]", None)),
])
def test_legacy_measures_named_by_abbreviation(criterion: str, expected: tuple) -> None:
    assert thresholds(criterion) == [expected]


@pytest.mark.parametrize(("criterion", "expected"), [
    ("LDL-C\\>=120 mg/dL", ("LDL cholesterol", ">=", 120.0, None, "mg/dL", None)),
    ("TBL \\> 1.5 mg/dL", ("Total bilirubin", ">", 1.5, None, "mg/dL", None)),
    ("mRSS ≥ 15", ("Modified Rodnan skin score", ">=", 15.0, None, None, None)),
    ("Short performance physical battery (SPPB) ≥ 7",
     ("Short Physical Performance Battery", ">=", 7.0, None, None, None)),
    ("Mean CST ≥300 μm", ("Central subfield thickness (OCT)", ">=", 300.0, None, "um", None)),
    ("cluster of differentiation 4+ (CD4+) cell count \\<200 cells/ cubic millimeter",
     ("CD4+ T-cell count", "<", 200.0, None, "/uL", None)),
    ("Fib-4 scores 1.45 - 3.25", ("Fibrosis-4 index", "between", 1.45, 3.25, None, None)),
])
def test_api_v2_measures(criterion: str, expected: tuple) -> None:
    assert thresholds(criterion) == [expected]


def test_markdown_escapes_do_not_separate_a_measure_from_its_value() -> None:
    assert thresholds("absolute neutrophil count \\[ANC\\] \\< 1.5 x 10\\^9/L") == [
        ("Absolute neutrophil count", "<", 1.5, None, "10*9/L", None)]


def test_an_age_in_brackets_after_a_bound_is_whom_it_is_for() -> None:
    # pediatric HIV and oncology records: one bound per age band, chained past each band
    found = constraints("CD4 count > 200 cells/mm3 (ages 2-5 years) or > 100 cells/mm3 "
                        "(age > 5 years).")
    assert [(c.concept, c.op, c.value, c.qualifier) for c in found] == [
        ("CD4+ T-cell count", ">", 200.0, "ages 2-5 years"),
        ("CD4+ T-cell count", ">", 100.0, "age > 5 years")]  # and no age of the trial
    found = constraints("Karnofsky 50-100% (over 10 years of age) or Lansky 50-100% "
                        "(10 years of age or under)")
    assert [(c.concept, c.qualifier) for c in found] == [
        ("Karnofsky performance status", "over 10 years of age"),
        ("Lansky play-performance scale", "10 years of age or under")]
    # an age word with a bare number: no Karnofsky > 16%
    found = constraints("Karnofsky 70%-100% (over age 16) Lansky 70%-100% (ages 6-16)")
    assert [(c.concept, c.value, c.qualifier) for c in found] == [
        ("Karnofsky performance status", 70.0, "over age 16"),
        ("Lansky play-performance scale", 70.0, "ages 6-16")]

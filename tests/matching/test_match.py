"""Patient matching against the seeds: the issue's patients, the logic, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import trialnlp
from trialnlp.cli import app
from trialnlp.matching.decide import judge
from trialnlp.matching.logic import all_of, any_of, judge_criterion
from trialnlp.matching.patient import Patient, PatientError, iter_patients, load_patients
from trialnlp.matching.result import match  # also trialnlp.match
from trialnlp.types import Constraint, Criterion, Window

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
PATIENTS = ROOT / "tests" / "fixtures" / "patients"


@pytest.fixture(scope="module")
def trials() -> dict[str, trialnlp.Trial]:
    return {seed.name[:3]: trialnlp.extract(seed) for seed in sorted(SEEDS.glob("*.txt"))}


def _patient(name: str) -> Patient:
    return load_patients(PATIENTS / f"{name}.json")[0]


def _fhir(name: str) -> Patient:
    return load_patients(PATIENTS / "fhir" / f"{name}.json")[0]


def _sources() -> list:
    sources = [_patient]
    if (PATIENTS / "fhir").is_dir():
        sources.append(_fhir)
    return sources


# -- the patients ------------------------------------------------------------------

@pytest.mark.parametrize("source", _sources(), ids=lambda f: f.__name__.strip("_"))
def test_alt_woman_is_excluded_from_004_by_the_liver_criterion(trials, source) -> None:
    result = match(source("alt_woman"), trials["004"])
    assert result.verdict == "excluded"
    assert [v.criterion.criterion_id for v in result.excluded_by] == ["exc.5"]
    reason = result.excluded_by[0].reason
    assert "ALT 112 U/L = 2.8 x ULN (40 U/L) >= 2.5 x ULN" in reason


@pytest.mark.parametrize("source", _sources(), ids=lambda f: f.__name__.strip("_"))
def test_woman_30_meets_001s_age_and_sex_criteria(trials, source) -> None:
    result = match(source("woman_30"), trials["001"])
    by_id = {v.criterion.criterion_id: v for v in result.walk()}
    assert by_id["fields"].verdict == "met"  # registry fields: >= 25 years, female
    assert by_id["inc.1"].verdict == "met"  # "women ... > 25 years"
    kinds = {cv.constraint.kind: cv.verdict for cv in by_id["inc.1"].constraints}
    assert kinds == {"sex": "met", "age": "met"}
    assert result.verdict != "excluded"


@pytest.mark.parametrize("source", _sources(), ids=lambda f: f.__name__.strip("_"))
def test_17_year_old_is_not_eligible_for_003(trials, source) -> None:
    result = match(source("teen_17"), trials["003"])
    assert result.verdict == "excluded"
    excluded = {v.criterion.criterion_id: v.reason for v in result.excluded_by}
    assert "inc.3" in excluded  # "18 to 75 years old"
    assert "age 17 years is not between 18 and 75 years" in excluded["inc.3"]


@pytest.mark.parametrize("source", _sources(), ids=lambda f: f.__name__.strip("_"))
def test_man_with_creatinine_140_umol_is_excluded_from_004(trials, source) -> None:
    result = match(source("creatinine_man"), trials["004"])
    assert result.verdict == "excluded"
    exc5 = next(v for v in result.excluded_by if v.criterion.criterion_id == "exc.5")
    assert "140 umol/L = 1.58 mg/dL >= 1.5 mg/dL" in exc5.reason.replace("µ", "u")
    creatinine = [cv for cv in exc5.constraints if cv.constraint.concept == "Creatinine (serum)"]
    by_sex = {cv.constraint.sex: cv for cv in creatinine}
    assert by_sex["male"].verdict == "met"
    assert not by_sex["female"].applies  # the women's threshold is not about him


def test_fhir_and_json_patients_give_the_same_verdicts(trials) -> None:
    if not (PATIENTS / "fhir").is_dir():
        pytest.skip("no FHIR fixtures")
    for name in ("alt_woman", "woman_30", "teen_17", "creatinine_man"):
        for trial in trials.values():
            a, b = match(_patient(name), trial), match(_fhir(name), trial)
            assert a.verdict == b.verdict, (name, trial.trial_id)
            assert [v.verdict for v in a.walk()] == [v.verdict for v in b.walk()]


def test_unknown_stays_unknown_and_is_listed(trials) -> None:
    bare = Patient(id="bare", reference_date=dt.date(2026, 11, 1))
    result = match(bare, trials["004"])
    assert result.verdict == "needs_review"
    assert {v.verdict for v in result.walk()} == {"unknown"}
    assert len(result.unknown) == len(result.criteria)
    row = result.summary_row()
    assert row["unknown"].split("; ") == [v.criterion.criterion_id for v in result.criteria]


def test_myocardial_infarction_4_months_ago_is_inside_6_months(trials) -> None:
    patient = Patient(id="mi", reference_date=dt.date(2026, 11, 1), conditions=[
        {"name": "acute MI", "code": "ICD10CM:I21.4", "onset": "2026-07-01"}])
    exc4 = next(v for v in match(patient, trials["004"]).walk()
                if v.criterion.criterion_id == "exc.4")
    assert exc4.verdict == "met" and exc4.excludes
    old = Patient(id="old-mi", reference_date=dt.date(2026, 11, 1), conditions=[
        {"name": "myocardial infarction", "onset": "2025-01-01", "resolved": "2025-02-01"}])
    exc4 = next(v for v in match(old, trials["004"]).walk() if v.criterion.criterion_id == "exc.4")
    mi = [cv for cv in exc4.constraints if cv.constraint.concept == "Myocardial infarction"]
    assert mi and all(cv.verdict == "not_met" for cv in mi)


# -- constraint verdicts --------------------------------------------------------------------

def _c(kind: str, **fields) -> Constraint:
    return Constraint(kind=kind, text=fields.pop("text", kind), start=None, end=None, **fields)


ON = dt.date(2026, 11, 1)


def test_icd_hierarchy_covers_codes_beneath_it() -> None:
    uc = _c("condition", concept="Ulcerative colitis", code="ICD10CM:K51")
    patient = Patient(id="p", reference_date=ON, conditions=[{"code": "K51.90"}])
    assert judge(uc, patient).verdict == "met"
    diabetes = _c("condition", concept="Diabetes mellitus", code="ICD10CM:E08-E13")
    named = Patient(id="p", reference_date=ON, conditions=[{"name": "T2DM"}])
    assert judge(diabetes, named).verdict == "met"  # through the extractor's lexicon: E11


def test_drug_class_is_met_by_a_member_drug_named_by_brand() -> None:
    steroids = _c("drug", concept="Corticosteroids for systemic use", code="ATC:H02AB",
                  window=Window(amount=1, unit="mo", relation="within", text="within 1 month"))
    recent = Patient(id="p", reference_date=ON, medications=[
        {"name": "Deltasone 20 mg", "start": "2026-09-01", "stop": "2026-10-15"}])
    assert judge(steroids, recent).verdict == "met"
    stopped = Patient(id="p", reference_date=ON, medications=[
        {"name": "prednisone", "start": "2026-01-01", "stop": "2026-03-01"}])
    assert judge(steroids, stopped).verdict == "not_met"
    by_code = Patient(id="p", reference_date=ON, medications=[{"code": "ATC:H02AB07"}])
    assert judge(_c("drug", concept="x", code="ATC:H02AB"), by_code).verdict == "met"


def test_missing_facts_are_unknown_unless_the_list_is_complete() -> None:
    stroke = _c("condition", concept="Stroke", code="ICD10CM:I63")
    assert judge(stroke, Patient(id="p", reference_date=ON)).verdict == "unknown"
    complete = Patient(id="p", reference_date=ON, complete=["conditions"])
    assert judge(stroke, complete).verdict == "not_met"
    ruled_out = Patient(id="p", reference_date=ON,
                        conditions=[{"name": "stroke", "present": False}])
    assert judge(stroke, ruled_out).verdict == "not_met"


def test_negated_constraint_holds_when_the_fact_is_absent() -> None:
    no_stroke = _c("condition", concept="Stroke", code="ICD10CM:I63", negated=True)
    complete = Patient(id="p", reference_date=ON, complete=["conditions"])
    verdict = judge(no_stroke, complete)
    assert verdict.verdict == "met" and "absence" in verdict.reason
    assert judge(no_stroke, Patient(id="p", reference_date=ON)).verdict == "unknown"


def test_uln_multiple_uses_the_default_range_when_the_lab_gives_none() -> None:
    alt = _c("lab", concept="Alanine aminotransferase", code="LOINC:1742-6", op=">=",
             value=2.5, relative_to="ULN")
    patient = Patient(id="p", reference_date=ON, sex="male",
                      labs=[{"name": "ALT", "value": 150, "unit": "U/L"}])
    verdict = judge(alt, patient)
    assert verdict.verdict == "met"
    assert "default" in verdict.reason  # the reason says where the ULN came from
    no_sex = Patient(id="p", reference_date=ON, labs=[{"name": "SGPT", "value": 20, "unit": "U/L"}])
    assert judge(alt, no_sex).verdict in ("not_met", "unknown")


def test_a_multiple_of_the_control_value_is_unknown() -> None:
    # "PT > 1.5 x control": the record has the patient's seconds, not the lab's control
    pt = _c("lab", concept="Prothrombin time", code="LOINC:5902-2", op=">", value=1.5,
            relative_to="control")
    patient = Patient(id="p", reference_date=ON,
                      labs=[{"name": "PT", "value": 13, "unit": "s"}])
    verdict = judge(pt, patient)
    assert verdict.verdict == "unknown" and "control" in verdict.reason


def test_unconvertible_units_are_unknown() -> None:
    creatinine = _c("lab", concept="Creatinine (serum)", code="LOINC:2160-0", op=">=",
                    value=1.5, unit="mg/dL")
    patient = Patient(id="p", reference_date=ON,
                      labs=[{"name": "creatinine", "value": 3, "unit": "U/L"}])
    verdict = judge(creatinine, patient)
    assert verdict.verdict == "unknown" and "U/L" in verdict.reason


def test_counts_convert_between_per_microlitre_and_10_9_per_litre() -> None:
    platelets = _c("lab", concept="Platelets", code="LOINC:777-3", op=">=", value=100,
                   unit="10*9/L")
    patient = Patient(id="p", reference_date=ON,
                      labs=[{"name": "platelet count", "value": 85000, "unit": "/uL"}])
    assert judge(platelets, patient).verdict == "not_met"


def test_pregnancy_for_a_man_and_a_plan() -> None:
    pregnant = _c("pregnancy", concept="Pregnancy")
    assert judge(pregnant, Patient(id="p", sex="male")).verdict == "not_met"
    assert judge(pregnant, Patient(id="p", sex="female")).verdict == "unknown"
    assert judge(pregnant, Patient(id="p", sex="female", pregnant=True)).verdict == "met"
    plan = _c("pregnancy", concept="Pregnancy", hypothetical=True)
    assert judge(plan, Patient(id="p", sex="female", pregnant=False)).verdict == "unknown"


def test_age_counts_completed_years() -> None:
    adult = _c("age", op="between", value=18, value_max=75, unit="a")
    assert judge(adult, Patient(id="p", reference_date=ON, birth_date="1951-03-01")
                 ).verdict == "met"  # 75 and a half
    assert judge(adult, Patient(id="p", reference_date=ON, birth_date="2008-11-02")
                 ).verdict == "not_met"  # a day short of 18
    assert judge(adult, Patient(id="p")).verdict == "unknown"


# -- criterion logic ------------------------------------------------------------------------

def test_three_valued_logic() -> None:
    assert all_of(["met", "unknown"]) == "unknown"
    assert all_of(["met", "not_met", "unknown"]) == "not_met"
    assert any_of(["not_met", "unknown"]) == "unknown"
    assert any_of(["unknown", "met"]) == "met"
    assert all_of([]) == any_of([]) == "unknown"


def _criterion(text: str, section: str, constraints: list[Constraint],
               children: list[Criterion] = ()) -> Criterion:
    for n, c in enumerate(constraints):
        c.constraint_id = f"{text[:3]}{n}"
    return Criterion(criterion_id=text[:8], section=section, number="1", marker="1.", path="1",
                     depth=0, text=text, start=0, end=len(text), constraints=constraints,
                     children=list(children))


def test_or_list_in_an_inclusion_criterion_is_one_requirement() -> None:
    text = "melasma or post-inflammatory hyperpigmentation"
    melasma = _c("condition", concept="Melasma", code="ICD10CM:L81.1", text="melasma")
    melasma.start, melasma.end = 0, 7
    pih = _c("condition", concept="Post-inflammatory hyperpigmentation", code="ICD10CM:L81.0",
             text="post-inflammatory hyperpigmentation")
    pih.start, pih.end = 11, len(text)
    criterion = _criterion(text, "inclusion", [melasma, pih])
    patient = Patient(id="p", reference_date=ON, conditions=[{"code": "ICD10CM:L81.1"}])
    verdicts = {c.constraint_id: judge(c, patient) for c in criterion.constraints}
    assert judge_criterion(criterion, verdicts).verdict == "met"


def test_at_least_one_of_the_following_sub_criteria(trials) -> None:
    inc4 = trials["003"].criterion("inc.4")  # "Meet at least one of the following a/b/c"
    patient = Patient(id="p", reference_date=ON)
    verdicts = {c.constraint_id: judge(c, patient)
                for node in inc4.walk() for c in node.constraints}
    judged = judge_criterion(inc4, verdicts)
    assert judged.rule.endswith("sub-criteria: any")


# -- reading patients ------------------------------------------------------------------------

def test_bad_patient_field_is_named(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "x", "sex": "F", "labs": [{"name": "ALT", "value": "high"}]}))
    with pytest.raises(PatientError) as error:
        load_patients(bad)
    message = str(error.value)
    assert "bad.json" in message and "sex" in message and "labs.0.value" in message


def test_yaml_list_with_one_bad_record_goes_on(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("- id: a\n  age: 50\n  sex: male\n- id: b\n  age: -3\n")
    items = list(iter_patients(path))
    assert isinstance(items[0], Patient) and items[0].age == 50
    assert isinstance(items[1], PatientError) and "record 2" in str(items[1])


# -- the command -----------------------------------------------------------------------------

def test_match_command_writes_screening_and_detail_tables(tmp_path) -> None:
    out = tmp_path / "screening.csv"
    result = CliRunner().invoke(app, ["match", str(PATIENTS), str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 * 5  # every patient x every seed
    pair = next(r for r in rows if r["patient_id"] == "alt-woman"
                and r["trial_id"].startswith("004"))
    assert pair["verdict"] == "excluded" and pair["excluded_by"] == "exc.5"
    detail = tmp_path / "screening.criteria.csv"
    with detail.open(encoding="utf-8-sig", newline="") as handle:
        details = list(csv.DictReader(handle))
    assert {"criterion_id", "verdict", "reason", "evidence"} <= set(details[0])
    assert any("2.8 x ULN" in r["reason"] for r in details)


def test_match_command_keeps_a_bad_patient_as_an_error_row(tmp_path) -> None:
    folder = tmp_path / "patients"
    folder.mkdir()
    (folder / "good.json").write_text((PATIENTS / "teen_17.json").read_text())
    (folder / "bad.json").write_text('{"id": "b", "age": "old"}')
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(app, ["match", str(folder), str(SEEDS / "003_d162f14f08f49299.txt"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["verdict"] for r in rows] == ["error", "excluded"]
    assert "bad.json" in rows[0]["reasons"] and "age" in rows[0]["reasons"]


def test_match_command_single_bad_patient_file_exits_1(tmp_path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(app, ["match", str(bad), str(SEEDS)])
    assert result.exit_code == 1
    assert "p.json" in result.output and "not valid JSON" in result.output


def test_non_finite_numbers_are_refused_naming_the_field(tmp_path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"id": "x", "labs": [{"name": "ALT", "value": 1e309, "unit": "U/L"}]}')
    with pytest.raises(PatientError) as error:
        load_patients(path)
    assert "labs.0.value" in str(error.value) and "finite" in str(error.value)


def test_bad_yaml_is_one_line(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: [\n")
    result = CliRunner().invoke(app, ["match", str(path), str(SEEDS)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "p.yaml: not valid YAML" in lines[0]


def test_unreadable_trial_is_named_on_stderr_and_kept_as_a_row(tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(app, ["match", str(PATIENTS / "woman_30.json"), str(empty),
                                      str(SEEDS / "001_a14ded1df662e207.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "empty.txt: empty file" in result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        verdicts = [r["verdict"] for r in csv.DictReader(handle)]
    assert sorted(verdicts) == ["error", "needs_review"]


def test_not_pregnant_or_nursing_excludes_a_breastfeeding_patient() -> None:
    """PDQ's "Not pregnant or nursing" (an inclusion criterion) is two negated constraints."""
    trial = trialnlp.extract("Inclusion Criteria:\n- Not pregnant or nursing\n")
    nursing = Patient(id="p", reference_date=ON, sex="female", pregnant=False, lactating=True)
    neither = Patient(id="q", reference_date=ON, sex="female", pregnant=False, lactating=False)
    assert match(nursing, trial).verdict == "excluded"
    assert match(neither, trial).verdict == "eligible"


def test_no_history_of_one_or_the_other_asks_for_neither() -> None:
    trial = trialnlp.extract("Inclusion Criteria:\n- No history of myocardial infarction or "
                             "stroke\n")
    stroke = Patient(id="p", reference_date=ON, complete=["conditions"],
                     conditions=[{"name": "stroke", "onset": "2020-01-01"}])
    assert match(stroke, trial).verdict == "excluded"

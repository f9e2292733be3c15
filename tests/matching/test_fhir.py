"""FHIR R4 Bundles read as patients (trialnlp.matching.fhir)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from trialnlp.matching.fhir import patient_from_bundle
from trialnlp.matching.patient import Patient, PatientError, load_patients, patient_from_dict

FIXTURES = Path(__file__).parent.parent / "fixtures" / "patients"
NAMES = ["alt_woman", "woman_30", "teen_17", "creatinine_man"]
LOINC, SNOMED, UCUM = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"
RXNORM, ATC = "http://www.nlm.nih.gov/research/umls/rxnorm", "http://www.whocc.no/atc"


def bundle(*resources: dict[str, Any], patient: dict[str, Any] | None = None,
           **fields: Any) -> dict[str, Any]:
    """A collection Bundle: a Patient p1 (unless ``patient`` replaces it) and ``resources``."""
    if patient is None:
        patient = {"resourceType": "Patient", "id": "p1", "gender": "female",
                   "birthDate": "1980-05-05"}
    entries = [{"fullUrl": "urn:uuid:p1", "resource": patient}] if patient else []
    entries += [{"resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": "collection",
            "timestamp": "2026-11-01T09:00:00Z", "entry": entries, **fields}


def observation(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "subject": {"reference": "Patient/p1"}, **fields}


def loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}]}


def category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                         "code": code}]}]


def status(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system}",
                        "code": code}]}


# -- the four fixture patients, as JSON and as FHIR ----------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_bundle_gives_the_same_patient_as_json(name: str) -> None:
    expected = patient_from_dict(json.loads((FIXTURES / f"{name}.json").read_text()))
    got = patient_from_bundle(json.loads((FIXTURES / "fhir" / f"{name}.json").read_text()),
                              f"{name}.json")
    assert got == expected
    assert got.age_years() == expected.age_years()


def test_fixture_facts_spelled_out() -> None:
    alt = patient_from_bundle(json.loads((FIXTURES / "fhir" / "alt_woman.json").read_text()))
    assert (alt.id, alt.sex, alt.birth_date, alt.reference_date) == (
        "alt-woman", "female", dt.date(1986, 6, 15), dt.date(2026, 11, 1))
    assert alt.pregnant is False and alt.lactating is None
    [lab] = alt.labs
    assert (lab.name, lab.code, lab.value, lab.unit, lab.low, lab.high, lab.date) == (
        "ALT", "LOINC:1742-6", 112.0, "U/L", 7.0, 40.0, dt.date(2026, 10, 20))
    assert alt.vitals == [] and alt.conditions == []
    man = patient_from_bundle(json.loads((FIXTURES / "fhir" / "creatinine_man.json").read_text()))
    [mi] = man.conditions  # coded in SNOMED and ICD-10-CM: ICD-10-CM wins
    assert (mi.name, mi.code, mi.onset, mi.present, mi.active) == (
        "Myocardial infarction", "ICD10CM:I21.4", dt.date(2026, 7, 1), True, None)
    woman = patient_from_bundle(json.loads((FIXTURES / "fhir" / "woman_30.json").read_text()))
    assert woman.age == 30.0 and woman.birth_date is None and woman.vitals == []


def test_load_patients_reads_a_folder_of_bundles() -> None:
    patients = {p.id: p for p in load_patients(FIXTURES / "fhir")}
    assert sorted(patients) == ["alt-woman", "creatinine-man", "teen-17", "woman-30"]
    assert round(patients["teen-17"].age_years() or 0, 2) == 17.67


def test_load_patients_names_the_file_in_errors(tmp_path: Path) -> None:
    bad = bundle(observation(code=loinc("1742-6", "ALT"), effectiveDateTime="2026-02-30",
                             valueQuantity={"value": 50, "unit": "U/L"}))
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(PatientError, match=r"bad\.json: entry 2 \(Observation\): "
                                           r"effectiveDateTime"):
        list(load_patients(tmp_path))


# -- errors ------------------------------------------------------------------------------

def test_bad_date_names_file_resource_and_field() -> None:
    data = bundle(observation(id="o7", code=loinc("1742-6", "ALT"),
                              effectiveDateTime="2026-13-45",
                              valueQuantity={"value": 50, "unit": "U/L"}))
    with pytest.raises(PatientError) as info:
        patient_from_bundle(data, "p.json")
    message = str(info.value)
    assert message.startswith("p.json: entry 2 (Observation/o7): effectiveDateTime: ")
    assert "\n" not in message


def test_bad_birth_date_and_bad_gender() -> None:
    with pytest.raises(PatientError, match=r"x: entry 1 \(Patient/p1\): birthDate"):
        patient_from_bundle(bundle(patient={"resourceType": "Patient", "id": "p1",
                                            "birthDate": "1990-02-30"}), "x")
    with pytest.raises(PatientError, match=r"entry 1 \(Patient/p1\): gender: 'femal'"):
        patient_from_bundle(bundle(patient={"resourceType": "Patient", "id": "p1",
                                            "gender": "femal"}))


def test_bad_bundle_field_and_nested_field() -> None:
    with pytest.raises(PatientError, match=r"b: Bundle: timestamp"):
        patient_from_bundle(bundle(timestamp="yesterday"), "b")
    data = bundle(observation(code=loinc("1742-6", "ALT"),
                              valueQuantity={"value": "lots", "unit": "U/L"}))
    with pytest.raises(PatientError, match=r"entry 2 \(Observation\): valueQuantity\.value"):
        patient_from_bundle(data)


def test_non_bundle_resource_is_an_error() -> None:
    resource = {"resourceType": "Patient", "id": "p1", "gender": "male"}
    with pytest.raises(PatientError, match=r"^r\.json: a FHIR Patient resource, not a Bundle"):
        patient_from_bundle(resource, "r.json")
    with pytest.raises(PatientError, match="not a Bundle"):  # also through the dispatcher
        patient_from_dict(resource, "r.json")
    with pytest.raises(PatientError, match="expected a FHIR Bundle, got list"):
        patient_from_bundle([], "r.json")  # type: ignore[arg-type]


def test_empty_bundle_takes_the_bundle_id_or_fails() -> None:
    empty = {"resourceType": "Bundle", "id": "b-42", "type": "collection"}
    patient = patient_from_bundle(empty)
    assert patient == Patient(id="b-42")
    assert patient.reference_date is None  # no timestamp: the matcher uses today
    with pytest.raises(PatientError, match="nothing names the patient"):
        patient_from_bundle({"resourceType": "Bundle", "type": "collection", "entry": []})


def test_one_patient_per_bundle() -> None:
    other = observation(code=loinc("1742-6", "ALT"), subject={"reference": "Patient/p2"},
                        valueQuantity={"value": 50, "unit": "U/L"})
    with pytest.raises(PatientError, match=r"entry 2 \(Observation\): subject 'Patient/p2'"):
        patient_from_bundle(bundle(other))
    two = bundle({"resourceType": "Patient", "id": "p2"})
    with pytest.raises(PatientError, match=r"2 Patient resources \(entries 1, 2\)"):
        patient_from_bundle(two)


def test_subject_by_full_url_or_absolute_reference() -> None:
    by_url = observation(code=loinc("1742-6", "ALT"), subject={"reference": "urn:uuid:p1"},
                         valueQuantity={"value": 50, "unit": "U/L"})
    absolute = observation(code=loinc("1742-6", "ALT"),
                           subject={"reference": "https://ehr.example.org/fhir/Patient/p1"},
                           valueQuantity={"value": 51, "unit": "U/L"})
    assert [m.value for m in patient_from_bundle(bundle(by_url, absolute)).labs] == [50, 51]


def test_without_patient_resource_the_subject_names_the_patient() -> None:
    lab = observation(code=loinc("1742-6", "ALT"), subject={"reference": "Patient/abc"},
                      valueQuantity={"value": 50, "unit": "U/L"})
    patient = patient_from_bundle(bundle(lab, patient={}))
    assert patient.id == "abc" and patient.sex is None and len(patient.labs) == 1
    other = copy.deepcopy(lab)
    other["subject"]["reference"] = "Patient/xyz"
    with pytest.raises(PatientError, match="more than one patient"):
        patient_from_bundle(bundle(lab, other, patient={}))


def test_other_resource_types_are_ignored() -> None:
    encounter = {"resourceType": "Encounter", "id": "e1", "status": "finished",
                 "subject": {"reference": "Patient/somebody-else"}}
    unknown = {"resourceType": "NotAFhirType", "id": "z"}
    patient = patient_from_bundle(bundle(encounter, unknown))
    assert patient.id == "p1" and patient.labs == patient.conditions == []


# -- observations ------------------------------------------------------------------------

def test_value_codeable_concept_becomes_the_result() -> None:
    hbsag = observation(category=category("laboratory"),
                        code={**loinc("5196-1", "Hepatitis B virus surface Ag [Presence] in Serum"),
                              "text": "HBsAg"},
                        effectivePeriod={"start": "2026-09-01T10:00:00Z"},
                        valueCodeableConcept={"coding": [{"system": SNOMED, "code": "260385009",
                                                          "display": "Negative"}]})
    [lab] = patient_from_bundle(bundle(hbsag)).labs
    assert (lab.name, lab.code, lab.value, lab.result, lab.date) == (
        "HBsAg", "LOINC:5196-1", None, "Negative", dt.date(2026, 9, 1))


def test_string_boolean_integer_and_comparator_values() -> None:
    text = observation(code=loinc("5778-6", "Color of Urine"), valueString="amber")
    flag = observation(code=loinc("7905-3", "HIV 1 Ab"), valueBoolean=False)
    ecog = observation(category=category("survey"),
                       code={"coding": [{"system": LOINC, "code": "89247-1"}],
                             "text": "ECOG performance status"},
                       valueInteger=1, issued="2026-10-30T12:00:00Z")
    censored = observation(code=loinc("1742-6", "ALT"),
                           valueQuantity={"value": 5, "comparator": "<", "unit": "U/L"})
    patient = patient_from_bundle(bundle(text, flag, ecog, censored))
    assert [(m.result, m.value) for m in patient.labs] == [
        ("amber", None), ("negative", None), ("<5 U/L", None)]
    [score] = patient.vitals
    assert (score.name, score.value, score.unit, score.date) == (
        "ECOG performance status", 1.0, None, dt.date(2026, 10, 30))


def test_observation_without_value_or_in_error_is_skipped() -> None:
    absent = observation(code=loinc("1742-6", "ALT"),
                         dataAbsentReason={"text": "specimen haemolysed"})
    wrong = observation(status="entered-in-error", code=loinc("1742-6", "ALT"),
                        valueQuantity={"value": 50, "unit": "U/L"})
    cancelled = observation(status="cancelled", code=loinc("1742-6", "ALT"),
                            valueQuantity={"value": 60, "unit": "U/L"})
    assert patient_from_bundle(bundle(absent, wrong, cancelled)).labs == []


def test_category_decides_labs_or_vitals() -> None:
    weight = observation(code=loinc("29463-7", "Body weight"),
                         valueQuantity={"value": 70, "unit": "kg", "system": UCUM, "code": "kg"})
    hb = observation(code=loinc("718-7", "Hemoglobin"),
                     valueQuantity={"value": 13, "system": UCUM, "code": "g/dL"})
    smoker = observation(category=category("social-history"),
                         code=loinc("72166-2", "Tobacco smoking status"), valueString="never")
    local = observation(code={"coding": [{"system": "http://lab.example.org", "code": "X1"}]},
                        valueQuantity={"value": 1, "unit": "mg"})
    patient = patient_from_bundle(bundle(weight, hb, smoker, local))
    assert [(m.code, m.unit) for m in patient.vitals] == [("LOINC:29463-7", "kg")]
    assert [(m.code, m.unit) for m in patient.labs] == [("LOINC:718-7", "g/dL")]  # UCUM code


def test_blood_pressure_components_are_vitals() -> None:
    bp = observation(category=category("vital-signs"), code=loinc("85354-9", "Blood pressure panel"),
                     effectiveDateTime="2026-10-31",
                     component=[{"code": loinc("8480-6", "Systolic blood pressure"),
                                 "valueQuantity": {"value": 150, "unit": "mmHg",
                                                   "system": UCUM, "code": "mm[Hg]"}},
                                {"code": loinc("8462-4", "Diastolic blood pressure"),
                                 "valueQuantity": {"value": 95, "unit": "mmHg",
                                                   "system": UCUM, "code": "mm[Hg]"}}])
    vitals = patient_from_bundle(bundle(bp)).vitals
    assert [(m.code, m.name, m.value, m.unit, m.date) for m in vitals] == [
        ("LOINC:8480-6", "Systolic blood pressure", 150.0, "mmHg", dt.date(2026, 10, 31)),
        ("LOINC:8462-4", "Diastolic blood pressure", 95.0, "mmHg", dt.date(2026, 10, 31))]


def test_reference_range_in_another_unit_is_dropped() -> None:
    def creatinine(low_unit: str) -> dict[str, Any]:
        return observation(code=loinc("2160-0", "Creatinine"),
                           valueQuantity={"value": 140, "unit": "umol/L", "system": UCUM,
                                          "code": "umol/L"},
                           referenceRange=[{"low": {"value": 0.7, "system": UCUM, "code": low_unit},
                                            "high": {"value": 1.2, "system": UCUM,
                                                     "code": low_unit}}])
    [other] = patient_from_bundle(bundle(creatinine("mg/dL"))).labs
    assert (other.value, other.low, other.high) == (140.0, None, None)
    [same] = patient_from_bundle(bundle(creatinine("umol/L"))).labs
    assert (same.low, same.high) == (0.7, 1.2)


def test_pregnancy_and_lactation_status_latest_wins() -> None:
    def status_obs(code: str, display: str, day: str, answer: dict[str, Any]) -> dict[str, Any]:
        return observation(code=loinc(code, display), effectiveDateTime=day, **answer)
    pregnant = {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "77386006",
                                                     "display": "Pregnant"}]}}
    not_pregnant = {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "60001007"}]}}
    patient = patient_from_bundle(bundle(
        status_obs("82810-3", "Pregnancy status", "2026-10-01", not_pregnant),
        status_obs("82810-3", "Pregnancy status", "2026-10-25", pregnant),
        status_obs("63895-7", "Breastfeeding status", "2026-10-25",
                   {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "373067005",
                                                         "display": "No"}]}})))
    assert (patient.pregnant, patient.lactating) == (True, False)
    assert patient.labs == patient.vitals == []
    unknown = status_obs("82810-3", "Pregnancy status", "2026-10-25",
                         {"valueCodeableConcept": {"coding": [{"system": SNOMED,
                                                               "code": "261665006"}]}})
    assert patient_from_bundle(bundle(unknown)).pregnant is None
    by_name = observation(code={"text": "Currently breastfeeding?"}, valueBoolean=True)
    assert patient_from_bundle(bundle(by_name)).lactating is True


def test_lactate_is_a_lab_not_lactation() -> None:
    lactate = observation(code=loinc("2524-7", "Lactate [Moles/volume] in Serum or Plasma"),
                          valueQuantity={"value": 1.1, "unit": "mmol/L"})
    patient = patient_from_bundle(bundle(lactate))
    assert patient.lactating is None and [m.code for m in patient.labs] == ["LOINC:2524-7"]


def test_age_observation_is_moved_to_the_reference_date() -> None:
    age = observation(code=loinc("30525-0", "Age"), effectiveDateTime="2025-11-01",
                      valueQuantity={"value": 29, "unit": "years", "system": UCUM, "code": "a"})
    got = patient_from_bundle(bundle(age, patient={"resourceType": "Patient", "id": "p1"}))
    assert got.age == pytest.approx(30.0, abs=0.01)


# -- conditions --------------------------------------------------------------------------

def condition(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": SNOMED, "code": "73211009",
                                 "display": "Diabetes mellitus"}]}, **fields}


def test_refuted_condition_is_present_false() -> None:
    refuted = condition(verificationStatus=status("condition-ver-status", "refuted"))
    [fact] = patient_from_bundle(bundle(refuted)).conditions
    assert (fact.code, fact.name, fact.present) == ("SNOMED:73211009", "Diabetes mellitus", False)


def test_condition_status_and_dates() -> None:
    resolved_no_date = condition(clinicalStatus=status("condition-clinical", "resolved"),
                                 onsetPeriod={"start": "2020-03-04"})
    abated = condition(clinicalStatus=status("condition-clinical", "resolved"),
                       onsetDateTime="2019-01-02T10:00:00Z",
                       abatementPeriod={"start": "2021-01-01", "end": "2021-06-30"})
    partial = condition(onsetDateTime="2018-07")  # a month, not a day: left unknown
    wrong = condition(verificationStatus=status("condition-ver-status", "entered-in-error"))
    maybe = condition(verificationStatus=status("condition-ver-status", "differential"))
    facts = patient_from_bundle(bundle(resolved_no_date, abated, partial, wrong, maybe)).conditions
    assert [(f.onset, f.resolved, f.active) for f in facts] == [
        (dt.date(2020, 3, 4), None, False),
        (dt.date(2019, 1, 2), dt.date(2021, 6, 30), None),
        (None, None, None)]


# -- medications -------------------------------------------------------------------------

def test_not_taken_medication_statement() -> None:
    statement = {"resourceType": "MedicationStatement", "status": "not-taken",
                 "subject": {"reference": "Patient/p1"},
                 "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "11289",
                                                           "display": "warfarin"}]}}
    [med] = patient_from_bundle(bundle(statement)).medications
    assert (med.code, med.name, med.present) == ("RxNorm:11289", "warfarin", False)


def test_medication_statement_dose_frequency_and_dates() -> None:
    statement = {"resourceType": "MedicationStatement", "status": "completed",
                 "subject": {"reference": "Patient/p1"},
                 "medicationCodeableConcept": {
                     "coding": [{"system": RXNORM, "code": "6809", "display": "metformin"},
                                {"system": ATC, "code": "A10BA02", "display": "metformin"}],
                     "text": "Metformin 500 mg tablet"},
                 "effectivePeriod": {"start": "2025-01-10"},
                 "dosage": [{"text": "500 mg twice a day",
                             "timing": {"repeat": {"frequency": 2, "period": 1.0,
                                                   "periodUnit": "d"}},
                             "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg",
                                                               "system": UCUM, "code": "mg"}}]}]}
    [med] = patient_from_bundle(bundle(statement)).medications
    assert (med.code, med.name, med.dose, med.unit, med.frequency, med.start, med.stop,
            med.active, med.present) == (
        "ATC:A10BA02", "Metformin 500 mg tablet", 500.0, "mg", "2 per 1 d",
        dt.date(2025, 1, 10), None, False, True)


def test_medication_request_with_contained_and_bundled_medication() -> None:
    contained = {"resourceType": "MedicationRequest", "id": "rq1", "status": "active",
                 "intent": "order", "subject": {"reference": "Patient/p1"},
                 "contained": [{"resourceType": "Medication", "id": "m",
                                "code": {"coding": [{"system": RXNORM, "code": "1191",
                                                     "display": "aspirin"}]}}],
                 "medicationReference": {"reference": "#m"},
                 "authoredOn": "2026-09-15T14:00:00Z",
                 "dispenseRequest": {"validityPeriod": {"start": "2026-09-15",
                                                        "end": "2027-03-15"}},
                 "dosageInstruction": [{"timing": {"code": {"text": "QD"}},
                                        "doseAndRate": [{"doseQuantity": {"value": 81,
                                                                          "unit": "mg"}}]}]}
    medication = {"resourceType": "Medication", "id": "pred",
                  "code": {"coding": [{"system": ATC, "code": "H02AB06",
                                       "display": "prednisolone"}]}}
    bundled = {"resourceType": "MedicationRequest", "status": "stopped", "intent": "order",
               "subject": {"reference": "Patient/p1"},
               "medicationReference": {"reference": "Medication/pred"}}
    cancelled = {**bundled, "status": "cancelled"}
    meds = patient_from_bundle(bundle(contained, medication, bundled, cancelled)).medications
    assert [(m.code, m.name, m.dose, m.unit, m.frequency, m.start, m.stop, m.active)
            for m in meds] == [
        ("RxNorm:1191", "aspirin", 81.0, "mg", "QD", dt.date(2026, 9, 15),
         dt.date(2027, 3, 15), None),
        ("ATC:H02AB06", "prednisolone", None, None, None, None, None, False)]


def test_unresolvable_medication_reference() -> None:
    request = {"resourceType": "MedicationRequest", "id": "rq9", "status": "active",
               "intent": "order", "subject": {"reference": "Patient/p1"},
               "medicationReference": {"reference": "Medication/missing"}}
    with pytest.raises(PatientError, match=r"entry 2 \(MedicationRequest/rq9\): "
                                           r"medicationReference 'Medication/missing'"):
        patient_from_bundle(bundle(request))
    named = copy.deepcopy(request)
    named["medicationReference"]["display"] = "Tacrolimus"
    [med] = patient_from_bundle(bundle(named)).medications
    assert (med.name, med.code) == ("Tacrolimus", None)


# -- procedures --------------------------------------------------------------------------

def test_procedures() -> None:
    def procedure(status_code: str, **fields: Any) -> dict[str, Any]:
        return {"resourceType": "Procedure", "status": status_code,
                "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "44950"},
                                    {"system": SNOMED, "code": "80146002",
                                     "display": "Appendectomy"}]}, **fields}
    facts = patient_from_bundle(bundle(
        procedure("completed", performedPeriod={"start": "2024-05-01T08:00:00Z"}),
        procedure("not-done"), procedure("entered-in-error"))).procedures
    assert [(p.code, p.name, p.present, p.date) for p in facts] == [
        ("SNOMED:80146002", "Appendectomy", True, dt.date(2024, 5, 1)),
        ("SNOMED:80146002", "Appendectomy", False, None)]

"""FHIR R4 Bundles as patient records: :func:`patient_from_bundle`.

Resources are parsed and validated with fhir.resources' R4B models, which read the R4
resources used here (Patient, Observation, Condition, MedicationStatement,
MedicationRequest, Procedure, Medication) unchanged.  Other resource types are ignored
without being validated.  The mapping is documented in README.md ("FHIR Bundles").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from ..resources import load_json
from .patient import (
    Condition,
    Measurement,
    Medication,
    Patient,
    PatientError,
    Procedure,
    _format_validation,
)

# Code systems (FHIR URIs) and the SYSTEM prefix the patient model writes codes with.
SYSTEMS = {
    "http://loinc.org": "LOINC",
    "http://snomed.info/sct": "SNOMED",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD10CM",
    "http://hl7.org/fhir/sid/icd-10": "ICD10",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "http://www.whocc.no/atc": "ATC",
    "http://hl7.org/fhir/sid/ndc": "NDC",
    "http://www.ama-assn.org/go/cpt": "CPT",
    "http://www.cms.gov/Medicare/Coding/ICD10": "ICD10PCS",
}
# Which system wins when a concept carries several codings.  Medications prefer ATC: the
# matcher's drug classes are ATC codes and it reads the ATC hierarchy by prefix.
CONDITION_SYSTEMS = ("ICD10CM", "SNOMED", "ICD10")
MEDICATION_SYSTEMS = ("ATC", "RxNorm", "NDC")
PROCEDURE_SYSTEMS = ("SNOMED", "CPT", "ICD10PCS")
OBSERVATION_SYSTEMS = ("LOINC", "SNOMED")

# Observations read into patient-level facts rather than labs/vitals (LOINC codes).
PREGNANCY_STATUS = {"82810-3"}  # Pregnancy status
LACTATION_STATUS = {"63895-7"}  # Breastfeeding status
AGE = {"30525-0", "21612-7"}  # Age; Age - Reported
# Names that identify the same observations when coded otherwise.
PREGNANCY_NAME = re.compile(r"\bpregnancy status\b", re.I)
LACTATION_NAME = re.compile(r"\bbreast[- ]?feed|\blactation\b|\blactating\b", re.I)
# Answers (SNOMED CT, LOINC answer codes) and answer texts.
YES = {"77386006", "373066001", "LA33-6"}  # Pregnant; Yes; Yes
NO = {"60001007", "373067005", "LA32-8"}  # Not pregnant; No; No
YES_TEXT = {"yes", "true", "positive", "pregnant", "breastfeeding", "breast feeding",
            "lactating", "currently breastfeeding"}
NO_TEXT = {"no", "false", "negative", "not pregnant", "not breastfeeding",
           "not breast feeding", "not lactating"}

# LOINC codes of the FHIR vital-signs profile: an uncategorised Observation with one of
# them is a vital sign, any other LOINC-coded one a lab.
VITAL_SIGNS = {"85353-1", "9279-1", "8867-4", "2708-6", "59408-5", "8310-5", "8302-2",
               "9843-4", "29463-7", "39156-5", "85354-9", "8480-6", "8462-4"}
LAB_CATEGORIES = {"laboratory"}
VITAL_CATEGORIES = {"vital-signs", "survey", "exam"}

SEXES = {"female", "male", "other", "unknown"}
READ = {"Patient", "Observation", "Condition", "MedicationStatement", "MedicationRequest",
        "Procedure", "Medication"}
CLINICAL = READ - {"Patient", "Medication"}


@dataclass(frozen=True, slots=True)
class _Entry:
    index: int  # 1-based position in Bundle.entry
    full_url: str | None
    resource: Any  # a fhir.resources model

    @property
    def type(self) -> str:
        return str(self.resource.get_resource_type())

    @property
    def label(self) -> str:
        rid = self.resource.id
        return f"entry {self.index} ({self.type}/{rid})" if rid else \
            f"entry {self.index} ({self.type})"


def _path(loc: Iterable[Any]) -> str:
    """A pydantic error location as a FHIRPath-like field: ``referenceRange[0].low.value``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(resource)"


def _one_line(error: ValidationError) -> str:
    problems = []
    for item in error.errors()[:3]:
        message = " ".join(str(item["msg"]).split()).removeprefix("Value error, ")
        problems.append(f"{_path(item['loc'])}: {message}")
    more = len(error.errors()) - 3
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _validate(kind: str, data: dict[str, Any], where: str, label: str) -> Any:
    try:
        return get_fhir_model_class(kind).model_validate(data)
    except ValidationError as error:
        raise PatientError(f"{where}: {label}: {_one_line(error)}") from None


def _day(value: Any) -> dt.date | None:
    """The day of a FHIR date, dateTime or instant; partial dates (``2026``, ``2026-07``)
    give None: the model holds days, and guessing one could move a fact across a window."""
    if isinstance(value, dt.datetime):
        return value.date()  # the day as written, in its own offset
    if isinstance(value, dt.date):
        return value
    return None


def _period_day(period: Any, end: bool = False) -> dt.date | None:
    """The day a FHIR Period starts (``end``: ends); None without a period."""
    return None if period is None else _day(period.end if end else period.start)


def _number(value: Decimal | int | float | None) -> float | None:
    return None if value is None else float(value)


def _codings(concept: Any) -> list[Any]:
    return list(concept.coding or []) if concept is not None else []


def _code(concept: Any, systems: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(``SYSTEM:code`` in the first preferred system present, that coding's display)."""
    by_system: dict[str, Any] = {}
    for coding in _codings(concept):
        prefix = SYSTEMS.get((coding.system or "").rstrip("/"))
        if prefix and coding.code and prefix not in by_system:
            by_system[prefix] = coding
    for prefix in systems:
        if prefix in by_system:
            coding = by_system[prefix]
            return f"{prefix}:{coding.code}", coding.display
    return None, None


def _name(concept: Any, display: str | None) -> str | None:
    if concept is None:
        return None
    if concept.text:
        return str(concept.text)
    if display:
        return display
    return next((str(c.display) for c in _codings(concept) if c.display), None)


def _has_code(concept: Any, prefix: str, codes: set[str]) -> bool:
    return any(SYSTEMS.get((c.system or "").rstrip("/")) == prefix and c.code in codes
               for c in _codings(concept))


def _concept_text(concept: Any) -> str | None:
    if concept is None:
        return None
    return _name(concept, None) or next((str(c.code) for c in _codings(concept) if c.code), None)


def _status(concept: Any) -> str | None:
    """The code of a CodeableConcept status (Condition.clinicalStatus, ...)."""
    return next((str(c.code) for c in _codings(concept) if c.code), None)


def _last_segment(reference: str) -> str:
    reference = reference.split("/_history/")[0]
    if reference.startswith("urn:"):
        return reference.rsplit(":", 1)[-1]
    return reference.rstrip("/").rsplit("/", 1)[-1]


def _fact(kind: type[Any], label: str, where: str, **fields: Any) -> Any:
    try:
        return kind(**fields)
    except ValidationError as error:
        raise PatientError(f"{where}: {label}: {_one_line(error)}") from None


class _Reader:
    """Maps the validated resources of one Bundle to a :class:`Patient`."""

    def __init__(self, where: str, bundle: Any, entries: list[_Entry]) -> None:
        self.where = where
        self.bundle = bundle
        self.entries = entries
        self.reference_date = _day(bundle.timestamp)
        self.patient: dict[str, Any] = {
            "labs": [], "vitals": [], "conditions": [], "medications": [], "procedures": []}
        # (date, value) of the latest pregnancy / lactation / age observation
        self.latest: dict[str, tuple[dt.date, Any]] = {}

    def error(self, message: str) -> PatientError:
        return PatientError(f"{self.where}: {message}")

    # -- who the Bundle is about -------------------------------------------------------

    def identify(self) -> None:
        patients = [e for e in self.entries if e.type == "Patient"]
        if len(patients) > 1:
            indices = ", ".join(str(e.index) for e in patients)
            raise self.error(f"{len(patients)} Patient resources (entries {indices}): "
                             "one patient per Bundle")
        subjects = [(e, e.resource.subject.reference) for e in self.entries
                    if e.type in CLINICAL and e.resource.subject is not None
                    and e.resource.subject.reference]
        if patients:
            entry = patients[0]
            self.read_patient(entry)
            pid = entry.resource.id
            names = {entry.full_url} | ({f"Patient/{pid}"} if pid else set())
            for other, reference in subjects:
                plain = reference.split("/_history/")[0]
                if plain not in names and not (pid and plain.endswith(f"/Patient/{pid}")):
                    raise self.error(f"{other.label}: subject {reference!r} is not the "
                                     f"Bundle's Patient ({entry.label}): one patient per Bundle")
            return
        # no Patient resource: the subject references name the patient
        distinct = {reference.split("/_history/")[0] for _, reference in subjects}
        if len(distinct) > 1:
            raise self.error(f"subjects {sorted(distinct)} name more than one patient and "
                             "there is no Patient resource: one patient per Bundle")
        if distinct:
            self.patient["id"] = _last_segment(distinct.pop())
            return
        self.patient["id"] = self.bundle_id()
        if not self.patient["id"]:
            raise self.error("no Patient resource, no subject reference and no Bundle id: "
                             "nothing names the patient")

    def bundle_id(self) -> str | None:
        if self.bundle.id:
            return str(self.bundle.id)
        if self.bundle.identifier is not None and self.bundle.identifier.value:
            return str(self.bundle.identifier.value)
        return None

    def read_patient(self, entry: _Entry) -> None:
        resource = entry.resource
        identifier = next((i.value for i in resource.identifier or [] if i.value), None)
        pid = resource.id or (_last_segment(entry.full_url) if entry.full_url else None) \
            or identifier or self.bundle_id()
        if not pid:
            raise self.error(f"{entry.label}: the Patient has no id, fullUrl or identifier")
        self.patient["id"] = str(pid)
        if resource.gender is not None:
            if resource.gender not in SEXES:
                raise self.error(f"{entry.label}: gender: {resource.gender!r} is not one of "
                                 "female, male, other, unknown")
            self.patient["sex"] = resource.gender
        self.patient["birth_date"] = _day(resource.birthDate)

    # -- resources ---------------------------------------------------------------------

    def read(self) -> Patient:
        self.identify()
        readers = {"Observation": self.observation, "Condition": self.condition,
                   "MedicationStatement": self.medication, "MedicationRequest": self.medication,
                   "Procedure": self.procedure}
        for entry in self.entries:
            if entry.type in readers:
                readers[entry.type](entry)
        for key in ("pregnant", "lactating", "age"):
            if key in self.latest:
                self.patient[key] = self.latest[key][1]
        self.patient["reference_date"] = self.reference_date
        try:
            return Patient(**self.patient)
        except ValidationError as error:
            raise PatientError(_format_validation(error, self.where)) from None

    def keep_latest(self, key: str, day: dt.date | None, value: Any) -> None:
        day = day or dt.date.min
        if key not in self.latest or day >= self.latest[key][0]:
            self.latest[key] = (day, value)

    def observation(self, entry: _Entry) -> None:
        obs = entry.resource
        if obs.status in ("entered-in-error", "cancelled"):
            return
        day = _day(obs.effectiveDateTime) or _period_day(obs.effectivePeriod) or \
            _day(obs.effectiveInstant) or _day(obs.issued)
        code, display = _code(obs.code, OBSERVATION_SYSTEMS)
        name = _name(obs.code, display)
        if _has_code(obs.code, "LOINC", PREGNANCY_STATUS) or PREGNANCY_NAME.search(name or ""):
            if (answer := _answer(obs)) is not None:
                self.keep_latest("pregnant", day, answer)
            return
        if _has_code(obs.code, "LOINC", LACTATION_STATUS) or LACTATION_NAME.search(name or ""):
            if (answer := _answer(obs)) is not None:
                self.keep_latest("lactating", day, answer)
            return
        if _has_code(obs.code, "LOINC", AGE):
            if (age := self.age(obs, day)) is not None:
                self.keep_latest("age", day, age)
            return
        categories = {str(c.code) for concept in obs.category or [] for c in _codings(concept)
                      if c.code}
        if categories & LAB_CATEGORIES:
            target = "labs"
        elif categories & VITAL_CATEGORIES:
            target = "vitals"
        elif categories:
            return  # social-history, imaging, ...: nothing in the model holds them
        elif _has_code(obs.code, "LOINC", VITAL_SIGNS):
            target = "vitals"
        elif code and code.startswith("LOINC:"):
            target = "labs"
        else:
            return  # uncategorised and not LOINC: not known to be a lab
        # the observation's own value, then each component's (blood pressure panels)
        for holder, concept, label in [(obs, obs.code, entry.label)] + [
                (part, part.code, f"{entry.label} component[{i}]")
                for i, part in enumerate(obs.component or [])]:
            fields = _measured(holder)
            if fields is None:
                continue  # no value and no result (dataAbsentReason, a bare panel): nothing
                # to check, and Measurement requires one
            code, display = _code(concept, OBSERVATION_SYSTEMS)
            name = _name(concept, display)
            if not (code or name):
                continue
            self.patient[target].append(_fact(Measurement, label, self.where, name=name,
                                              code=code, date=day, **fields))

    def age(self, obs: Any, day: dt.date | None) -> float | None:
        quantity = obs.valueQuantity
        if quantity is None or quantity.value is None or quantity.comparator:
            return None
        years_per = load_json("match.json")["age_units"]
        unit = quantity.code or quantity.unit or "a"
        if unit not in years_per:
            return None
        age = float(quantity.value) * years_per[unit]
        # the model's age is at the reference date: add the time since the observation
        on = self.reference_date or dt.date.today()
        if day is not None and day < on:
            age += (on - day).days * years_per["d"]
        return age

    def condition(self, entry: _Entry) -> None:
        cond = entry.resource
        verification = _status(cond.verificationStatus)
        # unconfirmed/provisional/differential: not known to be present, so left unknown
        if verification in ("entered-in-error", "unconfirmed", "provisional", "differential"):
            return
        code, display = _code(cond.code, CONDITION_SYSTEMS)
        name = _name(cond.code, display)
        if not (code or name):
            return
        onset = _day(cond.onsetDateTime) or _period_day(cond.onsetPeriod)
        resolved = _day(cond.abatementDateTime) or _period_day(cond.abatementPeriod, end=True)
        ended = _status(cond.clinicalStatus) in ("inactive", "remission", "resolved") or any(
            x is not None for x in (cond.abatementDateTime, cond.abatementPeriod,
                                    cond.abatementAge, cond.abatementRange,
                                    cond.abatementString))
        self.patient["conditions"].append(_fact(
            Condition, entry.label, self.where, name=name, code=code,
            present=verification != "refuted", onset=onset, resolved=resolved,
            active=False if ended and resolved is None else None))

    def medication(self, entry: _Entry) -> None:
        med = entry.resource
        statement = entry.type == "MedicationStatement"
        skip = ("entered-in-error", "intended") if statement else \
            ("entered-in-error", "cancelled", "draft")
        if med.status in skip or (not statement and med.doNotPerform):
            return
        concept = med.medicationCodeableConcept
        if concept is None and med.medicationReference is not None:
            concept = self.medication_code(entry, med.medicationReference)
        code, display = _code(concept, MEDICATION_SYSTEMS)
        name = _name(concept, display)
        if concept is None and med.medicationReference is not None:
            name = med.medicationReference.display
        if not (code or name):
            return
        if statement:
            period = med.effectivePeriod
            start = _day(med.effectiveDateTime) or _period_day(period)
            stop = _period_day(period, end=True)
            dosage = (med.dosage or [None])[0]
        else:
            period = med.dispenseRequest.validityPeriod if med.dispenseRequest else None
            start = _day(med.authoredOn) or _period_day(period)
            stop = _period_day(period, end=True)
            dosage = (med.dosageInstruction or [None])[0]
        dose, unit, frequency = _dosage(dosage)
        self.patient["medications"].append(_fact(
            Medication, entry.label, self.where, name=name, code=code,
            present=med.status != "not-taken", dose=dose, unit=unit, frequency=frequency,
            start=start, stop=stop,
            active=False if med.status in ("stopped", "completed") and stop is None else None))

    def medication_code(self, entry: _Entry, reference: Any) -> Any:
        """The code of a referenced Medication: contained (``#id``) or in the Bundle."""
        target = reference.reference or ""
        if target.startswith("#"):
            for contained in entry.resource.contained or []:
                if contained.get_resource_type() == "Medication" and contained.id == target[1:]:
                    return contained.code
        else:
            plain = target.split("/_history/")[0]
            for other in self.entries:
                if other.type != "Medication":
                    continue
                mid = other.resource.id
                if plain == other.full_url or (mid and (
                        plain == f"Medication/{mid}" or plain.endswith(f"/Medication/{mid}"))):
                    return other.resource.code
        if reference.display:
            return None  # named by the reference's display
        raise self.error(f"{entry.label}: medicationReference {target!r} is neither contained "
                         "nor in the Bundle")

    def procedure(self, entry: _Entry) -> None:
        proc = entry.resource
        if proc.status in ("entered-in-error", "preparation"):
            return  # preparation: not done yet
        code, display = _code(proc.code, PROCEDURE_SYSTEMS)
        name = _name(proc.code, display)
        if not (code or name):
            return
        day = _day(proc.performedDateTime) or _period_day(proc.performedPeriod)
        self.patient["procedures"].append(_fact(
            Procedure, entry.label, self.where, name=name, code=code,
            present=proc.status != "not-done", date=day))


def _measured(holder: Any) -> dict[str, Any] | None:
    """value/unit/result/low/high of an Observation or component; None when it has none."""
    quantity = holder.valueQuantity
    fields: dict[str, Any] = {}
    if quantity is not None and quantity.value is not None:
        unit = quantity.unit or quantity.code
        if quantity.comparator:  # "<5 U/L": a bound, not a value; kept as text
            fields["result"] = f"{quantity.comparator}{quantity.value} {unit or ''}".strip()
        else:
            fields["value"], fields["unit"] = float(quantity.value), unit
    elif holder.valueInteger is not None:
        fields["value"] = float(holder.valueInteger)
    elif holder.valueCodeableConcept is not None:
        fields["result"] = _concept_text(holder.valueCodeableConcept)
    elif holder.valueString:
        fields["result"] = str(holder.valueString)
    elif holder.valueBoolean is not None:
        fields["result"] = "positive" if holder.valueBoolean else "negative"
    if fields.get("value") is None and not fields.get("result"):
        return None
    ranges = holder.referenceRange or []
    if ranges and "value" in fields:
        low, high = ranges[0].low, ranges[0].high
        # a range in another unit than the value (mg/dL against umol/L) is not comparable
        # with it; converting it is the lab module's job, so it is left out here
        if all(_same_unit(quantity, bound) for bound in (low, high) if bound is not None):
            fields["low"] = _number(low.value) if low is not None else None
            fields["high"] = _number(high.value) if high is not None else None
    return fields


def _same_unit(quantity: Any, bound: Any) -> bool:
    if quantity is None:  # an integer value (a score): its range has no unit either
        return not (bound.code or bound.unit)
    if quantity.code and bound.code:
        return bool(quantity.code == bound.code)
    if quantity.unit and bound.unit:
        return bool(quantity.unit == bound.unit)
    return True  # a bound without a unit is in the value's unit


def _answer(obs: Any) -> bool | None:
    """A yes/no status observation's answer (pregnant, breastfeeding); None if unknown."""
    if obs.valueBoolean is not None:
        return bool(obs.valueBoolean)
    concept = obs.valueCodeableConcept
    codes = {str(c.code) for c in _codings(concept) if c.code}
    if codes & YES:
        return True
    if codes & NO:
        return False
    texts = [obs.valueString] + ([concept.text] if concept is not None else []) + \
        [c.display for c in _codings(concept)]
    for text in texts:
        text = " ".join(re.sub(r"[^\w]+", " ", str(text or "")).lower().split())
        if text in YES_TEXT:
            return True
        if text in NO_TEXT:
            return False
    return None


def _dosage(dosage: Any) -> tuple[float | None, str | None, str | None]:
    """(dose, unit, frequency text) of a Dosage."""
    if dosage is None:
        return None, None, None
    dose = unit = None
    for rate in dosage.doseAndRate or []:
        if rate.doseQuantity is not None and rate.doseQuantity.value is not None:
            dose = float(rate.doseQuantity.value)
            unit = rate.doseQuantity.unit or rate.doseQuantity.code
            break
    frequency = None
    timing = dosage.timing
    repeat = timing.repeat if timing is not None else None
    if repeat is not None and repeat.frequency is not None and repeat.period is not None:
        # "2 per 1 d": FHIR's own frequency/period/periodUnit, kept as written
        frequency = f"{repeat.frequency} per {_plain(repeat.period)} {repeat.periodUnit or ''}"
        frequency = frequency.strip()
    elif timing is not None and timing.code is not None:
        frequency = _concept_text(timing.code)  # BID, QD, ...
    if frequency is None and dosage.text:
        frequency = str(dosage.text)
    return dose, unit, frequency


def _plain(number: Decimal | float) -> str:
    """1 for Decimal("1.0"), 0.5 for Decimal("0.50")."""
    return f"{Decimal(str(number)).normalize():f}"


def patient_from_bundle(bundle: dict[str, Any], where: str = "bundle") -> Patient:
    """Read one patient from a FHIR R4 Bundle (a parsed JSON object).

    Raises :class:`PatientError` naming ``where``, the entry (index, type and id) and the
    field when the Bundle or one of its resources is not valid FHIR, or when it is about
    more than one patient.
    """
    if not isinstance(bundle, dict):
        raise PatientError(f"{where}: expected a FHIR Bundle, got {type(bundle).__name__}")
    kind = bundle.get("resourceType")
    if kind != "Bundle":
        raise PatientError(f"{where}: a FHIR {kind} resource, not a Bundle: put the patient's "
                           "resources in a Bundle (type collection)")
    # The Bundle's own fields first, entries without their resources: those are validated
    # one by one below, so that an error names its entry and other types can be skipped.
    shell = dict(bundle)
    raw_entries = bundle.get("entry")
    if isinstance(raw_entries, list):
        shell["entry"] = [{k: v for k, v in e.items() if k != "resource"}
                          if isinstance(e, dict) else e for e in raw_entries]
    parsed = _validate("Bundle", shell, where, "Bundle")
    entries = []
    for index, raw in enumerate(raw_entries or [], 1):
        resource = raw.get("resource")
        if resource is None:
            continue
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise PatientError(f"{where}: entry {index}: resource has no resourceType")
        kind = resource["resourceType"]
        if kind not in READ:
            continue
        label = f"entry {index} ({kind}/{resource['id']})" if resource.get("id") else \
            f"entry {index} ({kind})"
        entries.append(_Entry(index, raw.get("fullUrl"),
                              _validate(kind, resource, where, label)))
    return _Reader(where, parsed, entries).read()

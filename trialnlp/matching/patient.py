"""The patient record the matcher reads: a pydantic model, loaded from JSON, YAML or FHIR.

The format is documented in README.md ("Patient records").  Every fact is optional:
what a record leaves out stays *unknown* to the matcher, never assumed absent, unless the
record says its list is complete (``complete: [conditions, medications]``) or lists a
fact with ``present: false`` ("no history of myocardial infarction").
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import TrialnlpError

Sex = Literal["female", "male", "other", "unknown"]
CompleteList = Literal["conditions", "medications", "procedures"]


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    name: str | None = None
    # SYSTEM:code (LOINC:1742-6, ICD10CM:K51.90, SNOMED:22298006, ATC:H02AB06, RxNorm:8640);
    # a bare code is read with the list's usual system (LOINC for labs, ICD-10-CM for
    # conditions).
    code: str | None = None

    @model_validator(mode="after")
    def _named(self) -> _Fact:
        if not (self.name or self.code):
            raise ValueError("give a name or a code")
        return self

    @property
    def label(self) -> str:
        return self.name or self.code or ""


class Measurement(_Fact):
    """A lab result, vital sign or clinical score."""

    value: float | None = None
    unit: str | None = None
    result: str | None = None  # a qualitative result: positive, negative, detected, ...
    low: float | None = None  # the lab's own reference range, in ``unit``
    high: float | None = None
    date: dt.date | None = None

    @model_validator(mode="after")
    def _valued(self) -> Measurement:
        if self.value is None and self.result is None:
            raise ValueError("give a value (with its unit) or a result")
        return self


class Condition(_Fact):
    present: bool = True  # false: explicitly ruled out ("no history of ...")
    onset: dt.date | None = None
    resolved: dt.date | None = None  # set when the condition is no longer active
    # false: no longer active though no end date is known (FHIR clinicalStatus resolved);
    # None: active unless ``resolved`` says otherwise
    active: bool | None = None


class Medication(_Fact):
    present: bool = True
    dose: float | None = None
    unit: str | None = None
    frequency: str | None = None  # as written: "daily", "BID", "2x/day"
    start: dt.date | None = None
    stop: dt.date | None = None  # set when the medication was stopped
    active: bool | None = None  # false: stopped, date unknown (FHIR status stopped/completed)


class Procedure(_Fact):
    present: bool = True
    date: dt.date | None = None


class Patient(BaseModel):
    """One patient.  Ages and time windows are computed at ``reference_date``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    id: str
    reference_date: dt.date | None = None  # the screening date; default: today
    age: float | None = Field(default=None, ge=0, le=130)  # in years, at reference_date
    birth_date: dt.date | None = None
    sex: Sex | None = None
    pregnant: bool | None = None
    lactating: bool | None = None
    labs: list[Measurement] = Field(default_factory=list)
    vitals: list[Measurement] = Field(default_factory=list)  # vitals and clinical scores
    conditions: list[Condition] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    procedures: list[Procedure] = Field(default_factory=list)
    # lists the record vouches are complete: a fact not in them is absent, not unknown
    complete: list[CompleteList] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Patient:
        if self.birth_date and self.reference_date and self.birth_date > self.reference_date:
            raise ValueError("birth_date is after reference_date")
        return self

    @property
    def on(self) -> dt.date:
        """The date facts are judged at."""
        return self.reference_date or dt.date.today()

    def age_years(self) -> float | None:
        """Age at the reference date: from ``birth_date`` when given, else ``age``."""
        if self.birth_date is not None:
            on, born = self.on, self.birth_date
            years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
            anniversary = _add_years(born, years)
            next_one = _add_years(born, years + 1)
            return years + (on - anniversary).days / (next_one - anniversary).days
        return self.age


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class PatientError(TrialnlpError, ValueError):
    """A patient record that cannot be read; the message names the file and the field."""


def _format_validation(error: ValidationError, where: str) -> str:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(record)"
        problems.append(f"{field}: {item['msg']}")
    return f"{where}: " + "; ".join(problems)


def patient_from_dict(data: Any, where: str = "patient") -> Patient:
    """Validate one record (a mapping, or a FHIR Bundle) into a :class:`Patient`."""
    if isinstance(data, dict) and "resourceType" in data:  # FHIR: a Bundle, or an error saying so
        from .fhir import patient_from_bundle

        return patient_from_bundle(data, where)
    if not isinstance(data, dict):
        raise PatientError(f"{where}: expected an object, got {type(data).__name__}")
    try:
        return Patient.model_validate(data)
    except ValidationError as error:
        raise PatientError(_format_validation(error, where)) from None


def _parse_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return list(yaml.safe_load_all(text))
        except yaml.YAMLError as error:
            reason = " ".join(str(error).split())  # PyYAML's message spans lines
            raise PatientError(f"{path}: not valid YAML: {reason}") from None
    if path.suffix.lower() == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise PatientError(f"{path}: line {number}: not valid JSON: {error}") from None
        return rows
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PatientError(f"{path}: not valid JSON: {error}") from None


def _records(data: Any) -> list[Any]:
    if isinstance(data, list):
        return [item for part in data for item in _records(part)]
    if isinstance(data, dict) and "patients" in data and "id" not in data:
        return _records(data["patients"])
    return [data]


def iter_patients(path: str | Path) -> Iterator[Patient | PatientError]:
    """Every record in a file (.json, .jsonl, .yaml) or a folder of such files.

    A file may hold one record, a list, ``{"patients": [...]}``, or FHIR R4 Bundles.  A
    record that does not validate is yielded as a :class:`PatientError` naming the file,
    the record and the bad field, and the others go on; a file that cannot be parsed is
    one error.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.suffix.lower() in (".json", ".jsonl", ".yaml", ".yml"))
        if not files:
            yield PatientError(f"{path}: no .json, .jsonl or .yaml patient files")
    elif path.exists():
        files = [path]
    else:
        yield PatientError(f"{path}: no such file")
        return
    for file in files:
        try:
            records = _records(_parse_file(file))
        except (PatientError, OSError, UnicodeDecodeError) as error:
            yield error if isinstance(error, PatientError) else PatientError(f"{file}: {error}")
            continue
        for index, record in enumerate(records):
            where = f"{file}" if len(records) == 1 else f"{file}: record {index + 1}"
            try:
                yield patient_from_dict(record, where)
            except PatientError as error:
                yield error


def load_patients(path: str | Path) -> list[Patient]:
    """Every patient in ``path``; raises :class:`PatientError` on the first bad record."""
    patients = []
    for item in iter_patients(path):
        if isinstance(item, PatientError):
            raise item
        patients.append(item)
    return patients

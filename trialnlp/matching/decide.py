"""One constraint, one patient: ``met``, ``not_met`` or ``unknown``, with the reason in words.

A verdict says whether what the constraint describes holds for the patient ("ALT >= 2.5 x
ULN": does the patient's ALT reach it?), whatever the criterion then makes of it (an
exclusion criterion excludes when it holds).  Missing data, units that do not convert,
and things a record cannot show (plans, "able to comply") stay ``unknown``; nothing here
turns unknown into met or not met.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from ..constraints.units import convert
from ..resources import load_json
from ..types import Constraint, Window
from . import labs
from .patient import Condition, Measurement, Medication, Patient, Procedure
from .vocab import fact_matches

Verdict = Literal["met", "not_met", "unknown"]
MET: Verdict = "met"
NOT_MET: Verdict = "not_met"
UNKNOWN: Verdict = "unknown"
Fact = Condition | Medication | Procedure


@dataclass(slots=True)
class ConstraintVerdict:
    constraint: Constraint
    verdict: Verdict
    reason: str
    evidence: tuple[str, ...] = ()  # the patient facts used, in words
    applies: bool = True  # False: the constraint is for the other sex ("male creatinine ...")

    def to_dict(self) -> dict[str, Any]:
        c = self.constraint
        return {"constraint_id": c.constraint_id, "criterion_id": c.criterion_id or None,
                "kind": c.kind, "text": c.text, "concept": c.concept, "code": c.code,
                "verdict": self.verdict, "applies": self.applies, "reason": self.reason,
                "evidence": list(self.evidence)}


@dataclass(frozen=True, slots=True)
class _Rules:
    positive: re.Pattern[str]
    negative: re.Pattern[str]
    age_units: dict[str, float] = field(default_factory=dict)


@cache
def _rules() -> _Rules:
    data = load_json("match.json")

    def words(items: list[str]) -> re.Pattern[str]:
        return re.compile(r"(?<!\w)(" + "|".join(items) + r")(?!\w)", re.IGNORECASE)

    return _Rules(words(data["positive"]), words(data["negative"]), data["age_units"])


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


AGE_UNITS = {"a": "years", "mo": "months", "wk": "weeks", "d": "days", "h": "hours"}


def _unit(unit: str | None) -> str:
    """A unit as a suffix: " years", " mg/dL", "%", or nothing."""
    if not unit:
        return ""
    return unit if unit == "%" else f" {AGE_UNITS.get(unit, unit)}"


def _threshold(c: Constraint) -> str:
    """The constraint's bound in words: ">= 2.5 x ULN", "between 18 and 75 years"."""
    unit = f" x {c.relative_to}" if c.relative_to else _unit(c.unit)
    if c.op == "between" and c.value is not None and c.value_max is not None:
        return f"between {_number(c.value)} and {_number(c.value_max)}{unit}"
    return f"{c.op} {_number(c.value) if c.value is not None else '?'}{unit}"


def compare(x: float, op: str | None, value: float | None, value_max: float | None) -> bool | None:
    """``x op value``; None when the constraint's operator or value is missing."""
    if op is None or value is None or not math.isfinite(x):
        return None
    if op == "between":
        return value <= x <= value_max if value_max is not None else None
    checks: dict[str, Callable[[float, float], bool]] = {
        ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, "=": lambda a, b: math.isclose(a, b, rel_tol=1e-9)}
    check = checks.get(op)
    return check(x, value) if check else None


def _verdict(holds: bool) -> Verdict:
    return MET if holds else NOT_MET


# --- time windows ------------------------------------------------------------------------

def window_start(window: Window, on: dt.date) -> dt.date | None:
    """The first day a ``within N <unit>`` window reaches back to from ``on``."""
    if window.amount is None or window.unit is None:
        return None
    days = window.amount * {"a": 365.25, "mo": 30.4375, "wk": 7.0, "d": 1.0, "h": 1 / 24}.get(
        window.unit, math.nan)
    return None if math.isnan(days) else on - dt.timedelta(days=math.ceil(days))


def _is_lookback(window: Window | None) -> bool:
    return window is not None and window.relation in ("within", "before") \
        and window.amount is not None


def _in_window(start: dt.date | None, end: dt.date | None, window: Window, on: dt.date,
               what: str) -> tuple[Verdict, str]:
    """Did a fact active from ``start`` to ``end`` (None: still) overlap the window?"""
    since = window_start(window, on)
    label = window.text or f"within {_number(window.amount or 0)}{_unit(window.unit)}"
    if since is None:
        return UNKNOWN, f"cannot date the window {label!r}"
    if start is not None and start > on:
        return NOT_MET, f"{what} starts {start}, after the reference date {on}"
    if start is not None and start >= since:
        return MET, f"{what} on {start}, inside {label!r} (since {since})"
    if end is not None:
        if end >= since:
            return MET, f"{what} until {end}, inside {label!r} (since {since})"
        return NOT_MET, f"{what} ended {end}, before {label!r} (since {since})"
    if start is None:
        return UNKNOWN, f"{what} has no date to check against {label!r}"
    return UNKNOWN, (f"{what} began {start}, before {label!r} (since {since}), and the record "
                     "has no end date: cannot tell whether it was active in the window")


# --- kinds -------------------------------------------------------------------------------

def _judge_age(c: Constraint, patient: Patient) -> ConstraintVerdict:
    years = patient.age_years()
    if years is None:
        return ConstraintVerdict(c, UNKNOWN, "the record has no age or birth date")
    per_unit = _rules().age_units.get(c.unit or "a")
    if per_unit is None:
        return ConstraintVerdict(c, UNKNOWN, f"age unit {c.unit!r} is not understood")
    # ages count completed units: a 75-and-a-half-year-old is "75 years old"
    age = math.floor(years / per_unit + 1e-9)
    holds = compare(age, c.op, c.value, c.value_max)
    evidence = (f"age {age}{_unit(c.unit or 'a')} on {patient.on}",)
    if holds is None:
        return ConstraintVerdict(c, UNKNOWN, f"age limit {c.text!r} has no usable bound", evidence)
    return ConstraintVerdict(c, _verdict(holds), f"age {age}{_unit(c.unit or 'a')} is "
                             f"{'' if holds else 'not '}{_threshold(c)}", evidence)


def _judge_sex(c: Constraint, patient: Patient) -> ConstraintVerdict:
    wanted = (c.concept or "").casefold()
    if patient.sex in (None, "unknown"):
        return ConstraintVerdict(c, UNKNOWN, "the record has no sex")
    if wanted not in ("female", "male"):
        return ConstraintVerdict(c, UNKNOWN, f"sex {c.concept!r} is not checked")
    holds = patient.sex == wanted
    return ConstraintVerdict(c, _verdict(holds), f"patient is {patient.sex}"
                             + ("" if holds else f", the criterion asks for {wanted}"),
                             (f"sex {patient.sex}",))


def _judge_state(c: Constraint, patient: Patient) -> ConstraintVerdict:
    """Pregnancy and lactation."""
    state = patient.pregnant if c.kind == "pregnancy" else patient.lactating
    word = "pregnant" if c.kind == "pregnancy" else "breastfeeding"
    if _is_lookback(c.window) or (c.window and c.window.relation == "after"):
        return ConstraintVerdict(c, UNKNOWN, f"{word} at another time than now "
                                 f"({c.window.text if c.window else ''}) is not in the record")
    if patient.sex == "male":
        return ConstraintVerdict(c, NOT_MET, f"patient is male, so not {word}", ("sex male",))
    if state is None:
        return ConstraintVerdict(c, UNKNOWN, f"the record does not say whether the patient is "
                                 f"{word}")
    return ConstraintVerdict(c, _verdict(state), f"patient is {'' if state else 'not '}{word}",
                             (f"{c.kind} {str(state).lower()}",))


def _measurements(c: Constraint, patient: Patient) -> list[tuple[Measurement,
                                                                 labs.Analyte | None]]:
    """The patient's results for the constraint's analyte, each with its own analyte.

    A group term ("transaminases <= 3 x ULN") names each of its components.
    """
    found = []
    for m in [*patient.labs, *patient.vitals]:
        theirs = labs.resolve_analyte(name=m.name, code=m.code)
        if theirs is not None and labs.same_analyte(c.code, c.concept, theirs):
            found.append((m, theirs))
        elif fact_matches(c, m.name, m.code):
            found.append((m, theirs or labs.resolve_analyte(name=c.concept, code=c.code)))
    return found


def _latest(items: list[tuple[Measurement, labs.Analyte | None]], c: Constraint,
            on: dt.date) -> list[tuple[Measurement, labs.Analyte | None]]:
    """The most recent result per analyte on or before the reference date (inside the
    window if the constraint has one)."""
    usable = [(m, a) for m, a in items if m.date is None or m.date <= on]
    if c.window is not None and _is_lookback(c.window):
        since = window_start(c.window, on)
        usable = [(m, a) for m, a in usable if m.date is not None and since and m.date >= since]
    latest: dict[str, tuple[Measurement, labs.Analyte | None]] = {}
    # undated results first, so a dated one replaces them
    for m, a in sorted(usable, key=lambda pair: (pair[0].date is not None, pair[0].date or on)):
        latest[a.id if a else "?"] = (m, a)
    return list(latest.values())


def _describe(m: Measurement) -> str:
    name = m.name or m.code or "result"
    value = f"{_number(m.value)} {m.unit or ''}".strip() if m.value is not None else m.result
    return f"{name} {value}" + (f" on {m.date}" if m.date else "")


def _qualitative(c: Constraint, m: Measurement) -> ConstraintVerdict:
    text = m.result or ""
    rules = _rules()
    if rules.negative.search(text):
        holds: bool | None = False
    elif rules.positive.search(text):
        holds = True
    else:
        holds = None
    if holds is None:
        return ConstraintVerdict(c, UNKNOWN, f"result {text!r} is neither positive nor "
                                 "negative", (_describe(m),))
    return ConstraintVerdict(c, _verdict(holds), f"{m.name or c.concept} {text}",
                             (_describe(m),))


def _judge_measurement(c: Constraint, patient: Patient) -> ConstraintVerdict:
    if c.sex is not None:
        if patient.sex in (None, "unknown"):
            return ConstraintVerdict(c, UNKNOWN, f"the threshold is for {c.sex} patients and "
                                     "the record has no sex")
        if patient.sex != c.sex:
            return ConstraintVerdict(c, UNKNOWN, f"the threshold is for {c.sex} patients; "
                                     f"patient is {patient.sex}", applies=False)
    results = _latest(_measurements(c, patient), c, patient.on)
    if not results:
        where = f" {c.window.text}" if c.window and c.window.text else ""
        return ConstraintVerdict(c, UNKNOWN, f"no {c.concept or c.text} result in the "
                                 f"record{where}")
    # a group term ("transaminases") holds when any of its analytes does
    verdicts = [_one_measurement(c, patient, m, analyte) for m, analyte in results]
    for wanted in (MET, UNKNOWN):
        hits = [v for v in verdicts if v.verdict == wanted]
        if hits:
            return _joined(c, wanted, hits)
    return _joined(c, NOT_MET, verdicts)


def _joined(c: Constraint, verdict: Verdict, parts: list[ConstraintVerdict]) -> ConstraintVerdict:
    if len(parts) == 1:
        return parts[0]
    return ConstraintVerdict(c, verdict, "; ".join(p.reason for p in parts),
                             tuple(e for p in parts for e in p.evidence))


def _one_measurement(c: Constraint, patient: Patient, m: Measurement,
                     analyte: labs.Analyte | None) -> ConstraintVerdict:
    name = c.concept or c.text
    if c.op is None or c.value is None:
        if m.result is not None:
            return _qualitative(c, m)
        return ConstraintVerdict(c, UNKNOWN, f"the criterion gives no threshold for {name}",
                                 (_describe(m),))
    if m.value is None:
        return ConstraintVerdict(c, UNKNOWN, f"{name} has no numeric value", (_describe(m),))
    if c.relative_to in ("ULN", "LLN"):
        return _relative(c, patient, m, analyte)
    if c.relative_to:  # "PT > 1.5 x control": a multiple of a value no record holds
        return ConstraintVerdict(c, UNKNOWN, f"the bound is a multiple of the lab's "
                                 f"{c.relative_to} value, which the record does not give",
                                 (_describe(m),))
    value, shown = m.value, f"{_number(m.value)} {m.unit or ''}".strip()
    if c.unit and (m.unit or "") != c.unit:
        if not m.unit:
            return ConstraintVerdict(c, UNKNOWN, f"{name} {shown} has no unit to compare "
                                     f"with {c.unit}", (_describe(m),))
        try:
            value = labs.convert_lab(m.value, m.unit, c.unit, analyte)
        except labs.UnitError as error:
            return ConstraintVerdict(c, UNKNOWN, str(error), (_describe(m),))
        shown = f"{shown} = {_number(value)} {c.unit}"
    holds = compare(value, c.op, c.value, c.value_max)
    if holds is None:
        return ConstraintVerdict(c, UNKNOWN, f"cannot compare with {c.text!r}", (_describe(m),))
    relation = _threshold(c) if holds else f"is not {_threshold(c)}"
    return ConstraintVerdict(c, _verdict(holds), f"{m.name or name} {shown} {relation}",
                             (_describe(m),))


def _relative(c: Constraint, patient: Patient, m: Measurement,
              analyte: labs.Analyte | None) -> ConstraintVerdict:
    """``ALT 112 U/L = 2.8 x ULN (40 U/L) >= 2.5 x ULN``."""
    name = m.name or c.concept or c.text
    upper = c.relative_to == "ULN"
    bound = m.high if upper else m.low
    bound_unit, source = m.unit, "the lab's range"
    if bound is None:
        default = labs.default_range(analyte, patient.sex) if analyte else None
        bound = None if default is None else (default.high if upper else default.low)
        if bound is None or default is None:
            return ConstraintVerdict(c, UNKNOWN, f"no {c.relative_to} for {name}: the lab gives "
                                     "no reference range and there is no default for this "
                                     "analyte and sex", (_describe(m),))
        bound_unit, source = default.unit, f"default range: {default.source}"
    value = m.value
    assert value is not None
    if bound_unit and m.unit and bound_unit != m.unit:
        try:
            value = labs.convert_lab(value, m.unit, bound_unit, analyte)
        except labs.UnitError as error:
            return ConstraintVerdict(c, UNKNOWN, str(error), (_describe(m),))
    if bound <= 0:
        return ConstraintVerdict(c, UNKNOWN, f"{c.relative_to} of {name} is {bound}",
                                 (_describe(m),))
    multiple = value / bound
    holds = compare(multiple, c.op, c.value, c.value_max)
    if holds is None:
        return ConstraintVerdict(c, UNKNOWN, f"cannot compare with {c.text!r}", (_describe(m),))
    shown = f"{_number(m.value or 0)} {m.unit or ''}".strip()
    relation = _threshold(c) if holds else f"is not {_threshold(c)}"
    reason = (f"{name} {shown} = {multiple:.1f} x {c.relative_to} "
              f"({_number(bound)} {bound_unit or ''}".rstrip() + f", {source}) {relation}")
    return ConstraintVerdict(c, _verdict(holds), reason.replace(", the lab's range)", ")"),
                             (_describe(m), f"{c.relative_to} {_number(bound)} "
                              f"{bound_unit or ''} ({source})".replace("  ", " ")))


def _active_at(fact: Fact, on: dt.date) -> bool | None:
    """Is a condition or medication active on ``on``?  None when the record cannot say."""
    start = fact.onset if isinstance(fact, Condition) else getattr(fact, "start", None)
    end = fact.resolved if isinstance(fact, Condition) else getattr(fact, "stop", None)
    if start is not None and start > on:
        return False
    if end is not None:
        return end >= on
    return getattr(fact, "active", None) is not False


def _fact_dates(fact: Fact) -> tuple[dt.date | None, dt.date | None]:
    if isinstance(fact, Condition):
        return fact.onset, fact.resolved
    if isinstance(fact, Medication):
        return fact.start, fact.stop
    return fact.date, fact.date


def _judge_fact(c: Constraint, patient: Patient, facts: list[Fact], what: str,
                list_name: str) -> ConstraintVerdict:
    """Conditions, medications and procedures: does the record show the concept, when?"""
    name = c.concept or c.text
    on = patient.on
    matched = [(f, how) for f in facts if (how := fact_matches(c, f.name, f.code))]
    denied = [f for f, _ in matched if not f.present]
    present = [(f, how) for f, how in matched if f.present]
    results: list[tuple[Verdict, str, str]] = []
    for fact, how in present:
        start, end = _fact_dates(fact)
        label = f"{fact.label}" + (f" ({how})" if how and not how.startswith("name") else "")
        if c.window is not None and (_is_lookback(c.window) or c.window.relation == "after"):
            if c.window.relation == "after":
                results.append((UNKNOWN, f"{label}: {c.window.text!r} is about the future",
                                label))
                continue
            verdict, why = _in_window(start, end, c.window, on, label)
            results.append((verdict, why, label))
        elif c.historical or isinstance(fact, Procedure):
            if start is not None and start > on:
                results.append((NOT_MET, f"{label} dated {start}, after {on}", label))
            else:
                results.append((MET, f"{label}" + (f" since {start}" if start else "")
                                + (" (history counts)" if c.historical else ""), label))
        else:
            active = _active_at(fact, on)
            if active:
                results.append((MET, f"{label}, active on {on}", label))
            else:
                ended = f" (ended {end})" if end else ""
                results.append((NOT_MET, f"{label} is not active on {on}{ended}; the "
                                "criterion is about a current one", label))
    for verdict in (MET, UNKNOWN):
        hits = [r for r in results if r[0] == verdict]
        if hits:
            return ConstraintVerdict(c, verdict, "; ".join(r[1] for r in hits),
                                     tuple(r[2] for r in hits))
    if results:
        return ConstraintVerdict(c, NOT_MET, "; ".join(r[1] for r in results),
                                 tuple(r[2] for r in results))
    if denied:
        return ConstraintVerdict(c, NOT_MET, f"the record rules out {name}",
                                 tuple(f"no {f.label}" for f in denied))
    if list_name in patient.complete:
        return ConstraintVerdict(c, NOT_MET, f"no {name} in the patient's {list_name} "
                                 "(a complete list)")
    return ConstraintVerdict(c, UNKNOWN, f"no record of {name} ({what}); the {list_name} list "
                             "is not marked complete")


def _judge_drug(c: Constraint, patient: Patient) -> ConstraintVerdict:
    verdict = _judge_fact(c, patient, list(patient.medications), "medication", "medications")
    if verdict.verdict != MET or c.dose_op is None or c.dose_value is None:
        return verdict
    doses = [m for m in patient.medications
             if m.present and fact_matches(c, m.name, m.code) and m.dose is not None]
    if not doses:
        return ConstraintVerdict(c, UNKNOWN, f"{verdict.reason}; no dose in the record to "
                                 f"check {c.dose_op} {_number(c.dose_value)} {c.dose_unit or ''}",
                                 verdict.evidence)
    med = doses[-1]
    dose = med.dose
    assert dose is not None
    if c.dose_unit and med.unit and med.unit != c.dose_unit:
        converted = convert(dose, med.unit, c.dose_unit)
        if converted is None:
            return ConstraintVerdict(c, UNKNOWN, f"cannot convert the dose {med.unit} to "
                                     f"{c.dose_unit}", verdict.evidence)
        dose = converted
    holds = compare(dose, c.dose_op, c.dose_value, c.dose_value_max)
    if holds is None:
        return ConstraintVerdict(c, UNKNOWN, "the dose limit is not usable", verdict.evidence)
    bound = f"{c.dose_op} {_number(c.dose_value)} {c.dose_unit or ''}".strip()
    return ConstraintVerdict(c, _verdict(holds), f"{verdict.reason}; dose {_number(med.dose or 0)} "
                             f"{med.unit or ''} {'' if holds else 'is not '}{bound}",
                             (*verdict.evidence, f"dose {_number(med.dose or 0)} {med.unit or ''}"))


JUDGES: dict[str, Callable[[Constraint, Patient], ConstraintVerdict]] = {
    "age": _judge_age,
    "sex": _judge_sex,
    "pregnancy": _judge_state,
    "lactation": _judge_state,
    "lab": _judge_measurement,
    "vital": _judge_measurement,
    "score": _judge_measurement,
    "measurement": _judge_measurement,
    "substance": _judge_measurement,
    "condition": lambda c, p: _judge_fact(c, p, list(p.conditions), "condition", "conditions"),
    "drug": _judge_drug,
    "procedure": lambda c, p: _judge_fact(c, p, list(p.procedures), "procedure", "procedures"),
}


def _negate(verdict: ConstraintVerdict) -> ConstraintVerdict:
    if verdict.verdict == UNKNOWN:
        return verdict
    flipped = NOT_MET if verdict.verdict == MET else MET
    return ConstraintVerdict(verdict.constraint, flipped, f"{verdict.reason} (the criterion "
                             "asks for its absence)", verdict.evidence, verdict.applies)


def judge(constraint: Constraint, patient: Patient) -> ConstraintVerdict:
    """The verdict on one constraint for one patient."""
    c = constraint
    if c.hypothetical:
        return ConstraintVerdict(c, UNKNOWN, f"{c.text!r} is about plans or possibilities; a "
                                 "record cannot show it")
    judge_kind = JUDGES.get(c.kind)
    if judge_kind is None:
        return ConstraintVerdict(c, UNKNOWN, f"no check for {c.kind} constraints")
    verdict = judge_kind(c, patient)
    if c.qualifier and verdict.verdict != UNKNOWN:
        return ConstraintVerdict(c, UNKNOWN, f"{verdict.reason}, but this applies only "
                                 f"{c.qualifier!r}, which the record cannot show",
                                 verdict.evidence, verdict.applies)
    return _negate(verdict) if c.negated else verdict

"""The compact plain-data form in which workers send Trials back to the main process.

Nested tuples of str/int/float/bool/None in the field order of the dataclasses, without
the trial's text where it is the record's (the main process has that: it sent it).  It
carries what ``Trial.to_dict(include_text=True)`` carries, at a fraction of the cost to
build, pickle, unpickle and rebuild (dict keys and ``dataclasses.asdict`` make the dict
form slow), which matters when the main process rebuilds every trial of a registry.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..trial import Trial
from ..types import AgeLimit, Constraint, Criterion, Section, StructuredFields, Window

_SECTION = tuple(f.name for f in fields(Section))
_WINDOW = tuple(f.name for f in fields(Window))
_CONSTRAINT = tuple(f.name for f in fields(Constraint) if f.name != "window")
_CRITERION = tuple(f.name for f in fields(Criterion) if f.name not in ("children", "constraints"))
Encoded = tuple[Any, ...]


def encode_trial(trial: Trial, record_text: str = "") -> Encoded:
    """``trial`` as nested tuples; its text is left out when it is ``record_text``."""
    s = trial.structured
    structured = (_age(s.minimum_age), _age(s.maximum_age), s.sex, s.healthy_volunteers,
                  tuple(s.std_ages))
    text = None if trial.text == record_text else trial.text
    return (
        trial.trial_id, trial.source, trial.format, text, structured,
        tuple(tuple(getattr(x, n) for n in _SECTION) for x in trial.sections),
        tuple(_criterion(c) for c in trial.criteria),
        tuple(trial.warnings), trial.status, trial.error,
    )


def decode_trial(data: Encoded, record_text: str = "") -> Trial:
    """The Trial ``encode_trial(trial, record_text)`` was made from."""
    trial_id, source, fmt, text, structured, sections, criteria, warnings, status, error = data
    minimum, maximum, sex, healthy, std_ages = structured
    return Trial(
        trial_id=trial_id, source=source, format=fmt,
        text=record_text if text is None else text,
        structured=StructuredFields(
            minimum_age=AgeLimit(*minimum) if minimum else None,
            maximum_age=AgeLimit(*maximum) if maximum else None,
            sex=sex, healthy_volunteers=healthy, std_ages=tuple(std_ages),
        ),
        sections=[Section(**dict(zip(_SECTION, x, strict=True))) for x in sections],
        criteria=[_decode_criterion(c) for c in criteria],
        warnings=tuple(warnings), status=status, error=error,
    )


def _age(age: AgeLimit | None) -> tuple[Any, ...] | None:
    return None if age is None else (age.value, age.unit, age.text)


def _criterion(c: Criterion) -> Encoded:
    return (
        tuple(getattr(c, n) for n in _CRITERION),
        tuple(_criterion(child) for child in c.children),
        tuple(_constraint(k) for k in c.constraints),
    )


def _constraint(k: Constraint) -> Encoded:
    window = None if k.window is None else tuple(getattr(k.window, n) for n in _WINDOW)
    return tuple(getattr(k, n) for n in _CONSTRAINT), window


def _decode_criterion(data: Encoded) -> Criterion:
    values, children, constraints = data
    return Criterion(
        **dict(zip(_CRITERION, values, strict=True)),
        children=[_decode_criterion(child) for child in children],
        constraints=[_decode_constraint(k) for k in constraints],
    )


def _decode_constraint(data: Encoded) -> Constraint:
    values, window = data
    return Constraint(
        **dict(zip(_CONSTRAINT, values, strict=True)),
        window=None if window is None else Window(**dict(zip(_WINDOW, window, strict=True))),
    )

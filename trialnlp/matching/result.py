"""``match(patient, trial)``: the trial verdict with its per-criterion verdicts and reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..constraints.assemble import structured_constraints
from ..trial import Trial
from ..types import Criterion
from .decide import UNKNOWN, ConstraintVerdict, judge
from .logic import CriterionVerdict, all_of, judge_criterion
from .patient import Patient, load_patients, patient_from_dict

TrialVerdict = Literal["eligible", "excluded", "needs_review"]
FIELDS_ID = "fields"  # the pseudo-criterion holding the registry's age and sex fields

SCREENING_COLUMNS = ("patient_id", "trial_id", "verdict", "excluded_by", "unknown",
                     "criteria", "met", "not_met", "unknown_count", "reasons")
DETAIL_COLUMNS = ("patient_id", "trial_id", "criterion_id", "section", "number", "depth",
                  "text", "verdict", "excludes", "rule", "reason", "evidence")


@dataclass(slots=True)
class MatchResult:
    patient_id: str
    trial_id: str
    verdict: TrialVerdict
    criteria: list[CriterionVerdict]  # top-level criteria (and the fields pseudo-criterion)
    reference_date: str = ""
    notes: list[str] = field(default_factory=list)

    def walk(self) -> list[CriterionVerdict]:
        return [v for top in self.criteria for v in top.walk()]

    @property
    def excluded_by(self) -> list[CriterionVerdict]:
        """The top-level criteria that rule the patient out."""
        return [v for v in self.criteria if v.excludes]

    @property
    def unknown(self) -> list[CriterionVerdict]:
        """The top-level criteria that could not be decided."""
        return [v for v in self.criteria if v.verdict == UNKNOWN]

    def summary_row(self) -> dict[str, Any]:
        tops = self.criteria
        return {
            "patient_id": self.patient_id, "trial_id": self.trial_id, "verdict": self.verdict,
            "excluded_by": "; ".join(v.criterion.criterion_id for v in self.excluded_by),
            "unknown": "; ".join(v.criterion.criterion_id for v in self.unknown),
            "criteria": len(tops),
            "met": sum(v.verdict == "met" for v in tops),
            "not_met": sum(v.verdict == "not_met" for v in tops),
            "unknown_count": sum(v.verdict == UNKNOWN for v in tops),
            "reasons": " | ".join(f"{v.criterion.criterion_id}: {v.reason}"
                                  for v in self.excluded_by),
        }

    def detail_rows(self) -> list[dict[str, Any]]:
        rows = []
        for v in self.walk():
            c = v.criterion
            evidence = dict.fromkeys(e for cv in v.constraints for e in cv.evidence)
            rows.append({"patient_id": self.patient_id, "trial_id": self.trial_id,
                         "criterion_id": c.criterion_id, "section": c.section,
                         "number": c.number, "depth": c.depth, "text": c.text,
                         "verdict": v.verdict, "excludes": v.excludes, "rule": v.rule,
                         "reason": v.reason, "evidence": "; ".join(evidence)})
        return rows

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion (sub-criteria included) with its verdict and reason."""
        return pd.DataFrame(self.detail_rows(), columns=list(DETAIL_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        return {"patient_id": self.patient_id, "trial_id": self.trial_id,
                "verdict": self.verdict, "reference_date": self.reference_date,
                "excluded_by": [v.criterion.criterion_id for v in self.excluded_by],
                "unknown": [v.criterion.criterion_id for v in self.unknown],
                "notes": list(self.notes),
                "criteria": [v.to_dict() for v in self.criteria]}


def _fields_criterion(trial: Trial) -> Criterion | None:
    """The registry's structured age/sex fields as one inclusion criterion."""
    constraints = structured_constraints(trial.structured)
    if not constraints:
        return None
    for number, constraint in enumerate(constraints, 1):
        constraint.criterion_id = FIELDS_ID
        constraint.constraint_id = constraint.constraint_id or f"{FIELDS_ID}.c{number}"
    text = "; ".join(c.text for c in constraints)
    return Criterion(criterion_id=FIELDS_ID, section="inclusion", number="", marker="",
                     path=FIELDS_ID, depth=0, text=text, start=0, end=len(text),
                     heading="registry fields", constraints=constraints)


def _as_patient(patient: Patient | dict[str, Any] | str | Path) -> Patient:
    if isinstance(patient, Patient):
        return patient
    if isinstance(patient, dict):
        return patient_from_dict(patient)
    found = list(load_patients(patient))
    if len(found) != 1:
        raise ValueError(f"{patient}: expected one patient, found {len(found)}")
    return found[0]


def _as_trial(trial: Trial | str | Path) -> Trial:
    if isinstance(trial, Trial):
        return trial
    from ..pipeline import extract

    return extract(trial)


def match(patient: Patient | dict[str, Any] | str | Path,
          trial: Trial | str | Path) -> MatchResult:
    """Check one patient against one trial.

    ``patient``: a :class:`Patient`, a dict in the patient format or a FHIR Bundle, or a
    path to one.  ``trial``: a parsed :class:`Trial`, or anything :func:`trialnlp.extract`
    reads.  The verdict is ``excluded`` when a criterion rules the patient out (an
    inclusion criterion not met, an exclusion criterion met), ``eligible`` when every
    criterion is decided in the patient's favour, else ``needs_review``.
    """
    p, t = _as_patient(patient), _as_trial(trial)
    if t.status != "ok":
        raise ValueError(f"{t.trial_id}: the trial could not be parsed: {t.error}")
    criteria = [c for c in (_fields_criterion(t), *t.criteria) if c is not None]
    verdicts: dict[str, ConstraintVerdict] = {}
    for top in criteria:
        for criterion in top.walk():
            for constraint in criterion.constraints:
                verdicts[constraint.constraint_id] = judge(constraint, p)
    judged = [judge_criterion(c, verdicts) for c in criteria]
    notes = [] if p.reference_date else [f"no reference_date: judged at today's date {p.on}"]
    if any(v.excludes for v in judged):
        verdict: TrialVerdict = "excluded"
    elif all_of("met" if not v.excludes and v.verdict != UNKNOWN else UNKNOWN
                for v in judged) == "met":
        verdict = "eligible"
    else:
        verdict = "needs_review"
    return MatchResult(p.id, t.trial_id, verdict, judged, str(p.on), notes)

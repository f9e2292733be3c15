"""From constraint verdicts to criterion and trial verdicts.

Three-valued logic (Kleene): ``all`` is not_met as soon as one part is not_met, met when
every part is met, else unknown; ``any`` is met as soon as one part is met, not_met when
every part is not_met, else unknown.  Nothing unknown is ever rounded to met or not met.

How a criterion combines its parts:

* exclusion criteria are lists of reasons to exclude ("MI, stroke or heart failure"):
  ``any`` over their constraints and sub-criteria;
* inclusion (and unlabelled) criteria are requirements: ``all`` over their parts, where
  alternatives form one part: constraints joined by "or" or "/" in the text, and
  thresholds on the same concept (the sex-specific and the "if liver metastases" ones);
* sub-criteria follow their lead-in: "at least one of the following" makes them ``any``,
  "all of the following" ``all``, otherwise the section's rule.

A constraint for the other sex (``applies=False``) takes no part; a criterion left with no
part that applies is met (inclusion) or not met (exclusion): it is not about this patient.
A criterion with nothing checkable is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..resources import load_json
from ..types import Constraint, Criterion
from .decide import MET, NOT_MET, UNKNOWN, ConstraintVerdict, Verdict


def all_of(verdicts: Iterable[Verdict]) -> Verdict:
    values = list(verdicts)
    if NOT_MET in values:
        return NOT_MET
    return MET if values and all(v == MET for v in values) else UNKNOWN


def any_of(verdicts: Iterable[Verdict]) -> Verdict:
    values = list(verdicts)
    if MET in values:
        return MET
    return NOT_MET if values and all(v == NOT_MET for v in values) else UNKNOWN


@dataclass(frozen=True, slots=True)
class _Phrases:
    any_of: re.Pattern[str]
    all_of: re.Pattern[str]
    or_joiner: re.Pattern[str]


@cache
def _phrases() -> _Phrases:
    data = load_json("match.json")

    def either(items: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{i})" for i in items), re.IGNORECASE)

    return _Phrases(either(data["any_of"]), either(data["all_of"]), either(data["or_joiners"]))


@dataclass(slots=True)
class CriterionVerdict:
    criterion: Criterion
    verdict: Verdict
    reason: str
    rule: str  # how the parts were combined: "any", "all", "no checkable constraint", ...
    constraints: list[ConstraintVerdict] = field(default_factory=list)
    children: list[CriterionVerdict] = field(default_factory=list)

    @property
    def excludes(self) -> bool:
        """Does this criterion rule the patient out?"""
        return self.verdict == (MET if self.criterion.section == "exclusion" else NOT_MET)

    def walk(self) -> Iterable[CriterionVerdict]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        c = self.criterion
        return {"criterion_id": c.criterion_id, "section": c.section, "number": c.number,
                "text": c.text, "verdict": self.verdict, "excludes": self.excludes,
                "rule": self.rule, "reason": self.reason,
                "constraints": [v.to_dict() for v in self.constraints],
                "children": [child.to_dict() for child in self.children]}


def _is_exclusion(criterion: Criterion) -> bool:
    return criterion.section == "exclusion"


def _alternatives(criterion: Criterion, verdicts: list[ConstraintVerdict]
                  ) -> list[list[ConstraintVerdict]]:
    """Group an inclusion criterion's constraint verdicts into alternatives."""
    groups: list[list[ConstraintVerdict]] = []
    by_concept: dict[str, list[ConstraintVerdict]] = {}
    previous: tuple[Constraint, list[ConstraintVerdict]] | None = None  # and its group
    for verdict in verdicts:
        c = verdict.constraint
        # "men and women", "boys and girls": sex words are alternatives, and so are the
        # age limits of one criterion ("aged 55-85; older than 85 with approval")
        key = c.kind if c.kind in ("sex", "age") else \
            (c.code or (c.concept or c.text).casefold()) + "|" + c.kind
        if key in by_concept:
            group = by_concept[key]
        elif previous is not None and _joined_by_or(criterion, previous[0], c):
            group = previous[1]
        else:
            group = []
            groups.append(group)
        group.append(verdict)
        by_concept.setdefault(key, group)
        previous = (c, group)
    return groups


def _joined_by_or(criterion: Criterion, left: Constraint, right: Constraint) -> bool:
    # "Not pregnant or nursing", "no diabetes or hypertension": a negation over an "or"
    # asks for neither, so the two are no alternatives (each must hold).
    if left.end is None or right.start is None or right.start < left.end or (
            left.negated and right.negated):
        return False
    between = criterion.text[left.end - criterion.start:right.start - criterion.start]
    return _phrases().or_joiner.fullmatch(between) is not None


def _child_rule(criterion: Criterion) -> str:
    text = criterion.text
    if _phrases().any_of.search(text):
        return "any"
    if _phrases().all_of.search(text):
        return "all"
    return "any" if _is_exclusion(criterion) else "all"


def judge_criterion(criterion: Criterion, verdicts: dict[str, ConstraintVerdict]
                    ) -> CriterionVerdict:
    """Combine the verdicts on a criterion's constraints and on its sub-criteria."""
    own = [verdicts[c.constraint_id] for c in criterion.constraints]
    children = [judge_criterion(child, verdicts) for child in criterion.children]
    applicable = [v for v in own if v.applies]
    exclusion = _is_exclusion(criterion)
    parts: list[Verdict] = []
    if exclusion:
        parts.extend(v.verdict for v in applicable)
    else:
        parts.extend(any_of(v.verdict for v in group)
                     for group in _alternatives(criterion, applicable))
    child_rule = _child_rule(criterion)
    if children:
        combine_children = any_of if child_rule == "any" else all_of
        parts.append(combine_children(child.verdict for child in children))
    if not parts:
        if own:  # every constraint is for the other sex
            verdict = NOT_MET if exclusion else MET
            return CriterionVerdict(criterion, verdict, "; ".join(v.reason for v in own),
                                    "does not apply", own, children)
        return CriterionVerdict(criterion, UNKNOWN, "no checkable constraint was found in "
                                "this criterion", "no checkable constraint", own, children)
    verdict = any_of(parts) if exclusion else all_of(parts)
    rule = "any" if exclusion else "all"
    if children:
        rule += f"; sub-criteria: {child_rule}"
    return CriterionVerdict(criterion, verdict, _reason(verdict, applicable, children),
                            rule, own, children)


def _reason(verdict: Verdict, own: list[ConstraintVerdict],
            children: list[CriterionVerdict]) -> str:
    """The reasons of the parts that decided the verdict."""
    deciding = [v.reason for v in own if v.verdict == verdict]
    deciding += [f"{c.criterion.criterion_id}: {c.reason}" for c in children
                 if c.verdict == verdict]
    if not deciding:  # e.g. an inclusion group met through one alternative
        deciding = [v.reason for v in own]
    return "; ".join(deciding)

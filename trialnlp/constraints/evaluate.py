"""Measure the constraint layer on a BRAT corpus of the Chia shape.

Thresholds.  The reference is every ``Measurement --Has_value--> Value`` relation whose
Value states a numeric comparison (a written comparator, ``=`` included, a range, or a
multiple of a normal limit; class values such as ``I-III`` or ``C`` are left out because
nothing independent of our own class reader normalises them).  Chia
does not normalise values, so the expected operator/value/unit come from reading the
annotated Value text alone with :func:`~trialnlp.constraints.values.find_values`; what
is measured is whether the pipeline, reading the whole criterion, finds the analyte and
ties the right value to it as one constraint:

* a gold pair is found when a lab/vital/score constraint overlaps the Measurement span
  and has the same ``op``, ``value``, ``value_max``, ``relative_to`` and ``unit`` (a unit
  the pipeline supplies from the analyte's usual unit, where the annotated Value states
  none, e.g. ``BMI > 34`` read as kg/m2, counts as the same, and so does ``/uL`` for a
  count the Value writes over a volume, ``ANC < 1500 mm3``);
* Chia links only the first Value of an ``OR`` group of alternatives (``<45 bpm`` or
  ``>90 bpm``: ``R6 Has_value T7 T8`` and ``* OR T8 T9``); the unlinked members are read
  as values of the same Measurements, each one a gold threshold of its own;
* an inclusive bound that Chia splits into an ``OR`` group of two Values (the ``.ann``
  line ``* OR T34 T33`` with ``greater than 10 g/dL`` and ``equal to 10 g/dL`` for "greater
  than or equal to 10 g/dL"; often only one of them is linked to the Measurement) is one
  gold threshold, ``>= 10 g/dL``: the members must be Values of the same Measurements (or
  of none), state the same number and unit, and have the operators ``>``/``<`` and ``=``.
  ``OR`` groups of Measurements sharing a Value keep one gold threshold per Measurement,
  so a prediction still counts only where analyte, operator, value and unit all match;
* a pair ``> 140/90 mmHg`` on a blood pressure Measurement is two gold thresholds (the
  pipeline reads it as systolic > 140 and diastolic > 90; the scorer compares values, not
  which member of the pair each names);
* precision is judged where the annotation can judge it: a predicted lab/vital/score
  constraint with a value that overlaps a gold Measurement is correct when it matches one
  of that Measurement's values.  Predictions elsewhere (on text Chia annotates as an
  Observation, such as life expectancy, or on class values) are counted and reported as
  ``unjudged``, not hidden.

Mentions.  Recall of Drug and Condition entities (a constraint of that kind overlapping
the entity) and of Person values: age Values (a Person or Value linked by Has_value whose
text is an age range) found as an age constraint overlapping it.

Usage: ``python -m trialnlp.constraints.evaluate --brat DIR [--json PATH] [--misses N]
[--wrong N] [--model MODE]``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..ner.brat import BratEntity, BratRelation, iter_corpus
from ..pipeline import MODEL_MODES, build_pipeline, default_pipeline, parse_records
from ..trial import Trial
from ..types import Constraint, SourceRecord
from .lexicon import analytes, conditions
from .values import find_values, pair_op, pair_second

_AGE_VALUE = re.compile(r"\b(?:years?|yrs?|months?|y/?o|old|age)\b", re.IGNORECASE)


@dataclass(slots=True)
class Counts:
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0
    unjudged: int = 0

    def scores(self) -> dict[str, float | int]:
        recall = self.found / self.gold if self.gold else 0.0
        precision = self.correct / self.predicted if self.predicted else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"gold": self.gold, "found": self.found, "predicted": self.predicted,
                "correct": self.correct, "unjudged": self.unjudged,
                "precision": round(precision, 4),
                "recall": round(recall, 4), "f1": round(f1, 4)}


@dataclass(slots=True)
class Report:
    thresholds: Counts = field(default_factory=Counts)
    recall: dict[str, list[int]] = field(default_factory=dict)  # kind -> [found, gold]
    misses: list[dict[str, Any]] = field(default_factory=list)
    wrong: list[dict[str, Any]] = field(default_factory=list)  # judged, incorrect predictions

    def to_dict(self) -> dict[str, Any]:
        return {
            "thresholds": self.thresholds.scores(),
            "mention_recall": {k: {"found": f, "gold": g, "recall": round(f / g, 4) if g else 0.0}
                               for k, (f, g) in sorted(self.recall.items())},
        }


def _key(c: Constraint | Any) -> tuple[Any, ...]:
    if getattr(c, "kind", None) == "drug":  # a bound on a drug's dose ("propofol > 4 mg/kg/h")
        return (c.dose_op, c.dose_value, c.dose_value_max, c.dose_unit, None)
    return (c.op, c.value, c.value_max, c.unit, c.relative_to)


def _same(predicted: tuple[Any, ...], gold: tuple[Any, ...]) -> bool:
    """Equal keys, where a gold value without a unit accepts the analyte's default unit,
    and a count written over a volume (``ANC < 1500 mm3``) is per that volume (``/uL``,
    as the pipeline reads it)."""
    if gold[3] == "mm3" and predicted[3] == "/uL":
        gold = (*gold[:3], "/uL", *gold[4:])
    return predicted == gold or (gold[3] is None and predicted[:3] + predicted[4:] ==
                                 gold[:3] + gold[4:])


def _overlaps(c: Constraint, entity: BratEntity) -> bool:
    return c.start is not None and c.end is not None and c.start < entity.end and \
        entity.start < c.end


def evaluate_constraints(directory: str | Path, keep_misses: int = 50,
                         model: str | None = None) -> Report:
    """Score the pipeline's constraints on every ``.txt``/``.ann`` pair in a folder.

    ``model``: the NER model mode (``off``, ``values``, ``gaps``, ``all``); default: the
    default pipeline's.
    """
    nlp = default_pipeline() if model is None else build_pipeline(model=model)
    report = Report()
    documents = list(iter_corpus(directory))
    records = [SourceRecord(text=d.text, source=d.name, format="brat", trial_id=d.name)
               for d in documents]
    for document, trial in zip(documents, parse_records(records, nlp), strict=True):
        entities = {entity.id: entity for entity in document.entities}
        _score(trial, entities, document.relations, report, keep_misses, document.or_groups)
    return report


@cache
def _paired_measure() -> re.Pattern[str]:
    """Names of a panel whose values are written as pairs (blood pressure: ``140/90``),
    and of the conditions it defines (``hypertensive (>160/100 mmHg)``)."""
    paired = {a.id for a in analytes() if a.extra.get("slash_pair")}
    names = {s for a in analytes() if a.id in paired for s in a.synonyms} | {
        s for c in conditions() if c.measured_by in paired for s in c.synonyms}
    names = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)


def _stated(text: str, measurement: str = "") -> list[tuple[Any, ...]]:
    """The keys of the comparisons a Value text states.

    A number without a comparator (``12``, ``I-III``) states none.  On a blood pressure
    ``measurement``, a pair ``> 140/90 mmHg`` (or ``140/90 mmHg or higher``) states two,
    with the one written comparator (elsewhere ``20/200`` or ``24/30`` is one number).
    """
    parsed = find_values(text)
    keys = [_key(v) if v.op_text or v.op == "between" or v.relative_to else None
            for v in parsed]
    if not _paired_measure().search(measurement):
        return [k for k in keys if k is not None]
    for i in range(len(parsed) - 1):
        first, second = parsed[i], parsed[i + 1]
        op = pair_op(text, first, second)
        if op is not None:
            keys[i], keys[i + 1] = (op, *_key(first)[1:]), (op, *_key(second)[1:])
    paired = [k for k in keys if k is not None]
    for value in parsed:  # "> 140/90" with no unit: find_values reads the 140 only
        second = pair_second(text, value.end) if value.op_text else None
        if second is not None and not any(v.start >= value.end and v.start < second[1]
                                          for v in parsed):
            paired.append((value.op, second[0], None, value.unit, None))
    return paired


_INCLUSIVE = {frozenset({">", "="}): ">=", frozenset({"<", "="}): "<="}


def _inclusive_bound(texts: list[str]) -> tuple[Any, ...] | None:
    """``greater than 10 g/dL`` + ``equal to 10 g/dL`` -> the key of ``>= 10 g/dL``."""
    keys = []
    for text in texts:
        parsed = find_values(text)
        if len(parsed) != 1:
            return None
        keys.append(_key(parsed[0]))
    op = _INCLUSIVE.get(frozenset(k[0] for k in keys))
    if op is None or len({k[1:] for k in keys}) != 1:
        return None
    return (op, *keys[0][1:])


def _line_at(text: str, position: int) -> str:
    """The source line holding ``position`` (what a reader of a miss needs to see)."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start: end if end >= 0 else len(text)].strip()


def _score(trial: Trial, entities: dict[str, BratEntity], relations: Iterable[BratRelation],
           report: Report, keep: int, or_groups: Iterable[tuple[str, ...]] = ()) -> None:
    constraints = list(trial.iter_constraints())
    measured = [c for c in constraints
                if ((c.kind in ("lab", "vital", "score", "substance", "measurement")
                     and c.value is not None) or (c.kind == "drug" and c.dose_value is not None))
                and c.source != "structured"]
    gold: dict[str, list[tuple[Any, ...]]] = {}
    ages: list[BratEntity] = []
    relations = list(relations)
    # Value id -> the Measurements it is the value of
    valued: dict[str, set[str]] = {}
    for relation in relations:
        if relation.type == "Has_value" and relation.arg1 in entities and \
                relation.arg2 in entities and entities[relation.arg1].label == "Measurement":
            valued.setdefault(relation.arg2, set()).add(relation.arg1)
    merged: dict[str, tuple[Any, ...] | None] = {}  # Value id -> its group's key (or None)
    pairs: list[tuple[str, str]] = []  # (Measurement, Value) implied by an OR group
    for group in or_groups:
        members = [i for i in group if i in entities and entities[i].label == "Value"]
        linked = [i for i in members if valued.get(i)]  # Chia often links only one member
        if len(members) != len(group) or len(members) < 2 or not linked or \
                any(valued[i] != valued[linked[0]] for i in linked):
            continue
        key = _inclusive_bound([entities[i].text for i in members])
        if key is not None:
            merged[linked[0]] = key
            merged.update({i: None for i in linked[1:]})
        else:  # "<45 bpm or >90 bpm": unlinked alternatives belong to the same Measurements
            pairs.extend((m, i) for i in members if i not in linked for m in valued[linked[0]])
    for kind, arg1, arg2 in [(r.type, r.arg1, r.arg2) for r in relations] + [
            ("Has_value", m, v) for m, v in pairs]:
        if kind != "Has_value" or arg1 not in entities or arg2 not in entities:
            continue
        subject, value = entities[arg1], entities[arg2]
        if subject.label == "Person" and _AGE_VALUE.search(value.text) and \
                find_values(value.text):
            ages.append(value)
        if subject.label != "Measurement" or value.label != "Value":
            continue
        if arg2 in merged:
            if merged[arg2] is not None:
                gold.setdefault(arg1, []).append(merged[arg2])  # type: ignore[arg-type]
            continue
        keys = _stated(value.text, subject.text)
        if keys:
            gold.setdefault(arg1, []).extend(keys)
    for entity_id, keys in gold.items():
        entity = entities[entity_id]
        for key in keys:
            report.thresholds.gold += 1
            if any(_overlaps(c, entity) and _same(_key(c), key) for c in measured):
                report.thresholds.found += 1
            elif len(report.misses) < keep:
                report.misses.append({"trial": trial.trial_id, "measurement": entity.text,
                                      "line": _line_at(trial.text, entity.start),
                                      "expected": key, "got": [
                                          (c.concept, *_key(c)) for c in measured
                                          if _overlaps(c, entity)]})
    for constraint in measured:
        on_gold = [i for i in gold if _overlaps(constraint, entities[i])]
        if not on_gold:
            report.thresholds.unjudged += 1
            continue
        report.thresholds.predicted += 1
        if any(_same(_key(constraint), key) for i in on_gold for key in gold[i]):
            report.thresholds.correct += 1
        elif len(report.wrong) < keep:
            report.wrong.append({"trial": trial.trial_id, "text": constraint.text,
                                 "predicted": (constraint.concept, *_key(constraint)),
                                 "gold": [key for i in on_gold for key in gold[i]]})
    kinds = {"Drug": ("drug",), "Condition": ("condition", "pregnancy", "lactation"),
             "Procedure": ("procedure",)}
    for label, accepted in kinds.items():
        found_gold = report.recall.setdefault(label, [0, 0])
        for entity in entities.values():
            if entity.label != label:
                continue
            found_gold[1] += 1
            found_gold[0] += any(c.kind in accepted and _overlaps(c, entity) for c in constraints)
    age = report.recall.setdefault("Person (age values)", [0, 0])
    for value in ages:
        age[1] += 1
        age[0] += any(c.kind == "age" and _overlaps(c, value) for c in constraints)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Score constraints on a Chia-shaped corpus.")
    parser.add_argument("--brat", required=True, type=Path, help="folder of .txt/.ann files")
    parser.add_argument("--json", type=Path, help="write the scores here as JSON")
    parser.add_argument("--misses", type=int, default=0, help="print N missed thresholds")
    parser.add_argument("--wrong", type=int, default=0,
                        help="print N predictions that contradict the gold")
    parser.add_argument("--model", choices=MODEL_MODES, help="NER model mode (default: gaps)")
    args = parser.parse_args(argv)
    report = evaluate_constraints(args.brat, keep_misses=max(args.misses, args.wrong, 0),
                                  model=args.model)
    data = report.to_dict()
    t = data["thresholds"]
    print(f"thresholds (Measurement Has_value Value with a comparison): gold {t['gold']}, "
          f"found {t['found']}, predicted {t['predicted']}, correct {t['correct']}")
    print(f"  precision {t['precision']:.3f}  recall {t['recall']:.3f}  F1 {t['f1']:.3f}  "
          f"(unjudged predictions off gold Measurements: {t['unjudged']})")
    for kind, scores in data["mention_recall"].items():
        print(f"recall {kind}: {scores['found']}/{scores['gold']} = {scores['recall']:.3f}")
    for miss in report.misses[: args.misses]:
        print("  miss:", miss)
    for wrong in report.wrong[: args.wrong]:
        print("  wrong:", wrong)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

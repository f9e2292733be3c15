"""Typed access to the vocabularies in ``rules/`` and the span patterns built from them.

* ``rules/analytes.jsonl``: labs, vitals and scores (LOINC codes, synonyms, units, ranges);
* ``rules/drug_classes.jsonl``: drug classes with ATC codes and member drugs;
* ``rules/conditions.jsonl``: a synonym layer over ICD-10-CM.

Entries validate themselves when loaded, so a malformed rule file fails at start-up with
the file, entry and problem named, not with a wrong answer later.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from ..errors import RuleError
from ..resources import iter_jsonl

CODE = re.compile(r"^(LOINC|ICD10CM|ATC|DrugBank|MeSH|SNOMEDCT|RxNorm):\S+$")
ANALYTE_KINDS = frozenset({"lab", "vital", "score", "substance"})
# Unicode roman numerals (seed 004 writes "NYHA grade Ⅲ or Ⅳ").
_UNICODE_ROMAN = dict(zip(
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"],
    "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ", strict=True))


def _check(condition: bool, where: str, problem: str) -> None:
    if not condition:
        raise RuleError(f"{where}: {problem}")


def _check_entry(where: str, concept: str, code: str | None, synonyms: tuple[str, ...]) -> None:
    _check(bool(concept and concept.strip()), where, "empty concept")
    _check(bool(synonyms) and all(s.strip() for s in synonyms), where,
           "expected a non-empty list of synonyms")
    _check(code is None or bool(CODE.match(code)), where,
           f"code {code!r} is not SYSTEM:code (LOINC, ICD10CM, ATC, DrugBank, MeSH, ...)")


@dataclass(frozen=True, slots=True)
class ScoreClass:
    label: str
    rank: int
    forms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Analyte:
    """A lab, vital sign, clinical score or substance measure."""

    id: str
    kind: str
    concept: str
    code: str | None
    synonyms: tuple[str, ...]
    unit: str | None = None
    case_sensitive: tuple[str, ...] = ()
    panel: str | None = None
    range: dict[str, Any] | None = None
    values: tuple[ScoreClass, ...] = ()
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"rules/analytes.jsonl {self.id!r}"
        _check(self.kind in ANALYTE_KINDS, where,
               f"kind {self.kind!r}, expected one of {sorted(ANALYTE_KINDS)}")
        _check_entry(where, self.concept, self.code, self.synonyms)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analyte:
        known = {"id", "kind", "concept", "code", "synonyms", "unit", "case_sensitive",
                 "panel", "range", "values", "note"}
        values = []
        for value in data.get("values") or ():
            forms = list(value.get("forms") or ())
            forms += [_UNICODE_ROMAN[f] for f in forms if f in _UNICODE_ROMAN]
            values.append(ScoreClass(str(value["label"]), int(value["rank"]), tuple(forms)))
        return cls(
            id=data["id"], kind=data["kind"], concept=data["concept"], code=data.get("code"),
            synonyms=tuple(data["synonyms"]), unit=data.get("unit"),
            case_sensitive=tuple(data.get("case_sensitive") or ()), panel=data.get("panel"),
            range=data.get("range"), values=tuple(values), note=data.get("note"),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


@dataclass(frozen=True, slots=True)
class DrugClass:
    id: str
    concept: str
    code: str | None
    synonyms: tuple[str, ...]
    members: tuple[str, ...] = ()
    note: str | None = None

    def __post_init__(self) -> None:
        _check_entry(f"rules/drug_classes.jsonl {self.id!r}", self.concept, self.code,
                     self.synonyms)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DrugClass:
        return cls(id=data["id"], concept=data["concept"], code=data.get("code"),
                   synonyms=tuple(data["synonyms"]), members=tuple(data.get("members") or ()),
                   note=data.get("note"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ConditionConcept:
    id: str
    concept: str
    code: str | None
    synonyms: tuple[str, ...]
    note: str | None = None
    # The analyte whose threshold defines the condition: "thrombocytopenia (< 50,000)" is a
    # platelet threshold, "high blood pressure (> 160/100 mmHg)" a blood pressure one.
    measured_by: str | None = None

    def __post_init__(self) -> None:
        _check_entry(f"rules/conditions.jsonl {self.id!r}", self.concept, self.code,
                     self.synonyms)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConditionConcept:
        return cls(id=data["id"], concept=data["concept"], code=data.get("code"),
                   synonyms=tuple(data["synonyms"]), note=data.get("note"),
                   measured_by=data.get("measured_by"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _load(name: str, build: Any) -> tuple[Any, ...]:
    entries = []
    seen: set[str] = set()
    for number, data in enumerate(iter_jsonl(name), 1):
        try:
            entry = build(data)
        except KeyError as error:
            raise RuleError(f"rules/{name} entry {number}: missing field {error}") from error
        _check(entry.id not in seen, f"rules/{name}", f"duplicate id {entry.id!r}")
        seen.add(entry.id)
        entries.append(entry)
    return tuple(entries)


@cache
def analytes() -> tuple[Analyte, ...]:
    return _load("analytes.jsonl", Analyte.from_dict)


@cache
def drug_classes() -> tuple[DrugClass, ...]:
    return _load("drug_classes.jsonl", DrugClass.from_dict)


@cache
def conditions() -> tuple[ConditionConcept, ...]:
    entries = _load("conditions.jsonl", ConditionConcept.from_dict)
    known = {analyte.id for analyte in analytes()}
    for entry in entries:
        _check(entry.measured_by is None or entry.measured_by in known,
               f"rules/conditions.jsonl {entry.id!r}",
               f"measured_by {entry.measured_by!r} is no analyte id in rules/analytes.jsonl")
    return entries


@cache
def measured_by() -> dict[str, Analyte]:
    """Condition id -> the analyte whose threshold defines it (``measured_by``)."""
    by_id = {analyte.id: analyte for analyte in analytes()}
    return {c.id: by_id[c.measured_by] for c in conditions() if c.measured_by}


@cache
def _tokenizer() -> Any:
    from ..ner.tokenizer import blank_nlp

    return blank_nlp().tokenizer  # the pipeline's tokenizer, so token patterns line up


def _is_case_sensitive(synonym: str, declared: tuple[str, ...]) -> bool:
    """Abbreviations match only as written: 'ALT' is the enzyme, 'alt' is not."""
    letters = [c for c in synonym if c.isalpha()]
    return synonym in declared or (
        bool(letters) and len(synonym) <= 5 and all(c.isupper() for c in letters))


def span_pattern(synonym: str, label: str, entry_id: str, case_sensitive: bool) -> dict[str, Any]:
    """A SpanRuler pattern: exact tokens for case-sensitive terms, else a lower-case phrase."""
    if case_sensitive:
        tokens = [{"ORTH": t.text} for t in _tokenizer()(synonym)]
        return {"label": label, "pattern": tokens, "id": entry_id}
    return {"label": label, "pattern": synonym.lower(), "id": entry_id}


def analyte_patterns() -> list[dict[str, Any]]:
    """SpanRuler patterns (label LAB, VITAL, SCORE or SUBSTANCE; id = analyte id)."""
    return [
        span_pattern(s, a.kind.upper(), a.id, _is_case_sensitive(s, a.case_sensitive))
        for a in analytes() for s in a.synonyms
    ]


def drug_class_patterns() -> list[dict[str, Any]]:
    """SpanRuler patterns for drug classes (label DRUG_CLASS; id = class id)."""
    return [span_pattern(s, "DRUG_CLASS", c.id, _is_case_sensitive(s, ()))
            for c in drug_classes() for s in c.synonyms]


def condition_patterns() -> list[dict[str, Any]]:
    """SpanRuler patterns for conditions (label CONDITION; id = condition id)."""
    return [span_pattern(s, "CONDITION", c.id, _is_case_sensitive(s, ()))
            for c in conditions() for s in c.synonyms]


@cache
def _analytes_by_name() -> dict[str, Analyte]:
    """Every analyte synonym, as written (case-sensitive ones) and lower-cased (the rest)."""
    table: dict[str, Analyte] = {}
    for analyte in analytes():
        for synonym in analyte.synonyms:
            key = synonym if _is_case_sensitive(synonym, analyte.case_sensitive) else \
                synonym.lower()
            table.setdefault(key, analyte)
    return table


def name_words(name: str) -> str:
    """A heading or label as words: whitespace runs as one space, no closing colon."""
    return " ".join(name.split()).rstrip(":： ")


def analyte_named(name: str) -> Analyte | None:
    """The analyte whose synonym ``name`` is in full ("Life expectancy", "ECOG"), or None;
    whitespace and a closing colon do not count (:func:`name_words`)."""
    words = name_words(name)
    table = _analytes_by_name()
    return table.get(words) or table.get(words.lower())

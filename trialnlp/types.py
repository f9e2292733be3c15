"""The data model every stage shares: small typed values that serialise to plain data.

Flow: a reader yields ``SourceRecord`` (or ``ReadError``) -> the section finder yields
``Section`` -> the splitter yields ``Criterion`` -> the constraint layer attaches
``Constraint`` -> everything is gathered in a ``Trial``.  All offsets (``start``/``end``)
are character offsets into ``SourceRecord.text``: ``text[start:end]`` is what a reviewer
highlights.  Values cross process boundaries as dicts (``to_dict``/``from_dict``), never
as pickled spaCy objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from operator import attrgetter
from typing import Any, Literal

SectionName = Literal["inclusion", "exclusion", "unspecified"]
SECTION_NAMES: tuple[str, ...] = ("inclusion", "exclusion", "unspecified")
Sex = Literal["all", "female", "male"]


@dataclass(frozen=True, slots=True)
class AgeLimit:
    """An age bound as registries state it (``18 Years``).

    ``unit`` is UCUM: a, mo, wk, d, h, min.
    """

    value: float
    unit: str
    text: str

    def in_years(self) -> float:
        per_year = {"a": 1.0, "mo": 12.0, "wk": 52.1775, "d": 365.25, "h": 8766.0, "min": 525960.0}
        return self.value / per_year[self.unit]


@dataclass(frozen=True, slots=True)
class StructuredFields:
    """Trial-level eligibility fields entered separately from the criteria text."""

    minimum_age: AgeLimit | None = None
    maximum_age: AgeLimit | None = None
    sex: Sex | None = None
    healthy_volunteers: bool | None = None
    std_ages: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == StructuredFields()

    def merged_over(self, other: StructuredFields) -> StructuredFields:
        """Fields of ``self`` where set, else those of ``other`` (a record beats page text)."""
        return StructuredFields(
            minimum_age=self.minimum_age or other.minimum_age,
            maximum_age=self.maximum_age or other.maximum_age,
            sex=self.sex or other.sex,
            healthy_volunteers=(
                self.healthy_volunteers
                if self.healthy_volunteers is not None
                else other.healthy_volunteers
            ),
            std_ages=self.std_ages or other.std_ages,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StructuredFields:
        def age(value: Any) -> AgeLimit | None:
            return AgeLimit(**value) if value else None

        return cls(
            minimum_age=age(data.get("minimum_age")),
            maximum_age=age(data.get("maximum_age")),
            sex=data.get("sex"),
            healthy_volunteers=data.get("healthy_volunteers"),
            std_ages=tuple(data.get("std_ages") or ()),
        )


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One trial's input as read from a source, before any NLP.

    ``text`` is the text all offsets refer to: the whole page for pasted web text and HTML
    (after markup is stripped), the eligibility field for registry records.  ``is_page``
    tells the section finder whether page furniture may surround the criteria.
    """

    text: str
    source: str
    format: str
    trial_id: str | None = None
    structured: StructuredFields = field(default_factory=StructuredFields)
    is_page: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadError:
    """A record (or whole input) that could not be read; batches report it as an error row."""

    source: str
    reason: str
    trial_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Section:
    """An eligibility section: ``start``/``end`` span its body, ``header_*`` its header (if any)."""

    name: SectionName
    start: int
    end: int
    header: str = ""
    header_start: int | None = None
    header_end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Window:
    """A temporal window qualifying a constraint: ``within 6 months before screening``."""

    amount: float | None
    unit: str | None  # UCUM: a, mo, wk, d, h
    relation: str  # within, before, after, at_least, ever, current
    anchor: str | None = None  # screening, randomization, enrollment, first_dose, ...
    text: str = ""


@dataclass(slots=True)
class Constraint:
    """One checkable statement found in a criterion (see README, "constraints table").

    ``relative_to`` marks multiples of a normal limit: ``ALT >= 2.5 x ULN`` is
    ``op='>=', value=2.5, unit=None, relative_to='ULN'``.
    """

    # age, sex, lab, vital, score, substance, measurement, drug, condition, procedure,
    # pregnancy, lactation
    kind: str
    text: str
    start: int | None  # offsets in the source text; None for constraints from structured fields
    end: int | None
    concept: str | None = None
    code: str | None = None  # SYSTEM:code, e.g. LOINC:1742-6, ICD10CM:L81.1, ATC:H02AB
    # how ``code`` was found: "exact" (a lexicon or dictionary name), "fuzzy" (the nearest
    # ICD-10-CM candidate of a condition name, trialnlp.constraints.candidates); None: no code
    code_method: str | None = None
    code_score: float | None = None  # the fuzzy candidate's similarity (cosine, 0-1)
    op: str | None = None  # >, >=, <, <=, =, between
    value: float | None = None
    value_max: float | None = None
    unit: str | None = None  # UCUM
    relative_to: str | None = None  # ULN, LLN
    sex: Sex | None = None  # the threshold applies to one sex only
    dose_op: str | None = None
    dose_value: float | None = None
    dose_value_max: float | None = None
    dose_unit: str | None = None
    window: Window | None = None
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    triggers: tuple[str, ...] = ()
    qualifier: str | None = None  # a condition on the threshold: "if liver metastases"
    effect: str | None = None  # include / exclude, from the criterion's section
    source: str = "rule"  # rule, model, structured
    constraint_id: str = ""
    criterion_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        # a shallow dict, not dataclasses.asdict: asdict's deep copy was 10-17% of a batch's
        # CPU, and the only nested value (window) is a flat frozen dataclass
        data = dict(zip(_CONSTRAINT_FIELDS, _constraint_values(self), strict=True))
        data["window"] = asdict(self.window) if self.window is not None else None
        data["triggers"] = list(self.triggers)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Constraint:
        data = dict(data)
        window = data.pop("window", None)
        data["triggers"] = tuple(data.get("triggers") or ())
        return cls(window=Window(**window) if window else None, **data)


# Field names, and one getter for all their values, computed once: ``dataclasses.fields``
# on every call was a third of to_dict's time.
_CONSTRAINT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Constraint))
_constraint_values = attrgetter(*_CONSTRAINT_FIELDS)

CONSTRAINT_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in fields(Constraint) if f.name not in ("window", "constraint_id", "criterion_id")
)


@dataclass(slots=True)
class Criterion:
    """One criterion as a careful human reads it, with its sub-criteria in ``children``.

    ``number`` is the enumerator as written (``2``, ``a``, ``iv``; empty for bullets and
    plain lines), ``marker`` the characters that carried it (``(8)``, ``6,``, ``•``),
    ``path`` the dotted position (``4.a.ii``), ``heading`` the lead-in it sits under.
    ``text`` is the criterion's own text with hard wraps joined and markdown escapes
    undone; ``source_text[start:end]`` is the raw span it came from (children excluded).
    """

    criterion_id: str
    section: SectionName
    number: str
    marker: str
    path: str
    depth: int
    text: str
    start: int
    end: int
    parent_id: str | None = None
    heading: str = ""  # the lead-in or group heading it sits under ("DISEASE CHARACTERISTICS")
    children: list[Criterion] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)

    def walk(self) -> Iterator[Criterion]:
        """This criterion, then its descendants depth-first in reading order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self, nested: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = dict(zip(_CRITERION_FIELDS, _criterion_values(self),
                                        strict=True))
        data["constraints"] = [c.to_dict() for c in self.constraints]
        if nested:
            data["children"] = [c.to_dict() for c in self.children]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Criterion:
        """The inverse of ``to_dict()`` (nested): children and constraints rebuilt too."""
        data = dict(data)
        children = data.pop("children", None) or []
        constraints = data.pop("constraints", None) or []
        return cls(
            **data,
            children=[cls.from_dict(child) for child in children],
            constraints=[Constraint.from_dict(c) for c in constraints],
        )


_CRITERION_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(Criterion) if f.name not in ("children", "constraints"))
_criterion_values = attrgetter(*_CRITERION_FIELDS)

CRITERION_COLUMNS: tuple[str, ...] = (
    "criterion_id", "section", "number", "marker", "path", "parent_id", "depth",
    "heading", "text", "start", "end",
)

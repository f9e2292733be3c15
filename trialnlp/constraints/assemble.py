"""Assemble constraints from what the taggers found inside one criterion.

Input: the source text, the criterion, the entity mentions (lexicon, drug dictionary,
person cues, model) with their ConText modifiers, and the value and window mentions
found by :mod:`values` / :mod:`temporal`.  Output: :class:`~trialnlp.types.Constraint`
records.  Everything here is plain Python over offsets, so it is tested without spaCy.

How values find their subject (``ALT and/or AST ≥ 2.5 x ULN``): a value belongs to the
run of coordinated measurement mentions just before it (only ``,``/``and``/``or``/``/``
and filler words between them); a second value in parentheses right after a first one
(``< 2.5 x ULN (< 5 x ULN if liver metastases)``) is the same analytes' conditional
threshold.  A sex word right before the analyte (``male serum creatinine ≥1.5mg/dl``)
makes the threshold sex-specific.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import accumulate
from operator import attrgetter
from typing import Any

from ..criteria.splitter import MD_ESCAPE
from ..resources import load_json
from ..types import Constraint, Criterion, StructuredFields, Window
from .abbreviations import long_form_start
from .lexicon import analyte_named, name_words
from .subjects import (
    has_content,
    is_duration,
    is_free_subject,
    near_age,
    run_on_break,
    size_subject,
    subject_after,
    subject_before,
    unit_subject,
)
from .temporal import TREATMENT_ANCHORS, WindowMention
from .values import ValueMention, pair_op, pair_second

# MEASUREMENT: a model-found measure that no lexicon entry names (kind "measurement").
MEASURED = frozenset({"LAB", "VITAL", "SCORE", "SUBSTANCE", "MEASUREMENT"})
NAMED_KINDS = {
    "DRUG": "drug", "DRUG_CLASS": "drug", "CONDITION": "condition", "PROCEDURE": "procedure",
    "PREGNANCY": "pregnancy", "LACTATION": "lactation",
}
KIND_OF_LABEL = {"LAB": "lab", "VITAL": "vital", "SCORE": "score", "SUBSTANCE": "substance",
                 "MEASUREMENT": "measurement", **NAMED_KINDS}
AGE_UNITS = frozenset({"a", "mo", "wk", "d"})
DOSE_UNIT = re.compile(r"^(?:[mµun]?g|mcg|\[?IU\]?|U|mL|mg/m2)(?:/|$)|/d$|/wk$|/kg")
_COORDINATION = re.compile(
    r"^(?:\s|,|;|/|&|\(|\)|\[|\]|\band\b|\bor\b|\band/or\b|\beither\b|\bserum\b|\bplasma\b|\blevels?\b|\bthe\b|"
    r"\bcount\b|\bvalues?\b|\btests?\b)*$", re.IGNORECASE)
# Between a measurement and its value: "score of", "class", ":", "level", "(" ... and a
# comparator word before a written one ("NT-proBNP (at least >125 pg/ml)"), or what the
# bound spells out ("Bilirubin normal (no greater than 1.5 times ULN)").
_GAP = re.compile(
    r"^[\s:=(,]*(?:(?:level|levels|value|values|count|counts|concentrations?|conc\.?|score|scores|"
    r"class|grade|stage|status|index|of|is|was|must be|should be|be|at|a|an|the|total|"
    r"serum|plasma|blood|result|results|in|on|with|by|performance|measured|"
    r"determination|clearance|fasting|random|baseline|screening|to|are|were|known|exam|test|"
    r"averaging|between|range|measurements?|which|that|room air|visit|i\.e\.|-\d+|\(|\)|,|"
    r"at least|at most|positive and|positive with|normal|has been|have been|WHO|"
    r"can be|maintained|remains?|reduced to|increased to|decreased to|criteria)"
    r"[\s:=(,]*){0,6}$",
    re.IGNORECASE,
)
# "LVEF by echocardiography >= 50%", "Kellgren-Lawrence score at X-ray evaluation > 3",
# "FEV1 at Visit 1 (Screening) >=80%", "estradiol at time of ovulation trigger is > 5000",
# "QRS width in the 12 channel surface ECG =120 ms":
# a short phrase saying how or when it is measured, then the value.
_METHOD_GAP = re.compile(
    r"^[\s,]*(?:(?:levels?|values?|counts?)\s+)?"  # "blood glucose levels during ICU care ("
    r"(?:(?:at|on|by|during|via|using)\s+(?:(?:the|a|an)\s+)?|in\s+(?:the|a|an)\s+)"
    r"(?:\d{1,3}[ -])?"
    r"(?!_NOT)[A-Za-z][\w/-]*"
    r"(?:\s+(?:(?!_NOT)[A-Za-z][\w/-]*|\d{1,3}|\([A-Za-z][\w /-]{0,30}\))){0,3}"
    r"[\s:,]*(?:(?:is|was|of|must be|should be)\s*)?\(?\s*$".replace(
        "_NOT", r"(?:and|or|but|either|age[sd]?)\b"),  # "E2 levels On HRT and either age 50"
    re.IGNORECASE)
_AGED = re.compile(r"\b(?:of\s+age|old)\s*$", re.IGNORECASE)  # "≥ 18 years of age Life ..."
_ABBREVIATED = re.compile(r"[A-Za-z]{1,4}(?: [A-Za-z]{1,4})?")  # "Cr.", "Cr Cl."
_QUALIFIER = re.compile(r"\s*(?P<q>(?:if|in\s+case\s+of|(?:in|for)\s+(?:patients|subjects)\s+with|"
                        r"when|with)\b[^)]*)", re.IGNORECASE)
_SLASH_PAIR = re.compile(r"[ \t]*/[ \t]*")
_BOUND_AND = re.compile(r"[ \t]*(?:and|but|&)[ \t]*", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[;.](?:\s|$)")
_PARENTHETICAL = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _without_asides(text: str) -> str:
    """``text`` less its bracketed asides, nested ones too ("(BMI; weight [kg]/height^2)")."""
    while True:
        shorter = _PARENTHETICAL.sub(" ", text)
        if shorter == text:
            return text
        text = shorter
# "> 18 and < 30", "=6.0% (=42 mmol/mol) and =9.0%", "> 10 & < 20", "≥ 135/85 but < 170/105",
# "<= 1.5 x ULN (or <= 2.5 x ULN for Gilbert)", "≥ 60 mL/min, or ≥ 50 mL/min if ...",
# "SGOT and SGPT less than 112.5 IU/L each or less than 2.5 times ULN"
_CHAINED = re.compile(r"[ \t]*[)\]]?[ \t]*(?:each[ \t]*)?"
                      r"(?:[(\[][ \t]*(?:or|and)|[(\[]|,?[ \t]*(?:and|but|or)|,|to|&)?[ \t]*",
                      re.IGNORECASE)
# Between two bounds of one subject: the case the first is for, then "or" ("= 9% if on
# triple therapy or = 10% on diet", "= 18 at time of study entry or = 24 at any time"), or
# how it is measured ("≥ 20 mm by conventional techniques or ≥ 10 mm by spiral CT").
# "and" joins them only where both bounds are in one unit ("PSA > 4 ng/mL for patients with
# intact prostates and > 0.8 ng/mL for post-prostatectomy patients"): see _clause_chain.
_CLAUSE_CHAIN = re.compile(r"[ \t]*(?:if|when|for|in|on|at|by|via|using|with)\b"
                           r"[^;.()\[\]0-9<>=≤≥\n]{1,60}?[ \t,]+(?P<joint>or|but|and)[ \t]*",
                           re.IGNORECASE)
# Between a bound on a normal limit and a second one for a case it names ("≤ 2.5 x ULN;
# ≤ 5 x ULN if liver metastases", "(ULN) (unless related to liver metastases, then no greater
# than 5 times ULN)", "; if liver metastases are present, then ≤ 5 x ULN", "ULN* NOTE: *No
# greater than 5 times ULN if ..."): the case, when it comes first, is in ``case``.
_CASE_CHAIN = re.compile(
    r"[ \t*]*(?:[;,.(\[][ \t*]*|NOTE[ \t]*:?[ \t*]*)*"
    r"(?:(?P<case>(?:if|when|unless|except|in|for)[ \t]+\w[^;.()\[\]0-9<>=≤≥\n]{0,80}?)"
    r"[ \t,]*(?:then\b[ \t]*)?(?:(?:it[ \t]+)?(?:may|must|can|should)[ \t]+be[ \t]+)?"
    r"|except[ \t]+)?",  # "< 2 mg/dl (total) except < 5 mg/dl in patients with Gilbert's"
    re.IGNORECASE)
# Between two bounds and no part of either: an aside in brackets with no number in it, and
# the period of an abbreviated unit before "and"/"or" ("TBUT > 5 sec. and < 10 sec.").
_JOINED = re.compile(r"\b(?:or|and|but)\b|[,&]", re.IGNORECASE)
_ASIDE = re.compile(r"^\.(?=[ \t]+(?:and|or|but)\b)|\([^()0-9<>=≤≥]*\)", re.IGNORECASE)
# "Age: 15 to 55 Performance status: ...": a value right after an age label is the age,
# not a value-first threshold of what follows it.
_AGE_LABEL = re.compile(r"\bage[sd]?[ \t]*[:=]?[ \t]*\Z", re.IGNORECASE)
TIME_UNITS = frozenset({"a", "mo", "wk", "d", "h", "min", "s"})
# "> 25 points on the Beck Depression Inventory": what follows "on (the)" is what is scored.
# "grade 2 or greater by NCI-CTCAE": so is what follows "by"/"per"/"according to".
_SCORED_ON = re.compile(r"[ \t]*(?:points?[ \t]+|or[ \t]+(?:more|higher|greater|less|lower)"
                        r"[ \t]+)?(?:on|in|by|per|according[ \t]+to)[ \t]+(?:the[ \t]+)?"
                        r"(?:\d+-item[ \t]+)?$", re.IGNORECASE)
# ">7 Metabolic Equivalents", "<37 weeks of gestation", "at least 6 mm of residual bone",
# "= 20 mmHg for siSBP" ("for" only after a value that is no duration).
# Between a subject and its bound when a number before it counts readings (``at least 2
# HbA1c values >= 7%``).
_READINGS = re.compile(r"\s*(?:(?:values|counts|levels|measurements|readings|determinations|"
                       r"results|tests)\b\s*)?", re.IGNORECASE)
# After a bare number: what it counts, so it bounds no measure named before it (not
# "4 times 10^3/mm^3", a power of ten).
_COUNT_AFTER = re.compile(
    r"[ \t]*(?:(?:separate|consecutive|different|distinct|independent|extranodal)[ \t]+)?"
    r"(?:occasions?|visits?|times(?![ \t]*10\b)|episodes?|sites?)\b", re.IGNORECASE)
_READING_WORD = re.compile(r"\s*(?:values?|counts|measurements?|readings?|determinations?)\b",
                           re.IGNORECASE)
_VALUE_FIRST = re.compile(r"[ \t]*(?:of[ \t]+)?$", re.IGNORECASE)
_PART_GAP = re.compile(r"[ \t]*(?:\([ \t]*)?")  # "> 160 mmHg systolic", "(systolic)"
_VALUE_FOR = re.compile(r"[ \t]*(?:(?:of|for|in)[ \t]+)?$", re.IGNORECASE)  # "≥40kg in weight"
# "if < 18 years old", "for patients aged 65 or older": the threshold is a condition.
_CONDITION_TRIGGER = re.compile(
    r"\b(?:if|when|for\s+(?:those|patients|subjects|participants|children|individuals|people))"
    r"\b", re.IGNORECASE)
_CONDITION_BREAK = re.compile(r"[;.:](?=\s|\Z)")  # where a condition's clause ends
# "eligible if aged 18 or older", "included only when ...", "excluded if less than 18": the
# "if" states the requirement (or the exclusion), not a case the criterion applies in.
_ELIGIBLE_IF = re.compile(r"\b(?:eligible|included|enrolled|allowed|permitted|acceptable|"
                          r"accepted|admitted|qualif(?:y|ies)|"
                          # (not "disorders must be excluded when the count is ...": ruled out)
                          r"(?<!must\sbe\s)(?<!should\sbe\s)excluded?|ineligible|disqualified)"
                          r"(?:\s+only)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity found in the text: a lexicon term, a dictionary drug, a person cue."""

    # LAB, VITAL, SCORE, SUBSTANCE, DRUG, DRUG_CLASS, CONDITION, PROCEDURE, SEX, PREGNANCY,
    # LACTATION
    label: str
    start: int
    end: int
    text: str
    concept: str | None = None
    code: str | None = None
    entry_id: str | None = None
    source: str = "rule"
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    triggers: tuple[str, ...] = ()
    unit: str | None = None  # the analyte's usual unit (to read a bare number)
    classes: tuple[tuple[str, int], ...] = ()  # (written form, rank) for classed scores


class _Coverage:
    """Whether a position lies inside one of some spans, by bisection (a criterion may hold
    thousands of mentions and constraints)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [start for start, _ in ordered]
        # the furthest end among the first k spans
        self.reach = list(accumulate((end for _, end in ordered), max, initial=-1))

    def covers(self, pos: int) -> bool:
        return self.reach[bisect_right(self.starts, pos)] > pos


class _Clauses:
    """Where a criterion's clauses break, and its condition triggers, read once: each
    threshold asks for its own clause, and a criterion may hold thousands."""

    def __init__(self, text: str, criterion: Criterion) -> None:
        self.text, self.low, self.high = text, criterion.start, criterion.end
        breaks = list(_CLAUSE_BREAK.finditer(text, criterion.start, criterion.end))
        self.break_starts = [m.start() for m in breaks]
        self.break_ends = [m.end() for m in breaks]
        self.condition_breaks = [m.start() for m in
                                 _CONDITION_BREAK.finditer(text, criterion.start, criterion.end)]
        triggers = list(_CONDITION_TRIGGER.finditer(text, criterion.start, criterion.end))
        self.trigger_starts = [m.start() for m in triggers]
        self.trigger_ends = [m.end() for m in triggers]

    def start_of(self, pos: int) -> int:
        """Where the clause holding ``pos`` starts (after the last ``;``/``.`` break
        before it; one right before ``pos`` counts)."""
        if pos > self.low and self.text[pos - 1] in ";.":
            return pos
        k = bisect_right(self.break_ends, pos)
        return self.break_ends[k - 1] if k else self.low

    def around(self, start: int, end: int) -> tuple[int, int]:
        """The clause around ``text[start:end]``: from the end of the last break that
        ends by ``start`` to the first break that starts at or after ``end``."""
        k = bisect_right(self.break_ends, start)
        low = self.break_ends[k - 1] if k else self.low
        k = bisect_left(self.break_starts, end)
        return low, self.break_starts[k] if k < len(self.break_starts) else self.high

    def trigger_before(self, low: int, pos: int) -> int | None:
        """Where the first condition trigger in ``text[low:pos]`` starts that no ``;``,
        ``.`` or ``:`` break follows before ``pos``."""
        if pos > self.low and self.text[pos - 1] in ";.:":
            return None
        k = bisect_left(self.condition_breaks, pos - 1)
        last_break = self.condition_breaks[k - 1] if k else -1
        i = max(bisect_left(self.trigger_starts, low),
                bisect_right(self.trigger_ends, last_break))
        if i < len(self.trigger_starts) and self.trigger_ends[i] <= pos:
            return self.trigger_starts[i]
        return None


@dataclass(slots=True)
class _Draft:
    clauses: _Clauses  # the criterion's
    constraints: list[Constraint] = field(default_factory=list)
    used_values: set[int] = field(default_factory=set)
    # id(constraint) -> where the subject of a bound restated in other units starts (its
    # own span is the restatement, "(=42 mmol/mol)"), for the bounds chained after it
    subject_start: dict[int, int] = field(default_factory=dict)
    # sex words that qualify a threshold ("< 13 g/dL for men"): no sex restriction of their own
    sex_qualifiers: list[tuple[int, int]] = field(default_factory=list)
    # value index of an age in brackets after a bound -> the bound's value index ("> 200
    # cells/mm3 (ages 2-5 years)"): whom the bound is for, no age of the trial's
    age_asides: dict[int, int] = field(default_factory=dict)


@cache
def _person() -> dict:
    return load_json("person.json")


def _effect(criterion: Criterion) -> str | None:
    return {"inclusion": "include", "exclusion": "exclude"}.get(criterion.section)


def _from_mention(mention: Mention, criterion: Criterion, kind: str | None = None) -> Constraint:
    return Constraint(
        kind=kind or KIND_OF_LABEL.get(mention.label, mention.label.lower()),
        text=mention.text, start=mention.start, end=mention.end, concept=mention.concept,
        code=mention.code, negated=mention.negated, historical=mention.historical,
        hypothetical=mention.hypothetical, triggers=mention.triggers,
        effect=_effect(criterion), source=mention.source, criterion_id=criterion.criterion_id,
    )


def _with_value(constraint: Constraint, value: ValueMention, text: str,
                subject: Mention | None = None) -> Constraint:
    start = min(constraint.start, value.start)
    end = max(constraint.end, value.end)
    number_end = _number_end(value)
    unit = value.unit if value.unit is not None or value.relative_to else (
        _bare_unit(subject, value.value) if subject is not None and
        text[number_end : number_end + 1] != "+" else None)  # dipstick "2+"
    if unit in _VOLUMES and subject is not None and subject.unit in _COUNT_UNITS:
        unit = "/uL"  # "platelets greater than 70,000 mm(3)": a count per cubic millimetre
    return replace(constraint, op=value.op, value=value.value, value_max=value.value_max,
                   unit=unit, relative_to=value.relative_to, start=start, end=end,
                   text=text[start:end])


_VOLUMES = frozenset({"mm3", "uL"})
_COUNT_UNITS = frozenset({"10*9/L", "10*12/L", "/uL"})  # the usual units of counts


@cache
def _bare_units() -> dict[str, tuple[tuple[float, str], ...]]:
    """Analyte id -> ``bare_units``: (from, unit), largest first."""
    from .lexicon import analytes

    return {a.id: tuple(sorted(((float(b["from"]), b["unit"]) for b in a.extra["bare_units"]),
                               reverse=True))
            for a in analytes() if a.extra.get("bare_units")}


def _bare_unit(subject: Mention, number: float | None) -> str | None:
    """The unit a number written without one is read in: the analyte's usual unit, or the
    one its size implies (``platelets < 100,000`` is per µL, ``platelets < 100`` x10^9/L)."""
    analyte_id = _by_condition()[subject.entry_id].id if _stands_for_analyte(subject) \
        else subject.entry_id
    for bound, unit in _bare_units().get(analyte_id or "", ()):
        if number is not None and number >= bound:
            return unit
    return subject.unit


def _between(text: str, start: int, end: int) -> str:
    """The text between two mentions, less Markdown escapes (API v2: "count \\[ANC\\] \\< 1.5"),
    undone as the criterion's display text undoes them."""
    between = text[start:end] if start <= end else ""
    return MD_ESCAPE.sub(r"\1", between) if "\\" in between else between


def _coordinated_run(text: str, measured: Sequence[Mention], index: int) -> list[Mention]:
    """The measurement at ``index`` and those coordinated with it to its left."""
    run = [measured[index]]
    if _stands_for_analyte(run[0]):
        return run
    for j in range(index - 1, -1, -1):
        if _stands_for_analyte(measured[j]) or \
                not _COORDINATION.match(_between(text, measured[j].end, run[0].start)) or \
                _closes_aside(text, measured[j], run[0].start):
            break
        run.insert(0, measured[j])
    return run


def _closes_aside(text: str, mention: Mention, end: int) -> bool:
    """The gap after ``mention`` closes a bracket that opened before it on a value:
    "obesity (20% greater than ideal body weight), hyperhomocysteinemia (...)" coordinates
    no body weight; "hemoglobin (Hb), hematocrit" and "alanine aminotransferase (ALT or
    SGPT) (SGPT)" do."""
    if ")" not in text[mention.end : end] and "]" not in text[mention.end : end]:
        return False
    opened = max(text.rfind("(", 0, mention.start), text.rfind("[", 0, mention.start))
    return opened >= 0 and any(c.isdigit() for c in text[opened + 1 : mention.start])


_LENGTHS = frozenset({"um", "mm", "cm", "m"})


def _timed(value: ValueMention, mention: Mention) -> bool:
    """A duration (or an age) is no value of a measurement in other units: "stenosis (by
    visual estimate) more than 72 hours", "Over 55 years of age AST ..."; but "QTc <= 0.44
    seconds" is a QTc in seconds and "AHI < 5 h-1" a rate. Nor is a length ("Lymphadenopathy
    greater than 10 cm Lymphocytosis ..." in a PDQ run-on), but "SBP < 90 mm" is mmHg."""
    if value.unit in _LENGTHS and mention.unit not in (None, "mm[Hg]", *_LENGTHS):
        return True
    return value.unit in TIME_UNITS and mention.unit not in (None, "ms", *TIME_UNITS) and \
        not mention.unit.endswith(f"/{value.unit}")


_ASIDE_OPEN = re.compile(r"[ \t]*[(\[][^()\[\]0-9<>=≤≥]{0,30}\Z")  # " (ages ", " (for those aged "
_ASIDE_CLOSE = re.compile(r"[^()\[\]0-9]{0,20}?[)\]]")  # " of age)"


def _age_aside(text: str, criterion: Criterion, values: Sequence[ValueMention], index: int,
               draft: _Draft) -> int | None:
    """The age in brackets right after the bound ``values[index]`` ("CD4 > 200 cells/mm3
    (ages 2-5 years)", "at least 750 (under 12 months of age)"): it says whom the bound is
    for. Its index, recorded in ``draft.age_asides``; None if there is none."""
    after = index + 1
    if after >= len(values) or after in draft.used_values:
        return None
    age = values[after]
    opened = _between(text, values[index].end, age.start)
    # (years written, or an age word with a bare number: "(over age 16)", "(ages 6-16)")
    aged = age.unit in AGE_UNITS or (age.unit is None and age.relative_to is None and
                                     _age_op_before(text, age, criterion))
    if not aged or not _ASIDE_OPEN.fullmatch(opened) or not _ASIDE_CLOSE.match(text, age.end):
        return None
    draft.age_asides[after] = index
    draft.used_values.add(after)
    return after


def _aside_end(text: str, value: ValueMention) -> int:
    """Where the brackets around an age aside close (past the bracket), else its end."""
    close = _ASIDE_CLOSE.match(text, value.end)
    return close.end() if close else value.end


def _aside_words(text: str, value: ValueMention) -> str:
    """The words of the brackets around an age aside: "ages 2-5 years"."""
    start = max(text.rfind("(", 0, value.start), text.rfind("[", 0, value.start)) + 1
    end = _aside_end(text, value)
    return " ".join(text[start : end - 1 if end > value.end else end].split())


def _qualify_by_age(text: str, criterion: Criterion, values: Sequence[ValueMention],
                    index: int, draft: _Draft) -> None:
    """An age in brackets after the bound ``values[index]`` is the case the constraints
    ending on that bound hold in (their qualifier), not an age limit of the trial."""
    aside = _age_aside(text, criterion, values, index, draft)
    if aside is None:
        return
    words = _aside_words(text, values[aside])
    for constraint in draft.constraints:
        if constraint.end == values[index].end and constraint.qualifier is None:
            constraint.qualifier = words


def _coordinated_after(text: str, measured: Sequence[Mention], index: int,
                       limit: int) -> list[Mention]:
    """The measurement at ``index`` and those coordinated with it to its right, before
    ``limit`` ("> 3 x ULN for AST and/or ALT")."""
    run = [measured[index]]
    if _stands_for_analyte(run[0]):
        return run
    for mention in measured[index + 1:]:
        if mention.start >= limit or _stands_for_analyte(mention) or \
                not _COORDINATION.match(_between(text, run[-1].end, mention.start)):
            break
        run.append(mention)
    return run


_POPULATION_GAP = re.compile(r"\b(?:with|who|having|has|have|and|or)\b", re.IGNORECASE)


def _sex_before(text: str, mention: Mention, people: Sequence[Mention],
                draft: _Draft) -> str | None:
    for person in people:
        if person.label != "SEX" or person.end > mention.start:
            continue
        gap = _between(text, person.end, mention.start)
        # "male serum creatinine", not "female patients with hemoglobin" (a population)
        if re.fullmatch(r"[\s\w-]{0,12}", gap) and not _POPULATION_GAP.search(gap):
            draft.sex_qualifiers.append((person.start, person.end))
            return person.concept
    return None


# What may stand between a value and the sex it holds for: "> 48 % (women)",
# "< 13 g/dL for men", "≥ 1.4 mg/dL in females".
_SEX_AFTER = re.compile(r"[ \t]*[(\[]?[ \t]*(?:(?:in|for|among)[ \t]+)?(?:the[ \t]+)?",
                        re.IGNORECASE)


def _sex_within(text: str, start: int, end: int,
                people: Sequence[Mention]) -> tuple[str, Mention | None]:
    """``text[start:end]`` with a sex word in it blanked out, and that word: the sex a
    threshold holds for when written between subject and value or between two bounds
    ("creatinine clearance male<120ml/min, female<105ml/min")."""
    between = _between(text, start, end)
    for person in people:
        if person.label == "SEX" and start <= person.start and person.end <= end:
            return (between[: person.start - start] + " " + between[person.end - start:],
                    person)
    return between, None


def _sex_word_after(text: str, value: ValueMention, people: Sequence[Mention],
                    limit: int) -> Mention | None:
    for person in people:
        if person.label == "SEX" and value.end <= person.start < limit and \
                _SEX_AFTER.fullmatch(text, value.end, person.start):
            return person
    return None


def _sex_after(text: str, value: ValueMention, people: Sequence[Mention], limit: int,
               draft: _Draft) -> str | None:
    """The sex a threshold holds for, written right after its value ("> 53 % (men)")."""
    person = _sex_word_after(text, value, people, limit)
    if person is None:
        return None
    draft.sex_qualifiers.append((person.start, person.end))
    return person.concept


_SEX_CLOSE = re.compile(r"[ \t]*[)\]]")


def _past_sex(text: str, value: ValueMention, people: Sequence[Mention], limit: int) -> int:
    """Where a value's sex qualifier ends (with its closing bracket), or the value's end."""
    person = _sex_word_after(text, value, people, limit)
    if person is None:
        return value.end
    close = _SEX_CLOSE.match(text, person.end)
    opened = re.search(r"[(\[]", text[value.end : person.start])
    return close.end() if close and opened else person.end


@cache
def _unit_subjects() -> dict[str, Any]:
    from .lexicon import analytes

    return {unit: analyte for analyte in analytes()
            for unit in analyte.extra.get("implied_by_units", ())}


def _clause_chain(connector: str, same_unit: bool) -> bool:
    """Whether ``connector`` is a clause then a conjunction that joins two bounds of one
    subject (:data:`_CLAUSE_CHAIN`): "or"/"but" always, "and" only in one unit."""
    match = _CLAUSE_CHAIN.fullmatch(connector)
    return match is not None and (same_unit or match["joint"].lower() != "and")


def _inside_window(value: ValueMention, windows: Sequence[WindowMention]) -> bool:
    """Whether ``value`` starts inside one of ``windows`` (its amount is the window's)."""
    return any(w.start <= value.start < w.end for w in windows)


def _implied_by_unit(unit: str | None) -> Any:
    return _unit_subjects().get(unit) if unit else None


_CLOSING = re.compile(r"[)\]]")


def _qualifier(text: str, value: ValueMention, limit: int) -> str | None:
    match = _QUALIFIER.match(text, value.end, limit)
    return match["q"].strip().rstrip(")]").strip() if match else None


def _counts_readings(text: str, values: Sequence[ValueMention], index: int,
                     subject: Mention) -> bool:
    """``at least 2 CD4 cell counts over 200 cells/mm3``: a bare number before a subject
    that has its own bound right after it, or a word saying so ("2 HbA1c values"), counts
    readings; it is no threshold."""
    value = values[index]
    if value.unit is not None or value.relative_to is not None:
        return False
    if _READING_WORD.match(text, subject.end):
        return True  # "More than 1 plasma HIV-1 RNA measurement 50 c/mL to <200 c/mL"
    if index + 1 >= len(values):
        return False
    following = values[index + 1]
    return bool(following.op_text) and following.start >= subject.end and \
        bool(_READINGS.fullmatch(text, subject.end, following.start))


def _number_end(value: ValueMention) -> int:
    """Where the last digit of a value ends (its unit, if any, follows)."""
    digits = [m.end() for m in re.finditer(r"\d", value.text)]
    return value.start + (digits[-1] if digits else len(value.text))


def _value_between(values: Sequence[ValueMention], index: int, start: int) -> bool:
    """Whether a value lies wholly between ``start`` and ``values[index]`` (values are in
    text order: only those back to ``start`` are read)."""
    for k in range(index - 1, -1, -1):
        if values[k].start < start:
            return False
        if values[k].end <= values[index].start:
            return True
    return False


def _subject_after(text: str, value: ValueMention, measured: Sequence[Mention],
                   gap: re.Pattern[str], limit: int, starts: Sequence[int]) -> int | None:
    """The measurement named right after a value (``>7 Metabolic Equivalents``);
    ``starts``: where each of ``measured`` (in text order) starts."""
    for j in range(bisect_left(starts, _number_end(value)), len(measured)):
        mention = measured[j]
        if mention.start >= limit:
            return None
        between = _between(text, value.end, mention.start) if mention.start >= value.end else ""
        return j if gap.fullmatch(between) and not _MODIFIER_SUFFIX.match(text, mention.end) \
            else None
    return None


# "≥ 2 obesity-related complications": the name modifies what is counted, it is not it
_MODIFIER_SUFFIX = re.compile(r"-(?:related|associated|induced|specific|like|free|naive|"
                              r"naïve|positive|negative)\b", re.IGNORECASE)


@cache
def _by_condition() -> dict[str, Any]:
    from .lexicon import measured_by

    return measured_by()


_GRADED = re.compile(r"\b(?:grade|stage|class|score)\b", re.IGNORECASE)
_GRADE_WORD = re.compile(r"\bgrades?\b", re.IGNORECASE)
_GRADE_BEFORE = re.compile(r"\bgrades?[ \t:]*\Z", re.IGNORECASE)
_GRADE_TAIL = re.compile(r"(?:\s+of)?\s+grades?\Z|\Agrades?\Z", re.IGNORECASE)
_COUNTED_LABELS = frozenset({"LAB", "VITAL", "SUBSTANCE"})


def _is_grade(text: str, value: ValueMention) -> bool:
    """A grade, not an amount: "greater than grade 1", "Grade ≥ 3 hypertension"."""
    return bool(_GRADE_WORD.search(value.text) or
                _GRADE_BEFORE.search(text, max(0, value.start - 12), value.start))


def _grades_no(mention: Mention, grade: bool) -> bool:
    """A grade is no lab count or vital sign: "Grade ≥ 3 hypertension" is no blood pressure
    of 3 (scores and the model's measurements may be graded: "CTCAE grade > 1")."""
    return grade and (mention.label in _COUNTED_LABELS or _stands_for_analyte(mention))


def _stands_for_analyte(mention: Mention) -> bool:
    """A condition mention in an analyte's place (see :func:`_measured`)."""
    return mention.label != "CONDITION" and mention.entry_id in _by_condition()


def _measured(mentions: Sequence[Mention]) -> list[Mention]:
    """The measurement mentions, with a condition defined by an analyte's threshold
    (``thrombocytopenia (< 50,000)``, ``high blood pressure (>160/100mmHg)``) standing for
    that analyte too: a value right after it is the analyte's (the condition stays a
    condition constraint of its own)."""
    measured = []
    for mention in mentions:
        if mention.label in MEASURED:
            measured.append(mention)
        elif mention.label == "CONDITION" and mention.entry_id in _by_condition():
            analyte = _by_condition()[mention.entry_id]
            measured.append(replace(mention, label=analyte.kind.upper(), concept=analyte.concept,
                                    code=analyte.code, unit=analyte.unit, classes=()))
    return measured


# "minimum weight of 50 kg", "a maximum BMI of 35": the limit word frames the measure and
# the number, which has no comparator of its own.
_FRAMED = re.compile(r"\b(?:a\s+)?(?P<w>minimum|maximum|min\.|max\.)\s+"
                     r"(?:[\w-]+\s+){1,4}of\s*$", re.IGNORECASE)


def _framed_op(text: str, criterion: Criterion, value: ValueMention) -> str | None:
    if value.op_text or value.op not in (None, "="):
        return None
    match = _FRAMED.search(text, max(criterion.start, value.start - 60), value.start)
    return None if match is None else (">=" if match["w"].lower().startswith("min") else "<=")


def _measurements(text: str, criterion: Criterion, mentions: Sequence[Mention],
                  measured: Sequence[Mention], values: Sequence[ValueMention], draft: _Draft,
                  windows: Sequence[WindowMention] = ()) -> None:
    people = [m for m in mentions if m.label == "SEX"]
    # The measured mentions are in text order: those that can touch a value are found by
    # bisection (a criterion with thousands of values and names stays near linear).
    starts = [m.start for m in measured]
    named = _Coverage((m.start, m.end) for m in measured)
    for index, value in enumerate(values):
        if index in draft.used_values:
            continue  # a lower bound written before its measure ("80mmHg=DBP<110mmHg")
        if _age_worded(value):
            continue  # "fever under the age of 2": an age, whatever name stands before it
        if value.unit is None and value.relative_to is None and \
                _COUNT_AFTER.match(text, value.end):
            continue  # "calcium on at least 2 occasions", "LDH More than 1 extranodal site"
        # "within 2 weeks of screening" is a window: it names no measurement after it.
        in_window = _inside_window(value, windows)
        framed = _framed_op(text, criterion, value)
        if framed is not None:  # "Minimum life expectancy of 12 weeks"
            value = replace(value, op=framed)
        if named.covers(value.start) or (
                not value.op_text and framed is None and value.unit in TIME_UNITS):
            continue  # a measurement's name or timing: "2-hour C-peptide", "FEV1 in 1 s"
        following = values[index + 1].start if index + 1 < len(values) else criterion.end
        grade = _is_grade(text, value)
        subject_index = None
        gap_sex: str | None = None
        outside = False
        scored_on = None if in_window else _subject_after(text, value, measured, _SCORED_ON,
                                                          following, starts)
        if scored_on is not None and measured[scored_on].label in ("SCORE", "MEASUREMENT"):
            subject = measured[scored_on]
            constraint = _with_value(_from_mention(subject, criterion), value, text, subject)
            draft.constraints.append(constraint)
            draft.used_values.add(index)
            _bound_before(text, criterion, values, index, subject, draft)
            continue
        for j in range(bisect_left(starts, value.start) - 1, -1, -1):
            mention = measured[j]
            if mention.end > value.start:
                continue
            between = _between(text, mention.end, value.start)
            if text[max(0, mention.start - 3) : mention.start].rstrip().endswith(("(", "[")):
                # "Mini-Mental State Examination (MMSE) score of <= 24": the name's own
                # bracketed abbreviation closes, not an aside.
                between = re.sub(r"^\s*[)\]]", " ", between)
            if between.count(")") > between.count("("):
                continue  # inside a parenthetical that closes before the value: an aside
            if value.op_text and _ABBREVIATED.fullmatch(mention.text) and \
                    between.startswith(". "):
                between = between[1:]  # "Cr. less than 2.0 mg/dL": an abbreviation's period
            # "Hemoglobin (hgb) greater than ...": a parenthetical does not separate them.
            gap = _without_asides(between)
            if not _GAP.match(gap):  # "creatinine clearance male<120ml/min"
                unsexed, sex_word = _sex_within(text, mention.end, value.start, people)
                unsexed = _without_asides(unsexed)
                if sex_word is not None and _GAP.match(unsexed):
                    gap, gap_sex = unsexed, sex_word.concept
                    draft.sex_qualifiers.append((sex_word.start, sex_word.end))
            timed = _timed(value, mention)
            # "neutropenia grade >= 3" is no neutrophil count
            graded = (_stands_for_analyte(mention) and _GRADED.search(gap)) or \
                _grades_no(mention, grade) or (  # "obesity (20% greater than ideal weight)"
                    _stands_for_analyte(mention) and value.unit == "%" and
                    mention.unit not in (None, "%"))
            if value.op == "between" and _outside_words(gap) and not _GAP.match(gap):
                # "SBP outside the range of 100-160 mmHg": the range it must not lie in
                inverted = _OUTSIDE.sub(" ", gap)
                if inverted != gap and _GAP.match(inverted):
                    gap, outside = inverted, True
            if (_GAP.match(gap) or _METHOD_GAP.match(gap)) and not timed and not graded and \
                    not _value_between(values, index, mention.end):
                subject_index = j
            break
        if subject_index is not None:
            sex = gap_sex or _sex_after(text, value, people, following, draft)
            subjects = _coordinated_run(text, measured, subject_index)
            part = _panel_part_after(text, value, measured, subjects, following, starts)
            for subject in [part] if part is not None else subjects:
                constraint = _with_value(_from_mention(subject, criterion), value, text, subject)
                constraint.sex = _sex_before(text, subject, people, draft) or sex
                if outside:  # not in the range: the range, negated (matching inverts it)
                    constraint.negated = not constraint.negated
                    constraint.triggers = (*constraint.triggers, "outside")
                draft.constraints.append(constraint)
            draft.used_values.add(index)
            _qualify_by_age(text, criterion, values, index, draft)
            continue
        # "(< 5 x ULN if liver metastases)": a parenthesised threshold after a used value;
        # "> 35 and < 50 kg/m2": a second bound on the same subjects.
        previous = index - 1
        aside_close = None
        if previous in draft.age_asides:  # "> 200 cells/mm3 (ages 2-5 years) or > 100"
            aside_close = _aside_end(text, values[previous])
            previous = draft.age_asides[previous]
        if previous > 0 and previous not in draft.used_values and \
                not values[previous].op_text and \
                _SLASH_PAIR.fullmatch(_between(text, values[previous - 1].end,
                                               values[previous].start)):
            previous -= 1  # "≥ 135/85 mm Hg but lower than 170/105": past the "/85"
        connector_start = aside_close if aside_close is not None else \
            _past_sex(text, values[index - 1], people, value.start)
        bare_pair = pair_second(text, connector_start, value.start)
        if bare_pair is not None:  # "ABPM =135/85 but <150/95": past the unitless "/85"
            connector_start = bare_pair[1]
        connector = _between(text, connector_start, value.start)
        chained_sex: Mention | None = None
        if not _CHAINED.fullmatch(connector):  # "male<120ml/min, female<105ml/min"
            connector, chained_sex = _sex_within(text, connector_start, value.start, people)
        if not _CHAINED.fullmatch(connector):  # "> 50m (without rehabilitation) or > 100m"
            connector = _ASIDE.sub(" ", connector)
        # the same unit, or the same normal limit
        same_unit = (value.unit, value.relative_to) == (
            values[previous].unit, values[previous].relative_to) and \
            (value.unit or value.relative_to) is not None
        if not _CHAINED.fullmatch(connector) and value.op_text and \
                _clause_chain(connector, same_unit):
            connector = " or "  # "HbA1c = 9% if on triple therapy or = 10% on diet"
        case: str | None = None
        if not _CHAINED.fullmatch(connector) and value.op_text and same_unit:
            conditional = _CASE_CHAIN.fullmatch(connector)
            if conditional:
                connector, case = " or ", conditional["case"]
        if previous in draft.used_values and value.op == "between" and value.value == 0 and \
                re.search(r"[(\[]", connector) and _CHAINED.fullmatch(connector):
            draft.used_values.add(index)  # "BASDAI = 4 (0-10)": the scale, no bound
            continue
        # A bare number after a comma starts a new clause ("SBP<180mmHg, or 80mmHg=DBP").
        if previous in draft.used_values and _CHAINED.fullmatch(connector) and not \
                _duration_after_quantity(values[previous], value) and not (
                not value.op_text and (values[previous].op == "between" or "," in connector)) \
                and not _counts_other(text, values[previous], value, following):
            owners = [c for c in draft.constraints if c.end == values[previous].end
                      and c.kind in ("lab", "vital", "score", "measurement")]
            # the case after a bound in brackets runs to the bracket's end, after one in the
            # open to the clause's ("< 5 mg/dl in patients with Gilbert's syndrome; ANC ...")
            joint = _between(text, values[previous].end, value.start)
            bracketed = joint.count("(") + joint.count("[") > joint.count(")") + joint.count("]")
            closing = _CLOSING.search(text, value.end, criterion.end) if bracketed else None
            limit = closing.start() if closing else -1
            stop = _CLAUSE_BREAK.search(text, value.end, criterion.end) if limit < 0 else None
            case_end = limit if limit >= 0 else stop.start() if stop else criterion.end
            qualifier = case.strip() if case else _qualifier(text, value, case_end)
            end = limit if qualifier and not case and limit >= 0 else value.end
            # "≥ 9 g/dl or 5.59 mmol/l": the same bound restated in other units.
            op = values[previous].op if not value.op_text and value.op == "=" else value.op
            # A bound spans its subject ("> 35 and < 50 kg/m2", "< 18.5 or > 25 kg/m2",
            # "(< 5 x ULN if ...)"), but the same bound restated in other units in brackets
            # ("≥1.5 mg/dL (133 µmol/L)") keeps its own span.
            restated = bool(re.search(r"[(\[]", connector)) and (
                value.unit, value.relative_to) != (values[previous].unit,
                                                   values[previous].relative_to)
            sex = (chained_sex.concept if chained_sex else
                   _sex_after(text, value, people, following, draft)) if owners else None
            for owner in owners:
                subject_start = draft.subject_start.get(id(owner), owner.start)
                start = value.start if restated else subject_start
                chained = replace(
                    owner, op=op, value=value.value, value_max=value.value_max,
                    unit=value.unit if value.unit or value.relative_to else owner.unit,
                    relative_to=value.relative_to, qualifier=qualifier,
                    start=start, end=end, text=text[start:end], sex=sex or owner.sex)
                draft.constraints.append(chained)
                if restated:
                    draft.subject_start[id(chained)] = subject_start
            if owners:
                draft.used_values.add(index)
                if chained_sex is not None:
                    draft.sex_qualifiers.append((chained_sex.start, chained_sex.end))
                _qualify_by_age(text, criterion, values, index, draft)
                continue
        # ">2 alcoholic beverages per day": the unit names what is measured
        # (after a chained bound: "Temp >38,0 °C or <36,0 °C" is the one temperature).
        # (a written comparison and a unit of more than a letter: "88 C-92" is no temperature)
        implied = _implied_by_unit(value.unit) if value.op_text and \
            len((value.unit_text or "").strip()) > 1 else None
        if implied is not None:
            constraint = Constraint(
                kind=implied.kind, text=value.text, start=value.start, end=value.end,
                concept=implied.concept, code=implied.code, op=value.op, value=value.value,
                value_max=value.value_max, unit=value.unit, relative_to=value.relative_to,
                effect=_effect(criterion), criterion_id=criterion.criterion_id)
            draft.constraints.append(constraint)
            draft.used_values.add(index)
            continue
        # Value first: "<37 weeks of gestation", ">50% stenosis of one vessel".
        after = _subject_after(text, value, measured,
                               _VALUE_FIRST if value.unit in TIME_UNITS else _VALUE_FOR,
                               following, starts)
        # (a multiple of a normal limit is a bound unwritten: "three times the ULN for AST")
        if after is not None and not in_window and (value.op_text or value.relative_to) and \
                not _grades_no(measured[after], grade) and not _timed(value, measured[after]) and \
                not _AGED.search(value.text) and \
                not _counts_readings(text, values, index, measured[after]) and \
                not _AGE_LABEL.search(text, max(criterion.start, value.start - 15),
                                      value.start) and not any(
                c.start <= measured[after].start < c.end and c.value is not None
                for c in draft.constraints):
            for subject in _coordinated_after(text, measured, after, following):
                constraint = _with_value(_from_mention(subject, criterion), value, text,
                                         subject)
                constraint.sex = _sex_before(text, subject, people, draft)
                draft.constraints.append(constraint)
            draft.used_values.add(index)
            _bound_before(text, criterion, values, index, measured[after], draft)


def _panel_part_after(text: str, value: ValueMention, measured: Sequence[Mention],
                      subjects: Sequence[Mention], following: int,
                      starts: Sequence[int]) -> Mention | None:
    """The part of a panel named right after its value: "hypertension (> 160 mmHg systolic
    or > 100 mmHg diastolic)" bounds the systolic pressure, not blood pressure."""
    if len(subjects) != 1 or (parts := _slash_pairs().get(
            (subjects[0].concept, subjects[0].code))) is None:
        return None
    after = _subject_after(text, value, measured, _PART_GAP, following, starts)
    named = {(part.concept, part.code) for part in parts}
    return measured[after] if after is not None and (
        measured[after].concept, measured[after].code) in named else None


@cache
def _slash_pairs() -> dict[tuple[str, str | None], tuple[Any, Any]]:
    """(concept, code) of a panel written ``X/Y`` (blood pressure) -> its two analytes."""
    from .lexicon import analytes

    by_id = {analyte.id: analyte for analyte in analytes()}
    return {(a.concept, a.code): (by_id[a.extra["slash_pair"][0]], by_id[a.extra["slash_pair"][1]])
            for a in analytes() if a.extra.get("slash_pair")}


# "18 ≤ BMI ≤ 28 kg/m2", "25<BMI<35", "130mmHg=SBP<180mmHg": a lower bound written before
# the measure, pointing at it (Chia's "=" is a lost "≤").
_LOWER_BEFORE = re.compile(r"(?<![\w.,])(?P<n>\d+(?:[.,]\d+)?)[ \t]*"
                           r"(?P<u>%|[a-zA-Z]{1,5}(?:/[a-zA-Z0-9]{1,4})?)?"
                           r"[ \t]*(?P<op>≤|<=|=<|<|=)[ \t]*$")
_UPPER_AFTER = re.compile(r"(?:[ \t]*\([^()]{1,15}\))?[ \t]*(?=(?:≤|<=|=<|<|=)[ \t]*\d)")
_FLIPPED = {"<": ">", "≤": ">=", "<=": ">=", "=<": ">=", "=": ">="}


def _lower_bounds_before(text: str, criterion: Criterion, measured: Sequence[Mention],
                         values: Sequence[ValueMention], draft: _Draft) -> None:
    starts = [v.start for v in values]  # values are in text order
    for mention in measured:
        after = _UPPER_AFTER.match(text, mention.end, criterion.end)
        if after is None:
            continue
        match = _LOWER_BEFORE.search(text, max(criterion.start, mention.start - 24),
                                     mention.start)
        if match is None:
            continue
        # the upper bound is the first written comparison after the measure, right there
        k = bisect_left(starts, mention.end)
        while k < len(values) and not values[k].op_text:
            k += 1
        if k == len(values) or values[k].start != after.end():
            continue
        upper = values[k]
        # the value the lower number was read as, if any (values do not overlap)
        w = bisect_right(starts, match.start("n")) - 1
        written = w if w >= 0 and match.start("n") < values[w].end else None
        if match["u"] and written is None:
            continue  # a letter run after the number that is no unit ("2 = or < 55")
        number = float(match["n"].replace(",", "."))
        unit = (values[written].unit if written is not None else None) or (
            upper.unit or _bare_unit(mention, number))
        constraint = replace(_from_mention(mention, criterion), op=_FLIPPED[match["op"]],
                             value=number, unit=unit, relative_to=upper.relative_to,
                             start=match.start(), end=mention.end,
                             text=text[match.start() : mention.end])
        draft.constraints.append(constraint)
        if written is not None:
            draft.used_values.add(written)


def _split_pairs(text: str, criterion: Criterion, values: Sequence[ValueMention],
                 draft: _Draft) -> None:
    """``BP > 140/90 mmHg`` is systolic > 140 and diastolic > 90: a panel's threshold
    written as a pair becomes one constraint per member (a written comparator on either
    number applies to both: ``140/90 mmHg or higher``)."""
    pairs = _slash_pairs()
    if not pairs:
        return
    ends = {v.end: i for i, v in enumerate(values)}
    split: list[Constraint] = []
    for constraint in draft.constraints:
        members = pairs.get((constraint.concept, constraint.code))
        index = ends.get(constraint.end) if members and constraint.value is not None else None
        if index is None or values[index].op == "between":
            split.append(constraint)
            continue
        first = values[index]
        second = values[index + 1] if index + 1 < len(values) else None
        op = pair_op(text, first, second) if second is not None else None
        if second is not None and op is not None:
            number, end = second.value, second.end
            draft.used_values.add(index + 1)
        else:  # "BP >= 140/90": the second number, unitless, read by the panel's unit
            bare = pair_second(text, first.end, criterion.end)
            if bare is None or first.unit not in (None, constraint.unit):
                split.append(constraint)
                continue
            op, (number, end) = first.op, bare
        span = text[constraint.start : end]
        for analyte, value in zip(members, (first.value, number), strict=True):
            split.append(replace(constraint, kind=analyte.kind, concept=analyte.concept,
                                 code=analyte.code, op=op, value=value, end=end, text=span))
    draft.constraints = split


def _bound_before(text: str, criterion: Criterion, values: Sequence[ValueMention], index: int,
                  subject: Mention, draft: _Draft) -> None:
    """``>0.5 cm and < 2 cm in size``: the unused bound right before a value whose subject
    follows it is a bound on that subject too."""
    previous = index - 1
    if previous < 0 or previous in draft.used_values or not values[previous].op_text:
        return
    connector = _between(text, values[previous].end, values[index].start)
    if not _BOUND_AND.fullmatch(connector):
        return
    constraint = _with_value(_from_mention(subject, criterion), values[previous], text, subject)
    draft.constraints.append(constraint)
    draft.used_values.add(previous)


def _classed_scores(text: str, criterion: Criterion, mentions: Sequence[Mention],
                    draft: _Draft) -> None:
    """``NYHA grade Ⅲ or Ⅳ``, ``ECOG 0 or 1``: class forms read from the score's lexicon entry."""
    for mention in mentions:
        if mention.label != "SCORE" or not mention.classes:
            continue
        if any(c.start <= mention.start < c.end and c.value is not None
               for c in draft.constraints):
            continue
        forms = sorted(mention.classes, key=lambda f: len(f[0]), reverse=True)
        alternation = "|".join(re.escape(f) for f, _ in forms)
        pattern = re.compile(
            rf"(?:\s*(?:physical|class|grade|stage|score|status|of|:|\(|\))\s*)*\s*"
            rf"(?P<list>(?:{alternation})(?:\s*(?:,|or|and|to|-|–|/)\s*(?:{alternation}))*)\b",
            re.IGNORECASE)
        rank_of = {f.lower(): r for f, r in forms}
        # A name written with its class ("ASA II": bare "ASA" is aspirin) reads from the class.
        last = mention.text.rsplit(None, 1)
        start = mention.end - len(last[-1]) if len(last) == 2 and \
            last[-1].lower() in rank_of else mention.end
        match = pattern.match(text, start, criterion.end)
        if not match:
            continue
        written = re.findall(alternation, match["list"], re.IGNORECASE)
        ranks = sorted({rank_of[w.lower()] for w in written if w.lower() in rank_of})
        if not ranks:
            continue
        constraint = _from_mention(mention, criterion)
        constraint.end = match.end()
        constraint.text = text[constraint.start : constraint.end]
        if len(ranks) == 1:
            constraint.op, constraint.value = "=", float(ranks[0])
        else:
            constraint.op, constraint.value, constraint.value_max = "between", float(ranks[0]), \
                float(ranks[-1])
        draft.constraints.append(constraint)


# "<6mg/ day of budesonide", "450 mg/m2 cumulative dose of prior doxorubicin",
# "greater than 2.0 mg/day inhaled or intranasal corticosteroids"
_ROUTE = r"(?:oral|iv|intravenous|inhaled|intranasal|systemic|subcutaneous|intramuscular)"
_DOSE_BEFORE = re.compile(r"^\s*(?:(?:(?:total|cumulative|prior|lifetime)\s+){0,3}"
                          r"(?:dose|dosage)s?\s+)?(?:of\s+)?(?:(?:prior|previous)\s+)?"
                          rf"(?:{_ROUTE}(?:\s*(?:,|/|\bor\b|\band\b)\s*{_ROUTE})*\s+)?$",
                          re.IGNORECASE)


def _is_dose(value: ValueMention) -> bool:
    return bool(value.unit) and bool(DOSE_UNIT.search(value.unit or ""))


def _set_dose(constraint: Constraint, value: ValueMention, text: str) -> None:
    constraint.dose_op, constraint.dose_value = value.op, value.value
    constraint.dose_value_max, constraint.dose_unit = value.value_max, value.unit
    constraint.start = min(constraint.start or value.start, value.start)
    constraint.end = max(constraint.end or value.end, value.end)
    constraint.text = text[constraint.start : constraint.end]


@cache
def _stages() -> tuple[dict[str, Any], re.Pattern[str], re.Pattern[str]]:
    """``rules/stages.json``: the categories, what may not follow one, the cue words."""
    rules = load_json("stages.json")
    after = re.compile(r"[ \t]*(?:[-–][ \t]*)?(?:[<>≤≥=]|(?:" + "|".join(
        map(re.escape, rules["not_before"])) + r")\b)", re.IGNORECASE)
    cue = re.compile(r"\b(?:" + "|".join(map(re.escape, rules["cues"])) + r")\b",
                     re.IGNORECASE)
    return rules["categories"], after, cue


# "T1-3", "cT1-2-3", "pN0", "Tis", "T2a-b": a TNM category, then its class or classes
_TNM = re.compile(r"(?<![\w/-])(?P<prefix>yp|[cpy])?(?P<cat>[TNM])(?P<first>[0-4]|is|x|X)[a-d]?"
                  r"(?P<rest>(?:[ \t]*[-–][ \t]*(?:yp|[cpy])?(?:(?P=cat))?[0-4][a-d]?)*)"
                  r"(?![\w+])")


def _tnm_stages(text: str, criterion: Criterion, draft: _Draft) -> None:
    """TNM categories (``rules/stages.json``): ``T1-3 N0 M0`` is T between 1 and 3, N = 0,
    M = 0, each a ``score`` constraint on its category.  A bare ``T3`` is read only with a
    prefix, a second category or a cue word in the criterion (it is also a hormone)."""
    own = text[criterion.start : criterion.end]
    if not any(c in own for c in "TNM"):
        return
    categories, after, cue = _stages()
    found = [m for m in _TNM.finditer(text, criterion.start, criterion.end)
             if m["first"].lower() != "x" and not after.match(text, m.end())]
    if not found or not (len({m["cat"] for m in found}) > 1 or
                         any(m["prefix"] for m in found) or cue.search(own)):
        return
    for match in found:
        ranks = [0 if match["first"].lower() == "is" else int(match["first"]),
                 *(int(d) for d in re.findall(r"[0-4](?=[a-d]?(?:\D|$))", match["rest"]))]
        category = categories[match["cat"]]
        code = category["pathologic" if (match["prefix"] or "").endswith("p") else "clinical"]
        low, high = min(ranks), max(ranks)
        draft.constraints.append(Constraint(
            kind="score", text=match.group(), start=match.start(), end=match.end(),
            concept=category["concept"], code=code, op="=" if low == high else "between",
            value=float(low), value_max=None if low == high else float(high),
            effect=_effect(criterion), criterion_id=criterion.criterion_id))


# PDQ's "Menopausal status: Not specified": a label the record leaves open, no requirement.
_UNSPECIFIED = re.compile(r"[ \t]*(?:status)?[ \t]*:\s*(?:not specified|any(?: status)?|"
                          r"not applicable|unspecified)\b", re.IGNORECASE)


def _named(text: str, criterion: Criterion, mentions: Sequence[Mention],
           values: Sequence[ValueMention], draft: _Draft) -> None:
    """Drugs (with doses), conditions, procedures, pregnancy and lactation.

    A dose is read first where it precedes the drug (``<6mg/ day of budesonide``,
    ``≤20 mg prednisone``), then where it follows (``prednisone ≥40mg/ day``,
    ``MTX(≤15 mg/ week)``), never across another mention or a clause break.
    """
    named = [m for m in mentions if m.label in NAMED_KINDS and
             not _UNSPECIFIED.match(text, m.end, criterion.end)]
    constraints = [_from_mention(m, criterion) for m in named]
    drugs = [i for i, m in enumerate(named) if m.label in ("DRUG", "DRUG_CLASS")]
    for i in drugs:
        for index, value in enumerate(values):
            if index in draft.used_values or not _is_dose(value) or value.end > named[i].start:
                continue
            gap = _between(text, value.end, named[i].start)
            # "≤ 300 mg/m2 Prior cumulative dose of epirubicin": a PDQ run-on's next sentence
            if _DOSE_BEFORE.match(gap) and not gap.lstrip()[:1].isupper():
                _set_dose(constraints[i], value, text)
                draft.used_values.add(index)
                break
    for i in drugs:
        if constraints[i].dose_value is not None:
            continue
        limit = named[i + 1].start if i + 1 < len(named) else criterion.end
        for index, value in enumerate(values):
            if index in draft.used_values or value.start < named[i].end or value.start >= limit:
                continue
            gap = _between(text, named[i].end, value.start)
            # "(6 weeks for nitrosoureas) and recovered No greater than 300 mg/m2": a PDQ
            # run-on's next sentence
            if len(gap) > 40 or _CLAUSE_BREAK.search(gap) or not _is_dose(value) or \
                    (bool(words := gap.split()) and run_on_break(words[-1], value.text)):
                break
            _set_dose(constraints[i], value, text)
            draft.used_values.add(index)
            break
    draft.constraints.extend(constraints)


def _age_cue(text: str, value: ValueMention, criterion: Criterion) -> bool:
    cues = _person()["age_cues"]
    window = text[max(criterion.start, value.start - 30) : min(criterion.end, value.end + 15)]
    lowered = window.lower()
    return any(re.search(rf"(?<![a-z]){re.escape(cue)}(?![a-z])", lowered) for cue in cues)


def _age_constraint(text: str, criterion: Criterion, value: ValueMention,
                    draft: _Draft) -> Constraint:
    return Constraint(
        kind="age", text=value.text, start=value.start, end=value.end, concept="Age",
        op=value.op, value=value.value, value_max=value.value_max, unit=value.unit or "a",
        effect=_effect(criterion), criterion_id=criterion.criterion_id,
        qualifier=_condition_before(text, criterion, value.start, value.end, draft.clauses,
                                    whole=True))


def _age_chain(connector: str) -> bool:
    """A join between two bounds of one age, not past a bracket ("at least 500 (1 to 5 years
    of age), or at least 200": a count after an age in brackets)."""
    return ")" not in connector and _CHAINED.fullmatch(connector) is not None


def _ages(text: str, criterion: Criterion, values: Sequence[ValueMention],
          windows: Sequence[WindowMention], draft: _Draft) -> None:
    aged: set[int] = set()  # the values read as ages here
    for index, value in enumerate(values):
        if index in draft.used_values:
            continue
        if _inside_window(value, windows):
            continue  # "within the past 5 years" is a window, not an age
        # "Age greater than 55 or less than 10": a second bound chained to an age is one
        chained = index - 1 in aged and bool(value.op_text) and value.relative_to is None \
            and value.unit in (None, *AGE_UNITS) and value.value <= 120 and \
            _age_chain(_between(text, values[index - 1].end, value.start))
        if value.unit not in AGE_UNITS and not chained and not (
                value.unit is None and value.relative_to is None and
                _age_op_before(text, value, criterion)):
            continue
        if value.op in (None, "=") and value.unit != "a":
            continue
        if not chained and not _age_cue(text, value, criterion):
            continue
        draft.constraints.append(_age_constraint(text, criterion, value, draft))
        draft.used_values.add(index)
        aged.add(index)
    # "Patients less than 6 or greater than 65 years of age": a bare bound joined by "or" to
    # an age bound the other way shares its unit ("Pain > 3, 18-45 years of age" does not)
    for index in sorted(aged):
        before = index - 1
        if before < 0 or before in draft.used_values or before in aged:
            continue
        value, age = values[before], values[index]
        connector = _between(text, value.end, age.start)
        if not value.op_text or value.unit is not None or value.relative_to is not None or \
                value.value > 120 or {value.op[:1], (age.op or "")[:1]} != {"<", ">"} or \
                _inside_window(value, windows) or \
                not re.search(r"\bor\b", connector, re.IGNORECASE) or \
                not _age_chain(connector):
            continue
        draft.constraints.append(_age_constraint(text, criterion, replace(value, unit=age.unit),
                                                 draft))
        draft.used_values.add(before)


# After a bound that stands alone: nothing, a bracket or stop, or a case it applies in
# ("if liver metastases present"); not the words of a measure of its own ("2 prior regimens").
_BOUND_ALONE = re.compile(
    r"\s*(?:$|[(\[;,.:]|(?:if|in|for|unless|except|when|with|without|on|at|or|and|but|per|"
    r"by|during|within)\b)", re.IGNORECASE)


def one_measure(mentions: Sequence[Mention]) -> Mention | None:
    """The one lab, vital or score a criterion names (however often), else None."""
    named = {m.entry_id: m for m in mentions if m.label in MEASURED and m.entry_id}
    return next(iter(named.values())) if len(named) == 1 else None


def _subject_above(text: str, criterion: Criterion, values: Sequence[ValueMention],
                   parent: Mention | None, draft: _Draft) -> None:
    """A criterion that is only a bound takes its measure from above: a heading that names
    it (PDQ's "Life expectancy:" / "- At least 12 weeks", "Age:" / "- Over 18"), else the
    one measure its parent criterion names ("If younger, WBC must be 1 of the following:"
    / "- Greater than 40,000/mm^3").  The constraint spans the bound (its words)."""
    if not values or 0 in draft.used_values or (not criterion.heading and parent is None):
        return
    value = values[0]
    # (what may stand before the bound: "Performance status:" / "- WHO 0-2")
    if value.op is None or not _GAP.match(_between(text, criterion.start, value.start)):
        return
    heading = name_words(criterion.heading)
    if heading.lower() in _person()["age_cues"]:
        if (value.unit is None and value.relative_to is None) or value.unit in AGE_UNITS:
            draft.constraints.append(_age_constraint(text, criterion, value, draft))
            draft.used_values.add(0)
        return
    analyte = analyte_named(heading) if heading else None
    if analyte is not None:
        subject = Mention(analyte.kind.upper(), value.start, value.start, "",
                          concept=analyte.concept, code=analyte.code, entry_id=analyte.id,
                          unit=analyte.unit)
    elif parent is not None and _BOUND_ALONE.match(text, value.end, criterion.end) and not (
            value.unit in TIME_UNITS and parent.unit not in (None, *TIME_UNITS)) and not (
            value.unit or "").startswith("{"):  # "2 prior regimens": a count of its own
        subject = Mention(parent.label, value.start, value.start, "", concept=parent.concept,
                          code=parent.code, entry_id=parent.entry_id, unit=parent.unit)
    else:
        return
    constraint = _with_value(_from_mention(subject, criterion), value, text, subject)
    # "No greater than 5 times normal if liver metastases present": the case it holds in
    constraint.qualifier = _qualifier(text, value, criterion.end)
    draft.constraints.append(constraint)
    draft.used_values.add(0)


_LABEL_BEFORE = re.compile(r"[ \t]*:[ \t]*\Z")
_COMPLEMENT = re.compile(r"\b(?:outside|other than|except)\b", re.IGNORECASE)
_OUTSIDE = re.compile(r"\b(?:outside|other than)(?:\s+of)?(?:\s+the)?(?:\s+(?:range|limits))?"
                      r"(?:\s+of)?\b", re.IGNORECASE)


def _outside_words(gap: str) -> bool:
    """Whether ``gap`` may hold what :data:`_OUTSIDE` removes: a substring test first, as
    every value reads the gap back to its measure (long in a run of ranges)."""
    lowered = gap.lower()
    return "outside" in lowered or "other than" in lowered


def _free_subjects(text: str, criterion: Criterion, mentions: Sequence[Mention],
                   measured: Sequence[Mention], values: Sequence[ValueMention],
                   windows: Sequence[WindowMention], draft: _Draft, sized: bool = False) -> None:
    """A written comparison nothing else took gets the words next to it as its subject
    (``subjects.py``): a ``measurement`` constraint with no code, never a lost threshold.
    With no words next to it, a length under a lesion's size (``sized``) is that size."""
    # Values inside a constraint made before are taken (a dose, an age's span); those made
    # here end before the next value, so need no reading.
    taken = _Coverage((c.start, c.end) for c in draft.constraints if c.start is not None)
    made: dict[int, Constraint] = {}  # value index -> the constraint made of it here
    for index, value in enumerate(values):
        if index in draft.used_values or not value.op_text or taken.covers(value.start):
            continue
        low = values[index - 1].end if index > 0 else criterion.start
        high = values[index + 1].start if index + 1 < len(values) else criterion.end
        in_window = _inside_window(value, windows)
        # what a bare number or a percentage counts follows it ("> 20% blasts")
        counted = value.unit in (None, "%") and value.relative_to is None
        owner = made.get(index - 1)
        after = subject_after(text, value.end, high, counted=counted) \
            if owner is not None else None
        if owner is not None and after is None and not in_window and \
                _free_chain(text, values[index - 1], value):
            # "lesion >= 20 mm by conventional techniques or >= 10 mm by spiral CT": the
            # second bound is of the same subject (as _measurements chains a named one)
            draft.constraints.append(_with_value(owner, value, text))
            draft.used_values.add(index)
            made[index] = owner
            continue
        grade = _is_grade(text, value)
        phrase = subject_before(text, low, value.start)
        if grade and phrase is not None and not has_content(_GRADE_TAIL.sub("", phrase.text)):
            phrase = None  # "History of grade 3 or worse neurosensory deficits"
        if phrase is None or (counted and (_LABEL_BEFORE.match(text, phrase.end, value.start)
                                           or _COUNT_AFTER.match(text, value.end))):
            # "Chemotherapy: No more than 1 prior chemotherapy": a label's count says of what
            # (and "LDH More than 1 extranodal site": what it counts follows it)
            after = after if owner is not None else subject_after(text, value.end, high,
                                                                  counted=counted)
            phrase = after or phrase
        # "Measurable disease:" / "- At least 20 mm by conventional ...": a lesion's size;
        # "No more than 3 prior regimens": a unit that says what it counts
        size = ((size_subject(value.unit) if sized else None) or unit_subject(value.unit)) \
            if phrase is None else None
        if size is not None:
            subject = Mention("MEASUREMENT", value.start, value.start, "", concept=size)
            constraint = _with_value(_from_mention(subject, criterion), value, text)
            draft.constraints.append(constraint)
            draft.used_values.add(index)
            made[index] = constraint
            continue
        if phrase is None:
            continue
        if in_window and not is_duration(phrase):
            continue  # "weight loss > 10% within 6 months": the 6 months is a window
        named = [m for m in measured if m.start < phrase.end and phrase.start < m.end]
        if any((value.unit in TIME_UNITS and m.unit not in (None, *TIME_UNITS)) or
               _counts_readings(text, values, index, m) for m in named):
            continue  # "stenosis ... more than 72 hours", "at least 2 serial hCG values"
        if near_age(text, min(phrase.start, value.start), max(phrase.end, value.end)):
            continue
        if _COMPLEMENT.search(text, min(phrase.start, value.start), value.end):
            continue  # "outside the range of 100-160 mmHg": no bound this can state
        # The phrase's negation and history are those of the rule mentions inside it.
        inside = [m for m in mentions if phrase.start <= m.start < phrase.end]
        concept = phrase.text
        if grade:  # "diarrhea greater than grade 1", "neuropathy of grade 2 or worse"
            concept = _GRADE_TAIL.sub("", concept) + " grade"
        subject = Mention("MEASUREMENT", phrase.start, phrase.end, phrase.text,
                          concept=concept,
                          negated=any(m.negated for m in inside),
                          historical=any(m.historical for m in inside),
                          hypothetical=any(m.hypothetical for m in inside),
                          triggers=tuple(t for m in inside for t in m.triggers))
        constraint = _with_value(_from_mention(subject, criterion), value, text)
        draft.constraints.append(constraint)
        draft.used_values.add(index)
        made[index] = constraint


def _counts_other(text: str, previous: ValueMention, value: ValueMention, high: int) -> bool:
    """A bare number after a quantity that counts what follows it ("estradiol > 5000 pg/ml
    or more than 15 oocytes"): no second bound of the quantity."""
    return value.unit is None and value.relative_to is None and previous.unit is not None \
        and subject_after(text, value.end, high, counted=True) is not None


def _duration_after_quantity(previous: ValueMention, value: ValueMention) -> bool:
    """``value`` is a length of time after a bound that is none ("stenosis > 50% for more
    than 72 hours"): no second bound of the same subject."""
    return value.unit in TIME_UNITS and previous.unit not in TIME_UNITS


def _free_chain(text: str, previous: ValueMention, value: ValueMention) -> bool:
    """Whether ``value`` is a second bound of the subject ``previous`` was read for: joined
    by "or"/"and"/a comma or a measuring clause, and no duration after a quantity."""
    if _duration_after_quantity(previous, value):
        return False
    connector = _between(text, previous.end, value.start)
    # a conjunction or comma is written: "less than 2 weeks over a 6 month period" is no pair
    return bool(_JOINED.search(connector)) and bool(
        _CHAINED.fullmatch(connector) or _clause_chain(connector, same_unit=False))


def _condition_before(text: str, criterion: Criterion, start: int, end: int,
                      clauses: _Clauses, whole: bool = False) -> str | None:
    """``consent from a parent if < 18 years old``: a threshold introduced by ``if``,
    ``when`` or ``for patients/those/children ...`` in its own clause is the condition
    under which the criterion applies, not a requirement; returned as the qualifier.

    ``whole`` (ages): the trigger may stand several words before the value (``for those
    aged under 21``); otherwise the trigger must introduce the analyte itself
    (``if ECOG=2``, ``when weighing less than 30 kg``)."""
    clause_start = clauses.start_of(start)
    trigger = clauses.trigger_before(clause_start, start)
    # (the words that make "if" the requirement are short: 80 characters back suffice)
    if trigger is None or _ELIGIBLE_IF.search(text, max(clause_start, trigger - 80), trigger):
        return None
    if not whole and start - trigger > 300:
        return None  # no two words are this long
    condition = text[trigger:start]
    if re.search(r"[()\[\]]", condition) or (not whole and len(condition.split()) > 2):
        return None  # across brackets, or a clause of its own: not this threshold's condition
    tail = re.match(r"[ \t]*(?:years?[ \t]+)?(?:old|of age)\b", text[end : criterion.end])
    return text[trigger : end + (tail.end() if tail else 0)].strip()


def _age_worded(value: ValueMention) -> bool:
    """A bare number with the word age in its comparison ("under the age of 2")."""
    return value.unit is None and value.relative_to is None and \
        _AGE_WORD.search(re.split(r"\d", value.text, maxsplit=1)[0]) is not None


_AGE_WORD = re.compile(r"\bage[sd]?\b", re.IGNORECASE)


def _age_op_before(text: str, value: ValueMention, criterion: Criterion) -> bool:
    """A unitless number read as years (``older than 65``, ``Age: 18-65``)."""
    written = value.text.lower()
    if any(written.startswith(phrase) for phrase in _person()["age_ops"]) or \
            _age_worded(value):
        return True  # "over age 65", "at least age 16", "between the ages of 18 and 65"
    before = text[max(criterion.start, value.start - 25) : value.start].lower()
    return any(before.rstrip().endswith(phrase) for phrase in _person()["age_ops"]) or \
        bool(re.search(r"\bage[sd]?\s*(?:of\s*|:\s*|between\s*|(?:range|limits?)\s*(?:is\s*|:\s*)?)?"
                  r"(?:physiologic(?:al)?\s+)?$", before))  # PDQ "Age: Physiologic 65 and under"


def _sexes(text: str, criterion: Criterion, mentions: Sequence[Mention], draft: _Draft) -> None:
    """A sex restriction only where the criterion is about who may enter.

    ``women of childbearing potential must use contraception``, ``male or female``, a sex
    word qualifying a lab threshold or pregnancy, or one in an exclusion criterion that
    says more than the sex itself, restrict nothing.
    """
    person = _person()
    lowered = text[criterion.start : criterion.end].lower()
    if any(phrase in lowered for phrase in person["both_sexes"]):
        return
    claimed = [(c.start, c.end) for c in draft.constraints if c.sex] + draft.sex_qualifiers
    for mention in mentions:
        if mention.label != "SEX" or mention.concept is None:
            continue
        if any(s <= mention.start < e for s, e in claimed):
            continue
        after = text[mention.end : min(criterion.end, mention.end + 30)].lower().lstrip()
        before = text[max(criterion.start, mention.start - 20) : mention.start].lower().rstrip()
        if any(after.startswith(b) for b in person["sex_blockers_after"]):
            continue
        if any(before.endswith(b) for b in person["sex_blockers_before"]):
            continue
        if mention.start - criterion.start > 40:
            continue  # far into the sentence: a qualifier, not the population
        if criterion.section == "exclusion" and len(lowered.split()) > 3:
            continue
        draft.constraints.append(Constraint(
            kind="sex", text=mention.text, start=mention.start, end=mention.end,
            concept=mention.concept, op="=", sex=mention.concept,  # type: ignore[arg-type]
            effect=_effect(criterion), criterion_id=criterion.criterion_id,
            negated=mention.negated, triggers=mention.triggers))


_RESULT = re.compile(
    r"\b(?P<r>positive|negative|reactive|non-reactive|nonreactive|detectable|undetectable|"
    r"seropositive|seronegative|abnormal|abnormally|elevated|increased|decreased|normal|"
    r"low|high|impaired)\b", re.IGNORECASE)


def _results(text: str, criterion: Criterion, mentions: Sequence[Mention],
             draft: _Draft) -> None:
    """An analyte named with a result word instead of a number (``HIV antibody ...
    positive``, ``abnormal liver function``): a constraint whose ``qualifier`` is the word.

    An analyte with neither (``drugs that affect glucose metabolism``) is no constraint.
    """
    # Mentions come in text order: a constraint added here starts at its mention, so it
    # can cover only later ones, and the furthest end among them is all that is kept.
    taken = _Coverage((c.start, c.end) for c in draft.constraints if c.start is not None)
    added = -1
    for mention in mentions:
        if mention.label not in MEASURED or taken.covers(mention.start) or \
                added > mention.start:
            continue
        clause_start, clause_end = draft.clauses.around(mention.start, mention.end)
        result = _RESULT.search(text, clause_start, clause_end)
        if result is None:
            continue
        constraint = _from_mention(mention, criterion)
        constraint.qualifier = result["r"].lower()
        draft.constraints.append(constraint)
        if constraint.start is not None and constraint.start <= mention.start:
            added = max(added, constraint.end)


def _attach_windows(text: str, criterion: Criterion, windows: Sequence[WindowMention],
                    draft: _Draft) -> None:
    """A window qualifies the constraints before it in its clause (else the next one); a
    window whose anchor is a treatment it names qualifies that treatment ("At least 4 weeks
    since prior radiotherapy": the radiotherapy, not what the clause named before), or the
    treatments listed right after it ("since nitrosoureas, melphalan, or mitomycin"), and
    nothing else."""
    for window in windows:
        targets = _treated(text, window, draft) \
            if window.window.anchor in TREATMENT_ANCHORS else []
        # "for at least 4 weeks after completion of treatment" names no treatment
        clause_start = draft.clauses.start_of(window.start)
        targets = targets or [c for c in draft.constraints if clause_start <= c.start <
                              window.start and c.kind not in ("age", "sex")]
        if not targets:
            after = [c for c in draft.constraints if c.start >= window.end and
                     not _CLAUSE_BREAK.search(text, window.end, c.start)
                     and c.kind not in ("age", "sex")]
            targets = after[:1]
        for constraint in targets:
            if is_free_subject(constraint) and window.start <= constraint.end <= window.end:
                continue  # "disease duration of at least 5 years": the window is its value
            if constraint.window is None or (constraint.window.amount is None
                                             and window.window.amount is not None):
                constraint.window = window.window


def _treated(text: str, window: WindowMention, draft: _Draft) -> list[Constraint]:
    """The drugs and procedures a treatment-anchored window names, and those listed right
    after it, joined by "," / "or" ("since nitrosoureas, melphalan, or mitomycin")."""
    treated = sorted((c for c in draft.constraints if c.start >= window.start
                      and c.kind in ("drug", "procedure")), key=lambda c: c.start)
    targets = [c for c in treated if c.end <= window.end]
    end = window.end
    for constraint in treated:
        if constraint.start < end:
            continue
        joint = text[end : constraint.start]
        if not _COORDINATION.match(joint) or not _JOINED.search(joint) or \
                _CLAUSE_BREAK.search(joint):
            break
        targets.append(constraint)
        end = constraint.end
    return targets


# What a constraint says, as opposed to where it was said.
_IDENTITY = tuple(name for name in Constraint.__dataclass_fields__
                  if name not in ("text", "start", "end", "triggers", "constraint_id"))


_identity = attrgetter(*_IDENTITY)


def _long_forms(text: str, criterion: Criterion, mentions: Sequence[Mention],
                draft: _Draft) -> None:
    """A threshold on a bracketed abbreviation spans the long form written before it
    (``partial pressure of arterial carbon dioxide [PaCO2] > 45``) unless those words name
    another measure (``abbreviations.py``); a drug or condition word inside is part of
    the name."""
    by_start = {m.start: m for m in mentions if m.label in MEASURED}
    for constraint in draft.constraints:
        subject = by_start.get(constraint.start) if constraint.value is not None else None
        if subject is None or constraint.kind not in ("lab", "vital", "score"):
            continue
        start = long_form_start(text, criterion.start, subject.start, subject.end)
        if start is None or any(m.start < subject.start and m.end > start and
                                m.entry_id != subject.entry_id
                                for m in mentions if m.label in MEASURED):
            continue
        constraint.start, constraint.text = start, text[start : constraint.end]


def _distinct(constraints: list[Constraint]) -> list[Constraint]:
    """In reading order, without repeats of the same statement: a name said again
    (``chloasma ... chloasma``) or one bound read twice from the same words.  A bound
    written again elsewhere is a statement of its own ("HBV DNA < 2000 IU/ml (Subgroup 1)
    or ... HBV DNA < 2000 IU/ml (Subgroup 2)"): its row points at its own words."""
    seen: dict[tuple[object, ...], _Kept] = {}
    kept = []
    for constraint in sorted(constraints, key=lambda c: (c.start or 0, c.end or 0)):
        same = seen.setdefault(_identity(constraint), _Kept())
        if same.rows and (constraint.value is None or constraint.start is None or
                          same.overlaps(constraint)):
            continue
        same.add(constraint)
        kept.append(constraint)
    return kept


class _Kept:
    """The rows kept of one statement, in reading order, and how far the furthest reaches:
    a row overlaps one of them iff it starts before that end, as the kept ones start no
    later than it (a bound repeated thousands of times stays linear)."""

    __slots__ = ("end", "rows", "unplaced")

    def __init__(self) -> None:
        self.rows: list[Constraint] = []
        self.end = -1  # the furthest end of a kept row with offsets
        self.unplaced = False  # a kept row without offsets (it overlaps everything)

    def add(self, constraint: Constraint) -> None:
        self.rows.append(constraint)
        if constraint.start is None:
            self.unplaced = True
        else:
            self.end = max(self.end, constraint.end)

    def overlaps(self, constraint: Constraint) -> bool:
        if self.unplaced:
            return True
        if constraint.start < constraint.end:
            return constraint.start < self.end
        return any(k.start < constraint.end and constraint.start < k.end for k in self.rows)


def _in_criterion(criterion: Criterion, start: int, end: int) -> bool:
    return criterion.start <= start and end <= criterion.end


_TO = re.compile(r"[ \t]*to[ \t]*", re.IGNORECASE)


def _half_open(values: list[ValueMention], text: str) -> list[ValueMention]:
    """"HbA1c 7% to <8%", "50 c/mL to <200 c/mL": a bare number, "to", then an upper bound
    in its unit (or none) is the range's lower end, inclusive."""
    for k in range(len(values) - 1):
        low, high = values[k], values[k + 1]
        if not low.op_text and low.op in (None, "=") and low.value_max is None and \
                high.op in ("<", "<=") and low.unit in (None, high.unit) and \
                low.relative_to == high.relative_to and low.value < high.value and \
                _TO.fullmatch(text, low.end, high.start):
            values[k] = replace(low, op=">=")
    return values


def assemble(text: str, criterion: Criterion, mentions: Iterable[Mention],
             values: Iterable[ValueMention], windows: Iterable[WindowMention],
             parent: Mention | None = None, *, sized: bool = False) -> list[Constraint]:
    """The constraints of one criterion; ``mentions``/``values``/``windows`` use text offsets.
    ``parent``: the one measure the parent criterion names (:func:`one_measure`); ``sized``:
    the criterion, its heading or one above it speaks of a lesion's size
    (:func:`~trialnlp.constraints.subjects.names_a_size`)."""
    mentions = sorted((m for m in mentions if _in_criterion(criterion, m.start, m.end)),
                      key=lambda m: (m.start, -m.end))
    values = _half_open([v for v in values if _in_criterion(criterion, v.start, v.end)], text)
    windows = [w for w in windows if _in_criterion(criterion, w.start, w.end)]
    draft = _Draft(clauses=_Clauses(text, criterion))
    measured = _measured(mentions)  # (both readers of values need them)
    _lower_bounds_before(text, criterion, measured, values, draft)
    # (before the names in the criterion: the model's "WHO" in "Performance status:" /
    # "- WHO 0-2" is the heading's scale, no measure of its own)
    _subject_above(text, criterion, values, parent, draft)
    _measurements(text, criterion, mentions, measured, values, draft, windows)
    _split_pairs(text, criterion, values, draft)
    _classed_scores(text, criterion, mentions, draft)
    _tnm_stages(text, criterion, draft)
    _named(text, criterion, mentions, values, draft)
    _ages(text, criterion, values, windows, draft)
    _free_subjects(text, criterion, mentions, measured, values, windows, draft, sized)
    _share_units(values, draft)
    _sexes(text, criterion, mentions, draft)
    _results(text, criterion, mentions, draft)
    _attach_windows(text, criterion, windows, draft)
    _long_forms(text, criterion, mentions, draft)
    for constraint in draft.constraints:
        if constraint.kind in KIND_OF_LABEL.values() and constraint.value is not None and \
                constraint.qualifier is None and constraint.kind not in NAMED_KINDS.values():
            constraint.qualifier = _condition_before(text, criterion, constraint.start,
                                                     constraint.end, draft.clauses)
    draft.constraints = _distinct(draft.constraints)
    for number, constraint in enumerate(draft.constraints, 1):
        constraint.constraint_id = f"{criterion.criterion_id}#{number}"
    return draft.constraints


def _share_units(values: Sequence[ValueMention], draft: _Draft) -> None:
    """"magnesium less than 1.2 or greater than 2.5 mEq/L", "total doses of ≥40 and ≤80 Gy":
    a bound written with no unit, chained to a bound the other way of the same measure that
    has one, shares that unit (not the measure's usual one, mg/dL)."""
    unitless = {v.end for v in values if v.unit is None and v.relative_to is None and v.op_text}
    if not unitless:
        return
    # (a chained bound spans its subject, the first bound's included: it starts with it)
    # by (start, concept, direction): the chained bounds that have a unit, in reading order
    # (a criterion may hold thousands of bounds: no pairwise scan)
    chained: dict[tuple[object, ...], list[Constraint]] = {}
    for bound in draft.constraints:
        if bound.unit and bound.relative_to is None and bound.qualifier is None and \
                bound.op and bound.op[:1] in "<>":
            chained.setdefault((bound.start, bound.concept, bound.op[:1]), []).append(bound)
    for first in draft.constraints:
        if first.end not in unitless or first.op is None or first.op[:1] not in "<>":
            continue
        other_way = "<" if first.op[:1] == ">" else ">"
        later = next((c for c in chained.get((first.start, first.concept, other_way), ())
                      if c.end > first.end), None)
        if later is not None:
            first.unit = later.unit


def structured_constraints(s: StructuredFields) -> list[Constraint]:
    """Age and sex constraints from the trial's structured fields (``source='structured'``)."""
    out: list[Constraint] = []
    low, high = s.minimum_age, s.maximum_age
    if low or high:
        unit = (low or high).unit  # type: ignore[union-attr]
        if low and high and low.unit == high.unit:
            op, value, value_max = "between", low.value, high.value
        elif low:
            op, value, value_max, unit = ">=", low.value, None, low.unit
        else:
            op, value, value_max, unit = "<=", high.value, None, high.unit  # type: ignore[union-attr]
        text = " - ".join(dict.fromkeys(a.text for a in (low, high) if a))
        out.append(Constraint(kind="age", text=text, start=None, end=None, concept="Age", op=op,
                              value=value, value_max=value_max, unit=unit, effect="include",
                              source="structured", constraint_id="structured#age"))
    if s.sex in ("female", "male"):
        out.append(Constraint(kind="sex", text=s.sex, start=None, end=None, concept=s.sex, op="=",
                              sex=s.sex, effect="include", source="structured",
                              constraint_id="structured#sex"))
    return out


__all__ = ["Mention", "Window", "assemble", "structured_constraints"]

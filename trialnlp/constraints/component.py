"""``trialnlp_constraints``: turn each criterion's mentions into Constraint records.

A thin wrapper: spans become :class:`~trialnlp.constraints.assemble.Mention` values, the
value and window parsers run over each criterion's own text, and
:func:`~trialnlp.constraints.assemble.assemble` does the rest.
"""

# No `from __future__ import annotations`: spaCy resolves factory signatures at runtime.

import re
from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..criteria.component import criteria_of
from .assemble import Mention, assemble
from .entities import SPANS_KEY, entries
from .temporal import find_windows
from .values import find_values

_VALUE_HINT = re.compile(r"\d|ULN|LLN|normal|limit", re.IGNORECASE)
# Windows need an amount or a time word ("the past year", "at screening", "during the study").
_WINDOW_HINT = re.compile(
    r"\d|year|month|week|day|hour|study|screen|random|enrol|baseline|past|prior|previous|"
    r"last|next|ago|since|consent|dose|surgery|diagnos|entry", re.IGNORECASE)


def _may_hold_values(text: str) -> bool:
    """A cheap test before the value parser: values need a digit or a normal limit."""
    return _VALUE_HINT.search(text) is not None


def _triggers(span: Span) -> tuple[str, ...]:
    doc = span.doc
    found = []
    for modifier in getattr(span._, "modifiers", None) or ():
        start, end = modifier.modifier_span
        found.append(f"{modifier.category.lower()}:{doc[start:end].text}")
    return tuple(found)


def mention_of(span: Span) -> Mention:
    entry = entries().get(span.id_)
    concept = entry.concept if entry else span.id_.removeprefix("drug:") or None
    flag = (lambda name: bool(getattr(span._, name, False))) if Span.has_extension(
        "is_negated") else (lambda name: False)
    triggers = _triggers(span) if Span.has_extension("modifiers") else ()
    # "no history of" is one (negation) modifier, yet it also says "in the past".
    historical = flag("is_historical") or any("history" in t for t in triggers)
    return Mention(
        label=span.label_, start=span.start_char, end=span.end_char, text=span.text,
        concept=concept, code=span.kb_id_ or (entry.code if entry else None),
        entry_id=span.id_ or None, source="rule", negated=flag("is_negated"),
        historical=historical,
        hypothetical=flag("is_hypothetical") or bool(entry and entry.hypothetical),
        triggers=triggers,
        unit=entry.unit if entry else None, classes=entry.classes if entry else (),
    )


class ConstraintBuilder:
    def __init__(self, spans_key: str = SPANS_KEY) -> None:
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        mentions = [mention_of(span) for span in doc.spans.get(self.spans_key, [])]
        for top in criteria_of(doc):
            for criterion in top.walk():
                own = text[criterion.start : criterion.end]
                shift = criterion.start
                values = [replace(v, start=v.start + shift, end=v.end + shift)
                          for v in find_values(own)] if _may_hold_values(own) else []
                windows = [replace(w, start=w.start + shift, end=w.end + shift)
                           for w in find_windows(own)] if _WINDOW_HINT.search(own) else []
                criterion.constraints = assemble(text, criterion, mentions, values, windows)
        return doc


@Language.factory(
    "trialnlp_constraints",
    assigns=["doc._.trialnlp_criteria"],
    requires=["doc.spans", "doc._.trialnlp_criteria"],
    default_config={"spans_key": SPANS_KEY},
)
def make_constraint_builder(nlp: Language, name: str, spans_key: str) -> ConstraintBuilder:
    return ConstraintBuilder(spans_key)

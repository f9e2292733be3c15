"""``trialnlp_constraints``: turn each criterion's mentions into Constraint records.

A thin wrapper: spans become :class:`~trialnlp.constraints.assemble.Mention` values, the
value and window parsers run over each criterion's own text, and
:func:`~trialnlp.constraints.assemble.assemble` does the rest.
"""

# No `from __future__ import annotations`: spaCy resolves factory signatures at runtime.

import re
from dataclasses import replace
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..criteria.component import criteria_of
from .assemble import Mention, assemble
from .entities import SPANS_KEY, entries
from .model import gap_in, model_mentions
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


MODEL_MODES = ("gaps", "values", "all", "off")
MODEL_SPANS_KEY = "trialnlp_model_entities"


class ConstraintBuilder:
    """Assemble each criterion's constraints; let the NER model fill the rules' gaps.

    ``model``: ``gaps`` runs the trained NER only on criteria where rules left a value
    without a subject or found nothing (the model is ~30x slower than the rules);
    ``values`` only where a value has no subject; ``all`` on every criterion; ``off``
    never.  Without a shipped model, ``gaps``
    and ``all`` behave as ``off``.
    """

    def __init__(self, nlp: Language, spans_key: str = SPANS_KEY, model: str = "gaps") -> None:
        if model not in MODEL_MODES:
            raise ValueError(f"model={model!r}; expected one of {', '.join(MODEL_MODES)}")
        self.nlp = nlp
        self.spans_key = spans_key
        self.model = model
        self._ner: Language | None = None
        self._context: Any = None

    def _load_model(self) -> Language | None:
        if self._ner is None and self.model != "off":
            from ..ner import load_ner, model_available

            if not model_available():
                self.model = "off"
                return None
            from .context import ContextTagger

            self._ner = load_ner()
            self._context = ContextTagger(self.nlp, MODEL_SPANS_KEY)
        return self._ner

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        mentions = [mention_of(span) for span in doc.spans.get(self.spans_key, [])]
        gaps = []
        for top in criteria_of(doc):
            for criterion in top.walk():
                own = text[criterion.start : criterion.end]
                shift = criterion.start
                values = [replace(v, start=v.start + shift, end=v.end + shift)
                          for v in find_values(own)] if _may_hold_values(own) else []
                windows = [replace(w, start=w.start + shift, end=w.end + shift)
                           for w in find_windows(own)] if _WINDOW_HINT.search(own) else []
                criterion.constraints = assemble(text, criterion, mentions, values, windows)
                if self.model == "all" or (self.model in ("gaps", "values") and gap_in(
                        text, criterion.start, criterion.end, mentions,
                        criterion.constraints, values, empty=self.model == "gaps")):
                    gaps.append((criterion, values, windows))
        if gaps and self._load_model() is not None:
            self._fill_gaps(doc, mentions, gaps)
        return doc

    def _fill_gaps(self, doc: Doc, mentions: list[Mention], gaps: list[Any]) -> None:
        """Run the model on the gap criteria and assemble them again with its mentions."""
        assert self._ner is not None
        text = doc.text
        entities = []
        texts = (text[criterion.start : criterion.end] for criterion, _, _ in gaps)
        for (criterion, _, _), model_doc in zip(gaps, self._ner.pipe(texts), strict=True):
            entities.extend((e.label_, e.start_char + criterion.start,
                             e.end_char + criterion.start, e.text) for e in model_doc.ents)
        found = model_mentions(entities, mentions)
        if not found:
            return
        found = self._with_context(doc, found)
        for criterion, values, windows in gaps:
            criterion.constraints = assemble(text, criterion, [*mentions, *found], values,
                                             windows)

    def _with_context(self, doc: Doc, found: list[Mention]) -> list[Mention]:
        """ConText modifiers for the model's mentions (in their own span group)."""
        pairs = [(mention, doc.char_span(mention.start, mention.end, label=mention.label,
                                         alignment_mode="expand")) for mention in found]
        doc.spans[MODEL_SPANS_KEY] = [span for _, span in pairs if span is not None]
        self._context(doc)
        updated = []
        for mention, span in pairs:
            if span is None:
                updated.append(mention)
                continue
            modified = mention_of(span)
            updated.append(replace(mention, negated=modified.negated,
                                   historical=modified.historical,
                                   hypothetical=modified.hypothetical,
                                   triggers=modified.triggers))
        return updated


@Language.factory(
    "trialnlp_constraints",
    assigns=["doc._.trialnlp_criteria"],
    requires=["doc.spans", "doc._.trialnlp_criteria"],
    default_config={"spans_key": SPANS_KEY, "model": "gaps"},
)
def make_constraint_builder(nlp: Language, name: str, spans_key: str,
                            model: str) -> ConstraintBuilder:
    return ConstraintBuilder(nlp, spans_key, model)

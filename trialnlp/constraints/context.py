"""``trialnlp_context``: the ConText algorithm over ``doc.spans["trialnlp_entities"]``.

The rules are all in ``rules/context.json``: medspaCy's defaults, expanded from token
patterns to literal phrases by ``tools/context_rules.py`` (the token Matcher dominated the
pipeline's profile), plus ours (``history of`` -> historical, ``planned`` ->
hypothetical, ``;`` ends a scope).  ConText scopes modifiers within a
sentence, and sentences are criteria (set by ``trialnlp_criteria``), so a negation never
leaks into the next criterion.

The algorithm is medspaCy's ``ConText`` (medspacy 1.3, with its defaults: literal rules
matched on LOWER, overlapping matches pruned to the longest, scopes within the sentence,
limited by same-category and TERMINATE modifiers), restricted to the rule fields the
rule file uses (literal, category, direction) and written over plain offsets.  Importing
medspaCy costs ~2 s (it imports QuickUMLS, nltk, scipy and scikit-learn) and its
per-object bookkeeping was a sixth of the rules-only pipeline's time; the output is the
same, which ``tests/constraints/test_context.py`` checks against medspaCy itself.  Spans
get medspaCy's extensions: ``span._.modifiers`` (:class:`Modifier`, with the
``category``, ``direction``, ``modifier_span`` and ``scope_span`` of medspaCy's
``ConTextModifier``) and ``is_negated``, ``is_uncertain``, ``is_historical``,
``is_hypothetical``, ``is_family``.
"""

# No `from __future__ import annotations`: spaCy resolves factory signatures at runtime.

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import as_file
from typing import Any

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from ..resources import rule_path
from .entities import SPANS_KEY

DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"})
# medspaCy's DEFAULT_ATTRIBUTES: the span flag each category sets.
ATTRIBUTES: dict[str, str] = {
    "NEGATED_EXISTENCE": "is_negated",
    "POSSIBLE_EXISTENCE": "is_uncertain",
    "HISTORICAL": "is_historical",
    "HYPOTHETICAL": "is_hypothetical",
    "FAMILY": "is_family",
}


@dataclass(frozen=True, slots=True)
class ContextRule:
    literal: str
    category: str
    direction: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ContextRule":
        unknown = set(data) - {"literal", "category", "direction"}
        direction = str(data.get("direction", "BIDIRECTIONAL")).upper()
        if unknown or direction not in DIRECTIONS:
            raise ValueError(f"rules/context.json: unsupported ConText rule {data} "
                             f"(fields: literal, category, direction in {sorted(DIRECTIONS)})")
        return cls(data["literal"], data["category"].upper(), direction)


class Modifier:
    """A matched rule and the tokens it may modify (medspaCy's ``ConTextModifier``)."""

    __slots__ = ("end", "rule", "scope_end", "scope_start", "start")

    def __init__(self, rule: ContextRule, start: int, end: int, scope: tuple[int, int]) -> None:
        self.rule, self.start, self.end = rule, start, end
        self.scope_start, self.scope_end = scope

    @property
    def category(self) -> str:
        return self.rule.category

    @property
    def direction(self) -> str:
        return self.rule.direction

    @property
    def modifier_span(self) -> tuple[int, int]:
        return self.start, self.end

    @property
    def scope_span(self) -> tuple[int, int]:
        return self.scope_start, self.scope_end

    def __repr__(self) -> str:
        return f"<Modifier> [{self.start}, {self.end}, {self.category}]"


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    """medspaCy's ``tuple_overlaps`` (not symmetric: b must start or end inside a)."""
    return a0 <= b0 < a1 or a0 < b1 <= a1


def prune_overlapping(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """medspaCy's ``prune_overlapping_matches``: of two overlapping matches keep the
    longer (the first on a tie), repeated until nothing changes."""
    while True:
        if not matches:
            return matches
        unpruned = sorted(matches, key=lambda m: (m[1], m[2]))
        pruned = []
        current = unpruned.pop(0)
        while True:
            if not unpruned:
                pruned.append(current)
                break
            following = unpruned.pop(0)
            if _overlaps(current[1], current[2], following[1], following[2]):
                pruned.append(max(current, following, key=lambda m: m[2] - m[1]))
                if not unpruned:
                    break
                current = unpruned.pop(0)
            else:
                pruned.append(current)
                current = following
        if len(pruned) == len(matches):
            return pruned
        matches = pruned


def _limit_scope(this: Modifier, other: Modifier) -> None:
    """medspaCy's ``ConTextModifier.limit_scope``: a later modifier of the same category,
    or a TERMINATE one, ends this one's scope (no rule here has ``terminated_by`` or
    type restrictions)."""
    if not _overlaps(this.scope_start, this.scope_end, other.scope_start, other.scope_end):
        return
    direction = this.rule.direction
    if direction == "TERMINATE":
        return
    if other.rule.direction != "TERMINATE" and other.rule.category != this.rule.category:
        return
    if direction in ("FORWARD", "BIDIRECTIONAL") and other.start > this.start:
        this.scope_end = min(this.scope_end, other.start)
    if direction in ("BACKWARD", "BIDIRECTIONAL") and other.end < this.end:
        this.scope_start = max(this.scope_start, other.end)


class ContextTagger:
    """ConText over the spans of ``doc.spans[spans_key]``."""

    def __init__(self, nlp: Language, spans_key: str = SPANS_KEY,
                 rules: Iterable[ContextRule] | None = None) -> None:
        register_context_extensions()
        self.spans_key = spans_key
        if rules is None:
            with as_file(rule_path("context.json")) as path, \
                    open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            rules = [ContextRule.from_dict(rule) for rule in data["context_rules"]]
        self.rules: dict[int, ContextRule] = {}
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        tokenizer = nlp.tokenizer
        for number, rule in enumerate(rules):
            key = f"{rule.category}_{number}"  # medspaCy's rule ids (same match order)
            self.matcher.add(key, [tokenizer(rule.literal.lower())])
            self.rules[nlp.vocab.strings[key]] = rule

    def __call__(self, doc: Doc) -> Doc:
        targets = doc.spans[self.spans_key]
        matches = prune_overlapping(list(self.matcher(doc)))
        if not matches:
            return doc
        if not doc.has_annotation("SENT_START"):
            raise ValueError("ConText failed because sentence boundaries have not been set")
        starts = numpy.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
        length = len(doc)
        modifiers: list[Modifier] = []
        by_sentence: dict[int, list[Modifier]] = {}
        for key, start, end in matches:
            rule = self.rules[key]
            # The sentence of the modifier's first token (spaCy's Token.sent).
            at = bisect.bisect_right(starts, start) - 1
            sent_start = starts[at] if at >= 0 else 0
            after = bisect.bisect_right(starts, start)
            sent_end = starts[after] if after < len(starts) else length
            if rule.direction == "FORWARD":
                scope = (end, sent_end)
            elif rule.direction == "BACKWARD":
                scope = (sent_start, start)
            else:
                scope = (sent_start, sent_end)
            modifier = Modifier(rule, start, end, scope)
            modifiers.append(modifier)
            by_sentence.setdefault(sent_start, []).append(modifier)
        # Scopes never cross a sentence, so only modifiers of one sentence can limit each
        # other: pairing within sentences keeps a long record linear, not quadratic.
        for group in by_sentence.values():
            for i, first in enumerate(group):
                for second in group[i + 1:]:
                    # Only one of the same category, or a TERMINATE one, limits another.
                    if first.rule.category == second.rule.category or "TERMINATE" in (
                            first.rule.direction, second.rule.direction):
                        _limit_scope(first, second)
                        _limit_scope(second, first)
        spans = [(span.start, span.end, span) for span in targets]
        # Targets by start, to visit only those near a scope (in their own order after).
        by_start = sorted(range(len(spans)), key=lambda i: spans[i][0])
        starts = [spans[i][0] for i in by_start]
        longest = max((end - start for start, end, _ in spans), default=0)
        for modifier in modifiers:
            low, high = modifier.scope_start, modifier.scope_end
            if modifier.rule.direction in ("TERMINATE", "PSEUDO") or low >= high:
                continue  # (an empty scope overlaps nothing)
            first, last = modifier.start, modifier.end
            attribute = ATTRIBUTES.get(modifier.rule.category)
            # A target in scope starts before `high` and ends after `low`.
            near = sorted(by_start[bisect.bisect_left(starts, low - longest):
                                   bisect.bisect_left(starts, high)])
            for index in near:
                start, end, span = spans[index]
                # _overlaps(modifier span, target) or not _overlaps(scope, target), inlined
                if first <= start < last or first < end <= last or not (
                        low <= start < high or low < end <= high):
                    continue
                span._.modifiers += (modifier,)
                if attribute is not None:
                    setattr(span._, attribute, True)
        return doc


def register_context_extensions() -> None:
    if not Span.has_extension("modifiers"):
        Span.set_extension("modifiers", default=())
    for attribute in ATTRIBUTES.values():
        if not Span.has_extension(attribute):
            Span.set_extension(attribute, default=False)


@Language.factory(
    "trialnlp_context",
    assigns=["span._.is_negated", "span._.is_historical", "span._.is_hypothetical"],
    requires=["doc.spans", "token.is_sent_start"],
    default_config={"spans_key": SPANS_KEY},
)
def make_context_tagger(nlp: Language, name: str, spans_key: str) -> ContextTagger:
    return ContextTagger(nlp, spans_key)

"""``trialnlp_constraints``: turn each criterion's mentions into Constraint records.

A thin wrapper: spans become :class:`~trialnlp.constraints.assemble.Mention` values, the
value and window parsers run over each criterion's own text, and
:func:`~trialnlp.constraints.assemble.assemble` does the rest.
"""

# No `from __future__ import annotations`: spaCy resolves factory signatures at runtime.

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.tokens.underscore import Underscore
from spacy.util import minibatch

from ..criteria.component import criteria_of
from ..extensions import doc_text
from .assemble import Mention, assemble, one_measure
from .candidates import code_constraints
from .entities import SPANS_KEY, entries
from .model import gap_in, model_mentions
from .phrases import LINE_WRAP
from .subjects import names_a_size
from .temporal import find_windows
from .values import find_values

_VALUE_HINT = re.compile(r"\d|ULN|LLN|normal|limit", re.IGNORECASE)
# Windows need an amount or a time word ("the past year", "at screening", "during the study").
_WINDOW_WORDS = (
    "year", "month", "week", "day", "hour", "study", "screen", "random", "enrol", "baseline",
    "past", "prior", "previous", "last", "next", "ago", "since", "consent", "dose", "surgery",
    "diagnos", "entry")
_WINDOW_HINT = re.compile(r"\d|" + "|".join(_WINDOW_WORDS), re.IGNORECASE)
_DIGIT = re.compile(r"\d")


def _may_hold_values(text: str) -> bool:
    """A cheap test before the value parser: values need a digit or a normal limit."""
    return _VALUE_HINT.search(text) is not None


def _may_hold_windows(text: str) -> bool:
    """``_WINDOW_HINT.search(text)``: for ASCII text, substring tests in the lower-cased
    text, several times faster than the case-insensitive alternation."""
    if not text.isascii():
        return _WINDOW_HINT.search(text) is not None
    if _DIGIT.search(text) is not None:
        return True
    lowered = text.lower()
    return any(word in lowered for word in _WINDOW_WORDS)


def _extension(span: Span, name: str, default: Any) -> Any:
    """``getattr(span._, name, default)``; a plain stored value (no getter or method, an
    immutable default) is read from ``doc.user_data`` under the key spaCy's Underscore
    uses, without building ``span._`` and going through its ``__getattr__``."""
    extension = Underscore.span_extensions.get(name)
    if extension is None:
        return default
    stored, method, getter, _ = extension
    if method is not None or getter is not None or isinstance(stored,
                                                              Underscore.mutable_types):
        return getattr(span._, name, default)
    return span.doc.user_data.get(("._.", name, span.start_char, span.end_char), stored)


def _triggers(span: Span, text: str | None) -> tuple[str, ...]:
    doc = span.doc
    found = []
    for modifier in _extension(span, "modifiers", None) or ():
        start, end = modifier.modifier_span
        if text is None or end <= start:
            words = doc[start:end].text
        else:
            last = doc[end - 1]
            words = text[doc[start].idx : last.idx + len(last)]
        found.append(f"{modifier.category.lower()}:{words}")
    return tuple(found)


def mention_of(span: Span, text: str | None = None) -> Mention:
    """``span`` (of ``trialnlp_entities``, with its ConText modifiers) as a Mention;
    ``text``: ``span.doc.text``, where the caller has it (it saves rebuilding words)."""
    span_id = span.id_
    entry = entries().get(span_id)
    concept = entry.concept if entry else span_id.removeprefix("drug:") or None
    flag = (lambda name: bool(_extension(span, name, False))) if Span.has_extension(
        "is_negated") else (lambda name: False)
    triggers = _triggers(span, text)
    negated = flag("is_negated")
    if entry is not None and entry.negated and not negated:  # "not pregnant" says it itself
        words = span.text if text is None else text[span.start_char : span.end_char]
        negated, triggers = True, (*triggers, f"negated_existence:{words}")
    # "no history of" is one (negation) modifier, yet it also says "in the past".
    historical = flag("is_historical") or any("history" in t for t in triggers)
    start, end = span.start_char, span.end_char
    return Mention(
        label=span.label_, start=start, end=end,
        text=span.text if text is None else text[start:end],
        concept=concept, code=span.kb_id_ or (entry.code if entry else None),
        entry_id=span_id or None, source="rule", negated=negated,
        historical=historical,
        hypothetical=flag("is_hypothetical") or bool(entry and entry.hypothetical),
        triggers=triggers,
        unit=entry.unit if entry else None, classes=entry.classes if entry else (),
    )


MODEL_MODES = ("gaps", "values", "all", "off")
MODEL_SPANS_KEY = "trialnlp_model_entities"
Entity = tuple[str, int, int, str]  # label, start, end (in the criterion's text), text
# criterion, its values, its windows, the measure its parent names
# (and whether it or one above it speaks of a lesion's size: subjects.names_a_size)
_Gap = tuple[Any, list[Any], list[Any], Mention | None, bool]
NER_BATCH = 256  # criteria per batch of the NER model (faster than its default of 1,000)


# Whitespace the NER model never saw in training (Chia has one criterion per line): a run of
# spaces or a line wrapped with indentation, as legacy CT.gov text wraps its lines.
_WRAP = re.compile(rf"{LINE_WRAP}|[ \t\u00a0]{{2,}}")


def _unwrap(text: str) -> tuple[str, list[int] | None]:
    """``text`` with its wraps read as one space, and where each of its characters was in
    ``text`` (None: unchanged)."""
    if _WRAP.search(text) is None:
        return text, None
    parts: list[str] = []
    where: list[int] = []
    last = 0
    for match in _WRAP.finditer(text):
        parts.append(text[last : match.start()])
        where.extend(range(last, match.start()))
        parts.append(" ")
        where.append(match.start())
        last = match.end()
    parts.append(text[last:])
    where.extend(range(last, len(text)))
    return "".join(parts), where


def _entities_in(text: str, model_doc: Doc, where: list[int] | None) -> tuple[Entity, ...]:
    """The model's entities, with offsets and words in ``text`` (before :func:`_unwrap`)."""
    if where is None:
        return tuple((e.label_, e.start_char, e.end_char, e.text) for e in model_doc.ents)
    found = []
    for e in model_doc.ents:
        start, end = where[e.start_char], where[e.end_char - 1] + 1
        found.append((e.label_, start, end, text[start:end]))
    return tuple(found)


class ConstraintBuilder:
    """Assemble each criterion's constraints; let the NER model fill the rules' gaps.

    ``model``: ``gaps`` runs the trained NER only on criteria where rules left a value
    without a subject or found nothing (per word the model takes several times the rules'
    time); ``values`` only where a value has no subject; ``all`` on every criterion;
    ``off`` never.  Without a shipped model, ``gaps`` and ``all`` behave as ``off``.

    Over ``nlp.pipe`` the model reads the gap criteria of a whole batch of documents at
    once (the matrix products are then large enough to run efficiently), and remembers
    the entities of the last ``cache_size`` criterion texts: the same criteria recur
    across trials ("Not pregnant or nursing", "See Disease Characteristics").  The
    model's output for a text depends on that text only, so neither changes the result.

    ``fuzzy_codes``: a condition no lexicon name coded gets the accepted ICD-10-CM
    candidate of its name (:mod:`~trialnlp.constraints.candidates`, one batched query per
    batch of documents); every coded constraint says how (``code_method``).
    """

    def __init__(self, nlp: Language, spans_key: str = SPANS_KEY, model: str = "gaps",
                 cache_size: int = 20_000, fuzzy_codes: bool = True) -> None:
        if model not in MODEL_MODES:
            raise ValueError(f"model={model!r}; expected one of {', '.join(MODEL_MODES)}")
        self.nlp = nlp
        self.spans_key = spans_key
        self.model = model
        self.cache_size = cache_size
        self.fuzzy_codes = fuzzy_codes
        self._ner: Language | None = None
        self._context: Any = None
        self._cache: dict[str, tuple[Entity, ...]] = {}
        self._cache_lock = threading.Lock()

    def load_model(self) -> Language | None:
        """The NER model, loaded on first use (or now: the fork server of ``--jobs``
        loads it once for all workers); None (mode ``off``) where none is shipped."""
        if self._ner is None:
            from ..ner import load_ner, model_available

            if not model_available():
                self.model = "off"
                return None
            from .context import ContextTagger

            self._ner = load_ner()
            self._context = ContextTagger(self.nlp, MODEL_SPANS_KEY)
        return self._ner

    def __call__(self, doc: Doc, model: str | None = None) -> Doc:
        """``model`` overrides the component's mode for this call (``nlp.pipe(...,
        component_cfg={"trialnlp_constraints": {"model": "off"}})``)."""
        self._process([doc], model)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64,
             model: str | None = None) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            self._process(batch, model)
            yield from batch

    def _process(self, docs: list[Doc], model: str | None) -> None:
        mode = self.model if model is None else model
        if mode not in MODEL_MODES:
            raise ValueError(f"model={mode!r}; expected one of {', '.join(MODEL_MODES)}")
        pending = []
        for doc in docs:
            text = doc_text(doc)
            mentions, gaps = self._rules(doc, text, mode)
            if gaps:
                pending.append((doc, text, mentions, gaps))
        if pending and self.load_model() is not None:
            texts = [text[criterion.start : criterion.end]
                     for _, text, _, gaps in pending for criterion, *_ in gaps]
            found = iter(self._entities(texts))
            for doc, text, mentions, gaps in pending:
                self._fill_gaps(doc, text, mentions, gaps, [next(found) for _ in gaps])
        code_constraints([constraint for doc in docs for top in criteria_of(doc)
                          for criterion in top.walk() for constraint in criterion.constraints],
                         fuzzy=self.fuzzy_codes)

    def _rules(self, doc: Doc, text: str, mode: str) -> tuple[list[Mention], list[_Gap]]:
        """Every criterion's constraints from the rules; the criteria the model should read."""
        mentions = [mention_of(span, text) for span in doc.spans.get(self.spans_key, [])]
        # assemble() keeps the mentions inside the criterion: give it those that start
        # there (mentions come sorted by start from trialnlp_entities; sorted here anyway).
        mentions = sorted(mentions, key=lambda m: m.start)
        starts = [m.start for m in mentions]
        gaps = []
        named: dict[str, Mention | None] = {}  # criterion id -> the one measure it names
        sized: dict[str, bool] = {}  # criterion id -> it or one above it names a lesion size
        for top in criteria_of(doc):
            for criterion in top.walk():
                own = text[criterion.start : criterion.end]
                shift = criterion.start
                values = [replace(v, start=v.start + shift, end=v.end + shift)
                          for v in find_values(own)] if _may_hold_values(own) else []
                windows = [replace(w, start=w.start + shift, end=w.end + shift)
                           for w in find_windows(own)] if _may_hold_windows(own) else []
                inside = mentions[bisect_left(starts, criterion.start):
                                  bisect_right(starts, criterion.end)]
                parent = named.get(criterion.parent_id) if criterion.parent_id else None
                named[criterion.criterion_id] = one_measure(inside)
                size = sized[criterion.criterion_id] = sized.get(
                    criterion.parent_id or "", False) or names_a_size(own) or names_a_size(
                    criterion.heading)
                criterion.constraints = assemble(text, criterion, inside, values, windows,
                                                 parent, sized=size)
                if mode == "all" or (mode in ("gaps", "values") and gap_in(
                        text, criterion.start, criterion.end, inside,
                        criterion.constraints, values, empty=mode == "gaps")):
                    gaps.append((criterion, values, windows, parent, size))
        return mentions, gaps

    def _entities(self, texts: list[str]) -> list[tuple[Entity, ...]]:
        """The model's entities in each text: from the cache, else from one ``pipe``."""
        assert self._ner is not None
        cache = self._cache
        found = [cache.get(text) for text in texts]
        missing = list(dict.fromkeys(t for t, f in zip(texts, found, strict=True) if f is None))
        if not missing:
            return found  # type: ignore[return-value]
        from ..ner import one_blas_thread

        unwrapped = [_unwrap(text) for text in missing]
        with one_blas_thread():
            model_docs = list(self._ner.pipe([flat for flat, _ in unwrapped],
                                             batch_size=NER_BATCH))
        fresh = {text: _entities_in(text, model_doc, where)
                 for text, (_, where), model_doc in zip(missing, unwrapped, model_docs,
                                                        strict=True)}
        with self._cache_lock:  # (a Dask worker may run several threads)
            cache.update(fresh)
            for oldest in list(islice(cache, max(0, len(cache) - self.cache_size))):
                del cache[oldest]  # dicts keep insertion order: the oldest first
        return [f if f is not None else fresh[t] for t, f in zip(texts, found, strict=True)]

    def _fill_gaps(self, doc: Doc, text: str, mentions: list[Mention], gaps: list[_Gap],
                   found_in: list[tuple[Entity, ...]]) -> None:
        """Assemble the gap criteria again with the model's mentions."""
        entities = [(label, start + criterion.start, end + criterion.start, words)
                    for (criterion, *_), found in zip(gaps, found_in, strict=True)
                    for label, start, end, words in found]
        found = model_mentions(entities, mentions, text)
        if not found:
            return
        found = self._with_context(doc, found)
        # assemble() keeps only what lies in its criterion: hand it the mentions that start
        # there, in their order (stable sorts), so a long record stays linear.
        found = sorted(found, key=lambda m: m.start)
        rule_starts = [m.start for m in mentions]
        found_starts = [m.start for m in found]
        for criterion, values, windows, parent, size in gaps:
            low, high = criterion.start, criterion.end
            near = [*mentions[bisect_left(rule_starts, low):bisect_right(rule_starts, high)],
                    *found[bisect_left(found_starts, low):bisect_right(found_starts, high)]]
            criterion.constraints = assemble(text, criterion, near, values, windows, parent,
                                             sized=size)

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
    default_config={"spans_key": SPANS_KEY, "model": "gaps", "fuzzy_codes": True},
)
def make_constraint_builder(nlp: Language, name: str, spans_key: str, model: str,
                            fuzzy_codes: bool) -> ConstraintBuilder:
    return ConstraintBuilder(nlp, spans_key, model, fuzzy_codes=fuzzy_codes)

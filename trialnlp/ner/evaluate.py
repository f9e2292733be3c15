"""Scoring an NER pipeline on a BRAT corpus of the Chia shape.

Scoring definition (also in ``models/MODEL_CARD.md``):

* **Reference.** The gold entities of the evaluated types after the same conversion as
  training (``trialnlp.ner.convert``): discontinuous entities become their covering span
  (first fragment start to last fragment end), blanks are trimmed, spans across a line end
  are dropped, overlapping spans are reduced to one flat layer (the eight evaluated types
  first, longest first). Error labels, relations and ``*`` lines are never entities.
  ``flat_reference=False`` keeps every (covering) span instead, nested ones included, to
  show what the flat conversion costs in recall.
* **Prediction.** The pipeline runs on each criterion (each non-blank line) separately,
  as in training; predicted offsets are mapped back to the file.
* **Exact** match: same (start, end, type). **Relaxed** (overlap) match: same type and at
  least one character in common; each gold and each predicted entity is matched at most
  once (exact pairs first, then the largest overlaps).
* Precision, recall and F1 per type and **micro-averaged** over the evaluated types
  (by default the eight: Condition, Drug, Procedure, Measurement, Observation, Person,
  Value, Temporal).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .brat import BratDocument, iter_corpus
from .convert import EVAL_TYPES, MODEL_TYPES, EntitySpan, convert_document, criterion_lines


@dataclass(frozen=True, slots=True)
class PRF:
    """Counts of one comparison, with precision, recall and F1 derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class EvalReport:
    """Per-type and micro-averaged scores, exact and relaxed, plus speed."""

    types: tuple[str, ...]
    exact: dict[str, PRF]
    relaxed: dict[str, PRF]
    documents: int = 0
    criteria: int = 0
    words: int = 0
    seconds: float = 0.0
    flat_reference: bool = True
    model: str = ""

    @property
    def exact_micro(self) -> PRF:
        return sum((self.exact[t] for t in self.types), PRF())

    @property
    def relaxed_micro(self) -> PRF:
        return sum((self.relaxed[t] for t in self.types), PRF())

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "types": list(self.types),
            "flat_reference": self.flat_reference,
            "documents": self.documents,
            "criteria": self.criteria,
            "words": self.words,
            "seconds": round(self.seconds, 3),
            "words_per_second": round(self.words_per_second, 1),
            "micro": {
                "exact": self.exact_micro.to_dict(),
                "relaxed": self.relaxed_micro.to_dict(),
            },
            "per_type": {
                t: {"exact": self.exact[t].to_dict(), "relaxed": self.relaxed[t].to_dict()}
                for t in self.types
            },
        }


def gold_spans(
    document: BratDocument, types: Sequence[str] = EVAL_TYPES, flat: bool = True
) -> list[EntitySpan]:
    """The reference entities of ``types`` in a document (see the module docstring)."""
    wanted = set(types)
    if flat:
        labels = tuple(dict.fromkeys((*MODEL_TYPES, *types)))
        spans = convert_document(document, labels=labels, primary=EVAL_TYPES)
    else:
        from .convert import entity_span

        spans = sorted(
            {
                span
                for entity in document.entities
                if entity.label in wanted
                and (span := entity_span(entity, document.text)) is not None
            }
        )
    return [span for span in spans if span.label in wanted]


def match_exact(gold: Iterable[EntitySpan], pred: Iterable[EntitySpan]) -> PRF:
    gold_set, pred_set = set(gold), set(pred)
    tp = len(gold_set & pred_set)
    return PRF(tp, len(pred_set) - tp, len(gold_set) - tp)


def match_relaxed(gold: Sequence[EntitySpan], pred: Sequence[EntitySpan]) -> PRF:
    """One-to-one matching of same-type overlapping spans: exact pairs, then largest overlaps."""
    gold_list, pred_list = sorted(set(gold)), sorted(set(pred))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    exact_index = {span: i for i, span in enumerate(gold_list)}
    for j, span in enumerate(pred_list):
        i = exact_index.get(span)
        if i is not None:
            used_gold.add(i)
            used_pred.add(j)
    pairs = []
    for i, g in enumerate(gold_list):
        if i in used_gold:
            continue
        for j, p in enumerate(pred_list):
            if j not in used_pred and g.label == p.label and g.overlaps(p):
                overlap = min(g.end, p.end) - max(g.start, p.start)
                pairs.append((-overlap, g.start, p.start, i, j))
    for _, _, _, i, j in sorted(pairs):
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
    tp = len(used_gold)
    return PRF(tp, len(pred_list) - tp, len(gold_list) - tp)


def predict_criteria(
    nlp, documents: Sequence[BratDocument], batch_size: int = 256
) -> tuple[list[list[EntitySpan]], int, int]:
    """Run ``nlp`` on every criterion (line) of ``documents`` in one stream.

    Returns (entities per document with offsets into the file, criteria, words).
    """
    jobs = [
        (index, start, document.text[start:end])
        for index, document in enumerate(documents)
        for start, end in criterion_lines(document.text)
    ]
    spans: list[list[EntitySpan]] = [[] for _ in documents]
    words = 0
    docs = nlp.pipe((text for _, _, text in jobs), batch_size=batch_size)
    for (index, start, _), doc in zip(jobs, docs, strict=True):
        words += len(doc)
        spans[index].extend(
            EntitySpan(start + ent.start_char, start + ent.end_char, ent.label_) for ent in doc.ents
        )
    return spans, len(jobs), words


def evaluate_brat(
    directory: str | Path,
    nlp=None,
    types: Sequence[str] | None = None,
    flat_reference: bool = True,
) -> EvalReport:
    """Score ``nlp`` (default: the shipped model, ``load_ner()``) on a BRAT folder."""
    if nlp is None:
        from . import load_ner

        nlp = load_ner()
    types = tuple(types) if types else EVAL_TYPES
    documents = list(iter_corpus(directory))
    started = time.perf_counter()
    predicted, criteria, words = predict_criteria(nlp, documents)
    seconds = time.perf_counter() - started
    exact = {t: PRF() for t in types}
    relaxed = {t: PRF() for t in types}
    for document, document_spans in zip(documents, predicted, strict=True):
        gold = gold_spans(document, types, flat=flat_reference)
        for label in types:
            g = [span for span in gold if span.label == label]
            p = [span for span in document_spans if span.label == label]
            exact[label] += match_exact(g, p)
            relaxed[label] += match_relaxed(g, p)
    meta = getattr(nlp, "meta", {}) or {}
    return EvalReport(
        types=types,
        exact=exact,
        relaxed=relaxed,
        documents=len(documents),
        criteria=criteria,
        words=words,
        seconds=seconds,
        flat_reference=flat_reference,
        model=f"{meta.get('name', '')}-{meta.get('version', '')}".strip("-"),
    )

"""BRAT (Chia) -> flat, non-overlapping entity spans -> spaCy training docs.

The conversion decisions (also in ``models/MODEL_CARD.md``):

* **Unit of text.** Chia puts one criterion per line. Each non-empty line is one example
  (one ``Doc``); line ends (``\\n`` or ``\\r\\n``) and trailing blanks are not part of it.
* **Entity types.** Only the types in ``labels`` are kept (by default the eight evaluated
  types plus the helper types the shipped model predicts, ``MODEL_TYPES``). Annotator error
  labels (``ERROR_LABELS``: Non-query-able, Parsing_Error, ...) and the other Chia types
  (Mood, Visit, Scope, ...) are never entities here. Relations, ``*\\tOR`` groups and other
  non-``T`` lines are not read at all.
* **Discontinuous entities** (``10 15;20 30``) become the covering span, from the first
  fragment's start to the last fragment's end: ``renal or hepatic function`` for "renal
  function" + "hepatic function". The covering spans of coordinated entities usually
  coincide and collapse into one.
* **Blank trimming.** Leading/trailing whitespace is cut off a span (some Chia offsets
  include the ``\\r`` of a line end). A span that still crosses a line end (2 in Chia train)
  is dropped.
* **Overlaps** (nested or crossing annotations) are resolved greedily into one flat layer:
  the evaluated (``primary``) types first, then the helper types, each group longest span
  first, ties by earliest start, then by the order of ``labels``. A span that overlaps an
  already kept one is dropped. So the eight types never lose a span to a helper type, and
  the reference used for scoring does not depend on which helper types a model predicts.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .brat import BratDocument, BratEntity, iter_corpus
from .labels import ERROR_LABELS, EVAL_TYPES, EXTRA_TYPES, MODEL_TYPES

__all__ = [
    "ERROR_LABELS",
    "EVAL_TYPES",
    "EXTRA_TYPES",
    "MODEL_TYPES",
    "ConversionStats",
    "Criterion",
    "EntitySpan",
    "convert_corpus",
    "convert_document",
    "criterion_lines",
    "entity_span",
    "iter_criteria",
    "resolve_overlaps",
    "split_criteria",
    "to_doc",
]


@dataclass(frozen=True, slots=True, order=True)
class EntitySpan:
    """A flat entity: ``text[start:end]`` labelled ``label`` (character offsets)."""

    start: int
    end: int
    label: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"EntitySpan: expected 0 <= start < end, got {self.start}-{self.end}")

    def overlaps(self, other: EntitySpan) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of a BRAT document with its entities (offsets relative to the line)."""

    doc_name: str
    offset: int
    text: str
    spans: tuple[EntitySpan, ...]


@dataclass
class ConversionStats:
    """What the conversion kept and dropped, per reason (printed by the CLI)."""

    documents: int = 0
    criteria: int = 0
    kept: Counter[str] = field(default_factory=Counter)
    discontinuous: Counter[str] = field(default_factory=Counter)
    dropped_overlap: Counter[str] = field(default_factory=Counter)
    dropped_line_break: Counter[str] = field(default_factory=Counter)
    dropped_misaligned: Counter[str] = field(default_factory=Counter)
    expanded_to_tokens: Counter[str] = field(default_factory=Counter)
    ignored_labels: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        def total(counter: Counter[str]) -> int:
            return sum(counter.values())

        return (
            f"{self.documents} documents, {self.criteria} criteria, "
            f"{total(self.kept)} entities kept ({total(self.discontinuous)} from discontinuous), "
            f"dropped: {total(self.dropped_overlap)} overlapping, "
            f"{total(self.dropped_line_break)} across a line break, "
            f"{total(self.dropped_misaligned)} not alignable to tokens; "
            f"{total(self.expanded_to_tokens)} expanded to token bounds; "
            f"{total(self.ignored_labels)} annotations of other labels ignored"
        )


def entity_span(entity: BratEntity, text: str) -> EntitySpan | None:
    """The covering span of ``entity`` trimmed of blanks; None if empty or across a line."""
    start, end = entity.start, entity.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end or "\n" in text[start:end] or "\r" in text[start:end]:
        return None
    return EntitySpan(start, end, entity.label)


def resolve_overlaps(
    spans: Iterable[EntitySpan],
    labels: Sequence[str],
    primary: Iterable[str] = EVAL_TYPES,
) -> tuple[list[EntitySpan], list[EntitySpan]]:
    """One flat layer out of possibly overlapping spans: (kept, dropped), kept in text order.

    Order of preference: ``primary`` labels before the others, longer before shorter,
    earlier before later, then the order of ``labels``. Exact duplicates count once.
    """
    primary = frozenset(primary)
    rank = {label: index for index, label in enumerate(labels)}
    unique = sorted(
        set(spans),
        key=lambda span: (
            span.label not in primary,
            -(span.end - span.start),
            span.start,
            rank.get(span.label, len(rank)),
        ),
    )
    kept: list[EntitySpan] = []
    dropped: list[EntitySpan] = []
    for span in unique:
        if any(span.overlaps(other) for other in kept):
            dropped.append(span)
        else:
            kept.append(span)
    return sorted(kept), dropped


def convert_document(
    document: BratDocument,
    labels: Sequence[str] = MODEL_TYPES,
    primary: Iterable[str] = EVAL_TYPES,
    stats: ConversionStats | None = None,
) -> list[EntitySpan]:
    """The flat entities of a document (offsets into ``document.text``)."""
    wanted = set(labels)
    candidates: list[EntitySpan] = []
    for entity in document.entities:
        if entity.label not in wanted:
            if stats is not None:
                stats.ignored_labels[entity.label] += 1
            continue
        span = entity_span(entity, document.text)
        if span is None:
            if stats is not None:
                stats.dropped_line_break[entity.label] += 1
            continue
        if stats is not None and entity.is_discontinuous:
            stats.discontinuous[entity.label] += 1
        candidates.append(span)
    kept, dropped = resolve_overlaps(candidates, labels, primary)
    if stats is not None:
        stats.documents += 1
        stats.kept.update(span.label for span in kept)
        # Exact duplicates (the same span twice) are not counted as dropped.
        stats.dropped_overlap.update(span.label for span in dropped)
    return kept


def criterion_lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-blank line of ``text``, without line end and outer blanks."""
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            yield start, end


def split_criteria(document: BratDocument, spans: Sequence[EntitySpan]) -> list[Criterion]:
    """The document's lines as criteria, each with the spans inside it (line offsets)."""
    criteria = []
    for start, end in criterion_lines(document.text):
        inside = tuple(
            EntitySpan(span.start - start, span.end - start, span.label)
            for span in spans
            if start <= span.start and span.end <= end
        )
        criteria.append(Criterion(document.name, start, document.text[start:end], inside))
    return criteria


def iter_criteria(
    directory: str | Path,
    labels: Sequence[str] = MODEL_TYPES,
    primary: Iterable[str] = EVAL_TYPES,
    stats: ConversionStats | None = None,
) -> Iterator[Criterion]:
    """Every criterion (line) of a BRAT folder with its converted entities."""
    for document in iter_corpus(directory):
        spans = convert_document(document, labels, primary, stats)
        for criterion in split_criteria(document, spans):
            if stats is not None:
                stats.criteria += 1
            yield criterion


def to_doc(nlp, criterion: Criterion, stats: ConversionStats | None = None):  # -> Doc
    """A training ``Doc`` for a criterion: its tokens and its entities as ``doc.ents``.

    A span whose bounds fall inside a token is expanded to the token bounds unless that makes
    it overlap a neighbour, in which case it is dropped (the shipped tokenizer keeps this
    rare; see ``trialnlp.ner.tokenizer``).
    """
    doc = nlp.make_doc(criterion.text)
    ents = []
    taken: set[int] = set()
    for span in criterion.spans:
        entity = doc.char_span(span.start, span.end, label=span.label)
        if entity is None:
            entity = doc.char_span(span.start, span.end, label=span.label, alignment_mode="expand")
            if entity is not None and stats is not None:
                stats.expanded_to_tokens[span.label] += 1
        if entity is None or any(i in taken for i in range(entity.start, entity.end)):
            if stats is not None:
                stats.dropped_misaligned[span.label] += 1
            continue
        taken.update(range(entity.start, entity.end))
        ents.append(entity)
    doc.ents = ents
    return doc


def convert_corpus(
    directory: str | Path,
    output: str | Path,
    nlp=None,
    labels: Sequence[str] = MODEL_TYPES,
) -> ConversionStats:
    """Write the criteria of a BRAT folder as a spaCy ``DocBin`` (``.spacy``) file."""
    from spacy.tokens import DocBin

    from .tokenizer import blank_nlp

    nlp = nlp if nlp is not None else blank_nlp()
    stats = ConversionStats()
    docbin = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for criterion in iter_criteria(directory, labels, EVAL_TYPES, stats):
        docbin.add(to_doc(nlp, criterion, stats))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(output)
    return stats


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m trialnlp.ner.convert BRAT_DIR OUT.spacy``"""
    parser = argparse.ArgumentParser(description="Convert a BRAT (Chia) folder to a DocBin.")
    parser.add_argument("brat_dir", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument(
        "--labels", default=",".join(MODEL_TYPES), help="comma-separated entity types to keep"
    )
    args = parser.parse_args(argv)
    labels = tuple(label for label in args.labels.split(",") if label)
    stats = convert_corpus(args.brat_dir, args.output, labels=labels)
    print(f"{args.brat_dir} -> {args.output}: {stats.summary()}")


if __name__ == "__main__":
    main()

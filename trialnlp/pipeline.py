"""Build the spaCy pipeline and run it over source records.

Stages, in the order data flows: readers (``trialnlp.readers``) -> ``trialnlp_sections``
-> ``trialnlp_criteria`` -> (constraint components) -> :class:`~trialnlp.trial.Trial`.
The pipeline starts from ``spacy.blank("en")``: everything it knows comes from rules in
``rules/`` and models in ``models/``, never from a download.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from .criteria.component import criteria_of
from .errors import InputError
from .extensions import TEXT_KEY, register_extensions
from .ner.tokenizer import customize_tokenizer
from .options import (  # noqa: F401  (re-exported: trialnlp.pipeline.MODEL_MODES, ...)
    DEFAULT_MAX_CHARS,
    DEFAULT_MODEL,
    DEFAULT_PIPES,
    MODEL_MODES,
    check_max_chars,
    check_model,
    too_long,
)
from .sections.fields import structured_from_page
from .trial import Trial
from .types import ReadError, SourceRecord

# Importing the component modules registers their factories (the entry points in
# pyproject.toml do the same for spacy.load).
from .constraints import component as _constraints_component  # noqa: F401  isort: skip
from .constraints import context as _context_component  # noqa: F401  isort: skip
from .constraints import entities as _entities_component  # noqa: F401  isort: skip
from .criteria import component as _criteria_component  # noqa: F401  isort: skip
from .sections import component as _sections_component  # noqa: F401  isort: skip


def build_pipeline(
    pipes: Iterable[str] = DEFAULT_PIPES, *, model: str | None = None,
    max_chars: int | None = None,
) -> Language:
    """A fresh pipeline with the given trialnlp components, in order.

    ``model`` sets how much the NER model does (``off``, ``values``, ``gaps``: the
    default, ``all``; see :class:`~trialnlp.constraints.component.ConstraintBuilder`);
    ``max_chars`` the longest record it parses (``nlp.max_length``; default 1,000,000).
    """
    check_model(model)
    register_extensions()
    # The NER model's tokenizer: splits "AST≥2.5", "MTX(≤15" at comparators and brackets,
    # so rule and model components see the same tokens.
    nlp = customize_tokenizer(spacy.blank("en"))
    nlp.max_length = DEFAULT_MAX_CHARS if max_chars is None else check_max_chars(max_chars)
    for pipe in pipes:
        config = {"model": model} if model is not None and pipe == "trialnlp_constraints" \
            else {}
        nlp.add_pipe(pipe, config=config)
    return nlp


@cache
def default_pipeline() -> Language:
    """The default pipeline, built once per process."""
    return build_pipeline()


def _doc_for(nlp: Language, record: SourceRecord) -> Doc:
    # The tokenizer itself, not nlp.make_doc: the length was checked (too_long), against
    # a limit that may be above nlp.max_length.
    doc = nlp.tokenizer(record.text)
    doc._.trialnlp_is_page = record.is_page
    doc.user_data[TEXT_KEY] = record.text  # what doc.text would join (spaCy is lossless)
    return doc


def _trial_from(doc: Doc, record: SourceRecord) -> Trial:
    structured = record.structured
    if record.is_page:
        structured = structured.merged_over(structured_from_page(record.text))
    warnings = list(record.warnings)
    sections = doc._.trialnlp_sections or []
    for section in sections:
        if section.end <= section.start:
            warnings.append(f"{section.name} section is empty")
    if not record.text.strip():
        warnings.append("no eligibility text")
    elif not sections:
        warnings.append("no eligibility section found")
    return Trial(
        trial_id=record.trial_id or record.source, source=record.source, format=record.format,
        text=record.text, structured=structured, sections=list(sections),
        criteria=criteria_of(doc), warnings=tuple(warnings),
    )


def parse_records(
    records: Iterable[SourceRecord | ReadError], nlp: Language | None = None,
    batch_size: int = 64, *, model: str | None = None, max_chars: int | None = None,
) -> Iterator[Trial]:
    """One Trial per record, in order; a ReadError becomes an error Trial.

    A record longer than ``max_chars`` characters (default ``nlp.max_length``) becomes an
    error Trial too, before it is tokenized.  ``model`` overrides, for this call, the
    mode of the pipeline's ``trialnlp_constraints`` component (see :data:`MODEL_MODES`).
    """
    check_model(model)
    nlp = nlp or default_pipeline()
    limit = nlp.max_length if max_chars is None else check_max_chars(max_chars)
    component_cfg = {"trialnlp_constraints": {"model": model}} \
        if model is not None and "trialnlp_constraints" in nlp.pipe_names else None
    pending: list[SourceRecord | ReadError] = []

    def flush() -> Iterator[Trial]:
        good = [r for r in pending if isinstance(r, SourceRecord)]
        docs = iter(nlp.pipe((_doc_for(nlp, r) for r in good), batch_size=batch_size,
                             component_cfg=component_cfg))
        for item in pending:
            if isinstance(item, ReadError):
                yield Trial.failed(item.trial_id, item.source, item.reason)
            else:
                yield _trial_from(next(docs), item)
        pending.clear()

    from .readers import valid_unicode

    for record in records:
        pending.append(too_long(record, limit) or valid_unicode(record))
        if len(pending) >= batch_size:
            yield from flush()
    yield from flush()


def extract(
    source: str | os.PathLike[str] | Mapping[str, Any], trial_id: str | None = None,
    nlp: Language | None = None, *, model: str | None = None, max_chars: int | None = None,
    **read_options: Any,
) -> Trial:
    """Parse one trial from text, a file path or a record (dict).

    ``model`` (``off``, ``values``, ``gaps``, ``all``) and ``max_chars`` as for
    :func:`parse_records`; by default the pipeline's own (``gaps``, 1,000,000).

    Raises :class:`~trialnlp.errors.InputError` when the input cannot be read, or when it
    holds more than one trial (use :func:`extract_many`).
    """
    from .readers import read_source

    records = read_source(source, **read_options)
    if len(records) != 1:
        raise InputError(_describe(source), f"holds {len(records)} trials; use extract_many()")
    record = records[0]
    if trial_id is not None:
        record = replace(record, trial_id=trial_id)
    return next(parse_records([record], nlp, model=model, max_chars=max_chars))


def extract_many(
    sources: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    nlp: Language | None = None, batch_size: int = 64, *, model: str | None = None,
    max_chars: int | None = None, **read_options: Any,
) -> Iterator[Trial]:
    """Lazily parse every trial in files, directories, globs or ``-`` (stdin).

    Records that cannot be read, or longer than ``max_chars``, are yielded as Trials with
    ``status == "error"``; ``model`` as for :func:`parse_records`.
    """
    from .readers import read_sources

    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    yield from parse_records(read_sources(sources, **read_options), nlp, batch_size,
                             model=model, max_chars=max_chars)


def _describe(source: object) -> str:
    if isinstance(source, Mapping):
        return "<record>"
    text = os.fspath(source) if isinstance(source, os.PathLike) else str(source)
    return text if len(text) < 80 and "\n" not in text else "<string>"

"""What runs inside a worker process: one pipeline per process, plain data in and out.

spaCy/medspaCy objects do not pickle, so nothing of the pipeline crosses a process
boundary: a chunk of records arrives as plain dicts (:func:`record_to_dict`), each worker
builds the pipeline once (in the pool's initializer, or on first use on a Dask worker) and
sends back the trials as plain nested tuples (:mod:`trialnlp.batch.codec`: what
``Trial.to_dict(include_text=True)`` holds, in a form that is several times cheaper to
pickle and rebuild), which the main process turns back into :class:`~trialnlp.trial.Trial`
objects; or, for a batch writing files, each trial's counts and its rendered output (CSV
text, a JSON line), which the main process only writes.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import TrialnlpError
from ..options import DEFAULT_MAX_CHARS, check_model, too_long
from ..trial import Trial
from ..types import ReadError, SourceRecord, StructuredFields
from .codec import encode_trial

if TYPE_CHECKING:  # spaCy and the pipeline are imported where a pipeline is built: the
    # main process of a multi-worker run never needs them (trialnlp.options)
    from spacy.language import Language

Item = SourceRecord | ReadError
PlainItem = dict[str, Any]
Pipes = tuple[str, ...] | None  # None: the default pipeline



@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Per-run options of the pipeline, sent with every chunk (the pipeline of a worker is
    built once, whatever they are).  None: the pipeline's own setting."""

    model: str | None = None  # off | values | gaps | all (parse_records(model=))
    max_chars: int | None = None  # the longest record parsed (parse_records(max_chars=))

    def __post_init__(self) -> None:
        check_model(self.model)
        if self.max_chars is not None and self.max_chars < 1:
            raise ValueError(f"max_chars must be at least 1, got {self.max_chars}")

    def limit(self, item: Item) -> Item:
        """``item``, or the error it becomes when it is over the size limit: checked where
        the records are read, before a long text is sent anywhere."""
        return too_long(item, self.max_chars or DEFAULT_MAX_CHARS) or item


DEFAULT_OPTIONS = ParseOptions()

_pipelines: dict[Pipes, Language] = {}
_lock = threading.Lock()
_init_error: str | None = None


# -- plain data ----------------------------------------------------------------------
def record_to_dict(item: Item) -> PlainItem:
    """A reader's output as plain data (picklable by anything, JSON-ready)."""
    if isinstance(item, ReadError):
        return {"kind": "error", "source": item.source, "reason": item.reason,
                "trial_id": item.trial_id}
    return {
        "kind": "record", "text": item.text, "source": item.source, "format": item.format,
        "trial_id": item.trial_id, "structured": item.structured.to_dict(),
        "is_page": item.is_page, "warnings": list(item.warnings),
    }


def record_from_dict(data: PlainItem) -> Item:
    if data["kind"] == "error":
        return ReadError(data["source"], data["reason"], data.get("trial_id"))
    return SourceRecord(
        text=data["text"], source=data["source"], format=data["format"],
        trial_id=data.get("trial_id"),
        structured=StructuredFields.from_dict(data.get("structured") or {}),
        is_page=bool(data.get("is_page")), warnings=tuple(data.get("warnings") or ()),
    )


# -- the pipeline, once per process ------------------------------------------------------
def worker_pipeline(pipes: Pipes = None) -> Language:
    """The pipeline of this process, built on first use and kept (one per process)."""
    with _lock:
        nlp = _pipelines.get(pipes)
        if nlp is None:
            from ..pipeline import build_pipeline, default_pipeline

            nlp = default_pipeline() if pipes is None else build_pipeline(pipes)
            _pipelines[pipes] = nlp
        return nlp


def init_worker(pipes: Pipes = None) -> None:
    """Pool initializer: leave Ctrl-C to the main process, exit with it, load the pipeline."""
    global _init_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    try:
        worker_pipeline(pipes)
    except Exception as error:  # reported with the first chunk, as a one-line error
        _init_error = f"{type(error).__name__}: {error}"
    # The pipeline lives as long as the worker: keep the garbage collector off it.
    gc.collect()
    gc.freeze()


def _exit_with_parent() -> None:
    """A worker whose main process was killed (kill -9) would wait for work forever: a
    watcher thread ends it as soon as the main process is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="trialnlp-parent-watch", daemon=True).start()


# -- processing ----------------------------------------------------------------------------
def process_items(items: Sequence[Item], nlp: Language, batch_size: int = 64,
                  options: ParseOptions = DEFAULT_OPTIONS) -> list[Trial]:
    """One Trial per item, in order, whatever happens (``options``: model mode, size limit).

    A record that makes the pipeline itself raise becomes an error Trial naming the
    exception (the rest of the chunk is redone one record at a time), so a batch never
    loses a record and never stops on one.
    """
    from ..pipeline import parse_records

    with contextlib.suppress(Exception):  # the record at fault is isolated below
        return list(parse_records(items, nlp, batch_size, model=options.model,
                                  max_chars=options.max_chars))
    trials: list[Trial] = []
    for item in items:
        try:
            trials.extend(parse_records([item], nlp, 1, model=options.model,
                                        max_chars=options.max_chars))
        except Exception as error:
            trials.append(Trial.failed(
                item.trial_id, item.source,
                f"the pipeline failed on this record: {type(error).__name__}: {error}",
            ))
    return trials


def record_text(item: Item) -> str:
    return item.text if isinstance(item, SourceRecord) else ""


Render = Callable[[Trial], Any]  # a writer's renderer (trialnlp.export.writers)
Summary = tuple[str, str, "str | None", int, int]  # status, source, error, criteria, constraints


def summarize(trial: Trial) -> Summary:
    """What a batch counts of a trial (its summary line, its error message)."""
    return (trial.status, trial.source, trial.error, sum(1 for _ in trial.iter_criteria()),
            sum(1 for _ in trial.iter_constraints()))


def render_items(items: Sequence[Item], nlp: Language, render: Render,
                 options: ParseOptions = DEFAULT_OPTIONS) -> list[Any]:
    """``(summarize(trial), render(trial))`` for the trial of each item, in order."""
    return [(summarize(trial), render(trial))
            for trial in process_items(items, nlp, options=options)]


def run_chunk(
    chunk: Iterable[PlainItem], pipes: Pipes = None, render: Render | None = None,
    options: ParseOptions = DEFAULT_OPTIONS,
) -> list[Any]:
    """Worker entry point: plain records in, one result per record out, in order.

    Without ``render``: the trials, in the compact form of :mod:`trialnlp.batch.codec`
    (``decode_trial`` rebuilds them).  With a writer's ``render``: ``(summary, rendered)``
    pairs (:func:`render_items`), ready to be written: the main process then has no
    per-row work left.
    """
    if _init_error is not None:
        raise TrialnlpError(f"a worker could not load the pipeline: {_init_error}")
    items = [record_from_dict(data) for data in chunk]
    nlp = worker_pipeline(pipes)
    if render is not None:
        return render_items(items, nlp, render, options)
    trials = process_items(items, nlp, options=options)
    return [encode_trial(t, record_text(i)) for t, i in zip(trials, items, strict=True)]

"""``run_batch``: inputs -> engine -> writer, streaming, checkpointed, resumable.

Data flow, every stage lazy and bounded: ``stream_records`` reads one record at a time;
the engine holds at most ``max_in_flight`` chunks; each chunk's Trials are written, the
writer flushed and the progress sidecar updated (``resume.py``) before the next.  Memory
does not grow with the input: the run keeps counts, and the first few error messages.

Signals: while a chunk is being written and checkpointed, Ctrl-C and SIGTERM are held back
and delivered right after, so an interrupted run always stops between chunks; the
writers are then closed cleanly (a JSON list gets its closing bracket, Parquet its footer)
and :class:`BatchInterrupted` (a KeyboardInterrupt) is raised with the summary.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import TrialnlpError, UsageError
from ..export.writers import APPENDABLE, flush_writer, open_writer, resolve_format
from ..options import DEFAULT_MAX_CHARS, DEFAULT_MODEL, DEFAULT_PIPES
from ..readers import read_sources
from . import resume as progress_file
from .engine import DEFAULT_CHUNK_SIZE, trial_chunks
from .inputs import ByteProgress, Inputs, scan_inputs, stream_records
from .worker import ParseOptions, Pipes, Summary, summarize


@dataclass(slots=True)
class BatchSummary:
    """What a batch wrote.  Counts cover the whole output, resumed part included."""

    trials: int = 0  # rows in the trials table (error rows included)
    criteria: int = 0
    constraints: int = 0
    errors: int = 0
    resumed_from: int = 0  # records already written by the interrupted run
    processed: int = 0  # records this run read and wrote
    elapsed: float = 0.0
    complete: bool = False
    already_complete: bool = False  # --resume found nothing left to do
    error_samples: list[str] = field(default_factory=list)
    progress_file: str | None = None

    @property
    def ok(self) -> int:
        return self.trials - self.errors

    def counts(self) -> dict[str, int]:
        return {"trials": self.trials, "criteria": self.criteria,
                "constraints": self.constraints, "errors": self.errors}


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Passed to ``on_progress`` after each chunk is written (and once after a resume skip)."""

    records: int  # written so far, resumed part included
    processed: int  # written by this run
    bytes_done: int | None  # input bytes read so far (None: unknown, e.g. stdin)
    bytes_total: int | None
    elapsed: float
    summary: BatchSummary


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the batch between two chunks; the output is valid."""

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__(f"interrupted after {summary.trials} records")
        self.summary = summary


def run_batch(
    inputs: Inputs,
    out: str | os.PathLike[str] | None = None,
    *,
    out_format: str | None = None,
    jobs: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    engine: str = "process",
    scheduler: str | None = None,
    resume: bool = False,
    input_format: str | None = None,
    text_field: str | None = None,
    id_field: str | None = None,
    pipes: Pipes = None,
    model: str = DEFAULT_MODEL,
    max_chars: int = DEFAULT_MAX_CHARS,
    on_progress: Callable[[BatchProgress], Any] | None = None,
    max_error_samples: int = 20,
) -> BatchSummary:
    """Read ``inputs``, run the pipeline (``jobs`` workers; default: all cores), write
    ``out`` (as ``trialnlp extract -o``), and return the summary.  ``model`` (``off``,
    ``values``, ``gaps``, ``all``) and ``max_chars`` as ``--model`` and ``--max-chars``.

    With ``resume=True`` an interrupted run into the same ``out`` is continued: the
    records already written are skipped and the rest appended, so the output equals that
    of an uninterrupted run.  Raises :class:`BatchInterrupted` on Ctrl-C / SIGTERM,
    :class:`~trialnlp.errors.TrialnlpError` when the run cannot start or continue.
    """
    started = time.perf_counter()
    try:
        ParseOptions(model, max_chars)
    except ValueError as error:
        raise UsageError(str(error)) from error
    inputs = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    read_options = {k: v for k, v in (("fmt", input_format), ("text_field", text_field),
                                      ("id_field", id_field)) if v is not None}
    read_sources([], **read_options)  # an unknown input format fails now, not mid-run
    fmt = resolve_format(out, out_format)
    to_file = out is not None and str(out) != "-"
    scan = scan_inputs(inputs)
    ppath = None
    if to_file and fmt in APPENDABLE:
        directory = fmt in ("csv", "parquet") and Path(out).suffix.lower() != f".{fmt}"
        ppath = progress_file.progress_path(out, directory)
    summary = BatchSummary(progress_file=str(ppath) if ppath else None)
    options = {"trialnlp": __version__, "pipes": list(pipes or DEFAULT_PIPES),
               "read": read_options, "format": fmt, "model": model, "max_chars": max_chars}
    fingerprint = progress_file.fingerprint(inputs=scan.digest, **options)

    start = 0
    if resume:
        if ppath is None:
            raise TrialnlpError("--resume needs -o with csv, json, jsonl or parquet output")
        if scan.has_stdin:
            raise TrialnlpError("--resume needs input files: standard input cannot be read again")
        state = progress_file.load(ppath)
        if state is not None and state.fingerprint != fingerprint:
            changes = progress_file.changed_options(state.options, options) \
                if state.options else ""
            what = f"the options differ ({changes})" if changes else \
                "the inputs (paths, sizes, modification times) or options differ"
            raise TrialnlpError(
                f"cannot resume: {what} from those of the run recorded in {ppath}; resume "
                "with the same inputs and options, or run again without --resume to start "
                "over"
            )
        if state is not None and state.complete:
            _add_counts(summary, state.counts)
            summary.resumed_from = state.records
            summary.complete = summary.already_complete = True
            summary.elapsed = time.perf_counter() - started
            return summary
        if state is not None and state.records > 0:
            progress_file.truncate_outputs(state, ppath.parent)
            start = state.records
            summary.resumed_from = start
            _add_counts(summary, state.counts)

    writer = open_writer(out, fmt, append=start > 0)
    paths = getattr(writer, "output_paths", lambda: [])()
    base = ppath.parent if ppath else Path()

    def checkpoint(records: int, complete: bool = False) -> None:
        if ppath is None:
            return
        if fmt == "parquet" and not closed:
            records, sizes, counts = 0, {}, dict.fromkeys(progress_file.COUNT_KEYS, 0)
        else:
            sizes = progress_file.file_sizes(paths, base)
            counts = summary.counts()
        progress_file.save(ppath, progress_file.Checkpoint(
            fingerprint, fmt, records, sizes, counts, complete, options))

    closed = False
    dirty = False  # a chunk is half written (only an exception, never a signal, leaves one)
    bytes_read = ByteProgress(scan.total_bytes)
    records = stream_records(inputs, bytes_read, **read_options)
    chunks: Iterator[list[Any]] = iter(())

    def report() -> None:
        if on_progress is not None:
            on_progress(BatchProgress(
                summary.trials, summary.processed, bytes_read.done(), scan.total_bytes,
                time.perf_counter() - started, summary))

    try:
        flush_writer(writer)
        checkpoint(start)
        if start:
            skipped = sum(1 for _ in islice(records, start))
            if skipped < start:
                raise TrialnlpError(f"cannot resume: the inputs hold {skipped} records, fewer "
                                    f"than the {start} already written")
            report()
        # Writers of this package render trials in the workers; others get Trials.
        render = getattr(writer, "renderer", None) if hasattr(writer, "write_rendered") \
            else None
        chunks = trial_chunks(records, jobs=jobs, chunk_size=chunk_size, engine=engine,
                              scheduler=scheduler, pipes=pipes, render=render, model=model,
                              max_chars=max_chars)
        for results in chunks:
            with _signals_held():
                dirty = True
                for result in results:
                    if render is None:
                        writer.write(result)
                        _count(summary, summarize(result), max_error_samples)
                    else:
                        writer.write_rendered(result[1])  # type: ignore[attr-defined]
                        _count(summary, result[0], max_error_samples)
                dirty = False
                summary.processed += len(results)
                flush_writer(writer)
                checkpoint(summary.trials)
            report()
    except BaseException as error:
        if hasattr(chunks, "close"):
            chunks.close()  # stops the workers (queued chunks are dropped)
        records.close()
        with contextlib.suppress(Exception):
            writer.close()
            closed = True
            if fmt == "parquet" and not dirty:
                checkpoint(summary.trials)
        summary.elapsed = time.perf_counter() - started
        if isinstance(error, KeyboardInterrupt) and not isinstance(error, BatchInterrupted):
            raise BatchInterrupted(summary) from error
        raise
    writer.close()
    closed = True
    summary.complete = True
    checkpoint(summary.trials, complete=True)
    summary.elapsed = time.perf_counter() - started
    return summary


def _add_counts(summary: BatchSummary, counts: dict[str, int]) -> None:
    summary.trials += counts.get("trials", 0)
    summary.criteria += counts.get("criteria", 0)
    summary.constraints += counts.get("constraints", 0)
    summary.errors += counts.get("errors", 0)


def _count(summary: BatchSummary, counted: Summary, max_samples: int) -> None:
    status, source, error, criteria, constraints = counted
    summary.trials += 1
    summary.criteria += criteria
    summary.constraints += constraints  # = the constraints table's rows
    if status == "error":
        summary.errors += 1
        if len(summary.error_samples) < max_samples:
            summary.error_samples.append(f"{source}: {error}")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while the block runs; deliver them after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        received.append(signum)

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(signum)
        if current is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, hold)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        if received:
            signal.raise_signal(received[0])

"""``trialnlp extract``: inputs -> criteria / constraints / trials tables.

A thin layer over :func:`trialnlp.batch.run_batch`: options, a live progress bar (on a
terminal only), the summary, and exit codes.
"""

from __future__ import annotations

import contextlib
import enum
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..batch import DEFAULT_CHUNK_SIZE, BatchInterrupted, BatchProgress, run_batch
from ..errors import EXIT_INPUT, EXIT_PARTIAL, TrialnlpError
from ..options import DEFAULT_MAX_CHARS, DEFAULT_MODEL, MODEL_MODES
from ..readers.inputs import skipped_files
from .app import app
from .common import FormatOption, IdField, Inputs, TextField, fail, is_terminal, stderr

EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C


class ModelMode(enum.StrEnum):
    """``--model``: how much the NER model does (trialnlp.options.MODEL_MODES)."""

    off = "off"
    values = "values"
    gaps = "gaps"
    all = "all"


assert tuple(mode.value for mode in ModelMode) == MODEL_MODES
DEFAULT_MODEL_MODE = ModelMode(DEFAULT_MODEL)

MODEL_HELP = (
    "How much the trained NER model adds to the rules; measured on the 3,460 legacy CT.gov "
    "records (trials/s on one core) and on Chia dev (threshold F1; recall of condition "
    "mentions). off: rules only (~250/s; 0.927; 0.60). values: the model also reads "
    "criteria holding a value the rules tied to nothing (~120/s; 0.930; 0.64). gaps "
    "(default): and criteria where the rules found nothing (~105/s; 0.930; 0.70). all: "
    "every criterion (~70/s; 0.930; 0.83; its mentions are used only where no rule "
    "mention overlaps, and their precision is not measured)."
)


@app.command("extract")
def extract_command(
    inputs: Inputs,
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="Output directory or file (.csv, .xlsx, .json, "
                     ".jsonl, .parquet). Default: JSONL on standard output."),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="csv, xlsx, json, jsonl or parquet "
                                 "(default: from the extension of -o).")
    ] = None,
    input_format: FormatOption = None,
    text_field: TextField = None,
    id_field: IdField = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all "
                                 "cores; 1 = in this process, no workers).", show_default=False)
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="process (worker processes on this machine) or "
                          "dask (a Dask cluster: --scheduler, else a local one).")
    ] = "process",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address "
                                 "(tcp://host:8786) for --engine dask.")
    ] = None,
    model: Annotated[
        ModelMode, typer.Option("--model", help=MODEL_HELP)
    ] = DEFAULT_MODEL_MODE,
    max_chars: Annotated[
        int, typer.Option("--max-chars", min=1, help="The longest record, in characters, "
                          "that is parsed; a longer one becomes an error row (checked before "
                          "it is tokenized).")
    ] = DEFAULT_MAX_CHARS,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Records sent to a worker at a time.")
    ] = DEFAULT_CHUNK_SIZE,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run into the same -o: "
                           "skip the records already written and append the rest.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help=f"Exit {EXIT_PARTIAL} if any record failed.")
    ] = False,
) -> None:
    """Extract eligibility criteria (and their constraints) into tables."""
    show_progress = not quiet and is_terminal()
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.fields[trials]} trials"), BarColumn(),
        TaskProgressColumn(), TextColumn("{task.fields[rate]:.1f} trials/s"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        console=stderr, disable=not show_progress, transient=True,
    )
    task = progress.add_task("extract", total=None, trials=0, rate=0.0)
    first_update = [True]

    def update(state: BatchProgress) -> None:
        rate = state.processed / max(state.elapsed, 1e-9)
        fields: dict[str, Any] = {"trials": state.records, "rate": rate}
        if state.bytes_total:
            if first_update[0]:  # a resumed run starts part-way: speed counts from here
                progress.reset(task, total=state.bytes_total, completed=state.bytes_done or 0,
                               **fields)
            else:
                progress.update(task, total=state.bytes_total, completed=state.bytes_done,
                                **fields)
        else:
            progress.update(task, **fields)
        first_update[0] = False

    try:
        with progress, _sigterm_as_interrupt():
            summary = run_batch(
                inputs, out, out_format=fmt, jobs=jobs, chunk_size=chunk_size, engine=engine,
                scheduler=scheduler, resume=resume, input_format=input_format,
                text_field=text_field, id_field=id_field, model=model.value, max_chars=max_chars,
                on_progress=update,
            )
    except BatchInterrupted as stop:
        done = stop.summary.trials
        hint = "; run the same command with --resume to continue" if out is not None and \
            stop.summary.progress_file else ""
        stderr.print(f"trialnlp: interrupted after {done} records (all written){hint}",
                     markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (TrialnlpError, OSError) as error:
        raise fail(str(error)) from error

    if resume and not summary.resumed_from and not quiet:
        stderr.print(f"trialnlp: nothing to resume in {out}: ran from the beginning",
                     markup=False)
    for line in summary.error_samples:
        stderr.print(f"trialnlp: error: {line}", markup=False)
    skipped = skipped_files(inputs)
    if skipped:  # (said even with --quiet: these files are not in the tables)
        shown = ", ".join(str(path) for path in skipped[:3])
        more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
        stderr.print(f"trialnlp: skipped {len(skipped)} file(s) in the input directories with "
                     f"no known extension: {shown}{more} (name one on the command line to "
                     "read it)", markup=False)
    if summary.errors > len(summary.error_samples) and not summary.already_complete:
        more = summary.errors - len(summary.error_samples)
        stderr.print(f"trialnlp: ... and {more} more error rows", markup=False)
    if not quiet:
        notes = []
        if summary.already_complete:
            notes.append("already complete; nothing to do")
        elif summary.resumed_from:
            notes.append(f"resumed after {summary.resumed_from} records")
        if summary.processed and summary.elapsed > 0:
            notes.append(f"{summary.processed / summary.elapsed:.1f} trials/s")
        stderr.print(
            f"{summary.ok} trials, {summary.criteria} criteria, {summary.constraints} "
            f"constraints, {summary.errors} errors in {summary.elapsed:.1f}s"
            + (f" -> {out}" if out else "") + (f" ({'; '.join(notes)})" if notes else ""),
            markup=False,
        )
    if summary.trials == 0:
        raise fail("no input records found")
    if summary.errors == summary.trials:
        raise typer.Exit(EXIT_INPUT)
    if strict and summary.errors:
        raise typer.Exit(EXIT_PARTIAL)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (kill, a scheduler's timeout) stops a run as cleanly as Ctrl-C."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

"""``trialnlp extract``: inputs -> criteria / constraints / trials tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..errors import EXIT_INPUT, EXIT_PARTIAL, TrialnlpError
from ..export import open_writer
from ..pipeline import extract_many
from .app import app
from .common import (
    FormatOption,
    IdField,
    Inputs,
    TextField,
    fail,
    is_terminal,
    read_options,
    stderr,
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help=f"Exit {EXIT_PARTIAL} if any record failed.")
    ] = False,
) -> None:
    """Extract eligibility criteria (and their constraints) into tables."""
    try:
        writer = open_writer(out, fmt)
    except (TrialnlpError, OSError) as error:
        raise fail(str(error)) from error
    counts = {"trials": 0, "criteria": 0, "constraints": 0, "errors": 0}
    started = time.perf_counter()
    show_progress = not quiet and is_terminal()
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.completed} trials"), BarColumn(),
        TextColumn("{task.fields[rate]:.1f}/s"), TimeElapsedColumn(),
        console=stderr, disable=not show_progress, transient=True,
    )
    errors: list[str] = []
    try:
        with progress:
            task = progress.add_task("extract", total=None, rate=0.0)
            options = read_options(input_format, text_field, id_field)
            for trial in extract_many(inputs, **options):
                writer.write(trial)
                counts["trials"] += 1
                if trial.status == "error":
                    counts["errors"] += 1
                    errors.append(f"{trial.source}: {trial.error}")
                else:
                    for criterion in trial.iter_criteria():
                        counts["criteria"] += 1
                        counts["constraints"] += len(criterion.constraints)
                elapsed = time.perf_counter() - started
                progress.update(task, advance=1, rate=counts["trials"] / max(elapsed, 1e-9))
    except TrialnlpError as error:
        raise fail(str(error)) from error
    finally:
        writer.close()
    elapsed = time.perf_counter() - started
    for line in errors[:20]:
        stderr.print(f"trialnlp: error: {line}", markup=False)
    if len(errors) > 20:
        stderr.print(f"trialnlp: ... and {len(errors) - 20} more error rows", markup=False)
    if not quiet:
        ok = counts["trials"] - counts["errors"]
        stderr.print(
            f"{ok} trials, {counts['criteria']} criteria, {counts['constraints']} constraints, "
            f"{counts['errors']} errors in {elapsed:.1f}s"
            + (f" -> {out}" if out else ""), markup=False,
        )
    if counts["trials"] == 0:
        raise fail("no input records found")
    if counts["errors"] == counts["trials"]:
        raise typer.Exit(EXIT_INPUT)
    if strict and counts["errors"]:
        raise typer.Exit(EXIT_PARTIAL)

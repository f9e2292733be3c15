"""``trialnlp report``: inputs -> one self-contained HTML page for reviewing the parse.

Records are read and parsed as ``trialnlp extract`` reads and parses them
(:func:`trialnlp.readers.read_sources` -> :func:`trialnlp.batch.iter_trials`), so the
page shows what the tables hold; records that cannot be read are listed on the page.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..batch import iter_trials
from ..errors import EXIT_INPUT, EXIT_PARTIAL, TrialnlpError
from ..readers import read_sources
from ..report import render_report
from .app import app
from .common import FormatOption, IdField, Inputs, TextField, fail, read_options, stderr


@app.command("report")
def report_command(
    inputs: Inputs,
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="The HTML file to write (default: standard output)."),
    ] = None,
    input_format: FormatOption = None,
    text_field: TextField = None,
    id_field: IdField = None,
    title: Annotated[
        str, typer.Option("--title", help="The page title.")
    ] = "trialnlp review report",
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Worker processes (1 = in this process).")
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help=f"Exit {EXIT_PARTIAL} if any record failed.")
    ] = False,
) -> None:
    """Write an HTML review page: criteria trees with their constraints highlighted."""
    try:
        records = read_sources(inputs, **read_options(input_format, text_field, id_field))
        trials = list(iter_trials(records, jobs=jobs))
    except (TrialnlpError, OSError) as error:
        raise fail(str(error)) from error
    if not trials:
        raise fail("no input records found")

    errors = [t for t in trials if t.status == "error"]
    html = render_report(trials, title=title)
    try:
        if out is None:
            sys.stdout.write(html)
        else:
            out.write_text(html, encoding="utf-8")
    except OSError as error:
        raise fail(f"{out}: cannot write the report: {error.strerror or error}") from error

    for trial in errors[:20]:
        stderr.print(f"trialnlp: error: {trial.source}: {trial.error}", markup=False)
    if len(errors) > 20:
        stderr.print(f"trialnlp: ... and {len(errors) - 20} more error rows", markup=False)
    if not quiet:
        ok = [t for t in trials if t.status == "ok"]
        criteria = sum(1 for t in ok for _ in t.iter_criteria())
        constraints = sum(1 for t in ok for _ in t.iter_constraints())
        stderr.print(f"{len(ok)} trials, {criteria} criteria, {constraints} constraints, "
                     f"{len(errors)} errors" + (f" -> {out}" if out else ""), markup=False)
    if len(errors) == len(trials):
        raise typer.Exit(EXIT_INPUT)
    if strict and errors:
        raise typer.Exit(EXIT_PARTIAL)

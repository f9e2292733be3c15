"""Options and helpers shared by commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from ..errors import EXIT_INPUT

stderr = Console(stderr=True, highlight=False, soft_wrap=True)

Inputs = Annotated[
    list[str],
    typer.Argument(help="Files, directories, globs, or '-' for standard input.",
                   show_default=False),
]
FormatOption = Annotated[
    str | None,
    typer.Option("--input-format", help="Force the input format: text, markdown, html, "
                 "ctgov_v2, ctgov_xml, aact, csv, tsv, jsonl, json."),
]
TextField = Annotated[
    str | None,
    typer.Option("--text-field", help="Column/field holding the criteria text "
                 "(default: criteria, eligibilityCriteria, ...)."),
]
IdField = Annotated[
    str | None,
    typer.Option("--id-field", help="Column/field holding the trial id (default: nct_id, ...)."),
]


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    """Print one line to standard error; return the Exit to raise."""
    stderr.print(f"trialnlp: error: {message}", markup=False)
    return typer.Exit(code)


def read_options(fmt: str | None, text_field: str | None, id_field: str | None) -> dict[str, str]:
    options = {"fmt": fmt, "text_field": text_field, "id_field": id_field}
    return {k: v for k, v in options.items() if v is not None}


def is_terminal() -> bool:
    return sys.stderr.isatty()

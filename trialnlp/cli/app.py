"""The typer application object.  Each command lives in its own module under cli/."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="trialnlp",
    help="Turn clinical-trial eligibility text into structured, checkable constraints.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

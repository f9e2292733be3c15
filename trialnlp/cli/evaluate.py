"""``trialnlp evaluate --brat DIR``: NER precision/recall/F1 on a BRAT corpus (Chia shape).

A thin wrapper over :func:`trialnlp.ner.evaluate.evaluate_brat`, which defines the scoring.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..errors import EXIT_INPUT, InputError
from .app import app

if TYPE_CHECKING:
    from ..ner.evaluate import EvalReport


def report_table(report: EvalReport) -> Table:
    """The report as a rich table: one row per type, then the micro average."""
    reference = "converted (flat)" if report.flat_reference else "all gold spans"
    table = Table(
        title=(
            f"NER on {report.documents} documents / {report.criteria} criteria "
            f"(reference: {reference})"
        ),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
        caption=(
            f"{report.words} words in {report.seconds:.1f} s = "
            f"{report.words_per_second:,.0f} words/s"
        ),
    )
    table.add_column("\ntype", no_wrap=True, min_width=11)
    table.add_column("\ngold", justify="right")
    table.add_column("\npred", justify="right")
    for kind in ("exact", "relaxed"):
        for measure in ("P", "R", "F1"):
            table.add_column(f"{kind}\n{measure}", justify="right")

    def row(name: str, exact, relaxed, style: str | None = None) -> None:
        table.add_row(
            name,
            str(exact.tp + exact.fn),
            str(exact.tp + exact.fp),
            *(f"{value:.3f}" for value in (exact.precision, exact.recall, exact.f1)),
            *(f"{value:.3f}" for value in (relaxed.precision, relaxed.recall, relaxed.f1)),
            style=style,
        )

    for label in report.types:
        row(label, report.exact[label], report.relaxed[label])
    table.add_section()
    row("micro", report.exact_micro, report.relaxed_micro, style="bold")
    return table


@app.command("evaluate")
def evaluate_command(
    brat: Annotated[
        Path,
        typer.Option("--brat", help="BRAT folder of NAME.txt + NAME.ann (one criterion a line)"),
    ],
    json_path: Annotated[
        Path | None, typer.Option("--json", help="also write the scores as JSON here")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="spaCy model folder (default: the shipped chia_ner)"),
    ] = None,
    types: Annotated[
        str | None,
        typer.Option(
            "--types",
            help="comma-separated entity types to score (default: the eight Chia types)",
        ),
    ] = None,
    all_gold: Annotated[
        bool,
        typer.Option(
            "--all-gold",
            help="score against every gold span (nested ones too) instead of the flat conversion",
        ),
    ] = False,
) -> None:
    """Precision, recall and F1 (exact span and overlap) per entity type and micro-averaged."""
    from ..ner.evaluate import evaluate_brat

    console = Console()
    try:
        if model is not None:
            import spacy

            if not (model / "config.cfg").is_file():
                raise InputError(str(model), "not a spaCy model folder (no config.cfg)")
            nlp = spacy.load(model)
        else:
            from ..ner import load_ner

            nlp = load_ner()
        type_list = [t.strip() for t in types.split(",") if t.strip()] if types else None
        report = evaluate_brat(brat, nlp=nlp, types=type_list, flat_reference=not all_gold)
    except (InputError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_INPUT) from error
    console.print(report_table(report))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
        console.print(f"scores written to {json_path}")

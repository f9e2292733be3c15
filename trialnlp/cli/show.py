"""``trialnlp show``: the criteria tree of each trial, readable in a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from ..errors import TrialnlpError
from ..trial import Trial
from ..types import Criterion
from .app import app
from .common import FormatOption, IdField, Inputs, TextField, fail, read_options


def trial_tree(trial: Trial) -> Tree:
    s = trial.structured
    facts = []
    if s.minimum_age or s.maximum_age:
        low = f"{s.minimum_age.value:g} {s.minimum_age.unit}" if s.minimum_age else "?"
        high = f"{s.maximum_age.value:g} {s.maximum_age.unit}" if s.maximum_age else "?"
        facts.append(f"age {low} - {high}")
    if s.sex:
        facts.append(f"sex {s.sex}")
    if s.healthy_volunteers is not None:
        facts.append("healthy volunteers " + ("yes" if s.healthy_volunteers else "no"))
    title = f"[bold]{escape(trial.trial_id)}[/bold]  [dim]{escape(trial.source)}[/dim]"
    if facts:
        title += "  " + escape(", ".join(facts))
    tree = Tree(title)
    if trial.status == "error":
        tree.add(f"[red]error: {escape(trial.error or '')}[/red]")
        return tree
    for section in trial.sections:
        node = tree.add(f"[bold cyan]{section.name}[/bold cyan]"
                        + (" [dim](empty)[/dim]" if section.end <= section.start else ""))
        heading = None
        for criterion in trial.criteria:
            inside = section.start <= criterion.start <= section.end
            if criterion.section != section.name or not inside:
                continue
            if criterion.heading and criterion.heading != heading:
                heading = criterion.heading
                node.add(f"[italic]{escape(heading)}[/italic]")
            _add(node, criterion)
    for warning in trial.warnings:
        tree.add(f"[yellow]warning: {escape(warning)}[/yellow]")
    return tree


def _add(parent: Tree, criterion: Criterion) -> None:
    label = criterion.number or criterion.marker or "·"
    node = parent.add(f"[green]{escape(label)}[/green] {escape(criterion.text)} "
                      f"[dim]{criterion.criterion_id}[/dim]")
    for constraint in criterion.constraints:
        node.add(f"[magenta]{constraint.kind}[/magenta] {escape(constraint.text)}")
    for child in criterion.children:
        _add(node, child)


@app.command("show")
def show_command(
    inputs: Inputs,
    input_format: FormatOption = None,
    text_field: TextField = None,
    id_field: IdField = None,
) -> None:
    """Print the criteria tree of each trial."""
    from ..pipeline import extract_many

    console = Console()
    failures = total = 0
    try:
        for trial in extract_many(inputs, **read_options(input_format, text_field, id_field)):
            total += 1
            failures += trial.status == "error"
            console.print(trial_tree(trial))
    except TrialnlpError as error:
        raise fail(str(error)) from error
    if total == 0:
        raise fail("no input records found")
    if failures == total:
        raise fail(f"{failures} of {total} inputs could not be read")

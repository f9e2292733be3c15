"""``trialnlp match PATIENTS TRIALS... -o screening.csv``: every patient against every trial.

Writes the screening table (one row per patient-trial pair: verdict, the criteria that
exclude, the ones that could not be decided) and, beside it, the per-criterion detail
table with each verdict's reason and the patient facts used.  A patient record or a
trial that cannot be read becomes an ``error`` row; the others go on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import EXIT_INPUT, EXIT_PARTIAL, TrialnlpError
from ..export.tables import TABLE_FORMATS, write_csv, write_json, write_xlsx
from ..trial import Trial
from .app import app
from .common import FormatOption, IdField, Inputs, TextField, fail, read_options, stderr


def _parsed_trials(path: Path) -> list[Trial] | None:
    """Trials from a JSON/JSONL file written by ``trialnlp extract``; None for other files."""
    if path.suffix.lower() not in (".json", ".jsonl") or not path.is_file():
        return None
    with path.open(encoding="utf-8-sig") as handle:
        head = handle.read(4096).lstrip()
    if not head.startswith(("{", "[")) or '"criteria"' not in head or '"sections"' not in head:
        return None
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".jsonl":
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
            data = data if isinstance(data, list) else [data]
        return [Trial.from_dict(item) for item in data]
    except (ValueError, KeyError, TypeError):
        return None  # not ours after all: let the readers have it


def _trials(inputs: list[str], options: dict[str, str]) -> Iterator[Trial]:
    from ..pipeline import extract_many

    rest = []
    for item in inputs:
        parsed = _parsed_trials(Path(item)) if item != "-" else None
        if parsed is not None:
            yield from parsed
        else:
            rest.append(item)
    if rest:
        yield from extract_many(rest, **options)


def _error_row(patient_id: str, trial_id: str, reason: str) -> dict[str, Any]:
    stderr.print(f"trialnlp: error: {reason}", markup=False)  # one line each, as extract does
    return {"patient_id": patient_id, "trial_id": trial_id, "verdict": "error",
            "reasons": reason}


def _outputs(out: Path, fmt: str) -> dict[str, Path]:
    if fmt == "xlsx":
        return {"book": out}
    stem = out.with_suffix("") if out.suffix else out / "screening"
    suffix = f".{fmt}"
    return {"screening": stem.with_suffix(suffix),
            "criteria": stem.parent / f"{stem.name}.criteria{suffix}"}


@app.command("match")
def match_command(
    patients: Annotated[Path, typer.Argument(help="A patient file (.json, .jsonl, .yaml, or "
                                             "FHIR Bundles) or a folder of them.",
                                             show_default=False)],
    trials: Inputs,
    out: Annotated[Path, typer.Option("-o", "--out", help="screening.csv (the detail table "
                                      "goes to screening.criteria.csv), .xlsx (two sheets), "
                                      ".json or .jsonl.")] = Path("screening.csv"),
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="csv, xlsx, json or jsonl "
                                            "(default: from the extension of -o).")] = None,
    input_format: FormatOption = None,
    text_field: TextField = None,
    id_field: IdField = None,
    strict: Annotated[bool, typer.Option("--strict", help=f"Exit {EXIT_PARTIAL} if any "
                                         "patient or trial became an error row.")] = False,
) -> None:
    """Check every patient against every trial: eligible, excluded or needs_review."""
    # imported here: the matcher's vocabularies cost ~2 s, which other commands should not pay
    from ..matching.patient import Patient, PatientError, iter_patients
    from ..matching.result import DETAIL_COLUMNS, SCREENING_COLUMNS, match

    fmt = (fmt or out.suffix.lstrip(".") or "csv").lower()
    if fmt not in TABLE_FORMATS:
        raise fail(f"--format {fmt!r}: expected one of {', '.join(TABLE_FORMATS)}", 2)
    people: list[Patient] = []
    summary: list[dict[str, Any]] = []
    for item in iter_patients(patients):
        if isinstance(item, PatientError):
            summary.append(_error_row("", "", str(item)))
        else:
            people.append(item)
    if not people and summary and len(summary) == 1 and not patients.is_dir():
        raise typer.Exit(EXIT_INPUT)  # its one-line message is printed already
    detail: list[dict[str, Any]] = []
    nested: list[dict[str, Any]] = []
    errors = len(summary)
    seen_trials = 0
    try:
        for trial in _trials(trials, read_options(input_format, text_field, id_field)):
            seen_trials += 1
            if trial.status != "ok":
                errors += 1
                summary.append(_error_row("", trial.trial_id, f"{trial.source}: {trial.error}"))
                continue
            for patient in people:
                result = match(patient, trial)
                summary.append(result.summary_row())
                detail.extend(result.detail_rows())
                nested.append(result.to_dict())
    except TrialnlpError as error:
        raise fail(str(error)) from error
    if seen_trials == 0:
        raise fail("no trials found in the inputs")
    paths = _outputs(out, fmt)
    if fmt == "csv":
        write_csv(paths["screening"], summary, SCREENING_COLUMNS)
        write_csv(paths["criteria"], detail, DETAIL_COLUMNS)
    elif fmt == "xlsx":
        write_xlsx(paths["book"], {"screening": (summary, SCREENING_COLUMNS),
                                   "criteria": (detail, DETAIL_COLUMNS)})
    else:  # json / jsonl: nested results, plus the error rows
        rows = nested + [row for row in summary if row.get("verdict") == "error"]
        write_json(paths["screening"], rows, lines=fmt == "jsonl")
        paths.pop("criteria")
    counts = {v: sum(r.get("verdict") == v for r in summary)
              for v in ("eligible", "excluded", "needs_review")}
    stderr.print(f"{len(people)} patients x {seen_trials} trials: "
                 f"{counts['eligible']} eligible, {counts['excluded']} excluded, "
                 f"{counts['needs_review']} needs_review, {errors} errors -> "
                 + ", ".join(str(p) for p in paths.values()), markup=False)
    if not people or errors == len(summary):
        raise typer.Exit(EXIT_INPUT)
    if strict and errors:
        raise typer.Exit(EXIT_PARTIAL)

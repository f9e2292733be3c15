"""Incremental writers: each takes trials one at a time, so memory stays flat.

``-o`` decides the layout (see README, "Output formats"):

* a directory (or a path without extension) -> ``trials.csv``, ``criteria.csv``,
  ``constraints.csv`` (or ``.parquet`` with ``--format parquet``);
* ``name.csv`` / ``name.parquet`` -> the criteria table there, ``name.trials.csv`` and
  ``name.constraints.csv`` beside it;
* ``name.xlsx`` -> one workbook, a sheet per table;
* ``name.json`` -> a list of nested trials; ``name.jsonl`` -> one nested trial per line;
* no ``-o`` -> JSONL on standard output.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import IO, Any, Protocol

from ..errors import TrialnlpError
from ..trial import COLUMNS, TABLES, Table, Trial
from .safety import neutralise, xlsx_text

FORMATS = ("csv", "xlsx", "json", "jsonl", "parquet")


class TrialWriter(Protocol):
    def write(self, trial: Trial) -> None: ...
    def close(self) -> None: ...


def _table_paths(out: Path, suffix: str) -> dict[Table, Path]:
    if out.suffix.lower() == suffix:
        stem = out.with_suffix("")
        return {"criteria": out, "trials": Path(f"{stem}.trials{suffix}"),
                "constraints": Path(f"{stem}.constraints{suffix}")}
    out.mkdir(parents=True, exist_ok=True)
    return {table: out / f"{table}{suffix}" for table in TABLES}


class CsvWriter:
    """UTF-8 with a byte-order mark (so spreadsheet programs detect UTF-8), RFC 4180 quoting."""

    def __init__(self, out: Path) -> None:
        self.paths = _table_paths(out, ".csv")
        self.files: dict[Table, IO[str]] = {}
        self.writers: dict[Table, Any] = {}
        for table, path in self.paths.items():
            handle = path.open("w", encoding="utf-8-sig", newline="")
            self.files[table] = handle
            self.writers[table] = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
            self.writers[table].writerow(COLUMNS[table])

    def write(self, trial: Trial) -> None:
        for table in TABLES:
            columns = COLUMNS[table]
            for row in trial.rows(table):
                self.writers[table].writerow([_csv_cell(row[c]) for c in columns])

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value)


class XlsxWriter:
    def __init__(self, out: Path) -> None:
        from openpyxl import Workbook

        out.parent.mkdir(parents=True, exist_ok=True)
        self.path = out
        self.book = Workbook(write_only=True)
        self.sheets = {table: self.book.create_sheet(table) for table in TABLES}
        for table, sheet in self.sheets.items():
            sheet.append(list(COLUMNS[table]))

    def write(self, trial: Trial) -> None:
        from openpyxl.cell import WriteOnlyCell

        for table in TABLES:
            sheet = self.sheets[table]
            for row in trial.rows(table):
                cells = []
                for column in COLUMNS[table]:
                    value = row[column]
                    if isinstance(value, str):
                        # Typed as a string cell: never read as a formula.
                        cell = WriteOnlyCell(sheet, value=None)
                        cell.value = xlsx_text(value)
                        cell.data_type = "s"
                    else:
                        cell = WriteOnlyCell(sheet, value=value)
                    cells.append(cell)
                sheet.append(cells)

    def close(self) -> None:
        self.book.save(self.path)


class JsonLinesWriter:
    def __init__(self, out: Path | None) -> None:
        self.stream: IO[str]
        if out is None:
            self.stream, self.owned = sys.stdout, False
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.stream, self.owned = out.open("w", encoding="utf-8"), True

    def write(self, trial: Trial) -> None:
        self.stream.write(json.dumps(trial.to_dict(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.owned:
            self.stream.close()
        else:
            self.stream.flush()


class JsonWriter:
    """A JSON list, written element by element."""

    def __init__(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.stream = out.open("w", encoding="utf-8")
        self.stream.write("[")
        self.first = True

    def write(self, trial: Trial) -> None:
        self.stream.write("\n" if self.first else ",\n")
        self.stream.write(json.dumps(trial.to_dict(), ensure_ascii=False, indent=1))
        self.first = False

    def close(self) -> None:
        self.stream.write("\n]\n")
        self.stream.close()


class ParquetWriter:
    """One Parquet file per table, written in row groups of ``rows_per_group`` rows."""

    def __init__(self, out: Path, rows_per_group: int = 20000) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .schema import arrow_schema

        self.pa, self.rows_per_group = pa, rows_per_group
        self.paths = _table_paths(out, ".parquet")
        self.schemas = {table: arrow_schema(table) for table in TABLES}
        self.writers = {t: pq.ParquetWriter(p, self.schemas[t]) for t, p in self.paths.items()}
        self.buffers: dict[Table, list[dict[str, Any]]] = {table: [] for table in TABLES}

    def write(self, trial: Trial) -> None:
        for table in TABLES:
            self.buffers[table].extend(trial.rows(table))
            if len(self.buffers[table]) >= self.rows_per_group:
                self._flush(table)

    def _flush(self, table: Table) -> None:
        rows = self.buffers[table]
        if rows:
            batch = self.pa.Table.from_pylist(rows, schema=self.schemas[table])
            self.writers[table].write_table(batch)
            rows.clear()

    def close(self) -> None:
        for table in TABLES:
            self._flush(table)
            self.writers[table].close()


def resolve_format(out: str | Path | None, fmt: str | None) -> str:
    """The output format: ``fmt`` if given, else from ``out``'s extension, else csv/jsonl."""
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise TrialnlpError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        return fmt
    if out is None or str(out) == "-":
        return "jsonl"
    suffix = Path(out).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "csv"


def open_writer(out: str | Path | None, fmt: str | None = None) -> TrialWriter:
    fmt = resolve_format(out, fmt)
    path = None if out is None or str(out) == "-" else Path(out)
    if path is None and fmt != "jsonl":
        raise TrialnlpError(f"format {fmt} needs an output path (-o)")
    if fmt == "jsonl":
        return JsonLinesWriter(path)
    assert path is not None
    if fmt == "csv":
        return CsvWriter(path)
    if fmt == "xlsx":
        return XlsxWriter(path)
    if fmt == "json":
        return JsonWriter(path)
    return ParquetWriter(path)


def write_trials(trials: Any, out: str | Path | None, fmt: str | None = None) -> int:
    """Write an iterable of trials; returns how many were written."""
    writer = open_writer(out, fmt)
    count = 0
    try:
        for trial in trials:
            writer.write(trial)
            count += 1
    finally:
        writer.close()
    return count


def to_csv_string(trial: Trial, table: Table = "criteria") -> str:
    """One table of one trial as CSV text (tests and notebooks)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS[table])
    for row in trial.rows(table):
        writer.writerow([_csv_cell(row[c]) for c in COLUMNS[table]])
    return buffer.getvalue()

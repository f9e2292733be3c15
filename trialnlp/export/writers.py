"""Incremental writers: each takes trials one at a time, so memory stays flat.

``-o`` decides the layout (see README, "Output formats"):

* a directory (or a path without extension) -> ``trials.csv``, ``criteria.csv``,
  ``constraints.csv`` (or ``.parquet`` with ``--format parquet``);
* ``name.csv`` / ``name.parquet`` -> the criteria table there, ``name.trials.csv`` and
  ``name.constraints.csv`` beside it;
* ``name.xlsx`` -> one workbook, a sheet per table;
* ``name.json`` -> a list of nested trials; ``name.jsonl`` -> one nested trial per line;
* no ``-o`` -> JSONL on standard output.

``flush()`` pushes what was written so far to the operating system (a batch calls it after
each chunk, so an interrupted run leaves complete rows); ``output_paths()`` names the files
written.  Each writer's ``write(trial)`` is ``write_rendered(renderer(trial))``: the
``renderer`` (a plain function of one trial, run by batch workers in parallel) turns the
trial into what is written (CSV text, a JSON line, rows) and ``write_rendered`` only
writes it, so a batch's main process does no per-row work and writes the same bytes.

``append=True`` (CSV, JSON, JSONL, Parquet) continues files an interrupted run left, for
``trialnlp extract --resume``: the caller first truncates them to what was complete.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import IO, Any, Protocol

from ..errors import TrialnlpError
from ..trial import COLUMNS, TABLES, Table, Trial
from .safety import neutralise, xlsx_cells

FORMATS = ("csv", "xlsx", "json", "jsonl", "parquet")


class TrialWriter(Protocol):
    def write(self, trial: Trial) -> None: ...
    def close(self) -> None: ...


# -- renderers: one trial -> what a writer writes (module-level, so workers can run them) --
def render_csv(trial: Trial) -> tuple[str, ...]:
    """The trial's CSV lines, one string per table (in ``TABLES`` order)."""
    parts = []
    for table in TABLES:
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
        columns = COLUMNS[table]
        for row in trial.rows(table):
            writer.writerow([_csv_cell(row[c]) for c in columns])
        parts.append(buffer.getvalue())
    return tuple(parts)


def render_jsonl(trial: Trial) -> str:
    return json.dumps(trial.to_dict(), ensure_ascii=False) + "\n"


def render_json(trial: Trial) -> str:
    return json.dumps(trial.to_dict(), ensure_ascii=False, indent=1)


def render_rows(trial: Trial) -> tuple[list[dict[str, Any]], ...]:
    """The trial's rows, one list per table (in ``TABLES`` order)."""
    return tuple(trial.rows(table) for table in TABLES)


def flush_writer(writer: TrialWriter) -> None:
    """``writer.flush()`` where the writer has one (writers from elsewhere may not)."""
    flush = getattr(writer, "flush", None)
    if flush is not None:
        flush()


def _has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _table_paths(out: Path, suffix: str) -> dict[Table, Path]:
    if out.suffix.lower() == suffix:
        out.parent.mkdir(parents=True, exist_ok=True)
        stem = out.with_suffix("")
        return {"criteria": out, "trials": Path(f"{stem}.trials{suffix}"),
                "constraints": Path(f"{stem}.constraints{suffix}")}
    out.mkdir(parents=True, exist_ok=True)
    return {table: out / f"{table}{suffix}" for table in TABLES}


class CsvWriter:
    """UTF-8 with a byte-order mark (so spreadsheet programs detect UTF-8), RFC 4180 quoting."""

    def __init__(self, out: Path, append: bool = False) -> None:
        self.paths = _table_paths(out, ".csv")
        self.files: dict[Table, IO[str]] = {}
        for table, path in self.paths.items():
            resumed = append and _has_content(path)
            # Appending to a non-empty file, the utf-8-sig codec writes no second BOM.
            handle = path.open("a" if resumed else "w", encoding="utf-8-sig", newline="")
            self.files[table] = handle
            if not resumed:
                csv.writer(handle, quoting=csv.QUOTE_MINIMAL).writerow(COLUMNS[table])

    renderer = staticmethod(render_csv)

    def write(self, trial: Trial) -> None:
        self.write_rendered(render_csv(trial))

    def write_rendered(self, rendered: tuple[str, ...]) -> None:
        for table, text in zip(TABLES, rendered, strict=True):
            if text:
                self.files[table].write(text)

    def flush(self) -> None:
        for handle in self.files.values():
            handle.flush()

    def output_paths(self) -> list[Path]:
        return list(self.paths.values())

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and "\x00" in value:
        # NUL ends the cell in pandas' and spreadsheets' CSV readers; one for one, so
        # lengths (and offsets) still match the text.
        value = value.replace("\x00", "\ufffd")
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

    renderer = staticmethod(render_rows)

    def write(self, trial: Trial) -> None:
        self.write_rendered(render_rows(trial))

    def write_rendered(self, rendered: tuple[list[dict[str, Any]], ...]) -> None:
        for table, rows in zip(TABLES, rendered, strict=True):
            sheet = self.sheets[table]
            for row in rows:
                sheet.append(xlsx_cells(sheet, [row[column] for column in COLUMNS[table]]))

    def flush(self) -> None:
        """Nothing to do: a workbook is written whole when it is closed."""

    def output_paths(self) -> list[Path]:
        return [self.path]

    def close(self) -> None:
        self.book.save(self.path)


class JsonLinesWriter:
    def __init__(self, out: Path | None, append: bool = False) -> None:
        self.stream: IO[str]
        self.path = out
        if out is None:
            self.stream, self.owned = sys.stdout, False
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.stream, self.owned = out.open("a" if append else "w", encoding="utf-8"), True

    renderer = staticmethod(render_jsonl)

    def write(self, trial: Trial) -> None:
        self.write_rendered(render_jsonl(trial))

    def write_rendered(self, rendered: str) -> None:
        self.stream.write(rendered)

    def flush(self) -> None:
        self.stream.flush()

    def output_paths(self) -> list[Path]:
        return [] if self.path is None else [self.path]

    def close(self) -> None:
        if self.owned:
            self.stream.close()
        else:
            self.stream.flush()


class JsonWriter:
    """A JSON list, written element by element."""

    def __init__(self, out: Path, append: bool = False) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.path = out
        size = out.stat().st_size if append and out.exists() else 0
        if size:
            # Continue a list cut after its last complete element ("[" or "[...}").
            self.stream = out.open("a", encoding="utf-8")
            self.first = size <= 1
        else:
            self.stream = out.open("w", encoding="utf-8")
            self.stream.write("[")
            self.first = True

    renderer = staticmethod(render_json)

    def write(self, trial: Trial) -> None:
        self.write_rendered(render_json(trial))

    def write_rendered(self, rendered: str) -> None:
        self.stream.write("\n" if self.first else ",\n")
        self.stream.write(rendered)
        self.first = False

    def flush(self) -> None:
        self.stream.flush()

    def output_paths(self) -> list[Path]:
        return [self.path]

    def close(self) -> None:
        self.stream.write("\n]\n")
        self.stream.close()


class ParquetWriter:
    """One Parquet file per table, written in row groups of ``rows_per_group`` rows.

    A Parquet file is valid only once closed (its footer is written last).  With
    ``append=True`` the row groups of complete files already there are copied into the new
    files first, batch by batch (Parquet files cannot be reopened for appending).
    """

    def __init__(self, out: Path, rows_per_group: int = 20000, append: bool = False) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .schema import arrow_schema

        self.pa, self.rows_per_group = pa, rows_per_group
        self.paths = _table_paths(out, ".parquet")
        self.schemas = {table: arrow_schema(table) for table in TABLES}
        self.writers: dict[Table, Any] = {}
        self.buffers: dict[Table, list[dict[str, Any]]] = {table: [] for table in TABLES}
        for table, path in self.paths.items():
            previous = None
            if append and _has_content(path):
                previous = path.with_name(path.name + ".resume")
                os.replace(path, previous)
            self.writers[table] = pq.ParquetWriter(path, self.schemas[table])
            if previous is not None:
                try:
                    old = pq.ParquetFile(previous)
                    for group in range(old.num_row_groups):
                        self.writers[table].write_table(
                            old.read_row_group(group).cast(self.schemas[table]))
                    old.close()
                except (OSError, ValueError, pa.ArrowException) as error:
                    self.close_all_quietly()
                    os.replace(previous, path)
                    raise TrialnlpError(
                        f"cannot continue {path}: not a complete Parquet file ({error})"
                    ) from error
                previous.unlink()

    renderer = staticmethod(render_rows)

    def write(self, trial: Trial) -> None:
        self.write_rendered(render_rows(trial))

    def write_rendered(self, rendered: tuple[list[dict[str, Any]], ...]) -> None:
        for table, rows in zip(TABLES, rendered, strict=True):
            self.buffers[table].extend(rows)
            if len(self.buffers[table]) >= self.rows_per_group:
                self._flush(table)

    def _flush(self, table: Table) -> None:
        rows = self.buffers[table]
        if rows:
            batch = self.pa.Table.from_pylist(rows, schema=self.schemas[table])
            self.writers[table].write_table(batch)
            rows.clear()

    def flush(self) -> None:
        """Nothing to do: row groups are written every ``rows_per_group`` rows and at close."""

    def output_paths(self) -> list[Path]:
        return list(self.paths.values())

    def close_all_quietly(self) -> None:
        for writer in self.writers.values():
            with contextlib.suppress(Exception):  # already failing: the first error is raised
                writer.close()

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


APPENDABLE = ("csv", "json", "jsonl", "parquet")


def open_writer(
    out: str | Path | None, fmt: str | None = None, append: bool = False
) -> TrialWriter:
    """A writer for ``out`` (see the module docstring); ``append`` continues its files."""
    fmt = resolve_format(out, fmt)
    path = None if out is None or str(out) == "-" else Path(out)
    if path is None and fmt != "jsonl":
        raise TrialnlpError(f"format {fmt} needs an output path (-o)")
    if append and (fmt not in APPENDABLE or path is None):
        raise TrialnlpError(
            f"cannot append to {'standard output' if path is None else fmt + ' output'}"
        )
    if fmt == "jsonl":
        return JsonLinesWriter(path, append=append)
    assert path is not None
    if fmt == "csv":
        return CsvWriter(path, append=append)
    if fmt == "xlsx":
        return XlsxWriter(path)
    if fmt == "json":
        return JsonWriter(path, append=append)
    return ParquetWriter(path, append=append)


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

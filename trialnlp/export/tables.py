"""Plain tables (a list of rows with fixed columns) to CSV, XLSX, JSON or JSONL.

For outputs that are not trials, such as ``trialnlp match``'s screening tables, with the
same spreadsheet safety as the trial writers (see :mod:`trialnlp.export.safety`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .safety import neutralise, xlsx_cells

TABLE_FORMATS = ("csv", "xlsx", "json", "jsonl")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value)


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """UTF-8 with a byte-order mark, RFC 4180 quoting, formula cells neutralised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])


def write_xlsx(path: Path, sheets: Mapping[str, tuple[Sequence[Mapping[str, Any]],
                                                        Sequence[str]]]) -> None:
    """One workbook, a sheet per table; text cells typed as strings (never formulas)."""
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    for name, (rows, columns) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for row in rows:
            sheet.append(xlsx_cells(sheet, [row.get(column) for column in columns]))
    book.save(path)


def write_json(path: Path, data: Any, lines: bool = False) -> None:
    """JSON (or JSON Lines when ``data`` is a list and ``lines``); text kept untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        if lines:
            for item in data:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        else:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.write("\n")

"""Spreadsheet safety for text cells (OWASP CSV-injection guidance).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run
as a formula by spreadsheet programs.  In CSV we prefix such cells with ``'`` (the
spreadsheet shows the text, not a formula); XLSX cells are written with the string type
instead, so nothing is prefixed there.  JSON, JSONL and Parquet keep text untouched.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so XLSX) cannot hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XLSX_CELL_LIMIT = 32767


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_text(value: str) -> str:
    """Text XLSX can store: illegal control characters replaced, cut at the cell limit."""
    value = _XML_ILLEGAL.sub("\ufffd", value)
    if len(value) > XLSX_CELL_LIMIT:
        value = value[: XLSX_CELL_LIMIT - 1] + "…"
    return value


def xlsx_cells(sheet: Any, values: list[Any]) -> list[Any]:
    """A row of write-only cells; text typed as a string cell, never read as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=None)
            cell.value = xlsx_text(value)
            cell.data_type = "s"
        else:
            cell = WriteOnlyCell(sheet, value=value)
        cells.append(cell)
    return cells

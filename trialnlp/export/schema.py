"""Column types of the tables, for typed outputs (Parquet)."""

from __future__ import annotations

from typing import Any

from ..trial import COLUMNS, Table

_INTS = {"depth", "start", "end", "n_inclusion", "n_exclusion", "n_unspecified",
         "n_criteria", "n_constraints"}
_FLOATS = {"minimum_age", "maximum_age", "value", "value_max", "dose_value",
           "dose_value_max", "window_amount", "code_score"}
_BOOLS = {"healthy_volunteers", "negated", "historical", "hypothetical"}


def arrow_schema(table: Table) -> Any:
    import pyarrow as pa

    def kind(column: str) -> Any:
        if column in _INTS:
            return pa.int64()
        if column in _FLOATS:
            return pa.float64()
        if column in _BOOLS:
            return pa.bool_()
        return pa.string()

    return pa.schema([(column, kind(column)) for column in COLUMNS[table]])

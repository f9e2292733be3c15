"""Dask: the pipeline over a cluster, and over a user's own Dask bag or dataframe.

Needs the ``dask`` extra (``pip install 'trialnlp[dask]'``) here and on every worker.
Each worker process builds the pipeline once, on first use, and keeps it
(:func:`trialnlp.batch.worker.worker_pipeline`); only plain data travels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import TrialnlpError, UsageError
from ..readers.ctgov import is_v2_study, study_record
from ..readers.encoding import normalise_newlines
from ..readers.tabular import Fields, flat_record
from ..readers.text import page_record
from ..trial import COLUMNS, TABLES, Trial
from .worker import Item, ParseOptions, Pipes, process_items, worker_pipeline


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as error:
        raise TrialnlpError(
            "the Dask engine needs dask and distributed: pip install 'trialnlp[dask]'"
        ) from error


def connect(scheduler: str | None, jobs: int | None, client: Any = None) -> tuple[Any, list[Any]]:
    """A Client for ``scheduler`` (``tcp://host:8786``), or for a new local cluster of
    ``jobs`` single-threaded worker processes; and what the caller must close."""
    if client is not None:
        return client, []
    _require_dask()
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as error:
            raise TrialnlpError(f"cannot reach the Dask scheduler at {scheduler}: {error}") \
                from error
        return client, [client]
    cluster = LocalCluster(n_workers=jobs or 1, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    return client, [cluster, client]


# -- map_dask ------------------------------------------------------------------------------
def _as_record(value: Any, source: str, fields: Fields) -> Item:
    """One element of a bag (a record dict, a CT.gov API v2 study, or the text itself)."""
    if isinstance(value, str):
        return page_record(normalise_newlines(value), source=source, fmt="text",
                           fallback_id=None)
    if isinstance(value, Mapping):
        if is_v2_study(value):
            return study_record(value, source=source, fallback_id=None)
        return flat_record(value, source=source, fmt="record", fallback_id=None, fields=fields)
    from ..types import ReadError

    return ReadError(source, f"expected a record (dict) or text, got {type(value).__name__}")


def _trials(values: Iterable[tuple[str, Any]], fields: Fields, pipes: Pipes,
            options: ParseOptions) -> list[Trial]:
    items = [options.limit(_as_record(value, source, fields)) for source, value in values]
    return process_items(items, worker_pipeline(pipes), options=options) if items else []


def _bag_partition(partition: Iterable[Any], number: int, fields: Fields, pipes: Pipes,
                   table: str | None, options: ParseOptions) -> list[Any]:
    trials = _trials(((f"partition {number} #{i + 1}", v) for i, v in enumerate(partition)),
                     fields, pipes, options)
    if table is None:
        return trials
    return [row for trial in trials for row in trial.rows(table)]  # type: ignore[arg-type]


def _frame(rows: list[dict[str, Any]], table: str) -> Any:
    import pandas as pd
    import pyarrow as pa

    from ..export.schema import arrow_schema

    arrow = pa.Table.from_pylist(rows, schema=arrow_schema(table))  # type: ignore[arg-type]
    return arrow.to_pandas(types_mapper=pd.ArrowDtype)


def _frame_partition(frame: Any, fields: Fields, pipes: Pipes, table: str,
                     text_column: str, id_column: str | None, options: ParseOptions) -> Any:
    columns = [c for c in frame.columns if c in (text_column, id_column) or c in _STRUCTURED]
    values = (
        (f"row {index}", {k: _plain(v) for k, v in row.items()})
        for index, row in zip(frame.index, frame[columns].to_dict("records"), strict=True)
    )
    trials = _trials(values, fields, pipes, options)
    return _frame([row for trial in trials for row in trial.rows(table)], table)  # type: ignore[arg-type]


_STRUCTURED = {"minimum_age", "minimumAge", "maximum_age", "maximumAge", "sex", "gender",
               "healthy_volunteers", "healthyVolunteers", "std_ages", "stdAges"}


def _plain(value: Any) -> Any:
    """Missing values (NaN, NA, None) as None; everything else as it is."""
    try:
        import pandas as pd

        if not isinstance(value, (list, tuple, dict)) and pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def map_dask(
    data: Any, text_column: str = "criteria", id_column: str | None = "nct_id", *,
    table: str | None = None, pipes: Pipes = None, model: str | None = None,
    max_chars: int | None = None,
) -> Any:
    """Map the trialnlp pipeline over a Dask bag or dataframe, lazily (nothing runs until
    you ``.compute()``, ``.to_parquet()``, ...).

    * a ``dask.dataframe.DataFrame``: one trial per row, its text in ``text_column`` and id
      in ``id_column`` (structured columns such as ``gender``, ``minimum_age``,
      ``maximum_age``, ``healthy_volunteers`` are used where present).  Returns a Dask
      dataframe of the rows of ``table`` (default ``"criteria"``; or ``"trials"``,
      ``"constraints"``), columns as in the CSV output, Arrow-backed dtypes.
    * a ``dask.bag.Bag`` of record dicts (flat records read with ``text_column`` and
      ``id_column``, or CT.gov API v2 studies) or of texts: returns a bag of
      :class:`~trialnlp.trial.Trial` (``table=None``), or of the row dicts of ``table``.

    ``model`` (``off``, ``values``, ``gaps``: default, ``all``) and ``max_chars`` (default
    1,000,000) as for ``trialnlp extract --model / --max-chars``.

    Each worker process builds the pipeline once and keeps it.  Every element becomes one
    Trial; one that cannot be read, or is over ``max_chars``, becomes a Trial with
    ``status == "error"``.
    """
    try:
        options = ParseOptions(model, max_chars)
    except ValueError as error:
        raise UsageError(str(error)) from error
    _require_dask()
    import dask.bag as db
    import dask.dataframe as dd

    if table is not None and table not in TABLES:
        raise UsageError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
    fields = Fields(text_column, id_column)
    if isinstance(data, dd.DataFrame):
        if text_column not in data.columns:
            raise UsageError(f"the dataframe has no column {text_column!r}; "
                             f"columns: {', '.join(map(str, data.columns))}")
        table = table or "criteria"
        return data.map_partitions(
            _frame_partition, fields, pipes, table, text_column, id_column, options,
            meta=_frame([], table),
        )
    if isinstance(data, db.Bag):
        from dask import delayed

        parts = data.to_delayed(optimize_graph=False)
        return db.from_delayed([
            delayed(_bag_partition, pure=True)(part, number, fields, pipes, table, options)
            for number, part in enumerate(parts)
        ])
    raise TypeError(f"map_dask() takes a dask bag or dataframe, not {type(data).__name__}")


__all__ = ["COLUMNS", "connect", "map_dask"]

"""Batch runs: whole registries, streamed, on all cores or a Dask cluster, resumable.

* :func:`run_batch` - inputs to output files, as ``trialnlp extract`` does (``--jobs``,
  ``--engine``, ``--resume``); returns a :class:`BatchSummary`.
* :func:`iter_trials` - records to Trials, lazily and in order, on ``jobs`` workers.
* :func:`map_dask` - the pipeline over your own Dask bag or dataframe (``dask`` extra).

Output order and content never depend on the number of workers or the engine.
"""

from __future__ import annotations

from typing import Any

from .engine import (
    DEFAULT_CHUNK_SIZE,
    ENGINES,
    default_jobs,
    iter_trials,
    start_method,
    trial_chunks,
)
from .run import BatchInterrupted, BatchProgress, BatchSummary, run_batch
from .worker import record_from_dict, record_to_dict


def map_dask(data: Any, text_column: str = "criteria", id_column: str | None = "nct_id",
             **options: Any) -> Any:
    """See :func:`trialnlp.batch.dask.map_dask` (imported on use: Dask is optional)."""
    from .dask import map_dask as _map_dask

    return _map_dask(data, text_column, id_column, **options)


__all__ = [
    "DEFAULT_CHUNK_SIZE", "ENGINES", "BatchInterrupted", "BatchProgress", "BatchSummary",
    "default_jobs", "iter_trials", "map_dask", "record_from_dict", "record_to_dict",
    "run_batch", "start_method", "trial_chunks",
]

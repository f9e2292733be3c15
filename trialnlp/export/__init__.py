"""Writing trials out: CSV, XLSX, JSON, JSONL and Parquet."""

from __future__ import annotations

from .writers import FORMATS, TrialWriter, open_writer, write_trials

__all__ = ["FORMATS", "TrialWriter", "open_writer", "write_trials"]

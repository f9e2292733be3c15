"""Imported once by the fork server that starts the worker processes (``forkserver``).

It imports spaCy and trialnlp and builds the default pipeline, with its NER model loaded
(whatever ``--model`` a run uses: loading it costs a fraction of a second), so that every
worker forked from the server starts with all of it in place (its pages shared
copy-on-write) instead of importing and building it again; and freezes it
(``gc.freeze``) so that it stays shared.  Nothing here may raise: a pipeline that cannot
be built is reported by each worker's initializer, with the reason.
"""

from __future__ import annotations

import contextlib
import gc

from .worker import worker_pipeline

with contextlib.suppress(Exception):
    _nlp = worker_pipeline(None)
    if "trialnlp_constraints" in _nlp.pipe_names:
        _nlp.get_pipe("trialnlp_constraints").load_model()
# What is here now lives as long as the workers: out of the garbage collector's sight, the
# pages holding it stay shared with every worker instead of being copied into each when a
# collection walks them.
gc.collect()
gc.freeze()

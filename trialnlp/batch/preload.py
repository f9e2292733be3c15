"""Imported once by the fork server that starts the worker processes (``forkserver``).

It imports spaCy and trialnlp and builds the default pipeline, with its NER model loaded
(whatever ``--model`` a run uses: loading it costs a fraction of a second), and parses one
warm-up text (what the components load on first use), so that every
worker forked from the server starts with all of it in place (its pages shared
copy-on-write) instead of importing and building it again; and freezes it
(``gc.freeze``) so that it stays shared.  Nothing here may raise: a pipeline that cannot
be built is reported by each worker's initializer, with the reason.
"""

from __future__ import annotations

import contextlib
import gc

from .worker import worker_pipeline

# One criterion of each kind loads what the components build on first use (the unit
# registry, the drug dictionary, the condition code index) here, once, for all workers.
WARM_UP = (
    "Inclusion Criteria:\n"
    "1. Age >= 18 years; ALT <= 2.5 x ULN and creatinine clearance > 60 mL/min/1.73 m2\n"
    "2. Testosterone < 1.7 nmol/mL\n"
    "Exclusion Criteria:\n"
    "1. Type 2 diabetes mellitus treated with metformin 500 mg within 6 months\n"
    "2. Prior chemotherapy\n"
)

with contextlib.suppress(Exception):
    _nlp = worker_pipeline(None)
    if "trialnlp_constraints" in _nlp.pipe_names:
        _nlp.get_pipe("trialnlp_constraints").load_model()
    _nlp(WARM_UP)
# What is here now lives as long as the workers: out of the garbage collector's sight, the
# pages holding it stay shared with every worker instead of being copied into each when a
# collection walks them.
gc.collect()
gc.freeze()

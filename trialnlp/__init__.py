"""trialnlp: clinical-trial eligibility text to structured, checkable constraints.

>>> import trialnlp
>>> trial = trialnlp.extract("Inclusion Criteria:\\n* Age 18 to 75 years\\n* ECOG 0-1")
>>> [c.text for c in trial.criteria]
['Age 18 to 75 years', 'ECOG 0-1']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import InputError, TrialnlpError
from .trial import Trial
from .types import Constraint, Criterion, Section, SourceRecord, StructuredFields

if TYPE_CHECKING:
    from .matching import MatchResult, Patient, load_patients, match
    from .pipeline import build_pipeline, default_pipeline, extract, extract_many

__version__ = "0.1.0"

# Imported on first use: the pipeline (spaCy, ~1 s), matching (pydantic, FHIR models).
# ``import trialnlp`` alone stays light, so that the command line and the main process of
# a multi-worker batch start at once (the workers import the pipeline).
_LAZY = {
    "build_pipeline": "pipeline", "default_pipeline": "pipeline", "extract": "pipeline",
    "extract_many": "pipeline",
    "match": "matching", "load_patients": "matching", "Patient": "matching",
    "MatchResult": "matching",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trialnlp' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)


__all__ = [
    "Constraint", "Criterion", "InputError", "MatchResult", "Patient", "Section",
    "SourceRecord", "StructuredFields", "Trial", "TrialnlpError", "__version__",
    "build_pipeline", "default_pipeline", "extract", "extract_many", "load_patients", "match",
]

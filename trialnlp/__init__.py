"""trialnlp: clinical-trial eligibility text to structured, checkable constraints.

>>> import trialnlp
>>> trial = trialnlp.extract("Inclusion Criteria:\\n* Age 18 to 75 years\\n* ECOG 0-1")
>>> [c.text for c in trial.criteria]
['Age 18 to 75 years', 'ECOG 0-1']
"""

from __future__ import annotations

from .errors import InputError, TrialnlpError
from .pipeline import build_pipeline, default_pipeline, extract, extract_many
from .trial import Trial
from .types import Constraint, Criterion, Section, SourceRecord, StructuredFields

__version__ = "0.1.0"

_MATCHING = ("match", "load_patients", "Patient", "MatchResult")


def __getattr__(name: str) -> object:
    """``trialnlp.match`` and friends, imported on first use (pydantic, FHIR models)."""
    if name in _MATCHING:
        from . import matching

        return getattr(matching, name)
    raise AttributeError(f"module 'trialnlp' has no attribute {name!r}")


__all__ = [
    "Constraint", "Criterion", "InputError", "MatchResult", "Patient", "Section",
    "SourceRecord", "StructuredFields", "Trial", "TrialnlpError", "__version__",
    "build_pipeline", "default_pipeline", "extract", "extract_many", "load_patients", "match",
]

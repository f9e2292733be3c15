"""Match patients against parsed trials: per-criterion verdicts with reasons.

``trialnlp.match(patient, trial)`` is :func:`trialnlp.matching.result.match`.  Stages:
``patient`` (the record, pydantic; ``fhir`` reads FHIR R4 Bundles into it), ``labs``
(analytes, unit conversion, reference ranges), ``vocab`` (codes and names), ``decide``
(one constraint), ``logic`` (criteria and the trial), ``result`` (what is returned).
"""

from .patient import Patient, PatientError, iter_patients, load_patients
from .result import MatchResult, match

__all__ = ["MatchResult", "Patient", "PatientError", "iter_patients", "load_patients", "match"]

"""The entity types of the Chia NER model and the Chia labels that are not entities."""

from __future__ import annotations

#: The eight types the scores are reported on (micro-average).
EVAL_TYPES: tuple[str, ...] = (
    "Condition",
    "Drug",
    "Procedure",
    "Measurement",
    "Observation",
    "Person",
    "Value",
    "Temporal",
)
#: Helper Chia types the shipped model also predicts (they win no overlap against EVAL_TYPES).
EXTRA_TYPES: tuple[str, ...] = ("Device", "Qualifier", "Negation", "Multiplier")
MODEL_TYPES: tuple[str, ...] = EVAL_TYPES + EXTRA_TYPES
#: Chia entity types the model does not predict: Reference_point is almost always inside a
#: Temporal (768 of 801 in train would be lost to overlaps), Mood/Visit/Scope are rare or
#: span whole phrases.
OTHER_TYPES: tuple[str, ...] = ("Reference_point", "Mood", "Visit", "Scope")
#: Annotator error / triage labels found in Chia: they mark spans, not entities.
ERROR_LABELS: frozenset[str] = frozenset(
    {
        "Competing_trial",
        "Context_Error",
        "Grammar_Error",
        "Informed_consent",
        "Intoxication_considerations",
        "Line",
        "Non-query-able",
        "Non-representable",
        "Not_a_criteria",
        "Parsing_Error",
        "Post-eligibility",
        "Pregnancy_considerations",
        "Subjective_judgement",
        "Undefined_semantics",
        "c-Requires_causality",
    }
)

"""The pipeline's options and their defaults, importable without spaCy.

The main process of a multi-worker batch (and the CLI until a command needs the
pipeline) imports only this, never :mod:`trialnlp.pipeline`: so the workers' fork
server starts while the main process is still starting, not after it has imported spaCy.
"""

from __future__ import annotations

from .types import ReadError, SourceRecord

DEFAULT_PIPES: tuple[str, ...] = (
    "trialnlp_sections",  # where the eligibility text is
    "trialnlp_criteria",  # the criteria tree; criteria become sentences
    "trialnlp_entities",  # lexicon terms, dictionary drugs, person cues
    "trialnlp_context",  # negation / history / hypothetical (the ConText algorithm)
    "trialnlp_constraints",  # values, windows and mentions -> Constraint records
)

# How much the NER model does (the ``trialnlp_constraints`` component's ``model``).
MODEL_MODES: tuple[str, ...] = ("off", "values", "gaps", "all")
DEFAULT_MODEL = "gaps"
# The longest record (characters) parsed; a longer one becomes an error row.
DEFAULT_MAX_CHARS = 1_000_000


def check_model(model: str | None) -> None:
    if model is not None and model not in MODEL_MODES:
        raise ValueError(f"model={model!r}; expected one of {', '.join(MODEL_MODES)}")


def check_max_chars(max_chars: int) -> int:
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    return max_chars


def too_long(record: SourceRecord | ReadError, max_chars: int) -> ReadError | None:
    """The error a record longer than ``max_chars`` characters, or one whose text is no
    string, becomes (checked before anything is tokenized); None for a record within the
    limit, or a ReadError."""
    if not isinstance(record, SourceRecord):
        return None
    if not isinstance(record.text, str):  # a SourceRecord built by hand from bad data
        return ReadError(record.source, "record text is "
                         f"{type(record.text).__name__}, not a string", record.trial_id)
    if len(record.text) <= max_chars:
        return None
    return ReadError(
        record.source,
        f"text is {len(record.text):,} characters, over the limit of {max_chars:,} per "
        "record; split the record or raise the limit with --max-chars",
        record.trial_id)

"""``Trial``: what the pipeline returns for one input record, and its tables."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .constraints.assemble import structured_constraints
from .types import (
    CONSTRAINT_COLUMNS,
    CRITERION_COLUMNS,
    Constraint,
    Criterion,
    Section,
    StructuredFields,
)

if TYPE_CHECKING:
    import pandas as pd

Table = Literal["trials", "criteria", "constraints"]
TABLES: tuple[Table, ...] = ("trials", "criteria", "constraints")

TRIAL_COLUMNS: tuple[str, ...] = (
    "trial_id", "source", "format", "status", "error",
    "minimum_age", "minimum_age_unit", "maximum_age", "maximum_age_unit", "sex",
    "healthy_volunteers", "std_ages", "sections", "n_inclusion", "n_exclusion",
    "n_unspecified", "n_criteria", "n_constraints", "warnings",
)
CRITERIA_TABLE_COLUMNS: tuple[str, ...] = ("trial_id", *CRITERION_COLUMNS, "source")
WINDOW_COLUMNS: tuple[str, ...] = (
    "window_amount", "window_unit", "window_relation", "window_anchor", "window_text",
)
CONSTRAINTS_TABLE_COLUMNS: tuple[str, ...] = (
    "trial_id", "criterion_id", "constraint_id", "section",
    *CONSTRAINT_COLUMNS, *WINDOW_COLUMNS,
)
COLUMNS: dict[Table, tuple[str, ...]] = {
    "trials": TRIAL_COLUMNS,
    "criteria": CRITERIA_TABLE_COLUMNS,
    "constraints": CONSTRAINTS_TABLE_COLUMNS,
}


@dataclass(slots=True)
class Trial:
    """One trial's parse: structured fields, sections, and the criteria tree.

    A record that could not be read is a ``Trial`` with ``status == "error"`` and the
    reason in ``error``, so a batch never loses it.
    """

    trial_id: str
    source: str
    format: str
    text: str = ""
    structured: StructuredFields = field(default_factory=StructuredFields)
    sections: list[Section] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)
    warnings: tuple[str, ...] = ()
    status: Literal["ok", "error"] = "ok"
    error: str | None = None

    # -- navigation -------------------------------------------------------------
    def iter_criteria(self) -> Iterator[Criterion]:
        """Every criterion, parents before their sub-criteria, in reading order."""
        for criterion in self.criteria:
            yield from criterion.walk()

    def iter_constraints(self) -> Iterator[Constraint]:
        """Constraints from the structured fields first, then those of each criterion."""
        if self.status == "ok":
            yield from structured_constraints(self.structured)
        for criterion in self.iter_criteria():
            yield from criterion.constraints

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.iter_criteria():
            if criterion.criterion_id == criterion_id:
                return criterion
        raise KeyError(f"{self.trial_id} has no criterion {criterion_id!r}")

    # -- rows ------------------------------------------------------------------------
    def rows(self, table: Table) -> list[dict[str, Any]]:
        """The rows this trial contributes to ``table`` (plain dicts, in column order)."""
        if table == "trials":
            return [self._trial_row()]
        if table == "criteria":
            return [
                {"trial_id": self.trial_id, **{k: getattr(c, k) for k in CRITERION_COLUMNS},
                 "source": self.source}
                for c in self.iter_criteria()
            ]
        if table == "constraints":
            sections = {c.criterion_id: c.section for c in self.iter_criteria()}
            return [self._constraint_row(c, sections) for c in self.iter_constraints()]
        raise ValueError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")

    def _trial_row(self) -> dict[str, Any]:
        s = self.structured
        counts = {"inclusion": 0, "exclusion": 0, "unspecified": 0}
        for criterion in self.iter_criteria():
            counts[criterion.section] += 1
        section_list = ";".join(
            sec.name + ("(empty)" if sec.end <= sec.start else "") for sec in self.sections
        )
        return {
            "trial_id": self.trial_id, "source": self.source, "format": self.format,
            "status": self.status, "error": self.error,
            "minimum_age": s.minimum_age.value if s.minimum_age else None,
            "minimum_age_unit": s.minimum_age.unit if s.minimum_age else None,
            "maximum_age": s.maximum_age.value if s.maximum_age else None,
            "maximum_age_unit": s.maximum_age.unit if s.maximum_age else None,
            "sex": s.sex, "healthy_volunteers": s.healthy_volunteers,
            "std_ages": ";".join(s.std_ages) or None,
            "sections": section_list or None,
            "n_inclusion": counts["inclusion"], "n_exclusion": counts["exclusion"],
            "n_unspecified": counts["unspecified"], "n_criteria": sum(counts.values()),
            "n_constraints": sum(1 for _ in self.iter_constraints()),
            "warnings": " | ".join(self.warnings) or None,
        }

    def _constraint_row(self, constraint: Constraint,
                        sections: dict[str, str]) -> dict[str, Any]:
        data = constraint.to_dict()
        window = data.pop("window") or {}
        data["triggers"] = ";".join(data["triggers"]) or None
        row = {"trial_id": self.trial_id, "section": sections.get(constraint.criterion_id),
               **data}
        for column in WINDOW_COLUMNS:
            row[column] = window.get(column.removeprefix("window_"))
        return {column: row.get(column) for column in CONSTRAINTS_TABLE_COLUMNS}

    # -- conversions -----------------------------------------------------------------
    def to_dict(self, include_text: bool = False) -> dict[str, Any]:
        """Nested plain data: criteria (with constraints and children) under the trial."""
        data: dict[str, Any] = {
            "trial_id": self.trial_id, "source": self.source, "format": self.format,
            "status": self.status, "error": self.error,
            "structured": self.structured.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
            "criteria": [c.to_dict() for c in self.criteria],
            "warnings": list(self.warnings),
        }
        if include_text:
            data["text"] = self.text
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trial:
        """The inverse of ``to_dict()``: ``Trial.from_dict(t.to_dict(include_text=True)) == t``.

        Without ``text`` in ``data`` the trial's text is empty.  Batch workers send trials
        to the main process this way, as plain data.
        """
        return cls(
            trial_id=data["trial_id"], source=data["source"], format=data["format"],
            text=data.get("text") or "",
            structured=StructuredFields.from_dict(data.get("structured") or {}),
            sections=[Section.from_dict(s) for s in data.get("sections") or ()],
            criteria=[Criterion.from_dict(c) for c in data.get("criteria") or ()],
            warnings=tuple(data.get("warnings") or ()),
            status=data.get("status") or "ok", error=data.get("error"),
        )

    def to_frame(self, table: Table = "criteria") -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows(table), columns=list(COLUMNS[table]))

    @classmethod
    def failed(cls, trial_id: str | None, source: str, reason: str) -> Trial:
        return cls(trial_id=trial_id or source, source=source, format="", status="error",
                   error=reason)

"""The shared ClinicalTrials.gov corpora (../shared/corpora next to the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialnlp.readers import read_sources
from trialnlp.types import ReadError, SourceRecord

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
CTGOV = CORPORA / "ctgov"

pytestmark = pytest.mark.corpus


def _read(path: Path) -> list[SourceRecord]:
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    results = list(read_sources([path]))
    errors = [r for r in results if isinstance(r, ReadError)]
    assert not errors, errors[:5]
    return [r for r in results if isinstance(r, SourceRecord)]


def test_legacy_sample() -> None:
    path = CTGOV / "legacy_sample.jsonl"
    found = _read(path)
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    assert len(found) == lines == 3460
    assert all(r.trial_id and r.trial_id.startswith("NCT") for r in found)
    assert len({r.trial_id for r in found}) == 3460
    assert all(r.format == "jsonl" and not r.is_page for r in found)
    assert all(r.warnings == () for r in found)
    assert sum(1 for r in found if r.text.strip()) >= 3400
    assert sum(1 for r in found if r.structured.sex is not None) == 3460
    assert sum(1 for r in found if r.structured.minimum_age is not None) > 2500


@pytest.mark.parametrize(
    ("name", "count"), [("study_1.json", 1), ("studies_10.json", 10), ("studies_50.json", 50)]
)
def test_api_v2_pages(name: str, count: int) -> None:
    found = _read(CTGOV / "api_v2" / name)
    assert len(found) == count
    assert all(
        r.format == "ctgov_v2" and r.trial_id and r.trial_id.startswith("NCT") for r in found
    )
    assert all(r.text.strip() for r in found)
    assert all(r.structured.sex in ("all", "female", "male") for r in found)
    assert all(r.structured.healthy_volunteers is not None for r in found)
    assert all(r.warnings == () for r in found)

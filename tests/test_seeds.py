"""The five seed documents, read the way a careful human reads them (issue 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

import trialnlp
from trialnlp.criteria.splitter import clean_text
from trialnlp.trial import Trial

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed(prefix: str) -> Trial:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return trialnlp.extract(path)


def top(trial: Trial, section: str) -> list:
    return [c for c in trial.criteria if c.section == section]


def test_seed_000_exclusion_header_inside_inclusion_indentation() -> None:
    trial = seed("000")
    assert trial.trial_id == "NCT06221787"
    exclusion = top(trial, "exclusion")
    assert [c.number for c in exclusion] == [str(n) for n in range(1, 14)]
    assert all("Exclusion Criteria" not in c.text for c in trial.iter_criteria())
    assert top(trial, "inclusion")[0].text.startswith("Patients diagnosed with chloasma")
    s = trial.structured
    assert (s.minimum_age.value, s.maximum_age.value, s.sex) == (18, 60, "all")


def test_seed_001_markdown_escapes_and_structured_fields() -> None:
    trial = seed("001")
    assert trial.trial_id == "NCT06217627"
    assert top(trial, "inclusion")[0].text == "women participants aged > 25 years"
    assert len(top(trial, "inclusion")) == 3 and len(top(trial, "exclusion")) == 2
    s = trial.structured
    assert (s.minimum_age.value, s.maximum_age, s.sex, s.healthy_volunteers) == (25, None, "female", True)


def test_seed_002_split_at_semicolons() -> None:
    trial = seed("002")
    assert [c.text for c in top(trial, "exclusion")] == [
        "History of clotting disorders, uncontrolled diabetes",
        "Drug abuse, excessive drinking, malignant or autoimmune diseases, chemotherapy and "
        "immunosuppressive therapy",
        "Significant local infection or combined systemic infection",
        "Patients with severe heart, lung, liver, kidney, blood system and mental and nervous "
        "system diseases",
        "Women during pregnancy and lactation",
    ]
    assert len(top(trial, "inclusion")) == 3
    s = trial.structured
    assert (s.minimum_age.value, s.maximum_age.value, s.sex, s.healthy_volunteers) == (6, 60, "all", False)


def test_seed_003_numbering_as_written_and_nested_inline_items() -> None:
    trial = seed("003")
    inclusion = top(trial, "inclusion")
    assert [c.number for c in inclusion] == ["2", "3", "4", "5", "6"]
    four = inclusion[2]
    assert [c.number for c in four.children] == ["a", "b", "c"]
    assert [c.number for c in four.children[0].children] == ["i", "ii", "iii", "iv"]
    assert trial.criterion("inc.4.a.ii").parent_id == "inc.4.a"
    assert trial.criterion("inc.4.a.ii").depth == 2
    assert [c.number for c in top(trial, "exclusion")] == [str(n) for n in range(2, 11)]
    assert trial.criterion("inc.5.c").text.startswith("AZA, 6-MP, or MTX(≤15 mg/ week)")
    s = trial.structured
    assert (s.minimum_age.value, s.maximum_age.value, s.sex, s.healthy_volunteers) == (18, 75, "all", False)


def test_seed_004_empty_inclusion_and_fourteen_exclusions() -> None:
    trial = seed("004")
    assert [s.name for s in trial.sections] == ["inclusion", "exclusion"]
    assert trial.sections[0].start == trial.sections[0].end
    assert top(trial, "inclusion") == []
    exclusion = top(trial, "exclusion")
    assert len(exclusion) == 14
    assert [c.number for c in exclusion] == ["", "", "", "", "", "6", "", "8", "9", "10", "11",
                                             "12", "13", "14"]
    assert [c.path for c in exclusion] == [str(n) for n in range(1, 15)]
    assert exclusion[5].text.startswith("the subject's HIV antibody")
    assert exclusion[7].text.startswith("Drug or alcohol abuse")
    assert exclusion[8].text.startswith("Pregnant and lactating women")
    assert "inclusion section is empty" in trial.warnings


FURNITURE = ["FAQs", "What is a clinical trial", "Sponsors", "Add a private note", "Loading",
             "Study details", "Minimum Eligible Age", "Trial design", "Check the participation",
             "Primary purpose", "18 Years", "Sign up as volunteer"]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_page_furniture_never_becomes_a_criterion(prefix: str) -> None:
    trial = seed(prefix)
    for criterion in trial.iter_criteria():
        assert not any(word in criterion.text for word in FURNITURE), criterion.text
        assert clean_text(trial.text[criterion.start : criterion.end]) == criterion.text

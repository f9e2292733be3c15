from __future__ import annotations

import pytest

from trialnlp.sections.finder import find_sections


def names(text: str, is_page: bool = False) -> list[tuple[str, str]]:
    return [(s.name, text[s.start : s.end]) for s in find_sections(text, is_page)]


@pytest.mark.parametrize(
    "header",
    ["Inclusion Criteria:", "Inclusion criteria", "INCLUSION CRITERIA", "Key Inclusion Criteria:",
     "Inclusion:", "## Inclusion Criteria", "**Inclusion criteria:**", "-  INCLUSION CRITERIA:",
     "Inclusion Criteria for Cohort A:", "Patients must meet all of the following inclusion criteria:"],
)
def test_inclusion_header_spellings(header: str) -> None:
    text = f"{header}\n- age 18 or older\nExclusion Criteria:\n- pregnancy\n"
    assert names(text) == [("inclusion", "- age 18 or older"), ("exclusion", "- pregnancy")]


@pytest.mark.parametrize("header", ["İnclusion Criteria:", "İNCLUSİON CRİTERİA"])
def test_header_with_a_dotted_capital_i(header: str) -> None:
    # 'İ'.lower() is two characters; the header still names its section (it used to raise).
    text = f"{header}\n- age 18 or older\nExclusion Criteria:\n- pregnancy\n"
    assert names(text) == [("inclusion", "- age 18 or older"), ("exclusion", "- pregnancy")]


def test_header_with_inline_content() -> None:
    assert names("Inclusion Criteria: adults with asthma")[0] == ("inclusion", "adults with asthma")


def test_header_glued_to_previous_line() -> None:
    text = "Inclusion Criteria:\n- signed consent.Exclusion Criteria:\n- pregnancy"
    assert names(text) == [("inclusion", "- signed consent."), ("exclusion", "- pregnancy")]


def test_exclusion_header_indented_inside_last_item() -> None:
    text = (
        "Inclusion Criteria:\n\n  • Adults with melasma.\n        Willing to sign consent.\n"
        "        Exclusion Criteria:\n          1. Pregnancy;\n"
    )
    sections = names(text)
    assert [n for n, _ in sections] == ["inclusion", "exclusion"]
    assert "Exclusion" not in sections[0][1]
    assert sections[1][1] == "1. Pregnancy;"


def test_empty_section_stays_empty() -> None:
    text = "Inclusion criteria\nExclusion criteria\nThe subject is pregnant;\n"
    sections = find_sections(text)
    assert sections[0].name == "inclusion" and sections[0].start == sections[0].end
    assert text[sections[1].start : sections[1].end] == "The subject is pregnant;"


def test_no_headers_is_unspecified() -> None:
    assert names("Age 18 to 65\nNo pregnancy") == [("unspecified", "Age 18 to 65\nNo pregnancy")]


def test_mention_inside_a_criterion_is_not_a_header() -> None:
    text = "Inclusion Criteria:\n- meets none of the exclusion criteria listed below\n"
    assert [n for n, _ in names(text)] == ["inclusion"]


def test_page_furniture_is_cut_off() -> None:
    page = (
        "Menu\nHome\nEligibility Criteria\nCheck the participation requirements, including "
        "inclusion and exclusion rules.\nInclusion Criteria\n* adults\nExclusion Criteria\n"
        "* pregnancy\nMinimum Eligible Age\n25 Years\nSponsors\nACME\n"
    )
    assert names(page, is_page=True) == [("inclusion", "* adults"), ("exclusion", "* pregnancy")]


def test_page_without_headers_starts_after_eligibility_heading() -> None:
    page = "Title\nAbout\nSome text.\nEligibility\nAdults with asthma\nSponsors\nACME"
    assert names(page, is_page=True) == [("unspecified", "Adults with asthma")]


def test_registry_preamble_before_first_header_is_kept() -> None:
    text = "Patients with asthma.\nInclusion Criteria:\n- adults\n"
    assert [n for n, _ in names(text)] == ["unspecified", "inclusion"]

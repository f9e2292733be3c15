"""The structured-field parsers in trialnlp.readers.fields."""

from __future__ import annotations

import pytest

from trialnlp.readers import find_trial_id, parse_age_limit, parse_healthy_volunteers, parse_sex
from trialnlp.readers.fields import structured_fields
from trialnlp.types import AgeLimit


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("18 Years", 18.0, "a"),
        ("65 years", 65.0, "a"),
        ("1 Year", 1.0, "a"),
        ("18", 18.0, "a"),
        ("6 Months", 6.0, "mo"),
        ("1 Month", 1.0, "mo"),
        ("2 Weeks", 2.0, "wk"),
        ("3 Days", 3.0, "d"),
        ("12 Hours", 12.0, "h"),
        ("30 Minutes", 30.0, "min"),
        ("1 Minute", 1.0, "min"),
        ("  21 yrs ", 21.0, "a"),
        ("2.5 years", 2.5, "a"),
        ("18 years old", 18.0, "a"),
    ],
)
def test_parse_age_limit(text: str, value: float, unit: str) -> None:
    assert parse_age_limit(text) == AgeLimit(value, unit, text.strip())


@pytest.mark.parametrize(
    "text", ["N/A", "n/a", "", "  ", "None", "eighteen", "18 lightyears", None]
)
def test_parse_age_limit_none(text: str | None) -> None:
    assert parse_age_limit(text) is None


def test_parse_age_limit_numbers() -> None:
    assert parse_age_limit(18) == AgeLimit(18.0, "a", "18")
    assert parse_age_limit(True) is None
    assert parse_age_limit(-1) is None


def test_age_limit_in_years_round_trip() -> None:
    limit = parse_age_limit("6 Months")
    assert limit is not None and limit.in_years() == 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("All", "all"),
        ("ALL", "all"),
        ("Both", "all"),
        ("both sexes", "all"),
        ("Male and Female", "all"),
        ("men and women", "all"),
        ("FEMALE", "female"),
        ("Female", "female"),
        ("women", "female"),
        ("Women only", "female"),
        ("Male", "male"),
        ("MALE", "male"),
        ("men", "male"),
        ("Sex: Female", "female"),
        ("Sexes Eligible for Study: All", "all"),
        ("", None),
        ("unknown", None),
        (None, None),
    ],
)
def test_parse_sex(text: str | None, expected: str | None) -> None:
    assert parse_sex(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Accepts Healthy Volunteers", True),
        ("Accepts Healthy Volunteers Yes", True),
        ("Accepts Healthy Volunteers: Yes", True),
        ("Accepts Healthy Volunteers: No", False),
        ("Accepts Healthy Volunteers No", False),
        ("No Healthy Volunteers", False),
        ("Does not accept healthy volunteers", False),
        ("Healthy volunteers: yes", True),
        ("Yes", True),
        ("No", False),
        ("t", True),
        ("f", False),
        ("true", True),
        ("FALSE", False),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("", None),
        ("N/A", None),
        ("maybe", None),
        (None, None),
        (7, None),
    ],
)
def test_parse_healthy_volunteers(value: str | bool | int | None, expected: bool | None) -> None:
    assert parse_healthy_volunteers(value) is expected


def test_find_trial_id_prefers_a_labelled_id() -> None:
    text = "See NCT01111111 and NCT01111111 again.\nNCT Number: NCT04512345\nNCT01111111"
    assert find_trial_id(text) == "NCT04512345"


@pytest.mark.parametrize(
    "label",
    [
        "NCT ID: ",
        "NCT Number ",
        "NCT Number\n",
        "ClinicalTrials.gov ID ",
        "Identifier: ",
        "ClinicalTrials.gov Identifier: ",
        "nct id:",
    ],
)
def test_find_trial_id_labels(label: str) -> None:
    assert find_trial_id(f"Related: NCT00000001 NCT00000001\n{label}NCT09876543") == "NCT09876543"


def test_find_trial_id_most_frequent_then_first() -> None:
    assert find_trial_id("NCT00000001 NCT00000002 NCT00000002") == "NCT00000002"
    assert find_trial_id("NCT00000003 then NCT00000001 NCT00000001 NCT00000003") == "NCT00000003"


def test_find_trial_id_edge_cases() -> None:
    assert find_trial_id("no id here") is None
    assert find_trial_id("") is None
    assert find_trial_id("nct01234567 in lower case") == "NCT01234567"
    assert find_trial_id("NCT123456789 has nine digits, XNCT01234567 is glued") is None
    assert find_trial_id("(NCT01234567).") == "NCT01234567"


def test_structured_fields_warns_about_values_it_cannot_read() -> None:
    fields, warnings = structured_fields(
        minimum_age="eighteen",
        maximum_age="N/A",
        sex="X",
        healthy_volunteers="",
        std_ages="ADULT, CHILD",
    )
    assert fields.minimum_age is None and fields.maximum_age is None and fields.sex is None
    assert fields.std_ages == ("ADULT", "CHILD")
    assert len(warnings) == 2
    assert "minimum_age 'eighteen'" in warnings[0] and "expected" in warnings[0]
    assert "sex 'X'" in warnings[1]


def test_structured_fields_all_set() -> None:
    fields, warnings = structured_fields(
        minimum_age="18 Years",
        maximum_age="65 Years",
        sex="FEMALE",
        healthy_volunteers=False,
        std_ages=["ADULT", "OLDER_ADULT"],
    )
    assert warnings == []
    assert fields.minimum_age == AgeLimit(18.0, "a", "18 Years")
    assert fields.maximum_age == AgeLimit(65.0, "a", "65 Years")
    assert (fields.sex, fields.healthy_volunteers) == ("female", False)
    assert fields.std_ages == ("ADULT", "OLDER_ADULT")

"""find_values / parse_number: comparators, ranges, numbers, normal limits, units, offsets."""

from __future__ import annotations

import math
import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialnlp.constraints import phrases
from trialnlp.constraints import values as values_module
from trialnlp.constraints.values import ValueMention, find_values, parse_number
from trialnlp.resources import load_json

from .unit_spellings import SPELLINGS

CHIA_TRAIN = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "chia" / "train"


def one(text: str) -> ValueMention:
    mentions = find_values(text)
    assert len(mentions) == 1, mentions
    return mentions[0]


def summary(m: ValueMention) -> tuple[object, ...]:
    return (m.op, m.value, m.value_max, m.unit, m.relative_to)


def check_offsets(text: str, mentions: list[ValueMention]) -> None:
    previous_end = 0
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert m.start >= previous_end  # left to right, no overlap
        previous_end = m.end
        assert math.isfinite(m.value)
        assert m.value_max is None or math.isfinite(m.value_max)
        assert m.op in {">", ">=", "<", "<=", "=", "between"}
        assert (m.op == "between") == (m.value_max is not None)


# --- the real criteria from the brief -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ALT and/or AST≥ 2.5 times the upper limit of normal", [(">=", 2.5, None, None, "ULN")]),
        (
            "male serum creatinine ≥1.5mg/dl, female serum creatinine ≥1.4mg/dl",
            [(">=", 1.5, None, "mg/dL", None), (">=", 1.4, None, "mg/dL", None)],
        ),
        ("weight ≥40 kg", [(">=", 40.0, None, "kg", None)]),
        ("four-component Mayo score of 6-12 (inclusive)", [("between", 6.0, 12.0, None, None)]),
        ("oral prednisone ≥40mg/ day", [(">=", 40.0, None, "mg/d", None)]),
        ("AZA≥2 mg/kg/ day", [(">=", 2.0, None, "mg/kg/d", None)]),
        ("MTX(≤15 mg/ week)", [("<=", 15.0, None, "mg/wk", None)]),
        ("women participants aged \\> 25 years", [(">", 25.0, None, "a", None)]),
        (
            "Padua score ≥4 or Caprini score ≥5",
            [(">=", 4.0, None, None, None), (">=", 5.0, None, None, None)],
        ),
        (
            "consumed >2 alcoholic beverages per day or >14 alcoholic beverages per week",
            [(">", 2.0, None, "{beverage}/d", None), (">", 14.0, None, "{beverage}/wk", None)],
        ),
        ("Absolute neutrophil count ≥ 1.5 x 10^9/L", [(">=", 1.5, None, "10*9/L", None)]),
        ("platelets ≥ 100,000/mm3", [(">=", 100000.0, None, "/uL", None)]),
        (
            "AST, ALT < 2.5 x ULN (< 5 x ULN if liver metastases)",
            [("<", 2.5, None, None, "ULN"), ("<", 5.0, None, None, "ULN")],
        ),
        ("T-score ≤ -2.5", [("<=", -2.5, None, None, None)]),
        ("eGFR < 30 mL/min/1.73 m2", [("<", 30.0, None, "mL/min/{1.73_m2}", None)]),
        ("QTc > 470 msec", [(">", 470.0, None, "ms", None)]),
        ("HbA1c between 7.0% and 10.5%", [("between", 7.0, 10.5, "%", None)]),
        ("BMI 18.5 to 30 kg/m²", [("between", 18.5, 30.0, "kg/m2", None)]),
    ],
)
def test_real_criteria(text: str, expected: list[tuple[object, ...]]) -> None:
    mentions = find_values(text)
    check_offsets(text, mentions)
    assert [summary(m) for m in mentions] == expected


def test_mention_text_includes_the_comparator() -> None:
    m = one("ALT and/or AST≥ 2.5 times the upper limit of normal")
    assert m.text == "≥ 2.5 times the upper limit of normal"
    assert m.op_text == "≥"
    assert m.unit_text == "times the upper limit of normal"
    m = one("male serum creatinine ≥1.5mg/dl")
    assert (m.text, m.unit_text) == ("≥1.5mg/dl", "mg/dl")


# --- comparators ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "op"),
    [
        (">=", ">="),
        ("≥", ">="),
        ("≧", ">="),
        ("⩾", ">="),
        ("=>", ">="),
        (">", ">"),
        ("＞", ">"),
        ("<", "<"),
        ("＜", "<"),
        ("≤", "<="),
        ("≦", "<="),
        ("⩽", "<="),
        ("=<", "<="),
        ("<=", "<="),
        ("=", "="),
        ("\\>", ">"),
        ("\\<", "<"),
        ("\\>=", ">="),
        (">/=", ">="),
        ("</=", "<="),
        ("> or =", ">="),
        ("= or >", ">="),  # legacy CT.gov (AIDS trials of the 1990s)
        ("= or <", "<="),
        ("greater than or equal to", ">="),
        ("more than", ">"),
        ("greater than", ">"),
        ("at least", ">="),
        ("no less than", ">="),
        ("not less than", ">="),
        ("minimum", ">="),
        ("minimum of", ">="),
        ("no more than", "<="),
        ("not more than", "<="),
        ("not exceeding", "<="),
        ("not to exceed", "<="),
        ("up to", "<="),
        ("less than", "<"),
        ("lower than", "<"),
        ("below", "<"),
        ("above", ">"),
        ("over", ">"),
        ("under", "<"),
        ("exceeding", ">"),
        ("maximum", "<="),
        ("maximum of", "<="),
        ("Greater Than", ">"),
        ("less than or equal to", "<="),
    ],
)
def test_prefix_comparators(written: str, op: str) -> None:
    text = f"hemoglobin {written} 9 g/dL"
    m = one(text)
    assert (m.op, m.value, m.unit, m.op_text) == (op, 9.0, "g/dL", written)
    assert m.text == f"{written} 9 g/dL"


@pytest.mark.parametrize(
    ("text", "op", "unit", "matched"),
    [
        ("aged 18 years or older", ">=", "a", "18 years or older"),
        ("65 or older", ">=", None, "65 or older"),
        ("18 years of age or older", ">=", "a", "18 years of age or older"),
        ("patients 18 years and above", ">=", "a", "18 years and above"),
        ("3 or more", ">=", None, "3 or more"),
        ("grade 2 or greater", ">=", None, "2 or greater"),
        ("75 years or younger", "<=", "a", "75 years or younger"),
        ("10 mg or less", "<=", "mg", "10 mg or less"),
        ("5 or below", "<=", None, "5 or below"),
    ],
)
def test_suffix_comparators(text: str, op: str, unit: str | None, matched: str) -> None:
    m = one(text)
    assert (m.op, m.unit, m.text) == (op, unit, matched)


def test_prefix_fillers_and_words_at_word_boundaries() -> None:
    assert summary(one("under the age of 21")) == ("<", 21.0, None, None, None)
    assert one("hangover 5 mg").op == "="  # "over" inside a word is no comparator


# --- ranges -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("aged 18 to 75", 18.0, 75.0, None),
        ("aged 18-75", 18.0, 75.0, None),
        ("aged 18 – 75 years", 18.0, 75.0, "a"),
        ("score 6-12 (inclusive)", 6.0, 12.0, None),
        ("between 18 and 75", 18.0, 75.0, None),
        ("from 18 to 75", 18.0, 75.0, None),
        ("18 ~ 75", 18.0, 75.0, None),
        ("18～75", 18.0, 75.0, None),
        ("between 18 and 75 years", 18.0, 75.0, "a"),
        ("between the ages of 18 and 65", 18.0, 65.0, None),
        ("18 years to 65 years", 18.0, 65.0, "a"),
        ("aged 18 to 65 years, inclusive", 18.0, 65.0, "a"),
        ("1.5-3 x ULN", 1.5, 3.0, None),
        # an aside between the two ends of "between ... and ..."
        ("between 23.0 kilogram per meter square (kg/m^2) and 39.9 kg/m^2", 23.0, 39.9, "kg/m2"),
        ("between 18 kg/m2 (inclusive) and 30 kg/m2", 18.0, 30.0, "kg/m2"),
    ],
)
def test_ranges(text: str, low: float, high: float, unit: str | None) -> None:
    m = one(text)
    assert (m.op, m.value, m.value_max, m.unit) == ("between", low, high, unit)
    check_offsets(text, [m])


def test_range_text_and_inclusive() -> None:
    m = one("four-component Mayo score of 6-12 (inclusive)")
    assert m.text == "6-12 (inclusive)"
    assert one("aged 18 to 65 years, inclusive").text == "18 to 65 years, inclusive"


def test_not_ranges() -> None:
    assert find_values("6-MP") == []
    assert find_values("prior 6-MP therapy") == []
    assert summary(one("1-2 times")) == ("between", 1.0, 2.0, None, None)
    assert summary(one("1-2 times daily")) == ("between", 1.0, 2.0, "{times}/d", None)
    assert find_values("2019-12-31") == []  # a date: no descending range, no 12-31
    assert [m.value for m in find_values("≥ 18 and ≤ 65 years")] == [18.0, 65.0]


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1.5", 1.5),
        (".5", 0.5),
        ("100,000", 100000.0),
        ("1,500.5", 1500.5),
        ("-2.5", -2.5),
        ("−2.5", -2.5),
        ("18", 18.0),
        (" 7 ", 7.0),
        ("1.5 x 10^9", 1.5e9),
        ("1.5×10⁹", 1.5e9),
        ("2 × 10\\^3", 2000.0),
        ("1e3", 1000.0),
        ("5.", 5.0),
    ],
)
def test_parse_number(written: str, value: float) -> None:
    assert parse_number(written) == pytest.approx(value)


@pytest.mark.parametrize(
    "written",
    ["1e309", "NaN", "nan", "inf", "..5", "", "1,2", "1,0000", "abc", "1.2.3", "9" * 400, "--1"],
)
def test_parse_number_rejects(written: str) -> None:
    assert parse_number(written) is None


def test_parse_number_non_string() -> None:
    assert parse_number(None) is None  # type: ignore[arg-type]


def test_thousands_only_with_three_digits() -> None:
    assert summary(one("platelets ≥ 100,000/mm3")) == (">=", 100000.0, None, "/uL", None)
    assert find_values("ECOG 1, 2 or 3") == []
    assert [m.value for m in find_values("grade ≥1,2 or 3")] == [1.0]
    assert one("platelets 100 000/mm3").value == 100000.0
    # a stray space after the comma, read so only before a count per volume
    assert summary(one("WBC >12, 000 cells/mm3")) == (">", 12000.0, None, "/uL", None)
    assert one("platelet count > 100, 000/mm3").value == 100000.0
    assert [m.value for m in find_values("doses of 100, 200 mg")] != [100200.0]


@pytest.mark.parametrize(("text", "expected"), [
    ("pain 6/10 or higher", (">=", 6.0)), ("VAS 40/100 or more", (">=", 40.0)),
    ("pain score 5/10 or less", ("<=", 5.0)),
])
def test_a_score_out_of_its_maximum_before_a_suffix_comparator(text: str,
                                                               expected: tuple) -> None:
    (mention,) = find_values(text)
    assert (mention.op, mention.value) == expected and mention.text.startswith(
        str(int(expected[1])))


@pytest.mark.parametrize(("text", "values"), [
    ("BMI > 18,5 <30 kg/m2", [18.5, 30.0]),  # a Chia train criterion
    ("temperature >38,0 or <36,0", [38.0, 36.0]),
    ("INR < 2,3 or PT < 0,6 seconds", [2.3, 0.6]),
    ("glucose >11,1 at 2 hours", [11.1, 2.0]),
])
def test_decimal_comma_after_a_comparator(text: str, values: list[float]) -> None:
    assert [m.value for m in find_values(text)] == values


def test_decimal_comma_before_a_unit() -> None:
    assert summary(one("creatinine > 2,5 mg/dl")) == (">", 2.5, None, "mg/dL", None)


def test_leading_dot_and_negative() -> None:
    assert summary(one("dose .5 mg")) == ("=", 0.5, None, "mg", None)
    assert summary(one("T-score ≤ -2.5")) == ("<=", -2.5, None, None, None)
    assert summary(one("Z-score < -1.5 SD")) == ("<", -1.5, None, "{SD}", None)  # standard deviations


@pytest.mark.parametrize(
    "text",
    [
        "ANC ≥ 1.5 x 10^9/L",
        "ANC ≥ 1.5×10^9/L",
        "ANC ≥ 1.5 x 10⁹/L",
        "ANC ≥ 1.5x10⁹/L",
        "ANC ≥ 1.5 × 10\\^9/L",
        "ANC ≥ 1.5 x 10^9/l",
        "ANC ≥ 1.5 G/L",
        "ANC ≥ 1.5 x 109/L",
        "ANC ≥ 1.5 x10(9)/L",
        "ANC ≥ 1.5 10^9/L",
    ],
)
def test_powers_of_ten(text: str) -> None:
    assert summary(one(text)) == (">=", 1.5, None, "10*9/L", None)


def test_counts_per_volume() -> None:
    assert one("platelets ≥ 100 x 10^3/µL").unit == "10*3/uL"
    assert one("platelets ≥ 100,000/µL").unit == "/uL"
    assert one("CD4 > 200 cells/mm3").unit == "/uL"
    assert one("CD4 > 200 cells/μL").unit == "/uL"


@pytest.mark.parametrize(
    "text", ["1e309", "NaN", "..5", "1" * 500 + " mg", "x10⁹/L", "10^", ">", "≥ ."]
)
def test_degenerate_numbers_do_not_crash(text: str) -> None:
    check_offsets(text, find_values(text))


def test_huge_number_is_skipped() -> None:
    assert find_values("9" * 400 + " mg") == []


# --- normal limits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "op", "value", "relative_to"),
    [
        ("2.5 times the upper limit of normal", "=", 2.5, "ULN"),
        ("ALT ≤ 2.5 x ULN", "<=", 2.5, "ULN"),
        ("ALT ≤ 2.5xULN", "<=", 2.5, "ULN"),
        ("ALT ≤ 2.5X ULN", "<=", 2.5, "ULN"),
        ("≤ 3 × ULN", "<=", 3.0, "ULN"),
        ("> 1.5 ULN", ">", 1.5, "ULN"),
        ("≤ 1.5 × the institutional ULN", "<=", 1.5, "ULN"),
        ("< 3 times ULN", "<", 3.0, "ULN"),
        ("2.5-fold the upper normal limit", "=", 2.5, "ULN"),
        ("< 2 x upper limit of the normal range", "<", 2.0, "ULN"),
        ("< 3 x institutional upper limit of normal", "<", 3.0, "ULN"),
        ("> 2 x upper limit of normal (ULN)", ">", 2.0, "ULN"),
        ("INR > 1.4 times normal", ">", 1.4, "ULN"),
        ("> ULN", ">", 1.0, "ULN"),
        ("bilirubin above the upper limit of normal", ">", 1.0, "ULN"),
        ("< LLN", "<", 1.0, "LLN"),
        ("below the lower limit of normal", "<", 1.0, "LLN"),
        ("≤ institutional upper limit of normal", "<=", 1.0, "ULN"),
        ("≥ 0.8 x LLN", ">=", 0.8, "LLN"),
    ],
)
def test_normal_limits(text: str, op: str, value: float, relative_to: str) -> None:
    m = one(text)
    assert (m.op, m.value, m.unit, m.relative_to) == (op, value, None, relative_to)
    check_offsets(text, [m])


def test_normal_word_needs_a_multiplier() -> None:
    assert find_values("within normal limits") == []
    assert find_values("2 normal pregnancies") == []


# --- units ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "ucum"),
    SPELLINGS,
)
def test_units_after_numbers(written: str, ucum: str) -> None:
    text = f"value ≥ 12 {written}"
    m = one(text)
    assert (m.unit, m.unit_text) == (ucum, written)
    assert m.text == f"≥ 12 {written}"


def test_unit_spelling_case_matters_where_it_should() -> None:
    assert one("5 G/L").unit == "10*9/L"
    assert one("5 g/L").unit == "g/L"
    assert one("5 m walk").unit == "m"


def test_wine_volume_stays_millilitres() -> None:
    m = one("more than 150 ml of wine per day")
    assert (m.op, m.value, m.unit, m.text) == (">", 150.0, "mL", "more than 150 ml")


def test_hyphenated_units() -> None:
    assert summary(one("an 18-year-old")) == ("=", 18.0, None, "a", None)


# --- mention shape ----------------------------------------------------------------------


def test_bare_numbers_are_not_mentions() -> None:
    assert find_values("type 2 diabetes, stage 3, COVID-19, HIV-1, HbA1c") == []
    assert find_values("2nd line therapy") == []


def test_parenthesised_equivalent_takes_the_comparator() -> None:
    first, second = find_values("creatinine ≥1.5 mg/dL (133 µmol/L)")
    assert (first.op, first.unit) == (">=", "mg/dL")
    assert (second.op, second.value, second.unit, second.op_text) == (">=", 133.0, "umol/L", "")


def test_blood_pressure_pair() -> None:
    systolic, diastolic = find_values("BP < 140/90 mmHg")
    assert (systolic.op, systolic.value, systolic.unit, systolic.text) == (
        "<",
        140.0,
        "mm[Hg]",
        "< 140",
    )
    assert (diastolic.op, diastolic.value, diastolic.unit) == ("<", 90.0, "mm[Hg]")


def test_mentions_are_ordered_and_disjoint() -> None:
    text = "ALT > ULN and creatinine ≥ 1.5 mg/dL, platelets < 100 x 10^9/L or age over 75 years."
    mentions = find_values(text)
    check_offsets(text, mentions)
    assert [m.op for m in mentions] == [">", ">=", "<", ">"]


def test_value_mention_is_frozen() -> None:
    m = one("weight ≥40 kg")
    with pytest.raises(AttributeError):
        m.value = 3.0  # type: ignore[misc]


def test_empty_and_non_string_text() -> None:
    assert find_values("") == []
    assert find_values(None) == []  # type: ignore[arg-type]


# --- properties -------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        " ",
        "-",
        "–",
        ".",
        ",",
        "^",
        "\\",
        "x",
        "×",
        "10",
        "⁹",
        "/",
        "(",
        ")",
        "≥",
        "<",
        ">",
        "=",
        "\\>",
        "0",
        "1",
        "2.5",
        ".5",
        "100,000",
        "1e309",
        "NaN",
        "mg/dl",
        "ULN",
        "upper limit of normal",
        "between",
        "and",
        "to",
        "or more",
        "years",
        "times",
        "%",
        "kg/m²",
        "µmol/L",
        "-fold",
        "inclusive",
        "at least",
        "G/L",
        "mmHg",
        "\n",
        "9" * 40,
    ]
)
TEXTS = st.one_of(st.text(max_size=200), st.lists(FRAGMENTS, max_size=30).map("".join))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_find_values_never_raises_and_offsets_hold(text: str) -> None:
    check_offsets(text, find_values(text))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(FRAGMENTS, max_size=8).map("".join)))
def test_parse_number_never_raises_and_is_finite(text: str) -> None:
    value = parse_number(text)
    assert value is None or math.isfinite(value)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda f: round(f, 3)))
def test_parse_number_round_trips_plain_decimals(number: float) -> None:
    assert parse_number(f"{number:.3f}") == pytest.approx(number)


# --- corpus -----------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(not CHIA_TRAIN.is_dir(), reason="Chia corpus not present")
def test_chia_lines_keep_invariants() -> None:
    files = sorted(CHIA_TRAIN.glob("*.txt"))[:200]
    found = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            mentions = find_values(line)
            check_offsets(line, mentions)
            found += len(mentions)
    assert found > 100


# --- the fast path (lowered text, candidate starts) equals the full scans --------------


def full_scan(text: str) -> list[ValueMention]:
    """find_values with the fast path off: every regex scans the whole text."""
    with mock.patch.object(values_module, "fast_lowered", lambda text: None):
        return find_values(text)


_COMPARATORS = load_json("comparators.json")
VOCABULARY = sorted(
    {
        *(p for phrases in _COMPARATORS["prefix"].values() for p in phrases),
        *(p for phrases in _COMPARATORS["suffix"].values() for p in phrases),
        *(entry["phrase"] for entry in _COMPARATORS["normal_limits"]),
        *_COMPARATORS["range_connectors"],
        *_COMPARATORS["range_and"],
        *_COMPARATORS["inclusive"],
        *_COMPARATORS["multipliers"],
        *_COMPARATORS["limit_qualifiers"],
        *_COMPARATORS["limit_abbreviations"],
        *_COMPARATORS["prefix_fillers"],
        *_COMPARATORS["equivalent_openers"],
        *["0", "1", "18", "2.5", ".5", "-3", "1,500", "100 000", "10^9", "x10^9/L", "2,5"],
        *["mg/dL", "mg", "µmol/L", "years", "%", "mmHg", "cells/mm3", "G/L", "kg/m²"],
        *["abnormal", "the", "patients", "ALT", "HbA1c", "type", "st", "th", "1st"],
        *["\u0130", "\u0131", "\u017f", "\u212a", "é", "µ", "≥", "–", "\u00a0"],
    }
)
PIECES = st.tuples(
    st.sampled_from(VOCABULARY),
    st.sampled_from([str, str.upper, str.title, str.swapcase]),
    st.sampled_from(["", " ", " ", "  ", "\n", "-", ",", "(", ")", "/", ". ", ": "]),
).map(lambda piece: piece[1](piece[0]) + piece[2])
CASES = st.sampled_from([str, str.lower, str.upper, str.title])


def _slot(*phrases: str) -> st.SearchStrategy[str]:
    return st.sampled_from(["", *sorted(set(phrases))])


_PREFIXES = [p for phrases in _COMPARATORS["prefix"].values() for p in phrases]
_SUFFIXES = [p for phrases in _COMPARATORS["suffix"].values() for p in phrases]
_LIMITS = [entry["phrase"] for entry in _COMPARATORS["normal_limits"]]
_NUMBERS = ["1", "18", "2.5", "0.5", "1,500", "100 000", "2,5", "140", "-1"]
# value-shaped: [comparator [filler]] number [connector number] [unit | x limit] [suffix]
VALUES = st.tuples(
    _slot(*_PREFIXES),
    _slot(*_COMPARATORS["prefix_fillers"]),
    st.sampled_from(_NUMBERS),
    _slot(*_COMPARATORS["range_connectors"], *_COMPARATORS["range_and"]),
    _slot(*_NUMBERS),
    _slot("mg/dL", "x10^9/L", "years", "%", "mmHg", "g/L", "/mm3", "kg"),
    _slot(*_COMPARATORS["multipliers"]),
    _slot(*_COMPARATORS["limit_qualifiers"]),
    _slot(*_LIMITS),
    _slot(*_COMPARATORS["limit_abbreviations"], *_COMPARATORS["inclusive"]),
    _slot(*_SUFFIXES),
    CASES,
    st.sampled_from([" ", "  ", "", "\n"]),
).map(lambda t: t[-2](t[-1].join(w for w in t[:-2] if w)))
VOCABULARY_TEXTS = st.lists(st.one_of(PIECES, VALUES), max_size=8).map(" ".join)


@settings(max_examples=600, deadline=None)
@given(st.one_of(TEXTS, VOCABULARY_TEXTS))
def test_fast_path_equals_full_scan(text: str) -> None:
    assert find_values(text) == full_scan(text)


@pytest.mark.parametrize(
    "text",
    [
        "ALT > 2.5 x ULN and AST ≤ ULN; bilirubin below the lower limit of normal",
        "AGE ≥ 18 YEARS; CREATININE NOT MORE THAN 1.5 MG/DL",
        "Between the ages of 18 and 75 years, inclusive",
        "\u212areatinine ≤ 1.5 mg/dL (133 µmol/L)",  # Kelvin sign: the full scans run
        "L\u0130MIT > ULN, haemoglobin > 9 g/dL",
        "a maximum of 3 prior lines; >=2 cycles; > /= 100,000/mm3",
        "values greater than the upper limit of the normal range (ULN)",
        "abnormal values: 3 x normal",
    ],
)
def test_fast_path_examples(text: str) -> None:
    assert find_values(text) == full_scan(text)
    assert find_values(text.upper()) == full_scan(text.upper())


def test_lowered_text_lines_up_with_ignorecase() -> None:
    """The facts phrases.fast_lowered relies on, over every code point: only the trap characters
    match ASCII letters under (?i); other characters lower to one non-ASCII character; and
    the caseless start symbols of the fast paths only match, or lower to, themselves."""
    from trialnlp.constraints import temporal

    symbols = set(values_module.phrase_starts(values_module._PREFIX_OPS).symbols)
    for _, _, starts, _ in temporal._SPECS:
        symbols |= set(starts.symbols)
    letter = re.compile("(?i)[a-z]")
    symbol = re.compile("(?i)[" + "".join(re.escape(c) for c in sorted(symbols)) + "]")
    traps, matches_symbol, lowers_to_symbol = set(), set(), set()
    for code in range(0x110000):
        char = chr(code)
        lowered = char.lower()
        if lowered in symbols:
            lowers_to_symbol.add(char)
        if symbol.match(char):
            matches_symbol.add(char)
        if char.isascii():
            continue
        if letter.match(char):
            traps.add(char)
        elif char not in phrases._CASE_TRAPS:
            assert len(lowered) == 1 and not lowered.isascii(), hex(code)
    assert traps == set(phrases._CASE_TRAPS)
    assert matches_symbol == lowers_to_symbol == symbols


def test_fast_path_starts_cover_the_comparators() -> None:
    starts = values_module.phrase_starts(values_module._PREFIX_OPS)
    assert not starts.anywhere and "at" in starts.words and "≥" in starts.symbols
    assert values_module._OP_STARTS is not None and values_module._LIMIT_HINT is not None
    lowered = values_module.fast_lowered("Age at least 18; ≥ 2 ULN")
    assert lowered is not None
    assert values_module._comparator_starts(lowered) == [4, 17]


def test_full_runs_respect_word_boundaries() -> None:
    full_runs = phrases._full_runs
    assert full_runs("upper limit of normal") == ["upper", "limit", "of", "normal"]
    assert full_runs("year(s)") == ["year", "s"]
    assert full_runs("x", end=False) == []
    assert full_runs("fold", start=False) == []
    assert full_runs("c1d1") == ["c", "d"]
    assert full_runs("\u212aelvin") == []


@pytest.mark.corpus
@pytest.mark.skipif(not CHIA_TRAIN.is_dir(), reason="Chia corpus not present")
def test_chia_lines_fast_path_equals_full_scan() -> None:
    compared = 0
    for path in sorted(CHIA_TRAIN.glob("*.txt"))[:200]:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert find_values(line) == full_scan(line), line
            compared += 1
    assert compared > 500


@pytest.mark.parametrize(("text", "expected"), [
    ("ALT two times the ULN", ("=", 2.0, "ULN", "two times the ULN")),
    ("bilirubin > twice the upper limit of normal", (">", 2.0, "ULN", "> twice the upper limit of normal")),
    ("AST three times or more above ULN", (">=", 3.0, "ULN", "three times or more above ULN")),
    ("ALT >= three times upper limit of normal", (">=", 3.0, "ULN", ">= three times upper limit of normal")),
    ("Glasgow Coma Score below or equal to 8", ("<=", 8.0, None, "below or equal to 8")),
    ("CDR inferior or equal to 1", ("<=", 1.0, None, "inferior or equal to 1")),
    ("Tardieu score upper or equal to 2", (">=", 2.0, None, "upper or equal to 2")),
])
def test_word_multiples_and_spelled_comparators(text: str, expected: tuple) -> None:
    found = find_values(text)
    assert [(v.op, v.value, v.relative_to, v.text) for v in found] == [expected]


def test_number_words_need_a_multiplier() -> None:
    assert find_values("one or two ULN tests") == []


def test_comparator_restated_in_parentheses() -> None:
    (value,) = find_values("resting SBP less than (<) 90mmHg")
    assert (value.op, value.value, value.unit, value.text) == (
        "<", 90.0, "mm[Hg]", "less than (<) 90mmHg")


@pytest.mark.parametrize(("text", "expected"), [
    ("less than 1.5 time the upper limits of normal", ("<", 1.5, "ULN")),
    ("greater than 2 times age/sex adjusted normal values", (">", 2.0, "ULN")),
    ("at least 1 time per week", (">=", 1.0, None)),  # no normal limit: no multiple
    ("less than 4x top normal", ("<", 4.0, "ULN")),
    ("above 3 folds the upper normal values", (">", 3.0, "ULN")),
    ("within 3 times upper limit of normal", ("<=", 3.0, "ULN")),  # not "= 3 x ULN"
    (">2.5 maximum normal level", (">", 2.5, "ULN")),
    ("less than or equal to 1.5 times upper-limit-of-normal [ULN]", ("<=", 1.5, "ULN")),
    ("=< 2.5 x the upper limits of institutional normal", ("<=", 2.5, "ULN")),
    ("> 3 times the upper reference limit", (">", 3.0, "ULN")),
    ("< 2.5 x local laboratory upper limit of normal", ("<", 2.5, "ULN")),
    ("< 1.5 times the superior limit of normality", ("<", 1.5, "ULN")),
    ("less than or equal to 2.5 x of the upper limits of normal", ("<=", 2.5, "ULN")),
    ("no more than 2 times laboratory's upper limit of normal", ("<=", 2.0, "ULN")),
    ("at least 3 times above normal", (">=", 3.0, "ULN")),
    # a multiple of the lab's control value (PT, PTT), not seconds
    ("greater than 1.5 times control", (">", 1.5, "control")),
    ("less than or equal to 1.3 x control", ("<=", 1.3, "control")),
])
def test_legacy_spellings_of_normal_limit_multiples(text: str, expected: tuple) -> None:
    (value,) = find_values(text)
    assert (value.op, value.value, value.relative_to) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("BMI from 18.5 to less than 25.0 kg/m2", [(">=", 18.5, "kg/m2"), ("<", 25.0, "kg/m2")]),
    ("Age: 30 to under 75", [(">=", 30.0, None), ("<", 75.0, None)]),
    ("Serum Sodium 115 to <130mEq/L", [(">=", 115.0, "meq/L"), ("<", 130.0, "meq/L")]),
    ("ECOG 0-<2", None),  # no "to": not read as a lower end
])
def test_a_number_to_an_upper_bound_is_the_lower_end(text: str, expected: list | None) -> None:
    found = [(v.op, v.value, v.unit) for v in find_values(text)]
    if expected is None:
        assert all(op != ">=" for op, _, _ in found)
    else:
        assert found == expected

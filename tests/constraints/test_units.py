"""normalize_unit / match_unit / convert: the spelling table, the x10^9/L family, pint."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialnlp.constraints import units as units_module
from trialnlp.constraints.units import convert, match_unit, normalize_unit
from trialnlp.resources import load_json

from .unit_spellings import SPELLINGS


@pytest.mark.parametrize(
    ("written", "ucum"),
    [
        *SPELLINGS,  # also read after numbers (test_values.py)
        ('mg/dL', 'mg/dL'),
        ('MG/DL', 'mg/dL'),
        ('x10^9/L', '10*9/L'),
        ('×10⁹/L', '10*9/L'),
        ('10^9/L', '10*9/L'),
        ('x 10^9/l', '10*9/L'),
        ('G/L', '10*9/L'),
        ('x10\\^9/L', '10*9/L'),
        ('10*9/L', '10*9/L'),
        ('x 109/L', '10*9/L'),
        ('10^3/µL', '10*3/uL'),
        ('×10^12/L', '10*12/L'),
        ('/mm^3', '/uL'),
        ('/µL', '/uL'),
        ('/uL', '/uL'),
        ('cells/μL', '/uL'),
        ('/mm³', '/uL'),
        ('mIU/mL', 'm[IU]/mL'),
        ('alcoholic beverages per week', '{beverage}/wk'),
        ('°C', 'Cel'),
        ('℃', 'Cel'),
        ('  mg/dl  ', 'mg/dL'),
    ],
)
def test_normalize_unit_table(written: str, ucum: str) -> None:
    assert normalize_unit(written) == ucum


@pytest.mark.parametrize(
    ("written", "ucum"),
    [
        ("nmol/mL", "nmol/mL"),
        ("ng/dl", "ng/dL"),
        ("mcg/kg/h", "ug/kg/h"),
        ("fL", "fL"),
        ("kPa", "kPa"),
    ],
)
def test_normalize_unit_pint_compositions(written: str, ucum: str) -> None:
    assert normalize_unit(written) == ucum


@pytest.mark.parametrize(
    "written", ["", "foo", "and/or", "in/out", "1e309", "NaN", "x" * 200, "10**10**10", "M"]
)
def test_normalize_unit_unknown(written: str) -> None:
    assert normalize_unit(written) is None


def test_normalize_unit_non_string() -> None:
    assert normalize_unit(None) is None  # type: ignore[arg-type]


def test_case_matters_only_where_it_should() -> None:
    assert normalize_unit("G/L") == "10*9/L"
    assert normalize_unit("g/L") == "g/L"
    assert normalize_unit("g/l") == "g/L"
    assert normalize_unit("m") == "m"
    assert normalize_unit("mM") == "mmol/L"
    assert normalize_unit("MM") == "mm"


def test_every_ucum_code_normalizes_to_itself() -> None:
    for entry in load_json("units.json")["units"]:
        assert normalize_unit(entry["ucum"]) == entry["ucum"], entry["ucum"]


def test_match_unit_offsets() -> None:
    text = "creatinine 1.5 mg/ dL, ANC 1.5 ×10⁹/L"
    first = match_unit(text, text.index("mg"))
    assert first is not None
    assert (first.ucum, first.text) == ("mg/dL", "mg/ dL")
    assert text[first.start : first.end] == first.text
    second = match_unit(text, text.index("×"))
    assert second is not None
    assert (second.ucum, second.text) == ("10*9/L", "×10⁹/L")


def test_match_unit_respects_word_ends() -> None:
    assert match_unit("5 months", 2) is not None
    assert match_unit("5 months", 2).ucum == "mo"  # type: ignore[union-attr]
    assert match_unit("5 mgs", 2) is not None
    assert match_unit("5 mgx", 2) is None
    assert match_unit("abc", 10) is None
    assert match_unit("abc", -1) is None


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1.5, "10*9/L", "/uL", 1500.0),
        (100000, "/uL", "10*9/L", 100.0),
        (1, "a", "mo", 12.0),
        (2, "wk", "d", 14.0),
        (48, "h", "d", 2.0),
        (1, "mg/dL", "g/L", 0.01),
        (1, "mmol/L", "umol/L", 1000.0),
        (37, "Cel", "[degF]", 98.6),
        (2, "{beverage}/d", "{beverage}/wk", 14.0),
        (10, "mm[Hg]", "kPa", 1.33322),
        (5, "[IU]/L", "m[IU]/mL", 5.0),
        (1, "g/24.h", "mg/d", 1000.0),
        (3, "10*3/uL", "10*9/L", 3.0),
        (7, "mg/wk", "mg/d", 1.0),
        (2.5, "mg/kg/d", "mg/kg/d", 2.5),
    ],
)
def test_convert(value: float, source: str, target: str, expected: float) -> None:
    assert convert(value, source, target) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("mg/dL", "umol/L"),  # analyte-specific: not ours
        ("{beverage}/d", "{copies}/mL"),
        ("kg", "mL"),
        ("mL/min/{1.73_m2}", "mL/min"),
        ("nonsense", "mg"),
        ("10**10**10", "mg"),
        ("", "mg"),
    ],
)
def test_convert_refuses(source: str, target: str) -> None:
    assert convert(1.0, source, target) is None


def test_convert_refuses_non_finite() -> None:
    assert convert(float("nan"), "mg", "g") is None
    assert convert(float("inf"), "mg", "g") is None
    assert convert(1e308, "kg", "ug") is None
    assert convert("x", "mg", "g") is None  # type: ignore[arg-type]


def test_rule_file_shape() -> None:
    rules = load_json("units.json")
    assert {
        "units",
        "power_of_ten",
        "power_denominators",
        "pint",
        "pint_to_ucum",
        "ucum_to_pint",
    } <= set(rules)
    for entry in rules["units"]:
        assert isinstance(entry["ucum"], str) and entry["spellings"]
        assert all(isinstance(s, str) and s.strip() for s in entry["spellings"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalize_unit_never_raises(written: str) -> None:
    result = normalize_unit(written)
    assert result is None or isinstance(result, str)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["mg", "g", "a", "mo", "10*9/L", "/uL", "Cel", "x", "", "{a}/d", "%"]),
    st.one_of(st.text(max_size=12), st.sampled_from(["mg", "kg", "d", "wk", "/uL"])),
)
def test_convert_never_raises_and_is_finite(value: float, source: str, target: str) -> None:
    result = convert(value, source, target)
    assert result is None or math.isfinite(result)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.integers(min_value=-2, max_value=45))
def test_match_unit_never_raises(text: str, pos: int) -> None:
    found = match_unit(text, pos)
    if found is not None:
        assert 0 <= found.start < found.end <= len(text)
        assert text[found.start : found.end] == found.text


# --- match_unit tries only the table alternatives that can start at the position --------

_UNIT_RULES = load_json("units.json")
SPELLINGS = sorted(
    {
        *(s for entry in _UNIT_RULES["units"] for s in entry["spellings"]),
        *(s for spellings in _UNIT_RULES["power_denominators"].values() for s in spellings),
    }
)
UNIT_TEXTS = st.lists(
    st.tuples(
        st.sampled_from([*SPELLINGS, "x10^9", "µ", "μ", "Μ", "°", "\u212a", "\u017f", "é", "1"]),
        st.sampled_from([str, str.lower, str.upper, str.title, str.swapcase]),
        st.sampled_from(["", " ", "  ", "\n", "/", "-", "(", ")", ".", "\t"]),
    ).map(lambda piece: piece[1](piece[0]) + piece[2]),
    max_size=6,
).map("".join)


def _same_as_full_alternation(text: str) -> None:
    for table in (units_module._TABLE, units_module._DENOMINATORS):
        for pos in range(len(text) + 1):
            fast, full = table.match(text, pos), table.pattern.match(text, pos)
            assert (fast and fast.group()) == (full and full.group()), (text, pos)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=40), UNIT_TEXTS))
def test_table_dispatch_equals_full_alternation(text: str) -> None:
    _same_as_full_alternation(text)


def test_table_dispatch_on_every_spelling() -> None:
    for spelling in SPELLINGS:
        for written in (spelling, spelling.upper(), spelling.lower(), spelling.title()):
            _same_as_full_alternation(f" {written} ")


@pytest.mark.parametrize(("written", "ucum"), [
    ("K/uL", "10*3/uL"), ("K/µL", "10*3/uL"), ("thou/uL", "10*3/uL"), ("M/uL", "10*6/uL"),
    ("ukat/L", "ukat/L"), ("µkat/L", "ukat/L"),
    ("torr", "mm[Hg]"), ("μm", "um"), ("microns", "um"), ("µM", "umol/L"),
    ("kcal/day", "kcal/d"), ("calories per day", "kcal/d"), ("SD", "{SD}"),
    ("standard deviations", "{SD}"), ("DA", "{disc_area}"), ("disc areas", "{disc_area}"),
])
def test_count_and_katal_spellings(written: str, ucum: str) -> None:
    assert normalize_unit(written) == ucum


def test_katal_and_thousands_convert() -> None:
    assert convert(1.0, "ukat/L", "U/L") == pytest.approx(60.0)
    assert convert(150.0, "10*3/uL", "10*9/L") == pytest.approx(150.0)


@pytest.mark.parametrize(("written", "ucum", "end"), [
    ("kg/m(2))", "kg/m2", 7),  # legacy CT.gov: a superscript written in brackets
    ("cells/mm(3) on", "/uL", 11),
    ("per mm(3)", "/uL", 9),
    ("mL/min/1.73 m(2)", "mL/min/{1.73_m2}", 16),
    ("mg/m(2)/day", "mg/m2/d", 11),
    ("mg (2)", "mg", 2),  # not a superscript: a space, and mg takes none
    ("cc per min", "mL/min", 10),
    ("h-1 or", "/h", 3),  # a negative exponent is a rate: "AHI < 5 h-1"
    ("min−1", "/min", 5),
    ("mL.min-1.1.73m-2)", "mL/min/{1.73_m2}", 16),
    ("ml•min-1•1.73m-2;", "mL/min/{1.73_m2}", 16),
    ("mL·min−1·1.73 m−2", "mL/min/{1.73_m2}", 17),
])
def test_bracketed_superscripts_and_per_spellings(written: str, ucum: str, end: int) -> None:
    found = match_unit(written, 0)
    assert found is not None and (found.ucum, found.end) == (ucum, end)
    assert found.text == written[:end]

"""Lab analytes, unit conversion and default reference ranges (trialnlp.matching.labs)."""

from __future__ import annotations

import pytest

from trialnlp.matching.labs import (
    DEFAULT_RANGE_SOURCE,
    Analyte,
    ReferenceRange,
    UnitError,
    analyte_by_id,
    convert_lab,
    default_range,
    display_unit,
    resolve_analyte,
    same_analyte,
)
from trialnlp.resources import iter_jsonl


def lab(analyte_id: str) -> Analyte:
    analyte = analyte_by_id(analyte_id)
    assert analyte is not None, analyte_id
    return analyte


# --- conversions -------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "unit", "to_unit", "analyte_id", "expected"), [
    # mass <-> substance concentration through the molar mass
    (140, "µmol/L", "mg/dL", "creatinine", 1.58),
    (140, "umol/L", "mg/dl", "creatinine", 1.58),
    (1.58, "mg/dL", "umol/L", "creatinine", 139.7),
    (5.5, "mmol/L", "mg/dL", "glucose", 99.1),
    (99.1, "mg/dl", "mmol/l", "glucose", 5.5),
    (17.1, "µmol/L", "mg/dL", "bilirubin_total", 1.0),
    (20, "mg/dL", "mmol/L", "bun", 7.14),  # urea nitrogen: 2 N per urea
    (30, "mg/dL", "mmol/L", "urea", 5.0),
    (200, "mg/dL", "mmol/L", "cholesterol_total", 5.17),
    (100, "mg/dL", "mmol/L", "ldl", 2.59),
    (150, "mg/dL", "mmol/L", "triglycerides", 1.69),
    (6.0, "mg/dL", "µmol/L", "uric_acid", 357),
    (10, "mg/dL", "mmol/L", "calcium", 2.50),
    (2.0, "mg/dL", "mmol/L", "magnesium", 0.823),
    (3.1, "mg/dL", "mmol/L", "phosphate", 1.0),
    (100, "µg/dL", "µmol/L", "iron", 17.9),
    (30, "ng/mL", "nmol/L", "vitamin_d", 74.9),
    (30, "mg/g", "mg/mmol", "uacr", 3.39),  # creatinine in the denominator
    # mEq <-> mmol through the valence (and on to mass)
    (140, "mEq/L", "mmol/L", "sodium", 140),
    (4.0, "meq/l", "mmol/L", "potassium", 4.0),
    (5.0, "mEq/L", "mmol/L", "calcium", 2.5),
    (10, "mg/dL", "mEq/L", "calcium", 4.99),
    (2.0, "mEq/L", "mg/dL", "magnesium", 2.43),
    # hemoglobin: g/dL <-> g/L by pint, g/dL <-> mmol/L through the Hb monomer
    (14, "g/dL", "g/L", "hemoglobin", 140),
    (140, "g/L", "g/dL", "hemoglobin", 14),
    (1, "g/dL", "mmol/L", "hemoglobin", 0.6206),
    (9.0, "mmol/L", "g/dL", "hemoglobin", 14.5),
    # cell counts
    (100, "x10^9/L", "/uL", "platelets", 100_000),
    (100, "10*9/L", "/mm3", "platelets", 100_000),
    (100, "10^3/uL", "10*9/L", "platelets", 100),
    (150, "K/uL", "x10^9/L", "platelets", 150),
    (1500, "cells/µL", "10*9/L", "anc", 1.5),
    (1500, "/mm3", "10^3/uL", "anc", 1.5),
    (1.5, "x10^9/L", "cells/µL", "anc", 1500),
    (4.5, "10*12/L", "10*6/uL", "rbc", 4.5),
    # percent <-> fraction of the same quantity
    (45, "%", "L/L", "hematocrit", 0.45),
    # HbA1c: NGSP % <-> IFCC mmol/mol (affine)
    (7.0, "%", "mmol/mol", "hba1c", 53.0),
    (6.5, "%", "mmol/mol", "hba1c", 47.5),
    (48, "mmol/mol", "%", "hba1c", 6.54),
    # same dimension through pint, U and IU as one enzyme unit
    (40, "IU/L", "U/L", "alt", 40),
    (60, "U/L", "µkat/L", "alt", 1.0),
    (2.0, "µIU/mL", "mIU/L", "tsh", 2.0),
    (1.2, "ratio", None, "inr", 1.2),
])
def test_convert_lab(value: float, unit: str, to_unit: str | None, analyte_id: str,
                     expected: float) -> None:
    assert convert_lab(value, unit, to_unit, lab(analyte_id)) == pytest.approx(expected,
                                                                               rel=5e-3)


def test_convert_round_trip_and_identity() -> None:
    creatinine = lab("creatinine")
    assert convert_lab(1.2, "mg/dL", "mg/dL", creatinine) == 1.2
    there = convert_lab(1.2, "mg/dL", "µmol/L", creatinine)
    assert convert_lab(there, "umol/L", "mg/dL", creatinine) == pytest.approx(1.2)
    assert convert_lab(53.0, "mmol/mol", "%", lab("hba1c")) == pytest.approx(7.0, abs=0.01)
    # without an analyte, only same-dimension conversions
    assert convert_lab(1.5, "x10^9/L", "/uL", None) == pytest.approx(1500)
    assert convert_lab(1.0, "mg/dL", "mg/L", None) == pytest.approx(10)


@pytest.mark.parametrize(("value", "unit", "to_unit", "analyte_id", "message"), [
    (50, "U/L", "mg/dL", "alt", "cannot convert U/L to mg/dL for Alanine aminotransferase"),
    (140, "µmol/L", "U/L", "creatinine", "cannot convert µmol/L to U/L for Creatinine (serum)"),
    (1, "mmol/L", "mg/dL", "alp", "no molar mass on file"),
    (1, "mmol/L", "mg/dL", None, "cannot convert mmol/L to mg/dL (no molar mass"),
    (5, "mEq/L", "mmol/L", "glucose", "no valence on file"),
    (1, "furlongs/L", "mg/dL", "creatinine", "unknown unit 'furlongs/L'"),
    (1, "mg/dL", "bogus", "creatinine", "unknown unit 'bogus'"),
    (1, "mg/dL", None, "creatinine", "a unit is missing"),
    (1, "", "%", "hematocrit", "a unit is missing"),
    (7, "%", "1", "hba1c", "cannot convert % to (no unit) for Hemoglobin A1c"),
    (60, "%", "10*9/L", "anc", "cannot convert % to x10^9/L"),  # a share is not a count
    (2, "mmol/mol", "mg/g", "creatinine", "denominator"),
    (3, "%", "mg/g", "upcr", "cannot convert % to mg/g"),
    (40, "mL/min", "mL/min/1.73m2", "egfr", "cannot convert mL/min to mL/min/1.73 m²"),
    (5, "x10^3", "%", "wbc", "a count without a volume"),
])
def test_convert_lab_refuses(value: float, unit: str, to_unit: str | None,
                             analyte_id: str | None, message: str) -> None:
    analyte = lab(analyte_id) if analyte_id else None
    with pytest.raises(UnitError) as error:
        convert_lab(value, unit, to_unit, analyte)
    assert message in str(error.value)
    assert isinstance(error.value, ValueError)


def test_display_unit() -> None:
    assert display_unit("umol/L") == "µmol/L"
    assert display_unit("10*9/L") == "x10^9/L"
    assert display_unit("m[IU]/L") == "mIU/L"
    assert display_unit(None) == "(no unit)"


# --- analytes ---------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "analyte_id"), [
    ("LOINC:2160-0", "creatinine"),
    ("2160-0", "creatinine"),
    ("loinc:1742-6", "alt"),
    ("LOINC:33914-3", "egfr"),  # an alt code
    ("LOINC:14959-1", "uacr"),  # an alt code
    ("4548-4", "hba1c"),
])
def test_resolve_by_code(code: str, analyte_id: str) -> None:
    analyte = resolve_analyte(code=code)
    assert analyte is not None and analyte.id == analyte_id


@pytest.mark.parametrize(("name", "analyte_id"), [
    ("ALT", "alt"),
    ("Alanine aminotransferase", "alt"),
    ("sgpt", "alt"),
    ("alanine  amino-transferase", "alt"),
    ("ALT (SGPT)", "alt"),
    ("serum creatinine", "creatinine"),
    ("Creatinine", "creatinine"),
    ("Creatinine, serum", "creatinine"),
    ("Sodium, plasma", "sodium"),
    ("Bilirubin, total", "bilirubin_total"),
    ("Protein, urine", "urine_protein"),
    ("platelets", "platelets"),
    ("HbA1c", "hba1c"),
])
def test_resolve_by_name(name: str, analyte_id: str) -> None:
    analyte = resolve_analyte(name)
    assert analyte is not None and analyte.id == analyte_id


def test_resolve_unknown_and_precedence() -> None:
    assert resolve_analyte("frobnicase") is None
    assert resolve_analyte("Glucose, urine") is None  # not serum glucose
    assert resolve_analyte(code="LOINC:0000-0") is None
    assert resolve_analyte() is None
    assert resolve_analyte(code="SNOMEDCT:70901006") is None
    # a known code wins over the name; an unknown code falls back to the name
    assert resolve_analyte("sgpt", code="LOINC:2160-0").id == "creatinine"
    assert resolve_analyte("sgpt", code="LOINC:9999-9").id == "alt"


def test_analyte_fields() -> None:
    creatinine = lab("creatinine")
    assert (creatinine.concept, creatinine.code, creatinine.unit) == (
        "Creatinine (serum)", "LOINC:2160-0", "mg/dL")
    assert creatinine.molar_mass == pytest.approx(113.12)
    assert lab("calcium").valence == 2
    assert lab("alt").molar_mass is None
    assert "LOINC:62238-1" in lab("egfr").codes


def test_same_analyte() -> None:
    alt, egfr = lab("alt"), lab("egfr")
    assert same_analyte("LOINC:1742-6", "Alanine aminotransferase", alt)
    assert same_analyte("1742-6", None, alt)
    assert not same_analyte("LOINC:1920-8", "Aspartate aminotransferase", alt)
    assert same_analyte("LOINC:48642-3", None, egfr)  # alt code
    assert same_analyte(None, "ALT", alt)
    assert same_analyte(None, "Aminotransferases (ALT and AST)", alt)  # group term
    assert same_analyte(None, "Aminotransferases (ALT and AST)", lab("ast"))
    assert not same_analyte(None, "Aminotransferases (ALT and AST)", lab("alp"))
    assert same_analyte(None, "Ammonia (plasma)", lab("ammonia"))  # no code on either side
    assert not same_analyte(None, None, alt)
    assert not same_analyte(None, "something else", alt)


# --- reference ranges --------------------------------------------------------------------

def test_default_range_by_sex() -> None:
    alt = lab("alt")
    male = default_range(alt, "male")
    assert male == ReferenceRange(7, 55, "U/L", DEFAULT_RANGE_SOURCE, "male")
    assert male.limit("ULN") == 55 and male.limit("LLN") == 7
    assert default_range(alt, "F").high == 45
    creatinine = default_range(lab("creatinine"), "female")
    assert (creatinine.low, creatinine.high, creatinine.unit) == (0.59, 1.04, "mg/dL")


def test_default_range_unknown_sex() -> None:
    # bounds that differ by sex are dropped; the shared ones are kept
    alt = default_range(lab("alt"), None)
    assert (alt.low, alt.high, alt.sex) == (7, None, None)
    assert default_range(lab("ast"), "all").high is None
    assert default_range(lab("hemoglobin"), None) is None  # both bounds differ
    assert default_range(lab("qtc"), None) is None  # low null for both, high differs
    # a range that does not depend on sex is the same for everyone
    assert default_range(lab("alp"), None) == default_range(lab("alp"), "female")
    assert default_range(lab("alp"), None).high == 129
    inr = default_range(lab("inr"), None)
    assert (inr.low, inr.high, inr.unit) == (0.8, 1.1, "1")
    assert default_range(lab("hiv_rna"), "male") is None


# --- data ---------------------------------------------------------------------------------

def _entries() -> list[dict]:
    return list(iter_jsonl("analytes.jsonl"))


def _ranges(entry: dict) -> list[dict]:
    rng = entry.get("range") or {}
    return [rng] if "low" in rng or "high" in rng else list(rng.values())


def test_conversion_facts_are_sound() -> None:
    entries = _entries()
    with_mass = [e for e in entries if "molar_mass" in e]
    assert len(with_mass) >= 30
    for entry in entries:
        for field in ("molar_mass", "denominator_molar_mass"):
            if field in entry:
                assert isinstance(entry[field], int | float) and entry[field] > 0, entry["id"]
        if "valence" in entry:
            assert entry["valence"] in (1, 2, 3), entry["id"]
            assert "molar_mass" in entry, entry["id"]
        for conversion in entry.get("unit_conversions", ()):
            assert conversion["factor"] > 0, entry["id"]
        if "molar_mass" in entry:  # something to convert: a mass or substance unit
            assert any(atom in (entry["unit"] or "") for atom in ("g/", "mol/")), entry["id"]


def test_ranges_are_ordered_and_in_the_usual_unit() -> None:
    for entry in _entries():
        for rng in _ranges(entry):
            low, high = rng.get("low"), rng.get("high")
            assert low is None or high is None or low <= high, entry["id"]
            assert rng.get("unit") == entry.get("unit"), entry["id"]


# Plausible typical adult bounds for the labs the matcher needs most (usual unit):
# id -> (low within, high within); None: no such bound expected.
PLAUSIBLE = {
    "alt": ((0, 15), (30, 60)), "ast": ((0, 15), (30, 50)),
    "bilirubin_total": ((0, 0.4), (1.0, 1.3)), "creatinine": ((0.4, 0.9), (0.9, 1.4)),
    "alp": ((30, 50), (100, 150)), "ggt": ((0, 15), (30, 75)),
    "platelets": ((130, 160), (300, 450)), "anc": ((1.4, 2.2), (6, 8)),
    "wbc": ((3, 4.5), (9, 11.5)), "hemoglobin": ((11, 14), (14.5, 18)),
    "inr": ((0.7, 1.0), (1.0, 1.3)), "albumin": ((3.0, 4.0), (4.5, 5.5)),
    "potassium": ((3.3, 3.7), (4.8, 5.5)), "sodium": ((133, 137), (143, 147)),
    "glucose": ((60, 75), (99, 140)), "hba1c": ((3.5, 4.8), (5.6, 6.0)),
    "lipase": ((0, 25), (50, 160)), "amylase": ((20, 40), (90, 130)),
    "ck": ((20, 60), (150, 400)), "tsh": ((0.2, 0.6), (4.0, 5.5)),
    "aptt": ((20, 30), (33, 45)), "egfr": ((60, 90), None),
    "creatinine_clearance": ((75, 100), (120, 150)),
}


@pytest.mark.parametrize("analyte_id", sorted(PLAUSIBLE))
def test_key_ranges_are_plausible(analyte_id: str) -> None:
    entry = next(e for e in _entries() if e["id"] == analyte_id)
    low_band, high_band = PLAUSIBLE[analyte_id]
    ranges = _ranges(entry)
    assert ranges, analyte_id
    for rng in ranges:
        assert low_band[0] <= rng["low"] <= low_band[1], (analyte_id, rng)
        if high_band is None:
            assert rng["high"] is None, analyte_id
        else:
            assert high_band[0] <= rng["high"] <= high_band[1], (analyte_id, rng)


"""The lab-facing layer of the matcher: analytes, unit conversion and reference ranges.

* :func:`resolve_analyte` finds the ``rules/analytes.jsonl`` entry of a patient's lab, by
  LOINC code (also the entry's ``alt_codes``) or by name through the lexicon lookup key the
  extractor uses for model-found measurements (case, spacing and punctuation folded).
* :func:`same_analyte` tells whether a constraint's code/concept names a given analyte
  (a group term such as "transaminases" names each of its ``components``).
* :func:`convert_lab` converts a value between two units written by a patient record or
  as UCUM: same-dimension units through pint (:func:`trialnlp.constraints.units.convert`),
  mass <-> substance concentration through the analyte's ``molar_mass``, mEq <-> mmol
  through its ``valence``, and affine ``unit_conversions`` (HbA1c % <-> mmol/mol).  It
  raises :class:`UnitError` when no conversion is defined; it never guesses.
* :func:`default_range` gives the typical adult reference range of ``rules/analytes.jsonl``
  for the patient's sex.

The conversion facts are data in ``rules/analytes.jsonl`` (documented in rules/README.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..constraints import lexicon
from ..constraints.model import lookup_key as _name_key  # the extractor's lexicon key
from ..constraints.units import convert, normalize_unit

__all__ = [
    "DEFAULT_RANGE_SOURCE",
    "PATIENT_RANGE_SOURCE",
    "UNITY",
    "AffineConversion",
    "Analyte",
    "ReferenceRange",
    "UnitError",
    "analyte_by_id",
    "convert_lab",
    "default_range",
    "display_unit",
    "resolve_analyte",
    "same_analyte",
]

PATIENT_RANGE_SOURCE = "patient's lab"
DEFAULT_RANGE_SOURCE = "default adult range in rules/analytes.jsonl (labs vary)"
UNITY = "1"  # UCUM for a dimensionless number (INR, ratios)

# Spellings seen in patient records that rules/units.json does not (yet) know.  Keys are
# compared case-folded with spaces removed and micro signs as "u".
_RECORD_SPELLINGS = {
    "k/ul": "10*3/uL", "k/mm3": "10*3/uL", "k/cumm": "10*3/uL", "thou/ul": "10*3/uL",
    "thou/mm3": "10*3/uL", "m/ul": "10*6/uL", "mil/ul": "10*6/uL", "ukat/l": "ukat/L",
    "mukat/l": "ukat/L", "nkat/l": "nkat/L",
}
# Written "no unit": identity only, between themselves and a missing unit.
_UNITY_SPELLINGS = frozenset({"1", "{ratio}", "ratio", "{inr}", "inr", "{index}", "index"})
_SUBSTANCE_ATOM = re.compile(r"(?P<prefix>[munpfk]?)(?P<base>mol|eq)")
_ENZYME_ATOM = re.compile(r"[munpk]?U")
_MASS_ATOM = re.compile(r"[munpfk]?g")
_BARE_POWER = re.compile(r"10\*-?[0-9]{1,2}")


class UnitError(ValueError):
    """No conversion is defined between two units (for an analyte); the message says why."""


@dataclass(frozen=True, slots=True)
class AffineConversion:
    """``to = factor x (from + offset)`` between two UCUM units of one analyte."""

    from_unit: str
    to_unit: str
    factor: float
    offset: float

    def forward(self, value: float) -> float:
        return self.factor * (value + self.offset)

    def backward(self, value: float) -> float:
        return value / self.factor - self.offset


@dataclass(frozen=True, slots=True)
class ReferenceRange:
    """A reference range: ``low``/``high`` None where there is no (or no agreed) bound.

    ``unit`` is UCUM (:data:`UNITY` for dimensionless analytes such as INR).  ``sex`` is the
    sex the range was taken for, None when it does not depend on sex (or, for an unknown
    sex, when only the bounds both sexes share are kept).
    """

    low: float | None
    high: float | None
    unit: str
    source: str
    sex: str | None = None

    def limit(self, relative_to: str) -> float | None:
        """The bound a constraint's ``relative_to`` names: ULN -> high, LLN -> low."""
        return {"ULN": self.high, "LLN": self.low}.get(relative_to.upper())


@dataclass(frozen=True, slots=True)
class Analyte:
    """A measurable entry of ``rules/analytes.jsonl`` with what unit conversion needs."""

    id: str
    concept: str
    code: str | None
    unit: str | None  # usual unit (UCUM); None for dimensionless (INR) or non-numeric tests
    molar_mass: float | None = None  # g/mol of what the mass unit weighs
    kind: str = "lab"
    alt_codes: tuple[str, ...] = ()
    valence: int | None = None  # charge number: mEq = valence x mmol
    denominator_molar_mass: float | None = None  # g/mol of a ratio's denominator (creatinine)
    components: tuple[str, ...] = ()  # ids a group term stands for ("transaminases")
    conversions: tuple[AffineConversion, ...] = ()
    ranges: tuple[tuple[str | None, ReferenceRange], ...] = ()  # (sex or None, range)

    @property
    def codes(self) -> tuple[str, ...]:
        """The main code and the alternative codes."""
        return (self.code, *self.alt_codes) if self.code else self.alt_codes


def _range(data: dict[str, Any], sex: str | None) -> ReferenceRange:
    return ReferenceRange(
        low=_number(data.get("low")), high=_number(data.get("high")),
        unit=data.get("unit") or UNITY, source=DEFAULT_RANGE_SOURCE, sex=sex)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _from_entry(entry: lexicon.Analyte) -> Analyte:
    extra = entry.extra
    ranges: list[tuple[str | None, ReferenceRange]] = []
    if entry.range:
        if "low" in entry.range or "high" in entry.range:
            ranges.append((None, _range(entry.range, None)))
        else:
            ranges.extend((sex, _range(data, sex)) for sex, data in sorted(entry.range.items()))
    conversions = tuple(
        AffineConversion(c["from"], c["to"], float(c["factor"]), float(c.get("offset", 0.0)))
        for c in extra.get("unit_conversions", ()))
    return Analyte(
        id=entry.id, concept=entry.concept, code=entry.code, unit=entry.unit,
        molar_mass=_number(extra.get("molar_mass")), kind=entry.kind,
        alt_codes=tuple(extra.get("alt_codes", ())),
        valence=int(extra["valence"]) if extra.get("valence") is not None else None,
        denominator_molar_mass=_number(extra.get("denominator_molar_mass")),
        components=tuple(extra.get("components", ())), conversions=conversions,
        ranges=tuple(ranges))


@cache
def _tables() -> tuple[dict[str, Analyte], dict[str, Analyte], dict[str, Analyte]]:
    """(id -> analyte, LOINC number -> analyte, name key -> analyte); the first entry wins,
    as in the extractor's lookup (qtc and qtcf share LOINC:8636-3: qtc)."""
    by_id: dict[str, Analyte] = {}
    by_code: dict[str, Analyte] = {}
    by_name: dict[str, Analyte] = {}
    for entry in lexicon.analytes():
        analyte = by_id[entry.id] = _from_entry(entry)
        for code in analyte.codes:
            key = _code_key(code)
            if key:
                by_code.setdefault(key, analyte)
        for name in (*entry.synonyms, entry.concept):
            by_name.setdefault(_name_key(name), analyte)
    return by_id, by_code, by_name


_LOINC = re.compile(r"^\s*(?:loinc\s*[:\s]\s*)?(?P<num>[0-9]{1,7}-[0-9])\s*$", re.IGNORECASE)


def _code_key(code: str | None) -> str | None:
    """``LOINC:2160-0``, ``loinc 2160-0`` and ``2160-0`` -> ``2160-0``; None otherwise."""
    if not isinstance(code, str):
        return None
    match = _LOINC.match(code)
    return match["num"] if match else None


# Specimen and filler words a record may add around a lab name ("Sodium, plasma").
_FILLER = re.compile(r"\b(?:serum|plasma|blood|level|levels|value|result|test)\b")


def _name_candidates(name: str) -> list[str]:
    """Lookup keys for a record's lab name, most literal first."""
    keys = [_name_key(name)]
    outside = re.sub(r"\([^()]*\)", " ", name)
    keys.append(_name_key(outside))  # "ALT (SGPT)" -> "alt"
    keys.extend(_name_key(inside) for inside in re.findall(r"\(([^()]*)\)", name))
    head, comma, tail = outside.partition(",")
    if comma:
        keys.append(_name_key(f"{tail} {head}"))  # "Creatinine, serum" -> "serum creatinine"
    keys.extend(re.sub(r"\s+", " ", _FILLER.sub(" ", key)).strip() for key in list(keys))
    return [key for key in dict.fromkeys(keys) if key]


def resolve_analyte(name: str | None = None, code: str | None = None) -> Analyte | None:
    """The analyte of a patient's lab, by code first, then by name; None when unknown.

    ``code``: a LOINC code with or without the ``LOINC:`` prefix, main or alternative.
    ``name``: a synonym or concept of ``rules/analytes.jsonl``, compared case-, space- and
    punctuation-insensitively (the key the extractor uses for model-found measurements),
    then without a parenthesis, a specimen word or comma order ("Creatinine, serum").
    """
    _, by_code, by_name = _tables()
    key = _code_key(code)
    if key and key in by_code:
        return by_code[key]
    if isinstance(name, str) and name.strip():
        for candidate in _name_candidates(name):
            if candidate in by_name:
                return by_name[candidate]
    return None


def analyte_by_id(analyte_id: str) -> Analyte | None:
    """The analyte with this ``rules/analytes.jsonl`` id."""
    return _tables()[0].get(analyte_id)


def same_analyte(constraint_code: str | None, constraint_concept: str | None,
                 analyte: Analyte) -> bool:
    """Whether a constraint's code/concept names ``analyte``.

    Two codes are compared when both sides have one (main or alternative codes).
    Otherwise the constraint's concept is resolved by name; a group term (transaminases,
    LFTs) names each of its ``components``, as rules/analytes.jsonl notes.
    """
    wanted = _code_key(constraint_code)
    if wanted and analyte.codes:
        if wanted in {_code_key(code) for code in analyte.codes}:
            return True
        if constraint_concept is None:
            return False
    target = resolve_analyte(code=constraint_code) if wanted else None
    if target is None and constraint_concept:
        target = resolve_analyte(name=constraint_concept)
    if target is None:
        return False
    return target.id == analyte.id or analyte.id in target.components


def display_unit(ucum: str | None) -> str:
    """A UCUM code as people write it: ``umol/L`` -> ``µmol/L``, ``10*9/L`` -> ``x10^9/L``."""
    if not ucum or ucum == UNITY:
        return "(no unit)"
    text = re.sub(r"10\*(-?[0-9]+)", r"x10^\1", ucum)
    text = re.sub(r"(?<![A-Za-z])u(?=g|mol|L|\[IU\]|kat|U\b)", "µ", text)
    text = text.replace("[IU]", "IU").replace("mm[Hg]", "mmHg").replace("meq", "mEq")
    text = text.replace("{1.73_m2}", "1.73 m²").replace("Cel", "°C").replace("[degF]", "°F")
    return re.sub(r"[{}]", "", text)


def _ucum(written: str | None) -> str | None:
    """The UCUM code of a written unit; UNITY for a written "no unit", None if unknown."""
    if written is None:
        return UNITY
    text = written.strip()
    folded = re.sub(r"\s+", "", text).casefold().replace("µ", "u").replace("μ", "u")
    if not folded or folded in _UNITY_SPELLINGS:
        return UNITY
    return normalize_unit(text) or _RECORD_SPELLINGS.get(folded)


def _replace_atoms(ucum: str, pattern: re.Pattern[str], replace: Any) -> str:
    """``ucum`` with each ``.``/``/``-separated atom matching ``pattern`` replaced."""
    parts = re.split(r"([./])", ucum)
    return "".join(
        replace(match, index) if (match := pattern.fullmatch(part)) else part
        for index, part in enumerate(parts))


def _in_numerator(ucum: str, index: int) -> bool:
    return "/" not in "".join(re.split(r"([./])", ucum)[:index])


def _substance_to_mass(ucum: str, analyte: Analyte | None) -> tuple[str, float, str | None]:
    """(``ucum`` with its mol atoms as grams, the factor from values in ``ucum`` to values
    in the new unit, the missing fact if one is needed and absent)."""
    factor = 1.0
    missing: list[str] = []

    def replace(match: re.Match[str], index: int) -> str:
        nonlocal factor
        numerator = _in_numerator(ucum, index)
        mass = None
        if analyte is not None:
            mass = analyte.molar_mass if numerator else analyte.denominator_molar_mass
        if mass is None or match["base"] != "mol":
            missing.append("no molar mass on file" if numerator
                           else "no molar mass on file for the ratio's denominator")
            return match.group()
        factor = factor * mass if numerator else factor / mass
        return f"{match['prefix']}g"

    converted = _replace_atoms(ucum, _SUBSTANCE_ATOM, replace)
    return converted, factor, (missing[0] if missing else None)


def _equivalents_to_moles(ucum: str, analyte: Analyte | None) -> tuple[str, float] | None:
    """``meq/L`` -> (``mmol/L``, 1/valence) for the analyte (values in ``meq/L`` times the
    factor are values in ``mmol/L``); None without a valence or with eq in a denominator."""
    parts = re.split(r"([./])", ucum)
    eq_at = [index for index, part in enumerate(parts)
             if (match := _SUBSTANCE_ATOM.fullmatch(part)) and match["base"] == "eq"]
    if not eq_at:
        return ucum, 1.0
    if analyte is None or analyte.valence is None or \
            not all(_in_numerator(ucum, index) for index in eq_at):
        return None
    for index in eq_at:
        parts[index] = parts[index].removesuffix("eq") + "mol"
    return "".join(parts), 1.0 / analyte.valence ** len(eq_at)


def _basis(ucum: str) -> tuple[bool, bool]:
    """(has a mol/eq atom, has a gram atom): what a concentration or ratio counts."""
    atoms = re.split(r"[./]", ucum)
    return (any(_SUBSTANCE_ATOM.fullmatch(atom) for atom in atoms),
            any(_MASS_ATOM.fullmatch(atom) for atom in atoms))


def _enzyme_units(source: str, target: str, analyte: Analyte | None) -> tuple[str, str]:
    """IU and U are one unit for an analyte measured in either (enzymes, TSH mU/L)."""
    usual = analyte.unit if analyte is not None else None
    if not usual or ("U" not in usual):
        return source, target
    has_iu = ("[IU]" in source, "[IU]" in target)
    has_u = tuple(bool(_ENZYME_ATOM.search(re.sub(r"\[IU\]", "", unit)))
                  for unit in (source, target))
    if (has_iu[0] and has_u[1]) or (has_iu[1] and has_u[0]):
        return source.replace("[IU]", "U"), target.replace("[IU]", "U")
    return source, target


def _fail(source: str, target: str, analyte: Analyte | None, why: str | None = None) -> UnitError:
    subject = f" for {analyte.concept}" if analyte is not None else ""
    reason = f" ({why})" if why else ""
    return UnitError(
        f"cannot convert {display_unit(source)} to {display_unit(target)}{subject}{reason}")


def convert_lab(value: float, unit: str | None, to_unit: str | None,
                analyte: Analyte | None) -> float:
    """``value`` in ``unit`` expressed in ``to_unit`` for ``analyte``.

    Units may be written as in a patient record (``umol/L``, ``x10^9/L``, ``K/uL``) or as
    UCUM.  A missing unit (None or "") or a written unity (``1``, ``ratio``) converts only
    to another of those.  Raises :class:`UnitError` when a unit is unknown or no
    conversion is defined (different quantities, or a fact such as the molar mass is
    missing for the analyte).
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    source, target = _ucum(unit), _ucum(to_unit)
    subject = f" for {analyte.concept}" if analyte is not None else ""
    if source is None or target is None:
        written = unit if source is None else to_unit
        raise UnitError(f"cannot convert{subject}: unknown unit {written!r}")
    if source == target:
        return number
    if UNITY in (source, target) and (unit is None or to_unit is None or
                                      not unit.strip() or not to_unit.strip()):
        raise _fail(source, target, analyte, "a unit is missing")
    if any(_BARE_POWER.fullmatch(code) for code in (source, target)):
        raise _fail(source, target, analyte, "a count without a volume")
    for conversion in analyte.conversions if analyte is not None else ():
        pair = (source, target)
        if pair == (conversion.from_unit, conversion.to_unit):
            return conversion.forward(number)
        if pair == (conversion.to_unit, conversion.from_unit):
            return conversion.backward(number)
        if {conversion.from_unit, conversion.to_unit} & set(pair):
            # HbA1c: % (NGSP) and mmol/mol (IFCC) are different scales, not a fraction
            raise _fail(source, target, analyte)
    source, target = _enzyme_units(source, target, analyte)
    # pint alone would equate mmol/mol with mg/g (both dimensionless): a substance and a
    # mass unit are bridged only through the molar mass below.
    result = convert(number, source, target) if _basis(source) == _basis(target) else None
    if result is not None:
        return result
    moles = (_equivalents_to_moles(source, analyte), _equivalents_to_moles(target, analyte))
    if moles[0] is None or moles[1] is None:
        raise _fail(source, target, analyte, "no valence on file")
    (mol_source, to_mol), (mol_target, from_mol) = moles
    result = convert(number * to_mol, mol_source, mol_target) \
        if _basis(mol_source) == _basis(mol_target) else None
    if result is not None:
        return result / from_mol
    mass_source, to_mass, missing_source = _substance_to_mass(mol_source, analyte)
    mass_target, from_mass, missing_target = _substance_to_mass(mol_target, analyte)
    if missing_source or missing_target:
        raise _fail(source, target, analyte, missing_source or missing_target)
    result = convert(number * to_mol * to_mass, mass_source, mass_target) \
        if _basis(mass_source) == _basis(mass_target) else None
    if result is None:
        raise _fail(source, target, analyte)  # different quantities (U/L and mg/dL)
    return result / from_mass / from_mol


_SEXES = {"male": "male", "m": "male", "man": "male", "female": "female", "f": "female",
          "woman": "female"}


def default_range(analyte: Analyte, sex: str | None) -> ReferenceRange | None:
    """The typical adult reference range of ``rules/analytes.jsonl`` for ``sex``.

    None when the file has no range.  For a range that differs by sex and an unknown sex
    (None, "all", anything but male/female), the result keeps only the bounds both sexes
    share (ALT: low 7 for both, high 55 vs 45 -> ``low=7, high=None``); None when they share
    none.  The matcher reads a missing bound as unknown, so a ULN that depends on an
    unknown sex is never guessed.
    """
    if not analyte.ranges:
        return None
    by_sex = dict(analyte.ranges)
    if None in by_sex:
        return by_sex[None]
    wanted = _SEXES.get(sex.strip().casefold()) if isinstance(sex, str) else None
    if wanted in by_sex:
        return by_sex[wanted]
    ranges = list(by_sex.values())
    if len({r.unit for r in ranges}) != 1:
        return None
    low = ranges[0].low if all(r.low == ranges[0].low for r in ranges) else None
    high = ranges[0].high if all(r.high == ranges[0].high for r in ranges) else None
    if low is None and high is None:
        return None
    return ReferenceRange(low, high, ranges[0].unit, DEFAULT_RANGE_SOURCE)

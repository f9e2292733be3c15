"""Unit spellings to UCUM codes, and conversions between UCUM codes.

The spelling table is data (``rules/units.json``).  ``normalize_unit`` looks a written unit
up in that table, then tries the ``x10^9/L`` family, then lets pint validate a simple
composition (``nmol/mL``) whose atoms it can name in UCUM.  ``match_unit`` finds the unit
written at a given offset of a text (used by :mod:`trialnlp.constraints.values`).
``convert`` changes a value between two UCUM codes of the same dimension via pint.
Analyte-specific conversions (creatinine mg/dL <-> umol/L) are not done here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from ..errors import RuleError
from ..resources import load_json

__all__ = ["UnitMatch", "convert", "match_unit", "normalize_unit"]

_MAX_UNIT_CHARS = 64
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_SUPERSCRIPT = dict(zip("0123456789", _SUPERSCRIPT_DIGITS, strict=True))
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPT_DIGITS + "⁻", "0123456789-")
_CARET = r"(?:\^|\\\^|\*\*)?"
_SLASHES = "/⁄∕"
_DEGREES = "°º◦˚"
_MICRO = "µμ"
_KEY_TRANSLATION = str.maketrans({**dict.fromkeys(_DEGREES, "°"), "⁄": "/", "∕": "/"})
_KEY_DROP = re.compile(r"\s+|\\|\^|\*\*")


@dataclass(frozen=True, slots=True)
class UnitMatch:
    """A unit written at ``text[start:end]`` and its UCUM code."""

    ucum: str
    start: int
    end: int
    text: str


def _key(written: str, fold: bool) -> str:
    """The lookup key of a spelling: micro, degree, caret, superscript and space variants merge."""
    text = unicodedata.normalize("NFKC", written.translate(_KEY_TRANSLATION))
    text = _KEY_DROP.sub("", text).replace("μ", "u")
    return text.casefold() if fold else text


def _fuzzy(spelling: str) -> str:
    """A regex for a spelling that tolerates the variants ``_key`` merges."""
    spelling = spelling.replace("^", "")
    parts: list[str] = []
    for index, char in enumerate(spelling):
        before = spelling[index - 1] if index else ""
        after = spelling[index + 1] if index + 1 < len(spelling) else ""
        if char == " ":
            parts.append(r"\s+" if before.isalpha() and after.isalpha() else r"\s*")
        elif char in _SLASHES:
            parts.append(rf"\s*[{_SLASHES}]\s*")
        elif char in _MICRO:
            parts.append(f"[{_MICRO}u]")
        elif char in _DEGREES:
            parts.append(f"[{_DEGREES}]")
        elif char in _TO_SUPERSCRIPT and before.isalpha():
            parts.append(f"{_CARET}[{char}{_TO_SUPERSCRIPT[char]}]")
        else:
            parts.append(re.escape(char))
    if spelling[-1:].isalnum():
        parts.append(r"(?![A-Za-z0-9µμ²³])")
    return "".join(parts)


def _first_ascii(spelling: str, case_sensitive: bool) -> frozenset[str] | None:
    """The ASCII characters a match of ``_fuzzy(spelling)`` can start with (None: unknown,
    e.g. a leading space or slash that ``\\s*`` precedes)."""
    spelling = spelling.replace("^", "")
    first = spelling[:1]
    if not first or first == " " or first in _SLASHES:
        return None
    if first in _MICRO:
        return frozenset("u" if case_sensitive else "uU")
    if first in _DEGREES:
        return frozenset()
    if first.isascii():
        return frozenset(first if case_sensitive else {first.lower(), first.upper()})
    if case_sensitive or first.lower() == first.upper():
        return frozenset()  # a caseless non-ASCII character only matches itself
    return None


@dataclass(frozen=True, slots=True)
class _Table:
    exact: dict[str, str]  # case-sensitive keys
    folded: dict[str, str]  # case-folded keys
    pattern: re.Pattern[str]
    # (regex, ASCII characters it can start with or None) per alternative of ``pattern``
    alternatives: tuple[tuple[str, frozenset[str] | None], ...] = ()
    by_first: dict[str, re.Pattern[str] | None] = field(default_factory=dict)

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        """``self.pattern.match(text, pos)``, trying only the alternatives that can start
        with ``text[pos]`` when it is ASCII (the others fail there anyway; the order of the
        rest is kept, so the first one that matches is the same)."""
        char = text[pos : pos + 1]
        if not char or not char.isascii() or not self.alternatives:
            return self.pattern.match(text, pos)
        try:
            pattern = self.by_first[char]
        except KeyError:
            kept = [regex for regex, first in self.alternatives if first is None or char in first]
            pattern = self.by_first[char] = re.compile("|".join(kept)) if kept else None
        return pattern.match(text, pos) if pattern is not None else None


def _build_table(entries: list[dict[str, Any]]) -> _Table:
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    alternatives: list[tuple[str, str, frozenset[str] | None]] = []
    for entry in entries:
        ucum, case_sensitive = entry["ucum"], bool(entry.get("case_sensitive"))
        for spelling in entry["spellings"]:
            target = exact if case_sensitive else folded
            key = _key(spelling, fold=not case_sensitive)
            if target.setdefault(key, ucum) != ucum:
                raise RuleError(f"rules/units.json: {spelling!r} maps to {target[key]} and {ucum}")
            alternatives.append(
                (
                    spelling,
                    _fuzzy(spelling) if case_sensitive else f"(?i:{_fuzzy(spelling)})",
                    _first_ascii(spelling, case_sensitive),
                )
            )
        exact.setdefault(ucum, ucum)  # a UCUM code is its own spelling (lookup only)
    alternatives.sort(key=lambda item: -len(item[0]))
    firsts: dict[str, frozenset[str] | None] = {}
    for _, regex, first in alternatives:  # the first of equal regexes is the one kept
        firsts.setdefault(regex, first)
    pattern = re.compile("|".join(firsts))
    return _Table(exact, folded, pattern, tuple(firsts.items()))


_RULES: dict[str, Any] = load_json("units.json")
_TABLE = _build_table(_RULES["units"])
_DENOMINATORS = _build_table(
    [
        {"ucum": ucum, "spellings": spellings}
        for ucum, spellings in _RULES["power_denominators"].items()
    ]
)
_POWER_RULES: dict[str, list[str]] = _RULES["power_of_ten"]
_SIGN = "|".join(
    re.escape(s) for s in sorted(_POWER_RULES["multiplication_signs"], key=len, reverse=True)
)
_MARK = "|".join(
    re.escape(s) for s in sorted(_POWER_RULES["exponent_markers"], key=len, reverse=True)
)
_LOST = "|".join(sorted(_POWER_RULES["lost_superscript_exponents"], key=len, reverse=True))
_POWER = re.compile(
    rf"(?:(?:{_SIGN})\s*)?10(?:"
    rf"\s*(?:{_MARK})\s*(?P<exp>[-−]?[0-9]{{1,2}})(?![0-9])"
    rf"|\s*\(\s*(?P<paren>[0-9]{{1,2}})\s*\)"
    rf"|(?P<sup>[⁻]?[{_SUPERSCRIPT_DIGITS}]{{1,2}})"
    rf"|\s?(?P<lost>{_LOST})(?=\s*[{_SLASHES}])"
    rf")"
)
_COMPOSITION = re.compile(
    rf"[A-Za-z{_MICRO}]{{1,8}}(?:\s*[{_SLASHES}]\s*[A-Za-z{_MICRO}]{{1,8}}[23²³]?){{1,3}}(?![A-Za-z0-9])"
)
_ATOM = re.compile(rf"[A-Za-z{_MICRO}]{{1,12}}")
_SPACES = re.compile(r"\s*")
_PAREN_EXPONENT = re.compile(r"(?<=[mM])\(([23])\)")


def _lookup(table: _Table, written: str) -> str | None:
    return table.exact.get(_key(written, fold=False)) or table.folded.get(_key(written, fold=True))


def _power_exponent(match: re.Match[str]) -> str:
    raw = match["exp"] or match["paren"] or match["sup"] or match["lost"] or ""
    return raw.translate(_FROM_SUPERSCRIPT).replace("−", "-")


def _match_power(text: str, pos: int) -> UnitMatch | None:
    """``x10^9/L``-like units at ``pos``: UCUM ``10*9/L``."""
    power = _POWER.match(text, pos)
    if power is None:
        return None
    exponent = _power_exponent(power)
    spaces = _SPACES.match(text, power.end())
    denominator = _DENOMINATORS.match(text, spaces.end() if spaces else power.end())
    if denominator is not None:
        ucum = _lookup(_DENOMINATORS, denominator.group())
        if ucum:
            return UnitMatch(
                f"10*{exponent}{ucum}", pos, denominator.end(), text[pos : denominator.end()]
            )
    if power["lost"]:
        return None
    return UnitMatch(f"10*{exponent}", pos, power.end(), text[pos : power.end()])


def match_unit(text: str, pos: int) -> UnitMatch | None:
    """The unit spelled at ``text[pos:]`` (no leading space): the longest of a power of ten,
    a table spelling, or a ``/``-composition that ``normalize_unit`` accepts."""
    if not isinstance(text, str) or not 0 <= pos < len(text):
        return None
    # Legacy CT.gov writes superscripts in brackets ("kg/m(2)", "per mm(3)"): read the unit
    # with them as digits, then measure it in the text as written.
    window = text[pos : pos + _MAX_UNIT_CHARS]
    if "(" not in window or _PAREN_EXPONENT.search(window) is None:
        return _match_unit(text, pos)
    found = _match_unit(_PAREN_EXPONENT.sub(r"\1", window), 0)
    if found is None:
        return None
    end = found.end
    for k, paren in enumerate(_PAREN_EXPONENT.finditer(window)):
        if paren.start() - 2 * k < found.end:  # where its digit is once the brackets go
            end += 2
    return UnitMatch(found.ucum, pos, pos + end, text[pos : pos + end])


def _match_unit(text: str, pos: int) -> UnitMatch | None:
    power = _match_power(text, pos)
    if power is not None:
        return power
    best: UnitMatch | None = None
    match = _TABLE.match(text, pos)
    if match is not None:
        ucum = _lookup(_TABLE, match.group())
        if ucum:
            best = UnitMatch(ucum, pos, match.end(), match.group())
    match = _COMPOSITION.match(text, pos)
    if match is not None and (best is None or match.end() > best.end):
        ucum = normalize_unit(match.group())
        if ucum:
            best = UnitMatch(ucum, pos, match.end(), match.group())
    return best


def normalize_unit(written: str) -> str | None:
    """The UCUM code of a written unit (``mg/dl`` -> ``mg/dL``), or None when unknown."""
    return _normalize(written) if isinstance(written, str) else None


@lru_cache(maxsize=4096)
def _normalize(written: str) -> str | None:
    written = written.strip()
    if not written or len(written) > _MAX_UNIT_CHARS:
        return None
    found = _lookup(_TABLE, written)
    if found:
        return found
    power = _match_power(written, 0)
    if power is not None and power.end == len(written):
        return power.ucum
    return _compose_with_pint(written)


def _compose_with_pint(written: str) -> str | None:
    """``nmol/mL`` -> ``nmol/mL``: every atom named via the table or pint, joined by ``/``."""
    atoms = [atom.strip() for atom in re.split(f"[{_SLASHES}]", written)]
    if len(atoms) > 4 or any(not atom for atom in atoms[1:]):
        return None
    codes = [_atom_ucum(atom) if atom else "" for atom in atoms]
    if any(code is None for code in codes) or not any(codes):
        return None
    if len(codes) > 1 and any("/" in (code or "") for code in codes):
        return None  # an atom that is itself a quotient (bpm -> /min)
    return "/".join(code or "" for code in codes)


def _atom_ucum(atom: str) -> str | None:
    found = _lookup(_TABLE, atom)
    if found:
        return found
    if not _ATOM.fullmatch(atom):
        return None
    try:
        name = str(_registry().parse_units(atom.replace("µ", "u").replace("μ", "u")))
    except Exception:  # pint raises many error types on arbitrary text
        return None
    mapping: dict[str, dict[str, str]] = _RULES["pint_to_ucum"]
    if name in mapping["units"]:
        return mapping["units"][name]
    for prefix, symbol in mapping["prefixes"].items():
        base = name.removeprefix(prefix)
        if base != name and base in mapping["units"]:
            return symbol + mapping["units"][base]
    return None


@cache
def _registry() -> Any:
    """A private pint registry with the definitions in rules/units.json (built on first use)."""
    import pint

    registry = pint.UnitRegistry()
    for definition in _RULES["pint"]:
        registry.define(definition)
    return registry


_ANNOTATION = re.compile(r"\{[^{}]*\}")
_TEN_POWER = re.compile(r"10\*(-?[0-9]{1,3})")
_POWER_SUFFIX = re.compile(r"([A-Za-z\]]+)([0-9])")
# what convert accepts as one UCUM atom; anything else is refused before pint sees it
_UCUM_ATOM = re.compile(
    r"10\*-?[0-9]{1,2}|[0-9]{1,3}(?:\.[0-9]{1,3})?|%|[A-Za-z\[\]'_]{1,16}[0-9]?"
)


def _pint_expression(ucum: str) -> tuple[tuple[str, ...], str] | None:
    """(annotations, pint expression) of a UCUM code: ``10*9/L`` -> ((), '(1e9)/(liter)')."""
    if not isinstance(ucum, str) or not ucum or len(ucum) > _MAX_UNIT_CHARS:
        return None
    annotations = tuple(sorted(_ANNOTATION.findall(ucum)))
    bare = _ANNOTATION.sub("", ucum)
    table: dict[str, str] = _RULES["ucum_to_pint"]
    segments: list[str] = []
    for segment in bare.split("/"):
        factors = []
        for atom in segment.split("."):
            if not atom:
                continue
            if not _UCUM_ATOM.fullmatch(atom):
                return None
            power = _TEN_POWER.fullmatch(atom)
            if power:
                factors.append(f"1e{power.group(1)}")
            elif atom in table:
                factors.append(table[atom])
            else:
                factors.append(
                    _POWER_SUFFIX.sub(lambda m: f"{table.get(m[1], m[1])}**{m[2]}", atom)
                )
        segments.append("(" + ("*".join(factors) or "1") + ")")
    return annotations, "/".join(segments)


def _quantity(expression: str) -> Any:
    registry = _registry()
    try:
        return registry.Quantity(1, registry.parse_units(expression.replace("(1)/", "1/")))
    except Exception:
        return registry.parse_expression(expression)


def convert(value: float, from_unit: str, to_unit: str) -> float | None:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (UCUM codes); None when impossible."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if from_unit == to_unit and isinstance(from_unit, str):
        return number
    source, target = _pint_expression(from_unit), _pint_expression(to_unit)
    if source is None or target is None or source[0] != target[0]:
        return None
    try:
        have, want = _quantity(source[1]), _quantity(target[1])
        have_magnitude, want_magnitude = float(have.magnitude), float(want.magnitude)
        if want_magnitude == 0:
            return None
        converted = _registry().Quantity(number * have_magnitude, have.units)
        result = float(converted.to(want.units).magnitude) / want_magnitude
    except Exception:  # pint: dimensionality, offset-unit and parse errors
        return None
    return result if math.isfinite(result) else None

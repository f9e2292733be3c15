"""Quantitative expressions in criterion text: ``ALT >= 2.5 x ULN``, ``creatinine ≥1.5mg/dl``.

``find_values`` scans a text left to right for numbers and builds a :class:`ValueMention`
around each: a comparator before it (``≥``, ``at least``, ``between``), a range
(``18-75``, ``between 18 and 75``), a unit (normalised to UCUM by
:mod:`trialnlp.constraints.units`) or a multiple of a normal limit (``x ULN``), and a
comparator after it (``18 years or older``).  A bare number with none of these
(``type 2 diabetes``) is not a mention.  Comparator phrases live in
``rules/comparators.json``; unit spellings in ``rules/units.json``.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..resources import load_json
from .phrases import (
    fast_lowered,
    matches_at,
    phrase_alternation,
    phrase_key,
    phrase_starts,
    run_hint,
    start_scanner,
)
from .units import match_unit

__all__ = ["ValueMention", "find_values", "pair_op", "pair_second", "parse_number",
           "phrase_alternation"]

_PREFIX_WINDOW = 80  # characters looked back for a comparator


@dataclass(frozen=True, slots=True)
class ValueMention:
    """One quantitative expression: ``text[start:end] == self.text`` in the scanned text.

    ``op`` is ``>``, ``>=``, ``<``, ``<=``, ``=`` or ``between`` (then ``value_max`` is
    set).  ``unit`` is a UCUM code or None; ``unit_text`` is the unit (or the normal-limit
    phrase, ``x ULN``) as written.  ``relative_to`` is ``ULN``/``LLN`` for multiples of a
    normal limit.  ``op_text`` is the comparator as written (empty when none was written).
    """

    op: str
    value: float
    value_max: float | None
    unit: str | None
    unit_text: str | None
    relative_to: str | None
    start: int
    end: int
    text: str
    op_text: str




_RULES: dict[str, Any] = load_json("comparators.json")
_PREFIX_OPS: dict[str, str] = {
    phrase_key(p): op for op, phrases in _RULES["prefix"].items() for p in phrases
}
_SUFFIX_OPS: dict[str, str] = {
    phrase_key(p): op for op, phrases in _RULES["suffix"].items() for p in phrases
}
_LIMITS: dict[str, dict[str, Any]] = {
    phrase_key(entry["phrase"]): entry for entry in _RULES["normal_limits"]
}
_STANDALONE_LIMITS = [e["phrase"] for e in _RULES["normal_limits"] if not e.get("needs_multiplier")]

_PREFIX = re.compile(
    rf"(?P<op>(?i:{phrase_alternation(_PREFIX_OPS)}))"
    rf"(?:\s*(?i:{phrase_alternation(_RULES['prefix_fillers'])}))?\s*\Z"
)
_SUFFIX = re.compile(rf"\s*(?P<op>(?i:{phrase_alternation(_SUFFIX_OPS)}))")
_GRADED_SUFFIX_OPS: dict[str, str] = {
    phrase_key(p): op for op, phrases in _RULES["graded_suffix"].items() for p in phrases
}
_GRADED_SUFFIX = re.compile(rf"\s*(?P<op>(?i:{phrase_alternation(_GRADED_SUFFIX_OPS)}))")
# The number of a grade ("grade 3 or worse", "NYHA class 2 or worse"): worse is higher.
_GRADED_NUMBER = re.compile(r"(?i:\b(?:grade|stage|class|level)s?)[ \t:]*\Z")
_CONNECTOR = re.compile(rf"\s*(?P<conn>(?i:{phrase_alternation(_RULES['range_connectors'])}))\s*")
_AND = re.compile(rf"\s*(?P<conn>(?i:{phrase_alternation(_RULES['range_and'])}))\s*")
_INCLUSIVE = re.compile(rf"\s*(?i:{phrase_alternation(_RULES['inclusive'])})")
_QUALIFIERS = rf"(?:(?i:{phrase_alternation(_RULES['limit_qualifiers'])})\s+)?"
_ABBREVIATION = rf"(?:\s*{phrase_alternation(_RULES['limit_abbreviations'])})?"
_LIMIT = re.compile(
    rf"\s*(?:(?P<mult>(?i:{phrase_alternation(_RULES['multipliers'], end=False)}))\s*"
    r"(?:(?i:above|over)\s+)?)?"  # "at least 3 times above normal"
    rf"{_QUALIFIERS}(?P<limit>(?i:{phrase_alternation(_LIMITS, start=False)})){_ABBREVIATION}"
)
# "<3 times [<5 times for patients with liver metastasis] the upper normal limit": a
# multiple whose limit comes after an aside in brackets (or after the bracket it is in)
_MULTIPLE_ASIDE = re.compile(
    rf"\s*(?P<mult>(?i:{phrase_alternation(_RULES['multipliers'], end=False)}))"
    r"(?:\s*[(\[][^()\[\]]{0,80}[)\]]|[^()\[\]]{0,60}[)\]])"
)
_BARE_LIMIT = re.compile(
    rf"(?P<op>(?i:{phrase_alternation(k for k, op in _PREFIX_OPS.items() if op != 'between')}))"
    rf"\s*{_QUALIFIERS}(?P<limit>(?i:{phrase_alternation(_STANDALONE_LIMITS)})){_ABBREVIATION}"
)
# "two times the ULN", "> twice the upper limit of normal", "three times or more above ULN":
# a multiple written in words (number words from temporal.json, "twice" and co. here).
_MULTIPLE_WORDS: dict[str, int] = {
    **{k: v for k, v in load_json("temporal.json")["number_words"].items() if v <= 20},
    **_RULES["multiplier_words"],
}
_WORD_MULTIPLE = re.compile(
    rf"(?:(?P<op>(?i:{phrase_alternation(k for k, op in _PREFIX_OPS.items() if op != 'between')}))"
    rf"\s*)?(?P<n>(?i:{phrase_alternation(_MULTIPLE_WORDS)}))"
    rf"(?:\s*(?P<mult>(?i:{phrase_alternation(_RULES['multipliers'], end=False)})))?"
    rf"(?:\s+(?P<suffix>(?i:{phrase_alternation(_SUFFIX_OPS)})))?"
    rf"(?:\s+(?P<side>(?i:above|over|higher than|greater than|below|under|lower than)))?"
    rf"\s*(?:(?i:the)\s+)?{_QUALIFIERS}(?P<limit>(?i:{phrase_alternation(_LIMITS, start=False)}))"
    rf"{_ABBREVIATION}"
)
# where a comparator (of _PREFIX and _BARE_LIMIT) can start; a whole letter run per
# standalone normal limit (each _BARE_LIMIT match has one of them)
_OP_STARTS = start_scanner(phrase_starts(_PREFIX_OPS))
_LIMIT_HINT = run_hint(_STANDALONE_LIMITS)
_NUMBER_BODY = (
    r"(?:[-−](?=\.?[0-9]))?"
    r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
    r"(?![0-9]|\.[0-9]|\s*(?:\\?\^|\*\*)|[⁰¹²³⁴⁵⁶⁷⁸⁹]|[eE][-+]?[0-9])"
)
# not inside a word (HbA1c), a version (1.2.3), a power (10^9), E notation (1e309: never
# read as 1) or a date (2019-12-31)
_NUMBER = re.compile(r"(?<![^\W_])(?<![.^])(?<!\*\*)(?<![0-9]-)(?<![0-9][eE][-+])" + _NUMBER_BODY)
_DIGIT = re.compile("[0-9]")
_SECOND_NUMBER = re.compile(_NUMBER_BODY)  # after a range connector
_DECIMAL_COMMA = re.compile(r",[0-9]{1,2}(?![0-9]|[.,][0-9])")
_LIST_GOES_ON = re.compile(r"\s*(?:,|or\b|and\b|&)\s*[0-9]", re.IGNORECASE)  # "≥1,2 or 3"
_SPACED_THOUSANDS = re.compile(r"(?:[ \u2009\u202f][0-9]{3})+(?![0-9]|[.,][0-9])")
# "150, 000/mm3", "WBC >12, 000 cells/mm3": a stray space after a thousands comma; read so
# only before a count per volume, since "100, 200 mg" is more likely a list of doses
_COMMA_SPACED_THOUSANDS = re.compile(r"(?:, [0-9]{3})+(?![0-9]|[.,][0-9])")
_ORDINAL = re.compile(r"(?i:st|nd|rd|th)(?![A-Za-z])")
# Between a number and its unit: a few spaces, or a line wrapped with indentation as
# legacy CT.gov text wraps ("at least 8\n        weeks").
_UNIT_GAP = re.compile(r"[ \t\u00a0\u2009\u202f]{0,3}-?(?=[A-Za-zµμ%°º◦˚/×x*·⁄∕])"
                       r"|[ \t]*\r?\n[ \t]{2,}(?=[A-Za-zµμ%°])|[ \t\u00a0]{0,3}")
_SLASH = re.compile(r"[ \t]*/[ \t]*")
_PAREN_OPEN = re.compile(
    rf"\s*\(\s*(?:(?i:{phrase_alternation(_RULES['equivalent_openers'])})\s*)?\Z"
)
_PLAIN_NUMBER = re.compile(
    r"([-−+]?)([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+|[0-9]+\.)"
    r"(?:\s*[x×*·]\s*10\s*(?:\^|\\\^|\*\*?)\s*([-−]?[0-9]{1,3})|\s*[x×*·]\s*10([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})"
    r"|[eE]([-+]?[0-9]{1,3}))?"
)
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def parse_number(s: str) -> float | None:
    """A finite float from a number as written (``1,500``, ``.5``, ``-2.5``, ``1.5 x 10^9``).

    None for anything else, including ``1e309`` (overflow), ``NaN`` and ``..5``.
    """
    if not isinstance(s, str):
        return None
    match = _PLAIN_NUMBER.fullmatch(s.strip())
    if match is None:
        return None
    sign, digits, caret, superscript, e_power = match.groups()
    exponent = caret or (superscript or "").translate(_FROM_SUPERSCRIPT) or e_power or "0"
    try:
        number = float(digits.replace(",", "")) * 10.0 ** int(exponent.replace("−", "-"))
    except (OverflowError, ValueError):
        return None
    if sign in ("-", "−"):
        number = -number
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class _Tail:
    """What follows a number: a unit or a normal limit."""

    unit: str | None
    relative_to: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Prefix:
    op: str
    start: int
    text: str


def _parse_tail(text: str, pos: int) -> _Tail | None:
    """A normal-limit multiple (``x ULN``) or a unit right after ``pos``."""
    limit = _LIMIT.match(text, pos)
    if limit is not None:
        entry = _LIMITS[phrase_key(limit["limit"])]
        if limit["mult"] or not entry.get("needs_multiplier"):
            start = pos + len(limit.group()) - len(limit.group().lstrip())
            return _Tail(None, entry["relative_to"], start, limit.end())
    aside = _MULTIPLE_ASIDE.match(text, pos)
    if aside is not None:
        limit = _LIMIT.match(text, aside.end())
        entry = _LIMITS[phrase_key(limit["limit"])] if limit is not None else None
        if entry is not None and not limit["mult"] and not entry.get("needs_multiplier"):
            # the multiple ends at its multiplier, so the one in the brackets is read too
            return _Tail(None, entry["relative_to"], aside.start("mult"), aside.end("mult"))
    gap = _UNIT_GAP.match(text, pos)
    start = gap.end() if gap else pos
    unit = match_unit(text, start)
    if unit is None or (gap and "-" in gap.group() and not unit.text[:1].isalpha()):
        return None
    return _Tail(unit.ucum, None, start, unit.end)


def _shared_tail(text: str, pos: int) -> _Tail | None:
    slash = _SLASH.match(text, pos)
    second = _SECOND_NUMBER.match(text, slash.end()) if slash else None
    tail = _parse_tail(text, second.end()) if second else None
    return tail if tail and tail.unit else None


def _find_prefix(
    text: str, low: int, high: int, starts: Sequence[int] | None = None
) -> _Prefix | None:
    """The comparator that ends (but for fillers and spaces) at ``high``; ``starts`` (from
    ``_OP_STARTS``), when given, holds every position where one can start."""
    low = max(low, high - _PREFIX_WINDOW)
    if starts is None:
        match = _PREFIX.search(text, low, high)
    else:  # the search, tried only where a comparator starts
        match = None
        for index in range(bisect_left(starts, low), len(starts)):
            if starts[index] >= high:
                break
            match = _PREFIX.match(text, starts[index], high)
            if match is not None:
                break
    if match is None:
        return None
    written = match["op"]
    return _Prefix(_PREFIX_OPS[phrase_key(written)], match.start(), written)


def _number_at(text: str, match: re.Match[str],
               compared: bool = False) -> tuple[float | None, int]:
    """The value of a number match and its end, joining ``2,5 mg`` and ``100 000/mm3``.

    A comma before one or two digits is a decimal comma when a unit follows, or when a
    comparator precedes (``compared``: ``> 18,5 <30 kg/m2``, ``>38,0``), since a comparator
    bounds one number, unless more numbers follow; otherwise it may separate a list
    (``ECOG 0,1``, ``grade ≥1,2 or 3``)."""
    end = match.end()
    for extension, joiner in ((_DECIMAL_COMMA, "."), (_SPACED_THOUSANDS, ""),
                              (_COMMA_SPACED_THOUSANDS, "")):
        more = extension.match(text, end)
        plain = match.group().lstrip("-−")
        if not (more and plain.isdigit() and len(plain) <= 3):
            continue
        tail = _parse_tail(text, more.end())
        if (compared and joiner == "." and not _LIST_GOES_ON.match(text, more.end())) or (
                tail and (extension is not _COMMA_SPACED_THOUSANDS or tail.unit == "/uL")):
            digits = match.group() + joiner + re.sub(r"[^0-9]", "", more.group())
            return parse_number(digits), more.end()
    return parse_number(match.group()), end


@dataclass(slots=True)
class _Draft:
    """A mention being assembled around one number."""

    start: int
    end: int
    value: float
    value_max: float | None = None
    tail: _Tail | None = None
    op: str | None = None
    op_text: str = ""


_RANGE_ASIDE = re.compile(r"[ \t]*\([^()<>=≤≥]{1,30}\)")


def _try_range(text: str, draft: _Draft, with_and: bool) -> bool:
    """Extend ``draft`` over ``-75``, ``to 75``, ``and 75 years`` when a second number follows
    (after "between", past an aside: ``between 23.0 kilogram per meter square (kg/m^2) and
    39.9 kg/m^2``, ``between 18 kg/m2 (inclusive) and 30``)."""
    at = draft.end
    aside = _RANGE_ASIDE.match(text, at) if with_and else None
    if aside is not None and _AND.match(text, aside.end()):
        at = aside.end()
    connector = _CONNECTOR.match(text, at) or (with_and and _AND.match(text, at)) or None
    if connector is None:
        return False
    second = _SECOND_NUMBER.match(text, connector.end())
    if second is None:
        return False
    value_max, end = _number_at(text, second)
    if value_max is None or value_max < draft.value:
        return False
    tail = _parse_tail(text, end)
    if (
        draft.tail
        and tail
        and (draft.tail.unit, draft.tail.relative_to) != (tail.unit, tail.relative_to)
    ):
        return False
    draft.value_max, draft.tail = value_max, tail or draft.tail
    draft.end = tail.end if tail else end
    draft.op, draft.op_text = "between", draft.op_text or connector["conn"]
    inclusive = _INCLUSIVE.match(text, draft.end)
    if inclusive:
        draft.end = inclusive.end()
    return True


def _mention_at(
    text: str, match: re.Match[str], low: int, starts: Sequence[int] | None = None
) -> ValueMention | None:
    """The mention built around the number ``match``; ``low`` is the end of the previous one
    (``starts``: see ``_find_prefix``)."""
    prefix = _find_prefix(text, low, match.start(), starts)
    value, end = _number_at(text, match, prefix is not None and prefix.op != "between")
    if value is None or _ORDINAL.match(text, end):
        return None
    draft = _Draft(prefix.start if prefix else match.start(), end, value)
    draft.tail = _parse_tail(text, end)
    if draft.tail:
        draft.end = draft.tail.end
    else:  # 140/90 mmHg: the first number shares the unit of the second
        draft.tail = _shared_tail(text, end)
    if prefix is None or prefix.op == "between":
        draft.op_text = prefix.text if prefix else ""
        ranged = _try_range(text, draft, with_and=prefix is not None)
        if not ranged and prefix is not None:  # "between" without a second number
            draft.start, draft.op_text, prefix = match.start(), "", None
    else:
        draft.op, draft.op_text = prefix.op, prefix.text
    if draft.op is None:
        suffix, ops = _SUFFIX.match(text, draft.end), _SUFFIX_OPS
        if suffix is None and _GRADED_NUMBER.search(text, max(0, match.start() - 12),
                                                    match.start()):
            suffix, ops = _GRADED_SUFFIX.match(text, draft.end), _GRADED_SUFFIX_OPS
        if suffix:
            draft.op, draft.op_text, draft.end = (
                ops[phrase_key(suffix["op"])],
                suffix["op"],
                suffix.end(),
            )
            _score_out_of(text, draft)
    if draft.op is None and draft.tail is None and not _shares_suffix(text, draft):
        return None
    return _finish(text, draft)


def _shares_suffix(text: str, draft: _Draft) -> bool:
    """``150/95 or higher``: the first number of a pair (the larger, as systolic over
    diastolic) takes the comparator written after the second, with no text of its own (so
    :func:`pair_op` reads the pair's comparator from the second)."""
    second = _PAIR_SECOND.match(text, draft.end)
    if second is None or float(second["n"]) >= draft.value:
        return False
    suffix = _SUFFIX.match(text, second.end())
    if suffix is None:
        return False
    draft.op = _SUFFIX_OPS[phrase_key(suffix["op"])]
    return True


_OUT_OF = re.compile(r"(?<![0-9.,/])([0-9]+(?:\.[0-9]+)?)[ \t]*/[ \t]*\Z")


def _score_out_of(text: str, draft: _Draft) -> None:
    """``6/10 or higher``, ``40/100 or more``: the bound is the score before the slash, the
    number after it the scale's maximum (a larger first number, ``150/95 or higher``, is a
    pair and stays as it is)."""
    if draft.start > 0:
        before = _OUT_OF.search(text, max(0, draft.start - 12), draft.start)
        if before is not None:
            numerator = float(before.group(1))
            if numerator <= draft.value:
                draft.start, draft.value = before.start(), numerator


def _finish(text: str, draft: _Draft) -> ValueMention:
    tail = draft.tail
    return ValueMention(
        op=draft.op or "=",
        value=draft.value,
        value_max=draft.value_max,
        unit=tail.unit if tail else None,
        unit_text=text[tail.start : tail.end] if tail else None,
        relative_to=tail.relative_to if tail else None,
        start=draft.start,
        end=draft.end,
        text=text[draft.start : draft.end],
        op_text=draft.op_text,
    )


def _bare_limit(text: str, match: re.Match[str]) -> ValueMention:
    """``> ULN``, ``below the lower limit of normal``: value 1 of the limit."""
    entry = _LIMITS[phrase_key(match["limit"])]
    op_text = match["op"]
    return ValueMention(
        op=_PREFIX_OPS[phrase_key(op_text)],
        value=1.0,
        value_max=None,
        unit=None,
        unit_text=text[match.start("limit") : match.end()],
        relative_to=entry["relative_to"],
        start=match.start(),
        end=match.end(),
        text=match.group(),
        op_text=op_text,
    )


def _inherit_op(text: str, previous: ValueMention | None, mention: ValueMention) -> ValueMention:
    """``≥1.5 mg/dL (133 µmol/L)``, ``< 140/90 mmHg``: the second value takes the comparator."""
    if (
        previous is None
        or mention.op_text
        or mention.unit is None
        or previous.op not in (">", ">=", "<", "<=")
        or not (
            _PAREN_OPEN.match(text[previous.end : mention.start])
            or (
                _SLASH.fullmatch(text[previous.end : mention.start])
                and previous.unit == mention.unit
            )
        )
    ):
        return mention
    return ValueMention(
        previous.op,
        mention.value,
        None,
        mention.unit,
        mention.unit_text,
        None,
        mention.start,
        mention.end,
        mention.text,
        "",
    )


_PAIR_SECOND = re.compile(r"[ \t]*/[ \t]*(?P<n>\d{2,3}(?:\.\d+)?)(?![\d/]|[.,]\d)")


def pair_op(text: str, first: ValueMention, second: ValueMention) -> str | None:
    """The comparator of ``first/second`` read as one pair (``> 140/90 mmHg``, ``140/90
    mmHg or higher``: the one written comparator), or None where they are no pair."""
    if not _SLASH.fullmatch(text, first.end, second.start) or \
            bool(first.op_text) == bool(second.op_text) or "between" in (first.op, second.op):
        return None
    return first.op if first.op_text else second.op


def pair_second(text: str, pos: int, end: int | None = None) -> tuple[float, int] | None:
    """The unitless second number of a pair written from ``pos`` (``>= 140/90``: the
    ``/90``), with where it ends; :func:`find_values` reads it only where a unit follows."""
    match = _PAIR_SECOND.match(text, pos, len(text) if end is None else end)
    return (float(match["n"]), match.end()) if match else None


def find_values(text: str) -> list[ValueMention]:
    """Every quantitative expression in ``text``, left to right, non-overlapping."""
    if not isinstance(text, str) or not text:
        return []
    lowered = fast_lowered(text) if _OP_STARTS is not None else None
    starts: list[int] | None = None  # where comparators can start (lowered texts only)
    mentions: list[ValueMention] = []
    last_end = 0
    digit = _DIGIT.search(text)  # a number holds one and starts at most 2 characters before
    numbers = _NUMBER.finditer(text, max(digit.start() - 2, 0)) if digit is not None else ()
    for match in numbers:
        if match.start() < last_end:
            continue
        if starts is None and lowered is not None:
            starts = _comparator_starts(lowered)
        mention = _mention_at(text, match, last_end, starts)
        if mention is not None:
            mention = _inherit_op(text, mentions[-1] if mentions else None, mention)
            mentions.append(mention)
            last_end = mention.end
    if lowered is None or _LIMIT_HINT is None:
        bare: Iterable[re.Match[str]] = _BARE_LIMIT.finditer(text)
    elif _LIMIT_HINT.search(lowered) is None:
        bare = ()
    else:
        if starts is None:
            starts = _comparator_starts(lowered)
        bare = matches_at(_BARE_LIMIT, text, starts)
    for match in bare:
        if not any(m.start < match.end() and match.start() < m.end for m in mentions):
            mentions.append(_bare_limit(text, match))
    if _LIMIT_HINT is None or lowered is None or _LIMIT_HINT.search(lowered) is not None:
        mentions = _word_multiples(text, mentions)
    return _within_multiples(text, _below_mean(
        text, _lower_ends(text, sorted(mentions, key=lambda m: m.start))))


# "transaminases within 3 times upper limit of normal": at most that multiple ("within"
# before any other number is a time window's word: "within 6 months")
_WITHIN = re.compile(r"\bwithin[ \t]+\Z", re.IGNORECASE)


def _within_multiples(text: str, mentions: list[ValueMention]) -> list[ValueMention]:
    out = []
    for mention in mentions:
        within = _WITHIN.search(text, max(0, mention.start - 12), mention.start) \
            if mention.relative_to and not mention.op_text and mention.op == "=" else None
        if within is not None:
            mention = replace(mention, op="<=", op_text=within.group().strip(),
                              start=within.start(), text=text[within.start() : mention.end])
        out.append(mention)
    return out


# "T value 2.5 SD or more below the young adult mean" is a T-score of -2.5 or less
_BELOW_MEAN = re.compile(r"[ \t]*(?P<way>below|under|above)[ \t]+(?:the[ \t]+)?"
                         r"(?:[\w-]+[ \t]+){0,4}(?:mean|median|average|norm|normal)\b",
                         re.IGNORECASE)
_NEGATED_OP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "="}


def _below_mean(text: str, mentions: list[ValueMention]) -> list[ValueMention]:
    out = []
    for mention in mentions:
        match = _BELOW_MEAN.match(text, mention.end) if mention.unit == "{SD}" else None
        if match is not None and match["way"].lower() != "above" and mention.value > 0 and \
                mention.op in _NEGATED_OP:
            mention = replace(mention, op=_NEGATED_OP[mention.op], value=-mention.value,
                              end=match.end(), text=text[mention.start : match.end()])
        out.append(mention)
    return out


# "BMI from 18.5 to less than 25": a range whose upper end excludes itself is written as a
# bare number, "to", then the upper bound; the number is the lower bound (inclusive).
_LOWER_END = re.compile(r"(?:\bfrom[ \t]+)?(?P<n>(?<![\w.,])\d+(?:\.\d+)?)[ \t]+to[ \t]*\Z",
                        re.IGNORECASE)


def _lower_ends(text: str, mentions: list[ValueMention]) -> list[ValueMention]:
    out: list[ValueMention] = []
    for mention in mentions:
        if mention.op in ("<", "<=") and mention.op_text:
            low = max(out[-1].end if out else 0, mention.start - 30)
            match = _LOWER_END.search(text, low, mention.start)
            number = parse_number(match["n"]) if match is not None else None
            if match is not None and number is not None and (
                    mention.value is None or number < mention.value):
                out.append(ValueMention(
                    ">=", number, None, mention.unit, mention.unit_text, mention.relative_to,
                    match.start(), match.end("n"), text[match.start() : match.end("n")],
                    match.group().split()[0] if match.group().lower().startswith("from")
                    else "to"))
        out.append(mention)
    return out


def _word_multiples(text: str, mentions: list[ValueMention]) -> list[ValueMention]:
    """Add multiples of a normal limit written in words; one replaces a bare limit it holds
    (``three times or more above ULN`` is 3 x ULN, not ``above ULN``)."""
    for match in _WORD_MULTIPLE.finditer(text):
        number = match["n"].casefold()
        if match["mult"] is None and number not in _RULES["multiplier_words"]:
            continue  # "two ULN" is no multiple
        side = (match["side"] or "").casefold()
        if match["op"]:
            op_text = match["op"]
            op = _PREFIX_OPS[phrase_key(op_text)]
        elif match["suffix"]:
            op_text = match["suffix"]
            op = _SUFFIX_OPS[phrase_key(op_text)]
        elif side:
            op_text = match["side"]
            op = ">" if side in ("above", "over", "higher than", "greater than") else "<"
        else:
            op_text, op = "", "="
        inside = [m for m in mentions if match.start() <= m.start and m.end <= match.end()]
        if any(m.start < match.end() and match.start() < m.end and m not in inside
               for m in mentions):
            continue
        mentions = [m for m in mentions if m not in inside]
        mentions.append(ValueMention(
            op=op, value=float(_MULTIPLE_WORDS[number]), value_max=None, unit=None,
            unit_text=text[match.start("limit") : match.end()],
            relative_to=_LIMITS[phrase_key(match["limit"])]["relative_to"],
            start=match.start(), end=match.end(), text=match.group(), op_text=op_text))
    return mentions


def _comparator_starts(lowered: str) -> list[int]:
    assert _OP_STARTS is not None
    return [match.start() for match in _OP_STARTS.finditer(lowered)]

"""Temporal windows in criterion text: ``within 6 months before screening``.

``find_windows`` returns :class:`WindowMention` objects whose ``window`` is a
:class:`trialnlp.types.Window`: an amount and UCUM unit (``a``, ``mo``, ``wk``, ``d``,
``h``), a relation and an anchor id (None means the reference date, "now").

Relations: ``within`` (the last N units before the anchor: ``in the past 12 months``,
``within 4 weeks prior to randomization``), ``before`` (N units before the anchor:
``3 months before screening``, ``2 years ago``; with no amount, any time before it:
``prior to enrollment``), ``after`` (``in the next 2 years``, ``within 4 weeks after
surgery``), ``at_least`` (a duration of at least N: ``for at least 2 weeks``; with an
anchor, at least N before it), ``duration`` (``for 6 months``), ``during`` (``during the
study period``) and ``at`` (``at screening``).  Vocabulary is in ``rules/temporal.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..resources import load_json
from ..types import Window
from .values import parse_number, phrase_alternation

__all__ = ["WindowMention", "find_windows"]


@dataclass(frozen=True, slots=True)
class WindowMention:
    """A temporal window found at ``text[start:end]`` (``self.text``)."""

    window: Window
    start: int
    end: int
    text: str


def _alt(phrases: Any) -> str:
    return f"(?i:{phrase_alternation(phrases)})"


def _key(phrase: str) -> str:
    return " ".join(phrase.split()).casefold()


_RULES: dict[str, Any] = load_json("temporal.json")
_UNITS: dict[str, str] = {
    _key(s): code for code, spellings in _RULES["units"].items() for s in spellings
}
_NUMBER_WORDS: dict[str, float] = {
    _key(word): float(value)
    for word, value in {**_RULES["number_words"], **_RULES["article_amounts"]}.items()
}
_ANCHORS: dict[str, str] = {
    _key(p): anchor for anchor, phrases in _RULES["anchors"].items() for p in phrases
}
_DIRECTIONS: dict[str, str] = {
    _key(p): way for way, phrases in _RULES["directions"].items() for p in phrases
}
_LINEAR = {k: v for k, v in _DIRECTIONS.items() if v != "around"}

_UNIT = rf"(?P<unit>{_alt(_UNITS)})"
_AMOUNT = (
    rf"(?P<amount>[0-9]+(?:\.[0-9]+)?|{_alt(_NUMBER_WORDS)})"
    r"(?:\s*\(\s*[0-9]+(?:\.[0-9]+)?\s*\))?"
)
_ANCHOR = (
    rf"(?:(?i:the|a|an|this)\s+)?(?P<anchor>{_alt(_ANCHORS)})"
    rf"(?:\s+{_alt(_RULES['anchor_suffixes'])})?"
)
_TO_ANCHOR_ANY = rf"(?:\s*,?\s+(?P<dir>{_alt(_DIRECTIONS)})\s+{_ANCHOR})"
_TO_ANCHOR = rf"(?:\s*,?\s+(?P<dir>{_alt(_LINEAR)})\s+{_ANCHOR})"
_AGO = rf"(?:\s+(?P<ago>{_alt(_RULES['ago'])}))"
_THE = r"(?:(?i:the)\s+)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (relation, re.compile(pattern))
    for relation, pattern in (
        # in the past 12 months / during the last 3 months before screening / in the next 2 years
        (
            "lookback",
            rf"(?P<prep>{_alt(_RULES['span_prepositions'] + _RULES['duration_prepositions'])})"
            rf"\s+{_THE}?(?P<look>{_alt(_RULES['lookback'] + _RULES['lookahead'])})"
            rf"\s+(?:{_AMOUNT}\s*[-‐]?\s*)?{_UNIT}{_TO_ANCHOR_ANY}?",
        ),
        # in the 6 months (prior to screening)
        (
            "within",
            rf"{_alt(_RULES['span_prepositions'])}\s+{_THE}{_AMOUNT}\s*[-‐]?\s*{_UNIT}{_TO_ANCHOR_ANY}?",
        ),
        # within 6 months (before screening)
        (
            "within",
            rf"{_alt(_RULES['within_lead'])}\s+(?:{_AMOUNT}\s*[-‐]?\s*)?{_UNIT}{_TO_ANCHOR_ANY}?",
        ),
        # (for) less than 3 months before randomization / ago
        (
            "bounded",
            rf"(?:(?P<lead>{_alt(_RULES['duration_lead'])})\s+)?{_alt(_RULES['bounded_lead'])}\s*"
            rf"{_AMOUNT}\s*{_UNIT}(?:{_TO_ANCHOR}|{_AGO})?",
        ),
        # for at least 2 weeks / at least 4 weeks prior to randomization
        (
            "at_least",
            rf"(?:(?P<lead>{_alt(_RULES['duration_lead'])})\s+)?{_alt(_RULES['at_least_lead'])}\s*"
            rf"{_AMOUNT}\s*{_UNIT}(?:{_TO_ANCHOR}|{_AGO})?",
        ),
        # for 6 months (before screening)
        (
            "duration",
            rf"(?P<lead>{_alt(_RULES['duration_lead'])})\s+{_AMOUNT}\s*{_UNIT}{_TO_ANCHOR}?",
        ),
        # 3 months before screening / 2 years ago
        ("offset", rf"(?<![\w.])\b{_AMOUNT}\s*[-‐]?\s*{_UNIT}(?:{_TO_ANCHOR}|{_AGO})"),
        ("during", rf"{_alt(_RULES['during_words'])}\s+{_ANCHOR}"),
        ("at", rf"{_alt(_RULES['at_words'])}\s+{_ANCHOR}"),
        # prior to enrollment / after surgery
        ("offset", rf"(?P<dir>{_alt(_LINEAR)})\s+{_ANCHOR}"),
    )
)


def _amount(match: re.Match[str]) -> float | None:
    written = match.groupdict().get("amount")
    if not written:
        unit = match.groupdict().get("unit") or ""
        return 1.0 if unit and not unit.casefold().endswith("s") else None  # "the past year"
    return parse_number(written) if written[0].isdigit() else _NUMBER_WORDS.get(_key(written))


def _window(kind: str, match: re.Match[str]) -> Window | None:
    """The Window a pattern match stands for, or None when the match is not temporal."""
    groups = match.groupdict()
    anchor = _ANCHORS[_key(groups["anchor"])] if groups.get("anchor") else None
    way = _DIRECTIONS.get(_key(groups["dir"])) if groups.get("dir") else None
    unit = _UNITS[_key(groups["unit"])] if groups.get("unit") else None
    amount = _amount(match) if unit else None
    if kind == "lookback":
        ahead = _key(groups["look"]) in {_key(w) for w in _RULES["lookahead"]}
        duration = _key(groups["prep"]) in {_key(w) for w in _RULES["duration_prepositions"]}
        relation = "after" if ahead or way == "after" else ("duration" if duration else "within")
    elif kind == "within":
        relation = "after" if way == "after" else "within"
    elif kind in ("bounded", "at_least"):
        if not (groups.get("lead") or anchor or groups.get("ago")):
            return None  # "at least 18 years" is an age, not a window
        relation = "within" if kind == "bounded" else "at_least"
    elif kind == "offset":
        relation = way or "before"
    else:
        relation = kind
    return Window(amount, unit, relation, anchor, match.group())


def find_windows(text: str) -> list[WindowMention]:
    """Every temporal window in ``text``, left to right, non-overlapping (longest first)."""
    if not isinstance(text, str) or not text:
        return []
    found: list[WindowMention] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            window = _window(kind, match)
            if window is not None and match.end() > match.start():
                found.append(WindowMention(window, match.start(), match.end(), match.group()))
    found.sort(key=lambda m: (m.start, -m.end))
    chosen: list[WindowMention] = []
    for mention in found:
        if not chosen or mention.start >= chosen[-1].end:
            chosen.append(mention)
    return chosen

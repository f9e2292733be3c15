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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, overload

from ..resources import load_json
from ..types import Window
from .phrases import (
    PhraseStarts,
    fast_lowered,
    hint_runs,
    matches_at,
    phrase_alternation,
    phrase_key,
    phrase_starts,
)
from .values import parse_number

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


_RULES: dict[str, Any] = load_json("temporal.json")
# anchors that name the treatment they time ("since prior radiotherapy"): assemble gives
# the window to the drug or procedure named inside it
TREATMENT_ANCHORS: frozenset[str] = frozenset(_RULES.get("treatment_anchors", ()))
_UNITS: dict[str, str] = {
    phrase_key(s): code for code, spellings in _RULES["units"].items() for s in spellings
}
_NUMBER_WORDS: dict[str, float] = {
    phrase_key(word): float(value)
    for word, value in {**_RULES["number_words"], **_RULES["article_amounts"]}.items()
}
_ANCHORS: dict[str, str] = {
    phrase_key(p): anchor for anchor, phrases in _RULES["anchors"].items() for p in phrases
}
_DIRECTIONS: dict[str, str] = {
    phrase_key(p): way for way, phrases in _RULES["directions"].items() for p in phrases
}
_LINEAR = {k: v for k, v in _DIRECTIONS.items() if v != "around"}

_UNIT = rf"(?P<unit>{_alt(_UNITS)})"
_AMOUNT = (
    rf"(?P<amount>[0-9]+(?:\.[0-9]+)?|{_alt(_NUMBER_WORDS)})"
    r"(?:\s*\(\s*[0-9]+(?:\.[0-9]+)?\s*\))?"
)
# "since any other prior chemotherapy": the quantifiers before an anchor are not part of it
_ANCHOR = (
    rf"(?:(?i:the|a|an|this)\s+)?(?:(?i:any|other|all)\s+){{0,2}}(?P<anchor>{_alt(_ANCHORS)})"
    rf"(?:\s+{_alt(_RULES['anchor_suffixes'])})?"
)
_TO_ANCHOR_ANY = rf"(?:\s*,?\s+(?P<dir>{_alt(_DIRECTIONS)})\s+{_ANCHOR})"
_TO_ANCHOR = rf"(?:\s*,?\s+(?P<dir>{_alt(_LINEAR)})\s+{_ANCHOR})"
_AGO = rf"(?:\s+(?P<ago>{_alt(_RULES['ago'])}))"
# "At least 30 days since radiotherapy": a treatment after "since" is an earlier one
_SINCE = (
    rf"(?:\s*,?\s+(?i:since)\s+(?:{_alt(_RULES['since_modifiers'])}\s+){{0,2}}"
    rf"(?P<treated>{_alt(_RULES['since_treatments'])}))"
)
_THE = r"(?:(?i:the)\s+)"

_SPAN = _RULES["span_prepositions"]
_DURATION = _RULES["duration_lead"]
_NEEDS_UNIT, _NEEDS_ANCHOR = 1, 2  # every match holds a unit (an anchor)

# (relation, regex, where a match starts, what every match holds); _SPECS only serves the
# fast path of find_windows (see _scan_lowered): the regexes are _PATTERNS
_SPECS: tuple[tuple[str, str, PhraseStarts, int], ...] = (
    # in the past 12 months / during the last 3 months before screening / in the next 2 years
    (
        "lookback",
        rf"(?P<prep>{_alt(_SPAN + _RULES['duration_prepositions'])})"
        rf"\s+{_THE}?(?P<look>{_alt(_RULES['lookback'] + _RULES['lookahead'])})"
        rf"\s+(?:{_AMOUNT}\s*[-‐]?\s*)?{_UNIT}{_TO_ANCHOR_ANY}?",
        phrase_starts(_SPAN + _RULES["duration_prepositions"]),
        _NEEDS_UNIT,
    ),
    # in the 6 months (prior to screening)
    (
        "within",
        rf"{_alt(_SPAN)}\s+{_THE}{_AMOUNT}\s*[-‐]?\s*{_UNIT}{_TO_ANCHOR_ANY}?",
        phrase_starts(_SPAN),
        _NEEDS_UNIT,
    ),
    # within 6 months (before screening)
    (
        "within",
        rf"{_alt(_RULES['within_lead'])}\s+(?:{_AMOUNT}\s*[-‐]?\s*)?{_UNIT}{_TO_ANCHOR_ANY}?",
        phrase_starts(_RULES["within_lead"]),
        _NEEDS_UNIT,
    ),
    # (for) less than 3 months before randomization / ago
    (
        "bounded",
        rf"(?:(?P<lead>{_alt(_DURATION)})\s+)?{_alt(_RULES['bounded_lead'])}\s*"
        rf"{_AMOUNT}\s*{_UNIT}(?:{_TO_ANCHOR}|{_SINCE}|{_AGO})?",
        phrase_starts(_DURATION + _RULES["bounded_lead"]),
        _NEEDS_UNIT,
    ),
    # for at least 2 weeks / at least 4 weeks prior to randomization
    (
        "at_least",
        rf"(?:(?P<lead>{_alt(_DURATION)})\s+)?{_alt(_RULES['at_least_lead'])}\s*"
        rf"{_AMOUNT}\s*{_UNIT}(?:{_TO_ANCHOR}|{_SINCE}|{_AGO})?",
        phrase_starts(_DURATION + _RULES["at_least_lead"]),
        _NEEDS_UNIT,
    ),
    # for 6 months (before screening)
    (
        "duration",
        rf"(?P<lead>{_alt(_DURATION)})\s+{_AMOUNT}\s*{_UNIT}{_TO_ANCHOR}?",
        phrase_starts(_DURATION),
        _NEEDS_UNIT,
    ),
    # 3 months before screening / 2 years ago
    (
        "offset",
        rf"(?<![\w.])\b{_AMOUNT}\s*[-‐]?\s*{_UNIT}(?:{_TO_ANCHOR}|{_SINCE}|{_AGO})",
        phrase_starts(_NUMBER_WORDS, digits=True),
        _NEEDS_UNIT,
    ),
    (
        "during",
        rf"{_alt(_RULES['during_words'])}\s+{_ANCHOR}",
        phrase_starts(_RULES["during_words"]),
        _NEEDS_ANCHOR,
    ),
    ("at", rf"{_alt(_RULES['at_words'])}\s+{_ANCHOR}", phrase_starts(_RULES["at_words"]),
     _NEEDS_ANCHOR),
    # prior to enrollment / after surgery
    ("offset", rf"(?P<dir>{_alt(_LINEAR)})\s+{_ANCHOR}", phrase_starts(_LINEAR), _NEEDS_ANCHOR),
)


class _Compiled(Sequence[tuple[str, re.Pattern[str]]]):
    """``(relation, compiled regex)`` of each of ``_SPECS``, compiled on first use:
    compiling them all takes ~0.5 s, a third of importing trialnlp, and a text needs the
    few whose start words it holds."""

    def __init__(self, specs: Sequence[tuple[str, str, PhraseStarts, int]]) -> None:
        self._specs = specs
        self._compiled: list[tuple[str, re.Pattern[str]] | None] = [None] * len(specs)

    def __len__(self) -> int:
        return len(self._specs)

    @overload
    def __getitem__(self, index: int) -> tuple[str, re.Pattern[str]]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, re.Pattern[str]]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        compiled = self._compiled[index]
        if compiled is None:
            relation, pattern, _, _ = self._specs[index]
            compiled = self._compiled[index] = (relation, re.compile(pattern))
        return compiled


_PATTERNS = _Compiled(_SPECS)


@dataclass(frozen=True, slots=True)
class _Fast:
    """What ``_scan_lowered`` needs to know about the ``_SPECS``."""

    tokens: re.Pattern[str]  # the letter runs, digit-run starts and symbols of a lowered text
    roles: dict[str, tuple[tuple[int, ...], int]]  # token -> (specs it starts, needs it meets)
    needed: frozenset[str]  # the tokens that meet a need


def _fast() -> _Fast | None:
    """The fast-path tables (None when some spec's starts or needs cannot be listed)."""
    runs = {_NEEDS_UNIT: hint_runs(_UNITS), _NEEDS_ANCHOR: hint_runs(_ANCHORS)}
    if any(found is None or not found for found in runs.values()):
        return None
    if any(starts.anywhere for _, _, starts, _ in _SPECS):
        return None
    specs: dict[str, list[int]] = {}
    symbols = ""
    for index, (_, _, starts, _) in enumerate(_SPECS):
        symbols += starts.symbols
        for token in {*starts.words, *starts.symbols, *("0123456789" if starts.digits else "")}:
            specs.setdefault(token, []).append(index)
    met: dict[str, int] = {}
    for need, found in runs.items():
        for run in found or ():
            met[run] = met.get(run, 0) | need
    roles = {token: (tuple(specs.get(token, ())), met.get(token, 0)) for token in {*specs, *met}}
    symbol_class = "".join(re.escape(c) for c in sorted(set(symbols)))
    tokens = r"[a-z]+|(?<![0-9])[0-9]" + (f"|[{symbol_class}]" if symbol_class else "")
    return _Fast(re.compile(tokens), roles, frozenset(met))


_FAST = _fast()


def _amount(match: re.Match[str]) -> float | None:
    written = match.groupdict().get("amount")
    if not written:
        unit = match.groupdict().get("unit") or ""
        return 1.0 if unit and not unit.casefold().endswith("s") else None  # "the past year"
    return parse_number(written) if written[0].isdigit() else _NUMBER_WORDS.get(phrase_key(written))


def _window(kind: str, match: re.Match[str]) -> Window | None:
    """The Window a pattern match stands for, or None when the match is not temporal."""
    groups = match.groupdict()
    anchor = _ANCHORS[phrase_key(groups["anchor"])] if groups.get("anchor") else None
    way = _DIRECTIONS.get(phrase_key(groups["dir"])) if groups.get("dir") else None
    if groups.get("treated"):
        anchor, way = "prior_therapy", "after"
    unit = _UNITS[phrase_key(groups["unit"])] if groups.get("unit") else None
    amount = _amount(match) if unit else None
    if kind == "lookback":
        ahead = phrase_key(groups["look"]) in {phrase_key(w) for w in _RULES["lookahead"]}
        duration = phrase_key(groups["prep"]) in {
            phrase_key(w) for w in _RULES["duration_prepositions"]}
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
    """Every temporal window in ``text``, left to right, non-overlapping (longest first).

    The matches are those of each of ``_PATTERNS`` scanned over the whole text (``_scan``);
    ``_scan_lowered`` finds the same ones faster, and serves unless the text holds a
    character that ``(?i)`` folds onto an ASCII letter (see ``phrases.fast_lowered``).
    """
    if not isinstance(text, str) or not text:
        return []
    lowered = fast_lowered(text) if _FAST is not None else None
    if lowered is None:
        return _choose(_scan(text))
    return _choose(_scan_lowered(text, lowered))


def _scan(text: str) -> list[WindowMention]:
    """The matches of every pattern, each scanned over the whole text."""
    found: list[WindowMention] = []
    for kind, pattern in _PATTERNS:
        _collect(kind, pattern.finditer(text), found)
    return found


def _scan_lowered(text: str, lowered: str) -> list[WindowMention]:
    """``_scan(text)``, trying each pattern only where it can start (``lowered`` is
    ``fast_lowered(text)``), and only up to the last unit (anchor) run when every match of it
    holds a unit (an anchor); not at all when there is no such run."""
    fast = _FAST
    assert fast is not None
    if fast.needed.isdisjoint(fast.tokens.findall(lowered)):
        return []
    roles = fast.roles
    last = [-1, -1, -1]  # by need: the start of the last run that meets it
    starts: dict[int, list[int]] = {}
    for match in fast.tokens.finditer(lowered):
        role = roles.get(match.group())
        if role is None:
            continue
        specs, met = role
        position = match.start()
        if met & _NEEDS_UNIT:
            last[_NEEDS_UNIT] = position
        if met & _NEEDS_ANCHOR:
            last[_NEEDS_ANCHOR] = position
        for index in specs:
            if index in starts:
                starts[index].append(position)
            else:
                starts[index] = [position]
    found: list[WindowMention] = []
    for index in sorted(starts):  # in the order of _PATTERNS, like _scan
        limit = last[_SPECS[index][3]]
        positions = starts[index]
        if positions[0] <= limit:
            kind, pattern = _PATTERNS[index]
            candidates = [p for p in positions if p <= limit]
            _collect(kind, matches_at(pattern, text, candidates), found)
    return found


def _collect(kind: str, matches: Iterable[re.Match[str]], found: list[WindowMention]) -> None:
    for match in matches:
        window = _window(kind, match)
        if window is not None and match.end() > match.start():
            found.append(WindowMention(window, match.start(), match.end(), match.group()))


def _choose(found: list[WindowMention]) -> list[WindowMention]:
    found.sort(key=lambda m: (m.start, -m.end))
    chosen: list[WindowMention] = []
    for mention in found:
        if not chosen or mention.start >= chosen[-1].end:
            chosen.append(mention)
    return chosen

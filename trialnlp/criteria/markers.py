"""Enumeration markers: bullets, numbers, letters and roman numerals as people write them.

A marker can be read more than one way (``i)`` is the ninth letter or roman one), so
``Marker.readings`` lists every (family, ordinal) reading; the splitter picks the one that
continues a sequence it is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..resources import load_json

ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x",
         "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx")


@dataclass(frozen=True, slots=True)
class Marker:
    text: str  # the marker as written: "(8)", "6,", "•", "c."
    number: str  # the enumerator without punctuation ("8", "c", "iv"); "" for bullets
    readings: tuple[tuple[str, int | None], ...]  # (family, ordinal)
    form: str  # period, paren, enclosed, comma, ideographic, dash, bullet
    start: int  # offset of the marker
    content: int  # offset where the criterion's own text begins

    @property
    def is_bullet(self) -> bool:
        return self.form == "bullet"


@dataclass(frozen=True, slots=True)
class _Patterns:
    line: re.Pattern[str]
    inline: re.Pattern[str]
    bullets: frozenset[str]
    inline_bullets: frozenset[str]


@cache
def _patterns() -> _Patterns:
    data = load_json("markers.json")
    bullets = "".join(re.escape(b) for b in data["bullets"])
    enumerator = r"\d{1,3}|[A-Za-z]|(?:" + "|".join(sorted(ROMAN, key=len, reverse=True)) + ")"
    enumerator_upper = "|".join(r.upper() for r in sorted(ROMAN, key=len, reverse=True))
    enum = rf"(?:{enumerator}|{enumerator_upper})"
    # After a marker: whitespace, end, or (for c.AZA-style glued markers) a capital letter.
    after = r"(?=[ \t\u00a0]|$|(?<=[.)])[A-Z])"
    line = re.compile(
        rf"(?P<bullet>\\?[{bullets}](?=[ \t\u00a0]|$)|o(?=[ \t\u00a0]+\S)|-(?=[A-Z]))"
        rf"|(?P<enclosed>[(（](?P<e>{enum})[)）]){after}"
        rf"|(?P<suffixed>(?P<s>{enum})(?P<p>[.)、．]|\\\.|-(?=[ \t])|,(?=[ \t]))){after}"
    )
    inline = re.compile(
        rf"(?<![^\s])(?:(?P<bullet>[{re.escape(''.join(data['inline_bullets']))}])(?=[ \t])"
        rf"|(?P<enclosed>[(（](?P<e>{enum})[)）]){after}"
        rf"|(?P<suffixed>(?P<s>{enum})(?P<p>[.)、．]|,(?=[ \t]))){after})"
    )
    return _Patterns(line, inline, frozenset(data["bullets"]), frozenset(data["inline_bullets"]))


def _readings(enumerator: str) -> tuple[tuple[str, int | None], ...]:
    if enumerator.isdigit():
        return (("number", int(enumerator)),)
    readings: list[tuple[str, int | None]] = []
    lower = enumerator.lower()
    if lower in ROMAN:
        readings.append(("roman" if enumerator.islower() else "ROMAN", ROMAN.index(lower) + 1))
    if len(enumerator) == 1:
        family = "lower" if enumerator.islower() else "upper"
        readings.append((family, ord(lower) - ord("a") + 1))
    return tuple(readings)


def _content_start(text: str, position: int, end: int) -> int:
    while position < end and text[position] in " \t\u00a0":
        position += 1
    return position


def _from_match(match: re.Match[str], text: str, end: int) -> Marker | None:
    if match["bullet"]:
        glyph = match["bullet"].lstrip("\\")
        return Marker(match["bullet"], "", ((f"bullet:{glyph}", None),), "bullet",
                      match.start(), _content_start(text, match.end(), end))
    if match["enclosed"]:
        enumerator, form = match["e"], "enclosed"
    else:
        enumerator, punct = match["s"], match["p"]
        form = {")": "paren", ",": "comma", "-": "dash", "、": "ideographic"}.get(punct, "period")
    readings = _readings(enumerator)
    if not readings:
        return None
    return Marker(match.group(0), enumerator, readings, form, match.start(),
                  _content_start(text, match.end(), end))


def line_marker(text: str, start: int, end: int) -> Marker | None:
    """The marker opening the line content ``text[start:end]``, if any."""
    match = _patterns().line.match(text, start, end)
    return _from_match(match, text, end) if match else None


def inline_markers(text: str, start: int, end: int) -> list[Marker]:
    """Candidate markers inside a line; the splitter decides which ones are real."""
    markers = []
    for match in _patterns().inline.finditer(text, start, end):
        marker = _from_match(match, text, end)
        if marker is not None and marker.content < end:
            markers.append(marker)
    return markers

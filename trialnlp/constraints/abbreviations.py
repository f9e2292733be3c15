"""Long forms of bracketed abbreviations: ``partial pressure of arterial carbon dioxide
[PaCO2] > 45`` is one threshold, written over the words before the bracket.

The lexicon often knows the abbreviation (``PaCO2``) but not the long form the trial spells
out before it; a constraint on the abbreviation should still cover the whole name.  The
long form is found as Schwartz & Hearst (2003) do (the algorithm scispaCy's
``AbbreviationDetector`` implements on spaCy spans; this reads plain text offsets, which
is what the constraint layer holds): the abbreviation's letters must appear, in order and
from the end, in at most ``min(len + 5, 2 * len)`` words before the bracket, the first
letter at the start of a word.  Digits are skipped (``FEV1``, ``SpO2``): long forms rarely
spell them.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")
# the long form stays in its clause: no earlier than a stop, a colon or another bracket
_CUT = re.compile(r"[;:()\[\]]|[.,](?:\s|$)")
_CLOSED = re.compile(r"\s*[)\]]")


def long_form_start(text: str, low: int, start: int, end: int) -> int | None:
    """Where the long form of the abbreviation ``text[start:end]`` begins, when the
    abbreviation alone stands in brackets (``(ASA classification)``) and the words in
    ``text[low:...]`` before the bracket spell it; otherwise None."""
    opening = text[:start].rstrip()
    if not opening.endswith(("(", "[")) or not _CLOSED.match(text, end):
        return None
    short = [c.lower() for c in text[start:end] if c.isalpha()]
    if not 2 <= len(short) <= 20 or not text[start].isalpha():
        return None
    bracket = len(opening) - 1
    cut = low
    for match in _CUT.finditer(text, low, bracket):
        cut = match.end()
    words = list(_WORD.finditer(text, cut, bracket))
    words = words[-min(len(short) + 5, 2 * len(short)):]
    if not words:
        return None
    first = words[0].start()
    candidate = text[first:words[-1].end()].lower()
    position = len(candidate) - 1
    for index in range(len(short) - 1, -1, -1):
        letter = short[index]
        while position >= 0 and (candidate[position] != letter or (
                index == 0 and position > 0 and candidate[position - 1].isalnum())):
            position -= 1
        if position < 0:
            return None
        position -= 1
    return first + position + 1

"""Literal phrases as fast regexes: the machinery values.py and temporal.py share.

``phrase_alternation`` turns rule phrases into one regex alternation.  The rest is the
parsers' fast path: ``fast_lowered`` lowers a text so that offsets stay aligned with the
original (or says it cannot), ``phrase_starts`` / ``start_scanner`` find where a phrase
may start, ``hint_runs`` / ``run_hint`` find texts that cannot hold any phrase, and
``matches_at`` runs a pattern only at those positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# A line wrapped with indentation inside a criterion, as legacy CT.gov text wraps its lines
# ("creatinine\n        clearance"): the words on either side belong together.
LINE_WRAP = r"[ \t]*\r?\n[ \t\u00a0]+"


def phrase_alternation(phrases: Iterable[str], *, start: bool = True, end: bool = True) -> str:
    """A regex alternation of literal phrases, longest first.

    A space matches any run of whitespace; a phrase starting (ending) with a letter only
    matches at a word start (end) unless ``start`` (``end``) is false.
    """
    parts = []
    for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
        body = r"\s+".join(re.escape(word) for word in phrase.split())
        if start and phrase[:1].isalpha():
            body = r"(?<![A-Za-z])" + body
        if end and phrase[-1:].isalpha():
            body += r"(?![A-Za-z])"
        parts.append(body)
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


# Fast paths.  The comparator and limit regexes are large case-insensitive alternations with
# look-behinds, so scanning them over every position of a text is slow.  Instead, matches are
# only tried where one can start: ``(?i)`` phrases are compared on ``text.lower()`` (which
# lines up with what ``(?i)`` matches unless the text holds one of the four non-ASCII
# characters that ``(?i)`` folds onto ASCII letters: then the full scans run), a phrase that
# starts with a letter starts at a whole run of ASCII letters (it has a ``(?<![A-Za-z])``
# look-behind), and the regex is then matched, unchanged, on the original text at each
# candidate.  Results are identical to the full scans (tests/constraints/test_values.py and
# test_temporal.py compare both; tools/profile_parsers.py compares on real criteria).
_CASE_TRAPS = "\u0130\u0131\u017f\u212a"  # İ ı ſ K: (?i) matches them to ASCII letters
_HAS_TRAP = re.compile(f"[{_CASE_TRAPS}]")
_ASCII_LETTERS = re.compile("[A-Za-z]+")


def fast_lowered(text: str) -> str | None:
    """``text.lower()``, or None when it does not line up with ``(?i)`` matching on ``text``.

    Outside the trap characters, ``str.lower`` keeps the length, maps ASCII letters to
    lowercase ASCII and no other character onto ASCII, so a lowercase literal found at ``i``
    of the result is a ``(?i)`` match at ``i`` of ``text`` and ``[a-z]`` runs of the result
    are the ``[A-Za-z]`` runs of ``text``.
    """
    if not text.isascii() and _HAS_TRAP.search(text) is not None:
        return None
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else None


def _full_runs(phrase: str, *, start: bool = True, end: bool = True) -> list[str]:
    """The lowercase ASCII-letter runs that every match of ``phrase`` (as written by
    ``phrase_alternation`` with the same ``start``/``end``) has as *whole* runs of letters:
    each is bounded in the match by whitespace, a non-letter character or a word-boundary
    look-around.  The first one is the phrase's start when the phrase starts with a letter.
    """
    if _HAS_TRAP.search(phrase):
        return []
    words = phrase.split()
    runs = []
    for index, word in enumerate(words):
        for run in _ASCII_LETTERS.finditer(word):
            # bounded by a literal non-letter, by \s+, or by phrase_alternation's look-around
            left = run.start() > 0 or index > 0 or (start and phrase[:1].isalpha())
            right = (
                run.end() < len(word) or index < len(words) - 1 or (end and phrase[-1:].isalpha())
            )
            if left and right:
                runs.append(run.group().lower())
    return runs


@dataclass(frozen=True, slots=True)
class PhraseStarts:
    """Where a match of an alternation of phrases can start, in a lowered text: at a whole
    ASCII-letter run in ``words``, at a character in ``symbols``, at the first of a run of
    ASCII digits (``digits``), or, with ``anywhere``, at any position (no fast path)."""

    words: frozenset[str]
    symbols: str
    digits: bool = False
    anywhere: bool = False

    def __or__(self, other: PhraseStarts) -> PhraseStarts:
        return PhraseStarts(
            self.words | other.words,
            "".join(sorted(set(self.symbols + other.symbols))),
            self.digits or other.digits,
            self.anywhere or other.anywhere,
        )


def phrase_starts(phrases: Iterable[str], *, digits: bool = False) -> PhraseStarts:
    """The starts of ``phrase_alternation(phrases)`` (``start=True``): a phrase starting with
    an ASCII letter starts a whole run (its look-behind; see ``_full_runs``), any other starts
    with its first character, which must then be caseless so that ``(?i)`` only matches it."""
    words: set[str] = set()
    symbols: set[str] = set()
    anywhere = False
    for phrase in phrases:
        first = phrase[:1]
        if not first or first.isspace():
            anywhere = True  # no look-behind: it may start inside a run
        elif first.isascii() and first.isalpha():
            runs = _full_runs(phrase)
            anywhere |= not runs or not phrase.lower().startswith(runs[0])
            words.update(runs[:1])
        elif first.lower() == first.upper() == first and not first.isalpha():
            symbols.add(first)
        else:
            anywhere = True
    return PhraseStarts(frozenset(words), "".join(sorted(symbols)), digits, anywhere)


def start_scanner(starts: PhraseStarts) -> re.Pattern[str] | None:
    """A regex over a lowered text that matches at every start of ``starts`` (None when
    a match may start anywhere)."""
    if starts.anywhere:
        return None
    parts = []
    if starts.words:
        words = sorted(starts.words, key=lambda w: (-len(w), w))
        parts.append("(?<![a-z])(?:" + "|".join(words) + ")(?![a-z])")
    if starts.digits:
        parts.append("(?<![0-9])[0-9]")
    if starts.symbols:
        parts.append("[" + "".join(re.escape(c) for c in starts.symbols) + "]")
    return re.compile("|".join(parts) or "(?!)")


def hint_runs(phrases: Iterable[str]) -> list[str] | None:
    """A whole letter run of each phrase (see ``_full_runs``): where a lowered text has none
    of them, ``phrase_alternation(phrases)`` matches nowhere (None when some phrase has no
    such run)."""
    runs = set()
    for phrase in phrases:
        found = _full_runs(phrase)
        if not found:
            return None
        runs.add(max(found, key=len))
    return sorted(runs, key=lambda r: (-len(r), r))


def run_hint(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """A regex over a lowered text that finds one of ``hint_runs(phrases)``."""
    runs = hint_runs(phrases)
    if runs is None:
        return None
    return re.compile("(?<![a-z])(?:" + "|".join(runs) + ")(?![a-z])" if runs else "(?!)")


def matches_at(
    pattern: re.Pattern[str], text: str, positions: Iterable[int]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` given ascending ``positions`` where all its matches start."""
    end = 0
    for position in positions:
        if position < end:
            continue
        match = pattern.match(text, position)
        if match is None:
            continue
        if match.end() == position:  # an empty match: let finditer take it from here
            yield from pattern.finditer(text, position)
            return
        yield match
        end = match.end()


def phrase_key(phrase: str) -> str:
    return " ".join(phrase.split()).casefold()

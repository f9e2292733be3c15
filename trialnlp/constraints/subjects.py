"""Free-text subjects: what a threshold measures when nothing named it.

The lexicon names analytes and the NER model adds measures it learned, but eligibility
text measures everything ("Estimated weight loss <= 10%", "planned surgical duration more
than 3 hours", "more than 3 fetuses", "at least 6 mm of residual bone").  A comparison
that neither took is not dropped: the words next to it become the subject of a
``measurement`` constraint with no code (``concept`` is the phrase as written).

The phrase is read without a parser, from word lists in ``rules/subjects.json``: back from
the value, past linking words (``of``, ``is``, ``must be``), then up to ``max_words`` words
until a clause word, a number or punctuation; a bracketed abbreviation inside is kept
("Pain (VPS) > 3").  Where no word precedes it, the words after a count ("more than 3
fetuses") or after ``of`` ("25% of marrow-bearing bone") are the subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..resources import load_json

_TOKEN = re.compile(r"[^\W\d_](?:[\w'’\-/.]*\w)?|\d[\d.,]*|\S", re.UNICODE)
_BREAK = frozenset(",;:.!?<>=≤≥≦≧＜＞⩽⩾~+*&|\"“”")


@dataclass(frozen=True, slots=True)
class Phrase:
    start: int
    end: int
    text: str


@cache
def _rules() -> dict[str, Any]:
    rules = load_json("subjects.json")
    return {key: frozenset(value) if isinstance(value, list) else value
            for key, value in rules.items() if not key.startswith("//")}


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, end)]


def _is_word(token: str) -> bool:
    return token[0].isalpha()


def _content(words: list[tuple[int, int, str]]) -> bool:
    rules = _rules()
    if len(words) == 1 and _verb_form(words[0][2]):
        return False  # "Failed at least 1 prior regimen", "collected 400 mL or more"
    return any(_is_word(w) and sum(c.isalpha() for c in w) >= 2 and w.lower() not in
               rules["weak_words"] and w.lower() not in rules["stop_words"] for _, _, w in words)


def _verb_form(word: str) -> bool:
    verbs = _rules()["verb_endings"]
    lowered = word.lower()
    return len(lowered) >= verbs["min_letters"] and lowered.isalpha() and \
        lowered.endswith(tuple(verbs["endings"])) and \
        not lowered.endswith(tuple(verbs["exceptions"]))


def _trimmed(words: list[tuple[int, int, str]], text: str) -> Phrase | None:
    """The phrase of ``words`` (in text order) less leading determiners, if it says what."""
    leading = _rules()["leading_words"]
    while words and words[0][2].lower() in leading:
        words = words[1:]
    while words and ((not _is_word(words[-1][2]) and words[-1][2] not in ")]") or
                     words[-1][2] in leading):  # "1 prior regimen of chemotherapy" ("HLA A")
        words = words[:-1]
    if not words or not _content(words) or (words[0][2] in "([" and words[-1][2] in ")]"):
        return None  # nothing said, or only an aside ("(kg/m^2) with >= 2 complications")
    start, end = words[0][0], words[-1][1]
    return Phrase(start, end, " ".join(text[start:end].split()))


def run_on_break(word_before: str, following: str) -> bool:
    """PDQ run-on text: a capitalised word (``following`` starts with it) after a lower-case
    one starts the next sentence ("and recovered No more than 1 prior regimen")."""
    return word_before[:1].islower() and following[:1].isupper()


def subject_before(text: str, low: int, value_start: int) -> Phrase | None:
    """The words naming what the value at ``value_start`` measures, in ``text[low:...]``."""
    rules = _rules()
    tokens = _tokens(text, low, value_start)
    index = len(tokens) - 1
    if tokens and run_on_break(tokens[-1][2], text[value_start : value_start + 1]):
        return None  # "and recovered No more than 1 prior regimen": a run-on's next sentence
    while index >= 0 and (tokens[index][2].lower() in rules["link_words"] or
                          tokens[index][2] in (":", "=", "-")):
        index -= 1
    taken: list[tuple[int, int, str]] = []
    words = 0
    while index >= 0 and words < rules["max_words"]:
        token = tokens[index][2]
        if token in (")", "]"):  # "Pain (VPS)": a bracketed abbreviation is part of it
            opening = "(" if token == ")" else "["
            inner = index - 1
            while inner >= 0 and tokens[inner][2] != opening and index - inner <= 4:
                inner -= 1
            if inner < 0 or tokens[inner][2] != opening or inner == index - 1:
                break  # no opening bracket near, or an empty pair
            taken[:0] = tokens[inner : index + 1]
            index = inner - 1
            continue
        lowered = token.lower()
        if lowered in rules["weak_joiners"] and taken and not _content(taken):
            pass  # "cycles with duration between 24-35 days": a weak word says of what
        elif token in _BREAK or token in ("(", "[") or token[0].isdigit() or \
                lowered in rules["stop_words"]:
            break
        if lowered == "of" and (not taken or index == 0 or
                                tokens[index - 1][2].lower() in rules["stop_words"]):
            break
        taken.insert(0, tokens[index])
        words += _is_word(token)
        index -= 1
    return _trimmed(taken, text)


def subject_after(text: str, value_end: int, high: int, counted: bool) -> Phrase | None:
    """The words after a value that say what it counts (``counted``: the value has no unit,
    "more than 3 fetuses") or, after ``of``, what it is a part of ("25% of marrow-bearing
    bone")."""
    rules = _rules()
    tokens = _tokens(text, value_end, high)
    index = 0
    if tokens and tokens[0][2].lower() == "of":
        index = 1
    elif not counted:
        return None
    taken: list[tuple[int, int, str]] = []
    while index < len(tokens) and len(taken) < rules["after_max_words"]:
        token = tokens[index][2]
        lowered = token.lower()
        if taken and token.istitle() and token.isalpha() and len(token) > 1 and \
                taken[-1][2][0].islower():
            break  # "> 25% L3 blasts Initial WBC ...": a run-on's next sentence
        if token in _BREAK or not _is_word(token) or (
                lowered in rules["stop_words"] and lowered not in rules["leading_words"] and
                not (counted and not taken and lowered in rules["counted_words"])):
            break
        taken.append(tokens[index])
        index += 1
    return _trimmed(taken, text)


def has_content(text: str) -> bool:
    """Whether ``text`` says what is measured: a word that is no weak or stop word ("History
    of" says nothing)."""
    return _content(_tokens(text, 0, len(text)))


def is_free_subject(constraint: Any) -> bool:
    """Whether ``constraint`` is one this module's subjects made (assemble._free_subjects):
    a rule-made ``measurement``, the only kind of measurement rules make."""
    return constraint.kind == "measurement" and constraint.source == "rule"


def near_age(text: str, start: int, end: int) -> bool:
    """An age word in ``text[start:end]`` ("between the ages of 20-45"): an age the age
    reader did not take is no measurement either."""
    lowered = text[start:end].lower()
    return any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered)
               for word in _rules()["age_words"])


@cache
def _size_cue() -> re.Pattern[str]:
    words = sorted(_rules()["size_cues"], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)


def names_a_size(text: str) -> bool:
    """Whether ``text`` speaks of a lesion's size ("Measurable disease", "in diameter"):
    a bare length under it is that size."""
    return _size_cue().search(text) is not None


def size_subject(unit: str | None) -> str | None:
    """The concept a bare length with ``unit`` takes where :func:`names_a_size`, else None."""
    return _rules()["size_concept"] if unit in _rules()["size_units"] else None


def unit_subject(unit: str | None) -> str | None:
    """The concept a value in ``unit`` counts where no words name it ("No more than 3
    prior regimens": ``{lines}``), else None."""
    return _rules()["unit_concepts"].get(unit) if unit else None


def is_duration(phrase: Phrase) -> bool:
    """A subject that is a length of time ("disease duration", "operating time")."""
    words = _rules()["duration_words"]
    return any(word.lower() in words for word in re.findall(r"[^\W\d_]+", phrase.text))

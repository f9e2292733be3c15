"""Constraint highlights inside a criterion's display text.

A criterion's ``text`` is ``clean_text(source[start:end])`` (hard wraps joined, markdown
escapes undone, spaces collapsed) while constraint offsets point into the source.  This
module replays that cleaning with offsets kept, maps each constraint onto the display
text, and lays the spans out as properly nested markup: overlapping spans are nested, and a
span that crosses another's end is split in two fragments, so no character is lost or
repeated and the visible text equals ``criterion.text`` exactly.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..criteria.splitter import HYPHEN_WRAP, MD_ESCAPE, SPACES, clean_text
from ..types import Constraint, Criterion

# A replacement: the characters it leaves, each with the index (in the string being
# rewritten) of the character it stands for.
_Replace = Callable[[re.Match[str]], list[tuple[str, int]]]


def clean_with_offsets(raw: str, base: int = 0) -> tuple[str, list[int]]:
    """``clean_text(raw)`` and, for each of its characters, its offset in the source.

    ``base`` is added to every offset (the raw text's own position in the source).
    """
    text, where = raw, [base + i for i in range(len(raw))]
    steps: list[tuple[re.Pattern[str], _Replace]] = [
        (HYPHEN_WRAP, lambda m: [("-", m.start())]),
        (MD_ESCAPE, lambda m: [(m.group(1), m.start(1))]),
        (SPACES, lambda m: [(" ", m.start())]),
    ]
    for pattern, replace in steps:
        chars: list[str] = []
        offsets: list[int] = []
        last = 0
        for match in pattern.finditer(text):
            chars.append(text[last : match.start()])
            offsets.extend(where[last : match.start()])
            for char, index in replace(match):
                chars.append(char)
                offsets.append(where[index])
            last = match.end()
        chars.append(text[last:])
        offsets.extend(where[last:])
        text, where = "".join(chars), offsets
    # strip(): after the collapse every run of white space is one " ".
    lead = len(text) - len(text.lstrip(" "))
    keep = len(text.rstrip(" "))
    return text[lead:keep], where[lead:keep]


@dataclass(frozen=True, slots=True)
class Located:
    """A constraint placed on the display text: ``text[start:end]`` is its highlight."""

    constraint: Constraint
    start: int
    end: int


def locate(criterion: Criterion, source: str) -> tuple[list[Located], list[Constraint]]:
    """The criterion's constraints placed on ``criterion.text``, and those that cannot be.

    A constraint cannot be placed when it has no offsets (structured fields), when its span
    lies outside the criterion or is empty once cleaned, or when ``source`` is not the text
    the criterion came from (a trial loaded without its text).
    """
    spans = [c for c in criterion.constraints if c.start is not None and c.end is not None]
    unplaced = [c for c in criterion.constraints if c.start is None or c.end is None]
    clean, offsets = clean_with_offsets(source[criterion.start : criterion.end], criterion.start)
    if clean != criterion.text or clean != clean_text(source[criterion.start : criterion.end]):
        return [], unplaced + spans
    located: list[Located] = []
    for constraint in spans:
        assert constraint.start is not None and constraint.end is not None
        inside = criterion.start <= constraint.start < constraint.end <= criterion.end
        start = bisect_left(offsets, constraint.start)
        end = bisect_left(offsets, constraint.end)
        # A span that ends on a line break or a stray space shows without it.
        while start < end and clean[start] == " ":
            start += 1
        while end > start and clean[end - 1] == " ":
            end -= 1
        if inside and start < end:
            located.append(Located(constraint, start, end))
        else:
            unplaced.append(constraint)
    return located, unplaced


@dataclass(frozen=True, slots=True)
class Open:
    """Open a highlight for ``spans[index]``; ``continued`` for its second and later pieces."""

    index: int
    continued: bool = False


@dataclass(frozen=True, slots=True)
class Close:
    index: int


Token = str | Open | Close


def layout(text: str, spans: Sequence[tuple[int, int]]) -> list[Token]:
    """Text pieces and open/close tokens that nest properly, for spans over ``text``.

    Spans are ``(start, end)`` with ``start < end``; a longer span opens before a shorter
    one starting at the same place, so it is the outer one.  When an outer span ends inside
    an inner one, the inner one is closed there and opened again after it (``continued``).
    Joining the text pieces gives ``text`` back; the pieces inside the tokens of span ``i``
    join to ``text[start_i:end_i]``.
    """
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1], i))
    bounds = sorted({0, len(text), *(p for span in spans for p in span)})
    tokens: list[Token] = []
    stack: list[int] = []
    pending = 0  # next span in `order` to open
    for here, after in zip(bounds, [*bounds[1:], None], strict=True):
        ending = [depth for depth, i in enumerate(stack) if spans[i][1] == here]
        if ending:
            popped = stack[ending[0]:]
            del stack[ending[0]:]
            tokens.extend(Close(i) for i in reversed(popped))
            for i in popped:
                if spans[i][1] != here:
                    stack.append(i)
                    tokens.append(Open(i, continued=True))
        while pending < len(order) and spans[order[pending]][0] == here:
            stack.append(order[pending])
            tokens.append(Open(order[pending]))
            pending += 1
        if after is not None and after > here:
            tokens.append(text[here:after])
    tokens.extend(Close(i) for i in reversed(stack))
    return tokens

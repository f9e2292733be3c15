"""Split a section's text into the criteria tree a careful human reads.

The text is read line by line; each line either opens an item (it starts with a marker,
or it starts a new sentence after a finished one), or continues the current item (a hard
wrap).  Inside a line, candidate markers (``a.``, ``ii)``, ``(8)``, ``6,``) open an item only
when they continue a sequence already open (``9.`` after ``(8)``) or start a new level
after a lead-in colon; so ``grade 1. Life expectancy`` or ``(e.g. Mesalazine, ...)`` are
never split.  Nesting follows indentation and enumeration family (number > letter >
roman), the way lists are written on registry pages.

A section with no enumeration at all whose lines hold several ``;``-separated sentences
(seed 002) is split at those semicolons.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache

from ..resources import load_json
from ..types import Criterion, Section, SectionName
from .markers import Marker, inline_markers, line_marker

_FIRST_ORDINAL = 1
# A line whose length, plus the next line's first word, is under this share of the section's
# width stopped short: the author broke it there, it was not wrapped.
_SHORT_LINE = 0.6
_TERMINAL = re.compile(r"[.;!?。；][\"')\]]*$")
_SEMICOLON_SPLIT = re.compile(r";[ \t]*(?=[A-Z])")
# What clean_text joins, undoes and collapses; the review report maps display offsets back
# to the source with the same patterns (trialnlp.report.highlight).
MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>~|^=])")
HYPHEN_WRAP = re.compile(r"(?<=[A-Za-z])-[ \t]*\n[ \t]*(?=[a-z])")
SPACES = re.compile(r"\s+")


@cache
def _boundaries() -> tuple[frozenset[str], frozenset[str]]:
    data = load_json("markers.json")
    return frozenset(data["inline_boundaries"]), frozenset(data["lead_in_endings"])


def clean_text(raw: str) -> str:
    """A criterion's display text: hard wraps joined, markdown escapes undone, spaces collapsed."""
    # A wrap needs "-" and a newline, an escape a backslash: most criteria have neither.  Split
    # and join is SPACES.sub(" ", text).strip(): \s and str.split both mean str.isspace.
    text = HYPHEN_WRAP.sub("-", raw) if "\n" in raw and "-" in raw else raw
    if "\\" in text:
        text = MD_ESCAPE.sub(r"\1", text)
    return " ".join(text.split())


@dataclass(slots=True)
class _Item:
    marker: Marker | None
    indent: int  # column of the marker (or of the text for unmarked items)
    text_col: int  # column where the text starts (hard wraps align to it)
    start: int
    end: int
    ordinal: int = 0  # position among siblings, 1-based
    value: int | None = None  # ordinal read from the marker in its family
    family: str | None = None
    children: list[_Item] = field(default_factory=list)
    heading: str = ""


@dataclass(slots=True)
class _Level:
    parent: _Item | None
    indent: int
    family: str | None = None
    last_value: int | None = None
    items: list[_Item] = field(default_factory=list)

    def expected(self) -> int:
        return (self.last_value if self.last_value is not None else len(self.items)) + 1

    def add(self, item: _Item, family: str | None, value: int | None) -> None:
        if self.family is None and family is not None:
            self.family = family
        item.family, item.value = family, value
        if family == self.family and value is not None:
            self.last_value = value
        elif self.last_value is not None and family is None:
            self.last_value += 1  # an unnumbered item inside a numbered run takes a number
        self.items.append(item)
        item.ordinal = len(self.items)
        if self.parent is not None:
            self.parent.children.append(item)


def _column(text: str, line_start: int, position: int) -> int:
    return len(text[line_start:position].expandtabs(4))


def _wrap_width(text: str, start: int, end: int) -> int:
    """The line width a hard-wrapped section was wrapped at.

    The longest line that is certainly wrapped (the next line goes on in lower case).
    Without such a line there is no evidence of hard wrapping, and the width is
    unbounded: every line break is the author's.  One long unwrapped line next to
    wrapped ones (seed 000) must not set the width.
    """
    lines = text[start:end].split("\n")
    lengths = [len(line.rstrip().expandtabs(4)) for line in lines]
    wrapped = [lengths[i] for i in range(len(lines) - 1)
               if lines[i + 1].strip()[:1].islower() and lines[i].strip()]
    return max(wrapped) if wrapped else sys.maxsize


class _Splitter:
    """Builds the item tree for one section body."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start, self.end = start, end
        self.root = _Level(parent=None, indent=-1)
        self.stack: list[_Level] = [self.root]
        self.current: _Item | None = None
        self.marked = False  # whether any enumeration marker was accepted
        self.width = 0  # the longest line: the wrap width if the text is hard-wrapped

    # -- placing items -------------------------------------------------------------
    def _open(self, level: _Level, marker: Marker | None, indent: int, text_col: int,
              start: int, family: str | None, value: int | None) -> None:
        if self.current is not None:
            self.current.end = start
        item = _Item(marker, indent, text_col, start, start)
        level.add(item, family, value)
        self.current = item
        if marker is not None:
            self.marked = True

    def _pop_to(self, level: _Level) -> None:
        while self.stack[-1] is not level:
            self.stack.pop()

    def _child_level(self, indent: int) -> _Level:
        assert self.current is not None
        level = _Level(parent=self.current, indent=indent)
        self.stack.append(level)
        return level

    def _ends_with_lead_in(self, position: int) -> bool:
        _, lead_in = _boundaries()
        before = self.text[self.current.start if self.current else self.start : position].rstrip()
        return bool(before) and before[-1] in lead_in

    def place_line_marker(self, marker: Marker, indent: int, text_col: int) -> None:
        while len(self.stack) > 1 and self.stack[-1].indent > indent:
            self.stack.pop()
        deepest = self.stack[-1]
        # 1. The next number/letter of a sequence already open: a sibling there,
        #    whatever the indentation (right-aligned "9." / "10." differ by a column).
        for level in reversed(self.stack):
            for family, value in marker.readings:
                if value is not None and level.family == family and value == level.expected():
                    self._pop_to(level)
                    self._open(level, marker, indent, text_col, marker.start, family, value)
                    return
        family, value = marker.readings[0]
        if len(marker.readings) > 1:  # "i." opening a level is roman one, not the letter i
            family, value = min(marker.readings, key=lambda r: (r[1] or 0))
        current = self.current
        # 2. Indented deeper than the current item: its sub-criterion.
        if current is not None and indent > current.indent:
            self._open(self._child_level(indent), marker, indent, text_col, marker.start,
                       family, value)
            return
        # 3. Same family as the current level: a sibling (numbering as written, gaps kept).
        families = [f for f, _ in marker.readings]
        if deepest.family in families:
            family = deepest.family
            value = dict(marker.readings)[family]
        # 4. A subordinate enumeration (letters under numbers) after a lead-in: a child.
        elif (current is not None and deepest.family is not None and (
                self._ends_with_lead_in(marker.start)
                or (value == _FIRST_ORDINAL and _rank(family) > _rank(deepest.family)))):
            self._open(self._child_level(indent), marker, indent, text_col, marker.start,
                       family, value)
            return
        if deepest is self.root and deepest.indent < 0:
            deepest.indent = indent
        self._open(deepest, marker, indent, text_col, marker.start, family, value)

    def place_inline_marker(self, marker: Marker, indent: int, line_end: int) -> bool:
        boundaries, _ = _boundaries()
        assert self.current is not None
        before = self.text[self.current.start : marker.start].rstrip()
        depth = _paren_depth(self.text, self.current.start, marker.start)
        if not before or _closes_later(self.text, marker.start, line_end, depth):
            return False
        after_boundary = before[-1] in boundaries
        for level in reversed(self.stack):
            for family, value in marker.readings:
                implicit = level.family is None and family == "number" and level.items
                if (level.family == family or implicit) and value == level.expected():
                    if not (after_boundary or marker.is_bullet):
                        return False
                    self._pop_to(level)
                    self._open(level, marker, indent, indent, marker.start, family, value)
                    return True
        opening = [(f, v) for f, v in marker.readings if v == _FIRST_ORDINAL]
        if not opening or marker.form == "comma":
            return False
        lead_in = self._ends_with_lead_in(marker.start)
        loose = after_boundary and marker.form in ("paren", "enclosed")
        if not (lead_in or loose):
            return False
        family, value = min(opening, key=lambda r: _rank(r[0]))
        level = self._child_level(self.current.indent + 1)
        self._open(level, marker, indent + 1, indent + 1, marker.start, family, value)
        return True

    def place_unmarked(self, indent: int, start: int) -> None:
        while len(self.stack) > 1 and self.stack[-1].indent > indent:
            self.stack.pop()
        level = self.stack[-1]
        if (self.current is not None and indent > self.current.indent
                and self._ends_with_lead_in(start)):
            level = self._child_level(indent)
        elif level is self.root and level.indent < 0:
            level.indent = indent
        self._open(level, None, indent, indent, start, None, None)

    # -- reading lines ------------------------------------------------------------
    def continues(self, previous: str, previous_raw: str, content: int, line_end: int,
                  indent: int, blank_before: bool) -> bool:
        """Whether an unmarked line continues the current item (a hard wrap)."""
        item = self.current
        if item is None or blank_before:
            return False
        first = self.text[content]
        if item.marker is not None and indent > item.indent and abs(indent - item.text_col) <= 1:
            return True
        prev = previous.rstrip()
        if _TERMINAL.search(prev) or prev.endswith((":", "：")):
            return not (first.isupper() or first.isdigit() or first in "\"'“‘(")
        if first == "(":
            return True
        # A hard wrap: the next line's first word would not have fitted on this one within
        # the section's line width.  Lines that stop short are the author's line breaks.
        word = len(self.text[content:line_end].split(None, 1)[0])
        reach = len(previous_raw) + 1 + word
        if first.islower():
            # ... a lower-case start is read as a wrap unless the line stops well short of
            # the width (the width is only the longest line, so it may be far too wide):
            # "waist 95 cm or more" / "normal OGTT" are two criteria.
            return reach > _SHORT_LINE * self.width
        return reach > self.width

    def scan_inline(self, position: int, end: int, indent: int) -> None:
        """Accept the real markers among the inline candidates of ``text[position:end]``."""
        for candidate in inline_markers(self.text, position, end):
            self.place_inline_marker(candidate, indent, end)

    def run(self) -> list[_Item]:
        previous = previous_raw = ""
        blank_before = False
        self.width = _wrap_width(self.text, self.start, self.end)
        line_end = self.start - 1
        for line in self.text[self.start : self.end].split("\n"):
            line_start = line_end + 1
            line_end = line_start + len(line)
            stripped = line.lstrip()  # (str.isspace: \x0c, \u3000 too)
            if not stripped:
                blank_before = True
                continue
            content = line_end - len(stripped)
            indent = _column(self.text, line_start, content)
            marker = line_marker(self.text, content, line_end)
            if marker is not None:
                text_col = _column(self.text, line_start, marker.content)
                self.place_line_marker(marker, indent, text_col)
                scan_from = marker.content
            elif self.continues(previous, previous_raw, content, line_end, indent,
                                blank_before):
                scan_from = content
            else:
                self.place_unmarked(indent, content)
                scan_from = content
            self.scan_inline(scan_from, line_end, indent)
            assert self.current is not None
            self.current.end = line_end
            previous = stripped
            previous_raw = line.rstrip().expandtabs(4)
            blank_before = False
        if not self.marked:
            self._split_semicolons()
        return self.root.items

    def _split_semicolons(self) -> None:
        """Seed 002: criteria separated only by ``;`` in a section without enumeration."""
        items: list[_Item] = []
        for item in self.root.items:
            cuts = [m.end() for m in _SEMICOLON_SPLIT.finditer(self.text, item.start, item.end)
                    if _paren_depth(self.text, item.start, m.start()) == 0]
            starts = [item.start, *cuts]
            ends = [*cuts, item.end]
            for start, end in zip(starts, ends, strict=True):
                items.append(_Item(None, item.indent, item.text_col, start, end))
        self.root.items = items
        for ordinal, item in enumerate(items, 1):
            item.ordinal = ordinal


def _closes_later(text: str, start: int, end: int, depth: int) -> bool:
    """Whether an open parenthesis (``depth`` deep) closes before ``end``.

    Real text leaves parentheses unclosed (seed 004: ``(subjects who consumed ...; 9.``);
    one that never closes on its line does not hide the markers after it.
    """
    if depth <= 0:
        return False
    balance = 0
    for char in text[start:end]:
        if char in "([（":
            balance += 1
        elif char in ")]）":
            balance -= 1
            if balance < 0:
                return True
    return False


def _paren_depth(text: str, start: int, end: int) -> int:
    """Parentheses/brackets opened and not closed in ``text[start:end]``."""
    chunk = text[start:end]
    opened = chunk.count("(") + chunk.count("[") + chunk.count("（")
    closed = chunk.count(")") + chunk.count("]") + chunk.count("）")
    return max(opened - closed, 0)


_RANKS = {"number": 0, "upper": 1, "ROMAN": 1, "lower": 2, "roman": 3}


def _rank(family: str | None) -> int:
    if family is None or family.startswith("bullet:"):
        return 0
    return _RANKS.get(family, 0)


_TRAILING = frozenset(" \t\r\n\u00a0;,，；-–—\\")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding space and trailing separators or stray dashes (``process-``, ``;``)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1] in _TRAILING or text[end - 1].isspace()):
        end -= 1
    return start, end


def split_section(text: str, section: Section, prefix: str) -> list[Criterion]:
    """The criteria tree of one section; ``prefix`` makes ids unique within the trial."""
    if section.end <= section.start:
        return []
    # Lines are read from the start of the section's first line so indentation counts.
    line_start = text.rfind("\n", 0, section.start) + 1
    splitter = _Splitter(text, section.start, section.end)
    if text[line_start:section.start].strip() == "":
        splitter.start = line_start
    items = _lift_headings(text, splitter.run(), section.name)
    used: set[str] = set()
    return _build(text, items, section.name, prefix, None, "", 0, used)


# Lead-ins whose logic differs from the section's default (inclusion: all must hold;
# exclusion: any one excludes) stay parent criteria; the others are headings.
_NOT_ALL = re.compile(
    r"\b(?:one|any|either|two|three|none|at least|one or more|or more)\b", re.IGNORECASE)
_NOT_ANY = re.compile(r"\b(?:all|both|each|two|three|at least two|combination)\b", re.IGNORECASE)
_DASHED_HEADING = re.compile(r"^-{2,}\s*[^-].{0,60}?\s*-{2,}$")


# A short all-caps line heads what follows (``PRIOR CONCURRENT THERAPY``) unless it states
# a measure (``ECOG 0-2.``, ``BMI < 20``) or is one childless word (``HIV``, ``HCM.``): those
# are criteria, and a heading line is not kept as a criterion of its own.
_MEASURED = re.compile(r"[\d<>=≤≥%]")
_COMPARISON = re.compile(r"[<>=≤≥][ \t]*[0-9]")
_INNER_LABEL = re.compile(r"\w[:：]\s+\S")
_CONNECTORS = frozenset({"OR", "AND", "AND/OR"})


def _caps_heading(raw: str, item: _Item) -> bool:
    words = raw.split()
    if not raw.isupper() or len(words) > 6 or _MEASURED.search(raw):
        return False
    return bool(item.children) or len(words) > 1 or raw.strip(" .") in _CONNECTORS


def _heading_text(text: str, item: _Item, section: SectionName) -> str | None:
    """The heading an unmarked top-level line stands for, or None if it is a criterion.

    ``DISEASE CHARACTERISTICS:``, ``--Patient Characteristics--`` and lead-ins such as
    ``You may be eligible for this study if you:`` head the criteria after them; a lead-in
    that carries logic (``at least one of the following:``) stays a criterion.
    """
    if item.marker is not None:
        return None
    raw = clean_text(text[item.start : item.end])
    if not item.children and (_COMPARISON.search(raw) or _INNER_LABEL.search(raw[:-1])):
        # It would head the items after it, and its own words would be kept only as their
        # heading: one that states a comparison or holds labelled content of its own is a
        # criterion ("PATIENT CHARACTERISTICS: Age: 15 to 55 ... Hepatic:").
        return None
    if _DASHED_HEADING.match(raw):
        return raw.strip("- ")
    if not raw.endswith((":", "：")) and not _caps_heading(raw, item):
        return None
    logic = _NOT_ANY if section == "exclusion" else _NOT_ALL
    if len(raw.split()) > 25 or (item.children and logic.search(raw)):
        return None
    return raw.rstrip(":： ")


def _lift_headings(text: str, items: list[_Item], section: SectionName) -> list[_Item]:
    """Replace heading lines by the criteria they head, which remember the heading."""
    lifted: list[_Item] = []
    heading = ""
    for position, item in enumerate(items):
        title = _heading_text(text, item, section)
        is_last = position == len(items) - 1
        if title is None or (is_last and not item.children):
            item.heading = heading
            lifted.append(item)
            continue
        heading = title
        for child in item.children:
            child.heading = title
            lifted.append(child)
    return lifted


def _build(text: str, items: list[_Item], section: SectionName, prefix: str,
           parent_id: str | None, parent_path: str, depth: int, used: set[str]) -> list[Criterion]:
    criteria: list[Criterion] = []
    ordinal = 0
    for item in items:
        own_end = item.children[0].marker.start if item.children and item.children[0].marker \
            else (item.children[0].start if item.children else item.end)
        start, end = _trim(text, item.marker.content if item.marker else item.start,
                           min(item.end, own_end))
        body = clean_text(text[start:end])
        if not body and not item.children:
            continue  # an empty bullet ("\-") is not a criterion
        ordinal += 1
        number = item.marker.number if item.marker and not item.marker.is_bullet else ""
        step = number or str(ordinal)
        path = f"{parent_path}.{step}" if parent_path else step
        criterion_id = f"{prefix}{path}"
        suffix = 2
        while criterion_id in used:
            criterion_id = f"{prefix}{path}~{suffix}"
            suffix += 1
        used.add(criterion_id)
        criterion = Criterion(
            criterion_id=criterion_id, section=section, number=number,
            marker=item.marker.text if item.marker else "", path=path, depth=depth,
            text=body, start=start, end=end, parent_id=parent_id, heading=item.heading,
        )
        criterion.children = _build(text, item.children, section, prefix, criterion_id, path,
                                    depth + 1, used)
        criteria.append(criterion)
    return criteria


SECTION_PREFIX = {"inclusion": "inc", "exclusion": "exc", "unspecified": "crit"}


def split_criteria(text: str, sections: list[Section]) -> list[Criterion]:
    """All sections' criteria trees in reading order (top-level criteria)."""
    criteria: list[Criterion] = []
    seen: dict[str, int] = {}
    for section in sections:
        seen[section.name] = seen.get(section.name, 0) + 1
        count = seen[section.name]
        prefix = SECTION_PREFIX[section.name] + (str(count) if count > 1 else "") + "."
        criteria.extend(split_section(text, section, prefix))
    return criteria

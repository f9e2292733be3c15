"""Find the inclusion / exclusion sections of a text.

Works line by line on the raw text so offsets stay exact.  A header is recognised when:

* it stands alone on a line, at any indentation (seed 000 hides ``Exclusion Criteria:``
  inside the last inclusion item's indentation), optionally wrapped in markdown
  (``## Inclusion Criteria``, ``**Exclusion:**``);
* it opens a line and content follows a colon (``Inclusion Criteria: age 18 ...``);
* it is glued to the end of the previous line after punctuation
  (``... consent form.Exclusion Criteria:``): only capitalised, and only with the noun.

For web pages (``is_page``) the text around the criteria is page furniture: the region
starts at the first header (or an "Eligibility" heading) and the last section ends at
the first stop heading (``Sponsors``, ``Minimum Eligible Age`` ...) or bare structured
value (``18 Years``).  Registry fields are criteria only: they run to the end.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from ..resources import load_json
from ..types import Section, SectionName


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    name: SectionName | None  # None for an "Eligibility" heading
    header: str  # the header words as written
    header_start: int
    header_end: int
    body_start: int  # where the section's text begins (after the header and its colon)


@dataclass(frozen=True, slots=True)
class _Rules:
    standalone: re.Pattern[str]
    inline: re.Pattern[str]
    glued: re.Pattern[str]
    lead_in: re.Pattern[str]
    eligibility: re.Pattern[str]
    stop: re.Pattern[str]
    names: dict[str, SectionName]
    # A word that every header pattern above needs on its line, as a pattern and (where
    # all are ASCII) as lower-case words for str.find.
    keywords: re.Pattern[str]
    keyword_words: tuple[str, ...] | None

    def section_named(self, name: str) -> SectionName:
        """The section a matched header name stands for. The patterns match ignoring case,
        which folds 'İ' to 'i', whereas str.lower makes it two characters ('i̇nclusion')."""
        found = self.names.get(name.lower())
        if found is None:
            found = next(section for spelling, section in self.names.items()
                         if re.fullmatch(re.escape(spelling), name, re.IGNORECASE))
        return found


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _rules() -> _Rules:
    data = load_json("sections.json")
    names: dict[str, SectionName] = {}
    for section, spellings in data["header_names"].items():
        for spelling in spellings:
            names[spelling.lower()] = section
    prefix = rf"(?:(?:{_alternation(data['header_prefixes'])})\s+)?"
    name = rf"(?P<name>{_alternation(list(names))})"
    noun = rf"(?:\s+(?:{_alternation(data['header_nouns'])}))"
    qualifier = r"(?:\s*(?:\((?:[^()\n]{0,60})\)|(?:for|of|in|-|–)\s+[^.;:\n]{1,60}))?"
    furniture = r"[\s#*_>|\\]*"  # markdown emphasis/heading marks around a header
    lead = r"[\s#*_>|\\•·-]*"  # ... and a bullet before it ("-  INCLUSION CRITERIA:")
    standalone = re.compile(
        rf"^{lead}(?P<header>{prefix}{name}(?:{noun}{qualifier})?)\s*[:：]?{furniture}$",
        re.IGNORECASE,
    )
    # "Inclusion Criteria: Age 18 or older" (the noun is required so that
    # "Exclusion: none" style prose is still caught via the colon but not plain words).
    inline = re.compile(
        rf"^{furniture}(?P<header>{prefix}{name}{noun}?{qualifier}){furniture}\s*[:：]\s*(?=\S)",
        re.IGNORECASE,
    )
    # Glued at the end of a line after punctuation: capitalised spelling only.
    glued = re.compile(
        r"(?<=[.;:!?)\-–\]])[ \t]*(?P<header>(?:Key |KEY )?"
        r"(?P<name>Inclusion|INCLUSION|Exclusion|EXCLUSION)"
        r"[ \t]+(?:Criteria|CRITERIA|criteria))[ \t]*[:：]?[ \t]*$"
    )
    # "Patients must meet all of the following inclusion criteria:"
    lead_in = re.compile(
        rf"^\W*(?:\w+[ \t]+){{0,12}}?(?P<header>{name}{noun})[ \t]*[:：][ \t]*$", re.IGNORECASE
    )
    eligibility = re.compile(
        rf"^{furniture}(?P<header>{_alternation(data['eligibility_headings'])})\s*[:：]?{furniture}$",
        re.IGNORECASE,
    )
    stop = re.compile(
        rf"^\s*(?:(?:{_alternation(data['stop_headings'])})\s*[:：]?"
        r"|\d{1,3}\s*(?:years?|months?|weeks?|days?)(?:\s+and\s+(?:older|over|younger))?)\s*$",
        re.IGNORECASE,
    )
    words = [*names, "inclusion", "exclusion", *data["eligibility_headings"]]
    keywords = re.compile(_alternation(words), re.IGNORECASE)
    ascii_words = tuple(w.lower() for w in words) if all(w.isascii() for w in words) else None
    return _Rules(standalone, inline, glued, lead_in, eligibility, stop, names, keywords,
                  ascii_words)


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the newline."""
    spans, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        spans.append((start, end))
        start = end + 1
    return spans


def _keyword_lines(text: str, lines: list[tuple[int, int]]) -> dict[int, None]:
    """The indexes of the lines that hold a keyword, in order.

    Only these can hold a header: matching each header pattern on every line was most of
    this module's time.  A keyword never spans a newline.  For ASCII text, str.find in the
    lower-cased text finds what the case-insensitive pattern finds, many times faster.
    """
    rules = _rules()
    if rules.keyword_words is not None and text.isascii():
        lowered = text.lower()
        positions = []
        for word in rules.keyword_words:
            at = lowered.find(word)
            while at >= 0:
                positions.append(at)
                at = lowered.find(word, at + 1)
        positions.sort()
    else:
        positions = [match.start() for match in rules.keywords.finditer(text)]
    line_starts = [start for start, _ in lines]
    return dict.fromkeys(bisect_right(line_starts, position) - 1 for position in positions)


def _match_header(text: str, start: int, end: int) -> HeaderMatch | None:
    rules = _rules()
    line = text[start:end]
    match = rules.standalone.match(line)
    if match:
        return HeaderMatch(
            rules.section_named(match["name"]), match["header"],
            start + match.start("header"), start + match.end("header"), end,
        )
    match = rules.lead_in.match(line)
    if match:  # the whole lead-in sentence is the header
        content = len(line) - len(line.lstrip())
        return HeaderMatch(rules.section_named(match["name"]), line.strip().rstrip(":： "),
                           start + content, start + match.end("header"), end)
    match = rules.inline.match(line)
    if match:
        return HeaderMatch(
            rules.section_named(match["name"]), match["header"],
            start + match.start("header"), start + match.end("header"), start + match.end(),
        )
    match = rules.glued.search(line)
    if match:
        return HeaderMatch(
            rules.section_named(match["name"]), match["header"],
            start + match.start("header"), start + match.end("header"), end,
        )
    match = rules.eligibility.match(line)
    if match:
        return HeaderMatch(None, match["header"], start + match.start("header"),
                           start + match.end("header"), end)
    return None


def is_stop_line(line: str) -> bool:
    """Whether a page line is furniture that ends the eligibility region."""
    return bool(_rules().stop.match(line))


def find_sections(text: str, is_page: bool = False) -> list[Section]:
    """The eligibility sections of ``text`` in reading order.

    A section with a header but no text (seed 004's inclusion) is returned with
    ``start == end`` rather than borrowing the next section's text.  Text with no
    headers at all is one ``unspecified`` section.
    """
    lines = _lines(text)
    headers: list[tuple[int, HeaderMatch]] = []
    for index in _keyword_lines(text, lines):
        start, end = lines[index]
        match = _match_header(text, start, end)
        if match is not None:
            headers.append((index, match))
    section_headers = [(i, h) for i, h in headers if h.name is not None]

    if is_page:
        return _page_sections(text, lines, headers, section_headers)
    return _field_sections(text, section_headers)


def _field_sections(text: str, headers: list[tuple[int, HeaderMatch]]) -> list[Section]:
    """A registry field: everything is criteria; text before the first header is unspecified."""
    if not headers:
        return [_trimmed(Section("unspecified", 0, len(text)), text)] if text.strip() else []
    sections: list[Section] = []
    first = headers[0][1]
    if text[: first.header_start].strip() and not _only_punctuation(text[: first.header_start]):
        sections.append(_trimmed(Section("unspecified", 0, first.header_start), text))
    for position, (_, header) in enumerate(headers):
        end = headers[position + 1][1].header_start if position + 1 < len(headers) else len(text)
        sections.append(_section(header, end, text))
    return sections


def _page_sections(
    text: str,
    lines: list[tuple[int, int]],
    headers: list[tuple[int, HeaderMatch]],
    section_headers: list[tuple[int, HeaderMatch]],
) -> list[Section]:
    """Pasted web text: criteria sit between headers and page furniture."""
    if section_headers:
        chosen = _page_run(section_headers, lines, text)
        region_start_line = chosen[0][0]
    else:
        eligibility = [(i, h) for i, h in headers if h.name is None]
        region_start_line = eligibility[0][0] if eligibility else -1
        chosen = []
    # The region ends at the first stop line after the last header.
    last_header_line = chosen[-1][0] if chosen else region_start_line
    region_end = len(text)
    for index in range(last_header_line + 1, len(lines)):
        start, end = lines[index]
        if is_stop_line(text[start:end]):
            region_end = start
            break
    if not chosen:
        body_start = lines[region_start_line][1] if region_start_line >= 0 else 0
        if not text[body_start:region_end].strip():
            return []
        return [_trimmed(Section("unspecified", body_start, region_end), text)]
    sections = []
    for position, (_, header) in enumerate(chosen):
        end = chosen[position + 1][1].header_start if position + 1 < len(chosen) else region_end
        sections.append(_section(header, max(end, header.body_start), text))
    return sections


def _page_run(
    headers: list[tuple[int, HeaderMatch]], lines: list[tuple[int, int]], text: str
) -> list[tuple[int, HeaderMatch]]:
    """The headers that belong to the eligibility block, not to furniture further down.

    A page may mention "Inclusion Criteria" again in an FAQ; the block is the first run of
    headers not separated by a stop line.
    """
    run = [headers[0]]
    for index, header in headers[1:]:
        between = range(run[-1][0] + 1, index)
        if any(is_stop_line(text[lines[i][0] : lines[i][1]]) for i in between):
            break
        run.append((index, header))
    return run


def _section(header: HeaderMatch, end: int, text: str) -> Section:
    assert header.name is not None
    section = Section(header.name, header.body_start, end, header.header,
                      header.header_start, header.header_end)
    return _trimmed(section, text)


def _only_punctuation(chunk: str) -> bool:
    return not re.search(r"\w", chunk)


def _trimmed(section: Section, text: str) -> Section:
    """Shrink the body to its non-space extent; an empty body collapses to its start."""
    start, end = section.start, section.end
    while start < end and text[start] in " \t\r\n:：":
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if _only_punctuation(text[start:end]):
        end = start
    return Section(section.name, start, end, section.header, section.header_start,
                   section.header_end)

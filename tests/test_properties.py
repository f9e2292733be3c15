"""Property-based tests across the stages (hypothesis), beside the per-module ones.

Already elsewhere, not repeated here: the splitter never raises and its offsets hold on any
text (tests/criteria), ``find_values`` offsets and finite numbers, unit matching
(tests/constraints), ``read_source`` on any str and ``decode`` on any bytes
(tests/readers).  Here: the section finder's invariants, round trips and idempotence of
the splitter, the value parser and units, and the readers on any bytes in every format.
"""

from __future__ import annotations

import csv
import io
import json
import re
import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trialnlp.constraints.units import normalize_unit
from trialnlp.constraints.values import find_values
from trialnlp.criteria.splitter import clean_text, split_criteria
from trialnlp.readers import FORMATS, read_bytes
from trialnlp.resources import load_json
from trialnlp.sections.finder import find_sections
from trialnlp.types import Criterion, ReadError, SourceRecord

# Words that are neither section headers, list markers nor lead-ins ("following:").
WORDS = st.sampled_from([
    "adults", "aged", "18", "years", "ALT", "<", "2.5", "x", "ULN", "and", "with", "no",
    "history", "of", "cancer", "creatinine", "≤", "1.5", "mg/dL", "(", ")", ",", "prior",
    "therapy", "signed", "consent", "HIV", "pregnant", "women", "ECOG", "0-1", "café", "µmol/L",
])
ITEMS = st.lists(WORDS, min_size=1, max_size=12).map(" ".join).map(clean_text).filter(
    lambda item: any(char.isalnum() for char in item))  # punctuation alone is no criterion
HEADED_TEXT = st.tuples(
    st.sampled_from(["Inclusion Criteria:", "Exclusion Criteria:", "Key Inclusion Criteria",
                     "Eligibility Criteria:", "Inclusion criteria -", ""]),
    st.lists(st.tuples(st.sampled_from(["*", "-", "•", "1.", "2)", "(3)", "a.", ""]),
                       st.text(string.printable + "≥≤µé•–’\u200b\u202e", max_size=40)),
             max_size=8),
    st.sampled_from(["\n", "\n\n", "\n   "]),
).map(lambda t: t[0] + t[2] + t[2].join(f"{m} {s}" for m, s in t[1]))
SECTION_TEXT = st.one_of(HEADED_TEXT, st.text(max_size=300),
                         st.lists(HEADED_TEXT, max_size=3).map("\n".join))


def flat(criteria: list[Criterion]) -> list[Criterion]:
    return [c for top in criteria for c in top.walk()]


def split(text: str) -> list[Criterion]:
    return split_criteria(text, find_sections(text))


# -- section finder -----------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(SECTION_TEXT, st.booleans())
def test_sections_lie_in_order_inside_the_text(text: str, is_page: bool) -> None:
    previous_end = 0
    for section in find_sections(text, is_page):
        assert 0 <= section.start <= section.end <= len(text)
        if section.header_start is not None:
            assert section.header_end is not None
            assert previous_end <= section.header_start <= section.header_end <= section.start
        assert previous_end <= section.start
        body = text[section.start : section.end]
        assert body == body.rstrip() and not body.startswith((" ", "\t", "\n", ":"))
        previous_end = section.end


@settings(max_examples=100, deadline=None)
@given(SECTION_TEXT)
def test_sections_are_deterministic(text: str) -> None:
    assert find_sections(text) == find_sections(text)
    assert find_sections(text, True) == find_sections(text, True)


# -- splitter -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.lists(ITEMS, min_size=1, max_size=8),
       st.sampled_from(["{n}. ", "{n}) ", "({n}) ", "- ", "* ", "• "]))
def test_a_written_list_splits_back_into_its_items(items: list[str], marker: str) -> None:
    lines = [marker.format(n=n) + item for n, item in enumerate(items, 1)]
    text = "Inclusion Criteria:\n" + "\n".join(lines) + "\n"
    criteria = split(text)
    assert [c.text for c in criteria] == [item.rstrip(" ,") for item in items]  # trailing ","
    assert all(not c.children for c in criteria)
    for criterion in criteria:
        assert text[criterion.start : criterion.end] == criterion.text


@settings(max_examples=150, deadline=None)
@given(SECTION_TEXT)
def test_splitting_a_single_criterion_again_yields_itself(text: str) -> None:
    for criterion in flat(split(text)):
        # A leading ":" or ";" reads as a header's end or a separator when the text stands
        # alone; criteria start with a word, a number or a comparator.
        if criterion.children or not criterion.text[:1].isalnum():
            continue
        # Display text is markdown with its escapes undone: an escaped backslash before "["
        # displays as a backslash and "[", which read again as markdown is "[" alone.
        if re.search(r"\\[\\`*_{}\[\]()#+\-.!<>~|^=]", criterion.text):
            continue
        sections = find_sections(criterion.text)
        again = flat(split_criteria(criterion.text, sections))
        # Never more text than was there: the pieces are the criterion's own, in order.
        position = 0
        for piece in (c.text for c in again):
            found = criterion.text.find(piece, position)
            assert found >= 0, (criterion.text, again)
            position = found + len(piece)
        # Plain text (no header, no enumerator of its own, no group heading) is left whole.
        plain = all(section.name == "unspecified" for section in sections)
        if plain and len(again) == 1 and not again[0].marker and not again[0].heading:
            assert again[0].text == criterion.text


# -- values and units ---------------------------------------------------------------------

UNIT_SPELLINGS = sorted({s for e in load_json("units.json")["units"] for s in e["spellings"]})
VALUE_TEXTS = st.lists(
    st.one_of(st.sampled_from(["ALT", "creatinine", "age", "platelets", "between", "and", "to",
                               ">", ">=", "≥", "<", "≤", "=", "-", "x", "ULN", "no more than",
                               "at least", "1e309", "NaN", "..5", "1.2.3", "inf", "10^9",
                               "100,000", "2.5", "18", "(", ")", "/"]),
              st.sampled_from(UNIT_SPELLINGS)),
    max_size=10,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.sampled_from(UNIT_SPELLINGS), st.text(max_size=20)),
       st.sampled_from([str, str.upper, str.lower]))
def test_normalising_a_unit_twice_changes_nothing(written: str, case: object) -> None:
    ucum = normalize_unit(case(written))  # type: ignore[operator]
    assert ucum is None or normalize_unit(ucum) == ucum


@settings(max_examples=200, deadline=None)
@given(VALUE_TEXTS)
def test_a_value_mention_read_alone_reads_the_same(text: str) -> None:
    for mention in find_values(text):
        assume(mention.op_text or mention.op == "between")  # not an op borrowed from before
        again = [m for m in find_values(mention.text) if m.start == 0]
        assert again, mention
        assert (again[0].op, again[0].value, again[0].value_max, again[0].unit) == (
            mention.op, mention.value, mention.value_max, mention.unit)


# -- readers ------------------------------------------------------------------------------

ONE_RECORD = {"text", "markdown", "html", "ctgov_xml"}
BYTES = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]).flatmap(
        lambda codec: st.text(st.characters(codec=codec), max_size=200).map(
            lambda t: t.encode(codec))),
)


def _check_results(results: list[SourceRecord | ReadError], name: str) -> None:
    for result in results:
        assert result.source.startswith(name)
        if isinstance(result, ReadError):
            assert result.reason and "\n" not in result.reason
        else:
            assert isinstance(result, SourceRecord)
            assert "\r" not in result.text
            result.text.encode("utf-8")  # no lone surrogates left for spaCy or the writers


@settings(max_examples=60, deadline=None)
@given(BYTES, st.sampled_from([None, *FORMATS]))
def test_readers_take_any_bytes_in_any_format(data: bytes, fmt: str | None) -> None:
    results = list(read_bytes(data, name="input", fmt=fmt))
    _check_results(results, "input")
    if fmt in ONE_RECORD:
        assert len(results) == 1


CELLS = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\x00"),
                max_size=60)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.from_regex(r"NCT\d{8}", fullmatch=True), CELLS), max_size=8),
       st.sampled_from([",", "\t", ";", "|"]))
def test_csv_round_trip(rows: list[tuple[str, str]], delimiter: str) -> None:
    """Whatever csv.writer writes (quotes, newlines, delimiters in text), the reader reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["nct_id", "criteria"])
    writer.writerows(rows)
    fmt = "tsv" if delimiter == "\t" else None
    results = list(read_bytes(buffer.getvalue().encode(), name="t.csv", suffix=".csv", fmt=fmt))
    _check_results(results, "t.csv")
    kept = [(i, t) for i, t in rows if t.strip() or i]  # blank rows are skipped, not records
    assert [(r.trial_id, r.text) for r in results if isinstance(r, SourceRecord)] == kept
    assert not [r for r in results if isinstance(r, ReadError)]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=3),
    max_leaves=8,
)
JSONL_LINES = st.lists(st.one_of(
    st.fixed_dictionaries({"nct_id": st.from_regex(r"NCT\d{8}", fullmatch=True),
                           "criteria": st.text(max_size=60)}).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.text(alphabet='{}[]":,0123456789abc \t', max_size=30),
), max_size=8)


@settings(max_examples=80, deadline=None)
@given(JSONL_LINES)
def test_jsonl_every_line_is_one_result(lines: list[str]) -> None:
    """Records in = records out + errors: a non-blank line is one record (or one per item)."""
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    results = list(read_bytes(data, name="d.jsonl", suffix=".jsonl", fmt="jsonl"))
    _check_results(results, "d.jsonl")
    expected = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            expected += 1
            continue
        expected += len(value) if isinstance(value, list) else len(value["studies"]) if (
            isinstance(value, dict) and isinstance(value.get("studies"), list)
            and "protocolSection" not in value) else 1
    if not data.strip():
        expected = 1  # the empty file is one error row
    assert len(results) == expected

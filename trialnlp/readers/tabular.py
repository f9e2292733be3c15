"""Batch files: CSV/TSV, AACT ``eligibilities`` (pipe-delimited), JSONL and JSON.

CSV and JSONL stream line by line (memory stays flat for any file size); JSON is parsed
whole.  Each record becomes one SourceRecord or one ReadError whose source names the file
and the record: ``data.jsonl:line 17``, ``data.csv:line 5``, ``studies.json#3`` (``#N``
counts records from 1).  A JSON object with ``protocolSection`` is read as a CT.gov API v2
study wherever it appears (JSON, JSONL, a ``{"studies": [...]}`` page).

CSV parsing is strict: a malformed record (unbalanced quote, wrong number of fields)
becomes a ReadError and parsing resumes on the line after that record's first line, so
one bad quote does not swallow the rest of the file.  Lines right after it that still do
not parse are folded into the same ReadError (``data.csv:lines 5-7``).
"""

from __future__ import annotations

import csv
import json
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from ..types import ReadError, SourceRecord
from .ctgov import is_v2_study, study_record
from .encoding import decode, decoded_lines, normalise_newlines
from .fields import structured_fields

TEXT_FIELDS: tuple[str, ...] = (
    "criteria",
    "eligibilityCriteria",
    "eligibility_criteria",
    "eligibility",
)
ID_FIELDS: tuple[str, ...] = ("nct_id", "nctId", "trial_id", "id")
STRUCTURED_FIELDS: dict[str, tuple[str, ...]] = {
    "minimum_age": ("minimum_age", "minimumAge", "min_age"),
    "maximum_age": ("maximum_age", "maximumAge", "max_age"),
    "sex": ("sex", "gender"),
    "healthy_volunteers": ("healthy_volunteers", "healthyVolunteers"),
    "std_ages": ("std_ages", "stdAges"),
}
DELIMITERS = (",", "\t", "|", ";")

# Criteria fields are long; the default 128 KiB limit is too small.  The cap still bounds
# memory when an unbalanced quote would otherwise read the rest of a huge file as one field.
csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, 64 * 1024 * 1024)))


@dataclass(frozen=True, slots=True)
class Fields:
    """Which fields hold the text and the id: named by the user, else the defaults."""

    text_field: str | None = None
    id_field: str | None = None

    @property
    def text_names(self) -> tuple[str, ...]:
        return (self.text_field,) if self.text_field else TEXT_FIELDS

    @property
    def id_names(self) -> tuple[str, ...]:
        return (self.id_field,) if self.id_field else ID_FIELDS


def find_field(names: Sequence[str], wanted: Iterable[str]) -> int | None:
    """Index in ``names`` of the first ``wanted`` name present: exact match, then any case."""
    folded = [name.casefold() for name in names]
    for want in wanted:
        if want in names:
            return names.index(want)
        if want.casefold() in folded:
            return folded.index(want.casefold())
    return None


def _key_finder(record: Mapping[str, Any]) -> Callable[[Iterable[str]], str | None]:
    """Looks up the first wanted key of ``record``: exact match, then any case."""
    folded: dict[str, str] = {}
    for key in record:
        folded.setdefault(str(key).casefold(), key)

    def find(wanted: Iterable[str]) -> str | None:
        for want in wanted:
            if want in record:
                return want
            key = folded.get(want.casefold())
            if key is not None:
                return key
        return None

    return find


def flat_record(
    record: Mapping[str, Any], *, source: str, fmt: str, fallback_id: str | None, fields: Fields
) -> SourceRecord | ReadError:
    """A flat record (legacy sample line, simple JSON object, a dict given to the API)."""
    find = _key_finder(record)

    def value(wanted: Iterable[str]) -> Any:
        key = find(wanted)
        return None if key is None else record[key]

    warnings: list[str] = []
    trial_id = value(fields.id_names)
    if isinstance(trial_id, bool) or not isinstance(trial_id, str | int):
        trial_id = None
    trial_id = str(trial_id).strip() if trial_id is not None else ""
    if not trial_id:
        warnings.append(_no_id_warning(fields.id_names, fallback_id))
        trial_id = fallback_id
    text_key = find(fields.text_names)
    text = None if text_key is None else record[text_key]
    if text_key is None:
        warnings.append(
            f"no criteria field (looked for {_names(fields.text_names)}; "
            f"fields present: {_names(map(str, record))}); the criteria text is empty"
        )
    if text is None:
        text = ""
    elif not isinstance(text, str):
        return ReadError(
            source, f"field {text_key!r} must be text, got {type(text).__name__}", trial_id
        )
    structured, field_warnings = structured_fields(
        **{name: value(aliases) for name, aliases in STRUCTURED_FIELDS.items()}
    )
    return SourceRecord(
        text=normalise_newlines(text),
        source=source,
        format=fmt,
        trial_id=trial_id,
        structured=structured,
        is_page=False,
        warnings=tuple(warnings + field_warnings),
    )


def _no_id_warning(looked_for: Iterable[str], fallback_id: str | None) -> str:
    using = f"; using {fallback_id!r}" if fallback_id else ""
    return f"no trial id (looked for {_names(looked_for)}){using}"


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in names) or "none"


class _Counter:
    """Record numbers within one file, for ids of records that lack one."""

    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.count = 0

    def next_id(self) -> str:
        self.count += 1
        return f"{self.stem}:{self.count}"


def json_value_records(
    value: Any,
    *,
    source: str,
    fmt: str,
    counter: _Counter,
    fields: Fields,
    require_v2: bool,
) -> Iterator[SourceRecord | ReadError]:
    """Records in one parsed JSON value: a study, a flat record, a list of them or a page."""
    if (
        isinstance(value, Mapping)
        and isinstance(value.get("studies"), list)
        and not is_v2_study(value)
    ):
        items: Iterable[Any] = value["studies"]
    elif isinstance(value, list):
        items = value
    else:
        yield _one_json_record(value, source, fmt, counter.next_id(), fields, require_v2)
        return
    for number, item in enumerate(items, 1):
        yield _one_json_record(
            item, f"{source}#{number}", fmt, counter.next_id(), fields, require_v2
        )


def _one_json_record(
    value: Any, source: str, fmt: str, fallback_id: str, fields: Fields, require_v2: bool
) -> SourceRecord | ReadError:
    if is_v2_study(value):
        return study_record(value, source=source, fallback_id=fallback_id)
    if not isinstance(value, Mapping):
        return ReadError(
            source, f"expected a JSON object (a trial record), got {_json_kind(value)}"
        )
    if require_v2:
        return ReadError(
            source,
            "not a ClinicalTrials.gov API v2 study: no 'protocolSection' "
            f"(keys: {_names(list(value)[:12])})",
        )
    return flat_record(value, source=source, fmt=fmt, fallback_id=fallback_id, fields=fields)


def _json_kind(value: Any) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def read_json(
    data: bytes, *, source: str, stem: str, fields: Fields, require_v2: bool = False
) -> Iterator[SourceRecord | ReadError]:
    """A whole JSON document: one study/record, a list of them, or an API v2 page.

    A ``.json`` file that turns out to hold one object per line is read as JSONL.
    """
    decoded = decode(data)
    try:
        value = json.loads(decoded.text)
    except RecursionError:
        yield ReadError(source, "invalid JSON: nested too deeply")
        return
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and _first_line_is_json(decoded.text):
            yield from _jsonl_lines(
                ((line, None) for line in decoded.text.split("\n")),
                source=source,
                stem=stem,
                fields=fields,
                require_v2=require_v2,
                file_warning=decoded.warnings[0] if decoded.warnings else None,
            )
            return
        yield ReadError(
            source,
            f"invalid JSON: {_json_error(error)} (line {error.lineno}, column {error.colno})",
        )
        return
    counter = _Counter(stem)
    for record in json_value_records(
        value, source=source, fmt="json", counter=counter, fields=fields, require_v2=require_v2
    ):
        yield _with_warnings(record, decoded.warnings)


def _json_error(error: json.JSONDecodeError) -> str:
    message = error.msg.removesuffix(" at")  # "Invalid control character at"
    return message[:1].lower() + message[1:]


def _first_line_is_json(text: str) -> bool:
    try:
        json.loads(text.split("\n", 1)[0])
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def read_jsonl(
    stream: BinaryIO,
    head: bytes,
    *,
    source: str,
    stem: str,
    fields: Fields,
    require_v2: bool = False,
) -> Iterator[SourceRecord | ReadError]:
    """One JSON value per line, streamed; blank lines are skipped."""
    lines = decoded_lines(stream, head)
    yield from _jsonl_lines(
        lines.lines,
        source=source,
        stem=stem,
        fields=fields,
        require_v2=require_v2,
        file_warning=lines.warning,
    )


def _jsonl_lines(
    lines: Iterable[tuple[str, str | None]],
    *,
    source: str,
    stem: str,
    fields: Fields,
    require_v2: bool,
    file_warning: str | None,
) -> Iterator[SourceRecord | ReadError]:
    counter = _Counter(stem)
    for number, (line, line_warning) in enumerate(lines, 1):
        if not line.strip():
            continue
        line_source = f"{source}:line {number}"
        try:
            value = json.loads(line.rstrip("\r\n"))  # an error's column then stays on this line
        except json.JSONDecodeError as error:
            counter.count += 1
            yield ReadError(
                line_source, f"invalid JSON: {_json_error(error)} (column {error.colno})"
            )
            continue
        except RecursionError:
            counter.count += 1
            yield ReadError(line_source, "invalid JSON: nested too deeply")
            continue
        warnings = [w for w in (file_warning, line_warning) if w]
        for record in json_value_records(
            value,
            source=line_source,
            fmt="jsonl",
            counter=counter,
            fields=fields,
            require_v2=require_v2,
        ):
            yield _with_warnings(record, warnings)


def _with_warnings(
    record: SourceRecord | ReadError, warnings: Sequence[str]
) -> SourceRecord | ReadError:
    if not warnings or isinstance(record, ReadError):
        return record
    return SourceRecord(
        text=record.text,
        source=record.source,
        format=record.format,
        trial_id=record.trial_id,
        structured=record.structured,
        is_page=record.is_page,
        warnings=tuple(warnings) + record.warnings,
    )


def sniff_delimiter(header: str, default: str = ",") -> str:
    """The candidate delimiter that occurs most often in the header line (outside quotes)."""
    unquoted = "".join(part for index, part in enumerate(header.split('"')) if index % 2 == 0)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == default))
    return best if counts[best] else default


def is_aact_header(header: str) -> bool:
    """An AACT ``eligibilities`` export: a pipe-delimited header with nct_id and criteria."""
    names = {name.strip().strip('"').lower() for name in header.split("|")}
    return "|" in header and {"nct_id", "criteria"} <= names


class _Lines:
    """The decoded lines fed to csv.reader, remembering those of the record being parsed.

    After a malformed record the lines after its first one are pushed back, so parsing
    resumes there.  Memory holds one record's lines (bounded by the csv field limit).
    """

    def __init__(self, lines: Iterator[tuple[str, str | None]]) -> None:
        self._source = lines
        self._pushed: deque[tuple[int, str, str | None]] = deque()
        self._number = 0
        self.record: list[tuple[int, str, str | None]] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._pushed:
            item = self._pushed.popleft()
        else:
            line, warning = next(self._source)
            self._number += 1
            item = (self._number, line, warning)
        self.record.append(item)
        return item[1]

    def start_record(self) -> None:
        self.record = []

    def replay_after_first(self) -> None:
        self._pushed.extendleft(reversed(self.record[1:]))
        self.record = self.record[:1]

    @property
    def first_line(self) -> int:
        return self.record[0][0] if self.record else self._number

    @property
    def last_line(self) -> int:
        return self.record[-1][0] if self.record else self._number

    @property
    def warnings(self) -> list[str]:
        return [warning for _, _, warning in self.record if warning]


@dataclass(slots=True)
class _PendingError:
    """A malformed record, held back so that lines right after a resync can join it."""

    first: int
    last: int
    reason: str
    resync: bool  # parsing resumed after this record's first line

    def error(self, source: str) -> ReadError:
        where = (
            f"line {self.first}" if self.first == self.last else f"lines {self.first}-{self.last}"
        )
        return ReadError(f"{source}:{where}", self.reason)


def read_csv(
    stream: BinaryIO,
    head: bytes,
    *,
    source: str,
    stem: str,
    fmt: str,
    delimiter: str,
    fields: Fields,
) -> Iterator[SourceRecord | ReadError]:
    """Delimited text with a header row, streamed record by record."""
    decoded = decoded_lines(stream, head)
    lines = _Lines(decoded.lines)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    header = _read_header(reader, lines)
    if isinstance(header, str):
        yield ReadError(source, header)
        return
    text_index = find_field(header, fields.text_names)
    if text_index is None:
        wanted = repr(fields.text_field) if fields.text_field else f"one of {_names(TEXT_FIELDS)}"
        yield ReadError(
            source,
            f"no criteria column: expected {wanted} in the header; "
            f"columns present: {_names(header)}",
        )
        return
    id_index = find_field(header, fields.id_names)
    if fields.id_field and id_index is None:
        yield ReadError(
            source,
            f"no id column {fields.id_field!r} in the header; columns present: {_names(header)}",
        )
        return
    columns = _Columns(
        text_index,
        id_index,
        {name: find_field(header, aliases) for name, aliases in STRUCTURED_FIELDS.items()},
    )
    file_warnings = [decoded.warning] if decoded.warning else []
    counter = _Counter(stem)
    pending: _PendingError | None = None
    for row, reason in _rows(reader, lines, len(header), fmt):
        first, last = lines.first_line, lines.last_line
        if reason is not None:
            if pending is not None and pending.resync and first == pending.last + 1:
                pending.last = last
                continue
            if pending is not None:
                counter.count += 1
                yield pending.error(source)
            pending = _PendingError(first, last, reason, resync=reason.startswith("malformed"))
            continue
        if pending is not None:
            counter.count += 1
            yield pending.error(source)
            pending = None
        yield _row_record(
            row,
            source=f"{source}:line {first}",
            fmt=fmt,
            fallback_id=counter.next_id(),
            columns=columns,
            warnings=file_warnings + lines.warnings,
            fields=fields,
        )
    if pending is not None:
        yield pending.error(source)


def _rows(
    reader: Iterator[list[str]], lines: _Lines, width: int, fmt: str
) -> Iterator[tuple[list[str], str | None]]:
    """(row, None) for each well-formed record, (partial row, reason) for a malformed one.

    ``lines`` tells which lines the record came from while the pair is being handled.
    """
    while True:
        lines.start_record()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            lines.replay_after_first()
            yield [], f"malformed {fmt.upper()} record: {error}"
            continue
        if not any(cell.strip() for cell in row):
            continue  # a blank line is not a record
        extra = any(cell.strip() for cell in row[width:])
        if len(row) < width or extra:
            yield row, f"expected {width} fields as in the header, found {len(row)}"
        else:
            yield row, None


@dataclass(frozen=True, slots=True)
class _Columns:
    text: int
    id: int | None
    structured: Mapping[str, int | None]


def _read_header(reader: Iterator[list[str]], lines: _Lines) -> list[str] | str:
    """The header row (first non-blank row) or a reason it cannot be read."""
    while True:
        lines.start_record()
        try:
            row = next(reader)
        except StopIteration:
            return "no header row: the file is empty"
        except csv.Error as error:
            return f"malformed header row (line {lines.first_line}): {error}"
        if any(cell.strip() for cell in row):
            return [cell.strip().lstrip("\ufeff") for cell in row]


def _row_record(
    row: list[str],
    *,
    source: str,
    fmt: str,
    fallback_id: str,
    columns: _Columns,
    warnings: list[str],
    fields: Fields,
) -> SourceRecord:
    record_warnings = list(warnings)
    trial_id = row[columns.id].strip() if columns.id is not None else ""
    if not trial_id:
        record_warnings.append(_no_id_warning(fields.id_names, fallback_id))
        trial_id = fallback_id
    raw = {
        name: (None if index is None else row[index]) for name, index in columns.structured.items()
    }
    structured, field_warnings = structured_fields(**raw)
    return SourceRecord(
        text=normalise_newlines(row[columns.text]),
        source=source,
        format=fmt,
        trial_id=trial_id,
        structured=structured,
        is_page=False,
        warnings=tuple(record_warnings + field_warnings),
    )

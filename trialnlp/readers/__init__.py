"""Input readers: files, directories, globs, stdin, strings and dicts to SourceRecords.

``read_sources`` streams a batch: every record in becomes exactly one ``SourceRecord`` or
one ``ReadError`` out, and a bad record or file never stops the batch.  ``read_source``
reads one input for the Python API and raises ``InputError`` when it cannot.

Formats (``fmt`` overrides detection): text, markdown, html, ctgov_v2, ctgov_xml, aact,
csv, tsv, jsonl, json; see ``detect.py`` for how each is recognised.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from ..types import ReadError, SourceRecord
from .ctgov import is_v2_study, study_record, xml_record
from .detect import (
    FORMATS,
    SUFFIX_FORMATS,
    detect_format,
    first_line,
    head_text,
    sniff_format,
)
from .encoding import (
    HEAD_SIZE,
    binary_kind,
    decode,
    has_surrogates,
    normalise_newlines,
    replace_surrogates,
)
from .fields import find_trial_id, parse_age_limit, parse_healthy_volunteers, parse_sex
from .inputs import STDIN, Opened, expand_inputs, open_file, open_stdin
from .tabular import Fields, flat_record, read_csv, read_json, read_jsonl, sniff_delimiter
from .text import page_record, read_html, read_text

__all__ = [
    "FORMATS",
    "decode",
    "find_trial_id",
    "parse_age_limit",
    "parse_healthy_volunteers",
    "parse_sex",
    "read_bytes",
    "read_source",
    "read_sources",
]

Result = SourceRecord | ReadError
_PATH_LIKE = re.compile(
    r"^[^\n]{1,1024}\.(?:" + "|".join(suffix[1:] for suffix in SUFFIX_FORMATS) + r")$",
    re.IGNORECASE,
)


def read_sources(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    text_field: str | None = None,
    id_field: str | None = None,
) -> Iterator[Result]:
    """Records from files, directories, globs and ``-`` (stdin), lazily and in order.

    A single str or path is taken as one input.  Raises UsageError (a ValueError) at once
    for an unknown ``fmt``; everything else that goes wrong becomes a ReadError in the stream.
    """
    _check_format(fmt)
    if isinstance(inputs, str | os.PathLike):
        inputs = [inputs]
    return _read_all(inputs, fmt, Fields(text_field, id_field))


def _read_all(
    inputs: Iterable[str | os.PathLike[str]], fmt: str | None, fields: Fields
) -> Iterator[Result]:
    for item in expand_inputs(inputs):
        if isinstance(item, ReadError):
            yield valid_unicode(item)
        elif item == STDIN:
            yield from map(valid_unicode, _read_guarded("<stdin>", open_stdin, fmt, fields))
        else:
            path = Path(item)
            results = _read_guarded(str(path), partial(open_file, path), fmt, fields)
            yield from map(valid_unicode, results)


def read_bytes(
    data: bytes,
    *,
    name: str = "<bytes>",
    suffix: str = "",
    fmt: str | None = None,
    text_field: str | None = None,
    id_field: str | None = None,
) -> Iterator[Result]:
    """Records in ``data`` as ``read_sources`` reads a file ``name`` with extension ``suffix``.

    Raises UsageError for an unknown ``fmt``; everything else becomes a ReadError.
    """
    _check_format(fmt)
    stem = Path(name).stem or name
    opened = Opened(name, stem, suffix, io.BytesIO(data), data[:HEAD_SIZE])
    results = _read_guarded(name, lambda: opened, fmt, Fields(text_field, id_field))
    return map(valid_unicode, results)


def valid_unicode(result: Result) -> Result:
    """``result`` with lone surrogates replaced by U+FFFD (see ``replace_surrogates``).

    Only JSON ``\\ud800`` escapes, undecodable file names and API callers' strings carry
    them; spaCy and the UTF-8 writers would fail on them later, far from the record.
    ``trialnlp.pipeline.parse_records`` applies it too, to records built by hand.
    """
    if isinstance(result, ReadError):
        parts = (result.source, result.reason, result.trial_id or "")
        if not any(map(has_surrogates, parts)):
            return result
        return ReadError(
            replace_surrogates(result.source),
            replace_surrogates(result.reason),
            replace_surrogates(result.trial_id) if result.trial_id else result.trial_id,
        )
    strings = (
        result.text, result.source, result.trial_id or "", *result.warnings,
        *result.structured.std_ages,
    )
    if not any(map(has_surrogates, strings)):
        return result
    warnings = tuple(map(replace_surrogates, result.warnings))
    if has_surrogates(result.text):
        warnings += ("invalid Unicode (lone surrogate code points) replaced with U+FFFD",)
    return replace(
        result,
        text=replace_surrogates(result.text),
        source=replace_surrogates(result.source),
        trial_id=replace_surrogates(result.trial_id) if result.trial_id else result.trial_id,
        structured=replace(
            result.structured, std_ages=tuple(map(replace_surrogates, result.structured.std_ages))
        ),
        warnings=warnings,
    )


def _read_guarded(
    name: str, opener: Callable[[], Opened], fmt: str | None, fields: Fields
) -> Iterator[Result]:
    """Read one input; an OS or decoding failure becomes a ReadError for that input."""
    try:
        opened = opener()
    except IsADirectoryError:
        yield ReadError(name, "is a directory")
        return
    except OSError as error:
        yield ReadError(name, f"cannot open: {error.strerror or error}")
        return
    with opened.stream:
        try:
            yield from _read_opened(opened, fmt, fields)
        except (OSError, ValueError, RecursionError, MemoryError) as error:
            yield ReadError(name, f"reading stopped: {type(error).__name__}: {error}")


def _read_opened(opened: Opened, fmt: str | None, fields: Fields) -> Iterator[Result]:
    name, stem, head = opened.name, opened.stem, opened.head
    if not head:
        yield ReadError(name, "empty file")
        return
    kind = binary_kind(head)
    if kind is not None:
        yield ReadError(name, f"not a text file: it looks like {kind}")
        return
    if len(head) < HEAD_SIZE and not head_text(head).strip():
        yield ReadError(name, "empty file (only whitespace)")
        return
    detected = fmt or detect_format(opened.suffix, head)
    if detected in ("text", "markdown"):
        yield read_text(opened.stream.read(), source=name, stem=stem, fmt=detected)
    elif detected == "html":
        yield read_html(opened.stream.read(), source=name, stem=stem)
    elif detected == "ctgov_xml":
        yield xml_record(opened.stream.read(), source=name, stem=stem)
    elif detected in ("json", "jsonl", "ctgov_v2"):
        require_v2 = detected == "ctgov_v2"
        line_wise = detected == "jsonl" or (
            require_v2
            and (
                SUFFIX_FORMATS.get(opened.suffix.lower()) == "jsonl"
                or sniff_format(head_text(head)) == "jsonl"
            )
        )
        if line_wise:
            yield from read_jsonl(
                opened.stream, head, source=name, stem=stem, fields=fields, require_v2=require_v2
            )
        else:
            yield from read_json(
                opened.stream.read(), source=name, stem=stem, fields=fields, require_v2=require_v2
            )
    else:
        yield from _read_delimited(opened, detected, fmt is not None, fields)


def _read_delimited(
    opened: Opened, detected: str, forced: bool, fields: Fields
) -> Iterator[Result]:
    header = first_line(head_text(opened.head))
    if detected == "aact":
        delimiter = "|"
    elif detected == "tsv" and forced:
        delimiter = "\t"
    else:
        default = "\t" if detected == "tsv" else "|" if opened.suffix.lower() == ".psv" else ","
        delimiter = sniff_delimiter(header, default)
    label = detected if forced or detected == "aact" else ("tsv" if delimiter == "\t" else "csv")
    yield from read_csv(
        opened.stream,
        opened.head,
        source=opened.name,
        stem=opened.stem,
        fmt=label,
        delimiter=delimiter,
        fields=fields,
    )


def _check_format(fmt: str | None) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def read_source(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    fmt: str | None = None,
    text_field: str | None = None,
    id_field: str | None = None,
) -> list[SourceRecord]:
    """One input for ``trialnlp.extract``: a path, a record dict, or the text itself.

    A str naming an existing file or directory is read like ``read_sources``; a Mapping is
    one record (a CT.gov API v2 study or a flat record); any other str is the eligibility
    or page text (format ``text`` unless ``fmt`` says otherwise).  Raises InputError when
    the input, or any record in it, cannot be read.
    """
    _check_format(fmt)
    fields = Fields(text_field, id_field)
    if isinstance(source, Mapping):
        return [_raise_error(valid_unicode(_mapping_record(source, fields)))]
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _is_existing_path(source)):
        name = os.fspath(source)
        if not os.path.exists(name):
            raise InputError(name, "no such file or directory")
        return [
            _raise_error(result)
            for result in read_sources([name], fmt=fmt, text_field=text_field, id_field=id_field)
        ]
    if not isinstance(source, str):
        raise TypeError(
            f"read_source() takes a path, a str or a Mapping, not {type(source).__name__}"
        )
    if _PATH_LIKE.match(source) and not any(char.isspace() for char in source):
        raise InputError(source, "no such file (the text looks like a file name, not criteria)")
    if fmt is None or fmt in ("text", "markdown"):
        text = normalise_newlines(source[1:] if source.startswith("\ufeff") else source)
        record = page_record(text, source="<string>", fmt=fmt or "text", fallback_id=None)
        return [_raise_error(valid_unicode(record))]
    return [_raise_error(valid_unicode(result)) for result in _read_string(source, fmt, fields)]


def _read_string(text: str, fmt: str, fields: Fields) -> Iterator[Result]:
    data = text.encode("utf-8")
    stream = io.BytesIO(data)
    opened = Opened("<string>", "string", "", stream, data[:HEAD_SIZE])
    with stream:
        yield from _read_opened(opened, fmt, fields)


def _mapping_record(record: Mapping[str, Any], fields: Fields) -> Result:
    if is_v2_study(record):
        return study_record(record, source="<mapping>", fallback_id=None)
    return flat_record(record, source="<mapping>", fmt="json", fallback_id=None, fields=fields)


def _raise_error(result: Result) -> SourceRecord:
    if isinstance(result, ReadError):
        raise InputError(result.source, result.reason)
    return result


def _is_existing_path(text: str) -> bool:
    if not text or "\n" in text or len(text) > 4096:
        return False
    try:
        return os.path.exists(text)
    except (OSError, ValueError):
        return False

"""Plain text, markdown and HTML pages: the whole input is one record.

The text is kept exactly as decoded (offsets point into it) except that line endings are
normalised to ``\\n``.  The trial id is the page's NCT number (see ``find_trial_id``),
else the file stem.
"""

from __future__ import annotations

from ..types import ReadError, SourceRecord
from .encoding import decode, normalise_newlines
from .fields import find_trial_id
from .html import declared_charset, html_to_text


def page_record(
    text: str, *, source: str, fmt: str, fallback_id: str | None, warnings: tuple[str, ...] = ()
) -> SourceRecord:
    """A page-like record: ``is_page=True``, id found in the text or ``fallback_id``."""
    return SourceRecord(
        text=text,
        source=source,
        format=fmt,
        trial_id=find_trial_id(text) or fallback_id,
        is_page=True,
        warnings=warnings,
    )


def read_text(
    data: bytes, *, source: str, stem: str, fmt: str = "text"
) -> SourceRecord | ReadError:
    """A text or markdown file."""
    decoded = decode(data)
    text = normalise_newlines(decoded.text)
    if not text.strip():
        return ReadError(source, "empty file (only whitespace)")
    return page_record(text, source=source, fmt=fmt, fallback_id=stem, warnings=decoded.warnings)


def read_html(data: bytes, *, source: str, stem: str) -> SourceRecord | ReadError:
    """An HTML page, markup stripped (see ``html_to_text``)."""
    decoded = decode(data, declared=declared_charset(data[:65536]))
    text = html_to_text(normalise_newlines(decoded.text))
    if not text.strip():
        return ReadError(source, "the HTML page has no visible text")
    return page_record(text, source=source, fmt="html", fallback_id=stem, warnings=decoded.warnings)

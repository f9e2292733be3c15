"""Which reader an input needs: from its extension first, then from its first bytes."""

from __future__ import annotations

import codecs
import json

from .encoding import bom_encoding
from .html import looks_like_html
from .tabular import ID_FIELDS, TEXT_FIELDS, is_aact_header, sniff_delimiter

FORMATS: tuple[str, ...] = (
    "text",
    "markdown",
    "html",
    "ctgov_v2",
    "ctgov_xml",
    "aact",
    "csv",
    "tsv",
    "jsonl",
    "json",
)
SUFFIX_FORMATS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".xml": "ctgov_xml",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".psv": "csv",
}
"""Extensions read from directories; any other file is read only when named explicitly."""

_KNOWN_COLUMNS = frozenset(name.casefold() for name in TEXT_FIELDS + ID_FIELDS)


def head_text(head: bytes) -> str:
    """The first bytes decoded leniently, for sniffing only (never for records)."""
    bom = bom_encoding(head)
    codec, size = bom if bom is not None else ("utf-8", 0)
    return codecs.getincrementaldecoder(codec)(errors="replace").decode(head[size:])


def first_line(text: str) -> str:
    return text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")


def detect_format(suffix: str, head: bytes) -> str:
    """The format of a file with extension ``suffix`` that starts with ``head``."""
    by_suffix = SUFFIX_FORMATS.get(suffix.lower())
    if by_suffix in ("text", "csv", "tsv") and is_aact_header(first_line(head_text(head))):
        return "aact"
    return by_suffix or sniff_format(head_text(head))


def sniff_format(text: str) -> str:
    """The format of text with no telling extension (stdin, ``trial``, ``page.dat``)."""
    stripped = text.lstrip()
    start = stripped[:512].lower()
    if looks_like_html(stripped):
        return "html"
    if start.startswith(("<?xml", "<clinical_study")):
        return "ctgov_xml"
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        line, _, rest = stripped.partition("\n")
        if not rest:
            return "jsonl"  # one line, possibly cut at the head's end: read it line-wise
        try:
            json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            return "json"  # pretty-printed
        return "jsonl" if rest.strip() else "json"
    header = first_line(stripped)
    if is_aact_header(header):
        return "aact"
    delimiter = sniff_delimiter(header, default="")
    if delimiter:
        names = {name.strip().strip('"').casefold() for name in header.split(delimiter)}
        if names & _KNOWN_COLUMNS:
            return "tsv" if delimiter == "\t" else "csv"
    return "text"

"""HTML pages to plain text that keeps their line structure.

BeautifulSoup with the stdlib ``html.parser`` backend builds the tree; a small writer walks
it without recursion (deeply nested markup cannot overflow the stack).  Block elements end
lines, paragraph-level blocks leave a blank line, list items become ``* item`` or ``3. item``
indented two spaces per enclosing list (at most 10 levels), table cells are joined with
`` | ``, runs of whitespace collapse to one space (except inside ``<pre>``) and entities
are unescaped.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

_DROP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "canvas",
        "select",
        "datalist",
    }
)
_PARAGRAPH = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "nav",
        "aside",
        "blockquote",
        "pre",
        "figure",
        "form",
        "fieldset",
        "details",
        "address",
        "hr",
        "title",
    }
)
_LINE = frozenset(
    {
        "div",
        "li",
        "tr",
        "dt",
        "dd",
        "caption",
        "figcaption",
        "summary",
        "legend",
        "option",
        "thead",
        "tbody",
        "tfoot",
        "center",
        "body",
        "html",
    }
)
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_SPACE = re.compile(r"\s+")
_MAX_INDENT = 10  # list levels; deeper ones share it (hostile nesting cannot blow up text)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def declared_charset(head: bytes) -> str | None:
    """The charset a page declares in ``<meta charset>`` / ``http-equiv`` (first 64 KiB)."""
    match = _META_CHARSET.search(head)
    return match[1].decode("ascii") if match else None


def looks_like_html(text: str) -> bool:
    start = text.lstrip()[:512].lower()
    if start.startswith("<?xml"):
        return "<html" in start
    return start.startswith(("<!doctype html", "<html"))


class _Writer:
    """Accumulates output lines; ``prefix`` opens the next line (list markers, indents)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.open = False
        self.blank_before = False
        self.prefix = ""
        self.indents: list[str] = []  # continuation indent of each open list item

    def _open(self) -> None:
        if self.blank_before and self.lines and self.lines[-1]:
            self.lines.append("")
        self.blank_before = False
        self.parts = [self.prefix]
        self.prefix = self.indents[-1] if self.indents else ""
        self.open = True

    def text(self, text: str) -> None:
        if not self.open:
            text = text.lstrip(" ")
            if not text:
                return
            self._open()
        elif text.startswith(" ") and self.parts[-1].endswith(" "):
            text = text[1:]
        self.parts.append(text)

    def raw(self, text: str) -> None:
        """Text inside ``<pre>``: kept as is, newlines included."""
        for index, piece in enumerate(text.split("\n")):
            if index:
                if self.open:
                    self.end_line()
                else:
                    self.lines.append("")
            if piece:
                if not self.open:
                    self._open()
                self.parts.append(piece)

    def end_line(self, blank: bool = False) -> None:
        if self.open:
            self.lines.append("".join(self.parts).rstrip())
            self.parts = []
            self.open = False
        if blank:
            self.blank_before = True

    def hard_break(self) -> None:
        """``<br>``: ends the line; a second one in a row leaves a blank line."""
        if self.open:
            self.end_line()
        else:
            self.blank_before = True

    def start_item(self, marker: str, indent: str) -> None:
        self.end_line()
        self.prefix = indent + marker
        self.indents.append(indent + " " * len(marker))

    def end_item(self) -> None:
        self.end_line()
        self.indents.pop()
        self.prefix = self.indents[-1] if self.indents else ""

    def result(self) -> str:
        self.end_line()
        lines: list[str] = []
        for line in self.lines:
            if line or (lines and lines[-1]):
                lines.append(line)
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines) + "\n" if lines else ""


def html_to_text(markup: str) -> str:
    """The visible text of ``markup``, one line per block, lists and tables kept readable."""
    soup = BeautifulSoup(markup, "html.parser")
    writer = _Writer()
    lists: list[list[int]] = []  # per open ul/ol: [is_ordered, next number]
    rows: list[int] = []  # per open tr: cells seen
    in_pre = 0
    # Explicit stack of (node, entering): closing a tag is a second visit.
    stack: list[tuple[Tag | NavigableString, bool]] = [(soup, True)]
    while stack:
        node, entering = stack.pop()
        if isinstance(node, NavigableString):
            if isinstance(node, _SKIPPED_STRINGS):
                continue
            if in_pre:
                writer.raw(str(node))
            else:
                writer.text(_SPACE.sub(" ", str(node)))
            continue
        name = node.name
        if entering:
            if name in _DROP or node.has_attr("hidden"):
                continue
            stack.append((node, False))
            stack.extend((child, True) for child in reversed(node.contents))  # type: ignore[misc]
            _enter(node, writer, lists, rows)
            in_pre += name == "pre"
        else:
            _leave(node, writer, lists, rows)
            in_pre -= name == "pre"
    return writer.result()


def _enter(node: Tag, writer: _Writer, lists: list[list[int]], rows: list[int]) -> None:
    name = node.name
    if name == "br":
        writer.hard_break()
    elif name == "li":
        ordered, number = lists[-1] if lists else (0, 0)
        if ordered:
            number = _int_attr(node, "value", number)
            lists[-1][1] = number + 1
        marker = f"{number}. " if ordered else "* "
        writer.start_item(marker, "  " * min(max(len(lists) - 1, 0), _MAX_INDENT))
    elif name in ("ul", "ol"):
        writer.end_line(blank=not writer.indents and not rows)
        lists.append([name == "ol", _int_attr(node, "start", 1)])
    elif name == "tr":
        writer.end_line()
        rows.append(0)
    elif name in ("td", "th"):
        if rows:
            if rows[-1]:
                writer.text(" | ")
            rows[-1] += 1
    elif name in _PARAGRAPH:
        writer.end_line(blank=not writer.indents and not rows)
    elif name in _LINE:
        writer.end_line()


def _leave(node: Tag, writer: _Writer, lists: list[list[int]], rows: list[int]) -> None:
    name = node.name
    if name == "li":
        writer.end_item()
    elif name in ("ul", "ol"):
        lists.pop()
        writer.end_line(blank=not writer.indents and not rows)
    elif name == "tr":
        rows.pop()
        writer.end_line()
    elif name in _PARAGRAPH:
        writer.end_line(blank=not writer.indents and not rows)
    elif name in _LINE:
        writer.end_line()


def _int_attr(node: Tag, attribute: str, default: int) -> int:
    value = node.get(attribute)
    try:
        return int(str(value).strip()) if value is not None else default
    except ValueError:
        return default

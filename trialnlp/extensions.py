"""Every custom Doc/Span attribute trialnlp sets, declared in one table.

Registered with a ``trialnlp_`` prefix and guarded with ``has_extension`` so they never
clobber another package's attributes.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

DOC_EXTENSIONS: dict[str, Any] = {
    "trialnlp_is_page": False,  # the text may hold page furniture around the criteria
    "trialnlp_sections": None,  # list[Section]
    "trialnlp_criteria": None,  # list[Criterion], top level (children nested)
}
# ``doc.user_data`` key of the document's text: ``Doc.text`` joins every token again on each
# access (5% of a rules-only run, read by three components), and a Doc's text never changes
# (retokenizing keeps it), so it is joined once per document.
TEXT_KEY = "trialnlp_text"
SPAN_EXTENSIONS: dict[str, Any] = {
    "trialnlp_criterion": None,  # the Criterion a span in doc.spans["trialnlp_criteria"] stands for
}


def register_extensions() -> None:
    for name, default in DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    for name, default in SPAN_EXTENSIONS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


def doc_text(doc: Doc) -> str:
    """``doc.text``, joined once per document and then kept in ``doc.user_data``."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text

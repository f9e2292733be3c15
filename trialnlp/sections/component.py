"""spaCy wrapper around :func:`trialnlp.sections.finder.find_sections`."""

# No `from __future__ import annotations` here: spaCy/confection resolve the factory
# signature at runtime and cannot read string annotations.
from spacy.language import Language
from spacy.tokens import Doc

from ..extensions import doc_text, register_extensions
from .finder import find_sections

SPANS_KEY = "trialnlp_sections"


class SectionFinder:
    """Sets ``doc._.trialnlp_sections`` and ``doc.spans["trialnlp_sections"]`` (label = section)."""

    def __init__(self, spans_key: str = SPANS_KEY) -> None:
        register_extensions()
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        sections = find_sections(doc_text(doc), is_page=doc._.trialnlp_is_page)
        doc._.trialnlp_sections = sections
        spans = []
        for section in sections:
            span = doc.char_span(section.start, section.end, label=section.name,
                                 alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


@Language.factory(
    "trialnlp_sections",
    assigns=["doc.spans", "doc._.trialnlp_sections"],
    default_config={"spans_key": SPANS_KEY},
)
def make_section_finder(nlp: Language, name: str, spans_key: str) -> SectionFinder:
    return SectionFinder(spans_key)

"""spaCy wrapper around :func:`trialnlp.criteria.splitter.split_criteria`.

Criteria become ``doc.spans["trialnlp_criteria"]`` and sentence boundaries, so later
components (negation, constraints) scope inside one criterion.  Where a criterion starts
inside a token (``c.AZA``), the token is split first so the boundary is a token boundary.
"""

# No `from __future__ import annotations` here: spaCy/confection resolve the factory
# signature at runtime and cannot read string annotations.
from bisect import bisect_right
from itertools import pairwise

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from ..extensions import doc_text, register_extensions
from ..types import Criterion
from .splitter import split_criteria

SPANS_KEY = "trialnlp_criteria"
_NOT_START = numpy.uint64(2**64 - 1)  # -1 as Doc arrays store it


def _split_tokens_at(doc: Doc, offsets: set[int]) -> None:
    """Split tokens so that every offset in ``offsets`` is a token boundary."""
    starts = doc.to_array(IDX).tolist()  # token.idx of each token, without making Tokens
    cuts_by_token: dict[int, list[int]] = {}
    for offset in offsets:
        i = bisect_right(starts, offset) - 1  # the token starting at or before offset
        if i >= 0 and starts[i] < offset < starts[i] + len(doc[i].text):
            cuts_by_token.setdefault(i, []).append(offset - starts[i])
    inside = [(doc[i], sorted(cuts)) for i, cuts in sorted(cuts_by_token.items())]
    if not inside:
        return
    with doc.retokenize() as retokenizer:
        for token, cuts in inside:
            bounds = [0, *cuts, len(token.text)]
            orths = [token.text[a:b] for a, b in pairwise(bounds)]
            retokenizer.split(token, orths, heads=[(token, 0)] * len(orths))


class CriteriaSplitter:
    def __init__(self, spans_key: str = SPANS_KEY) -> None:
        register_extensions()
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        sections = doc._.trialnlp_sections or []
        criteria = split_criteria(doc_text(doc), sections)
        flat = [c for top in criteria for c in top.walk()]
        _split_tokens_at(doc, {o for c in flat for o in (c.start, c.end)})
        spans = []
        starts: set[int] = set()
        for criterion in flat:
            span = doc.char_span(criterion.start, criterion.end, label=criterion.section,
                                 alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            span._.trialnlp_criterion = criterion
            spans.append(span)
            starts.add(span.start)
            if span.end < len(doc):
                starts.add(span.end)
        # One array write instead of a Python loop over tokens (-1: not a sentence start).
        sent_starts = numpy.full((len(doc), 1), _NOT_START, dtype="uint64")
        for i in starts | {0}:
            if i < len(doc):
                sent_starts[i] = 1
        if len(doc):
            doc.from_array([SENT_START], sent_starts)
        doc.spans[self.spans_key] = spans
        doc._.trialnlp_criteria = criteria
        return doc


@Language.factory(
    "trialnlp_criteria",
    assigns=["doc.spans", "token.is_sent_start", "doc._.trialnlp_criteria"],
    requires=["doc._.trialnlp_sections"],
    default_config={"spans_key": SPANS_KEY},
)
def make_criteria_splitter(nlp: Language, name: str, spans_key: str) -> CriteriaSplitter:
    return CriteriaSplitter(spans_key)


def criteria_of(doc: Doc) -> list[Criterion]:
    return doc._.trialnlp_criteria or []

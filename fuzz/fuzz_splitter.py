"""Coverage-guided fuzzing of the section finder and the criteria splitter.

    .venv/bin/python fuzz/fuzz_splitter.py CORPUS_DIR [SEED_DIR...] -max_total_time=300

Each input (UTF-8, invalid bytes replaced, as the readers decode) is split as a registry
field and as a web page, directly and through the spaCy components (which split tokens at
criterion boundaries).  A finding is any exception or a broken offset invariant: sections
and criteria inside the text, ``clean_text(text[start:end]) == criterion.text``, unique
criterion ids, the doc's text unchanged by retokenisation.
"""

from __future__ import annotations

import sys

import atheris
import spacy  # noqa: F401  (imported uninstrumented: only trialnlp's code is traced)

with atheris.instrument_imports(include=["trialnlp"]):
    from trialnlp.criteria.splitter import clean_text, split_criteria
    from trialnlp.pipeline import build_pipeline
    from trialnlp.sections.finder import find_sections
    from trialnlp.types import Criterion, Section

NLP = build_pipeline(["trialnlp_sections", "trialnlp_criteria"])
MAX_CHARS = 20_000  # longer inputs only slow the search down


def check_sections(text: str, sections: list[Section]) -> None:
    previous_end = 0
    for section in sections:
        assert 0 <= section.start <= section.end <= len(text), section
        if section.header_start is not None and section.header_end is not None:
            assert 0 <= section.header_start <= section.header_end <= section.start, section
            assert previous_end <= section.header_start, (sections, text)
        assert previous_end <= section.start, (sections, text)
        previous_end = section.end


def check_criteria(text: str, criteria: list[Criterion]) -> list[Criterion]:
    flat = [c for top in criteria for c in top.walk()]
    ids = [c.criterion_id for c in flat]
    assert len(ids) == len(set(ids)), ids
    for criterion in flat:
        assert 0 <= criterion.start <= criterion.end <= len(text), criterion
        assert clean_text(text[criterion.start : criterion.end]) == criterion.text, criterion
    return flat


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")[:MAX_CHARS]
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as the readers normalise it
    for is_page in (False, True):
        sections = find_sections(text, is_page)
        check_sections(text, sections)
        flat = check_criteria(text, split_criteria(text, sections))
        doc = NLP.make_doc(text)
        doc._.trialnlp_is_page = is_page
        doc = NLP(doc)
        assert doc.text == text
        from_doc = [c for top in doc._.trialnlp_criteria or [] for c in top.walk()]
        assert [c.criterion_id for c in from_doc] == [c.criterion_id for c in flat]
        for span in doc.spans["trialnlp_criteria"]:
            criterion = span._.trialnlp_criterion
            assert span.start_char <= criterion.start <= criterion.end <= span.end_char, span


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""The tokenizer of the NER model: spaCy's English rules plus a few split points.

Chia glues comparison signs and brackets to words (``ALT<2.5X``, ``age>18``,
``treatment(chemotherapy``) while annotating the two sides as different entities, so the
model's tokenizer also splits at ``< > = ≤ ≥`` and at brackets inside a token. The rules are
plain regular expressions, so they are saved with the model and loading it needs no code
from here; training applies them through the ``trialnlp.ner.chia_tokenizer.v1`` callback
(``[initialize.before_init]`` in ``models/chia_ner.cfg``).
"""

from __future__ import annotations

from collections.abc import Callable

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

COMPARATORS = r"[<>=≤≥≦≧＜＞⩽⩾]"
# "(AST)/Alanine aminotransferase", "Bilirubin/ SGOT": a slash after a bracket or ending a
# word splits too (spaCy splits one between two letters already).
# ClinicalTrials.gov API v2 escapes Markdown: "LDL-C\>=120 mg/dL", "\< 95%"; a backslash
# before a comparison sign is a token of its own. Before a sign it is an infix only, and it
# is no suffix after a sign: as affixes there it would alternate with the comparator affixes,
# and spaCy re-searches the rest of the token after each affix it strips (a run of "\<" took
# seconds per thousand characters).
ESCAPE = r"\\(?=[<>=≤≥*\[\]])"
EXTRA_INFIXES = (COMPARATORS, r"[()\[\]{}]", r"(?<=[)\]])/", ESCAPE)
EXTRA_PREFIXES = (COMPARATORS, r"\\(?=[*\[\]])")
EXTRA_SUFFIXES = (COMPARATORS, r"(?<=[A-Za-z]{2})/", r"(?<![<>=≤≥≦≧＜＞⩽⩾])\\")


def customize_tokenizer(nlp: Language) -> Language:
    """Add the extra split points to ``nlp``'s tokenizer (in place); returns ``nlp``."""
    defaults = nlp.Defaults
    tokenizer = nlp.tokenizer
    # Each setter below re-tokenizes every special case (spaCy's ~1,300 English exceptions
    # and any added): set them with no special cases, then put those back, re-tokenized once.
    rules = tokenizer.rules
    tokenizer.rules = {}
    tokenizer.prefix_search = compile_prefix_regex(
        [*EXTRA_PREFIXES, *(defaults.prefixes or ())]
    ).search
    tokenizer.suffix_search = compile_suffix_regex(
        [*EXTRA_SUFFIXES, *(defaults.suffixes or ())]
    ).search
    tokenizer.infix_finditer = compile_infix_regex(
        [*(defaults.infixes or ()), *EXTRA_INFIXES]
    ).finditer
    tokenizer.rules = rules
    return nlp


@spacy.registry.callbacks("trialnlp.ner.chia_tokenizer.v1")
def make_customize_tokenizer() -> Callable[[Language], Language]:
    """``[initialize.before_init]`` callback applying :func:`customize_tokenizer`."""
    return customize_tokenizer


def blank_nlp(lang: str = "en") -> Language:
    """A blank pipeline with the NER model's tokenizer (used for conversion)."""
    return customize_tokenizer(spacy.blank(lang))

"""``trialnlp_context``: medspaCy's ConText over ``doc.spans["trialnlp_entities"]``.

The rules are all in ``rules/context.json``: medspaCy's defaults, expanded from token
patterns to literal phrases by ``tools/context_rules.py`` (the token Matcher dominated the
pipeline's profile), plus ours (``history of`` -> historical, ``planned`` ->
hypothetical, ``;`` ends a scope).  ConText scopes modifiers within a
sentence, and sentences are criteria (set by ``trialnlp_criteria``), so a negation never
leaks into the next criterion.
"""

# No `from __future__ import annotations`: spaCy resolves factory signatures at runtime.

import json
from importlib.resources import as_file

from spacy.language import Language
from spacy.tokens import Doc

from ..resources import rule_path
from .entities import SPANS_KEY


class ContextTagger:
    def __init__(self, nlp: Language, spans_key: str = SPANS_KEY) -> None:
        from medspacy.context import ConText, ConTextRule

        self.context = ConText(nlp, name="trialnlp_context_inner", rules=None,
                               input_span_type="group", span_group_name=spans_key)
        with as_file(rule_path("context.json")) as path, open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        self.context.add([ConTextRule.from_dict(rule) for rule in data["context_rules"]])

    def __call__(self, doc: Doc) -> Doc:
        return self.context(doc)


@Language.factory(
    "trialnlp_context",
    assigns=["span._.is_negated", "span._.is_historical", "span._.is_hypothetical"],
    requires=["doc.spans", "token.is_sent_start"],
    default_config={"spans_key": SPANS_KEY},
)
def make_context_tagger(nlp: Language, name: str, spans_key: str) -> ContextTagger:
    return ContextTagger(nlp, spans_key)

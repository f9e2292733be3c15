"""``trialnlp_entities``: tag lexicon terms, dictionary drugs and person cues as spans.

Sources, all offline:

* ``rules/analytes.jsonl`` (labs, vitals, scores), ``rules/drug_classes.jsonl``,
  ``rules/conditions.jsonl``, ``rules/procedures.jsonl`` and ``rules/person.json`` (sex,
  pregnancy, lactation) through phrase matching (SpanRuler's pattern format);
* single drugs from the ``drug-named-entity-recognition`` dictionary (DrugBank/MeSH;
  read through :mod:`trialnlp.constraints.drugs`), where no lexicon term already covers
  the tokens.

Overlaps keep the longest span (``pregnancy test`` is a lab, not pregnancy).  Spans go
to ``doc.spans["trialnlp_entities"]`` with ``span.id_`` = the lexicon entry id and
``span.kb_id_`` = its code, ready for ConText (``trialnlp_context``).
"""

# No `from __future__ import annotations`: spaCy resolves factory signatures at runtime.

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from spacy.attrs import IDX, IS_SPACE, LENGTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..extensions import doc_text, register_extensions
from ..resources import iter_jsonl, load_json
from . import lexicon
from .drugs import find_drugs
from .phrases import LINE_WRAP

SPANS_KEY = "trialnlp_entities"


@dataclass(frozen=True, slots=True)
class Entry:
    """What a span's ``id_`` stands for."""

    label: str
    concept: str | None
    code: str | None
    unit: str | None = None
    classes: tuple[tuple[str, int], ...] = ()
    hypothetical: bool = False  # the words themselves say it is planned ("pregnancy plan")
    negated: bool = False  # ... or that there is none ("not pregnant", "non-lactating")


def _classes(values: tuple[lexicon.ScoreClass, ...]) -> tuple[tuple[str, int], ...]:
    """(written form, rank) for every form of every class of a classed score."""
    return tuple((form, value.rank) for value in values for form in value.forms)


@cache
def entries() -> dict[str, Entry]:
    """Entry id -> what it means, for every pattern the ruler can emit."""
    table: dict[str, Entry] = {}
    for analyte in lexicon.analytes():
        table[analyte.id] = Entry(analyte.kind.upper(), analyte.concept, analyte.code,
                                  analyte.unit, _classes(analyte.values))
    for drug_class in lexicon.drug_classes():
        table[drug_class.id] = Entry("DRUG_CLASS", drug_class.concept, drug_class.code)
    for condition in lexicon.conditions():
        table[condition.id] = Entry("CONDITION", condition.concept, condition.code)
    for procedure in iter_jsonl("procedures.jsonl"):
        table[f"procedure:{procedure['id']}"] = Entry("PROCEDURE", procedure["concept"],
                                                      procedure.get("code"))
    for abbreviation, name, code in drug_abbreviations():
        table[f"drug:{abbreviation}"] = Entry("DRUG", name, code)
    person = load_json("person.json")
    for sex in person["sex_words"]:
        table[f"sex:{sex}"] = Entry("SEX", sex, None)
    table["pregnancy"] = Entry("PREGNANCY", "Pregnancy", person["codes"]["pregnancy"])
    table["pregnancy_planned"] = Entry("PREGNANCY", "Pregnancy", person["codes"]["pregnancy"],
                                       hypothetical=True)
    table["lactation"] = Entry("LACTATION", "Lactation", person["codes"]["lactation"])
    for kind in ("pregnancy", "lactation"):
        table[f"{kind}_negated"] = Entry(kind.upper(), kind.capitalize(),
                                         person["codes"][kind], negated=True)
    return table


@cache
def drug_abbreviations() -> tuple[tuple[str, str, str | None], ...]:
    """(abbreviation, drug name, code) from ``rules/drug_abbreviations.jsonl``.

    The code comes from the drug dictionary, looked up by the generic name.
    """
    rows = []
    for entry in iter_jsonl("drug_abbreviations.jsonl"):
        found = find_drugs(entry["drug"].split())
        drug = found[0][0] if found else None
        code = f"DrugBank:{drug.drugbank_id}" if drug and drug.drugbank_id else None
        rows.append((entry["abbreviation"], (drug and drug.name) or entry["drug"], code))
    return tuple(rows)


def _own_patterns() -> list[dict[str, Any]]:
    """Procedures, drug abbreviations and person cues."""
    patterns: list[dict[str, Any]] = []
    for procedure in iter_jsonl("procedures.jsonl"):
        for synonym in procedure["synonyms"]:
            patterns.append(lexicon.span_pattern(
                synonym, "PROCEDURE", f"procedure:{procedure['id']}",
                case_sensitive=synonym.isupper() and len(synonym) <= 5))  # MRI, FMT
    for abbreviation, _, _ in drug_abbreviations():
        patterns.append(lexicon.span_pattern(abbreviation, "DRUG", f"drug:{abbreviation}",
                                             case_sensitive=True))
    person = load_json("person.json")
    for sex, words in person["sex_words"].items():
        patterns.extend({"label": "SEX", "pattern": w.lower(), "id": f"sex:{sex}"} for w in words)
    for kind in ("pregnancy", "lactation"):
        patterns.extend({"label": kind.upper(), "pattern": w.lower(), "id": kind}
                        for w in person[kind])
    patterns.extend({"label": "PREGNANCY", "pattern": w.lower(), "id": "pregnancy_planned"}
                    for w in person["pregnancy_planned"])
    for kind in ("pregnancy", "lactation"):
        patterns.extend({"label": kind.upper(), "pattern": w.lower(), "id": f"{kind}_negated"}
                        for w in person[f"{kind}_negated"])
    # Longer phrases that contain a pregnancy word but are not pregnancy.
    patterns.extend({"label": "NOT_PREGNANCY", "pattern": w.lower(), "id": "not_pregnancy"}
                    for w in person["pregnancy_not"])
    return patterns


# Whitespace inside a phrase: a run of spaces (a space token holds what follows the one
# space its word keeps), or a line break followed by indentation.  A blank line or an
# unindented line break (one criterion per line) still separates words.
_INNER_SPACE = re.compile(rf"[ \t\u00a0]+|{LINE_WRAP}")


def _token_texts(doc: Doc) -> list[str]:
    """Each token's text, sliced from the doc's text (cheaper than making Token objects)."""
    text = doc_text(doc)
    return [text[idx : idx + length] for idx, length in doc.to_array([IDX, LENGTH]).tolist()]


def _kept_tokens(doc: Doc, words: list[str]) -> list[int] | None:
    """The tokens to match phrases over: all but the inner-space ones (None: all of them)."""
    kept = [i for i, (word, space) in enumerate(
        zip(words, doc.to_array(IS_SPACE).tolist(), strict=True))
        if not (space and _INNER_SPACE.fullmatch(word))]
    return None if len(kept) == len(words) else kept


def _drug_spans(doc: Doc, taken: list[Span], words: list[str] | None = None,
                kept: list[int] | None = None) -> list[Span]:
    """Single drugs from the drug-named-entity-recognition dictionary, looked up in
    ``words`` (default: every token's text; with ``kept``, the texts of those tokens)."""
    covered = {i for span in taken for i in range(span.start, span.end)}
    spans = []
    for drug, start, end in find_drugs(_token_texts(doc) if words is None else words):
        if kept is not None:
            start, end = kept[start], kept[end - 1] + 1
        if end <= start or any(i in covered for i in range(start, end)):
            continue
        span = Span(doc, start, end, label="DRUG", kb_id=drug.code or "")
        span.id_ = f"drug:{span.text if drug.name is None else drug.name}"
        spans.append(span)
    return spans


class PhraseRuler:
    """SpanRuler's pattern format, matched by two PhraseMatchers.

    Lower-case phrase patterns go to a PhraseMatcher on LOWER, exact-token patterns
    (``[{"ORTH": "ALT"}]``, case-sensitive abbreviations) to one on ORTH.  spaCy's
    SpanRuler sends token patterns through the token Matcher, which was the slowest
    part of this component.
    """

    def __init__(self, nlp: Language, patterns: list[dict[str, Any]]) -> None:
        self.vocab = nlp.vocab
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        phrases: dict[str, list[Doc]] = defaultdict(list)
        exact: dict[str, list[Doc]] = defaultdict(list)
        for pattern in patterns:
            key = f"{pattern['label']}|{pattern['id']}"
            if isinstance(pattern["pattern"], str):
                phrases[key].append(nlp.make_doc(pattern["pattern"]))
            else:
                words = [token["ORTH"] for token in pattern["pattern"]]
                exact[key].append(Doc(nlp.vocab, words=words))
        for key, docs in phrases.items():
            self.lower.add(key, docs)
        for key, docs in exact.items():
            self.orth.add(key, docs)

    def match(self, doc: Doc, target: Doc | None = None,
              kept: list[int] | None = None) -> list[Span]:
        """Spans of ``doc``, matched over ``target``: the doc itself, or a doc of its
        ``kept`` tokens only (see :func:`_kept_tokens`)."""
        target = doc if target is None else target
        spans = []
        for matcher in (self.lower, self.orth):
            for key, start, end in matcher(target):
                if kept is not None:
                    start, end = kept[start], kept[end - 1] + 1
                label, span_id = self.vocab.strings[key].split("|", 1)
                spans.append(Span(doc, start, end, label=label, span_id=span_id))
        return spans


class EntityTagger:
    def __init__(self, nlp: Language, spans_key: str = SPANS_KEY, drugs: bool = True) -> None:
        register_extensions()
        self.spans_key = spans_key
        self.use_drugs = drugs
        self.ruler = PhraseRuler(nlp, [
            *lexicon.analyte_patterns(), *lexicon.drug_class_patterns(),
            *lexicon.condition_patterns(), *_own_patterns(),
        ])
        self.entries = entries()

    def __call__(self, doc: Doc) -> Doc:
        # A phrase that is no pregnancy ("pregnancy test") loses a tie with a lexicon term of
        # the same extent (the pregnancy-test lab): filter_spans keeps the first of equals.
        words = _token_texts(doc)
        kept = _kept_tokens(doc, words)
        if kept is not None:
            # Phrases are matched without the inner-space tokens, so one wrapped over two
            # lines ("creatinine\n        clearance") is found whole.
            words = [words[i] for i in kept]
        target = None if kept is None else Doc(doc.vocab, words=words)
        matches = sorted(self.ruler.match(doc, target, kept),
                         key=lambda s: s.label_ == "NOT_PREGNANCY")
        spans = [s for s in filter_spans(matches) if s.label_ != "NOT_PREGNANCY"]
        for span in spans:
            entry = self.entries.get(span.id_)
            if entry is not None and entry.code:
                span.kb_id_ = entry.code
        if self.use_drugs:
            spans = sorted([*spans, *_drug_spans(doc, spans, words, kept)],
                           key=lambda s: (s.start, -s.end))
        doc.spans[self.spans_key] = spans
        return doc


@Language.factory(
    "trialnlp_entities",
    assigns=["doc.spans"],
    default_config={"spans_key": SPANS_KEY, "drugs": True},
)
def make_entity_tagger(nlp: Language, name: str, spans_key: str, drugs: bool) -> EntityTagger:
    return EntityTagger(nlp, spans_key, drugs)

"""Model candidates for the constraint layer: the trained NER's spans, where rules left gaps.

Rules are precise but closed-vocabulary; the Chia NER model (``trialnlp.ner``) finds
open-ended Measurements, Conditions, Drugs and Procedures ("Yale-Brown Obsessive
Compulsive Scale", "explosive colitis").  The model is slow next to the rules (a CNN over
every token), so it runs only on criteria with a gap:

* a value that no rule tied to a subject (``Westley croup score 3-11``), or
* text in which the rules found nothing at all.

Its spans become :class:`~trialnlp.constraints.assemble.Mention` values with
``source="model"``, normalised through the same lexicons as rule mentions (a model
"Measurement" that is a lexicon analyte gets the analyte's code and kind), and only where
no rule mention overlaps: rules win where both speak.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from functools import cache
from typing import Any

from ..resources import iter_jsonl, load_json
from .assemble import Mention
from .drugs import find_drugs
from .lexicon import analytes, conditions, drug_classes
from .subjects import is_free_subject

MODEL_LABELS = {"Measurement": "MEASUREMENT", "Condition": "CONDITION", "Drug": "DRUG",
                "Procedure": "PROCEDURE"}
_NORMALISE = re.compile(r"[^a-z0-9]+")


def lookup_key(text: str) -> str:
    """The key lexicon names are looked up by: lower case, punctuation runs to one space."""
    return _NORMALISE.sub(" ", text.lower()).strip()


_Entry = tuple[str, str | None, str | None, str | None, str | None]


@cache
def _lookup() -> dict[str, dict[str, _Entry]]:
    """Per model label: normalised synonym -> (rule label, concept, code, unit, entry id).

    The entry id is the one a rule mention of the entry has, so a model span the lexicon
    names reads as the rule's would ("wbc less than 4000": /uL, by the analyte's
    ``bare_units``, as for "WBC")."""
    table: dict[str, dict[str, _Entry]] = {
        "MEASUREMENT": {}, "CONDITION": {}, "DRUG": {}, "PROCEDURE": {}}
    for analyte in analytes():
        for synonym in (*analyte.synonyms, analyte.concept):
            table["MEASUREMENT"].setdefault(
                lookup_key(synonym), (analyte.kind.upper(), analyte.concept, analyte.code,
                                      analyte.unit, analyte.id))
    for condition in conditions():
        for synonym in (*condition.synonyms, condition.concept):
            table["CONDITION"].setdefault(lookup_key(synonym), (
                "CONDITION", condition.concept, condition.code, None, condition.id))
    for drug_class in drug_classes():
        for synonym in drug_class.synonyms:
            table["DRUG"].setdefault(lookup_key(synonym), (
                "DRUG_CLASS", drug_class.concept, drug_class.code, None, None))
    return table


@cache
def _not_mentions() -> tuple[frozenset[str], frozenset[str]]:
    rules = load_json("model.json")
    return (frozenset(lookup_key(w) for w in rules["labels"]),
            frozenset(lookup_key(w) for w in rules["never"]))


# a heading in capitals around a span, up to its colon: "DISEASE CHARACTERISTICS:"
_HEADING_BEFORE = re.compile(r"(?:[A-Z][A-Z0-9/&,-]*[ \t]+){0,5}\Z")
_HEADING_AFTER = re.compile(r"(?:[ \t]+[A-Z][A-Z0-9/&,-]*){0,5}[ \t]*:")
_LABEL_COLON = re.compile(r"[ \t]*:")


def _no_mention(source: str, key: str, words: str, start: int, end: int) -> bool:
    """A heading ("DISEASE CHARACTERISTICS:"), an organ-system label ("Hematopoietic:")
    or a word that is never a mention ("recovered"): nothing to code or check."""
    labels, never = _not_mentions()
    if key in never:
        return True
    if key in labels and _LABEL_COLON.match(source, end):
        return True
    if not words.isupper() or (after := _HEADING_AFTER.match(source, end)) is None:
        return False
    before = _HEADING_BEFORE.search(source, max(0, start - 80), start)
    heading = source[before.start() if before else start : after.end()]
    return len(heading.split()) >= 2  # "HIV: positive" is a label of what it names


@cache
def _confirming() -> frozenset[str]:
    """Mention ids of the procedures that only confirm a diagnosis named elsewhere."""
    return frozenset(f"procedure:{p['id']}" for p in iter_jsonl("procedures.jsonl")
                     if p.get("confirms"))


def _drug_code(text: str) -> tuple[str | None, str | None]:
    found = find_drugs(text.split())
    if not found:
        return None, None
    drug = found[0][0]
    return drug.name, f"DrugBank:{drug.drugbank_id}" if drug.drugbank_id else None


_LOOSE_START = re.compile(r"^[\s,.;:)\]\"'/-]+")
_LOOSE_END = re.compile(r"[\s,.;:(\[\"'/-]+$")


def _trimmed(start: int, end: int, text: str) -> tuple[int, int, str]:
    """A span less the punctuation the model took at its edges ("Corneal, lens,",
    "abnormal brain development (", "ddI.")."""
    head = _LOOSE_START.match(text)
    tail = _LOOSE_END.search(text)
    cut_start = head.end() if head else 0
    cut_end = tail.start() if tail and tail.start() > cut_start else len(text)
    return start + cut_start, end - (len(text) - cut_end), text[cut_start:cut_end]


def model_mentions(entities: Sequence[tuple[str, int, int, str]],
                   rule_mentions: Sequence[Mention], source: str) -> list[Mention]:
    """Mentions from model entities ``(label, start, end, text)`` in ``source`` (their
    offsets index it) not covered by rules."""
    # Rule spans by start, to test only those that can reach an entity: a record with
    # thousands of criteria would otherwise cost entities x mentions.
    taken = sorted((m.start, m.end) for m in rule_mentions)
    taken_starts = [s for s, _ in taken]
    longest = max((e - s for s, e in taken), default=0)
    mentions = []
    for label, start, end, text in entities:
        start, end, text = _trimmed(start, end, text)
        kind = MODEL_LABELS.get(label)
        near = taken[bisect_left(taken_starts, start - longest):bisect_left(taken_starts, end)]
        if kind is None or any(start < e for _, e in near):
            continue
        if sum(ch.isalpha() for ch in text) < 2:
            continue  # a roman numeral ("NYHA III or Ⅳ") or a stray letter, not a name
        key = lookup_key(text)
        if _no_mention(source, key, text, start, end):
            continue
        rule_label, concept, code, unit, entry_id = _lookup()[kind].get(key, (None,) * 5)
        if kind == "DRUG" and rule_label is None:
            concept, code = _drug_code(text)
        mentions.append(Mention(
            label=rule_label or kind, start=start, end=end, text=text,
            concept=concept or " ".join(text.split()), code=code, source="model", unit=unit,
            entry_id=entry_id))
    return mentions


def gap_in(text: str, start: int, end: int, rule_mentions: Sequence[Mention],
           constraints: Sequence[Any], values: Sequence[Any], empty: bool = True) -> bool:
    """Whether rules left a gap the model may fill in ``text[start:end]``.

    A value no constraint holds is always a gap; with ``empty``, so is text in which the
    rules found nothing.
    """
    if not text[start:end].strip():
        return False
    confirming = _confirming()  # ("Histologically confirmed neuroblastoma": read it)
    if empty and not any(start <= m.start < end and m.entry_id not in confirming
                         for m in rule_mentions):
        return True
    # A rule's free-text subject is a last resort: the model may still name what the
    # value measures.
    covered = [(c.start, c.end) for c in constraints
               if c.start is not None and not is_free_subject(c)]
    return any(not any(s <= v.start < e for s, e in covered) for v in values)

"""Does a patient's fact name the constraint's concept?  Codes, hierarchies, then names.

Names go through the extractor's own entity tagger (the same lexicons and drug dictionary
that tagged the trial), so "T2DM" on a patient record and "type 2 diabetes" in a
criterion meet at the same ICD-10-CM code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import simple_icd_10_cm as icd

from ..constraints import lexicon
from ..types import Constraint


@dataclass(frozen=True, slots=True)
class Concept:
    label: str  # the entity tagger's label: CONDITION, DRUG, DRUG_CLASS, PROCEDURE, LAB, ...
    concept: str
    code: str | None


def normalise(name: str) -> str:
    """Lower case, punctuation to spaces, single spaces: the key names are compared on."""
    return " ".join(re.sub(r"[^\w%+]+", " ", name.casefold()).split())


@cache
def _tagger():  # type: ignore[no-untyped-def]
    import spacy

    from ..constraints.entities import EntityTagger
    from ..ner.tokenizer import customize_tokenizer

    nlp = customize_tokenizer(spacy.blank("en"))
    return nlp, EntityTagger(nlp)


@cache
def concepts(name: str) -> tuple[Concept, ...]:
    """The lexicon concepts and dictionary drugs the extractor finds in ``name``."""
    nlp, tagger = _tagger()
    doc = tagger(nlp.make_doc(name))
    found = []
    for span in doc.spans[tagger.spans_key]:
        entry = tagger.entries.get(span.id_)
        if entry is not None and entry.concept:
            found.append(Concept(span.label_, entry.concept, entry.code))
        elif span.label_ == "DRUG":  # a dictionary drug: id_ is "drug:<name>"
            found.append(Concept("DRUG", span.id_.split(":", 1)[1], span.kb_id_ or None))
    return tuple(found)


SYSTEM_ALIASES = {"SNOMEDCT": "SNOMED", "SCT": "SNOMED", "ICD10": "ICD10CM", "RXNORM": "RXNORM"}


def _split(code: str) -> tuple[str, str]:
    system, _, value = code.partition(":")
    if not value:
        return "", code
    system = system.upper().replace("-", "").replace("_", "")
    return SYSTEM_ALIASES.get(system, system), value


def code_covers(wanted: str, have: str) -> bool:
    """``wanted`` (the constraint's code) is ``have`` or an ancestor of it.

    ICD-10-CM through the code hierarchy (K51 covers K51.90; E08-E13 covers E11.9),
    ATC by prefix (H02AB covers H02AB06), other systems by equality.
    """
    wanted_system, wanted_code = _split(wanted)
    have_system, have_code = _split(have)
    if have_system and wanted_system and have_system != wanted_system:
        return False
    if wanted_code.casefold() == have_code.casefold():
        return True
    if wanted_system in ("ICD10CM", "") and icd.is_valid_item(wanted_code) \
            and icd.is_valid_item(have_code):
        return icd.is_descendant(have_code, wanted_code)
    if wanted_system == "ATC":
        return have_code.upper().startswith(wanted_code.upper())
    return False


@cache
def _class_members() -> dict[str, frozenset[str]]:
    """Drug class concept and code -> its member drugs' normalised names."""
    table: dict[str, frozenset[str]] = {}
    for drug_class in lexicon.drug_classes():
        members = frozenset(normalise(m) for m in drug_class.members)
        table[normalise(drug_class.concept)] = members
        if drug_class.code:
            table[drug_class.code.upper()] = members
    return table


def _drug_names(name: str) -> set[str]:
    """The drug's own name and the dictionary names the extractor finds in it."""
    names = {normalise(name)}
    names.update(normalise(c.concept) for c in concepts(name) if c.label == "DRUG")
    return names


def fact_matches(constraint: Constraint, name: str | None, code: str | None) -> str | None:
    """How a patient fact (name and/or code) matches the constraint; None when it does not.

    The answer is a few words for the reason ("code ICD10CM:I21.4 is under ICD10CM:I21").
    """
    wanted = constraint.code
    if wanted and code and code_covers(wanted, code):
        return f"code {code} is under {wanted}" if code != wanted else f"code {code}"
    key = normalise(constraint.concept or constraint.text)
    if name:
        if normalise(name) == key or normalise(name) == normalise(constraint.text):
            return f"name {name!r}"
        for found in concepts(name):
            if wanted and found.code and code_covers(wanted, found.code):
                return f"{name!r} is {found.concept} ({found.code})"
            if normalise(found.concept) == key:
                return f"{name!r} is {found.concept}"
    if constraint.kind == "drug":
        members = _class_members().get((wanted or "").upper()) or _class_members().get(key)
        if members:
            for drug in _drug_names(name) if name else ():
                if drug in members:
                    return f"{name!r} is a member of {constraint.concept}"
    return None

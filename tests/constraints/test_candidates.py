"""Fuzzy ICD-10-CM candidates for condition names (trialnlp.constraints.candidates)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trialnlp.constraints import candidates as cand
from trialnlp.constraints.candidates import (
    CandidateIndex,
    CandidateRules,
    ConditionCoder,
    adds_words,
    candidate_index,
    candidate_rules,
    code_constraints,
    dotted,
    edits,
    knowledge_base,
    normalise,
    opposed,
    same_word,
    shortened,
    trigrams,
)
from trialnlp.constraints.lexicon import conditions
from trialnlp.errors import RuleError
from trialnlp.resources import load_json
from trialnlp.types import Constraint


@pytest.fixture(scope="session")
def coder() -> ConditionCoder:
    """The shipped index (built once, then read from the cache directory)."""
    return ConditionCoder(candidate_index())


def _code(coder: ConditionCoder, text: str) -> str | None:
    found = coder.best([text])[0]
    return found.code if found else None


# -- plain functions ---------------------------------------------------------------

def test_trigrams_are_char_wb() -> None:
    assert trigrams("ab cde") == [" ab", "ab ", " cd", "cde", "de "]
    assert trigrams("a") == [" a "]


def test_normalise_spelling_and_roman_numerals() -> None:
    assert normalise("Diabetes mellitus, type II") == "diabetes mellitus type 2"
    assert normalise("Haemorrhage / oedema") == "hemorrhage edema"
    assert normalise("Ménière's disease") == "meniere s disease"
    assert normalise("vitamin D deficiency") == "vitamin d deficiency"  # "d" is no numeral


def test_dotted_codes() -> None:
    assert dotted("L811") == "L81.1"
    assert dotted("J45") == "J45"
    assert dotted("E11.9") == "E11.9"


def test_shortened_descriptions() -> None:
    assert "asthma" in shortened("Unspecified asthma, uncomplicated")
    assert shortened("Rheumatoid arthritis, unspecified") == ["rheumatoid arthritis"]
    # laterality inside a description is kept: "effusion" is no hand effusion
    assert shortened("Effusion, unspecified hand") == []


def test_edits() -> None:
    assert edits("osteoporsis", "osteoporosis", 2) == 1
    assert edits("abcd", "acbd", 1) == 1  # a swap is one edit
    assert edits("kitten", "sitting", 1) == 2  # over the limit: limit + 1


def test_same_word_endings_not_opposites() -> None:
    assert same_word("pneumoniae", "pneumonia")
    assert same_word("immunodepressed", "immunodepression")
    assert same_word("insuffuciency", "insufficiency")
    assert not same_word("hypertension", "hypotension")
    assert not same_word("nephritis", "nephrosis")
    # a shared stem with two different named endings (same_word.endings)
    assert not same_word("lymphocytosis", "lymphocytopenia")
    assert not same_word("hepatitis", "hepatoma")


def test_adds_words_and_opposed() -> None:
    assert adds_words("ulcers", "leg ulcers")
    assert adds_words("disorder", "tic disorder")
    assert not adds_words("massive hemoptysis", "hemoptysis")
    assert not adds_words("neuropsychiatric", "neuropsychiatric disorder")  # a free word
    assert opposed("hypernatremia", "hyponatremia")
    assert opposed("left bundle branch block", "right bundle branch block")
    assert not opposed("hyperkalemia", "hyperkalemia")


def test_rules_validate() -> None:
    data = load_json("condition_candidates.json")
    rules = CandidateRules.from_dict(data)
    assert CandidateRules.from_dict(rules.to_dict()) == rules
    with pytest.raises(RuleError, match="threshold"):
        CandidateRules.from_dict({**data, "threshold": 1.5})
    with pytest.raises(RuleError, match="description_suffixes"):
        CandidateRules.from_dict({k: v for k, v in data.items() if k != "description_suffixes"})


# -- the knowledge base and index ------------------------------------------------------

def test_index_is_built_from_the_shipped_vocabularies(coder: ConditionCoder) -> None:
    index = coder.index
    origins = {origin: index.origins.count(origin) for origin in set(index.origins)}
    curated = {normalise(s) for c in conditions() for s in (*c.synonyms, c.concept)}
    assert origins["curated"] == len(curated - {""})
    # ICD-10-CM has ~74,000 billable codes and ~1,900 categories; left out: V-Y and the
    # injury codes of later encounters and sequelae
    assert 30_000 < origins["description"] < 50_000
    assert len(index) > 40_000  # with the shortened descriptions
    assert not any("subsequent encounter" in alias or alias.endswith(" sequela")
                   for alias in index.aliases)
    assert all(code.startswith("ICD10CM:") for code in index.codes)
    assert not any(code.startswith(("ICD10CM:V", "ICD10CM:W", "ICD10CM:X", "ICD10CM:Y"))
                   for code, origin in zip(index.codes, index.origins, strict=True)
                   if origin != "curated")
    assert "ICD10CM:L81.1" in index.codes  # codes carry the dot
    assert index.matrix_t.shape == (len(index.vocabulary), len(index))


def test_curated_synonyms_win() -> None:
    kb = knowledge_base(targets=[("ICD10CM:L81.1", "Chloasma"), ("ICD10CM:X99", "Zzz")])
    by_alias = {alias: (code, origin) for alias, code, _, origin in kb}
    assert by_alias["chloasma"] == ("ICD10CM:L81.1", "curated")
    assert by_alias["zzz"] == ("ICD10CM:X99", "description")


@pytest.mark.parametrize(("text", "code"), [
    ("chloasma", "ICD10CM:L81.1"),  # the synonym layer
    ("type 2 diabetes mellitus", "ICD10CM:E11"),
    ("diabetes mellitus type II", "ICD10CM:E11"),
    ("rheumatoid arthritis", "ICD10CM:M06.9"),
    ("osteoporsis", "ICD10CM:M81"),  # a misspelling
    ("Placenda previa", "ICD10CM:O44"),
    ("Torsades de Pointes", "ICD10CM:I47.21"),  # an ICD-10-CM description, no synonym
    ("Pompe disease", "ICD10CM:E74.02"),
    ("Marfan syndrome", "ICD10CM:Q87.40"),  # "Marfan syndrome, unspecified"
    ("hypercholesterolemic", "ICD10CM:E78.00"),
    ("hypernatraemia", "ICD10CM:E87.0"),  # no hyponatraemia (opposites)
    ("lymphocytosis", "ICD10CM:D72.820"),  # "Lymphocytosis (symptomatic)"; no lymphocytopenia
])
def test_codes(coder: ConditionCoder, text: str, code: str) -> None:
    assert _code(coder, text) == code


@pytest.mark.parametrize("text", [
    "informed consent", "ulcers", "disorder", "Healthy",
    "childbearing potential", "PRCA", "buccal mucosa", "DM",
    # body parts and adjectives tagged as conditions (rules' never): not Hepatitis, Insomnia
    "hepatic", "sleep", "carotid artery", "life-threatening",
])
def test_no_code(coder: ConditionCoder, text: str) -> None:
    assert _code(coder, text) is None


def test_batched_and_cached(coder: ConditionCoder) -> None:
    fresh = ConditionCoder(coder.index)
    texts = ["asthma", "asthma", "informed consent", "osteoporsis"]
    first = fresh.best(texts)
    assert [c.code if c else None for c in first] == [
        "ICD10CM:J45", "ICD10CM:J45", None, "ICD10CM:M81"]
    assert set(fresh._cache) == set(texts)
    assert fresh.best(texts) == first


def test_cache_file_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = CandidateIndex.build(knowledge_base(
        targets=[("ICD10CM:J45", "Asthma"), ("ICD10CM:L81.1", "Chloasma")]))
    path = tmp_path / "index.npz"
    cand._write(path, index)
    with np.load(path, allow_pickle=False) as arrays:  # plain arrays only
        assert arrays["strings"].dtype == np.uint8
    again = cand._read(path)
    assert again is not None
    assert again.aliases == index.aliases and again.codes == index.codes
    assert (again.matrix_t != index.matrix_t).nnz == 0
    assert cand._read(tmp_path / "missing.npz") is None
    path.write_bytes(b"not an npz")
    assert cand._read(path) is None  # a broken cache is rebuilt, not trusted
    monkeypatch.setenv("TRIALNLP_CACHE_DIR", str(tmp_path / "cache"))
    assert cand.cache_file().parent == tmp_path / "cache"
    assert cand.cache_file().name.startswith("condition-candidates-")


def test_code_constraints(coder: ConditionCoder) -> None:
    lab = Constraint(kind="lab", text="ALT", start=0, end=3, concept="ALT", code="LOINC:1742-6")
    fuzzy = Constraint(kind="condition", text="Placenda previa", start=4, end=19,
                       concept="Placenda previa", source="model")
    none = Constraint(kind="condition", text="informed consent", start=20, end=36,
                      concept="informed consent", source="model")
    drug = Constraint(kind="drug", text="asthma", start=40, end=46, concept="asthma")
    code_constraints([lab, fuzzy, none, drug], coder)
    assert (lab.code_method, lab.code_score) == ("exact", None)
    assert (fuzzy.code, fuzzy.concept, fuzzy.code_method) == (
        "ICD10CM:O44", "Placenta previa", "fuzzy")
    assert fuzzy.code_score is not None and 0.6 <= fuzzy.code_score < 1
    assert (none.code, none.code_method, none.code_score) == (None, None, None)
    assert drug.code is None  # only conditions are coded
    unchanged = Constraint(kind="condition", text="Placenda previa", start=4, end=19,
                           concept="Placenda previa")
    code_constraints([unchanged], coder, fuzzy=False)
    assert unchanged.code is None
    assert Constraint.from_dict(fuzzy.to_dict()) == fuzzy


def test_the_shipped_rules_load() -> None:
    rules = candidate_rules()
    assert 0.5 <= rules.threshold <= 1
    assert "hyper" in dict(rules.opposites)

"""Shape and consistency checks for rules/drug_classes.jsonl and rules/conditions.jsonl.

The files are read with plain ``json`` (``//`` lines are comments) so these tests do not
depend on the loader in ``trialnlp.constraints.lexicon``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "rules"
DRUG_CLASSES = RULES / "drug_classes.jsonl"
CONDITIONS = RULES / "conditions.jsonl"

ATC = re.compile(r"^ATC:[A-Z]\d{2}([A-Z]([A-Z](\d{2})?)?)?$")
ID = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")


def read_jsonl(path: Path) -> list[dict]:
    entries = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("//"):
                continue
            try:
                entries.append(json.loads(stripped))
            except json.JSONDecodeError as exc:  # pragma: no cover - reported by the assert
                raise AssertionError(f"{path.name}:{number}: {exc}") from exc
    return entries


@pytest.fixture(scope="module")
def drug_classes() -> list[dict]:
    return read_jsonl(DRUG_CLASSES)


@pytest.fixture(scope="module")
def conditions() -> list[dict]:
    return read_jsonl(CONDITIONS)


def by_synonym(entries: list[dict]) -> dict[str, dict]:
    return {s.lower(): e for e in entries for s in e["synonyms"]}


def shared_synonyms(entries: list[dict]) -> dict[str, list[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for synonym in entry["synonyms"]:
            owners[synonym.lower()].add(entry["id"])
    return {s: sorted(ids) for s, ids in owners.items() if len(ids) > 1}


# ---------------------------------------------------------------- headers & counts


@pytest.mark.parametrize("path", [DRUG_CLASSES, CONDITIONS], ids=lambda p: p.name)
def test_first_line_is_a_comment(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("//")


def test_counts(drug_classes: list[dict], conditions: list[dict]) -> None:
    assert len(drug_classes) >= 60
    assert len(conditions) >= 300


# ---------------------------------------------------------------- shapes


def _check_common(entry: dict, required: set[str], optional: set[str]) -> None:
    keys = set(entry)
    assert required <= keys, (entry.get("id"), required - keys)
    assert keys <= required | optional, (entry.get("id"), keys - required - optional)
    assert isinstance(entry["id"], str) and ID.match(entry["id"]), entry["id"]
    assert isinstance(entry["concept"], str) and entry["concept"].strip(), entry["id"]
    assert entry["code"] is None or isinstance(entry["code"], str), entry["id"]
    synonyms = entry["synonyms"]
    assert isinstance(synonyms, list) and synonyms, entry["id"]
    for synonym in synonyms:
        assert isinstance(synonym, str) and synonym == synonym.strip() and synonym, entry["id"]
    assert len({s.lower() for s in synonyms}) == len(synonyms), f"repeated synonym in {entry['id']}"
    if "note" in entry:
        assert isinstance(entry["note"], str) and entry["note"].strip(), entry["id"]


def test_drug_class_shape(drug_classes: list[dict]) -> None:
    for entry in drug_classes:
        _check_common(entry, {"id", "concept", "code", "synonyms", "members"}, {"note"})
        members = entry["members"]
        assert isinstance(members, list), entry["id"]
        for member in members:
            assert isinstance(member, str) and member == member.lower() and member.strip(), (
                entry["id"],
                member,
            )
        assert len(set(members)) == len(members), entry["id"]
        if entry["code"] is None:
            assert "note" in entry, f"{entry['id']}: a null code needs a note"


def test_condition_shape(conditions: list[dict]) -> None:
    for entry in conditions:
        _check_common(entry, {"id", "concept", "code", "synonyms"}, {"note", "measured_by"})
        assert entry["code"] is not None, entry["id"]
        assert entry["code"].startswith("ICD10CM:"), entry["id"]


def test_measured_by_names_an_analyte(conditions: list[dict]) -> None:
    from trialnlp.constraints.lexicon import analytes, measured_by

    ids = {analyte.id for analyte in analytes()}
    linked = {e["id"]: e["measured_by"] for e in conditions if "measured_by" in e}
    assert linked and set(linked.values()) <= ids
    assert {k: a.id for k, a in measured_by().items()} == linked


# ---------------------------------------------------------------- uniqueness


@pytest.mark.parametrize("which", ["drug_classes", "conditions"])
def test_unique_ids(which: str, request: pytest.FixtureRequest) -> None:
    entries = request.getfixturevalue(which)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("which", ["drug_classes", "conditions"])
def test_no_synonym_in_two_entries(which: str, request: pytest.FixtureRequest) -> None:
    entries = request.getfixturevalue(which)
    assert shared_synonyms(entries) == {}


# ---------------------------------------------------------------- codes


def test_atc_codes_well_formed(drug_classes: list[dict]) -> None:
    bad = [
        (e["id"], e["code"])
        for e in drug_classes
        if e["code"] is not None and not ATC.match(e["code"])
    ]
    assert bad == []


def test_icd10cm_codes_valid(conditions: list[dict]) -> None:
    cm = pytest.importorskip("simple_icd_10_cm")
    bad = [
        (e["id"], e["code"])
        for e in conditions
        if not cm.is_valid_item(e["code"].removeprefix("ICD10CM:"))
    ]
    assert bad == []


# ---------------------------------------------------------------- spot checks


@pytest.mark.parametrize("synonym", ["melasma", "chloasma"])
def test_melasma(conditions: list[dict], synonym: str) -> None:
    assert by_synonym(conditions)[synonym]["code"] == "ICD10CM:L81.1"


@pytest.mark.parametrize(
    ("synonym", "code"),
    [
        ("ulcerative colitis", "ICD10CM:K51"),
        ("UC", "ICD10CM:K51"),
        ("crohn's disease", "ICD10CM:K50"),
        ("hypertension", "ICD10CM:I10"),
        ("CHF", "ICD10CM:I50"),
        ("decompensated cardiac insufficiency", "ICD10CM:I50"),
        ("myocardial infarction", "ICD10CM:I21"),
        ("TIA", "ICD10CM:G45.9"),
        ("HIV", "ICD10CM:B20"),
        ("hepatitis c", "ICD10CM:B18.2"),
        ("toxic megacolon", "ICD10CM:K59.31"),
        ("T2DM", "ICD10CM:E11"),
        ("T1DM", "ICD10CM:E10"),
        ("post-inflammatory hyperpigmentation", "ICD10CM:L81.0"),
        ("COPD", "ICD10CM:J44"),
        ("CKD", "ICD10CM:N18"),
        ("DVT", "ICD10CM:I82.40"),
        ("PE", "ICD10CM:I26"),
    ],
)
def test_condition_spot_checks(conditions: list[dict], synonym: str, code: str) -> None:
    assert by_synonym(conditions)[synonym.lower()]["code"] == code


@pytest.mark.parametrize(
    ("synonym", "prefix"),
    [
        ("oral contraceptives", "ATC:G03A"),
        ("OCP", "ATC:G03A"),
        ("aminosalicylate", "ATC:A07EC"),
        ("5-ASA", "ATC:A07EC"),
        ("anticoagulants", "ATC:B01A"),
        ("corticosteroids", "ATC:H02AB"),
        ("anti-TNF", "ATC:L04AB"),
        ("TNF inhibitors", "ATC:L04AB"),
        ("JAK inhibitors", "ATC:L04AF"),
        ("NSAIDs", "ATC:M01A"),
        ("SSRIs", "ATC:N06AB"),
        ("TCAs", "ATC:N06AA"),
        ("PPIs", "ATC:A02BC"),
        ("IVIG", "ATC:J06B"),
        ("LMWH", "ATC:B01AB"),
        ("statins", "ATC:C10AA"),
        ("live vaccines", "ATC:J07"),
    ],
)
def test_drug_class_spot_checks(drug_classes: list[dict], synonym: str, prefix: str) -> None:
    assert by_synonym(drug_classes)[synonym.lower()]["code"].startswith(prefix)


def test_immunomodulators_is_not_thiopurines(drug_classes: list[dict]) -> None:
    entry = by_synonym(drug_classes).get("immunomodulators")
    assert entry is None or entry["id"] != "thiopurines"
    thiopurines = next(e for e in drug_classes if e["id"] == "thiopurines")
    assert {"azathioprine", "mercaptopurine", "thioguanine"} <= set(thiopurines["members"])


def test_null_code_classes(drug_classes: list[dict]) -> None:
    ids = {e["id"]: e for e in drug_classes}
    for name in (
        "strong_cyp3a4_inhibitors",
        "strong_cyp3a4_inducers",
        "qt_prolonging_drugs",
        "investigational_products",
    ):
        assert ids[name]["code"] is None
    assert "IMP" in ids["investigational_products"]["synonyms"]


def test_pregnancy_and_lactation_have_one_home(conditions: list[dict]) -> None:
    """They are person rules (rules/person.json), not conditions: one pattern, one kind."""
    assert not [c for c in conditions if c["code"] in ("ICD10CM:Z33.1", "ICD10CM:Z39.1")]

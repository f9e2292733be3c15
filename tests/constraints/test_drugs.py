"""trialnlp.constraints.drugs: the drug dictionary's exact matches, from a cached table."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialnlp.constraints import drugs
from trialnlp.pipeline import build_pipeline

ROOT = Path(__file__).resolve().parents[2]
library = pytest.importorskip("drug_named_entity_recognition")

TOKENS = [
    ["Prior", "prednisone", ",", "Tylenol", "Extra", "strength", "or", "alpha-tocopherol"],
    ["No", "METHOTREXATE", "or", "Folic", "Acid", "within", "4", "weeks"],
    ["vitamin", "e", "and", "vitamin", "E", "\n", "aspirin", "  ", "ibuprofen"],
    [], ["aspirin"],
]


def _plain(found) -> list[tuple]:
    return [(d.name, d.drugbank_id, d.mesh_id, start, end) for d, start, end in found]


def _library(tokens: list[str]) -> list[tuple]:
    return [(data.get("name"), data.get("drugbank_id"), data.get("mesh_id"), start, end)
            for data, start, end in library.find_drugs(tokens, is_ignore_case=True)]


@pytest.fixture()
def fresh(tmp_path: Path, monkeypatch):
    """An empty cache directory, and the table not yet loaded in this process."""
    monkeypatch.setenv("TRIALNLP_CACHE_DIR", str(tmp_path / "cache"))
    drugs._table.cache_clear()
    yield tmp_path / "cache"
    drugs._table.cache_clear()


def test_same_matches_as_the_library(fresh: Path) -> None:
    nlp = build_pipeline(())
    seeds = [[t.text for t in nlp(path.read_text(encoding="utf-8"))]
             for path in sorted((ROOT / "seeds").glob("*.txt"))]
    matched = 0
    for tokens in [*TOKENS, *seeds]:
        expected = _library(tokens)
        assert _plain(drugs.find_drugs(tokens)) == expected
        matched += len(expected)
    assert matched > 20
    # A spelling whose drug the dictionary has no data for keeps the library's None name.
    (tocopherol,) = [d for d, _, _ in drugs.find_drugs(["alpha-tocopherol"])]
    assert tocopherol.code == "MeSH:D014815"


def test_the_table_is_cached_and_read_back(fresh: Path, monkeypatch) -> None:
    assert _plain(drugs.find_drugs(["aspirin"]))  # builds and writes the table
    (cached,) = list(fresh.glob("drugs-*.json"))
    assert cached == drugs.cache_file()
    drugs._table.cache_clear()

    def no_build() -> None:
        raise AssertionError("the cached table should have been read")

    monkeypatch.setattr(drugs, "build_table", no_build)
    assert _plain(drugs.find_drugs(["Aspirin"]))[0][1] == "DB00945"


def test_a_damaged_cache_is_rebuilt(fresh: Path) -> None:
    drugs.find_drugs(["aspirin"])
    path = drugs.cache_file()
    path.write_text("{not json", encoding="utf-8")
    drugs._table.cache_clear()
    assert _plain(drugs.find_drugs(["aspirin"]))[0][1] == "DB00945"
    assert path.read_text(encoding="utf-8").startswith('{"format":3')


def test_an_unwritable_cache_directory_is_no_error(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRIALNLP_CACHE_DIR", str(blocker / "cache"))  # under a file
    drugs._table.cache_clear()
    try:
        assert _plain(drugs.find_drugs(["aspirin"]))[0][1] == "DB00945"
    finally:
        drugs._table.cache_clear()

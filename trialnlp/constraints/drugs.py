"""Single drugs: the ``drug-named-entity-recognition`` dictionary, in a form quick to load.

Importing that package takes ~3 s: it unpickles its dictionary (107,000 spellings of
20,000 drugs) and builds a trigram index for fuzzy matching, which trialnlp never uses.
What exact matching needs (spelling -> drug name, DrugBank and MeSH ids) is written once,
the first time it is needed, as a compact JSON file in the user's cache directory
(``$TRIALNLP_CACHE_DIR``, else ``$XDG_CACHE_HOME/trialnlp``, else ``~/.cache/trialnlp``),
named after the package's version and dictionary file, so an upgrade rebuilds it.  Later
processes read that file (~0.1 s).  Where nothing can be written, the table is built in
memory each time.  Nothing user-supplied is ever cached.

:func:`find_drugs` is the package's ``find_drugs(tokens, is_ignore_case=True)`` (exact
matches only: two-token spellings first, then single tokens not already in one), with the
match data reduced to :class:`Drug`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..cache import cache_dir, package_version, write_atomically

PACKAGE = "drug_named_entity_recognition"
DISTRIBUTION = "drug-named-entity-recognition"
FORMAT = 3  # of the cache file
_SEPARATOR = "\x1f"  # between the spellings of the cache file (JSON parses one string fast)
# Only these spellings can match: a candidate is one token, or two joined by one space,
# and tokens hold no spaces (save whitespace-only tokens, kept through the second test).
_MATCHABLE = re.compile(r"^[^ ]*(?: [^ ]*)?$")
_ODD_WHITESPACE = re.compile(r"^\s|\s$|\s\s|[^\S ]")


@dataclass(frozen=True, slots=True)
class Drug:
    """A dictionary drug: its name (None where the dictionary has none) and ids."""

    name: str | None
    drugbank_id: str | None
    mesh_id: str | None

    @property
    def code(self) -> str | None:
        """``DrugBank:DB00635``, else ``MeSH:D011241``, else None."""
        if self.drugbank_id:
            return f"DrugBank:{self.drugbank_id}"
        return f"MeSH:{self.mesh_id}" if self.mesh_id else None


def _source() -> tuple[str, Path | None]:
    """The package's version and dictionary file (found without importing the package)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0]) / "drug_ner_dictionary.pkl.bz2" if locations else None
    version = package_version(DISTRIBUTION)
    return version, path if path is not None and path.is_file() else None


def cache_file() -> Path | None:
    """Where the table of this version of the dictionary is cached (None: no dictionary
    file to key it on)."""
    version, path = _source()
    if path is None:
        return None
    stat = path.stat()
    key = hashlib.sha256(f"{FORMAT}|{version}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return cache_dir() / f"drugs-{version}-{key.hexdigest()[:16]}.json"


def build_table() -> dict[str, Any]:
    """The table, from the package's own dictionaries (imports it: ~3 s).

    ``drugs``: ``[name, DrugBank id, MeSH id]`` rows; ``spellings`` (joined by
    ``_SEPARATOR``) and ``numbers``: each spelling's drug row; ``others``: the spellings of
    several drugs (or holding the separator), with their rows; ``firsts``: what can
    precede the joining space of a two-token spelling (joined by ``_SEPARATOR``).
    """
    from drug_named_entity_recognition import drugs_finder

    drugs: list[list[str | None]] = []
    index: dict[str, int] = {}
    variants: dict[str, list[int]] = {}
    for variant, canonicals in drugs_finder.drug_variant_to_canonical.items():
        if not _MATCHABLE.match(variant) and not _ODD_WHITESPACE.search(variant):
            continue
        numbers = []
        for canonical in canonicals:
            if canonical not in index:
                data = drugs_finder.drug_canonical_to_data.get(canonical)
                index[canonical] = len(drugs)
                drugs.append([data.get("name"), data.get("drugbank_id"), data.get("mesh_id")]
                             if data is not None else [None, None, None])
            numbers.append(index[canonical])
        if numbers:  # a spelling of no drug never matches
            variants[variant] = numbers
    single = {v: n[0] for v, n in variants.items() if len(n) == 1 and _SEPARATOR not in v}
    firsts = {variant[:i] for variant in variants if " " in variant
              for i, char in enumerate(variant) if char == " "}
    return {"format": FORMAT, "drugs": drugs, "spellings": _SEPARATOR.join(single),
            "numbers": list(single.values()),
            "others": {v: n for v, n in variants.items() if v not in single},
            "firsts": sorted(firsts)}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        with path.open(encoding="utf-8") as handle:
            table = json.load(handle)
    except (OSError, ValueError):
        return None
    return table if isinstance(table, dict) and table.get("format") == FORMAT else None


def _write(path: Path, table: dict[str, Any]) -> None:
    def dump(temporary: Path) -> None:
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(table, handle, ensure_ascii=False, separators=(",", ":"))

    write_atomically(path, dump)


@cache
def _table() -> tuple[_Drugs, dict[str, int | list[int]], frozenset[str]]:
    """The drugs; lower-case spelling -> its drug's number (or numbers); and what can
    precede the joining space of a two-token spelling (from the cache file, built on first
    use)."""
    path = cache_file()
    table = _read(path) if path is not None else None
    if table is None:
        table = build_table()
        if path is not None:
            _write(path, table)
    variants: dict[str, int | list[int]] = dict(
        zip(table["spellings"].split(_SEPARATOR), table["numbers"], strict=True))
    variants.update(table["others"])
    return _Drugs(table["drugs"]), variants, frozenset(table["firsts"])


class _Drugs:
    """The rows of the table, made Drug objects when first matched (most never are)."""

    def __init__(self, rows: list[list[str | None]]) -> None:
        self.rows = rows
        self.made: dict[int, Drug] = {}

    def __getitem__(self, number: int) -> Drug:
        drug = self.made.get(number)
        if drug is None:
            drug = self.made[number] = Drug(*self.rows[number])
        return drug


def find_drugs(tokens: Sequence[str]) -> list[tuple[Drug, int, int]]:
    """``(drug, start, end)`` token ranges, as the package's ``find_drugs`` (exact, ignoring
    case) orders them: two-token spellings, then single tokens outside those."""
    drugs, variants, firsts = _table()
    found: list[tuple[Drug, int, int]] = []
    taken: set[int] = set()
    # (a + " " + b).lower() == a.lower() + " " + b.lower(): the space stops the only
    # context-dependent lowering (a final sigma) from reaching across.
    lowered = [token.lower() for token in tokens]
    for i in range(len(lowered) - 1):
        if lowered[i] in firsts:
            numbers = variants.get(lowered[i] + " " + lowered[i + 1])
            if numbers is not None:
                found.extend((drugs[n], i, i + 2) for n in _each(numbers))
                taken.update((i, i + 1))
    for i, token in enumerate(lowered):
        if i in taken:
            continue
        numbers = variants.get(token)
        if numbers is not None:
            found.extend((drugs[n], i, i + 1) for n in _each(numbers))
            taken.add(i)
    return found


def _each(numbers: int | list[int]) -> list[int]:
    return [numbers] if isinstance(numbers, int) else numbers

"""Reading BRAT standoff annotation (the shape of the Chia corpus).

A corpus is a folder of ``NAME.txt`` files, each with its ``NAME.ann`` beside it. Only the
text-bound annotations (``T`` lines) matter for NER; relations (``R``) and ``*\tOR`` groups
are kept for the constraint scorer; attributes, events and notes are read past.

Offsets are character offsets into the text exactly as stored on disk: Chia's files mix
``\\r\\n`` and ``\\n`` line ends and its offsets count the ``\\r``, so text is read with
``newline=""`` (no newline translation).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError


@dataclass(frozen=True)
class BratEntity:
    """A text-bound annotation: ``T12\\tCondition 10 15;20 30\\tsome text``.

    ``fragments`` are the (start, end) character ranges in file order; more than one means a
    discontinuous entity.
    """

    id: str
    label: str
    fragments: tuple[tuple[int, int], ...]
    text: str

    def __post_init__(self) -> None:
        if not self.fragments:
            raise InputError(f"entity {self.id}", "no fragments")
        for start, end in self.fragments:
            if not 0 <= start <= end:
                raise InputError(f"entity {self.id}", f"bad fragment {start}-{end}")

    @property
    def start(self) -> int:
        return min(start for start, _ in self.fragments)

    @property
    def end(self) -> int:
        return max(end for _, end in self.fragments)

    @property
    def is_discontinuous(self) -> bool:
        return len(self.fragments) > 1


@dataclass(frozen=True)
class BratRelation:
    """A binary relation: ``R1\tHas_value Arg1:T3 Arg2:T4``."""

    id: str
    type: str
    arg1: str
    arg2: str


@dataclass(frozen=True)
class BratDocument:
    """One ``.txt`` file, its text-bound annotations, binary relations and ``OR`` groups."""

    name: str
    text: str
    entities: tuple[BratEntity, ...]
    relations: tuple[BratRelation, ...] = ()
    or_groups: tuple[tuple[str, ...], ...] = ()  # ``*\tOR T1 T2``: alternatives, by id


def parse_ann(content: str, *, source: str = "<ann>") -> list[BratEntity]:
    """The text-bound annotations of the content of an ``.ann`` file."""
    entities: list[BratEntity] = []
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.startswith("T"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise InputError(f"{source}:{lineno}", "expected 'ID<TAB>TYPE OFFSETS<TAB>TEXT'")
        ident, middle = parts[0], parts[1]
        text = parts[2] if len(parts) > 2 else ""
        label, _, offsets = middle.partition(" ")
        try:
            fragments = tuple(
                (int(start), int(end))
                for start, end in (chunk.split() for chunk in offsets.split(";"))
            )
        except ValueError as error:
            raise InputError(
                f"{source}:{lineno}", f"bad offsets {offsets!r}, expected 'START END[;START END]*'"
            ) from error
        entities.append(BratEntity(ident, label, fragments, text))
    return entities


def parse_relations(content: str) -> list[BratRelation]:
    """The binary relations (``R`` lines) of the content of an ``.ann`` file."""
    relations = []
    for line in content.splitlines():
        parts = line.split("\t")
        if not line.startswith("R") or len(parts) < 2:
            continue
        kind, *args = parts[1].split()
        named = dict(arg.split(":", 1) for arg in args if ":" in arg)
        if "Arg1" in named and "Arg2" in named:
            relations.append(BratRelation(parts[0], kind, named["Arg1"], named["Arg2"]))
    return relations


def parse_or_groups(content: str) -> list[tuple[str, ...]]:
    """The ``OR`` equivalence groups (``*<TAB>OR T1 T2 ...`` lines) of an ``.ann`` file."""
    groups = []
    for line in content.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] == "*" and parts[1].split()[:1] == ["OR"]:
            groups.append(tuple(parts[1].split()[1:]))
    return groups


def read_document(txt_path: str | Path) -> BratDocument:
    """A ``.txt`` file and the ``.ann`` beside it (no ``.ann`` means no annotations)."""
    txt_path = Path(txt_path)
    with txt_path.open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    ann_path = txt_path.with_suffix(".ann")
    entities: list[BratEntity] = []
    relations: list[BratRelation] = []
    or_groups: list[tuple[str, ...]] = []
    if ann_path.is_file():
        with ann_path.open(encoding="utf-8", newline="") as handle:
            content = handle.read()
        entities = parse_ann(content, source=str(ann_path))
        relations = parse_relations(content)
        or_groups = parse_or_groups(content)
    for entity in entities:
        if entity.end > len(text):
            raise InputError(
                str(ann_path),
                f"entity {entity.id} ends at {entity.end}, "
                f"beyond the text's {len(text)} characters",
            )
    return BratDocument(txt_path.stem, text, tuple(entities), tuple(relations), tuple(or_groups))


def iter_corpus(directory: str | Path) -> Iterator[BratDocument]:
    """Every document of a BRAT folder, in name order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(str(directory), "not a directory (expected a BRAT folder of .txt/.ann)")
    for txt_path in sorted(directory.glob("*.txt")):
        yield read_document(txt_path)

"""Reading BRAT standoff annotation (the shape of the Chia corpus).

A corpus is a folder of ``NAME.txt`` files, each with its ``NAME.ann`` beside it. Only the
text-bound annotations (``T`` lines) matter for NER; relations (``R``), equivalences and
``*\tOR`` groups, attributes, events and notes are read past.

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
class BratDocument:
    """One ``.txt`` file and its text-bound annotations."""

    name: str
    text: str
    entities: tuple[BratEntity, ...]


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


def read_document(txt_path: str | Path) -> BratDocument:
    """A ``.txt`` file and the ``.ann`` beside it (no ``.ann`` means no annotations)."""
    txt_path = Path(txt_path)
    with txt_path.open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    ann_path = txt_path.with_suffix(".ann")
    entities: list[BratEntity] = []
    if ann_path.is_file():
        with ann_path.open(encoding="utf-8", newline="") as handle:
            entities = parse_ann(handle.read(), source=str(ann_path))
    for entity in entities:
        if entity.end > len(text):
            raise InputError(
                str(ann_path),
                f"entity {entity.id} ends at {entity.end}, "
                f"beyond the text's {len(text)} characters",
            )
    return BratDocument(txt_path.stem, text, tuple(entities))


def iter_corpus(directory: str | Path) -> Iterator[BratDocument]:
    """Every document of a BRAT folder, in name order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(str(directory), "not a directory (expected a BRAT folder of .txt/.ann)")
    for txt_path in sorted(directory.glob("*.txt")):
        yield read_document(txt_path)

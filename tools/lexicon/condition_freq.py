"""Count Condition mentions in Chia train and measure coverage by rules/conditions.jsonl.

Usage (from the repository root)::

    .venv/bin/python tools/lexicon/condition_freq.py --top 50 | head -60
    .venv/bin/python tools/lexicon/condition_freq.py --top 0 --coverage
    .venv/bin/python tools/lexicon/condition_freq.py --top 40 --uncovered | head -50

Only ``chia/train`` is read (in place, nothing copied): ``chia/dev`` is held out and is
never opened here.  Mention texts are lower-cased and whitespace-collapsed; a mention
is "covered" when it equals, ignoring case, some synonym (or concept name) in the
conditions file.  Discontinuous spans (``10 13;20 25``) count like any other mention.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHIA_TRAIN = Path("/work/shared/corpora/chia/train")
CONDITIONS = REPO / "rules" / "conditions.jsonl"

_ENTITY = re.compile(r"^T\d+\t(?P<label>[A-Za-z_-]+) (?P<spans>[\d ;]+)\t(?P<text>.*)$")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def mentions(label: str = "Condition", root: Path = CHIA_TRAIN) -> Iterator[str]:
    """Text of every ``label`` entity in the BRAT ``.ann`` files under ``root``."""
    if root.name == "dev":
        raise ValueError("chia/dev is held out")
    for ann in sorted(root.glob("*.ann")):
        with ann.open(encoding="utf-8") as handle:
            for line in handle:
                match = _ENTITY.match(line.rstrip("\n"))
                if match and match["label"] == label:
                    yield match["text"]


def load_synonyms(path: Path = CONDITIONS) -> set[str]:
    names: set[str] = set()
    if not path.exists():
        return names
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            entry = json.loads(line)
            names.update(norm(s) for s in entry["synonyms"])
            names.add(norm(entry["concept"]))
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="Condition")
    parser.add_argument("--top", type=int, default=50, help="print the N most frequent")
    parser.add_argument("--coverage", action="store_true", help="share covered by the file")
    parser.add_argument("--uncovered", action="store_true", help="list top uncovered only")
    args = parser.parse_args()

    counts = Counter(norm(t) for t in mentions(args.label))
    total = sum(counts.values())
    print(f"{args.label}: {total} mentions, {len(counts)} distinct (lower-cased)")

    synonyms = load_synonyms() if (args.coverage or args.uncovered) else set()
    shown = 0
    for text, n in counts.most_common():
        if shown >= args.top:
            break
        if args.uncovered and text in synonyms:
            continue
        print(f"{n:6d}  {text}")
        shown += 1

    if args.coverage:
        hit = sum(n for text, n in counts.items() if text in synonyms)
        distinct = sum(1 for text in counts if text in synonyms)
        print(
            f"coverage: {hit}/{total} mentions = {hit / total:.1%}; "
            f"{distinct}/{len(counts)} distinct strings = {distinct / len(counts):.1%}"
        )


if __name__ == "__main__":
    main()

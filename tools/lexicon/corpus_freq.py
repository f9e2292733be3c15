"""Frequency analysis used to choose and rank lexicon entries (reads corpora in place).

Usage (from the repository root)::

    .venv/bin/python tools/lexicon/corpus_freq.py chia Measurement --top 60
    .venv/bin/python tools/lexicon/corpus_freq.py ctgov-measures --top 60
    .venv/bin/python tools/lexicon/corpus_freq.py coverage Measurement analytes
    .venv/bin/python tools/lexicon/corpus_freq.py coverage Condition conditions
    .venv/bin/python tools/lexicon/corpus_freq.py coverage Drug drug_classes
    .venv/bin/python tools/lexicon/corpus_freq.py ctgov-hits analytes --top 30

Only ``chia/train`` is read: ``chia/dev`` is held out and never opened here.  Nothing is
copied into the repository; the script prints counts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
if not CORPORA.is_dir():  # /work/main/tools/lexicon -> /work/shared/corpora
    CORPORA = Path("/work/shared/corpora")
CHIA_TRAIN = CORPORA / "chia" / "train"
CTGOV = CORPORA / "ctgov" / "legacy_sample.jsonl"

_ENTITY = re.compile(r"^T\d+\t(?P<label>[A-Za-z_-]+) (?P<spans>[\d ;]+)\t(?P<text>.*)$")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def chia_mentions(label: str) -> Iterator[tuple[str, str]]:
    """(file stem, mention text) of every ``label`` entity in Chia train."""
    for ann in sorted(CHIA_TRAIN.glob("*.ann")):
        with ann.open(encoding="utf-8") as handle:
            for line in handle:
                match = _ENTITY.match(line.rstrip("\n"))
                if match and match["label"] == label:
                    yield ann.stem, match["text"]


def ctgov_criteria() -> Iterator[str]:
    with CTGOV.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("criteria"):
                yield record["criteria"]


def cmd_chia(args: argparse.Namespace) -> None:
    counts = Counter(norm(text) for _, text in chia_mentions(args.label))
    total = sum(counts.values())
    print(f"{args.label}: {total} mentions, {len(counts)} distinct (lowercased)")
    for text, n in counts.most_common(args.top):
        print(f"{n:6d}  {text}")


_COMPARATOR = re.compile(
    r"(?P<name>(?:[A-Za-z][\w\-/()']*\s+){1,4}?)(?:of\s+|level\s+|count\s+|is\s+)?"
    r"(?:≥|≤|>=|<=|>|<|=|greater than|less than|more than|above|below|at least|at most)"
    r"\s*\d",
)


def cmd_ctgov_measures(args: argparse.Namespace) -> None:
    """Words right before a comparator and a number: what ctgov criteria put thresholds on."""
    counts: Counter[str] = Counter()
    trials = 0
    for text in ctgov_criteria():
        trials += 1
        seen = set()
        for match in _COMPARATOR.finditer(text):
            words = norm(match["name"]).strip("(-/ ").split()
            for width in (1, 2, 3):
                if len(words) >= width:
                    seen.add(" ".join(words[-width:]))
        counts.update(seen)  # document frequency: trials mentioning it before a threshold
    print(f"ctgov: {trials} trials with criteria; n-grams before a comparator (trial counts)")
    for text, n in counts.most_common(args.top):
        print(f"{n:6d}  {text}")


def _ruler(kind: str):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from trialnlp.constraints import lexicon

    patterns = {
        "analytes": lexicon.analyte_patterns,
        "drug_classes": lexicon.drug_class_patterns,
        "conditions": lexicon.condition_patterns,
    }[kind]()
    nlp = lexicon.blank_english()
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "lex", "overwrite": True})
    ruler.add_patterns(patterns)
    return nlp


def cmd_coverage(args: argparse.Namespace) -> None:
    """How many Chia train mentions of a label the lexicon's patterns cover.

    strict: one pattern match spans every word-like token of the mention (brackets and
    punctuation around it ignored), so the mention is named by one synonym, possibly with
    its abbreviation in brackets.  loose: some pattern matches inside the mention.
    """
    nlp = _ruler(args.kind)
    mentions = [text for _, text in chia_mentions(args.label)]
    strict = loose = 0
    missed: Counter[str] = Counter()
    for doc in nlp.pipe(mentions, batch_size=256):
        spans = list(doc.spans["lex"])
        words = [t.i for t in doc if not (t.is_punct or t.is_space)]
        if spans:
            loose += 1
        ok = False
        if words:
            for span in spans:
                inside = [i for i in words if span.start <= i < span.end]
                outside = [i for i in words if not span.start <= i < span.end]
                # "body mass index (BMI)": the bracketed abbreviation may be a second hit
                rest = all(any(s.start <= i < s.end for s in spans) for i in outside)
                if inside and rest:
                    ok = True
                    break
        if ok:
            strict += 1
        else:
            missed[norm(doc.text)] += 1
    total = len(mentions)
    print(f"{args.label} mentions in chia/train: {total}")
    print(f"strict coverage (named wholly by lexicon synonyms): {strict}/{total} = "
          f"{strict / total:.1%}")
    print(f"loose coverage (some synonym inside the mention):   {loose}/{total} = "
          f"{loose / total:.1%}")
    print(f"top {args.top} uncovered:")
    for text, n in missed.most_common(args.top):
        print(f"{n:6d}  {text}")


def cmd_ctgov_hits(args: argparse.Namespace) -> None:
    """Entries ranked by the number of ctgov trials whose criteria mention them."""
    nlp = _ruler(args.kind)
    counts: Counter[str] = Counter()
    texts = list(ctgov_criteria())
    for doc in nlp.pipe(texts, batch_size=64):
        counts.update({span.id_ for span in doc.spans["lex"]})
    print(f"ctgov: {len(texts)} trials; entries by trials mentioning them")
    for key, n in counts.most_common(args.top):
        print(f"{n:6d}  {key}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("chia")
    p.add_argument("label")
    p.add_argument("--top", type=int, default=50)
    p.set_defaults(func=cmd_chia)
    p = sub.add_parser("ctgov-measures")
    p.add_argument("--top", type=int, default=50)
    p.set_defaults(func=cmd_ctgov_measures)
    p = sub.add_parser("coverage")
    p.add_argument("label")
    p.add_argument("kind", choices=["analytes", "drug_classes", "conditions"])
    p.add_argument("--top", type=int, default=40)
    p.set_defaults(func=cmd_coverage)
    p = sub.add_parser("ctgov-hits")
    p.add_argument("kind", choices=["analytes", "drug_classes", "conditions"])
    p.add_argument("--top", type=int, default=40)
    p.set_defaults(func=cmd_ctgov_hits)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()

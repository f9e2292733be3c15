"""Static floret vectors trained on unannotated eligibility text (optional training step).

Text: the ``criteria`` field of ``CTGOV`` (default ``../shared/corpora/ctgov/
legacy_sample.jsonl``) plus the Chia *train* texts. Trials whose NCT id occurs in any other
Chia split (dev, or a held-out test folder if present) are left out, so no evaluation text
reaches the model. The text is tokenized with the model's tokenizer and lower-cased; the
vectors are keyed on ``LOWER``. floret (hashed subword vectors: a fixed, small table that
also covers unseen words) is trained with its Python bindings (``pip install floret``) and
turned into a spaCy vectors model with ``spacy init vectors --mode floret``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from .tokenizer import blank_nlp

DEFAULT_CTGOV = Path("../shared/corpora/ctgov/legacy_sample.jsonl")
NCT_ID = re.compile(r"NCT\d{8}")

# floret settings (chosen for a small table: bucket x dim x 4 bytes = 10 MB)
FLORET = {
    "model": "cbow",
    "mode": "floret",
    "dim": 64,
    "bucket": 40000,
    "minn": 4,
    "maxn": 5,
    "hashCount": 2,
    "minCount": 3,
    "epoch": 10,
    "thread": 2,
    "verbose": 0,
}


def held_out_ids(chia: Path) -> set[str]:
    """NCT ids of every Chia split except train/."""
    ids: set[str] = set()
    for split in chia.iterdir():
        if split.is_dir() and split.name != "train":
            ids.update(m.group(0) for p in split.glob("*.txt") if (m := NCT_ID.match(p.name)))
    return ids


def iter_texts(chia: Path, ctgov: Path = DEFAULT_CTGOV) -> Iterator[str]:
    """Unannotated criteria lines: CT.gov records (minus held-out trials) and Chia train."""
    skip = held_out_ids(chia)
    if ctgov.is_file():
        with ctgov.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if record.get("nct_id") in skip or not record.get("criteria"):
                    continue
                for text_line in record["criteria"].splitlines():
                    text_line = text_line.strip().lstrip("-*• ").strip()
                    if text_line:
                        yield text_line
    for path in sorted((chia / "train").glob("*.txt")):
        for text_line in path.read_text(encoding="utf-8").splitlines():
            if text_line.strip():
                yield text_line.strip()


def build_vectors(chia: Path, work: Path, ctgov: Path = DEFAULT_CTGOV) -> Path:
    """Train floret vectors; returns the spaCy vectors folder (``WORK/vectors``)."""
    import floret
    from spacy.training.initialize import convert_vectors

    nlp = blank_nlp()
    work.mkdir(parents=True, exist_ok=True)
    text_path = work / "vectors_text.txt"
    lines = 0
    with text_path.open("w", encoding="utf-8") as out:
        for doc in nlp.tokenizer.pipe(iter_texts(chia, ctgov), batch_size=1000):
            out.write(" ".join(token.lower_ for token in doc if not token.is_space) + "\n")
            lines += 1
    print(f"[vectors] {lines} lines of text -> {text_path}", flush=True)
    model = floret.train_unsupervised(str(text_path), **FLORET)
    floret_path = work / "vectors.floret"
    model.save_floret_vectors(str(floret_path))
    vectors_nlp = blank_nlp()
    convert_vectors(
        vectors_nlp,
        floret_path,
        truncate=0,
        prune=-1,
        name="chia_floret",
        mode="floret",
        attr="LOWER",
    )
    output = work / "vectors"
    vectors_nlp.to_disk(output)
    print(f"[vectors] floret {FLORET['bucket']}x{FLORET['dim']} -> {output}", flush=True)
    return output

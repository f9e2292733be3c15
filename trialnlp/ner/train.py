"""Training entry point: Chia BRAT -> DocBins -> ``spacy train`` -> ``models/chia_ner``.

``make train`` runs ``python -m trialnlp.ner.train --chia $(CHIA)``. Steps:

1. convert ``CHIA/train`` and ``CHIA/dev`` to ``.train/{train,dev}.spacy`` (see ``convert``);
2. optionally (``--vectors``) train static floret vectors (``trialnlp.ner.vectors``);
3. ``spacy train models/chia_ner.cfg`` into ``.train/output`` (selection on dev by the
   micro-F1 of the eight evaluated types, ``chia8_f``);
4. copy ``model-best`` to ``models/chia_ner`` with a config that loads without trialnlp
   code (the tokenizer rules are saved in the model; the training-only scorer and callback
   are swapped for spaCy's own), and a ``meta.json`` that credits the corpus.

spaCy saves no optimizer state in ``model-best``, so nothing else needs trimming.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.training import Example
from thinc.api import Config

from . import tokenizer as _tokenizer  # noqa: F401  (registers the tokenizer callback)
from .convert import EVAL_TYPES, MODEL_TYPES, convert_corpus

CHIA_SCORER = "trialnlp.ner.chia_scorer.v1"
DEFAULT_CHIA = Path("../shared/corpora/chia")
DEFAULT_CONFIG = Path("models/chia_ner.cfg")
DEFAULT_OUTPUT = Path("models/chia_ner")
DEFAULT_WORK = Path(".train")

CHIA_CREDIT = (
    "Kury F, et al. Chia, a large annotated corpus of clinical trial eligibility criteria. "
    "Scientific Data 7, 281 (2020). doi:10.1038/s41597-020-00620-0 (CC BY 4.0)"
)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_chia(
    examples: Iterable[Example], types: Sequence[str] = EVAL_TYPES, **kwargs: Any
) -> dict[str, Any]:
    """spaCy's NER scores plus ``chia8_p/r/f``: exact-span micro scores over ``types``."""
    from spacy.scorer import get_ner_prf

    examples = list(examples)
    scores: dict[str, Any] = get_ner_prf(examples)
    wanted = set(types)
    tp = fp = fn = 0
    for example in examples:
        gold = {
            (ent.start_char, ent.end_char, ent.label_)
            for ent in example.reference.ents
            if ent.label_ in wanted
        }
        pred = {
            (ent.start_char, ent.end_char, ent.label_)
            for ent in example.predicted.ents
            if ent.label_ in wanted
        }
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    scores["chia8_p"], scores["chia8_r"], scores["chia8_f"] = _prf(tp, fp, fn)
    return scores


@spacy.registry.scorers(CHIA_SCORER)
def make_chia_scorer() -> Callable[..., dict[str, Any]]:
    """Training-time scorer (model selection on ``chia8_f``)."""
    return score_chia


def convert_splits(chia: Path, work: Path, labels: Sequence[str] = MODEL_TYPES) -> None:
    """``CHIA/train`` and ``CHIA/dev`` -> ``WORK/train.spacy`` and ``WORK/dev.spacy``."""
    for split in ("train", "dev"):
        stats = convert_corpus(chia / split, work / f"{split}.spacy", labels=labels)
        print(f"[convert] {chia / split}: {stats.summary()}", flush=True)


def run_spacy_train(
    config: Path, work: Path, output: Path, overrides: dict[str, Any] | None = None
) -> None:
    """``spacy train CONFIG`` on the converted splits, writing ``OUTPUT/model-best``."""
    from spacy.cli.train import train as spacy_train

    settings = {
        "paths.train": str(work / "train.spacy"),
        "paths.dev": str(work / "dev.spacy"),
    }
    settings.update(overrides or {})
    spacy_train(config, output, overrides=settings, use_gpu=-1)


def _portable_config(text: str) -> str:
    """The saved config with training-only references replaced by spaCy's own.

    The scorer becomes ``spacy.ner_scorer.v1``, the tokenizer callback (whose effect is saved
    in the tokenizer) and the machine-specific ``[paths]`` become null.
    """
    config = Config().from_str(text, interpolate=False)
    for key in config.get("paths", {}):
        config["paths"][key] = None
    if "initialize" in config:
        config["initialize"]["before_init"] = None
    for component in config.get("components", {}).values():
        scorer = component.get("scorer")
        if isinstance(scorer, dict) and scorer.get("@scorers") == CHIA_SCORER:
            component["scorer"] = {"@scorers": "spacy.ner_scorer.v1"}
    return config.to_str()


def export_model(
    model_best: Path, destination: Path, extra_meta: dict[str, Any] | None = None
) -> None:
    """Copy ``model_best`` to ``destination`` as a self-contained, code-free spaCy model."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(model_best, destination)
    config_path = destination / "config.cfg"
    config_path.write_text(
        _portable_config(config_path.read_text(encoding="utf-8")), encoding="utf-8"
    )
    meta_path = destination / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(
        {
            "name": "chia_ner",
            "version": "0.1.0",
            "description": "Entities of clinical-trial eligibility criteria (Chia types); "
            "see trialnlp models/MODEL_CARD.md",
            "license": "CC BY 4.0 (training data: Chia)",
            "sources": [
                {
                    "name": "Chia",
                    "url": "https://doi.org/10.1038/s41597-020-00620-0",
                    "license": "CC BY 4.0",
                    "author": "Kury F, et al.",
                }
            ],
        }
    )
    meta.update(extra_meta or {})
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    # Check that it loads without trialnlp's registered functions being needed.
    spacy.load(destination)


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the Chia NER model (make train).")
    parser.add_argument("--chia", type=Path, default=DEFAULT_CHIA, help="Chia corpus folder")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="model to write")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch folder")
    parser.add_argument(
        "--run", type=Path, default=None, help="spaCy output folder (default WORK/output)"
    )
    parser.add_argument("--skip-convert", action="store_true", help="reuse WORK/*.spacy")
    parser.add_argument(
        "--vectors", action="store_true", help="train floret vectors first (trialnlp.ner.vectors)"
    )
    parser.add_argument(
        "--no-export", action="store_true", help="leave the result in WORK/output only"
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        help="spaCy config overrides as KEY=VALUE, e.g. training.max_epochs=5",
    )
    args = parser.parse_args(argv)

    overrides: dict[str, Any] = {}
    for item in args.overrides:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"override {item!r}: expected KEY=VALUE")
        try:
            overrides[key.lstrip("-")] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key.lstrip("-")] = value

    started = time.perf_counter()
    if not args.skip_convert:
        if not (args.chia / "train").is_dir() or not (args.chia / "dev").is_dir():
            parser.error(f"{args.chia}: expected a Chia folder with train/ and dev/ in it")
        convert_splits(args.chia, args.work)
    if args.vectors:
        from .vectors import build_vectors

        vectors_dir = build_vectors(args.chia, args.work)
        overrides.setdefault("paths.vectors", str(vectors_dir))
    run_dir = args.run or args.work / "output"
    run_spacy_train(args.config, args.work, run_dir, overrides)
    elapsed = time.perf_counter() - started
    print(f"[train] done in {elapsed / 60:.1f} min", flush=True)
    if not args.no_export:
        export_model(run_dir / "model-best", args.output)
        print(f"[train] wrote {args.output} ({_size_mb(args.output):.1f} MB)", flush=True)


if __name__ == "__main__":
    main()

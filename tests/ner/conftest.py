"""Shared fixtures of the NER tests: the hand-written BRAT fixtures and a tiny trained model."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brat"
REPO = Path(__file__).resolve().parents[2]
CHIA = Path(os.environ.get("CHIA", REPO.parent / "shared" / "corpora" / "chia"))

# A few steps of the real config, shrunk: seconds on a laptop CPU.
TINY_OVERRIDES = {
    "components.tok2vec.model.encode.width": 16,
    "components.tok2vec.model.encode.depth": 1,
    "components.tok2vec.model.embed.rows": [50, 50, 50, 50],
    "components.ner.model.hidden_width": 16,
    "training.max_epochs": 0,
    "training.max_steps": 6,
    "training.eval_frequency": 3,
    "training.patience": 0,
}


@pytest.fixture(scope="session")
def brat_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def chia_dir() -> Path:
    if not (CHIA / "train").is_dir() or not (CHIA / "dev").is_dir():
        pytest.skip(f"Chia corpus not found at {CHIA}")
    return CHIA


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained for a handful of steps on the fixtures, exported like the real one."""
    from trialnlp.ner.train import convert_splits, export_model, run_spacy_train
    from trialnlp.resources import model_path

    work = tmp_path_factory.mktemp("tiny")
    corpus = work / "corpus"
    for split in ("train", "dev"):
        (corpus / split).mkdir(parents=True)
        for path in FIXTURES.iterdir():
            (corpus / split / path.name).write_bytes(path.read_bytes())
    with contextlib.redirect_stdout(io.StringIO()):
        convert_splits(corpus, work)
        config = Path(str(model_path("chia_ner.cfg")))
        run_spacy_train(config, work, work / "output", dict(TINY_OVERRIDES))
    model = work / "model"
    export_model(work / "output" / "model-best", model)
    return model

"""The trained entity recogniser (Chia types) shipped as package data in ``models/chia_ner``.

>>> from trialnlp.ner import entities
>>> entities("Serum creatinine > 1.5 mg/dL within 30 days")  # doctest: +SKIP
[('Measurement', 0, 16, 'Serum creatinine'), ('Value', 17, 28, '> 1.5 mg/dL'),
 ('Temporal', 29, 43, 'within 30 days')]

Modules: ``brat`` (reading BRAT standoff), ``convert`` (BRAT -> flat spans -> DocBin),
``tokenizer`` (the model's tokenizer rules), ``train`` (``make train``), ``evaluate``
(``trialnlp evaluate``).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..resources import model_path
from .labels import EVAL_TYPES, MODEL_TYPES

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_NAME = "chia_ner"

__all__ = ["EVAL_TYPES", "MODEL_NAME", "MODEL_TYPES", "entities", "load_ner", "model_available",
           "one_blas_thread"]


def model_available() -> bool:
    """Whether the trained model is shipped (``models/chia_ner/config.cfg`` exists)."""
    return model_path(MODEL_NAME).joinpath("config.cfg").is_file()


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_dir():
            _copy_tree(item, target / item.name)
        else:
            (target / item.name).write_bytes(item.read_bytes())


def _local_directory(resource: Traversable) -> Path:
    """A real directory for ``resource`` (copied out if the package is zipped)."""
    if isinstance(resource, Path):
        return resource
    target = Path(tempfile.mkdtemp(prefix="trialnlp-chia-ner-"))
    try:
        _copy_tree(resource, target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


@cache
def load_ner() -> Language:
    """The shipped NER pipeline (loaded once per process, offline, from package data).

    Its layers multiply matrices with NumPy's BLAS (OpenBLAS) instead of thinc's default,
    BLIS 0.7, which was 2.6 times slower on the development machine's CPU (AVX-512):
    the model spends three quarters of its time there.  The entities are the same (all
    78,722 the model finds in the 19,721 gap criteria of the 3,460 legacy CT.gov records).
    """
    import spacy
    from thinc.api import use_ops

    resource = model_path(MODEL_NAME)
    if not model_available():
        raise FileNotFoundError(
            f"trialnlp.models/{MODEL_NAME}: the trained NER model is not installed "
            "(expected a spaCy model folder with config.cfg; build it with `make train`)"
        )
    with use_ops("numpy", use_blis=False):
        return spacy.load(_local_directory(resource))


@cache
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # finds the BLAS libraries loaded now (NumPy's)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the model on one core, as thinc's BLIS did: OpenBLAS's second thread bought
    1.3x the speed for 1.5x the CPU time in one process, and only contention when every
    core runs a worker (``--jobs``)."""
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield


def entities(
    doc_or_text: Doc | str, nlp: Language | None = None
) -> list[tuple[str, int, int, str]]:
    """``(label, start_char, end_char, text)`` of each entity, in text order.

    A string is run through ``nlp`` (default: :func:`load_ner`); a ``Doc`` is read as is
    (its ``ents`` as set by whichever pipeline made it).
    """
    doc = (nlp or load_ner())(doc_or_text) if isinstance(doc_or_text, str) else doc_or_text
    return [(ent.label_, ent.start_char, ent.end_char, ent.text) for ent in doc.ents]

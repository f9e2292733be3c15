"""Access to data shipped inside the package (rules/ and models/), via importlib.resources.

Never locate files relative to ``__file__``: that breaks installed wheels.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from .errors import RuleError


def rule_path(name: str) -> Traversable:
    """The shipped rule file ``rules/<name>``."""
    path = resources.files("trialnlp.rules").joinpath(name)
    if not path.is_file():
        raise RuleError(f"rule file {name!r} is not shipped in trialnlp.rules")
    return path


def model_path(name: str) -> Traversable:
    """The shipped model directory ``models/<name>``."""
    return resources.files("trialnlp.models").joinpath(name)


@cache
def load_json(name: str) -> Any:
    """A JSON rule file, parsed once per process."""
    with rule_path(name).open(encoding="utf-8") as handle:
        try:
            return json.load(handle)
        except json.JSONDecodeError as error:
            raise RuleError(f"rules/{name}: invalid JSON ({error})") from error


def iter_jsonl(name: str) -> Iterator[dict[str, Any]]:
    """Records of a JSONL rule file; blank lines and ``//`` comment lines are skipped."""
    with rule_path(name).open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise RuleError(f"rules/{name}:{lineno}: invalid JSON ({error})") from error

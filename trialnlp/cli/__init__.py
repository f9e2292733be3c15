"""The ``trialnlp`` command: a thin layer over the Python API.

Every command module registers itself on :data:`trialnlp.cli.app.app` when imported.
"""

from __future__ import annotations

import sys

from .app import app

# Command modules, imported for their registrations.
from . import extract as _extract  # noqa: F401  isort: skip
from . import show as _show  # noqa: F401  isort: skip
from . import evaluate as _evaluate  # noqa: F401  isort: skip
from . import report as _report  # noqa: F401  isort: skip
from . import match as _match  # noqa: F401  isort: skip


def main() -> None:
    """Console entry point."""
    sys.exit(app())


__all__ = ["app", "main"]

"""trialnlp: clinical-trial eligibility text to structured, checkable constraints."""

from __future__ import annotations

__version__ = "0.1.0"

"""The review report: trials as one self-contained HTML page (``trialnlp report``).

>>> from trialnlp.report import render_report, write_report
>>> html = render_report(trialnlp.extract_many(["seeds/"]))      # doctest: +SKIP
>>> write_report("report.html", trials, errors=read_errors)     # doctest: +SKIP
"""

from __future__ import annotations

from .highlight import clean_with_offsets, layout, locate
from .html import KINDS, render_report, write_report

__all__ = ["KINDS", "clean_with_offsets", "layout", "locate", "render_report", "write_report"]

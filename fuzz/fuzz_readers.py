"""Coverage-guided fuzzing of the readers: bytes -> every input format.

    .venv/bin/python fuzz/fuzz_readers.py CORPUS_DIR [SEED_DIR...] -max_total_time=300

(``make fuzz`` runs it with the seeds in tests/fixtures/readers and seeds/.)  Each input is
read as a file of each format (and once with the format sniffed), the way
``trialnlp extract`` reads files.  Bad input must come back as ``ReadError`` rows; any
exception, or a result breaking the invariants below, is a finding: libFuzzer saves the
input as ``crash-*`` and stops.
"""

from __future__ import annotations

import sys

import atheris

# Third-party modules are imported uninstrumented; only trialnlp's code is traced.
import bs4  # noqa: F401
import charset_normalizer  # noqa: F401
import defusedxml.ElementTree  # noqa: F401

with atheris.instrument_imports(include=["trialnlp"]):
    from trialnlp.readers import read_bytes
    from trialnlp.types import ReadError, SourceRecord

# (format forced, extension): None sniffs the format from the bytes, as for stdin.
TARGETS: tuple[tuple[str | None, str], ...] = (
    (None, ""),
    ("text", ".txt"),
    ("markdown", ".md"),
    ("html", ".html"),
    ("ctgov_xml", ".xml"),
    ("json", ".json"),
    ("jsonl", ".jsonl"),
    ("ctgov_v2", ".json"),
    ("csv", ".csv"),
    ("tsv", ".tsv"),
    ("aact", ".txt"),
)
ONE_RECORD_FORMATS = frozenset({"text", "markdown", "html", "ctgov_xml"})
NAME = "fuzz"


def check(results: list[SourceRecord | ReadError], fmt: str | None) -> None:
    """What every reader promises, whatever the bytes."""
    if fmt in ONE_RECORD_FORMATS:
        assert len(results) == 1, (fmt, results)
    for result in results:
        assert isinstance(result, SourceRecord | ReadError), result
        assert result.source.startswith(NAME), result.source
        if isinstance(result, ReadError):
            assert result.reason and "\n" not in result.reason, result  # one-line message
            result.reason.encode("utf-8")
        else:
            assert "\r" not in result.text, result.source
            result.text.encode("utf-8")  # no lone surrogates: spaCy and writers need UTF-8
            for warning in result.warnings:
                warning.encode("utf-8")


def test_one_input(data: bytes) -> None:
    for fmt, suffix in TARGETS:
        check(list(read_bytes(data, name=NAME + suffix, suffix=suffix, fmt=fmt)), fmt)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Directories, globs and stdin."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from trialnlp.readers import read_sources
from trialnlp.readers.inputs import skipped_files
from trialnlp.types import ReadError, SourceRecord

from .helpers import FIXTURES, fixture


def test_directory_is_walked_in_sorted_order_skipping_hidden_and_unknown_files() -> None:
    results = list(read_sources([fixture("tree")]))
    assert [Path(r.source).relative_to(FIXTURES).as_posix() for r in results] == [
        "tree/a/NCT00000001.md",
        "tree/a/z.json",
        "tree/b.txt",
    ]
    assert [r.trial_id for r in results] == ["NCT00000001", "NCT00000003", "NCT00000002"]


def test_the_files_a_walk_skips_are_listed() -> None:
    assert [p.relative_to(FIXTURES).as_posix() for p in skipped_files([fixture("tree")])] == [
        "tree/notes.bin"]  # (hidden files and folders are no input at all)
    assert skipped_files([fixture("tree") / "b.txt", "-"]) == []


def test_directory_without_known_files(tmp_path: Path) -> None:
    (tmp_path / "notes.bin").write_bytes(b"x")
    [error] = list(read_sources([tmp_path]))
    assert isinstance(error, ReadError) and error.source == str(tmp_path)
    assert "no files with a known extension" in error.reason


def test_glob_is_expanded_and_sorted() -> None:
    results = list(read_sources([str(FIXTURES / "stud*.json*")]))
    names = [Path(r.source.split(":line")[0].split("#")[0]).name for r in results]
    assert names == ["studies.json"] * 3 + ["studies.jsonl"] * 4 + ["study.json"]


def test_recursive_glob() -> None:
    results = list(read_sources([str(FIXTURES / "tree" / "**" / "*.md")]))
    assert [r.trial_id for r in results] == ["NCT00000001"]


def test_glob_without_matches() -> None:
    pattern = str(FIXTURES / "*.nothing")
    assert list(read_sources([pattern])) == [ReadError(pattern, "no files match this pattern")]


def test_a_single_path_is_one_input() -> None:
    assert len(list(read_sources(str(fixture("page.txt"))))) == 1
    assert len(list(read_sources(fixture("studies.json")))) == 3


def test_reading_is_lazy(tmp_path: Path) -> None:
    later = tmp_path / "later.txt"
    results = read_sources([fixture("page.txt"), later])
    first = next(results)
    assert isinstance(first, SourceRecord)
    later.write_text("NCT00000042 created after reading started")
    second = next(results)
    assert isinstance(second, SourceRecord) and second.trial_id == "NCT00000042"


def test_stdin_text(stdin: Callable[[bytes], None]) -> None:
    stdin(b"Inclusion Criteria:\r\n  - NCT ID: NCT01234567\r\n")
    [record] = list(read_sources(["-"]))
    assert isinstance(record, SourceRecord)
    assert (record.source, record.format, record.is_page) == ("<stdin>", "text", True)
    assert record.text == "Inclusion Criteria:\n  - NCT ID: NCT01234567\n"
    assert record.trial_id == "NCT01234567"


def test_stdin_text_without_an_id_is_named_stdin(stdin: Callable[[bytes], None]) -> None:
    stdin(b"Inclusion: adults")
    [record] = list(read_sources(["-"]))
    assert isinstance(record, SourceRecord) and record.trial_id == "stdin"


def test_stdin_jsonl_streams(stdin: Callable[[bytes], None]) -> None:
    lines = [json.dumps({"nct_id": f"NCT{n:08d}", "criteria": "x" * 200}) for n in range(1000)]
    stdin(("\n".join(lines) + "\n").encode())
    results = list(read_sources(["-"]))
    assert len(results) == 1000 and all(isinstance(r, SourceRecord) for r in results)
    assert results[-1].source == "<stdin>:line 1000" and results[-1].trial_id == "NCT00000999"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("page.html", "html"),
        ("study.json", "ctgov_v2"),
        ("NCT00001234.xml", "ctgov_xml"),
        ("eligibilities.txt", "aact"),
        ("trials.csv", "csv"),
        ("utf16be_bom.csv", "csv"),
        ("cp1252.txt", "text"),
    ],
)
def test_stdin_format_is_sniffed(stdin: Callable[[bytes], None], name: str, expected: str) -> None:
    stdin(fixture(name).read_bytes())
    results = list(read_sources(["-"]))
    assert results and all(isinstance(r, SourceRecord) and r.format == expected for r in results)


def test_stdin_binary_and_empty(stdin: Callable[[bytes], None]) -> None:
    stdin(fixture("scan.pdf").read_bytes())
    [error] = list(read_sources(["-"]))
    assert isinstance(error, ReadError) and error.source == "<stdin>" and "PDF" in error.reason
    stdin(b"")
    assert list(read_sources(["-"])) == [ReadError("<stdin>", "empty file")]


def test_stdin_as_a_text_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("NCT00000007 Inclusion: adults"))
    [record] = list(read_sources(["-"]))
    assert isinstance(record, SourceRecord) and record.trial_id == "NCT00000007"


def test_no_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    [error] = list(read_sources(["-"]))
    assert isinstance(error, ReadError) and "no standard input" in error.reason


def test_stdin_mixed_with_files(stdin: Callable[[bytes], None]) -> None:
    stdin(b"NCT00000011")
    results = list(read_sources([fixture("page.txt"), "-", fixture("notes.md")]))
    assert [r.trial_id for r in results] == ["NCT04512345", "NCT00000011", "notes"]

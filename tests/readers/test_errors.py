"""Bad input becomes ReadErrors; the batch goes on and nothing is dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialnlp.readers import read_sources
from trialnlp.types import ReadError, SourceRecord

from .helpers import errors_of, fixture, read_all


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("scan.pdf", "PDF document"),
        ("mislabelled.txt", "PDF document"),
        ("archive.zip", "zip archive"),
        ("image.png", "PNG image"),
        ("photo.jpg", "JPEG image"),
        ("trials.csv.gz", "gzip"),
        ("nul_bytes.json", "NUL bytes"),
        ("empty.txt", "empty file"),
        ("whitespace.txt", "only whitespace"),
    ],
)
def test_unreadable_files_give_one_error(name: str, words: str) -> None:
    results = read_all(name)
    assert len(results) == 1
    error = results[0]
    assert isinstance(error, ReadError)
    assert error.source == str(fixture(name))
    assert words in error.reason


def test_missing_file() -> None:
    [error] = list(read_sources(["does/not/exist.jsonl"]))
    assert error == ReadError("does/not/exist.jsonl", "no such file or directory")


def test_binary_file_in_the_middle_of_a_batch() -> None:
    results = read_all("page.txt", "scan.pdf", "notes.md")
    assert [type(r).__name__ for r in results] == ["SourceRecord", "ReadError", "SourceRecord"]


def test_bad_jsonl_lines() -> None:
    results = read_all("bad_lines.jsonl")
    assert len(results) == 7  # seven lines, seven results
    kinds = [(r.source.rsplit(":", 1)[1], type(r).__name__) for r in results]
    assert kinds == [
        ("line 1", "SourceRecord"),
        ("line 2", "ReadError"),
        ("line 3", "SourceRecord"),
        ("line 4", "ReadError"),
        ("line 5", "ReadError"),
        ("line 6", "ReadError"),
        ("line 7", "SourceRecord"),
    ]
    assert results[1].reason.startswith("invalid JSON:")  # type: ignore[union-attr]
    assert "got a number" in results[3].reason  # type: ignore[union-attr]
    assert "got a string" in results[4].reason  # type: ignore[union-attr]
    bad_text = results[5]
    assert isinstance(bad_text, ReadError)
    assert bad_text.reason == "field 'criteria' must be text, got list"
    assert bad_text.trial_id == "NCT06000006"
    assert results[6].text == "Inclusion: last line has no newline"  # type: ignore[union-attr]


def test_truncated_json() -> None:
    [error] = read_all("truncated.json")
    assert isinstance(error, ReadError)
    assert error.reason.startswith("invalid JSON: ") and "line 1, column" in error.reason


def test_json_of_the_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "numbers.json"
    path.write_text('[1, {"nct_id": "NCT00000001", "criteria": "x"}, null]')
    results = list(read_sources([path]))
    assert [type(r).__name__ for r in results] == ["ReadError", "SourceRecord", "ReadError"]
    assert results[2].source.endswith("numbers.json#3") and "null" in results[2].reason  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("malformed.xml", "invalid XML: mismatched tag"),
        ("wrong_root.xml", "root element is <rss>, expected <clinical_study>"),
        ("billion_laughs.xml", "entity-expansion"),
        ("external_entity.xml", "refused"),
    ],
)
def test_bad_xml(name: str, words: str) -> None:
    [error] = read_all(name)
    assert isinstance(error, ReadError) and words in error.reason


def test_billion_laughs_is_refused_quickly_and_not_expanded() -> None:
    [error] = read_all("billion_laughs.xml")
    assert isinstance(error, ReadError)
    assert "lol" not in error.reason


def test_unbalanced_quotes_resynchronise() -> None:
    results = read_all("unbalanced_quotes.csv")
    summary = [(r.source.rsplit(":", 1)[1], r.trial_id, type(r).__name__) for r in results]
    assert summary == [
        ("line 2", "NCT04000001", "SourceRecord"),
        ("line 3", None, "ReadError"),
        ("line 4", "NCT04000003", "SourceRecord"),
        ("line 5", "NCT04000004", "SourceRecord"),
        ("line 6", None, "ReadError"),
    ]
    assert "malformed CSV record" in results[1].reason  # type: ignore[union-attr]
    assert results[4].reason == "expected 3 fields as in the header, found 5"  # type: ignore[union-attr]


def test_an_unterminated_quote_does_not_swallow_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text('nct_id,criteria\nNCT1,"never closed\nNCT2,fine\nNCT3,also fine\n')
    results = list(read_sources([path]))
    assert [type(r).__name__ for r in results] == ["ReadError", "SourceRecord", "SourceRecord"]
    assert results[0].source.endswith(":line 2") and "malformed" in results[0].reason  # type: ignore[union-attr]


def test_lines_after_a_broken_multiline_record_join_its_error(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text(
        'nct_id,criteria,gender\nNCT1,"Inclusion:\n - age "over" 18\n - consent",All\n'
        'NCT2,"ok",Male\n'
    )
    results = list(read_sources([path]))
    assert [type(r).__name__ for r in results] == ["ReadError", "SourceRecord"]
    assert results[0].source.endswith("multi.csv:lines 2-4")
    assert results[1].trial_id == "NCT2"


def test_missing_text_column_is_one_error_naming_the_columns() -> None:
    [error] = read_all("missing_column.csv")
    assert isinstance(error, ReadError)
    assert "no criteria column" in error.reason
    assert "'nct_id', 'title', 'gender'" in error.reason


def test_a_named_column_that_is_absent() -> None:
    [error] = read_all("trials.csv", text_field="eligibility_text")
    assert isinstance(error, ReadError) and "'eligibility_text'" in error.reason
    [error] = read_all("trials.csv", id_field="trial_number")
    assert isinstance(error, ReadError) and "no id column 'trial_number'" in error.reason


def test_a_csv_with_only_a_header_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("nct_id,criteria\n\n")
    assert list(read_sources([path])) == []


def test_records_in_equal_records_out_plus_errors() -> None:
    """Every record in a mixed batch comes out exactly once, as a record or an error."""
    expected = {
        "page.txt": 1,
        "page.html": 1,
        "notes.md": 1,
        "study.json": 1,
        "studies.json": 3,
        "page.json": 2,
        "studies.jsonl": 4,
        "NCT00001234.xml": 1,
        "eligibilities.txt": 4,
        "trials.csv": 3,
        "trials.tsv": 2,
        "legacy.jsonl": 4,
        "flat.json": 3,
        "bad_lines.jsonl": 7,
        "unbalanced_quotes.csv": 5,
        "missing_column.csv": 1,
        "truncated.json": 1,
        "malformed.xml": 1,
        "billion_laughs.xml": 1,
        "scan.pdf": 1,
        "empty.txt": 1,
        "utf16be_bom.csv": 2,
        "cp1252.txt": 1,
        "latin1.csv": 2,
    }
    results = read_all(*expected)
    per_file: dict[str, int] = {}
    for result in results:
        name = Path(result.source.split(":line")[0].split("#")[0]).name
        per_file[name] = per_file.get(name, 0) + 1
    assert per_file == expected
    assert len(results) == sum(expected.values())
    assert len(errors_of(results)) == 12
    assert all(isinstance(r, SourceRecord | ReadError) for r in results)


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("NCT00000001")
    path.chmod(0)
    try:
        if path.open("rb"):  # running as root: permissions do not apply
            pytest.skip("file permissions are not enforced for this user")
    except PermissionError:
        [error] = list(read_sources([path]))
        assert isinstance(error, ReadError) and "cannot open" in error.reason
    finally:
        path.chmod(0o644)

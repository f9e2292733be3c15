"""read_source: the single-input entry point behind trialnlp.extract()."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialnlp.errors import InputError
from trialnlp.readers import read_source
from trialnlp.types import AgeLimit

from .helpers import fixture


def test_a_path_string_is_read_as_a_file() -> None:
    [record] = read_source(str(fixture("page.txt")))
    assert record.trial_id == "NCT04512345" and record.source == str(fixture("page.txt"))


def test_a_path_object_is_read_as_a_file() -> None:
    found = read_source(fixture("studies.json"))
    assert [r.trial_id for r in found] == ["NCT05923281", "NCT04000002", "NCT04000003"]


def test_a_directory_is_read_whole() -> None:
    assert len(read_source(fixture("tree"))) == 3


def test_other_strings_are_the_text_itself() -> None:
    text = "Inclusion Criteria:\r\n  - age >= 18\r\nNCT Number: NCT01234567\n"
    [record] = read_source(text)
    assert record.text == "Inclusion Criteria:\n  - age >= 18\nNCT Number: NCT01234567\n"
    assert (record.source, record.format, record.is_page) == ("<string>", "text", True)
    assert record.trial_id == "NCT01234567"


def test_a_string_without_an_id() -> None:
    [record] = read_source("Exclusion: pregnancy")
    assert record.trial_id is None and record.text == "Exclusion: pregnancy"


def test_an_empty_string_is_a_record_with_no_text() -> None:
    [record] = read_source("")
    assert record.text == ""


def test_a_string_with_fmt_html() -> None:
    [record] = read_source("<ul><li>adults</li><li>NCT00000001</li></ul>", fmt="html")
    assert record.format == "html" and record.text == "* adults\n* NCT00000001\n"


def test_a_string_with_fmt_jsonl() -> None:
    lines = "\n".join(json.dumps({"nct_id": f"NCT0000000{n}", "criteria": "x"}) for n in range(3))
    assert [r.trial_id for r in read_source(lines, fmt="jsonl")] == [
        "NCT00000000",
        "NCT00000001",
        "NCT00000002",
    ]


def test_a_v2_study_mapping() -> None:
    study = json.loads(fixture("study.json").read_text())
    [record] = read_source(study)
    assert (record.format, record.trial_id, record.source) == (
        "ctgov_v2",
        "NCT05923281",
        "<mapping>",
    )
    assert record.structured.minimum_age == AgeLimit(18.0, "a", "18 Years")


def test_a_flat_mapping_like_the_legacy_sample() -> None:
    line = fixture("legacy.jsonl").read_text().splitlines()[0]
    [record] = read_source(json.loads(line))
    assert record.trial_id == "NCT00000107"
    assert record.structured.healthy_volunteers is True
    assert record.text.startswith("\n        Inclusion Criteria:")


def test_a_flat_mapping_with_named_fields() -> None:
    [record] = read_source(
        {"code": "T1", "body": "Inclusion: adults"}, text_field="body", id_field="code"
    )
    assert (record.trial_id, record.text) == ("T1", "Inclusion: adults")


def test_a_mapping_without_an_id_warns() -> None:
    [record] = read_source({"criteria": "Inclusion: adults"})
    assert record.trial_id is None and "no trial id" in record.warnings[0]


def test_a_bad_mapping_raises() -> None:
    with pytest.raises(InputError, match="must be text"):
        read_source({"nct_id": "NCT00000001", "criteria": 42})
    with pytest.raises(InputError, match="protocolSection"):
        read_source({"protocolSection": []})


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (fixture("scan.pdf"), "PDF document"),
        (fixture("empty.txt"), "empty file"),
        (fixture("missing_column.csv"), "no criteria column"),
        (fixture("billion_laughs.xml"), "entity-expansion"),
        (Path("no/such/file.json"), "no such file"),
        ("no/such/file.json", "no such file"),
        ("trials_2024.csv", "looks like a file name"),
    ],
)
def test_unreadable_inputs_raise_input_error(source: str | Path, words: str) -> None:
    with pytest.raises(InputError) as caught:
        read_source(source)
    assert words in caught.value.reason
    assert str(caught.value).startswith(str(caught.value.source))


def test_an_error_inside_a_batch_file_names_the_record() -> None:
    with pytest.raises(InputError) as caught:
        read_source(fixture("bad_lines.jsonl"))
    assert caught.value.source.endswith("bad_lines.jsonl:line 2")


def test_wrong_types() -> None:
    with pytest.raises(TypeError):
        read_source(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown format"):
        read_source("text", fmt="pdf")


@pytest.fixture(scope="module")
def empty_cwd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Run in an empty directory, so generated strings like '.' name nothing to read."""
    previous = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(previous)


@pytest.mark.usefixtures("empty_cwd")
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_read_source_on_any_text_raises_nothing_but_input_error(text: str) -> None:
    if text.strip() and os.path.exists(text):  # "/" and friends would read the file system
        return
    try:
        found = read_source(text)
    except InputError:
        return
    assert len(found) == 1 and found[0].source == "<string>"
    assert "\r" not in found[0].text

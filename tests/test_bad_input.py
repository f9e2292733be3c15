"""One test per class of bad input, end to end through ``trialnlp extract``.

Each class checks (a) the message: one line naming the file (and the record, where there
is one) and what is wrong; (b) the exit code of a single input (``EXIT_INPUT`` when nothing
could be read, 0 when the input was read with warnings); (c) nothing is lost: in a batch,
records in = trial rows out (ok + error, read back from the written tables), the run goes
on, and the summary counts the errors.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import os
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

import trialnlp
from trialnlp.cli import app
from trialnlp.criteria.splitter import clean_text
from trialnlp.errors import EXIT_INPUT, EXIT_OK, EXIT_PARTIAL, InputError
from trialnlp.export.safety import FORMULA_TRIGGERS
from trialnlp.readers import read_sources
from trialnlp.types import ReadError

runner = CliRunner()

GOOD = "Inclusion Criteria:\n- Adults aged 18 to 75 years\n- Signed informed consent\n"
SUMMARY = re.compile(r"^(\d+) trials, (\d+) criteria, (\d+) constraints, (\d+) errors in ", re.M)


# -- helpers ------------------------------------------------------------------------------


def extract(*args: str | Path) -> Result:
    """``trialnlp extract ARGS --jobs 1`` in this process."""
    return runner.invoke(app, ["extract", "--jobs", "1", *map(str, args)])


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("trialnlp: error: ")]


def summary(result: Result) -> tuple[int, int]:
    """(ok trials, error rows) from the summary line on standard error."""
    match = SUMMARY.search(result.stderr)
    assert match is not None, result.stderr
    return int(match[1]), int(match[4])


def table(out: Path, name: str) -> list[dict[str, str]]:
    with (out / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def single_error(path: Path, tmp_path: Path) -> str:
    """Extract one bad file; checks exit 1, one error line; returns the reason after the path."""
    result = extract(path, "-o", tmp_path / "single")
    assert result.exit_code == EXIT_INPUT, result.output
    [line] = error_lines(result)
    prefix = f"trialnlp: error: {path}"
    assert line.startswith(prefix), line
    assert summary(result) == (0, 1)
    [row] = table(tmp_path / "single", "trials")
    assert row["status"] == "error" and row["source"] == line[len("trialnlp: error: "):].split(
        ": ", 1)[0]
    return line[len(prefix):]


def write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def jsonl(path: Path, *records: dict[str, Any]) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in records))


def check_batch(tmp_path: Path, inputs: list[Path], ok: int, errors: int) -> list[dict[str, str]]:
    """Run a batch; checks rows out = ok + errors, the summary, exit 0 and 3 with --strict."""
    out = tmp_path / "batch"
    result = extract(*inputs, "-o", out)
    assert result.exit_code == EXIT_OK, result.output
    assert summary(result) == (ok, errors)
    rows = table(out, "trials")
    assert len(rows) == ok + errors
    assert [r["status"] for r in rows].count("error") == errors
    assert len(error_lines(result)) == errors  # every error named on standard error
    strict = extract(*inputs, "-o", tmp_path / "strict", "--strict", "--quiet")
    assert strict.exit_code == (EXIT_PARTIAL if errors else EXIT_OK)
    return rows


def walk_offsets(trial: trialnlp.Trial) -> Iterator[str]:
    """Every criterion and constraint text, checked against the offsets it reports."""
    for criterion in trial.iter_criteria():
        assert clean_text(trial.text[criterion.start : criterion.end]) == criterion.text
        yield criterion.text
        for constraint in criterion.constraints:
            if constraint.start is not None and constraint.end is not None:
                assert trial.text[constraint.start : constraint.end] == constraint.text


# -- empty and whitespace-only text -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\t \r\n  ", "empty file (only whitespace)"),
        ("blank.jsonl", b"\n\n   \n", "empty file (only whitespace)"),
        ("blank.html", b"<html><body><p> </p><script>x()</script></body></html>",
         "the HTML page has no visible text"),
    ],
)
def test_empty_input_is_one_error(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = write(tmp_path / name, data)
    assert single_error(path, tmp_path) == f": {reason}"


def test_empty_records_in_a_batch(tmp_path: Path) -> None:
    """An empty file is an error row; a record with empty criteria is a trial with a warning."""
    data = jsonl(tmp_path / "data.jsonl", {"nct_id": "NCT1", "criteria": ""},
                 {"nct_id": "NCT2", "criteria": " \n\t "}, {"nct_id": "NCT3", "criteria": GOOD})
    inputs = [write(tmp_path / "empty.txt", b""), data, write(tmp_path / "blank.md", b"\n \n")]
    rows = check_batch(tmp_path, inputs, ok=3, errors=2)
    assert [(r["trial_id"], r["status"]) for r in rows] == [
        (str(inputs[0]), "error"), ("NCT1", "ok"), ("NCT2", "ok"), ("NCT3", "ok"),
        (str(inputs[2]), "error")]
    assert "no eligibility text" in rows[1]["warnings"] and rows[1]["n_criteria"] == "0"
    assert "no eligibility text" in rows[2]["warnings"]


def test_empty_text_through_the_api() -> None:
    """Text given as a string is the criteria themselves: empty text is a trial, not a file."""
    assert trialnlp.extract("").warnings == ("no eligibility text",)
    assert trialnlp.extract(" \n\t").criteria == []


def test_records_whose_text_is_no_string_are_error_rows() -> None:
    """A SourceRecord built by hand from bad data (text None or a number) becomes an error
    trial that names the problem; the records around it are parsed."""
    from trialnlp.pipeline import parse_records
    from trialnlp.types import SourceRecord

    records = [SourceRecord(text=None, source="api", format="jsonl", trial_id="A"),  # type: ignore[arg-type]
               SourceRecord(text="Inclusion Criteria:\n- Age 18 or older", source="api",
                            format="jsonl", trial_id="B"),
               SourceRecord(text=12, source="api", format="jsonl", trial_id="C")]  # type: ignore[arg-type]
    trials = list(parse_records(records))
    assert [(t.trial_id, t.status) for t in trials] == [("A", "error"), ("B", "ok"),
                                                        ("C", "error")]
    assert trials[0].error == "record text is NoneType, not a string"
    assert trials[2].error == "record text is int, not a string"
    assert [c.kind for c in trials[1].iter_constraints()] == ["age"]


def test_a_hand_built_record_with_a_lone_surrogate_is_parsed() -> None:
    """Readers replace lone surrogates; parse_records does the same for records built by
    hand, instead of spaCy's tokenizer raising UnicodeEncodeError mid-batch."""
    from trialnlp.pipeline import parse_records
    from trialnlp.types import SourceRecord

    record = SourceRecord(text="Inclusion Criteria:\n- Age 18 or older \udcff\n",
                          source="api", format="text", trial_id="S")
    (trial,) = parse_records([record])
    assert trial.status == "ok" and "\ufffd" in trial.text
    assert len(trial.text) == len(record.text)  # offsets still hold
    assert [c.kind for c in trial.iter_constraints()] == ["age"]
    assert any("surrogate" in w for w in trial.warnings)


# -- binary files given by mistake --------------------------------------------------------

BINARIES = [
    ("scan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
     "a PDF document"),
    ("scan.txt", b"%PDF-1.7\n\x00\x01\x02 stream", "a PDF document"),  # mislabelled
    ("criteria.docx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00word/document.xml", "a zip archive"),
    ("trials.zip", b"PK\x05\x06" + b"\x00" * 18, "an empty zip archive"),
    ("chart.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "a PNG image"),
    ("trials.csv", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "gzip-compressed data"),
    ("dump.json", b'{"a": 1}\x00\x00\x00\x07\x00\x00', "binary data (it contains NUL bytes)"),
]


@pytest.mark.parametrize(("name", "data", "kind"), BINARIES)
def test_binary_file_is_named_as_such(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    path = write(tmp_path / name, data)
    reason = single_error(path, tmp_path)
    assert reason.startswith(f": not a text file: it looks like {kind}"), reason
    assert "decoded as" not in reason  # not read as garbage text with a decoding warning


def test_binary_files_in_a_batch_leave_the_rest(tmp_path: Path) -> None:
    inputs = [write(tmp_path / f"{n}_{name}", data) for n, (name, data, _) in enumerate(BINARIES)]
    inputs.insert(3, write(tmp_path / "good.txt", GOOD))
    rows = check_batch(tmp_path, inputs, ok=1, errors=len(BINARIES))
    assert [r["status"] for r in rows][3] == "ok"
    assert all("not a text file" in r["error"] for r in rows if r["status"] == "error")
    assert sum(1 for _ in table(tmp_path / "batch", "criteria")) == 2


def test_files_a_directory_walk_skips_are_named(tmp_path: Path) -> None:
    # a folder is read by extension; what it leaves out is said, even with --quiet
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "good.txt", GOOD)
    write(folder / "scan.pdf", b"%PDF-1.4 not read")
    result = extract(folder, "-o", tmp_path / "out", "--quiet")
    assert result.exit_code == EXIT_OK
    assert f"trialnlp: skipped 1 file(s) in the input directories with no known extension: " \
        f"{folder / 'scan.pdf'}" in result.stderr
    named = extract(folder / "good.txt", "-o", tmp_path / "out2", "--quiet")
    assert "skipped" not in named.stderr


def test_binary_on_standard_input() -> None:
    result = runner.invoke(app, ["extract", "-", "--quiet"], input=b"\x89PNG\r\n\x1a\nxxxx")
    assert result.exit_code == EXIT_INPUT
    assert error_lines(result) == ["trialnlp: error: <stdin>: not a text file: it looks like "
                                   "a PNG image"]


# -- encodings ----------------------------------------------------------------------------

ACCENTED = ("Inclusion Criteria:\n- Patients naïve to therapy, café-au-lait spots allowed\n"
            "- Creatinine clearance ≥ 60 mL/min – Cockcroft’s formula\n")


@pytest.mark.parametrize(
    ("encoding", "bom", "warning"),
    [
        ("cp1252", b"", "decoded as cp1252 (not valid UTF-8)"),
        ("latin-1", b"", "decoded as cp1252 (not valid UTF-8)"),  # same letters above 0xA0
        ("utf-16-le", codecs.BOM_UTF16_LE, None),
        ("utf-16-be", codecs.BOM_UTF16_BE, None),
        ("utf-8", codecs.BOM_UTF8, None),
    ],
)
def test_encodings_are_decoded_right(tmp_path: Path, encoding: str, bom: bytes,
                                     warning: str | None) -> None:
    text = ACCENTED
    if encoding in ("cp1252", "latin-1"):
        text = text.replace("≥", ">=")  # not in either code page
    if encoding == "latin-1":
        text = text.replace("–", "-").replace("’", "'")  # cp1252-only punctuation
    path = write(tmp_path / "page.txt", bom + text.encode(encoding))
    out = tmp_path / "out"
    result = extract(path, "-o", out)
    assert result.exit_code == EXIT_OK, result.output
    [row] = table(out, "trials")
    assert row["status"] == "ok"
    assert (warning in row["warnings"]) if warning else "decoded as" not in row["warnings"]
    criteria = [r["text"] for r in table(out, "criteria")]
    assert criteria == [line[2:] for line in text.splitlines()[1:]]
    [trial] = trialnlp.extract_many(path)
    assert trial.text == text
    assert list(walk_offsets(trial)) == criteria


def test_mixed_encodings_in_a_csv_batch(tmp_path: Path) -> None:
    utf16 = write(tmp_path / "a.csv", codecs.BOM_UTF16_LE + (
        "nct_id,criteria\nNCT1,Inclusion: naïve ≥ 18\n").encode("utf-16-le"))
    cp1252 = write(tmp_path / "b.csv", "nct_id,criteria\nNCT2,Inclusion: naïve – 18\n"
                   "NCT3,Exclusion: café\n".encode("cp1252"))
    rows = check_batch(tmp_path, [utf16, cp1252], ok=3, errors=0)
    assert [r["warnings"] for r in rows] == [
        "", "decoded as cp1252 (not valid UTF-8)", "decoded as cp1252 (not valid UTF-8)"]
    texts = [r["text"] for r in table(tmp_path / "batch", "criteria")]
    assert texts == ["naïve ≥ 18", "naïve – 18", "café"]


# -- HTML with script and style ------------------------------------------------------------

HOSTILE_HTML = """<!doctype html><html><head>
<title>Study</title>
<style>li::before { content: "Inclusion Criteria: - STYLE"; }</style>
<script>var page = "<h2>Inclusion Criteria</h2><ul><li>SCRIPT</li></ul>";</script>
</head><body>
<h2>Inclusion Criteria</h2>
<ul>
  <li>Adults<script>document.write("<li>SCRIPT2</li>")</script></li>
  <li>Signed <style>.x{}</style>consent</li>
  <li>&lt;script&gt; is text here</li>
</ul>
<noscript>NOSCRIPT enable JavaScript</noscript><template><li>TEMPLATE</li></template>
<!-- <li>COMMENT</li> -->
<h2>Exclusion Criteria</h2>
<ul><li>Pregnancy</li></ul>
<script src="x.js">SCRIPT3
"""


def test_script_and_style_never_become_criteria(tmp_path: Path) -> None:
    path = write(tmp_path / "page.html", HOSTILE_HTML)
    out = tmp_path / "out"
    result = extract(path, "-o", out)
    assert result.exit_code == EXIT_OK, result.output
    texts = [r["text"] for r in table(out, "criteria")]
    assert texts == ["Adults", "Signed consent", "<script> is text here", "Pregnancy"]
    [trial] = trialnlp.extract_many(path)
    for word in ("SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "COMMENT", "document.write"):
        assert word not in trial.text
    assert list(walk_offsets(trial)) == texts


# -- a 50 MB text -------------------------------------------------------------------------

LIMIT = 1_000_000  # the default per-record limit (the pipeline's max length)


@pytest.fixture(scope="module")
def huge_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 50 MB page, written line by line (the test never holds it as one string)."""
    path = tmp_path_factory.mktemp("huge") / "huge.txt"
    line = b"- Adults with ALT < 2.5 x ULN and platelets > 100,000/uL, signed consent\n"
    with path.open("wb") as handle:
        handle.write(b"Inclusion Criteria:\n")
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    return path


def test_a_50mb_text_is_refused_naming_the_limit(tmp_path: Path, huge_text: Path) -> None:
    size = huge_text.stat().st_size
    assert size > 50 * 1024 * 1024
    reason = single_error(huge_text, tmp_path)
    assert f"text is {size:,} characters" in reason  # ASCII: one character per byte
    assert f"over the limit of {LIMIT:,}" in reason


def test_a_50mb_text_in_a_batch(tmp_path: Path, huge_text: Path) -> None:
    good = write(tmp_path / "good.txt", GOOD)
    rows = check_batch(tmp_path, [good, huge_text, good], ok=2, errors=1)
    assert rows[1]["source"] == str(huge_text) and f"{LIMIT:,}" in rows[1]["error"]


# -- malformed JSON, JSONL, XML, CSV ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("study.json", '{"nct_id": "NCT1", "criteria": "x",}',
         ": invalid JSON: expecting property name enclosed in double quotes (line 1, column 36)"),
        ("list.json", '[{"nct_id": "NCT1"', ": invalid JSON: expecting ',' delimiter (line 1, "
         "column 19)"),
        ("one.jsonl", '{"nct_id": "NCT1", "criteria": "x"\n',
         ":line 1: invalid JSON: expecting ',' delimiter (column 35)"),
        ("study.xml", "<clinical_study><eligibility></clinical_study>",
         ": invalid XML: mismatched tag: line 1, column 31"),
        ("page.xml", "<?xml version='1.0'?><rss><item/></rss>",
         ": root element is <rss>, expected <clinical_study>"),
        ("cols.csv", "nct_id,title\nNCT1,A trial\n",
         ": no criteria column: expected one of 'criteria', 'eligibilityCriteria', "
         "'eligibility_criteria', 'eligibility' in the header; columns present: 'nct_id', "
         "'title'"),
        ("quote.csv", 'nct_id,criteria\nNCT1,"Inclusion: never closed\n',
         ":line 2: malformed CSV record: unexpected end of data"),
        ("short.csv", "nct_id,criteria,gender\nNCT1,Inclusion: adults\n",
         ":line 2: expected 3 fields as in the header, found 2"),
    ],
)
def test_malformed_document_is_one_clear_error(tmp_path: Path, name: str, data: str,
                                               reason: str) -> None:
    path = write(tmp_path / name, data)
    assert single_error(path, tmp_path) == reason


def test_malformed_records_in_a_batch(tmp_path: Path) -> None:
    lines = write(tmp_path / "data.jsonl", "\n".join([
        json.dumps({"nct_id": "NCT1", "criteria": GOOD}),
        '{"nct_id": "NCT2", "criteria": ',  # cut
        "[1, 2",  # not an object, and cut
        json.dumps({"nct_id": "NCT4", "criteria": ["a", "b"]}),  # text field is a list
        json.dumps({"nct_id": "NCT5", "title": "no criteria field"}),  # read, with a warning
        json.dumps({"nct_id": "NCT6", "criteria": GOOD}),
    ]))
    table_csv = write(tmp_path / "data.csv", (
        'nct_id,criteria,gender\n'
        'NCT7,"Inclusion:\n- adults\n- ""quoted"" consent",All\n'  # embedded newlines: fine
        'NCT8,"Inclusion: "broken" quote,All\n'  # malformed; parsing resumes after it
        'NCT11,Inclusion: children,Female\n'
        'NCT9,Exclusion: pregnancy\n'  # a field missing
        'NCT10,Exclusion: smokers,Male,extra\n'))  # one too many
    xml = write(tmp_path / "bad.xml", "<clinical_study><eligibility>")
    rows = check_batch(tmp_path, [lines, table_csv, xml], ok=5, errors=7)
    by_id = {r["trial_id"]: r for r in rows if r["status"] == "ok"}
    assert sorted(by_id) == ["NCT1", "NCT11", "NCT5", "NCT6", "NCT7"]
    assert "no criteria field" in by_id["NCT5"]["warnings"]
    errors = [(r["source"].replace(str(tmp_path) + os.sep, ""), r["error"].split(":")[0])
              for r in rows if r["status"] == "error"]
    assert errors == [
        ("data.jsonl:line 2", "invalid JSON"),
        ("data.jsonl:line 3", "invalid JSON"),
        ("data.jsonl:line 4", "field 'criteria' must be text, got list"),
        ("data.csv:line 5", "malformed CSV record"),
        ("data.csv:line 7", "expected 3 fields as in the header, found 2"),
        ("data.csv:line 8", "expected 3 fields as in the header, found 4"),
        ("bad.xml", "invalid XML"),
    ]
    criteria = {r["text"] for r in table(tmp_path / "batch", "criteria") if r["trial_id"] == "NCT7"}
    assert criteria == {"adults", '"quoted" consent'}


# -- XML entity expansion and external entities -------------------------------------------

BILLION_LAUGHS = "".join(
    [
        '<?xml version="1.0"?>\n<!DOCTYPE clinical_study [\n  <!ENTITY lol "lol">\n',
        *(f'  <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
          for n in range(1, 10)),
        "]>\n<clinical_study><eligibility><criteria><textblock>&lol9;</textblock></criteria>"
        "</eligibility></clinical_study>\n",
    ]
)
QUADRATIC = ('<?xml version="1.0"?>\n<!DOCTYPE clinical_study [<!ENTITY a "' + "x" * 50_000
             + '">]>\n<clinical_study><eligibility><criteria><textblock>' + "&a;" * 5_000
             + "</textblock></criteria></eligibility></clinical_study>\n")
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE clinical_study [<!ENTITY secret SYSTEM '
            '"file:///etc/passwd">]>\n<clinical_study><eligibility><criteria><textblock>'
            "&secret;</textblock></criteria></eligibility></clinical_study>\n")
PARAMETER = ('<?xml version="1.0"?>\n<!DOCTYPE clinical_study [<!ENTITY % ext SYSTEM '
             '"http://example.invalid/x.dtd"> %ext;]>\n<clinical_study/>\n')


@pytest.mark.parametrize("document", [BILLION_LAUGHS, QUADRATIC, EXTERNAL, PARAMETER],
                         ids=["billion-laughs", "quadratic", "external-entity", "parameter"])
def test_entity_attacks_are_refused_without_expanding(tmp_path: Path, document: str) -> None:
    path = write(tmp_path / "attack.xml", document)
    tracemalloc.start()
    try:
        [error] = read_sources([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, ReadError)
    assert error.reason == ("refused: the XML declares entities (possible entity-expansion "
                            "attack)")
    assert peak < 10 * len(document) + 2_000_000  # never the expanded gigabytes
    assert single_error(path, tmp_path) == f": {error.reason}"
    assert "root:" not in error.reason and "lol" not in error.reason


def test_entity_attack_in_a_batch(tmp_path: Path) -> None:
    inputs = [write(tmp_path / "a.xml", BILLION_LAUGHS), write(tmp_path / "b.txt", GOOD),
              write(tmp_path / "c.xml", EXTERNAL)]
    rows = check_batch(tmp_path, inputs, ok=1, errors=2)
    assert [r["status"] for r in rows] == ["error", "ok", "error"]


# -- odd numbers inside criteria ----------------------------------------------------------

ODD_NUMBERS = (
    "Inclusion Criteria:\n"
    "- ALT < 1e309 x ULN\n- AST <= NaN x ULN\n- Creatinine < ..5 mg/dL\n"
    "- Hemoglobin > 1.2.3 g/dL\n- Platelets < inf /uL\n- Bilirubin <= 1e-400 mg/dL\n"
    "- Age > 99999999999999999999999999999999999999 years\n- Weight >= -inf kg\n"
    "- Potassium < Infinity mmol/L and sodium > 1e+308 mmol/L\n- BMI <= 10^999 kg/m2\n"
    f"- Glucose < {'9' * 400}.5 mg/dL\n"
)
NUMERIC_FIELDS = ("value", "value_max", "dose_value", "dose_value_max")


def _no_constants(name: str) -> float:
    raise AssertionError(f"JSON output holds {name}")


def test_odd_numbers_give_finite_values_and_valid_json(tmp_path: Path) -> None:
    data = jsonl(tmp_path / "odd.jsonl", {"nct_id": "NCT1", "criteria": ODD_NUMBERS},
                 {"nct_id": "NCT2", "criteria": GOOD})
    out = tmp_path / "out.json"
    result = extract(data, "-o", out)
    assert result.exit_code == EXIT_OK, result.output
    assert summary(result) == (2, 0)
    trials = json.loads(out.read_text(encoding="utf-8"), parse_constant=_no_constants)
    assert [len(t["criteria"]) for t in trials] == [11, 2]
    numbers = [c[field] for t in trials for criterion in t["criteria"]
               for c in criterion["constraints"] for field in NUMERIC_FIELDS if c[field] is not None]
    assert all(math.isfinite(n) for n in numbers)
    jsonl_out = extract(data, "--quiet")
    for line in jsonl_out.stdout.splitlines():
        json.loads(line, parse_constant=_no_constants)
    [trial] = trialnlp.extract_many(write(tmp_path / "odd.txt", ODD_NUMBERS))
    assert len(list(walk_offsets(trial))) == 11
    # E notation is no number to read, not "1" (regression: "ALT < 1e309" gave ALT < 1).
    for index in (0, 5):
        criterion = trial.criteria[index]
        assert "e" in criterion.text and all(c.value is None for c in criterion.constraints)
    for constraint in (c for criterion in trial.iter_criteria() for c in criterion.constraints):
        for field in NUMERIC_FIELDS:
            value = getattr(constraint, field)
            assert value is None or math.isfinite(value), constraint
        if constraint.window is not None and constraint.window.amount is not None:
            assert math.isfinite(constraint.window.amount)


# -- control characters, zero-width and bidi characters ----------------------------------

ODD_CHARACTERS = (
    "Inclusion Criteria:\n"
    "- A\x00ge \x01\x02 >= 18\x7f years\x1b[31m\n"
    "- \u202eALT\u202c < 2.5\ufeff x ULN\u200d\n"
    "- Plate\u200blets > 100\u2066000\u2069 /uL\x0b\x0c\n"
    "- \u200e\u200fSigned\u00ad consent\u2028form\n"
    "Exclusion Criteria:\n"
    "- \ufeffPregnancy\x1f\x1e\u2029\n"
)


def _xlsx_texts(path: Path, sheet: str, column: str) -> list[Any]:
    rows = list(load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    index = rows[0].index(column)
    return [row[index] for row in rows[1:]]


def test_control_characters_keep_offsets_and_tables_readable(tmp_path: Path) -> None:
    data = jsonl(tmp_path / "odd.jsonl", {"nct_id": "NCT1", "criteria": ODD_CHARACTERS},
                 {"nct_id": "NCT\x002", "criteria": GOOD})
    text_file = write(tmp_path / "odd.txt", ODD_CHARACTERS.replace("\x00", ""))  # NUL: binary
    trials = list(trialnlp.extract_many([data, text_file]))
    assert [t.status for t in trials] == ["ok", "ok", "ok"]
    texts = list(walk_offsets(trials[0]))
    assert len(texts) == 5 and len(list(walk_offsets(trials[2]))) == 5
    for fmt in ("csv", "xlsx", "json", "parquet"):
        out = tmp_path / f"out.{fmt}" if fmt != "csv" else tmp_path / "csv"
        result = extract(data, "-o", out)
        assert result.exit_code == EXIT_OK, (fmt, result.output)
        assert summary(result) == (2, 0)
        if fmt == "csv":
            written = [r["text"] for r in table(out, "criteria")][:5]
            frame = pd.read_csv(out / "criteria.csv", encoding="utf-8-sig")  # C parser
            assert frame["text"].tolist()[:5] == written
            assert [r["trial_id"] for r in table(out, "trials")] == ["NCT1", "NCT\ufffd2"]
            expected = [t.replace("\x00", "\ufffd") for t in texts]
        elif fmt == "xlsx":
            written = _xlsx_texts(out, "criteria", "text")[:5]
            expected = [re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", t) for t in texts]
            assert _xlsx_texts(out, "trials", "trial_id") == ["NCT1", "NCT\ufffd2"]
        elif fmt == "json":
            loaded = json.loads(out.read_text(encoding="utf-8"))
            written = [c["text"] for c in loaded[0]["criteria"]]
            expected = texts  # JSON keeps the text exactly
            assert loaded[1]["trial_id"] == "NCT\x002"
        else:
            written = pd.read_parquet(out)["text"].tolist()[:5]
            expected = texts
        assert [len(t) for t in written] == [len(t) for t in expected], fmt
        assert written == expected, fmt


@pytest.mark.parametrize("space", ["\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u2003",
                                   "\u2028", "\u3000", " \x0c "])
def test_a_line_of_unusual_whitespace_is_a_blank_line(space: str) -> None:
    """Regression (found by tests/test_properties.py): such a line crashed the splitter
    with an IndexError; a criterion ending in one kept its trailing separator."""
    trial = trialnlp.extract(f"Inclusion Criteria:\n1. Adults;{space}\n{space}\n2. Consent\n")
    assert trial.status == "ok"
    assert [c.text for c in trial.criteria] == ["Adults", "Consent"]
    assert list(walk_offsets(trial)) == ["Adults", "Consent"]


def test_lone_surrogates_from_json_escapes(tmp_path: Path) -> None:
    """``"\\ud800"`` parses to a lone surrogate that spaCy and UTF-8 writers refuse."""
    data = write(tmp_path / "s.jsonl", '{"nct_id": "NCT1\\udfff", "criteria": '
                 '"Inclusion Criteria:\\n- ALT \\ud800< 2.5 x ULN\\n- adults"}\n'
                 '{"nct_id": "NCT2", "criteria": "- \\ud83d\\ude00 paired is fine"}\n')
    out = tmp_path / "out"
    result = extract(data, "-o", out)
    assert result.exit_code == EXIT_OK, result.output
    rows = table(out, "trials")
    assert [(r["trial_id"], r["status"]) for r in rows] == [("NCT1\ufffd", "ok"), ("NCT2", "ok")]
    assert "lone surrogate" in rows[0]["warnings"] and not rows[1]["warnings"]
    assert [r["text"] for r in table(out, "criteria")] == [
        "ALT \ufffd< 2.5 x ULN", "adults", "\U0001f600 paired is fine"]
    trial = trialnlp.extract("Inclusion Criteria:\n- a\udc80b\n")
    assert trial.status == "ok" and [c.text for c in trial.criteria] == ["a\ufffdb"]


# -- formula injection --------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.invalid","click")', "+1+cmd|' /C calc'!A0", "-2+3",
            "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def test_formula_cells_are_neutralised_in_spreadsheets_only(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """Cells that are not criterion text: trial ids, sources (file names), headings."""
    monkeypatch.chdir(tmp_path)
    names = []
    for number, formula in enumerate(FORMULAS):
        name = f"{formula.replace('/', '_')}.txt"
        write(tmp_path / name, f"{formula}:\n- criterion {number}\n- {formula}\n")
        names.append(name)
    records = jsonl(tmp_path / "ids.jsonl",
                    *({"nct_id": f, "criteria": f"Inclusion Criteria:\n- {f.strip()}"}
                      for f in FORMULAS[:4]))
    inputs = [*names, records.name]
    csv_run = extract("-o", "csv", "--", *inputs)
    assert csv_run.exit_code == EXIT_OK, csv_run.output
    assert summary(csv_run) == (10, 0)
    cells = [value for name in ("trials", "criteria", "constraints")
             for row in table(tmp_path / "csv", name) for value in row.values()]
    dangerous = [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    assert dangerous == []
    trial_ids = [r["trial_id"] for r in table(tmp_path / "csv", "trials")]
    assert trial_ids[:6] == ["'" + Path(n).stem for n in names]
    assert trial_ids[6:] == ["'" + f for f in FORMULAS[:4]]
    headings = {r["heading"] for r in table(tmp_path / "csv", "criteria")}
    assert "'" + FORMULAS[0] in headings
    # XLSX: the text kept, every such cell typed as a string (never a formula).
    assert extract("-o", "out.xlsx", "--quiet", "--", *inputs).exit_code == EXIT_OK
    book = load_workbook(tmp_path / "out.xlsx")
    typed = [(cell.value, cell.data_type) for sheet in book for row in sheet.iter_rows()
             for cell in row if isinstance(cell.value, str)]
    assert all(kind == "s" for _, kind in typed)
    assert {v for v, _ in typed} >= {*FORMULAS[:4], names[0]}
    # JSON, JSONL and Parquet: untouched.
    assert extract("-o", "out.json", "--quiet", "--", *inputs).exit_code == EXIT_OK
    loaded = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [t["trial_id"] for t in loaded][6:] == FORMULAS[:4]
    assert [t["source"] for t in loaded][:6] == names
    jsonl_run = extract(records, "--quiet")
    assert [json.loads(line)["criteria"][0]["text"] for line in jsonl_run.stdout.splitlines()] \
        == [f.strip() for f in FORMULAS[:4]]
    assert extract("-o", "pq", "--format", "parquet", "--quiet", "--", *inputs).exit_code == EXIT_OK
    frame = pd.read_parquet(tmp_path / "pq" / "trials.parquet")
    assert frame["trial_id"].tolist()[6:] == FORMULAS[:4]


# -- everything at once -------------------------------------------------------------------


def test_every_bad_class_in_one_batch(tmp_path: Path, huge_text: Path) -> None:
    inputs = [
        write(tmp_path / "01.txt", b""),
        write(tmp_path / "02.pdf", BINARIES[0][1]),
        write(tmp_path / "03.txt", ACCENTED.replace("≥", ">=").encode("cp1252")),
        write(tmp_path / "04.txt", codecs.BOM_UTF16_LE + ACCENTED.encode("utf-16-le")),
        write(tmp_path / "05.html", HOSTILE_HTML),
        huge_text,
        write(tmp_path / "07.jsonl", '{"nct_id": "NCT7", "criteria": "x"}\n{"nct_id": \n'),
        write(tmp_path / "08.xml", BILLION_LAUGHS),
        write(tmp_path / "09.txt", ODD_NUMBERS),
        jsonl(tmp_path / "10.jsonl", {"nct_id": "NCT10", "criteria": ODD_CHARACTERS}),
        write(tmp_path / "11.csv", 'nct_id,criteria\nNCT11,"open\nNCT12,fine\n'),
    ]
    rows = check_batch(tmp_path, inputs, ok=7, errors=6)
    assert len(rows) == 13
    api = list(trialnlp.extract_many(inputs))
    assert [t.status for t in api] == [r["status"] for r in rows]
    with pytest.raises(InputError, match="empty file"):
        trialnlp.extract(inputs[0])

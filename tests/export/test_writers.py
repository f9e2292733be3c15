from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

import trialnlp
from trialnlp.export import write_trials
from trialnlp.export.safety import neutralise
from trialnlp.trial import COLUMNS

TEXT = (
    "Inclusion Criteria:\n"
    "* =HYPERLINK(\"http://x\",\"click\")\n"
    "* +1 dose, \"quoted\" text, and ünïcödé ≥ 2.5 × ULN\n"
    "* @SUM(A1)\n"
    "Exclusion Criteria:\n"
    "* pregnancy\n"
)


@pytest.fixture()
def trial() -> trialnlp.Trial:
    return trialnlp.extract(TEXT, trial_id="NCT00000001")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@x", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("plain") == "plain" and neutralise(3) == 3


def test_csv_round_trip_is_faithful_and_safe(tmp_path, trial) -> None:
    write_trials([trial], tmp_path / "out")
    raw = (tmp_path / "out" / "criteria.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs read UTF-8
    with (tmp_path / "out" / "criteria.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = [row["text"] for row in rows]
    assert texts[0] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert texts[1] == "'+1 dose, \"quoted\" text, and ünïcödé ≥ 2.5 × ULN"
    assert texts[2] == "'@SUM(A1)"
    assert texts[3] == "pregnancy"
    assert list(rows[0]) == list(COLUMNS["criteria"])
    for name in ("trials.csv", "constraints.csv"):
        assert (tmp_path / "out" / name).exists()


def test_csv_embedded_newlines_survive(tmp_path) -> None:
    trial = trialnlp.extract("Inclusion Criteria:\n* a\n", trial_id="T\nwith newline")
    write_trials([trial], tmp_path / "t.csv")
    frame = pd.read_csv(tmp_path / "t.trials.csv", encoding="utf-8-sig")
    assert frame.loc[0, "trial_id"] == "T\nwith newline"
    assert (tmp_path / "t.csv").exists() and (tmp_path / "t.constraints.csv").exists()


def test_xlsx_has_a_sheet_per_table_and_no_formulas(tmp_path, trial) -> None:
    from openpyxl import load_workbook

    write_trials([trial], tmp_path / "out.xlsx")
    book = load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == ["trials", "criteria", "constraints"]
    sheet = book["criteria"]
    header = [c.value for c in sheet[1]]
    text_col = header.index("text")
    cell = sheet.cell(row=2, column=text_col + 1)
    assert cell.value == "=HYPERLINK(\"http://x\",\"click\")"
    assert cell.data_type == "s"  # a string, not a formula


def test_json_nests_criteria_and_keeps_text(tmp_path, trial) -> None:
    write_trials([trial], tmp_path / "out.json")
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert data[0]["trial_id"] == "NCT00000001"
    assert data[0]["criteria"][0]["text"] == "=HYPERLINK(\"http://x\",\"click\")"
    assert set(data[0]) >= {"trial_id", "source", "structured", "criteria"}
    assert "constraints" in data[0]["criteria"][0]


def test_jsonl_and_parquet(tmp_path, trial) -> None:
    write_trials([trial, trial], tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["criteria"][3]["text"] == "pregnancy"
    write_trials([trial], tmp_path / "pq", fmt="parquet")
    frame = pd.read_parquet(tmp_path / "pq" / "criteria.parquet")
    assert frame["text"].tolist()[0] == "=HYPERLINK(\"http://x\",\"click\")"
    assert frame["depth"].dtype.kind == "i"

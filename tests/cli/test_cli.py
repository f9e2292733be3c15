from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from trialnlp.cli import app
from trialnlp.errors import EXIT_INPUT, EXIT_PARTIAL

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
runner = CliRunner()


def test_extract_seeds_to_directory(tmp_path) -> None:
    result = runner.invoke(app, ["extract", str(SEEDS), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for name in ("criteria.csv", "constraints.csv", "trials.csv"):
        assert (tmp_path / "out" / name).exists()
    assert "5 trials, 71 criteria" in result.output


def test_extract_to_stdout_is_jsonl() -> None:
    result = runner.invoke(app, ["extract", str(SEEDS / "004_c4fdd0b1cc6cde60.txt"), "--quiet"])
    assert result.exit_code == 0
    (line,) = result.stdout.strip().splitlines()
    assert len(json.loads(line)["criteria"]) == 14


def test_single_bad_input_exits_non_zero_with_one_line(tmp_path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    result = runner.invoke(app, ["extract", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == EXIT_INPUT
    assert "scan.pdf" in result.stderr and "PDF" in result.stderr


def test_batch_with_a_bad_record_goes_on(tmp_path) -> None:
    data = tmp_path / "batch.jsonl"
    data.write_text('{"nct_id": "NCT1", "criteria": "Inclusion Criteria:\\n- adults"}\n'
                    '{"nct_id": "NCT2", "criteria": \n'
                    '{"nct_id": "NCT3", "criteria": "- pregnancy"}\n', encoding="utf-8")
    result = runner.invoke(app, ["extract", str(data), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0
    with (tmp_path / "o" / "trials.csv").open(encoding="utf-8-sig", newline="") as handle:
        trials = list(csv.DictReader(handle))
    assert [t["trial_id"] for t in trials][0::2] == ["NCT1", "NCT3"]  # records in = rows out
    assert [t["status"] for t in trials] == ["ok", "error", "ok"]
    assert "line 2" in trials[1]["source"] and trials[1]["error"]
    strict = runner.invoke(app, ["extract", str(data), "-o", str(tmp_path / "o2"), "--strict"])
    assert strict.exit_code == EXIT_PARTIAL


def test_unknown_output_format_is_a_clear_error(tmp_path) -> None:
    result = runner.invoke(app, ["extract", str(SEEDS), "-o", str(tmp_path), "--format", "doc"])
    assert result.exit_code == EXIT_INPUT
    assert "unknown format 'doc'" in result.stderr


def test_show_prints_the_tree() -> None:
    result = runner.invoke(app, ["show", str(SEEDS / "003_d162f14f08f49299.txt")])
    assert result.exit_code == 0
    assert "inc.4.a.ii" in result.stdout and "exclusion" in result.stdout


def test_stdin(monkeypatch) -> None:
    result = runner.invoke(app, ["extract", "-", "--quiet"],
                           input="Inclusion Criteria:\n1. Adults\n2. Consent\n")
    assert result.exit_code == 0, result.output
    assert [c["text"] for c in json.loads(result.stdout)["criteria"]] == ["Adults", "Consent"]


def test_unknown_input_format_is_a_clear_error(tmp_path) -> None:
    result = runner.invoke(app, ["extract", str(SEEDS), "--input-format", "yaml", "--quiet"])
    assert result.exit_code == EXIT_INPUT
    assert "unknown format 'yaml'" in result.stderr


def _constraint_sources(folder: Path) -> list[str]:
    with (folder / "constraints.csv").open(encoding="utf-8-sig", newline="") as handle:
        return [row["source"] for row in csv.DictReader(handle)]


def test_model_option_off_leaves_no_model_constraints(tmp_path) -> None:
    seed = str(SEEDS / "004_c4fdd0b1cc6cde60.txt")
    default = runner.invoke(app, ["extract", seed, "-o", str(tmp_path / "gaps"), "-q"])
    off = runner.invoke(app, ["extract", seed, "-o", str(tmp_path / "off"), "--model", "off",
                              "-q"])
    assert default.exit_code == 0 and off.exit_code == 0, off.output
    assert _constraint_sources(tmp_path / "gaps").count("model") == 2  # "150ml of wine", "drug abusers"
    sources = _constraint_sources(tmp_path / "off")
    assert "model" not in sources
    # The rules' constraints are the same either way.
    assert sources.count("rule") == _constraint_sources(tmp_path / "gaps").count("rule")


def test_model_option_rejects_an_unknown_mode(tmp_path) -> None:
    result = runner.invoke(app, ["extract", str(SEEDS), "-o", str(tmp_path), "--model", "fast"])
    assert result.exit_code == 2
    assert "fast" in result.stderr and "off" in result.stderr


def test_max_chars_makes_a_long_record_an_error_row(tmp_path) -> None:
    data = tmp_path / "batch.jsonl"
    long_text = "Inclusion Criteria:\\n- " + "adults of any age; " * 40  # 782 characters
    data.write_text('{"nct_id": "NCT1", "criteria": "Inclusion Criteria:\\n- adults"}\n'
                    f'{{"nct_id": "NCT2", "criteria": "{long_text}"}}\n', encoding="utf-8")
    result = runner.invoke(app, ["extract", str(data), "-o", str(tmp_path / "o"),
                                 "--max-chars", "500"])
    assert result.exit_code == 0, result.output
    with (tmp_path / "o" / "trials.csv").open(encoding="utf-8-sig", newline="") as handle:
        trials = list(csv.DictReader(handle))
    assert [(t["trial_id"], t["status"]) for t in trials] == [("NCT1", "ok"), ("NCT2", "error")]
    assert trials[1]["error"].startswith("text is 782 characters, over the limit of 500 per")
    assert "--max-chars" in trials[1]["error"]
    assert "over the limit of 500" in result.stderr and "1 errors" in result.stderr
    default = runner.invoke(app, ["extract", str(data), "-o", str(tmp_path / "d"), "-q"])
    assert default.exit_code == 0
    assert runner.invoke(app, ["extract", str(data), "--max-chars", "0"]).exit_code == 2

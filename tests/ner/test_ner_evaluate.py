from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from trialnlp.ner.convert import EntitySpan
from trialnlp.ner.evaluate import PRF, evaluate_brat, match_exact, match_relaxed


@dataclass
class FakeEnt:
    start_char: int
    end_char: int
    label_: str


@dataclass
class FakeDoc:
    text: str
    ents: list[FakeEnt]

    def __len__(self) -> int:
        return len(self.text.split())


@dataclass
class FakeNLP:
    """Fixed predictions per criterion: line text -> [(label, substring)]."""

    predictions: dict[str, list[tuple[str, str]]]
    meta: dict[str, str] = field(default_factory=lambda: {"name": "fake", "version": "0"})

    def pipe(self, texts, batch_size=None):
        for text in texts:
            ents = []
            for label, substring in self.predictions.get(text, []):
                start = text.index(substring)
                ents.append(FakeEnt(start, start + len(substring), label))
            yield FakeDoc(text, ents)


# Hand-checked case on tests/fixtures/brat. Gold after conversion (10 entities):
#   inc: Person "Adults", Value "18 years or older", Condition "type 2 diabetes mellitus",
#        Measurement "HbA1c", Value ">7.5%", Temporal "within 3 months before screening"
#   exc: Condition "Renal or hepatic impairment", Drug "insulin", Drug "metformin",
#        Temporal "in the past 6 months"
FAKE = FakeNLP(
    {
        "Adults aged 18 years or older with type 2 diabetes mellitus": [
            ("Person", "Adults"),  # exact
            ("Condition", "diabetes mellitus"),  # overlap only
        ],
        "HbA1c>7.5% within 3 months before screening": [
            ("Value", ">7.5%"),  # exact
            ("Temporal", "within 3 months"),  # overlap only
            ("Drug", "screening"),  # wrong
        ],
        "Renal or hepatic impairment": [("Condition", "hepatic impairment")],  # overlap only
        "Treatment with insulin or metformin in the past 6 months": [
            ("Drug", "insulin"),  # exact
            ("Drug", "insulin or metformin"),  # overlaps "metformin" (insulin is taken)
        ],
    }
)


def test_hand_checked_scores(brat_dir: Path) -> None:
    report = evaluate_brat(brat_dir, nlp=FAKE)
    assert report.documents == 2 and report.criteria == 5
    # exact: tp = Adults, >7.5%, insulin; 8 predictions, 10 gold
    assert report.exact_micro == PRF(tp=3, fp=5, fn=7)
    assert report.exact_micro.precision == pytest.approx(3 / 8)
    assert report.exact_micro.recall == pytest.approx(3 / 10)
    assert report.exact_micro.f1 == pytest.approx(1 / 3)
    # relaxed: + both Conditions, the Temporal, metformin; only "screening" is wrong
    assert report.relaxed_micro == PRF(tp=7, fp=1, fn=3)
    assert report.relaxed_micro.f1 == pytest.approx(2 * 0.875 * 0.7 / 1.575)
    assert report.exact["Condition"] == PRF(0, 2, 2)
    assert report.relaxed["Condition"] == PRF(2, 0, 0)
    assert report.exact["Drug"] == PRF(1, 2, 1)
    assert report.relaxed["Drug"] == PRF(2, 1, 0)
    assert report.exact["Measurement"] == PRF(0, 0, 1)
    assert report.exact["Observation"] == PRF()


def test_reference_without_flattening_keeps_nested_spans(brat_dir: Path) -> None:
    report = evaluate_brat(brat_dir, nlp=FAKE, flat_reference=False)
    gold = report.exact_micro.tp + report.exact_micro.fn
    assert gold == 12  # + "diabetes mellitus" and "hepatic impairment"
    assert report.exact["Condition"] == PRF(tp=2, fp=0, fn=2)


def test_types_restrict_the_scoring(brat_dir: Path) -> None:
    report = evaluate_brat(brat_dir, nlp=FAKE, types=["Drug"])
    assert report.types == ("Drug",)
    assert report.exact_micro == PRF(1, 2, 1)


def test_relaxed_matching_is_one_to_one() -> None:
    gold = [EntitySpan(0, 10, "Condition")]
    pred = [EntitySpan(0, 4, "Condition"), EntitySpan(5, 10, "Condition")]
    assert match_relaxed(gold, pred) == PRF(1, 1, 0)
    assert match_relaxed(gold, [EntitySpan(0, 10, "Drug")]) == PRF(0, 1, 1)
    assert match_exact(gold, gold) == PRF(1, 0, 0)


def test_report_as_json(brat_dir: Path) -> None:
    data = evaluate_brat(brat_dir, nlp=FAKE).to_dict()
    assert data["micro"]["exact"] == {
        "tp": 3, "fp": 5, "fn": 7, "precision": 0.375, "recall": 0.3, "f1": 0.3333,
    }  # fmt: skip
    assert set(data["per_type"]) == {
        "Condition", "Drug", "Procedure", "Measurement",
        "Observation", "Person", "Value", "Temporal",
    }  # fmt: skip
    json.dumps(data)


def test_cli_prints_a_table_and_writes_json(
    brat_dir: Path, tiny_model: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    import trialnlp.cli.evaluate  # noqa: F401  (registers the command)
    from trialnlp.cli.app import app

    out = tmp_path / "scores.json"
    result = CliRunner().invoke(
        app, ["evaluate", "--brat", str(brat_dir), "--model", str(tiny_model), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "micro" in result.output and "relaxed" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["documents"] == 2 and data["criteria"] == 5
    assert set(data["micro"]) == {"exact", "relaxed"}


def test_cli_rejects_a_missing_folder(tiny_model: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import trialnlp.cli.evaluate  # noqa: F401
    from trialnlp.cli.app import app
    from trialnlp.errors import EXIT_INPUT

    result = CliRunner().invoke(
        app, ["evaluate", "--brat", str(tmp_path / "nope"), "--model", str(tiny_model)]
    )
    assert result.exit_code == EXIT_INPUT
    assert "not a directory" in result.output

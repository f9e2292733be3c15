"""The constraint scorer's reading of Chia ``OR`` groups (issue 3)."""

from __future__ import annotations

from pathlib import Path

from trialnlp.constraints.evaluate import _inclusive_bound, _same, _stated, evaluate_constraints
from trialnlp.ner.brat import read_document


def _corpus(tmp_path: Path, text: str, ann: str) -> Path:
    (tmp_path / "NCT0_inc.txt").write_text(text, encoding="utf-8")
    (tmp_path / "NCT0_inc.ann").write_text(ann, encoding="utf-8")
    return tmp_path


def test_or_groups_are_read_from_the_ann_file(tmp_path: Path) -> None:
    path = _corpus(tmp_path, "x", "T1\tValue 0 1\tx\n*\tOR T1 T2\n*\tOR T3 T4 T5\n")
    assert read_document(path / "NCT0_inc.txt").or_groups == (("T1", "T2"), ("T3", "T4", "T5"))


def test_inclusive_bound_from_two_values() -> None:
    assert _inclusive_bound(["greater than 10 g/dL", "equal to 10 g/dL"]) == (
        ">=", 10.0, None, "g/dL", None)
    assert _inclusive_bound(["less than 2 x ULN", "equal to 2 x ULN"]) == (
        "<=", 2.0, None, None, "ULN")
    assert _inclusive_bound(["= 18", "= 24"]) is None  # alternatives, not one bound
    assert _inclusive_bound(["greater than 10 g/dL", "equal to 12 g/dL"]) is None


def test_split_inclusive_bound_is_one_gold_threshold(tmp_path: Path) -> None:
    text = "Hemoglobin greater than or equal to 10 g/dL\n"
    ann = ("T1\tMeasurement 0 10\tHemoglobin\n"
           "T2\tValue 11 23;39 43\tgreater than 10 g/dL\n"  # discontinuous, as in Chia
           "T3\tValue 27 43\tequal to 10 g/dL\n"
           "R1\tHas_value Arg1:T1 Arg2:T2\t\n*\tOR T2 T3\n")
    scores = evaluate_constraints(_corpus(tmp_path, text, ann)).to_dict()["thresholds"]
    assert (scores["gold"], scores["found"], scores["correct"]) == (1, 1, 1)


def test_unlinked_alternative_is_a_value_of_the_same_measurement(tmp_path: Path) -> None:
    text = "Resting heart rate <45 bpm or >90 bpm\n"
    ann = ("T1\tMeasurement 0 18\tResting heart rate\n"
           "T2\tValue 19 26\t<45 bpm\nT3\tValue 30 37\t>90 bpm\n"
           "R1\tHas_value Arg1:T1 Arg2:T2\t\n*\tOR T2 T3\n")
    report = evaluate_constraints(_corpus(tmp_path, text, ann))
    scores = report.to_dict()["thresholds"]
    assert (scores["gold"], scores["found"], scores["predicted"], scores["correct"]) == (
        2, 2, 2, 2)
    # without the group only the linked value is gold, and the other prediction is judged wrong
    (tmp_path / "NCT0_inc.ann").write_text(ann.replace("*\tOR T2 T3\n", ""), encoding="utf-8")
    scores = evaluate_constraints(tmp_path).to_dict()["thresholds"]
    assert (scores["gold"], scores["found"], scores["predicted"], scores["correct"]) == (
        1, 1, 2, 1)


def test_blood_pressure_pair_states_two_thresholds() -> None:
    mmhg = "mm[Hg]"
    assert _stated("> 140/90 mmHg", "blood pressure") == [
        (">", 140.0, None, mmhg, None), (">", 90.0, None, mmhg, None)]
    assert _stated("140/90 mmHg or higher", "BP") == [
        (">=", 140.0, None, mmhg, None), (">=", 90.0, None, mmhg, None)]
    assert _stated("greater than 140/90", "Blood pressure") == [
        (">", 140.0, None, None, None), (">", 90.0, None, None, None)]
    # a condition the pair defines
    assert len(_stated(">160/100 mmHg", "Hypertensive")) == 2


def test_other_slashes_are_one_number() -> None:
    assert _stated("< 20/70", "visual acuity") == [("<", 20.0, None, None, None)]
    assert _stated("<24/30", "MMSE") == [("<", 24.0, None, None, None)]
    assert _stated("12", "blood pressure") == []


def test_a_count_over_a_volume_matches_per_volume_only() -> None:
    assert _same(("<", 1500.0, None, "/uL", None), ("<", 1500.0, None, "mm3", None))
    assert not _same(("<", 1500.0, None, "mm3", None), ("<", 1500.0, None, "/uL", None))
    assert not _same(("<", 1500.0, None, "/uL", None), ("<", 1500.0, None, "mL", None))


def test_a_drugs_dose_bound_is_a_threshold_of_its_measurement(tmp_path: Path) -> None:
    # Chia annotates "propofol infusion rate" a Measurement; the pipeline reads the bound as
    # propofol's dose: the same threshold, scored as found.
    text = "Previous propofol infusion rate >4 mg/kg/h\n"
    ann = ("T1\tMeasurement 9 31\tpropofol infusion rate\n"
           "T2\tValue 32 42\t>4 mg/kg/h\n"
           "R1\tHas_value Arg1:T1 Arg2:T2\t\n")
    scores = evaluate_constraints(_corpus(tmp_path, text, ann)).to_dict()["thresholds"]
    assert (scores["gold"], scores["found"], scores["predicted"], scores["correct"]) == (
        1, 1, 1, 1)

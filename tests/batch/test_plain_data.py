"""Trials, criteria and records cross process boundaries as plain data, losslessly."""

from __future__ import annotations

import json
import pickle

import trialnlp
from trialnlp.batch import record_from_dict, record_to_dict
from trialnlp.batch.codec import decode_trial, encode_trial
from trialnlp.batch.worker import record_text
from trialnlp.readers import read_sources
from trialnlp.trial import Trial
from trialnlp.types import Constraint, Criterion, Section, Window

from .helpers import MIXED


def test_trial_round_trips_through_json(seed_paths) -> None:
    trials = list(trialnlp.extract_many([*seed_paths, MIXED]))
    assert len(trials) == len(seed_paths) + 30
    for trial in trials:
        data = json.loads(json.dumps(trial.to_dict(include_text=True)))
        again = Trial.from_dict(data)
        assert again == trial
        assert again.rows("trials") == trial.rows("trials")
        assert again.rows("criteria") == trial.rows("criteria")


def test_trial_without_text_and_failed_trial() -> None:
    trial = trialnlp.extract("Inclusion Criteria:\n1. Adults\n   a. over 18\n", trial_id="T")
    assert Trial.from_dict(trial.to_dict()).text == ""
    failed = Trial.failed(None, "x.jsonl:line 2", "invalid JSON")
    assert Trial.from_dict(failed.to_dict(include_text=True)) == failed


def test_criterion_from_dict_rebuilds_children_and_constraints() -> None:
    window = Window(6.0, "mo", "within", "screening", "within 6 months before screening")
    constraint = Constraint("lab", "ALT <= 2.5 x ULN", 3, 19, concept="ALT", op="<=",
                            value=2.5, relative_to="ULN", window=window, triggers=("no",),
                            constraint_id="inc.1.k1", criterion_id="inc.1")
    child = Criterion("inc.1.a", "inclusion", "a", "a.", "1.a", 1, "child", 20, 25,
                      parent_id="inc.1")
    parent = Criterion("inc.1", "inclusion", "1", "1.", "1", 0, "ALT <= 2.5 x ULN", 3, 19,
                       heading="LABS", children=[child], constraints=[constraint])
    again = Criterion.from_dict(json.loads(json.dumps(parent.to_dict())))
    assert again == parent
    assert again.constraints[0].window == window
    assert again.children[0].parent_id == "inc.1"
    section = Section("inclusion", 20, 40, "Inclusion Criteria:", 0, 19)
    assert Section.from_dict(section.to_dict()) == section


def test_records_round_trip_and_pickle() -> None:
    for item in read_sources([MIXED]):
        data = record_to_dict(item)
        assert record_from_dict(json.loads(json.dumps(data))) == item
        assert pickle.loads(pickle.dumps(data)) == data


def test_worker_codec_is_lossless(seed_paths) -> None:
    items = list(read_sources([*seed_paths, MIXED]))
    trials = list(trialnlp.extract_many([*seed_paths, MIXED]))
    for item, trial in zip(items, trials, strict=True):
        text = record_text(item)
        wire = pickle.loads(pickle.dumps(encode_trial(trial, text)))
        assert decode_trial(wire, text) == trial
    odd = Trial.failed("T", "s", "broken")  # its text is not the record's: sent along
    assert decode_trial(encode_trial(odd, "record text"), "record text") == odd
    window = Window(6.0, "mo", "within", "screening", "within 6 months")
    with_constraint = Trial("T", "s", "text", "abc", criteria=[Criterion(
        "inc.1", "inclusion", "1", "1.", "1", 0, "abc", 0, 3,
        constraints=[Constraint("lab", "abc", 0, 3, op=">=", value=2.0, window=window,
                                triggers=("no",), criterion_id="inc.1")])])
    assert decode_trial(encode_trial(with_constraint, "abc"), "abc") == with_constraint

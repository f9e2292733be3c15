"""find_windows: look-back windows, anchors, durations, number words, offsets."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialnlp.constraints import temporal
from trialnlp.constraints.temporal import WindowMention, find_windows
from trialnlp.resources import load_json
from trialnlp.types import Window

CHIA_TRAIN = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "chia" / "train"


def one(text: str) -> WindowMention:
    found = find_windows(text)
    assert len(found) == 1, found
    return found[0]


def shape(window: Window) -> tuple[object, ...]:
    return (window.amount, window.unit, window.relation, window.anchor)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("within 6 months before screening", (6.0, "mo", "within", "screening")),
        ("in the past 12 months", (12.0, "mo", "within", None)),
        ("within the past 5 years", (5.0, "a", "within", None)),
        ("during the last 3 months", (3.0, "mo", "within", None)),
        ("in the previous 6 weeks", (6.0, "wk", "within", None)),
        ("within 4 weeks prior to randomization", (4.0, "wk", "within", "randomization")),
        ("within 4 weeks prior to randomisation", (4.0, "wk", "within", "randomization")),
        ("3 months before screening", (3.0, "mo", "before", "screening")),
        ("for at least 2 weeks", (2.0, "wk", "at_least", None)),
        ("within 1 month", (1.0, "mo", "within", None)),
        ("within six months", (6.0, "mo", "within", None)),
        ("within twelve months", (12.0, "mo", "within", None)),
        ("in the next 2 years", (2.0, "a", "after", None)),
        ("during the study period", (None, None, "during", "study")),
        ("at screening", (None, None, "at", "screening")),
        ("within 28 days of the first dose of study drug", (28.0, "d", "within", "first_dose")),
        (
            "within 14 days before the first administration of study drug",
            (14.0, "d", "within", "first_dose"),
        ),
        ("within 30 days prior to enrollment", (30.0, "d", "within", "enrollment")),
        ("within 30 days prior to enrolment", (30.0, "d", "within", "enrollment")),
        ("within 7 days of baseline", (7.0, "d", "within", "baseline")),
        ("within 12 weeks prior to study entry", (12.0, "wk", "within", "study_entry")),
        ("within 7 days prior to Day 1", (7.0, "d", "within", "day_1")),
        ("within 14 days of signing informed consent", (14.0, "d", "within", "consent")),
        ("within 5 years of diagnosis", (5.0, "a", "within", "diagnosis")),
        ("within 4 weeks after surgery", (4.0, "wk", "after", "surgery")),
        ("within 72 hours", (72.0, "h", "within", None)),
        ("within the last year", (1.0, "a", "within", None)),
        ("within a month", (1.0, "mo", "within", None)),
        ("within the last three (3) months", (3.0, "mo", "within", None)),
        ("in the 6 months prior to screening", (6.0, "mo", "within", "screening")),
        ("at least 4 weeks prior to randomization", (4.0, "wk", "at_least", "randomization")),
        ("less than 3 months before randomization", (3.0, "mo", "within", "randomization")),
        ("2 years ago", (2.0, "a", "before", None)),
        ("for 6 months", (6.0, "mo", "duration", None)),
        ("prior to enrollment", (None, None, "before", "enrollment")),
        ("after surgery", (None, None, "after", "surgery")),
        ("at the time of diagnosis", (None, None, "at", "diagnosis")),
        # PDQ: quantifiers before the treatment, and treatments named by drug
        ("At least 4 weeks since any other prior chemotherapy",
         (4.0, "wk", "at_least", "prior_therapy")),
        ("At least 6 weeks since prior nitrosoureas or mitomycin",
         (6.0, "wk", "at_least", "prior_therapy")),
        ("At least 2 weeks since prior interferon", (2.0, "wk", "at_least", "prior_therapy")),
        # a treatment after "since" is an earlier one, "prior" or not
        ("At least 30 days since radiotherapy", (30.0, "d", "at_least", "prior_therapy")),
        ("More than 4 weeks since palliative radiotherapy",
         (4.0, "wk", "at_least", "prior_therapy")),
        ("Less than 3 months since chemotherapy", (3.0, "mo", "within", "prior_therapy")),
        ("6 weeks since nitrosoureas", (6.0, "wk", "after", "prior_therapy")),
        ("at least 2 years since diagnosis", (2.0, "a", "at_least", "diagnosis")),
    ],
)
def test_windows(text: str, expected: tuple[object, ...]) -> None:
    found = one(text)
    assert shape(found.window) == expected
    assert (found.start, found.end, found.text) == (0, len(text), text)
    assert found.window.text == text


def test_window_inside_a_criterion() -> None:
    text = (
        "Chemotherapy within 4 weeks prior to randomization; any surgery within the past 5 years."
    )
    first, second = find_windows(text)
    assert first.text == "within 4 weeks prior to randomization"
    assert text[first.start : first.end] == first.text
    assert shape(second.window) == (5.0, "a", "within", None)
    assert text[second.start : second.end] == "within the past 5 years"


def test_ages_and_plain_quantities_are_not_windows() -> None:
    assert find_windows("aged at least 18 years") == []
    assert find_windows("life expectancy of more than 3 months") == []
    assert find_windows("within normal limits") == []
    assert find_windows("in the day") == []
    assert find_windows("") == []
    assert find_windows(None) == []  # type: ignore[arg-type]


def test_longest_window_wins() -> None:
    found = one("treatment for at least 2 weeks prior to screening")
    assert shape(found.window) == (2.0, "wk", "at_least", "screening")


def test_anchor_vocabulary_is_data() -> None:
    anchors = load_json("temporal.json")["anchors"]
    for anchor in (
        "screening",
        "randomization",
        "enrollment",
        "first_dose",
        "baseline",
        "study_entry",
        "day_1",
        "consent",
        "diagnosis",
        "surgery",
        "study",
    ):
        assert anchors[anchor], anchor
    units = load_json("temporal.json")["units"]
    assert set(units) == {"a", "mo", "wk", "d", "h"}


FRAGMENTS = st.sampled_from(
    [
        " ",
        "within",
        "in the",
        "past",
        "last",
        "next",
        "6",
        "six",
        "three (3)",
        "months",
        "year",
        "before",
        "prior to",
        "screening",
        "the",
        "first dose",
        "of study drug",
        "for",
        "at least",
        "ago",
        "during",
        "study period",
        "at",
        "(",
        ")",
        "-",
        "\n",
        "1e309",
        "NaN",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(FRAGMENTS, max_size=30).map(" ".join)))
def test_find_windows_never_raises_and_offsets_hold(text: str) -> None:
    previous_end = 0
    for found in find_windows(text):
        assert 0 <= found.start < found.end <= len(text)
        assert text[found.start : found.end] == found.text == found.window.text
        assert found.start >= previous_end
        previous_end = found.end
        amount = found.window.amount
        assert amount is None or (amount == amount and amount not in (float("inf"), float("-inf")))
        assert found.window.unit in (None, "a", "mo", "wk", "d", "h")


@pytest.mark.corpus
@pytest.mark.skipif(not CHIA_TRAIN.is_dir(), reason="Chia corpus not present")
def test_chia_lines_keep_invariants() -> None:
    count = 0
    for path in sorted(CHIA_TRAIN.glob("*.txt"))[:200]:
        for line in path.read_text(encoding="utf-8").splitlines():
            for found in find_windows(line):
                assert line[found.start : found.end] == found.text
                count += 1
    assert count > 20


# --- the fast path (lowered text, candidate starts) equals the full scans --------------


def full_scan(text: str) -> list[WindowMention]:
    """find_windows with the fast path off: every pattern scans the whole text."""
    with mock.patch.object(temporal, "fast_lowered", lambda text: None):
        return find_windows(text)


def _phrases(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(p for v in value.values() for p in _phrases(v))]
    if isinstance(value, list):
        return [p for v in value for p in _phrases(v)]
    return []


_RULES = {k: v for k, v in load_json("temporal.json").items() if not k.startswith("_")}
VOCABULARY = sorted(
    {
        *_phrases(_RULES),
        *["0", "1", "6", "12", "2.5", "(3)", "the", "a", "this", "patients", "age", "-", "‐"],
        *["\u0130", "\u0131", "\u017f", "\u212a", "é", "≥", "<", "\\"],
    }
)
PIECES = st.tuples(
    st.sampled_from(VOCABULARY),
    st.sampled_from([str, str.upper, str.title, str.swapcase]),
    st.sampled_from(["", " ", " ", "  ", "\n", "-", ",", "(", ")", "/", ". "]),
).map(lambda piece: piece[1](piece[0]) + piece[2])
CASES = st.sampled_from([str, str.lower, str.upper, str.title])


def _slot(*keys: str) -> st.SearchStrategy[str]:
    return st.sampled_from(["", *sorted({p for k in keys for p in _phrases(_RULES[k])})])


# window-shaped: [lead] [the] [past] [amount] unit [direction [the] anchor [suffix] | ago]
WINDOWS = st.tuples(
    _slot("span_prepositions", "within_lead", "bounded_lead", "at_least_lead", "duration_lead"),
    _slot("during_words", "at_words"),
    st.sampled_from(["", "the", "a"]),
    _slot("lookback", "lookahead"),
    st.one_of(st.sampled_from(["", "3", "12", "1.5", "6 (six)"]), _slot("number_words")),
    _slot("units"),
    _slot("directions", "ago"),
    st.sampled_from(["", "the", "this"]),
    _slot("anchors"),
    _slot("anchor_suffixes"),
    CASES,
    st.sampled_from([" ", "  ", "-", "\n", ""]),
).map(lambda t: t[-2](t[-1].join(w for w in t[:-2] if w)))
VOCABULARY_TEXTS = st.lists(st.one_of(PIECES, WINDOWS), max_size=8).map(" ".join)


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200), st.lists(FRAGMENTS, max_size=30).map(" ".join), VOCABULARY_TEXTS
    )
)
def test_fast_path_equals_full_scan(text: str) -> None:
    assert find_windows(text) == full_scan(text)


@pytest.mark.parametrize(
    "text",
    [
        "within 6 months before screening; 2 years ago; at screening; during the study",
        "No chemotherapy in the past 12 months or for at least 2 weeks prior to randomization",
        "WITHIN TWENTY-FOUR HOURS OF THE FIRST DOSE OF STUDY DRUG",
        "<4 weeks before day 1, ≥ 3 months after surgery, >=6 months from diagnosis",
        "\u0130n the past 5 years",  # dotted capital I: the full scans run
        "within 4 wee\u212as of consent",  # Kelvin sign
        "a month ago; an hour before dosing; over the course of the trial",
    ],
)
def test_fast_path_examples(text: str) -> None:
    assert find_windows(text) == full_scan(text)
    assert find_windows(text.upper()) == full_scan(text.upper())


def test_fast_path_is_on() -> None:
    assert temporal._FAST is not None
    assert not any(starts.anywhere for _, _, starts, _ in temporal._SPECS)
    assert [kind for kind, _ in temporal._PATTERNS] == [kind for kind, *_ in temporal._SPECS]


@pytest.mark.corpus
@pytest.mark.skipif(not CHIA_TRAIN.is_dir(), reason="Chia corpus not present")
def test_chia_lines_fast_path_equals_full_scan() -> None:
    compared = 0
    for path in sorted(CHIA_TRAIN.glob("*.txt"))[:200]:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert find_windows(line) == full_scan(line), line
            compared += 1
    assert compared > 500


def test_time_since_a_prior_treatment_times_that_treatment() -> None:
    import trialnlp

    text = ("Inclusion Criteria:\n* PRIOR CONCURRENT THERAPY: Biologic therapy: Not specified "
            "Chemotherapy: At least 3 weeks since prior radiotherapy and recovered\n")
    found = list(trialnlp.extract(text, trial_id="T", model="off").iter_constraints())
    timed = [(c.concept, c.window.relation, c.window.amount, c.window.unit, c.window.anchor)
             for c in found if c.window is not None]
    assert timed == [("Radiotherapy", "at_least", 3.0, "wk", "prior_therapy")]
    assert not [c for c in found if c.kind == "measurement"]  # no "Chemotherapy: >= 3 wk"


def test_a_treatment_after_since_is_timed_and_so_is_the_list_after_it() -> None:
    import trialnlp

    text = ("Inclusion Criteria:\n* PRIOR CONCURRENT THERAPY: Chemotherapy: Prior anthracyclines "
            "allowed provided no symptomatic heart disease is present More than 6 weeks since "
            "nitrosoureas, melphalan, or mitomycin Radiotherapy: At least 30 days since "
            "radiotherapy\n")
    found = list(trialnlp.extract(text, trial_id="T", model="off").iter_constraints())
    timed = sorted((c.concept, c.window.amount, c.window.anchor)
                   for c in found if c.window is not None)
    assert timed == [("Melphalan", 6.0, "prior_therapy"), ("Mitomycin", 6.0, "prior_therapy"),
                     ("Nitrosoureas", 6.0, "prior_therapy"),
                     ("Radiotherapy", 30.0, "prior_therapy")]
    # the window is no measurement of the heading ("Radiotherapy: >= 30 d")
    assert not [c for c in found if c.kind == "measurement"]
    # "before radiotherapy" may be the study's own: no treatment anchor
    (window,) = [c.window for c in trialnlp.extract(
        "Inclusion Criteria:\n* Chemotherapy within 4 weeks before radiotherapy\n",
        trial_id="T", model="off").iter_constraints() if c.window is not None]
    assert window.anchor is None

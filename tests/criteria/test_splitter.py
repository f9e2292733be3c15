from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialnlp.criteria.splitter import clean_text, split_criteria
from trialnlp.sections.finder import find_sections
from trialnlp.types import Criterion


def split(text: str) -> list[Criterion]:
    return split_criteria(text, find_sections(text))


def flat(criteria: list[Criterion]) -> list[Criterion]:
    return [c for top in criteria for c in top.walk()]


def tree(text: str) -> list[tuple[str, str]]:
    return [(c.path, c.text) for c in flat(split(text))]


@pytest.mark.parametrize("bullet", ["*", "-", "•", "·", "o", "▪", "\\-"])
def test_bullets(bullet: str) -> None:
    text = f"Inclusion Criteria:\n{bullet} Adults aged 18 or older\n{bullet} Signed consent\n"
    assert tree(text) == [("1", "Adults aged 18 or older"), ("2", "Signed consent")]


@pytest.mark.parametrize("fmt", ["{n}.", "{n})", "({n})", "{n}、"])
def test_numbers_kept_as_written(fmt: str) -> None:
    lines = "\n".join(f"{fmt.format(n=n)} Criterion number {n}" for n in (2, 3, 4))
    criteria = split(f"Inclusion Criteria\n{lines}\n")
    assert [c.number for c in criteria] == ["2", "3", "4"]
    assert [c.text for c in criteria] == [f"Criterion number {n}" for n in (2, 3, 4)]


@pytest.mark.parametrize("fmt", ["{l}.", "{l})", "({l})"])
def test_letters_nest_under_numbers(fmt: str) -> None:
    text = "1. One of the following:\n" + "\n".join(
        f"   {fmt.format(l=l)} Option {l}" for l in "abc") + "\n2. Second"
    assert tree(text) == [("1", "One of the following:"), ("1.a", "Option a"),
                          ("1.b", "Option b"), ("1.c", "Option c"), ("2", "Second")]


def test_roman_numerals_nest_under_letters() -> None:
    text = "1. Either:\n  a. first:\n     i) x one\n     ii) x two\n     iv. x four\n  b. second\n"
    assert tree(text) == [("1", "Either:"), ("1.a", "first:"), ("1.a.i", "x one"),
                          ("1.a.ii", "x two"), ("1.a.iv", "x four"), ("1.b", "second")]


def test_indentation_nesting_with_same_bullet() -> None:
    text = ("  -  Histologically proven cancer\n\n       -  Stage II or III\n\n"
            "       -  No metastases\n\n  -  No peritoneal disease\n")
    assert tree(text) == [("1", "Histologically proven cancer"), ("1.1", "Stage II or III"),
                          ("1.2", "No metastases"), ("2", "No peritoneal disease")]


def test_inline_enumeration_on_one_line() -> None:
    text = ("4. Meet at least one of the following a/b/c criteria: a. non-response to: "
            "i) prednisone ≥40mg/ day. ii) AZA≥2 mg/kg/ day. b. Steroid dependence. "
            "c.AZA or MTX(≤15 mg/ week) stable.\n5. Consent.")
    assert [p for p, _ in tree(text)] == ["4", "4.a", "4.a.i", "4.a.ii", "4.b", "4.c", "5"]
    assert tree(text)[5] == ("4.c", "AZA or MTX(≤15 mg/ week) stable.")


def test_inline_numbers_continue_implicit_sequence() -> None:
    text = ("Exclusion criteria\nAllergy;\nDiabetes;\nLiver disease; 4, the subject's HIV test "
            "positive;\nOther disease, etc.; (6) Drug abuse (more than 2 drinks; Or drugs; "
            "7. Pregnant; planning pregnancy; 8. Other.")
    criteria = split(text)
    assert [c.number for c in criteria] == ["", "", "", "4", "", "6", "7", "8"]
    assert criteria[3].text == "the subject's HIV test positive"
    assert criteria[6].text == "Pregnant; planning pregnancy"


def test_semicolon_separated_criteria_without_enumeration() -> None:
    text = "Inclusion criteria\n\nMild burns (thermal); Skin 0.2-0.3mm; Stable and able to comply-\n"
    assert [c.text for c in split(text)] == ["Mild burns (thermal)", "Skin 0.2-0.3mm",
                                             "Stable and able to comply"]


def test_hard_wraps_are_joined() -> None:
    text = ("  1. Those with a history of organ diseases, or a history of autoimmune\n"
            "     diseases or immune dysfunction;\n  2. Pregnant")
    assert tree(text) == [("1", "Those with a history of organ diseases, or a history of "
                                "autoimmune diseases or immune dysfunction"), ("2", "Pregnant")]


def test_unmarked_sentences_after_a_finished_line_are_new_criteria() -> None:
    text = "  • Diagnosed with melasma.\n        Willing to sign the\n        consent form.\n"
    assert [c.text for c in split(text)] == ["Diagnosed with melasma.",
                                             "Willing to sign the consent form."]


@pytest.mark.parametrize(
    "sentence",
    ["Creatinine < 1.5 mg/dl and ECOG 0 or 1. Life expectancy > 3 months",
     "Aminosalicylates (e.g., Mesalazine, b. balsalazide) allowed",
     "Use of aspirin, i.e. 100 mg daily, vs. placebo",
     "Listed in No. 5 of Fig. 2 of the protocol",
     "Grade 1. Patients with grade 2 excluded"],
)
def test_never_split_inside_parentheses_decimals_abbreviations(sentence: str) -> None:
    assert [c.text for c in split(f"Inclusion Criteria:\n* {sentence}\n")] == [sentence]


def test_markdown_escapes_are_undone() -> None:
    assert split("Inclusion Criteria\n* aged \\> 25 years \\[or \\<18\\]\n")[0].text == \
        "aged > 25 years [or <18]"


def test_lead_in_lines_become_headings() -> None:
    text = ("Inclusion Criteria\n\nYou may be eligible for this study if you:\n\n"
            "  -  Are 18-50 years old.\n\n  -  Are HIV-negative.\n")
    criteria = split(text)
    assert [c.text for c in criteria] == ["Are 18-50 years old.", "Are HIV-negative."]
    assert {c.heading for c in criteria} == {"You may be eligible for this study if you"}


def test_logic_bearing_lead_in_stays_a_parent() -> None:
    text = "Inclusion Criteria\nAt least one of the following:\n  - diabetes\n  - obesity\n"
    criteria = split(text)
    assert len(criteria) == 1 and [c.text for c in criteria[0].children] == ["diabetes", "obesity"]


def test_ids_paths_parents_depths() -> None:
    text = "Exclusion Criteria:\n1. Any of:\n  a. x\n  b. y\n2. z"
    items = flat(split(text))
    assert [(c.criterion_id, c.parent_id, c.depth) for c in items] == [
        ("exc.1", None, 0), ("exc.1.a", "exc.1", 1), ("exc.1.b", "exc.1", 1), ("exc.2", None, 0)]


def test_offsets_point_at_the_criterion_text() -> None:
    text = "Inclusion Criteria:\n  2. Weight ≥40 kg, and a\n     long wrapped line\n  3. \\> 18"
    for criterion in flat(split(text)):
        assert clean_text(text[criterion.start : criterion.end]) == criterion.text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab iv1234567890.,;:()[]-*•\n\t\\>ABC:IxX")), max_size=300))
def test_splitter_never_raises_and_offsets_hold(text: str) -> None:
    criteria = flat(split_criteria(text, find_sections(text)))
    ids = [c.criterion_id for c in criteria]
    assert len(ids) == len(set(ids))
    for criterion in criteria:
        assert 0 <= criterion.start <= criterion.end <= len(text)
        assert clean_text(text[criterion.start : criterion.end]) == criterion.text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.booleans())
def test_any_text_any_mode(text: str, is_page: bool) -> None:
    for criterion in flat(split_criteria(text, find_sections(text, is_page))):
        assert clean_text(text[criterion.start : criterion.end]) == criterion.text


def test_short_unpunctuated_lines_are_separate_criteria() -> None:
    text = ("Any other primary DSM-IV diagnosis; DSM-IV criteria for body dysmorphic disorder, "
            "bipolar affective disorder, schizophrenia or any psychotic disorder\n"
            "Comorbid major depressive disorder diagnosis which predates OCD diagnosis\n"
            "Cognitive behavioural therapy in past four months\nBMI < 20\n")
    assert [c.text for c in split(text)][-3:] == [
        "Comorbid major depressive disorder diagnosis which predates OCD diagnosis",
        "Cognitive behavioural therapy in past four months", "BMI < 20"]


def test_wrap_width_ignores_one_long_unwrapped_line() -> None:
    text = ("  • " + "Patients diagnosed with chloasma " * 5 + "on the face.\n"
            "        Fully understand the content and significance of this study, rights of\n"
            "        subjects (including privacy protection), willing to cooperate well, and\n"
            "        (in writing) Those who signed the informed consent form.\n")
    assert len(split(text)) == 2


def test_short_caps_lines_that_state_a_measure_stay_criteria() -> None:
    # Chia/CT.gov lines such as "BMI < 20" or "HIV" used to be read as headings and lost.
    text = ("Exclusion Criteria\nBMI < 20\nHIV\nECOG 0-2.\nPRIOR CONCURRENT THERAPY\n"
            "No chemotherapy within 4 weeks\n")
    criteria = split(text)
    assert [c.text for c in criteria] == ["BMI < 20", "HIV", "ECOG 0-2.",
                                          "No chemotherapy within 4 weeks"]
    assert criteria[-1].heading == "PRIOR CONCURRENT THERAPY"
    assert criteria[0].heading == ""


def test_short_lower_case_lines_are_criteria_not_wraps() -> None:
    # Chia writes one criterion per line, often in lower case: a line far shorter than the
    # wrap width was broken by its author, not wrapped (they used to merge into one item).
    text = ("Inclusion Criteria:\n"
            "adults with moderate to severe plaque psoriasis for at least six months and\n"
            "no response to topical therapy\nnormal OGTT\nnormal treadmill stress test\n")
    assert [t for _, t in tree(text)] == [
        "adults with moderate to severe plaque psoriasis for at least six months and "
        "no response to topical therapy", "normal OGTT", "normal treadmill stress test"]


def test_lower_case_line_after_a_full_line_is_still_a_wrap() -> None:
    text = ("Inclusion Criteria:\n- Patients with a histologically confirmed diagnosis of\n"
            "  metastatic breast cancer\n- Signed consent\n")
    assert tree(text) == [
        ("1", "Patients with a histologically confirmed diagnosis of metastatic breast cancer"),
        ("2", "Signed consent")]


def test_a_labelled_lead_in_without_children_is_a_criterion_not_a_heading() -> None:
    # PDQ-style legacy records: the words before "Hepatic:" state the age limit.
    text = ("PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ECOG 0-2 Hepatic:\n"
            "Bilirubin no greater than 2 times upper limit of normal\n")
    assert [t for _, t in tree(text)] == [
        "PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ECOG 0-2 Hepatic:",
        "Bilirubin no greater than 2 times upper limit of normal"]


def test_a_plain_lead_in_still_heads_what_follows() -> None:
    text = ("Inclusion Criteria:\nPatients must meet all of the following:\n- Age 18 or older\n"
            "- Signed consent\n")
    criteria = flat(split(text))
    assert [c.text for c in criteria] == ["Age 18 or older", "Signed consent"]
    assert {c.heading for c in criteria} == {"Patients must meet all of the following"}

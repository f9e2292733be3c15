"""The review report: highlights, escaping, self-containment, errors, and the command."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import trialnlp
from trialnlp.cli import app
from trialnlp.criteria.splitter import clean_text
from trialnlp.errors import EXIT_INPUT, EXIT_PARTIAL
from trialnlp.report import KINDS, clean_with_offsets, layout, render_report, write_report
from trialnlp.report.highlight import Close, Open
from trialnlp.trial import Trial
from trialnlp.types import Constraint, Criterion, ReadError

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
runner = CliRunner()

HOSTILE = """Inclusion Criteria:
- Age 18 to 75 years
- <script>alert(1)</script> type 2 diabetes
- Women who are not pregnant

Exclusion Criteria:
- ALT and/or AST\u2265 2.5 times the upper limit of normal
- <img src=x onerror=alert(2)> "quoted" & 'single' myocardial infarction within
  6 months before screening
"""


@pytest.fixture(scope="module")
def hostile() -> Trial:
    return trialnlp.extract(HOSTILE, trial_id="NCT00000001")


@pytest.fixture(scope="module")
def seeds() -> list[Trial]:
    return list(trialnlp.extract_many([SEEDS]))


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def highlights_by_id(article) -> dict[str, list]:
    marks: dict[str, list] = defaultdict(list)
    for mark in article.select(".ctext mark.hl"):
        marks[mark["data-cid"]].append(mark)
    return marks


def _loose(text: str) -> str:
    return " ".join(text.replace("\\", "").split())


def check_trial(article, trial: Trial) -> int:
    """Every criterion shows its text exactly; every constraint with offsets is one
    highlight (in one or more pieces) showing its text.  Returns the highlights checked."""
    marks = highlights_by_id(article)
    shown = {li["data-criterion"]: li for li in article.select("li.crit")}
    checked = 0
    for criterion in trial.iter_criteria():
        item = shown[criterion.criterion_id]
        assert item.select_one(":scope > .row .ctext").get_text() == criterion.text
        for constraint in criterion.constraints:
            if constraint.start is None:
                continue
            pieces = marks[constraint.constraint_id]
            assert pieces, f"no highlight for {constraint.constraint_id} {constraint.text!r}"
            assert len([m for m in pieces if "cont" not in m["class"]]) == 1
            assert all(m.find_parent("li", class_="crit") is item for m in pieces)
            shown_text = "".join(m.get_text() for m in pieces)
            if constraint.text == clean_text(constraint.text) and "\\" not in constraint.text:
                assert shown_text == constraint.text
            else:  # a span over a hard wrap or a markdown escape shows as the criterion does
                assert shown_text == _loose(constraint.text)
            assert pieces[0]["data-kind"] == constraint.kind
            checked += 1
    assert sum(len(m) for m in marks.values()) >= checked
    return checked


# -- the text mapping and the layout -----------------------------------------------------------
@given(st.text(alphabet="ab Z-\\>\n\t(.", max_size=60))
@settings(max_examples=300, deadline=None)
def test_clean_with_offsets_replays_clean_text(raw: str) -> None:
    clean, offsets = clean_with_offsets(raw, base=7)
    assert clean == clean_text(raw)
    assert len(offsets) == len(clean)
    assert offsets == sorted(set(offsets))
    for char, offset in zip(clean, offsets, strict=True):
        source = raw[offset - 7]
        assert source == char or (char == " " and source.isspace())


def test_clean_with_offsets_on_wraps_and_escapes() -> None:
    raw = "ALT \\> 2.5 x ULN, hyper-\n   tension and\n    diabetes"
    clean, offsets = clean_with_offsets(raw)
    assert clean == "ALT > 2.5 x ULN, hyper-tension and diabetes"
    assert raw[offsets[clean.index(">")]] == ">"
    assert raw[offsets[clean.index("diabetes")]:].startswith("diabetes")


spans_strategy = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 12)), max_size=8)


@given(st.text(alphabet="abc ", min_size=1, max_size=30), spans_strategy)
@settings(max_examples=300, deadline=None)
def test_layout_nests_and_keeps_every_character(text: str, raw_spans) -> None:
    spans = [(s, min(s + n, len(text))) for s, n in raw_spans if s < len(text)]
    tokens = layout(text, spans)
    assert "".join(t for t in tokens if isinstance(t, str)) == text
    stack: list[int] = []
    pieces: dict[int, str] = defaultdict(str)
    opened: dict[int, int] = defaultdict(int)
    for token in tokens:
        if isinstance(token, Open):
            assert token.continued == (opened[token.index] > 0)
            opened[token.index] += 1
            stack.append(token.index)
        elif isinstance(token, Close):
            assert stack.pop() == token.index  # properly nested
        else:
            for index in stack:
                pieces[index] += token
    assert not stack
    for index, (start, end) in enumerate(spans):
        assert pieces[index] == text[start:end]


def test_crossing_spans_are_split_not_duplicated() -> None:
    text = "serum creatinine above 2 mg/dL"
    tokens = layout(text, [(0, 16), (6, 24)])
    assert tokens == [Open(0), "serum ", Open(1), "creatinine", Close(1), Close(0),
                      Open(1, continued=True), " above 2", Close(1), " mg/dL"]


def test_rendered_crossing_spans() -> None:
    source = "- serum creatinine above 2 mg/dL"
    criterion = Criterion("inc.1", "inclusion", "", "-", "1", 0, source[2:], 2, len(source))
    criterion.constraints = [
        Constraint("lab", "serum creatinine", 2, 18, constraint_id="inc.1#1"),
        Constraint("measurement", "creatinine above 2", 8, 26, constraint_id="inc.1#2"),
    ]
    trial = Trial("T1", "t.txt", "text", text=source, criteria=[criterion])
    article = soup_of(render_report([trial])).select_one("article.trial")
    assert check_trial(article, trial) == 2
    pieces = highlights_by_id(article)["inc.1#2"]
    assert [m.get_text() for m in pieces] == ["creatinine", " above 2"]
    assert "cont" in pieces[1]["class"]


# -- the page ----------------------------------------------------------------------------------
def test_trial_text_is_escaped(hostile: Trial) -> None:
    html = render_report([hostile])
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    page = soup_of(html)
    assert len(page.find_all("script")) == 1  # the page's own filter script
    assert page.find("img") is None
    texts = [li.select_one(".ctext").get_text() for li in page.select("li.crit")]
    assert "<script>alert(1)</script> type 2 diabetes" in texts
    assert any(t.startswith("<img src=x onerror=alert(2)> \"quoted\" & 'single'") for t in texts)


def test_every_constraint_is_one_highlight(hostile: Trial) -> None:
    article = soup_of(render_report([hostile])).select_one("article.trial")
    kinds = {c.kind for c in hostile.iter_constraints() if c.start is not None}
    assert {"age", "lab", "condition"} <= kinds
    assert check_trial(article, hostile) == sum(
        1 for c in hostile.iter_constraints() if c.start is not None)
    # ALT and/or AST >= 2.5 x ULN holds AST >= 2.5 x ULN: the second nests in the first
    nested = article.select(".ctext mark.k-lab mark.k-lab")
    assert [m.get_text() for m in nested] == ["AST\u2265 2.5 times the upper limit of normal"]
    assert "relative_to ULN" in nested[0]["title"] and "op >=" in nested[0]["title"]


def test_seeds_render_every_constraint(seeds: list[Trial]) -> None:
    page = soup_of(render_report(seeds))
    articles = {a["data-trial"]: a for a in page.select("article.trial")}
    assert len(articles) == 5
    checked = sum(check_trial(articles[t.trial_id], t) for t in seeds)
    with_offsets = sum(1 for t in seeds for c in t.iter_constraints() if c.start is not None)
    assert checked == with_offsets > 100
    assert not page.select("ul.unplaced li")


def test_header_summary_and_structured_constraints(seeds: list[Trial]) -> None:
    trial = next(t for t in seeds if t.trial_id == "NCT06853522")
    article = soup_of(render_report([trial])).select_one("article.trial")
    facts = {dt.get_text(): dd.get_text() for dt, dd in
             zip(article.select("dl.facts dt"), article.select("dl.facts dd"), strict=True)}
    assert facts["Minimum age"] == "18 years" and facts["Maximum age"] == "75 years"
    assert facts["Healthy volunteers"] == "no"
    summary = article.select_one(".summary").get_text(" ", strip=True)
    assert "26 criteria: inclusion 17, exclusion 9" in summary
    # the counts the data holds (they move with the NER model, so they are not pinned here)
    kinds = Counter(c.kind for c in trial.iter_constraints())
    assert kinds["drug"] > 20 and kinds["condition"] > 20
    assert f"drug {kinds['drug']}" in summary and f"condition {kinds['condition']}" in summary
    offsetless = [li.get_text(" ", strip=True) for li in article.select(".offsetless li")]
    assert offsetless == ["age 18 Years - 75 Years 18-75 a · structured"]
    sections = [s["data-section"] for s in article.select("section.sec")]
    assert sections == ["inclusion", "exclusion"]
    numbers = [n.get_text() for n in article.select("section.s-exclusion li.crit .num")][:3]
    assert numbers == ["2.", "3.", "4."]  # as written: this list starts at 2


def test_filters_and_legend_cover_every_kind(hostile: Trial) -> None:
    page = soup_of(render_report([hostile]))
    kinds = [i["value"] for i in page.select('input[data-filter="kind"]')]
    assert kinds[: len(KINDS)] == list(KINDS)
    assert [i["value"] for i in page.select('input[data-filter="section"]')] == \
        ["inclusion", "exclusion"]
    css = page.style.get_text()
    for kind in KINDS:
        assert f".k-{kind}{{--kc:#" in css and f"body.off-k-{kind} mark.k-{kind}" in css


def test_unknown_kind_gets_a_colour_and_a_filter() -> None:
    source = "- frailty index 0.3"
    criterion = Criterion("crit.1", "unspecified", "", "-", "1", 0, source[2:], 2, len(source))
    criterion.constraints = [Constraint("frailty", "frailty index", 2, 15,
                                        constraint_id="crit.1#1")]
    page = soup_of(render_report([Trial("T", "t", "text", text=source, criteria=[criterion])]))
    assert "frailty" in [i["value"] for i in page.select('input[data-filter="kind"]')]
    assert ".k-frailty{--kc:#" in page.style.get_text()


def test_self_contained_with_a_strict_csp(seeds: list[Trial]) -> None:
    html = render_report(seeds)
    page = soup_of(html)
    for tag in page.find_all(True):
        for attribute in ("src", "href", "action", "data", "poster", "srcset"):
            value = tag.get(attribute)
            if value is not None:
                assert not re.match(r"(?i)\s*(https?:|//)", value), (tag.name, value)
    assert not page.find_all("link") and not page.find_all("img") and not page.find_all("iframe")
    assert not page.find_all("script", src=True)
    style, script = page.style.get_text(), page.script.get_text()
    assert "@import" not in style and "url(" not in style
    assert "fetch(" not in script and "XMLHttpRequest" not in script
    csp = page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp and "http" not in csp and "unsafe-inline" not in csp

    def sha(content: str) -> str:
        return base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()

    assert f"style-src 'sha256-{sha(style)}'" in csp  # else the browser drops the style
    assert f"script-src 'sha256-{sha(script)}'" in csp


def test_errors_are_listed(hostile: Trial) -> None:
    failed = Trial.failed("NCT00000002", "batch.jsonl line 2", "malformed JSON: <oops>")
    html = render_report([failed, hostile],
                         errors=[ReadError("scan.pdf", "a PDF, not text", None)])
    page = soup_of(html)
    rows = [[td.get_text() for td in tr.select("td")] for tr in page.select("tr.error")]
    assert rows == [["NCT00000002", "batch.jsonl line 2", "malformed JSON: <oops>"],
                    ["scan.pdf", "scan.pdf", "a PDF, not text"]]
    assert [a["data-trial"] for a in page.select("article.trial")] == ["NCT00000001"]
    totals = page.select_one("#totals").get_text(" ", strip=True)
    n_criteria = sum(1 for _ in hostile.iter_criteria())
    n_constraints = sum(1 for _ in hostile.iter_constraints())
    assert f"1 trials {n_criteria} criteria {n_constraints} constraints" in totals
    assert "2 errors" in totals


def test_trial_without_its_text_still_shows_everything(hostile: Trial) -> None:
    bare = Trial.from_dict(hostile.to_dict())  # no source text: offsets cannot be mapped
    article = soup_of(render_report([bare])).select_one("article.trial")
    assert not article.select(".ctext mark")
    for criterion in bare.iter_criteria():
        item = article.select_one(f'li.crit[data-criterion="{criterion.criterion_id}"]')
        assert item.select_one(".ctext").get_text() == criterion.text
    listed = article.select("ul.unplaced li")
    assert len(listed) == sum(1 for c in bare.iter_constraints() if c.start is not None)


def test_write_report(tmp_path, hostile: Trial) -> None:
    path = write_report(tmp_path / "r.html", [hostile])
    assert path.read_text(encoding="utf-8") == render_report([hostile])


# -- the command ---------------------------------------------------------------------------------
def test_report_command_writes_the_page(tmp_path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = soup_of(out.read_text(encoding="utf-8"))
    assert len(page.select("article.trial")) == 5
    assert "5 trials, 71 criteria" in result.stderr


def test_report_command_reading_options(tmp_path) -> None:
    data = tmp_path / "sheet.csv"
    data.write_text('trial,elig\nX1,"Inclusion Criteria:\n- Age 18 years or older"\n',
                    encoding="utf-8")
    result = runner.invoke(app, ["report", str(data), "--input-format", "csv", "--text-field",
                                 "elig", "--id-field", "trial", "--quiet"])
    assert result.exit_code == 0, result.output
    page = soup_of(result.stdout)
    assert [a["data-trial"] for a in page.select("article.trial")] == ["X1"]
    assert page.select_one(".ctext").get_text() == "Age 18 years or older"
    assert page.select(".ctext mark.k-age")


def test_report_command_bad_input_exits_non_zero(tmp_path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(bad), "-o", str(out)])
    assert result.exit_code == EXIT_INPUT
    assert "scan.pdf" in result.stderr
    rows = soup_of(out.read_text(encoding="utf-8")).select("tr.error")
    assert len(rows) == 1 and "scan.pdf" in rows[0].get_text()
    missing = runner.invoke(app, ["report", str(tmp_path / "nope.txt")])
    assert missing.exit_code == EXIT_INPUT


def test_report_command_lists_bad_records(tmp_path) -> None:
    data = tmp_path / "batch.jsonl"
    data.write_text('{"nct_id": "NCT1", "criteria": "Inclusion Criteria:\\n- adults"}\n'
                    '{"nct_id": "NCT2", "criteria": \n', encoding="utf-8")
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = soup_of(out.read_text(encoding="utf-8"))
    assert [a["data-trial"] for a in page.select("article.trial")] == ["NCT1"]
    (row,) = page.select("tr.error")
    assert "line 2" in row.get_text()
    strict = runner.invoke(app, ["report", str(data), "-o", str(out), "--strict"])
    assert strict.exit_code == EXIT_PARTIAL

"""The review report in a real headless browser (Debian's chromium, driven by Playwright).

Set up with ``make browser``.  Skipped when chromium or the ``playwright`` package is
missing.  Set TRIALNLP_SCREENSHOT_DIR to keep the screenshots; TRIALNLP_CHROMIUM to use
another Chromium binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import trialnlp
from trialnlp.report import write_report

pytestmark = pytest.mark.slow

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CHROMIUM = os.environ.get("TRIALNLP_CHROMIUM") or next(
    (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None)

# Computed styles of the marks of one kind in the trial articles (not the legend's).
MARK_BACKGROUNDS = """kind => Array.from(
    document.querySelectorAll('article .ctext mark.hl[data-kind="' + kind + '"]'),
    m => getComputedStyle(m).backgroundColor)"""
TRANSPARENT = "rgba(0, 0, 0, 0)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium binary (install it with `make browser`, or set "
                    "TRIALNLP_CHROMIUM)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed "
        "(`make browser` installs the report-test extra)")
    # Root (CI, containers) cannot use Chromium's sandbox.
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser
        browser.close()


def open_page(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: problems.append(f"request: {r.url}")
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def keep_screenshot(page: Any, path: Path) -> None:
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    target = os.environ.get("TRIALNLP_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def test_seeds_report_in_chromium(browser: Any, tmp_path: Path) -> None:
    trials = list(trialnlp.extract_many([SEEDS]))
    report = write_report(tmp_path / "seeds.html", trials)
    page, problems = open_page(browser, report)

    marks = page.locator("article .ctext mark.hl")
    expected = sum(1 for t in trials for c in t.iter_constraints() if c.start is not None)
    assert marks.count() == expected > 100
    conditions = page.evaluate(MARK_BACKGROUNDS, "condition")
    drugs = page.evaluate(MARK_BACKGROUNDS, "drug")
    assert conditions and drugs
    assert TRANSPARENT not in conditions + drugs  # the page's own CSS applied (CSP hash ok)

    toggle = page.locator('input[data-filter="kind"][value="condition"]')
    toggle.uncheck()
    assert set(page.evaluate(MARK_BACKGROUNDS, "condition")) == {TRANSPARENT}
    assert TRANSPARENT not in page.evaluate(MARK_BACKGROUNDS, "drug")
    assert page.locator("article .ctext").first.inner_text() == trials[0].criteria[0].text
    toggle.check()
    assert page.evaluate(MARK_BACKGROUNDS, "condition") == conditions

    exclusion = page.locator("section.sec.s-exclusion").first
    assert exclusion.is_visible()
    page.locator('input[data-filter="section"][value="exclusion"]').uncheck()
    assert not exclusion.is_visible()
    assert page.locator("section.sec.s-inclusion").first.is_visible()
    page.locator('input[data-filter="section"][value="exclusion"]').check()
    assert exclusion.is_visible()

    page.locator('button[data-set="none"][data-group="kind"]').click()
    assert set(page.evaluate(MARK_BACKGROUNDS, "drug")) == {TRANSPARENT}
    page.locator('button[data-set="all"][data-group="kind"]').click()
    assert TRANSPARENT not in page.evaluate(MARK_BACKGROUNDS, "drug")

    title = marks.first.get_attribute("title")
    assert title and title.startswith(marks.first.get_attribute("data-kind") + ": ")
    assert problems == []
    page.locator("article.trial").nth(4).scroll_into_view_if_needed()
    keep_screenshot(page, tmp_path / "trialnlp-report-seeds.png")


def test_hostile_text_never_runs(browser: Any, tmp_path: Path) -> None:
    text = ("Inclusion Criteria:\n- <script>alert(1)</script> adults with diabetes\n"
            "- <img src=x onerror=alert(2)> hypertension\n"
            "Exclusion Criteria:\n- \"><svg onload=alert(3)> pregnancy\n")
    trial = trialnlp.extract(text, trial_id="NCT-XSS")
    page, problems = open_page(browser, write_report(tmp_path / "xss.html", [trial]))
    shown = page.locator("article .ctext").all_inner_texts()
    assert shown[0] == "<script>alert(1)</script> adults with diabetes"
    assert shown[1] == "<img src=x onerror=alert(2)> hypertension"
    assert page.locator("article img, article svg, article script").count() == 0
    assert problems == []  # no dialog, no console error, no request
    keep_screenshot(page, tmp_path / "trialnlp-report-xss.png")

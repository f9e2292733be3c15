"""Render trials as one self-contained HTML review page (inline CSS and JS, no network).

All trial text reaches the page through Jinja2 with autoescaping, or through
``markupsafe.escape`` for the highlighted criterion text built here; the page carries a
Content-Security-Policy that allows no remote source and only its own inline style and
script (by hash).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from ..constraints.assemble import KIND_OF_LABEL, structured_constraints
from ..trial import Trial
from ..types import SECTION_NAMES, AgeLimit, Constraint, Criterion, ReadError, Window
from .highlight import Close, Open, layout, locate

# Constraint kinds in the order the legend shows them: those the constraint builder makes
# (trialnlp.constraints.assemble), age and sex first.  Kinds met in the data but not listed
# here still get a colour (from _SPARE) and a filter.
KINDS: tuple[str, ...] = tuple(dict.fromkeys(["age", "sex", *KIND_OF_LABEL.values()]))
_COLOURS: dict[str, str] = {
    "age": "#ffd966", "sex": "#f7a8d0", "lab": "#8ecbff", "vital": "#ffab91",
    "score": "#c5b3ff", "substance": "#dcc48e", "measurement": "#8fe0d6", "drug": "#a8e89a",
    "condition": "#ffc98a", "procedure": "#c9d3e0", "pregnancy": "#f29b9b",
    "lactation": "#dfb8f0",
}
_SPARE: tuple[str, ...] = ("#e6e67a", "#9ee0a8", "#f0b3b3", "#b3c7f0", "#e0c2a2", "#c2e0e0")
SECTION_LABELS: dict[str, str] = {
    "inclusion": "Inclusion", "exclusion": "Exclusion", "unspecified": "Other (unspecified)",
}
_TEMPLATES = "templates"


# -- view model -------------------------------------------------------------------------------
@dataclass(slots=True)
class CriterionView:
    criterion: Criterion
    label: str  # the number as written (marker), or a bullet
    html: Markup  # criterion.text with highlights
    unplaced: list[Constraint]
    children: list[CriterionView] = field(default_factory=list)
    heading: str = ""  # a heading to show before this criterion (first under it)


@dataclass(slots=True)
class SectionView:
    name: str
    label: str
    criteria: list[CriterionView]
    count: int
    empty: bool
    header: str = ""  # the section's own header, where it says more than the label


@dataclass(slots=True)
class TrialView:
    trial: Trial
    anchor: str
    facts: list[tuple[str, str]]
    sections: list[SectionView]
    section_counts: dict[str, int]
    kind_counts: dict[str, int]
    without_offsets: list[Constraint]  # structured-field constraints and any without offsets
    constraints: list[Constraint]  # every constraint, for the table
    n_criteria: int
    n_constraints: int
    n_highlights: int


@dataclass(slots=True)
class ErrorView:
    trial_id: str
    source: str
    reason: str
    anchor: str


# -- formatting ----------------------------------------------------------------------------------
def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _age(limit: AgeLimit | None) -> str:
    if limit is None:
        return ""
    years = {"a": "years", "mo": "months", "wk": "weeks", "d": "days", "h": "hours",
             "min": "minutes"}
    return f"{limit.value:g} {years.get(limit.unit, limit.unit)}"


def window_text(window: Window | None) -> str:
    if window is None:
        return ""
    parts = [window.relation]
    if window.amount is not None:
        parts.append(f"{window.amount:g}{' ' + window.unit if window.unit else ''}")
    if window.anchor:
        parts.append(f"({window.anchor})")
    return " ".join(parts)


def value_text(c: Constraint) -> str:
    """The threshold as a reader writes it: ``>= 2.5 x ULN``, ``18-75 a``."""
    if c.op is None and c.value is None:
        return ""
    if c.op == "between":
        text = f"{_number(c.value)}-{_number(c.value_max)}"
    else:
        text = " ".join(p for p in (c.op or "", _number(c.value)) if p)
    if c.relative_to:
        text += f" x {c.relative_to}"
    if c.unit:
        text += f" {c.unit}"
    return text


def flags(c: Constraint) -> list[str]:
    return [name for name in ("negated", "historical", "hypothetical") if getattr(c, name)]


def tooltip(c: Constraint) -> str:
    """The title text of a highlight: the constraint's fields, one group a line."""
    lines = [f"{c.kind}: {c.text}"]
    if c.concept or c.code:
        lines.append(" ".join(p for p in (c.concept or "", f"[{c.code}]" if c.code else "") if p))
    fields_line = [f"{name} {_number(v) if isinstance(v, float) else v}"
                   for name in ("op", "value", "value_max", "unit", "relative_to", "sex")
                   if (v := getattr(c, name)) is not None]
    if fields_line:
        lines.append(" · ".join(fields_line))
    if c.dose_value is not None or c.dose_unit:
        dose = " ".join(p for p in (c.dose_op or "", _number(c.dose_value),
                                    f"-{_number(c.dose_value_max)}" if c.dose_value_max else "",
                                    c.dose_unit or "") if p)
        lines.append(f"dose {dose}")
    if c.window:
        lines.append(f"window {window_text(c.window)}" +
                     (f" - \u201c{c.window.text}\u201d" if c.window.text else ""))
    if c.qualifier:
        lines.append(f"qualifier {c.qualifier}")
    lines.append(" · ".join([*flags(c), f"effect {c.effect}" if c.effect else "",
                             f"source {c.source}", c.constraint_id]).strip(" ·"))
    return "\n".join(line for line in lines if line)


def kind_class(kind: str) -> str:
    """A CSS-safe class fragment for a kind (kinds are identifiers; anything else is mapped)."""
    return re.sub(r"[^a-z0-9_-]", "_", kind.lower()) or "_"


def kind_colours(kinds: Iterable[str]) -> dict[str, str]:
    colours: dict[str, str] = {}
    spare = 0
    for kind in kinds:
        if kind in _COLOURS:
            colours[kind] = _COLOURS[kind]
        else:
            colours[kind] = _SPARE[spare % len(_SPARE)]
            spare += 1
    return colours


def _anchor(prefix: str, text: str, used: set[str]) -> str:
    base = f"{prefix}-" + (re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x")
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor


# -- building ---------------------------------------------------------------------------------
def criterion_html(criterion: Criterion, source: str) -> tuple[Markup, list[Constraint], int]:
    """``criterion.text`` escaped, with a ``<mark>`` per placed constraint (split where
    spans cross); the constraints it could not place; the number placed."""
    located, unplaced = locate(criterion, source)
    text = criterion.text
    pieces: list[str] = []
    for token in layout(text, [(p.start, p.end) for p in located]):
        if isinstance(token, str):
            pieces.append(str(escape(token)))
        elif isinstance(token, Open):
            c = located[token.index].constraint
            classes = ["hl", f"k-{kind_class(c.kind)}", *flags(c)]
            if token.continued:
                classes.append("cont")
            cid = c.constraint_id or f"{criterion.criterion_id}#{token.index + 1}"
            pieces.append(
                f'<mark class="{escape(" ".join(classes))}" data-kind="{escape(c.kind)}" '
                f'data-cid="{escape(cid)}" title="{escape(tooltip(c))}">'
            )
        elif isinstance(token, Close):
            pieces.append("</mark>")
    return Markup("".join(pieces)), unplaced, len(located)


def _criterion_view(criterion: Criterion, source: str, counter: list[int]) -> CriterionView:
    html, unplaced, placed = criterion_html(criterion, source)
    counter[0] += placed
    label = criterion.marker.strip() or criterion.number or "\u2022"
    view = CriterionView(criterion, label, html, unplaced)
    view.children = [_criterion_view(child, source, counter) for child in criterion.children]
    return view


def _with_headings(views: list[CriterionView]) -> list[CriterionView]:
    heading = ""
    for view in views:
        if view.criterion.heading and view.criterion.heading != heading:
            view.heading = view.criterion.heading
        heading = view.criterion.heading
    return views


def trial_view(trial: Trial, used: set[str]) -> TrialView:
    s = trial.structured
    facts: list[tuple[str, str]] = []
    if s.minimum_age:
        facts.append(("Minimum age", _age(s.minimum_age)))
    if s.maximum_age:
        facts.append(("Maximum age", _age(s.maximum_age)))
    if s.sex:
        facts.append(("Sex", s.sex))
    if s.healthy_volunteers is not None:
        facts.append(("Healthy volunteers", "yes" if s.healthy_volunteers else "no"))
    if s.std_ages:
        facts.append(("Age groups", ", ".join(s.std_ages)))

    counter = [0]
    placed_ids: set[str] = set()
    sections: list[SectionView] = []
    for section in trial.sections:
        tops = [c for c in trial.criteria if c.section == section.name
                and section.start <= c.start <= section.end
                and c.criterion_id not in placed_ids]
        placed_ids.update(c.criterion_id for c in tops)
        views = _with_headings([_criterion_view(c, trial.text, counter) for c in tops])
        count = sum(1 for c in tops for _ in c.walk())
        sections.append(SectionView(section.name, SECTION_LABELS.get(section.name, section.name),
                                    views, count, section.end <= section.start,
                                    _telling_header(section.header)))
    # Criteria no section claims (not expected): shown, never dropped.
    rest = [c for c in trial.criteria if c.criterion_id not in placed_ids]
    if rest:
        views = _with_headings([_criterion_view(c, trial.text, counter) for c in rest])
        name = rest[0].section
        sections.append(SectionView(name, SECTION_LABELS.get(name, name), views,
                                    sum(1 for c in rest for _ in c.walk()), False))

    section_counts = Counter(c.section for c in trial.iter_criteria())
    constraints = list(trial.iter_constraints())
    kinds = Counter(c.kind for c in constraints)
    without_offsets = [*structured_constraints(trial.structured),
                       *(c for c in trial.iter_criteria() for c in c.constraints
                         if c.start is None or c.end is None)]
    return TrialView(
        trial=trial, anchor=_anchor("trial", trial.trial_id, used), facts=facts,
        sections=sections,
        section_counts={name: section_counts[name] for name in SECTION_NAMES
                        if section_counts[name]},
        kind_counts=dict(sorted(kinds.items(), key=lambda kv: _kind_order(kv[0]))),
        without_offsets=without_offsets, constraints=constraints,
        n_criteria=sum(section_counts.values()), n_constraints=len(constraints),
        n_highlights=counter[0],
    )


def _telling_header(header: str) -> str:
    """The header as written, unless it only names the section ("Inclusion Criteria:")."""
    plain = re.sub(r"[^a-z ]", "", header.lower()).split()
    return "" if not plain or set(plain) <= _PLAIN_HEADER_WORDS else header.strip()


_PLAIN_HEADER_WORDS = frozenset({"inclusion", "exclusion", "criteria", "criterion", "key"})


def _kind_order(kind: str) -> tuple[int, str]:
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), kind)


def _error_view(item: Trial | ReadError, used: set[str]) -> ErrorView:
    if isinstance(item, ReadError):
        trial_id, reason = item.trial_id or item.source, item.reason
    else:
        trial_id, reason = item.trial_id, item.error or "unknown error"
    return ErrorView(trial_id, item.source, reason, _anchor("error", trial_id, used))


# -- rendering ---------------------------------------------------------------------------------
@cache
def _environment() -> jinja2.Environment:
    def load(name: str) -> str:
        return resources.files("trialnlp.report").joinpath(_TEMPLATES, name).read_text("utf-8")

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(load), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["value_text"] = value_text
    env.filters["window_text"] = window_text
    env.filters["kind_class"] = kind_class
    env.filters["flags"] = flags
    env.filters["tooltip"] = tooltip
    return env


def _asset(name: str) -> str:
    return resources.files("trialnlp.report").joinpath(_TEMPLATES, name).read_text("utf-8")


def _csp_hash(content: str) -> str:
    digest = hashlib.sha256(content.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _kind_css(colours: dict[str, str]) -> str:
    """Per-kind colours, and the rules that switch a kind's highlights (and rows) off."""
    rules = []
    for kind, colour in colours.items():
        k = kind_class(kind)
        rules.append(
            f".k-{k}{{--kc:{colour}}}\n"
            f"body.off-k-{k} mark.k-{k}{{background:transparent;border-color:transparent;"
            "outline-color:transparent;font-style:inherit}\n"
            f"body.off-k-{k} .kind-item.k-{k}{{display:none}}"
        )
    return "\n".join(rules) + "\n"


def _split(items: Iterable[Trial | ReadError]) -> tuple[list[Trial], list[Trial | ReadError]]:
    good: list[Trial] = []
    bad: list[Trial | ReadError] = []
    for item in items:
        if isinstance(item, Trial) and item.status == "ok":
            good.append(item)
        else:
            bad.append(item)
    return good, bad


def render_report(trials: Iterable[Trial], errors: Iterable[Trial | ReadError] = (),
                  title: str = "trialnlp review report") -> str:
    """The whole report as one HTML document.

    ``trials`` may include error trials (``status == "error"``); they are listed with
    ``errors`` (more error trials, or ReadErrors) in the page's error list, in order.
    """
    from .. import __version__

    good, bad = _split(trials)
    bad.extend(errors)
    used: set[str] = set()
    views = [trial_view(trial, used) for trial in good]
    error_views = [_error_view(item, used) for item in bad]

    kinds_seen = Counter(kind for view in views for kind in view.kind_counts
                         for _ in range(view.kind_counts[kind]))
    kinds = sorted(set(KINDS) | set(kinds_seen), key=_kind_order)
    colours = kind_colours(kinds)
    sections_seen = Counter(c.section for v in views for c in v.trial.iter_criteria())
    sections = [name for name in SECTION_NAMES if sections_seen[name]] or ["inclusion",
                                                                           "exclusion"]
    css = _asset("report.css") + _kind_css(colours)
    script = _asset("report.js")
    csp = ("default-src 'none'; img-src data:; "
           f"style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
           "base-uri 'none'; form-action 'none'")
    totals = {
        "trials": len(views), "criteria": sum(v.n_criteria for v in views),
        "constraints": sum(v.n_constraints for v in views),
        "highlights": sum(v.n_highlights for v in views), "errors": len(error_views),
        "warnings": sum(len(v.trial.warnings) for v in views),
    }
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title, version=__version__, csp=csp, css=Markup(css), script=Markup(script),
        trials=views, errors=error_views, totals=totals, kinds=kinds, colours=colours,
        kind_totals=kinds_seen, sections=sections, section_labels=SECTION_LABELS,
        section_totals=sections_seen,
    )


def write_report(path: str | os.PathLike[str], trials: Iterable[Trial],
                 errors: Iterable[Trial | ReadError] = (), title: str = "trialnlp review report",
                 ) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8); returns the path."""
    target = Path(path)
    target.write_text(render_report(trials, errors, title), encoding="utf-8")
    return target


__all__ = ["KINDS", "render_report", "write_report"]

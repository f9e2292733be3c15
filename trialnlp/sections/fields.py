"""Structured eligibility fields printed on trial web pages, outside the criteria text.

Pages show them in three shapes, all found in the seeds:

* labelled, the value on the same or the next line (``Minimum Eligible Age`` / ``25 Years``,
  ``Sex`` / ``All``, ``Accepts Healthy Volunteers Yes``);
* a summary line near the title (``18 - 60 years of age`` then ``Both``);
* an unlabelled block after the criteria (``18 Years`` / ``75 Years`` / ``ALL`` / ``No``).

A label whose value is missing (seed 004 prints ``Sex`` then ``Ages``) gives nothing:
every value must parse.
"""

from __future__ import annotations

import re
from functools import cache

from ..readers.fields import parse_age_limit, parse_healthy_volunteers, parse_sex
from ..resources import load_json
from ..types import AgeLimit, StructuredFields

_RANGE = re.compile(
    r"^(?:ages?:?\s*)?(?P<low>\d{1,3})\s*(?:-|–|—|to|~)\s*(?P<high>\d{1,3})\s*"
    r"(?P<unit>years?|yrs?|months?|weeks?|days?)(?:\s+(?:of\s+age|old))?\.?$",
    re.IGNORECASE,
)
_AGE_LINE = re.compile(r"^\d{1,3}\s*(?:years?|months?|weeks?|days?)$", re.IGNORECASE)
_HV_LINE = re.compile(r"^(?:accepts|no)\s+healthy\s+volunteers?$", re.IGNORECASE)


@cache
def _labels() -> dict[str, str]:
    """label (lower case) -> field name."""
    labels = load_json("sections.json")["structured_labels"]
    return {label: name for name, spellings in labels.items() for label in spellings}


def _age_range(line: str) -> tuple[AgeLimit, AgeLimit] | None:
    match = _RANGE.match(line)
    if not match:
        return None
    low = parse_age_limit(f"{match['low']} {match['unit']}")
    high = parse_age_limit(f"{match['high']} {match['unit']}")
    if low is None or high is None or low.value > high.value:
        return None
    return (AgeLimit(low.value, low.unit, line), AgeLimit(high.value, high.unit, line))


def structured_from_page(text: str) -> StructuredFields:
    """The structured fields a pasted page states; empty when it states none."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    found: dict[str, object] = {}

    def put(name: str, value: object) -> None:
        if value is not None and name not in found:
            found[name] = value

    labels = _labels()
    for index, line in enumerate(lines):
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        key = line.lower().rstrip(":： ")
        name = labels.get(key)
        value = nxt
        if name is None:  # "Minimum Eligible Age 25 Years", "Sex: All"
            for label, field_name in labels.items():
                if key.startswith(label + " ") or key.startswith(label + ":"):
                    name, value = field_name, line[len(label):].lstrip(":： ")
                    break
        if name in ("minimum_age", "maximum_age"):
            put(name, parse_age_limit(value))
        elif name == "age_range":
            ages = _age_range(value)
            if ages:
                put("minimum_age", ages[0])
                put("maximum_age", ages[1])
        elif name == "sex":
            put("sex", parse_sex(value))
        elif name == "healthy_volunteers" and value:
            put("healthy_volunteers", parse_healthy_volunteers(value))
        if _HV_LINE.match(line):
            put("healthy_volunteers", parse_healthy_volunteers(line))
        _unlabelled(lines, index, put)
    return StructuredFields(
        minimum_age=found.get("minimum_age"),  # type: ignore[arg-type]
        maximum_age=found.get("maximum_age"),  # type: ignore[arg-type]
        sex=found.get("sex"),  # type: ignore[arg-type]
        healthy_volunteers=found.get("healthy_volunteers"),  # type: ignore[arg-type]
    )


def _unlabelled(lines: list[str], index: int, put: object) -> None:
    """A summary line (``18 - 60 years of age``) or an ``18 Years`` block, then sex and yes/no."""
    assert callable(put)
    line = lines[index]
    ages = _age_range(line)
    follow = index + 1
    starts_block = index == 0 or not _AGE_LINE.match(lines[index - 1])
    if ages is None and _AGE_LINE.match(line) and starts_block:
        first = parse_age_limit(line)
        second = parse_age_limit(lines[index + 1]) if index + 1 < len(lines) and \
            _AGE_LINE.match(lines[index + 1]) else None
        follow = index + (2 if second else 1)
        if follow < len(lines) and parse_sex(lines[follow]) and first:
            ordered = second is not None and second.in_years() > first.in_years()
            ages = (first, second if ordered else None)  # type: ignore[assignment]
        else:
            return
    if ages is None:
        return
    sex = parse_sex(lines[follow]) if follow < len(lines) and len(lines[follow]) <= 12 else None
    if sex is None and not _RANGE.match(line):
        return
    put("minimum_age", ages[0])
    put("maximum_age", ages[1])
    put("sex", sex)
    if sex is not None and follow + 1 < len(lines) and len(lines[follow + 1]) <= 30:
        put("healthy_volunteers", parse_healthy_volunteers(lines[follow + 1]))

"""Parsers for the trial-level fields registries state apart from the criteria text.

They accept the spellings found in CT.gov API v2 (``FEMALE``, ``18 Years``, booleans), the
legacy XML/AACT exports (``All``, ``N/A``, ``Accepts Healthy Volunteers``, ``t``/``f``)
and web pages (``Both``, ``Accepts Healthy Volunteers: Yes``).  Each returns None for a
value it does not understand; ``structured_fields`` turns that into a record warning.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..types import AgeLimit, Sex, StructuredFields

_AGE = re.compile(
    r"""^\s*(?P<value>\d+(?:\.\d+)?)\s*
    (?P<unit>years?|yrs?|y|months?|mos?|mths?|weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?)?
    \.?(?:\s+(?:old|of\s+age))?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_NO_VALUE = frozenset({"", "n/a", "na", "n.a.", "none", "null", "no limit", "not applicable", "-"})
_UNITS: tuple[tuple[str, str], ...] = (
    ("mi", "min"),  # before "m" of months
    ("mo", "mo"),
    ("mt", "mo"),
    ("y", "a"),
    ("w", "wk"),
    ("d", "d"),
    ("h", "h"),
)

_FEMALE = frozenset({"female", "females", "woman", "women", "girl", "girls", "f"})
_MALE = frozenset({"male", "males", "man", "men", "boy", "boys", "m"})
_ANY = frozenset({"all", "both", "any", "either", "everyone"})
_SEX_LABEL = re.compile(r"^(?:sex(?:es)?(?: eligible(?: for study)?)?|gender)\s+")

_YES = frozenset({"yes", "y", "true", "t", "1", "accepted", "accepts", "accepting"})
_NO = frozenset({"no", "n", "false", "f", "0", "not accepted", "none accepted"})
_HEALTHY = re.compile(
    r"^(?:(?P<verb>accepts?|accepting|does not accept|doesn t accept|not accepting|no)\s+)?"
    r"healthy volunteers?(?:\s+(?P<rest>.*))?$"
)

_NCT = re.compile(r"(?<![A-Za-z0-9])NCT\d{8}(?!\d)", re.IGNORECASE)
_LABELLED_NCT = re.compile(
    r"(?:NCT\s*(?:ID|Number|No\.?|#)|ClinicalTrials\.gov\s*(?:ID|Identifier|Number)?|Identifier)"
    r"[\s:#|\-]{0,10}(NCT\d{8})(?!\d)",
    re.IGNORECASE,
)


def parse_age_limit(text: str | float | None) -> AgeLimit | None:
    """``'18 Years'`` -> AgeLimit(18.0, 'a', '18 Years'); ``'N/A'`` and unreadable -> None.

    A bare number is in years.  Units: years, months, weeks, days, hours, minutes (and
    their abbreviations), mapped to UCUM a, mo, wk, d, h, min.
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        return AgeLimit(float(text), "a", str(text)) if text >= 0 else None
    if not isinstance(text, str):
        return None
    return _parse_age_text(text)


@lru_cache(maxsize=4096)  # batch files repeat the same few values ("18 Years", "N/A")
def _parse_age_text(text: str) -> AgeLimit | None:
    match = _AGE.match(text)
    if match is None:
        return None
    unit_text = (match["unit"] or "y").lower()
    unit = next(ucum for prefix, ucum in _UNITS if unit_text.startswith(prefix))
    return AgeLimit(float(match["value"]), unit, text.strip())


def parse_sex(text: str | None) -> Sex | None:
    """``All``/``Both`` -> 'all', ``FEMALE``/``women`` -> 'female', ``Male``/``men`` -> 'male'."""
    if not isinstance(text, str):
        return None
    return _parse_sex_text(text)


@lru_cache(maxsize=1024)
def _parse_sex_text(text: str) -> Sex | None:
    cleaned = " ".join(re.sub(r"[^a-z]+", " ", text.lower()).split())
    cleaned = _SEX_LABEL.sub("", cleaned)
    words = set(cleaned.split())
    female, male = bool(words & _FEMALE), bool(words & _MALE)
    if female and male:
        return "all"
    if female:
        return "female"
    if male:
        return "male"
    if words & _ANY:
        return "all"
    return None


def parse_healthy_volunteers(value: str | bool | int | None) -> bool | None:
    """Whether healthy volunteers are accepted; None when the value says neither.

    True: ``Accepts Healthy Volunteers``, ``Yes``, ``t``, True.  False: ``No``,
    ``No Healthy Volunteers``, ``f``, False.  A value after the label wins:
    ``Accepts Healthy Volunteers: No`` -> False.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value) if value in (0, 1) else None
    if not isinstance(value, str):
        return None
    return _parse_healthy_text(value)


@lru_cache(maxsize=1024)
def _parse_healthy_text(value: str) -> bool | None:
    cleaned = " ".join(re.sub(r"[^a-z0-9]+", " ", value.lower()).split())
    match = _HEALTHY.match(cleaned)
    if match is None:
        return _yes_no(cleaned)
    rest = match["rest"]
    if rest:
        answer = _yes_no(rest)
        if answer is not None:
            return answer
    verb = match["verb"]
    if verb is None:
        return None
    return verb.startswith("accept")


def _yes_no(text: str) -> bool | None:
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def find_trial_id(text: str) -> str | None:
    """The NCT number a page is about.

    One labelled ``NCT ID:``/``NCT Number``/``ClinicalTrials.gov ID``/``Identifier:`` wins;
    else the most frequent ``NCT\\d{8}``, ties broken by first occurrence.
    """
    labelled = _LABELLED_NCT.search(text)
    if labelled is not None:
        return labelled[1].upper()
    counts: Counter[str] = Counter(match.upper() for match in _NCT.findall(text))
    if not counts:
        return None
    return counts.most_common(1)[0][0]  # Counter keeps first-seen order among equal counts


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _NO_VALUE)


def structured_fields(
    *,
    minimum_age: Any = None,
    maximum_age: Any = None,
    sex: Any = None,
    healthy_volunteers: Any = None,
    std_ages: Any = None,
) -> tuple[StructuredFields, list[str]]:
    """StructuredFields from raw values, with a warning for each value that is not understood."""
    warnings: list[str] = []

    def checked(name: str, raw: Any, parsed: Any, expected: str) -> Any:
        if parsed is None and not _is_blank(raw):
            warnings.append(f"{name} {raw!r} not understood (expected {expected}); ignored")
        return parsed

    fields = StructuredFields(
        minimum_age=checked(
            "minimum_age", minimum_age, parse_age_limit(minimum_age), "e.g. '18 Years' or 'N/A'"
        ),
        maximum_age=checked(
            "maximum_age", maximum_age, parse_age_limit(maximum_age), "e.g. '65 Years' or 'N/A'"
        ),
        sex=checked("sex", sex, parse_sex(sex), "All, Female or Male"),
        healthy_volunteers=checked(
            "healthy_volunteers",
            healthy_volunteers,
            parse_healthy_volunteers(healthy_volunteers),
            "yes/no or true/false",
        ),
        std_ages=_std_ages(std_ages),
    )
    return fields, warnings


def _std_ages(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = re.split(r"[,;|]", value)
    if not isinstance(value, Iterable):
        return ()
    return tuple(str(item).strip() for item in value if item is not None and str(item).strip())

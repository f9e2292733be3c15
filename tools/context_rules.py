"""Regenerate rules/context.json: medspaCy's default ConText rules as literal phrases, plus ours.

medspaCy's defaults mix literal phrases with token patterns (``{"LOWER": {"IN": [...]}}``,
optional tokens).  Token patterns run through spaCy's Matcher, which dominated the
pipeline's profile; every default pattern here only uses LOWER values and ``OP: "?"``,
so it expands into a finite list of literal phrases matched by the PhraseMatcher.

Usage: python tools/context_rules.py  (reads our additions from rules/context.json's
"trialnlp_rules" and rewrites its "context_rules").
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

RULES = Path(__file__).resolve().parents[1] / "rules" / "context.json"


def _alternatives(token: dict) -> list[str | None]:
    unknown = set(token) - {"LOWER", "OP"}
    if unknown or token.get("OP") not in (None, "?"):
        raise ValueError(f"cannot expand token pattern {token}")
    lower = token["LOWER"]
    words = lower["IN"] if isinstance(lower, dict) else [lower]
    return [*words, None] if token.get("OP") == "?" else list(words)


def expand(pattern: list[dict]) -> list[str]:
    phrases = set()
    for combination in itertools.product(*(_alternatives(t) for t in pattern)):
        words = [w for w in combination if w]
        if words:
            phrases.add(" ".join(words).replace(" 's", "'s").replace(" '", "'"))
    return sorted(phrases)


def main() -> None:
    import spacy
    from medspacy.context import ConText

    defaults = ConText(spacy.blank("en"), rules="default").rules
    data = json.loads(RULES.read_text(encoding="utf-8"))
    rules = []
    dropped = {rule["literal"].lower() for rule in data.get("dropped_defaults", [])}
    dropped_phrases = {(rule["phrase"].lower(), rule["category"])
                       for rule in data.get("dropped_phrases", [])}
    for rule in defaults:
        if rule.literal.lower() in dropped:
            continue
        base = {"category": rule.category, "direction": rule.direction}
        if rule.max_scope is not None:
            base["max_scope"] = rule.max_scope
        if rule.pattern is None:
            rules.append({"literal": rule.literal, **base})
            continue
        for phrase in expand(rule.pattern):
            if (phrase.lower(), rule.category) not in dropped_phrases:
                rules.append({"literal": phrase, **base})
    seen = set()
    unique = []
    for rule in [*rules, *data["trialnlp_rules"]]:
        key = (rule["literal"].lower(), rule["category"])
        if key not in seen:
            seen.add(key)
            unique.append(rule)
    data["context_rules"] = unique
    RULES.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(unique)} rules ({len(defaults)} medspaCy defaults expanded, "
          f"{len(data['trialnlp_rules'])} ours)")


if __name__ == "__main__":
    main()

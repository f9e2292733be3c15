"""How often the splitter's criteria match ClinicalTrials.gov's own bullets.

Legacy CT.gov text marks criteria with ``-  `` bullets, sub-bullets indented deeper (authors
add their own ``- ``).
For each record with such bullets (bullets that are themselves section headers such as
``-  INCLUSION CRITERIA:`` excluded) we compare:

* all bullets: the number of registry bullet lines vs criteria whose marker is ``-``;
* top level: bullets at the shallowest bullet indentation vs ``-`` criteria at depth 0.

Usage: python tools/bullet_agreement.py [legacy_sample.jsonl] [--show N]
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

import trialnlp

REGISTRY_BULLET = re.compile(
    r"(?m)^( *)-[ \t]+"
    r"(?!(?:KEY |Key |key )?(?:INCLUSION|EXCLUSION|Inclusion|Exclusion)[ A-Za-z]*:?\s*$)\S"
)
DEFAULT = Path(__file__).resolve().parents[1].parent / "shared/corpora/ctgov/legacy_sample.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--show", type=int, default=10, help="print N disagreements")
    args = parser.parse_args()
    records = with_text = no_criteria = compared = all_agree = top_agree = 0
    disagreements = []
    for trial in trialnlp.extract_many(args.path):
        records += 1
        if not trial.text.strip():
            continue
        with_text += 1
        criteria = list(trial.iter_criteria())
        no_criteria += not criteria
        bullets = [len(m.group(1)) for m in REGISTRY_BULLET.finditer(trial.text)]
        if not bullets:
            continue
        compared += 1
        registry_top = sum(1 for b in bullets if b == min(bullets))
        ours_all = sum(1 for c in criteria if c.marker == "-")
        ours_top = sum(1 for c in trial.criteria if c.marker == "-")
        all_agree += ours_all == len(bullets)
        top_agree += ours_top == registry_top
        if ours_top != registry_top:
            disagreements.append((trial.trial_id, registry_top, ours_top, len(bullets), ours_all))
    print(f"records: {records}; with criteria text: {with_text}; with text but no criteria: "
          f"{no_criteria}")
    print(f"records with registry bullets: {compared}")
    print(f"all bullets agree: {all_agree} ({all_agree / compared:.1%})")
    print(f"top-level bullets agree: {top_agree} ({top_agree / compared:.1%})")
    random.seed(0)
    for row in random.sample(disagreements, min(args.show, len(disagreements))):
        print("  {} registry top {} ours {} | registry all {} ours {}".format(*row))


if __name__ == "__main__":
    main()

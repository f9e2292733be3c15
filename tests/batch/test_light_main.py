"""The main process of a multi-worker run, and the command line until a command builds a
pipeline, never import spaCy: the workers' fork server starts while the main process is
still starting (trialnlp.options)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LIGHT = """
import sys
import trialnlp, trialnlp.batch, trialnlp.cli, trialnlp.export, trialnlp.readers
heavy = sorted(m for m in ("spacy", "thinc", "medspacy", "trialnlp.pipeline") if m in sys.modules)
assert not heavy, heavy
assert callable(trialnlp.extract) and "spacy" in sys.modules  # imported on first use
"""

BATCH = """
import json, sys
from pathlib import Path
from trialnlp.batch import run_batch

if __name__ == "__main__":
    summary = run_batch([sys.argv[1]], Path(sys.argv[2]), out_format="csv", jobs=2,
                        chunk_size=1)
    print(json.dumps({"trials": summary.trials, "criteria": summary.criteria,
                      "spacy": "spacy" in sys.modules}))
"""


@pytest.mark.slow
def test_import_trialnlp_and_the_cli_load_no_pipeline() -> None:
    subprocess.run([sys.executable, "-c", LIGHT], check=True)


@pytest.mark.slow
def test_main_process_of_a_worker_run_never_imports_spacy(tmp_path: Path) -> None:
    records = tmp_path / "trials.jsonl"
    records.write_text("".join(
        json.dumps({"nct_id": f"NCT0000000{i}",
                    "criteria": f"Inclusion Criteria:\n- Age >= {18 + i} years\n"
                                "- Hemoglobin >= 9 g/dL\n"}) + "\n"
        for i in range(3)))
    script = tmp_path / "run.py"
    script.write_text(BATCH)
    done = subprocess.run([sys.executable, str(script), str(records), str(tmp_path / "out")],
                          check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"trials": 3, "criteria": 6, "spacy": False}
    assert (tmp_path / "out" / "constraints.csv").read_text().count("Hemoglobin") >= 3

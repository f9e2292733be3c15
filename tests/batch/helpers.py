"""Helpers for the batch tests: the 30-record fixture, output snapshots, generated inputs."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
MIXED = DATA / "mixed.jsonl"  # 30 records; line 12 is malformed JSON, line 20 has numeric text
N_MIXED = 30
ERROR_LINES = (12, 20)


def read_bytes(folder: Path) -> dict[str, bytes]:
    """Every output file under ``folder`` (progress sidecars excluded), by name."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "progress" not in path.name
    }


def write_records(path: Path, count: int, start: int = 0) -> Path:
    """``count`` small distinct flat records as JSONL."""
    with path.open("w", encoding="utf-8") as handle:
        for i in range(start, start + count):
            criteria = (f"Inclusion Criteria:\n- Age {18 + i % 50} years or older\n"
                        f"- Record {i} consents\n  - witnessed\nExclusion Criteria:\n"
                        f"- Condition number {i}")
            handle.write(json.dumps({"nct_id": f"NCT{i:08d}", "criteria": criteria}) + "\n")
    return path


class StopAfter:
    """on_progress hook: Ctrl-C after ``chunks`` chunks have been written."""

    def __init__(self, chunks: int) -> None:
        self.left = chunks

    def __call__(self, state) -> None:
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt

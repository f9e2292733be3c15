"""No eval, no unpickling, no network: checked in the source and at run time."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

import trialnlp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "trialnlp"
SEEDS = ROOT / "seeds"

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "socket", "requests",
                     "httpx", "urllib.request", "http.client", "ftplib", "telnetlib",
                     "smtplib", "subprocess"}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_source_has_no_eval_unpickling_or_network(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in FORBIDDEN_CALLS:
            problems.append(f"line {node.lineno}: {node.func.id}()")
        if isinstance(node, ast.Import):
            problems += [f"line {node.lineno}: import {a.name}" for a in node.names
                         if a.name in FORBIDDEN_MODULES]
        if isinstance(node, ast.ImportFrom) and node.module in FORBIDDEN_MODULES:
            problems.append(f"line {node.lineno}: from {node.module} import ...")
        if isinstance(node, ast.Attribute) and node.attr == "load" \
                and isinstance(node.value, ast.Name) and node.value.id == "yaml":
            problems.append(f"line {node.lineno}: yaml.load (use yaml.safe_load)")
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to open a connection is recorded and refused."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection",
                        lambda address, *a, **k: refuse(None, address))  # type: ignore[arg-type]
    return attempts


def test_extract_match_and_report_make_no_network_access(no_network: list[object],
                                                          tmp_path: Path) -> None:
    from trialnlp.report import render_report

    trials = list(trialnlp.extract_many([SEEDS]))
    assert len(trials) == 5 and all(t.status == "ok" for t in trials)
    patient = {"id": "p", "reference_date": "2026-11-01", "age": 40, "sex": "female",
               "labs": [{"name": "ALT", "value": 112, "unit": "U/L", "high": 40}]}
    for trial in trials:
        trialnlp.match(patient, trial)
    html = render_report(trials)
    assert "<html" in html.lower()
    assert no_network == []

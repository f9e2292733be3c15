"""Heavy batch tests are marked slow, so the default run (-m "not slow") stays fast.

A test that starts a ``trialnlp`` subprocess, a Dask cluster of worker processes (also
through ``--engine dask`` without ``--scheduler``), or generates a thousand records or
more, must carry ``@pytest.mark.slow``.
"""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _is_slow(function: ast.FunctionDef) -> bool:
    return any(ast.unparse(d).startswith("pytest.mark.slow") for d in function.decorator_list)


def _is_heavy(function: ast.FunctionDef) -> bool:
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if name in ("_start", "subprocess.Popen", "subprocess.run"):
            return True
        words = {a.value for a in ast.walk(node) if isinstance(a, ast.Constant)}
        if {"--engine", "dask"} <= words and "--scheduler" not in words:
            return True  # the command with --engine dask alone starts a cluster of processes
        if any(k.arg == "processes" and ast.unparse(k.value) == "True" for k in node.keywords):
            return True
        if name == "write_records" and len(node.args) > 1:
            count = node.args[1]
            if isinstance(count, ast.Constant) and count.value >= 1000:
                return True
    return False


def test_heavy_tests_are_marked_slow() -> None:
    heavy, unmarked = [], []
    for path in sorted(HERE.glob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            is_test = isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            if is_test and _is_heavy(node):
                heavy.append(node.name)
                if not _is_slow(node):
                    unmarked.append(f"{path.name}::{node.name}")
    assert not unmarked, f"heavy tests without @pytest.mark.slow: {unmarked}"
    assert {"test_killed_process_resumes_to_the_same_output",
            "test_memory_is_flat_over_a_long_run",
            "test_engine_dask_on_worker_processes",
            "test_cli_engine_dask_starts_a_local_cluster"} <= set(heavy)

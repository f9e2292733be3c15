"""``trialnlp extract`` with --jobs, --resume, and its progress display."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import trialnlp.cli.extract as extract_module
from trialnlp.batch import run_batch
from trialnlp.batch.resume import load, progress_path
from trialnlp.cli import app

from .helpers import N_MIXED, read_bytes, write_records

runner = CliRunner()


def test_jobs_option_and_summary(tmp_path: Path, mixed: Path) -> None:
    one = runner.invoke(app, ["extract", str(mixed), "-o", str(tmp_path / "one"), "-j", "1"])
    two = runner.invoke(app, ["extract", str(mixed), "-o", str(tmp_path / "two"), "--jobs", "2",
                              "--chunk-size", "4"])
    assert one.exit_code == two.exit_code == 0, two.output
    assert read_bytes(tmp_path / "one") == read_bytes(tmp_path / "two")
    assert "28 trials, " in two.stderr and "2 errors in" in two.stderr
    assert two.stderr.count("trialnlp: error: ") == 2


def test_progress_is_quiet_when_stderr_is_not_a_terminal(tmp_path: Path, mixed: Path) -> None:
    result = runner.invoke(app, ["extract", str(mixed), "-o", str(tmp_path / "o"),
                                 "--chunk-size", "4", "-j", "1"])
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and lines[-1].startswith("28 trials,")  # 2 error lines + summary
    assert "ETA" not in result.stderr and "\x1b" not in result.stderr
    quiet = runner.invoke(app, ["extract", str(mixed), "-o", str(tmp_path / "q"), "--quiet"])
    assert quiet.exit_code == 0
    assert all(line.startswith("trialnlp: error:") for line in quiet.stderr.splitlines())


def test_progress_bar_on_a_terminal(tmp_path: Path, mixed: Path, monkeypatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(extract_module, "is_terminal", lambda: True)
    monkeypatch.setattr(extract_module, "stderr",
                        Console(file=screen, force_terminal=True, width=150, highlight=False))
    result = runner.invoke(app, ["extract", str(mixed), "-o", str(tmp_path / "o"),
                                 "--chunk-size", "4", "-j", "1"])
    assert result.exit_code == 0
    shown = screen.getvalue()
    assert f"{N_MIXED} trials" in shown and "trials/s" in shown and "ETA" in shown
    assert "100%" in shown  # progress measured in bytes of the input file
    assert "28 trials, " in shown  # the summary


def test_progress_reports_bytes_of_the_input(tmp_path: Path, mixed: Path) -> None:
    seen = []
    run_batch([mixed], tmp_path / "o", jobs=1, chunk_size=4, on_progress=seen.append)
    assert [s.records for s in seen] == [4, 8, 12, 16, 20, 24, 28, 30]
    done = [s.bytes_done for s in seen]
    assert done == sorted(done) and done[-1] == seen[-1].bytes_total == mixed.stat().st_size


def test_cli_interrupt_then_resume(tmp_path: Path, mixed: Path, monkeypatch) -> None:
    reference = runner.invoke(app, ["extract", str(mixed), "-o", str(tmp_path / "ref.jsonl")])
    assert reference.exit_code == 0
    out = tmp_path / "run.jsonl"

    def interrupted(*args, on_progress, **kwargs):
        def stop(state):
            on_progress(state)
            if state.records >= 8:
                raise KeyboardInterrupt
        return run_batch(*args, on_progress=stop, **kwargs)

    monkeypatch.setattr(extract_module, "run_batch", interrupted)
    result = runner.invoke(app, ["extract", str(mixed), "-o", str(out), "--chunk-size", "4"])
    assert result.exit_code == 130
    assert "interrupted after 8 records" in result.stderr and "--resume" in result.stderr
    monkeypatch.setattr(extract_module, "run_batch", run_batch)
    resumed = runner.invoke(app, ["extract", str(mixed), "-o", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "resumed after 8 records" in resumed.stderr
    assert out.read_bytes() == (tmp_path / "ref.jsonl").read_bytes()


def _start(args: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-c", "from trialnlp.cli import main; main()", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_progress(process: subprocess.Popen, progress: Path, at_least: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = load(progress) if progress.exists() else None
        if state is not None and state.records >= at_least:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the run made no progress")


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_killed_process_resumes_to_the_same_output(tmp_path: Path, how: int) -> None:
    """A real run on 2 workers, stopped by a signal mid-way, then resumed."""
    data = write_records(tmp_path / "big.jsonl", 3000)
    reference = run_batch([data], tmp_path / "ref", jobs=1)
    out = tmp_path / "run"
    process = _start(["extract", str(data), "-o", str(out), "-j", "2", "--chunk-size", "16"])
    _wait_for_progress(process, progress_path(out, True), 64)
    os.kill(process.pid, how)
    _, err = process.communicate(timeout=120)
    if how == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == 130, err
        assert b"--resume" in err
    stopped_at = load(progress_path(out, True)).records
    assert 64 <= stopped_at < 3000
    process = _start(["extract", str(data), "-o", str(out), "-j", "2", "--resume", "--quiet"])
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert read_bytes(out) == read_bytes(tmp_path / "ref")
    assert reference.trials == 3000

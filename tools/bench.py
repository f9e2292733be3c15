"""Benchmark of a whole-registry run (``make bench``): a benchmark, not a test.

Measures, on one input (default: the 3,460 legacy CT.gov records in ../shared):

  (a) spaCy's blank English tokenizer alone over the criteria texts;
  (b) the full default pipeline in one process (parse_records over the same records), and
      the same with the NER model off (``--model off``: rules only);
  (c) the real batch engine, end to end (read -> pipeline -> CSV), with ``--jobs 1`` and
      ``--jobs N`` (default 2): the speed-up of N workers;
  (d) cold start: a fresh ``python -c`` that imports trialnlp, loads the default pipeline
      and parses one short text;
  (e) memory: RSS of the main process and its workers, sampled through run (c), its peak,
      and whether it stays flat.

Prints trials/s, criteria/s and MB/s, the ratio of (b) to (a), the speed-up, and the time
the full registry (560,000 trials) would take; writes everything as JSON.  Timings depend
on what else the machine is doing: the load average before and after is recorded with them.

Usage: python tools/bench.py [--input PATH] [--json out/bench.json] [--jobs 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT.parent / "shared/corpora/ctgov/legacy_sample.jsonl"
REGISTRY_SIZE = 560_000
MIB = 1024 * 1024

# Targets from the issue (reported, never adjusted).
TARGETS = {
    "pipeline_vs_tokenizer": 1 / 5,  # (b) at least 1/5 of (a)'s throughput
    "speedup_2_jobs": 1.7,  # --jobs 2 vs one process, on 2 cores
    "peak_memory_mb": 1536,  # peak memory, PSS of main + workers + fork server
    "cold_start_s": 3.0,
    "registry_hours": 1.0,  # 560,000 trials on 2 cores
}

COLD_START = """
import json, time
t0 = time.perf_counter()
import trialnlp
t1 = time.perf_counter()
nlp = trialnlp.default_pipeline()
t2 = time.perf_counter()
trial = trialnlp.extract("Inclusion Criteria:\\n- Age >= 18 years\\n- Signed consent", nlp=nlp)
t3 = time.perf_counter()
assert len(trial.criteria) == 2
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_text_s": t3 - t2}))
"""


# -- memory and CPU of the process tree (Linux /proc) --------------------------------------
# Workers fork from a server that has built the pipeline, so most of their pages are shared:
# summing RSS counts those pages once per process.  PSS (proportional set size) divides
# each shared page among the processes sharing it: the sum of PSS is the memory in use.
def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of ``pid`` in bytes; PSS = RSS where smaps_rollup is not available."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    values[key] = int(rest.split()[0]) * 1024
        return values["Rss"], values["Pss"]
    except (OSError, KeyError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            rss = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        return rss, rss
    except (OSError, IndexError, ValueError):
        return 0, 0


def _descendants(pid: int) -> list[tuple[int, float]]:
    """(pid, CPU seconds so far) of every descendant of ``pid`` (workers, fork server)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, list[str]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as handle:
                    stats[int(name)] = handle.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, fields in stats.items():
            if int(fields[1]) == parent:
                found.append((child, (int(fields[11]) + int(fields[12])) / ticks))
                frontier.append(child)
    return found


class TreeSampler:
    """Every ``every`` seconds: RSS and PSS of process ``root`` and of its workers; and
    each worker's CPU time (for a projection that the machine's load does not distort)."""

    def __init__(self, root: int, every: float = 0.25) -> None:
        self.root, self.every, self.samples, self.records = root, every, [], 0
        self.worker_cpu: dict[int, float] = {}
        self.available = os.path.isdir("/proc/self")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = time.perf_counter()

    def __enter__(self) -> TreeSampler:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()

    def _run(self) -> None:
        me = self.root
        while not self._stop.is_set():
            main_rss, main_pss = _memory(me)
            rss = pss = 0
            for pid, cpu in _descendants(me):
                self.worker_cpu[pid] = max(cpu, self.worker_cpu.get(pid, 0.0))
                r, p = _memory(pid)
                rss, pss = rss + r, pss + p
            self.samples.append((time.perf_counter() - self._start, self.records,
                                 main_rss, main_pss, rss, pss))
            self._stop.wait(self.every)

    def report(self) -> dict[str, Any]:
        samples = self.samples
        if len(samples) < 4:
            return {"samples": len(samples)}
        pss = [s[3] + s[5] for s in samples]
        rss = [s[2] + s[4] for s in samples]
        n = len(samples)
        # Flat: over the second half of the records (start-up and warm-up done: the
        # pipeline loaded, its string store filled with the common words), memory does
        # not grow by more than a small margin.
        last = samples[-1][1]
        half = [p for s, p in zip(samples, pss, strict=True) if s[1] >= last / 2]
        if len(half) < 4:
            half = pss[n // 2:]
        second_q = statistics.median(half[: max(1, len(half) // 4)])
        last_q = statistics.median(half[-max(1, len(half) // 4):])
        growth = last_q - second_q
        return {
            "samples": n,
            "peak_total_mb": round(max(pss) / MIB, 1),  # PSS: main + workers + fork server
            "peak_main_mb": round(max(s[3] for s in samples) / MIB, 1),
            "peak_workers_mb": round(max(s[5] for s in samples) / MIB, 1),
            "peak_rss_sum_mb": round(max(rss) / MIB, 1),  # shared pages counted repeatedly
            "at_half_mb": round(second_q / MIB, 1),  # once half the records are written
            "at_end_mb": round(last_q / MIB, 1),
            "growth_mb": round(growth / MIB, 1),
            "flat": growth < max(25 * MIB, 0.05 * second_q),
            "series": [
                {"t": round(s[0], 2), "records": s[1], "main_pss_mb": round(s[3] / MIB, 1),
                 "workers_pss_mb": round(s[5] / MIB, 1),
                 "rss_sum_mb": round((s[2] + s[4]) / MIB, 1)}
                for s in samples[:: max(1, n // 40)]
            ],
        }


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- measurements ------------------------------------------------------------------------------
def load_records(path: Path, limit: int | None) -> list[Any]:
    from trialnlp.readers import read_sources

    records = []
    for record in read_sources([path]):
        records.append(record)
        if limit and len(records) >= limit:
            break
    return records


def bench_tokenizer(texts: list[str]) -> dict[str, Any]:
    import spacy

    nlp = spacy.blank("en")
    started = time.perf_counter()
    tokens = sum(len(nlp.make_doc(text)) for text in texts)
    elapsed = time.perf_counter() - started
    size = sum(len(text.encode("utf-8")) for text in texts)
    return {"texts": len(texts), "tokens": tokens, "seconds": round(elapsed, 3),
            "texts_per_s": round(len(texts) / elapsed, 1),
            "mb_per_s": round(size / MIB / elapsed, 3)}


def bench_pipeline(records: list[Any], model: str | None = None) -> dict[str, Any]:
    from trialnlp.pipeline import build_pipeline, parse_records

    started = time.perf_counter()
    nlp = build_pipeline(model=model)
    load = time.perf_counter() - started
    criteria = text_bytes = criteria_bytes = constraints = 0
    started = time.perf_counter()
    trials = 0
    for trial in parse_records(records, nlp):
        trials += 1
        text_bytes += len(trial.text.encode("utf-8"))
        for criterion in trial.iter_criteria():
            criteria += 1
            criteria_bytes += len(criterion.text.encode("utf-8"))
        constraints += sum(1 for _ in trial.iter_constraints())
    elapsed = time.perf_counter() - started
    return {
        "pipes": nlp.pipe_names, "model": nlp.get_pipe("trialnlp_constraints").model,
        "load_s": round(load, 3), "trials": trials,
        "criteria": criteria, "constraints": constraints, "seconds": round(elapsed, 3),
        "trials_per_s": round(trials / elapsed, 1), "criteria_per_s": round(criteria / elapsed, 1),
        "criteria_mb_per_s": round(criteria_bytes / MIB / elapsed, 3),
        "text_mb_per_s": round(text_bytes / MIB / elapsed, 3),
    }


def bench_engine(inputs: list[Path], jobs: int, sample_memory: bool) -> dict[str, Any]:
    """One run of the batch engine in a fresh process (as ``trialnlp extract`` runs),
    its memory and CPU sampled from here."""
    with tempfile.TemporaryDirectory(prefix="trialnlp-bench-") as out:
        command = [sys.executable, str(Path(__file__).resolve()), "--engine-run", str(jobs),
                   "--out", out, *map(str, inputs)]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        sampler = TreeSampler(child.pid)
        result: dict[str, Any] = {}
        with sampler:
            assert child.stdout is not None
            for line in child.stdout:
                kind, _, rest = line.partition(" ")
                if kind == "tick":
                    sampler.records = int(rest)
                elif kind == "result":
                    result = json.loads(rest)
            child.wait()
        wall = time.perf_counter() - started
        if child.returncode != 0 or not result:
            raise SystemExit(f"bench: the --jobs {jobs} run failed ({child.returncode})")
        written = sum(p.stat().st_size for p in Path(out).iterdir() if p.is_file())
    result.update({
        "wall_with_start_s": round(wall, 3),  # python start, imports, pipeline, run
        "output_mb": round(written / MIB, 2),
        "workers_cpu_s": round(sum(sampler.worker_cpu.values()), 3),
    })
    if sample_memory:
        result["memory"] = sampler.report()
    return result


def engine_run(jobs: int, out: str, inputs: list[str]) -> None:
    """The child of bench_engine: run_batch, progress on stdout, a JSON result at the end."""
    started = time.perf_counter()
    from trialnlp.batch import run_batch

    ticks: list[tuple[float, int]] = []

    def progress(state: Any) -> None:
        ticks.append((time.perf_counter(), state.records))
        print("tick", state.records, flush=True)

    run_started = time.perf_counter()
    summary = run_batch(inputs, Path(out), jobs=jobs, on_progress=progress)
    elapsed = time.perf_counter() - run_started
    steady = None
    if len(ticks) > 1 and ticks[-1][0] > ticks[0][0]:
        steady = round((ticks[-1][1] - ticks[0][1]) / (ticks[-1][0] - ticks[0][0]), 1)
    print("result", json.dumps({
        "jobs": jobs, "trials": summary.trials, "criteria": summary.criteria,
        "constraints": summary.constraints, "errors": summary.errors,
        "import_s": round(run_started - started, 3),
        "seconds": round(elapsed, 3), "trials_per_s": round(summary.trials / elapsed, 1),
        "criteria_per_s": round(summary.criteria / elapsed, 1),
        "main_cpu_s": round(_self_cpu(), 3),
        # From the first chunk written to the last: without the start-up (loading the
        # pipeline, starting workers), which a registry-sized run pays once.
        "first_chunk_s": round(ticks[0][0] - run_started, 3) if ticks else None,
        "steady_trials_per_s": steady,
    }), flush=True)


def bench_cold_start(runs: int) -> dict[str, Any]:
    walls, parts = [], []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", COLD_START], capture_output=True,
                              text=True, check=True)
        walls.append(time.perf_counter() - started)
        parts.append(json.loads(done.stdout.strip().splitlines()[-1]))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    interpreter = time.perf_counter() - started
    return {
        "runs": runs, "wall_s": [round(w, 3) for w in walls],
        "median_s": round(statistics.median(walls), 3), "min_s": round(min(walls), 3),
        "python_alone_s": round(interpreter, 3),
        "import_s": round(statistics.median(p["import_s"] for p in parts), 3),
        "load_s": round(statistics.median(p["load_s"] for p in parts), 3),
        "first_text_s": round(statistics.median(p["first_text_s"] for p in parts), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--json", type=Path, default=ROOT / "out" / "bench.json")
    parser.add_argument("--jobs", type=int, default=2, help="workers for run (c) (default 2)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="read the input this many times in run (c): a longer memory check")
    parser.add_argument("--limit", type=int, default=50_000,
                        help="records held in memory for (a) and (b) (default 50,000)")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--engine-run", type=int, metavar="JOBS", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("inputs", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine_run:
        engine_run(args.engine_run, args.out, args.inputs)
        return
    if not args.input.exists():
        sys.exit(f"bench: {args.input} not found (give another with --input / BENCH_INPUT=...)")

    cores = os.cpu_count() or 1
    result: dict[str, Any] = {
        "input": str(args.input), "input_mb": round(args.input.stat().st_size / MIB, 2),
        "cpu_count": cores, "python": sys.version.split()[0],
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    say = print
    say(f"input {args.input} ({result['input_mb']} MB), {cores} cores, "
        f"load average {result['load_average_before']}")

    result["cold_start"] = cold = bench_cold_start(args.cold_runs)
    say(f"(d) cold start: {cold['median_s']:.2f} s median of {cold['runs']} "
        f"(python {cold['python_alone_s']:.2f} s, import trialnlp {cold['import_s']:.2f} s, "
        f"pipeline {cold['load_s']:.2f} s, one text {cold['first_text_s']:.3f} s)")

    from trialnlp.types import SourceRecord

    records = load_records(args.input, args.limit)
    texts = [r.text for r in records if isinstance(r, SourceRecord)]
    result["tokenizer"] = tok = bench_tokenizer(texts)
    say(f"(a) blank tokenizer: {tok['texts_per_s']:.0f} texts/s, {tok['mb_per_s']:.2f} MB/s")
    result["pipeline_1_process"] = pipe = bench_pipeline(records)
    ratio = pipe["trials_per_s"] / tok["texts_per_s"]
    say(f"(b) full pipeline, 1 process ({', '.join(pipe['pipes'])}; --model "
        f"{pipe['model']}): {pipe['trials_per_s']:.1f} trials/s, "
        f"{pipe['criteria_per_s']:.0f} criteria/s, "
        f"{pipe['criteria_mb_per_s']:.3f} MB/s of criteria text; "
        f"{ratio:.3f} of the tokenizer's throughput")
    result["pipeline_1_process_rules_only"] = rules = bench_pipeline(records, model="off")
    del records, texts
    ratio_rules = rules["trials_per_s"] / tok["texts_per_s"]
    say(f"    rules only (--model off): {rules['trials_per_s']:.1f} trials/s, "
        f"{rules['criteria_per_s']:.0f} criteria/s; {ratio_rules:.3f} of the tokenizer's")

    inputs = [args.input] * args.repeat
    result["engine_jobs_1"] = one = bench_engine(inputs, 1, sample_memory=True)
    say(f"(c) batch engine --jobs 1: {one['trials_per_s']:.1f} trials/s end to end "
        f"({one['trials']} trials in {one['seconds']:.1f} s; first chunk after "
        f"{one['first_chunk_s']} s, then {one['steady_trials_per_s']} trials/s)")
    result["engine_jobs_n"] = many = bench_engine(inputs, args.jobs, sample_memory=True)
    speedup_engine = many["trials_per_s"] / one["trials_per_s"]
    speedup_pipeline = many["trials_per_s"] / pipe["trials_per_s"]
    steady = (many["steady_trials_per_s"] / one["steady_trials_per_s"]
              if many["steady_trials_per_s"] and one["steady_trials_per_s"] else None)
    say(f"(c) batch engine --jobs {args.jobs}: {many['trials_per_s']:.1f} trials/s end to end, "
        f"{speedup_engine:.2f}x --jobs 1, {speedup_pipeline:.2f}x the bare pipeline (b); "
        f"first chunk after {many['first_chunk_s']} s, then {many['steady_trials_per_s']} "
        f"trials/s ({steady or 0:.2f}x --jobs 1 once started)")
    # What an otherwise idle machine would give: CPU seconds do not grow much when other
    # processes compete for the cores, wall-clock seconds do.  With the work spread over
    # min(jobs, cores) cores, and the main process (reading, writing) a serial part.
    busy = min(args.jobs, cores)
    total_cpu = many["main_cpu_s"] + many["workers_cpu_s"]
    idle_wall = max(total_cpu / busy, many["main_cpu_s"],
                    many["workers_cpu_s"] / max(1, args.jobs))
    projected = one["main_cpu_s"] / idle_wall if idle_wall else 0.0
    many["cpu_projection"] = {
        "jobs_1_cpu_s": one["main_cpu_s"], "main_cpu_s": many["main_cpu_s"],
        "workers_cpu_s": many["workers_cpu_s"], "idle_wall_s": round(idle_wall, 3),
        "speedup": round(projected, 3),
        "trials_per_s": round(many["trials"] / idle_wall, 1) if idle_wall else None,
    }
    say(f"    CPU time: --jobs 1 {one['main_cpu_s']:.1f} s; --jobs {args.jobs} main "
        f"{many['main_cpu_s']:.1f} s + workers {many['workers_cpu_s']:.1f} s -> on an idle "
        f"machine about {projected:.2f}x ({many['cpu_projection']['trials_per_s']} trials/s)")
    memory = many["memory"]
    if "peak_total_mb" in memory:
        say(f"(e) memory: peak {memory['peak_total_mb']:.0f} MB PSS (main "
            f"{memory['peak_main_mb']:.0f} MB, workers and fork server "
            f"{memory['peak_workers_mb']:.0f} MB; sum of RSS {memory['peak_rss_sum_mb']:.0f} "
            f"MB, counting shared pages once per process); "
            f"{'flat' if memory['flat'] else 'NOT flat'} over the second half of the records "
            f"({memory['at_half_mb']:.0f} MB -> {memory['at_end_mb']:.0f} MB)")

    # A registry-sized run pays the start-up once: extrapolate from the steady rate.
    rate_n = many["steady_trials_per_s"] or many["trials_per_s"]
    rate_1 = one["steady_trials_per_s"] or one["trials_per_s"]
    hours_n = (REGISTRY_SIZE / rate_n + many["first_chunk_s"]) / 3600
    hours_1 = (REGISTRY_SIZE / rate_1 + one["first_chunk_s"]) / 3600
    say(f"extrapolated {REGISTRY_SIZE:,} trials: {hours_n:.2f} h with --jobs {args.jobs}, "
        f"{hours_1:.2f} h with --jobs 1")
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["summary"] = {
        "pipeline_vs_tokenizer": round(ratio, 3),
        "pipeline_rules_only_vs_tokenizer": round(ratio_rules, 3),
        "speedup_jobs_n_vs_jobs_1": round(speedup_engine, 3),
        "speedup_jobs_n_vs_pipeline_1_process": round(speedup_pipeline, 3),
        "speedup_jobs_n_projected_idle_from_cpu": many["cpu_projection"]["speedup"],
        "speedup_jobs_n_steady": round(steady, 3) if steady else None,
        "peak_memory_mb": memory.get("peak_total_mb"),
        "peak_rss_sum_mb": memory.get("peak_rss_sum_mb"),
        "memory_flat": memory.get("flat"),
        "cold_start_s": cold["median_s"],
        "registry_hours_jobs_n": round(hours_n, 3),
        "registry_hours_jobs_1": round(hours_1, 3),
    }
    s = result["summary"]
    checks = {
        "pipeline >= 1/5 tokenizer": s["pipeline_vs_tokenizer"] >= TARGETS["pipeline_vs_tokenizer"],
        f"--jobs {args.jobs} >= 1.7x one process": s["speedup_jobs_n_vs_jobs_1"]
        >= TARGETS["speedup_2_jobs"],
        "peak memory <= 1.5 GB (PSS)": (s["peak_memory_mb"] or 0) <= TARGETS["peak_memory_mb"],
        "memory flat": bool(s["memory_flat"]),
        "cold start <= 3 s": s["cold_start_s"] <= TARGETS["cold_start_s"],
        "registry < 1 h": s["registry_hours_jobs_n"] < TARGETS["registry_hours"],
    }
    result["targets_met"] = checks
    say("targets: " + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks.items()))
    say(f"load average after: {result['load_average_after']}"
        + ("  (the machine was busy: timings are pessimistic)"
           if max(result["load_average_before"][0], result["load_average_after"][0]) > cores / 2
           else ""))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    say(f"-> {args.json}")


if __name__ == "__main__":
    main()

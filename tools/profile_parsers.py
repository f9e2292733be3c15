"""Time ``find_values`` / ``find_windows`` on real criteria and check they keep their output.

Inputs (read in place): the ``criteria`` of the legacy CT.gov sample (JSONL) and the Chia
train texts (``*.txt``, read with ``newline=""``).  Each text is split into lines
(``str.splitlines``; blank lines dropped) and both functions run once per line, as the
pipeline runs them once per criterion.  Whole record texts are also timed and compared
(set ``whole_texts``), which exercises long texts and matches across line breaks.

  save PATH     run the current implementation, time it and store its outputs (pickle)
  compare PATH  run the current implementation, time it and compare every output with the
                stored ones (exit status 1 on any mismatch)

``--reference DIR`` also loads a copy of the original ``values.py``/``temporal.py``/
``units.py`` from DIR and times it in the same process, right before the current code, so
both timings see a similar machine load.  A timing is the best of ``--repeat`` passes of a
function over a set; per-text caches (if any) are cleared before each pass, so repeated
lines inside the corpus still count as hits, as they would in a registry run.

Usage (the baseline is saved with the original code checked out):
  python tools/profile_parsers.py save /tmp/parsers_baseline.pkl
  mkdir -p /tmp/orig_constraints && for f in values temporal units; do
      git show HEAD:trialnlp/constraints/$f.py > /tmp/orig_constraints/$f.py; done
  python tools/profile_parsers.py compare /tmp/parsers_baseline.pkl \
      [--reference /tmp/orig_constraints] [--repeat 3] [--sets ctgov_lines,chia_lines]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib.util
import json
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
CTGOV = SHARED / "ctgov" / "legacy_sample.jsonl"
CHIA = SHARED / "chia" / "train"


def load_corpora(ctgov: Path, chia: Path, limit: int | None) -> dict[str, list[str]]:
    """{set name: texts}: CT.gov lines, Chia lines, and the whole texts of both."""
    ct_texts: list[str] = []
    with ctgov.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                ct_texts.append(json.loads(line).get("criteria") or "")
            if limit and len(ct_texts) >= limit:
                break
    chia_texts = []
    for path in sorted(chia.glob("*.txt"))[: limit or None]:
        with path.open(encoding="utf-8", newline="") as handle:
            chia_texts.append(handle.read())

    def lines(texts: list[str]) -> list[str]:
        return [line for text in texts for line in text.splitlines() if line.strip()]

    return {
        "ctgov_lines": lines(ct_texts),
        "chia_lines": lines(chia_texts),
        "whole_texts": [t for t in ct_texts + chia_texts if t],
    }


def plain(obj: Any) -> Any:
    """Mentions as nested tuples (class-independent, picklable, comparable)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, *(plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)))
    if isinstance(obj, list | tuple):
        return tuple(plain(x) for x in obj)
    return obj


def clear_caches(*functions: Callable[..., Any]) -> None:
    for function in functions:
        clear = getattr(function, "cache_clear", None)
        if clear:
            clear()


def run(
    function: Callable[[str], Any], texts: list[str], repeat: int = 1
) -> tuple[float, list[Any]]:
    """Seconds for one pass of ``function`` over ``texts`` (the best of ``repeat`` passes,
    caches cleared before each) and its outputs."""
    best = float("inf")
    outputs: list[Any] = []
    for _ in range(repeat):
        clear_caches(function)
        gc.collect()
        started = time.perf_counter()
        outputs = [function(text) for text in texts]
        best = min(best, time.perf_counter() - started)
    return best, outputs


def load_reference(directory: Path) -> tuple[ModuleType, ModuleType]:
    """(values, temporal) modules loaded from copies of the original sources."""
    modules = {}
    for name in ("units", "values", "temporal"):
        source = (directory / f"{name}.py").read_text(encoding="utf-8")
        source = source.replace("from .units import", "from ._ref_units import")
        source = source.replace("from .values import", "from ._ref_values import")
        full = f"trialnlp.constraints._ref_{name}"
        spec = importlib.util.spec_from_loader(full, loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        module.__package__ = "trialnlp.constraints"
        sys.modules[full] = module
        exec(compile(source, str(directory / f"{name}.py"), "exec"), module.__dict__)
        modules[name] = module
    return modules["values"], modules["temporal"]


def timings(
    label: str,
    values: Callable[[str], Any],
    windows: Callable[[str], Any],
    sets: dict[str, Any],
    repeat: int = 1,
) -> dict[str, dict[str, Any]]:
    clear_caches(values, windows)
    for text in ("ALT > 2.5 x ULN within 6 months before screening", "age 18-75 years"):
        values(text), windows(text)  # warm up (first-use imports such as pint)
    clear_caches(values, windows)
    result: dict[str, dict[str, Any]] = {}
    for name, texts in sets.items():
        t_values, out_values = run(values, texts, repeat)
        t_windows, out_windows = run(windows, texts, repeat)
        result[name] = {
            "n": len(texts),
            "values_s": t_values,
            "windows_s": t_windows,
            "outputs": [plain(pair) for pair in zip(out_values, out_windows, strict=True)],
        }
        per = 1000 / max(len(texts), 1)
        print(
            f"{label:9} {name:12} {len(texts):6d} texts  find_values {t_values:7.3f} s"
            f" ({t_values * per * 1000:7.2f} ms/1k)  find_windows {t_windows:7.3f} s"
            f" ({t_windows * per * 1000:7.2f} ms/1k)",
            flush=True,
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("save", "compare"))
    parser.add_argument("path", type=Path, help="pickle of the reference outputs")
    parser.add_argument("--ctgov", type=Path, default=CTGOV)
    parser.add_argument("--chia", type=Path, default=CHIA)
    parser.add_argument("--limit", type=int, default=None, help="records / files per corpus")
    parser.add_argument("--reference", type=Path, default=None, help="original sources to time")
    parser.add_argument("--show", type=int, default=5, help="mismatches to print")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes (the best counts)")
    parser.add_argument(
        "--sets", default="ctgov_lines,chia_lines,whole_texts", help="comma-separated subsets"
    )
    args = parser.parse_args()

    from trialnlp.constraints.temporal import find_windows
    from trialnlp.constraints.values import find_values

    wanted = args.sets.split(",")
    sets = {k: v for k, v in load_corpora(args.ctgov, args.chia, args.limit).items() if k in wanted}
    if args.reference:
        ref_values, ref_temporal = load_reference(args.reference)
        reference = timings(
            "reference", ref_values.find_values, ref_temporal.find_windows, sets, args.repeat
        )
    current = timings("current", find_values, find_windows, sets, args.repeat)

    if args.mode == "save":
        with args.path.open("wb") as handle:
            pickle.dump({name: r["outputs"] for name, r in current.items()}, handle)
        print(f"saved outputs of {sum(len(t) for t in sets.values())} texts to {args.path}")
        return 0

    with args.path.open("rb") as handle:
        stored: dict[str, list[Any]] = pickle.load(handle)
    compared = mismatches = 0
    for name, texts in sets.items():
        if name not in stored:
            print(f"{name}: not in {args.path}")
            return 1
        expected = stored[name]
        got = current[name]["outputs"]
        if len(expected) != len(got):
            print(f"{name}: {len(expected)} stored outputs, {len(got)} texts (other --limit?)")
            return 1
        for text, want, have in zip(texts, expected, got, strict=True):
            compared += 1
            if want != have:
                mismatches += 1
                if mismatches <= args.show:
                    print(f"MISMATCH in {name}: {text[:200]!r}\n  want {want}\n  have {have}")
    if args.reference:
        for name, result in current.items():
            ref = reference[name]
            print(
                f"speed-up {name:12} find_values x{ref['values_s'] / result['values_s']:.1f}"
                f"  find_windows x{ref['windows_s'] / result['windows_s']:.1f}"
            )
    print(f"compared {compared} texts: {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())

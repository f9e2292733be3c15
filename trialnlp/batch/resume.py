"""``--resume``: the progress sidecar of a batch run.

Beside the output, a small JSON file records how many input records are fully written,
and how long each output file was at that moment::

    OUT/.trialnlp-progress.json          for a directory output (-o OUT/)
    OUT.csv.progress.json                for a file output (-o OUT.csv, .jsonl, .json, .parquet)

    {"trialnlp_progress": 1, "fingerprint": "...", "format": "csv", "records": 4096,
     "files": {"trials.csv": 812345, "criteria.csv": 9123456, "constraints.csv": 120},
     "counts": {"trials": 4096, "criteria": 51234, "constraints": 0, "errors": 3},
     "complete": false, "options": {"model": "gaps", "max_chars": 1000000, ...},
     "updated": "2025-01-01T12:00:00Z"}

It is rewritten atomically (temporary file + rename) after every chunk, once that
chunk's rows have been flushed, so it never claims more than is on disk.  ``--resume``
checks the fingerprint (trialnlp version, pipeline, model mode, size limit, input and
output options, and every input file's path, size and modification time; the options are
also kept in plain, so a refusal can say which one changed), cuts each output file back to the
recorded length (dropping rows a hard kill left after the last checkpoint), skips that many
input records and appends.  A Parquet file is complete only once closed, so for Parquet
``records`` is 0 until the writer closes (at the end, or on Ctrl-C / SIGTERM); after a
hard kill a Parquet run starts over.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TrialnlpError

VERSION = 1
COUNT_KEYS = ("trials", "criteria", "constraints", "errors")


@dataclass(slots=True)
class Checkpoint:
    fingerprint: str
    format: str
    records: int = 0
    files: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    complete: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # what the fingerprint covers


def progress_path(out: str | os.PathLike[str], directory_layout: bool) -> Path:
    out = Path(out)
    if directory_layout:
        return out / ".trialnlp-progress.json"
    return out.with_name(out.name + ".progress.json")


def fingerprint(**parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(path: Path) -> Checkpoint | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise TrialnlpError(f"cannot resume: {path} is not a readable progress file ({error})") \
            from error
    if not isinstance(data, dict) or data.get("trialnlp_progress") != VERSION:
        raise TrialnlpError(f"cannot resume: {path} is not a trialnlp progress file")
    try:
        return Checkpoint(
            fingerprint=str(data["fingerprint"]), format=str(data["format"]),
            records=int(data["records"]),
            files={str(k): int(v) for k, v in data["files"].items()},
            counts={k: int(data["counts"].get(k, 0)) for k in COUNT_KEYS},
            complete=bool(data["complete"]),
            options=dict(data.get("options") or {}),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise TrialnlpError(f"cannot resume: {path} is damaged ({error})") from error


def save(path: Path, checkpoint: Checkpoint) -> None:
    data = {"trialnlp_progress": VERSION, **asdict(checkpoint),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        with temporary.open("w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def changed_options(recorded: dict[str, Any], current: dict[str, Any]) -> str:
    """What differs between the options of a recorded run and this one, for a message
    (``--model was 'gaps', now 'off'``); empty when nothing recorded differs."""
    changes = []
    for key in sorted(recorded.keys() | current.keys()):
        before, now = recorded.get(key), current.get(key)
        if json.dumps(before, sort_keys=True, default=str) != json.dumps(now, sort_keys=True,
                                                                           default=str):
            name = OPTION_NAMES.get(key, key)
            changes.append(f"{name} was {before!r}, now {now!r}")
    return "; ".join(changes)


# How each fingerprinted option is called on the command line.
OPTION_NAMES = {"model": "--model", "max_chars": "--max-chars", "format": "--format",
                "read": "--input-format/--text-field/--id-field", "pipes": "the pipeline",
                "trialnlp": "the trialnlp version"}


def file_sizes(paths: list[Path], base: Path) -> dict[str, int]:
    """Each output file's length, keyed by its path relative to the progress file's folder."""
    return {os.path.relpath(p, base): p.stat().st_size for p in paths}


def truncate_outputs(checkpoint: Checkpoint, base: Path) -> None:
    """Cut every output file back to the length recorded at the last checkpoint."""
    for name, size in checkpoint.files.items():
        path = base / name
        try:
            actual = path.stat().st_size
        except FileNotFoundError as error:
            raise TrialnlpError(f"cannot resume: {path} is missing; run again without --resume") \
                from error
        if actual < size:
            raise TrialnlpError(
                f"cannot resume: {path} is shorter ({actual} bytes) than when its progress "
                f"was recorded ({size} bytes); run again without --resume"
            )
        if actual > size:
            os.truncate(path, size)

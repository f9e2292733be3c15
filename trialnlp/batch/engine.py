"""Engines: run the pipeline over chunks of records, in process, in worker processes or on Dask.

Every engine takes chunks (lists of ``SourceRecord | ReadError``) and yields, for each
chunk and in the order the chunks came, the list of Trials made from it: one Trial per
record, so records in == rows out and the output is the same whatever the engine or the
number of workers.  At most ``max_in_flight`` chunks are out at once, so memory stays
bounded however long the input.

Process model (``engine="process"``, ``jobs > 1``): the main process reads the input,
cuts it into chunks of ``chunk_size`` records, sends each as plain dicts to a
``ProcessPoolExecutor`` whose initializer builds the pipeline once per worker, and turns
the plain trials that come back (``codec.py``) into Trials, in order.  A batch that writes
files (``run_batch``) has the workers render the output too (CSV text, JSON lines: the
writer's ``renderer``), so the main process only reads, writes and counts.  Workers are
started with ``forkserver`` where the platform has it (Linux), else ``spawn``: a fork of
the main process would inherit its threads (rich's progress refresher, Dask's event loop)
and open output files; the fork server is a fresh single-threaded process that imports
spaCy and trialnlp and builds the default pipeline once (``preload.py``), and forks each
worker from that state, so workers start at once without sharing anything they should not.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import TrialnlpError, UsageError
from ..trial import Trial
from .codec import decode_trial
from .worker import (
    DEFAULT_OPTIONS,
    Item,
    ParseOptions,
    Pipes,
    Render,
    init_worker,
    process_items,
    record_text,
    record_to_dict,
    render_items,
    run_chunk,
    worker_pipeline,
)

if TYPE_CHECKING:
    from spacy.language import Language

ENGINES: tuple[str, ...] = ("process", "dask")
DEFAULT_CHUNK_SIZE = 64
DEFAULT_RECYCLE_AFTER = 256  # chunks per set of worker processes (16,384 records)


def default_jobs() -> int:
    """All the cores this process may run on (``os.cpu_count()`` where affinity is unknown)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    """``forkserver`` where available (Linux, macOS), else ``spawn`` (see the module doc)."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class Engine(Protocol):
    def map_chunks(
        self, chunks: Iterable[list[Item]], render: Render | None = None
    ) -> Iterator[list[Any]]:
        """Per chunk, the Trials; with ``render``, ``(summary, render(trial))`` pairs."""
        ...

    def close(self, cancel: bool = False) -> None: ...


class InProcessEngine:
    """``--jobs 1``: the pipeline in this process, no workers."""

    def __init__(self, nlp: Language | None = None, pipes: Pipes = None,
                 options: ParseOptions = DEFAULT_OPTIONS) -> None:
        self.nlp = nlp if nlp is not None else worker_pipeline(pipes)
        self.options = options

    def map_chunks(
        self, chunks: Iterable[list[Item]], render: Render | None = None
    ) -> Iterator[list[Any]]:
        for chunk in chunks:
            if render is None:
                yield process_items(chunk, self.nlp, options=self.options)
            else:
                yield render_items(chunk, self.nlp, render, self.options)

    def close(self, cancel: bool = False) -> None:
        pass


class _FutureEngine:
    """Chunks out as plain data, at most ``max_in_flight`` at a time; results back in order."""

    max_in_flight: int
    pipes: Pipes
    options: ParseOptions

    def _submit(self, chunk: list[dict[str, Any]], render: Render | None) -> Any:
        raise NotImplementedError

    def _result(self, future: Any) -> list[Any]:
        return future.result()

    def map_chunks(
        self, chunks: Iterable[list[Item]], render: Render | None = None
    ) -> Iterator[list[Any]]:
        pending: deque[tuple[list[str], Any]] = deque()
        for chunk in chunks:
            chunk = [self.options.limit(item) for item in chunk]  # too long: not sent
            texts = [record_text(item) for item in chunk]
            plain = [record_to_dict(item) for item in chunk]
            pending.append((texts, self._submit(plain, render)))
            if len(pending) >= self.max_in_flight:
                yield self._take(*pending.popleft(), render)
        while pending:
            yield self._take(*pending.popleft(), render)

    def _take(self, texts: list[str], future: Any, render: Render | None) -> list[Any]:
        results = self._result(future)
        if len(results) != len(texts):  # a worker must return one trial per record
            raise TrialnlpError(f"a worker returned {len(results)} trials for {len(texts)} "
                                "records")
        if render is not None:
            return results
        return [decode_trial(data, text) for data, text in zip(results, texts, strict=True)]


class ProcessEngine(_FutureEngine):
    """``--jobs N``: N worker processes, each with its own pipeline.

    Every ``recycle_after`` chunks the workers are replaced by fresh ones (forked from the
    fork server, where the pipeline is built already, so in a fraction of a second): the
    old ones finish the chunks they have and exit.  Whatever a worker's pipeline
    accumulates while it runs (spaCy's string store grows with every new word, caches,
    a leak in some component) is then bounded, however long the input.  (Python 3.11's
    own ``max_tasks_per_child`` can stall the pool, so it is done here.)
    """

    def __init__(self, jobs: int, pipes: Pipes = None, max_in_flight: int | None = None,
                 recycle_after: int | None = DEFAULT_RECYCLE_AFTER,
                 options: ParseOptions = DEFAULT_OPTIONS) -> None:
        _check_main_module()
        self.context = multiprocessing.get_context(start_method())
        if start_method() == "forkserver":
            # Workers fork from a server that has imported spaCy and trialnlp, and built
            # the default pipeline, already.
            self.context.set_forkserver_preload(["trialnlp.batch.preload"])
        self.jobs, self.pipes, self.recycle_after = jobs, pipes, recycle_after
        self.options = options
        self.max_in_flight = max_in_flight or 2 * jobs
        self.retired: list[ProcessPoolExecutor] = []
        self.executor = self._pool()
        self.submitted = 0  # chunks given to the current pool

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=self.context, initializer=init_worker,
            initargs=(self.pipes,),
        )

    def _submit(self, chunk: list[dict[str, Any]], render: Render | None) -> Any:
        if self.recycle_after and self.submitted >= self.recycle_after:
            self.executor.shutdown(wait=False)  # its chunks still finish
            self.retired.append(self.executor)
            self.executor, self.submitted = self._pool(), 0
        self.submitted += 1
        try:
            return self.executor.submit(run_chunk, chunk, self.pipes, render, self.options)
        except BrokenProcessPool as error:
            raise _broken(error) from error

    def _result(self, future: Any) -> list[Any]:
        try:
            return future.result()
        except BrokenProcessPool as error:
            raise _broken(error) from error

    def close(self, cancel: bool = False) -> None:
        # On cancel, queued chunks are dropped; a chunk already in a worker finishes there
        # (workers ignore Ctrl-C) and the worker then exits.
        for pool in [*self.retired, self.executor]:
            pool.shutdown(wait=not cancel, cancel_futures=cancel)


def _check_main_module() -> None:
    """New worker processes import the main script again (as ``spawn`` does); one read
    from standard input (``python - < script.py``) cannot be, and the workers would die."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file is not None and not os.path.exists(main_file):
        raise TrialnlpError(
            f"worker processes cannot be started from a script without a file ({main_file}); "
            "save the script to a file, or use jobs=1"
        )


def _broken(error: BaseException) -> TrialnlpError:
    return TrialnlpError(
        f"a worker process died ({error}); what was written before is complete "
        "(continue with --resume)"
    )


class DaskEngine(_FutureEngine):
    """``--engine dask``: chunks go to a Dask cluster (``scheduler`` address), else to a
    local cluster of ``jobs`` single-threaded worker processes."""

    def __init__(self, scheduler: str | None = None, jobs: int | None = None, pipes: Pipes = None,
                 max_in_flight: int | None = None, client: Any = None,
                 options: ParseOptions = DEFAULT_OPTIONS) -> None:
        from .dask import connect

        self.pipes, self.options = pipes, options
        self.client, self._owned = connect(scheduler, jobs, client)
        workers = max(1, sum(self.client.nthreads().values()))
        self.max_in_flight = max_in_flight or 2 * workers

    def _submit(self, chunk: list[dict[str, Any]], render: Render | None) -> Any:
        return self.client.submit(run_chunk, chunk, self.pipes, render, self.options,
                                  pure=False)

    def close(self, cancel: bool = False) -> None:
        for closable in reversed(self._owned):
            closable.close()


def make_engine(engine: str = "process", jobs: int | None = None, *, scheduler: str | None = None,
                pipes: Pipes = None, nlp: Language | None = None,
                options: ParseOptions = DEFAULT_OPTIONS) -> Engine:
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    if engine == "dask":
        return DaskEngine(scheduler, jobs, pipes, options=options)
    if engine != "process":
        raise UsageError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if scheduler is not None:
        raise UsageError("--scheduler goes with --engine dask")
    if jobs == 1:
        return InProcessEngine(nlp, pipes, options)
    if nlp is not None:
        raise UsageError("a pipeline object cannot be sent to worker processes; "
                         "pass pipes=(component names) or use jobs=1")
    return ProcessEngine(jobs, pipes, options=options)


def chunked(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def trial_chunks(
    records: Iterable[Item], *, jobs: int | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
    engine: str = "process", scheduler: str | None = None, pipes: Pipes = None,
    nlp: Language | None = None, render: Render | None = None, model: str | None = None,
    max_chars: int | None = None,
) -> Iterator[list[Any]]:
    """For each chunk of ``chunk_size`` records, in order, the Trials made from it; with
    ``render`` (a writer's renderer), ``(summary, render(trial))`` pairs instead, made
    where the trials are (:func:`trialnlp.batch.worker.run_chunk`).  ``model`` and
    ``max_chars`` as for :func:`trialnlp.pipeline.parse_records`.

    Workers are started only when there is more than one chunk: a small input runs in
    this process, with the same result and without the workers' start-up time.
    """
    if chunk_size < 1:
        raise UsageError(f"chunk size must be at least 1, got {chunk_size}")
    try:
        options = ParseOptions(model, max_chars)
    except ValueError as error:
        raise UsageError(str(error)) from error
    chunks = chunked(records, chunk_size)
    head = list(islice(chunks, 2))
    if not head:
        return
    chunks = chain(head, chunks)
    if engine == "process" and len(head) == 1 and scheduler is None:
        jobs = 1
    runner = make_engine(engine, jobs, scheduler=scheduler, pipes=pipes, nlp=nlp,
                         options=options)
    try:
        yield from runner.map_chunks(chunks, render)
    except BaseException:
        runner.close(cancel=True)
        raise
    runner.close()


def iter_trials(records: Iterable[Item], **options: Any) -> Iterator[Trial]:
    """Like :func:`trialnlp.pipeline.parse_records`, on ``jobs`` workers: one Trial per
    record, lazily and in order (options as :func:`trial_chunks`)."""
    for trials in trial_chunks(records, **options):
        yield from trials

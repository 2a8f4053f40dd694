"""Where a batch's calls are analysed: in the driver (`--jobs 1`), in worker processes
(`--jobs N`), or as Ray tasks (`app/batch/ray_executor.py`). All three run `CallAnalyser`, which
loads the models once per worker; the driver alone writes reports and the manifest.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import logging
import multiprocessing
import signal
from typing import Protocol

from app.batch.analyser import CallAnalyser, CallJob, CallOutcome
from app.config import Settings

log = logging.getLogger("callcoach")


class Executor(Protocol):
    """Runs `CallAnalyser.analyse` on submitted jobs; the driver keeps `capacity` in flight."""

    workers: int

    def ready(self) -> bool:
        """Whether the driver may submit another job now."""
        ...

    def submit(self, job: CallJob) -> None: ...

    def in_flight(self) -> int: ...

    def next_done(self) -> CallOutcome: ...

    def close(self, cancel: bool = False) -> None: ...


class InProcessExecutor:
    """`--jobs 1`: the calls run one after another in the driver itself."""

    workers = 1

    def __init__(self, settings: Settings) -> None:
        self.analyser = CallAnalyser(settings)
        self.queue: collections.deque[CallJob] = collections.deque()

    def ready(self) -> bool:
        return not self.queue

    def submit(self, job: CallJob) -> None:
        self.queue.append(job)

    def in_flight(self) -> int:
        return len(self.queue)

    def next_done(self) -> CallOutcome:
        return self.analyser.analyse(self.queue.popleft())

    def close(self, cancel: bool = False) -> None:
        self.queue.clear()


# ------------------------------------------------------------------ worker processes
_ANALYSER: CallAnalyser | None = None


def _init_worker(settings: Settings, log_level: int) -> None:
    """Each worker process: its own analyser (models loaded on its first call, once). Ctrl-C
    reaches the whole process group: the driver alone decides what an interrupt does."""
    global _ANALYSER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    _ANALYSER = CallAnalyser(settings)


def _analyse_in_worker(job: CallJob) -> CallOutcome:
    assert _ANALYSER is not None, "worker not initialised"
    return _ANALYSER.analyse(job)


class ProcessExecutor:
    """`--jobs N`: N worker processes (spawned: the same start on every platform, and no
    model or thread state copied from the driver), each loading the models once.

    A worker that dies (killed, out of memory, a crash in native code on a strange file) breaks
    the whole pool and every call in flight with it. The pool is then restarted and those calls
    are run again one at a time: the one that breaks it alone is reported as failed, the others
    are analysed, and the batch goes on."""

    def __init__(self, settings: Settings, jobs: int) -> None:
        self.workers = jobs
        self.settings = settings
        self.pool = self._new_pool()
        self.futures: dict[cf.Future[CallOutcome], CallJob] = {}
        self.isolate: collections.deque[CallJob] = collections.deque()
        self.alone: set[int] = set()  # indexes of jobs that must run by themselves

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.settings, logging.getLogger("callcoach").getEffectiveLevel()),
        )

    def ready(self) -> bool:
        # one running and one waiting per worker: no idle gaps between calls
        return not self.isolate and not self.alone and len(self.futures) < 2 * self.workers

    def submit(self, job: CallJob) -> None:
        self.futures[self.pool.submit(_analyse_in_worker, job)] = job

    def in_flight(self) -> int:
        return len(self.futures) + len(self.isolate)

    def next_done(self) -> CallOutcome:
        while True:
            if not self.futures and self.isolate:
                self.submit(self.isolate.popleft())
            done, _ = cf.wait(self.futures, return_when=cf.FIRST_COMPLETED)
            future = next(iter(done))
            job = self.futures.pop(future)
            try:
                outcome = future.result()
            except cf.process.BrokenProcessPool:
                culprit = job.index in self.alone and not self.futures
                affected = [] if culprit else [job]
                affected += list(self.futures.values())
                self.futures.clear()
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._new_pool()
                for other in sorted(affected, key=lambda j: j.index):
                    self.alone.add(other.index)
                    self.isolate.append(other)
                if culprit:
                    self.alone.discard(job.index)
                    log.info("a worker died analysing %s", job.shown)
                    return CallOutcome(
                        job.index,
                        error="failed",
                        message=f"{job.shown}: the worker analysing it died (a crash or out "
                        "of memory); the other calls went on",
                    )
                continue
            except Exception as exc:  # e.g. a result that could not be sent back
                outcome = CallOutcome(
                    job.index,
                    error="failed",
                    message=f"{job.shown}: internal error: {type(exc).__name__}: {exc}",
                )
            self.alone.discard(job.index)
            return outcome

    def close(self, cancel: bool = False) -> None:
        if cancel:
            # stop now: queued calls are dropped (they are not in the manifest, so the next
            # run does them) and running workers are ended rather than waited for
            procs = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in procs:
                if process.is_alive():
                    process.terminate()
            for process in procs:
                process.join(timeout=5)
        else:
            self.pool.shutdown(wait=True)
        self.futures.clear()
        self.isolate.clear()


def local_executor(settings: Settings, jobs: int) -> Executor:
    return InProcessExecutor(settings) if jobs <= 1 else ProcessExecutor(settings, jobs)

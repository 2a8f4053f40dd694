"""`--ray auto|local|ADDRESS`: each call a Ray task on an actor that holds the loaded models.

One actor per worker (one CPU each), so the models load once per worker. The driver reads each
call's bytes and hands them to the task (workers on other machines need not see the driver's
disk; callcoach itself must be installed on every node), and writes every report, manifest line
and store row itself. Ray is an optional extra (`pip install 'callcoach[ray]'`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from app.batch.analyser import CallAnalyser, CallJob, CallOutcome
from app.config import Settings
from app.errors import CallcoachError

log = logging.getLogger("callcoach")


def import_ray() -> Any:
    """Ray, with its usage statistics off (set before the import: Ray reads it then)."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        import ray
    except ImportError:
        raise CallcoachError(
            "--ray needs Ray, which is not installed: pip install 'callcoach[ray]'"
        ) from None
    return ray


class RayExecutor:
    def __init__(self, settings: Settings, address: str, jobs: int | None) -> None:
        ray = self.ray = import_ray()
        self.settings = settings
        self.started_here = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if address == "local":  # a Ray instance of our own on this machine, ended with us
                kwargs["num_cpus"] = jobs or os.cpu_count() or 1
                target = None
            else:
                target = address  # "auto": the running cluster; else its address
            try:
                ray.init(address=target, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise CallcoachError(
                    f"--ray {address}: cannot reach a Ray cluster ({exc})"
                ) from None
            self.started_here = True
        cpus = int(ray.available_resources().get("CPU", 0)) or 1
        self.workers = min(jobs, cpus) if jobs else cpus
        if jobs and jobs > cpus:
            log.warning("--jobs %d: the Ray cluster has %d free CPUs; using %d", jobs, cpus, cpus)
        remote = ray.remote(num_cpus=1)(CallAnalyser)
        self.actors = [remote.remote(settings) for _ in range(self.workers)]
        self.load = [0] * self.workers
        self.refs: dict[Any, tuple[CallJob, int]] = {}  # result ref -> (job, actor number)

    def ready(self) -> bool:
        return len(self.refs) < 2 * self.workers  # one running and one queued per actor

    def in_flight(self) -> int:
        return len(self.refs)

    def submit(self, job: CallJob) -> None:
        audio = job.path.read_bytes()  # the driver's disk; the task may run on another machine
        slot = min(range(self.workers), key=lambda i: self.load[i])
        ref = self.actors[slot].analyse.remote(job, audio)
        self.load[slot] += 1
        self.refs[ref] = (job, slot)

    def next_done(self) -> CallOutcome:
        ray = self.ray
        [ref], _ = ray.wait(list(self.refs), num_returns=1)
        job, slot = self.refs.pop(ref)
        self.load[slot] -= 1
        try:
            outcome: CallOutcome = ray.get(ref)
            return outcome
        except ray.exceptions.RayActorError as exc:
            # the actor died (a crash on this call, out of memory, a node lost): this call is
            # reported as failed and the worker replaced; the next run retries it
            self.actors[slot] = ray.remote(num_cpus=1)(CallAnalyser).remote(self.settings)
            return CallOutcome(
                job.index,
                error="failed",
                message=f"{job.shown}: the Ray worker analysing it died ({type(exc).__name__})",
            )
        except ray.exceptions.RayError as exc:
            return CallOutcome(
                job.index,
                error="failed",
                message=f"{job.shown}: Ray task failed: {type(exc).__name__}: {exc}",
            )

    def close(self, cancel: bool = False) -> None:
        ray = self.ray
        del cancel  # either way nothing is left running
        self.refs.clear()  # killing the actors ends their running and queued tasks
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []
        if self.started_here:
            ray.shutdown()

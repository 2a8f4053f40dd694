"""One worker's side of a batch: the models, loaded once, and one call analysed into its report.

The same `CallAnalyser` runs in the driver (`--jobs 1`), in each worker process (`--jobs N`)
and in each Ray actor (`--ray`), so the three give the same reports for the same audio.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import Settings
from app.errors import AudioReadError, CallcoachError, one_line

if TYPE_CHECKING:
    from app.audio.reader import AudioRepair
    from app.pipeline import Models

log = logging.getLogger("callcoach")


@dataclass(frozen=True, slots=True)
class CallJob:
    index: int  # position in the batch (the driver's key for the outcome)
    path: Path  # absolute path of the audio
    shown: str  # the path as the user gave it, for messages
    sha256: str
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class CallOutcome:
    index: int
    report: dict[str, Any] | None = None
    # None: analysed; "unreadable": bad audio (exit 2); "failed": a bug met on this call;
    # "fatal": the worker cannot analyse anything (models, playbook): stop the batch
    error: str | None = None
    message: str = ""  # one line for the user (the reason; a warning when analysed)
    seconds: float = 0.0  # wall time the worker spent on the call
    worker: str = ""  # host:pid of the process that analysed it
    model_loads: int = 0  # how often that worker has loaded the models so far (1: once)


def repairs_line(repairs: Sequence[AudioRepair]) -> str:
    """One line for standard error: what the reader repaired in a call (see `warnings`)."""
    shown = "; ".join(r.text() for r in repairs[:4])
    more = f"; and {len(repairs) - 4} more" if len(repairs) > 4 else ""
    return f"warning: {shown}{more} (details in the report's warnings)"


class CallAnalyser:
    """Loads the models once (per process or actor) and analyses one call at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._models: Models | None = None
        self._load_error: str | None = None
        self.model_loads = 0
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def models(self) -> Models:
        if self._models is None:
            from app.pipeline import load_models

            self._models = load_models(self.settings)
            self.model_loads += 1
        return self._models

    def analyse(self, job: CallJob, audio: bytes | None = None) -> CallOutcome:
        """`audio`: the file's bytes when the worker cannot see the driver's disk (Ray on
        other machines); they are written to a private temporary file of the same ending."""
        started = time.perf_counter()
        if self._load_error is not None:
            return CallOutcome(job.index, error="fatal", message=self._load_error)
        try:
            models = self.models()
        except CallcoachError as exc:  # the same for every call: the batch stops
            self._load_error = one_line(exc)
            return CallOutcome(job.index, error="fatal", message=self._load_error)
        try:
            if audio is None:
                report, warning = self._report(job, job.path, models)
            else:
                report, warning = self._report_from_bytes(job, audio, models)
        except AudioReadError as exc:
            return CallOutcome(job.index, error="unreadable", message=_named(exc, job))
        except CallcoachError as exc:
            return CallOutcome(job.index, error="fatal", message=one_line(exc))
        except Exception as exc:
            # a bug met on this one call must not lose the others: one line, go on (-v: details)
            log.info("analysing %s failed", job.shown, exc_info=True)
            why = one_line(f"{job.shown}: internal error: {type(exc).__name__}: {exc}")
            return CallOutcome(job.index, error="failed", message=why)
        return CallOutcome(
            job.index,
            report=report,
            message=warning,
            seconds=time.perf_counter() - started,
            worker=self.worker,
            model_loads=self.model_loads,
        )

    def _report(self, job: CallJob, path: Path, models: Models) -> tuple[dict[str, Any], str]:
        from app.pipeline import analyze_call
        from app.report.call_report import build_report

        result = analyze_call(path, self.settings, models)
        result.path = job.path  # the call's own path, also when read from a temporary copy
        report = build_report(
            result,
            self.settings,
            models.thresholds,
            playbook=models.playbook,
            scorecard=models.scorecard,
            sha256=job.sha256,
            agent=job.agent,
        )
        return report, repairs_line(result.repairs) if result.repairs else ""

    def _report_from_bytes(
        self, job: CallJob, audio: bytes, models: Models
    ) -> tuple[dict[str, Any], str]:
        fd, name = tempfile.mkstemp(prefix="callcoach-", suffix=job.path.suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(audio)
            return self._report(job, Path(name), models)
        except AudioReadError as exc:  # name the call, not its temporary copy
            text = str(exc).replace(name, str(job.path)).replace(Path(name).name, job.path.name)
            raise AudioReadError(text) from None
        finally:
            os.unlink(name)


def _named(exc: AudioReadError, job: CallJob) -> str:
    """The reader names a file by its name; in a batch the path as given tells same-name calls
    apart."""
    text = one_line(exc)
    for prefix in (str(job.path), job.path.name):
        if text.startswith(prefix + ":"):
            return job.shown + text[len(prefix) :]
    return text

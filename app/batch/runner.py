"""The driver of `callcoach analyze`: plans the batch, hands calls to the workers, writes every
output itself, and keeps the manifest that lets an interrupted batch go on where it stopped.

Order per finished call: the report files (each written atomically), then the store, then one
manifest line. A run stopped at any point (Ctrl-C, SIGTERM, a kill, a power cut) has every
manifest line's outputs complete; a call without its line is simply analysed again.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.batch.agents import AgentMap, load_agents
from app.batch.analyser import CallJob, CallOutcome
from app.batch.executors import Executor, local_executor
from app.batch.inputs import Inputs, collect_inputs, report_names
from app.batch.interruption import BatchInterrupted, StopSignals
from app.batch.manifest import Finished, Manifest
from app.batch.planning import CallPlan, plan_calls
from app.batch.progress import Progress
from app.batch.publish import Publisher
from app.batch.summary import SUMMARY_NAME, BatchSummary
from app.config import Settings
from app.errors import CallcoachError

log = logging.getLogger("callcoach")
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


@dataclass
class BatchOptions:
    inputs: list[Path]
    out: Path
    jobs: int = 1
    force: bool = False
    ray: str | None = None  # "auto", "local" or a cluster address
    agents_csv: Path | None = None
    agent_pattern: str | None = None
    progress: bool | None = None  # None: a bar when standard error is a terminal


@dataclass
class _Run:
    options: BatchOptions
    settings: Settings
    summary: BatchSummary
    manifest: Manifest
    analysis_key: str
    agents: AgentMap
    publisher: Publisher
    status: int = 0
    plans: list[CallPlan] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)  # report names of the batch's calls


def run_batch(options: BatchOptions, settings: Settings) -> int:
    """Analyse every call; returns the exit status (0 all good, 2 an unreadable call, 1 a call
    that failed otherwise, 130/143 interrupted). Raises CallcoachError for what stops the
    whole batch (settings, models, playbook, an agents CSV that cannot be read)."""
    from app.coaching.playbook import load_playbook
    from app.provenance import analysis_key

    out = options.out
    if options.ray:
        from app.batch.ray_executor import import_ray

        import_ray()  # Ray missing: one line now, not after every call has been checked
    out.mkdir(parents=True, exist_ok=True)
    playbook = load_playbook(settings.coach.playbook)  # a bad playbook stops before any work
    agents = load_agents(options.agents_csv, options.agent_pattern)
    found = collect_inputs(options.inputs, out)
    summary = BatchSummary(inputs=len(found.calls) + len(found.missing))
    summary.not_audio = found.not_audio
    key = analysis_key(settings, playbook)
    publisher = Publisher(out, settings, playbook)  # opens the call store (retention applied)
    try:
        run = _Run(options, settings, summary, Manifest.load(out), key, agents, publisher)
        return _run(run, found)
    finally:
        publisher.close()


def _run(run: _Run, found: Inputs) -> int:
    options, summary = run.options, run.summary
    if found.ignored_out_dir:
        summary.notes.append(f"the output folder {found.ignored_out_dir} was not searched")
    if run.manifest.damaged_lines:
        summary.notes.append(
            f"{run.manifest.damaged_lines} damaged line(s) in the manifest were ignored "
            "(those calls are analysed again)"
        )
    for shown, why in found.missing + found.unreadable:
        _say(f"callcoach: {why}")
        summary.failed.append({"source": shown, "kind": "unreadable", "reason": why})
        run.status = EXIT_BAD_INPUT
    if not found.calls:
        if not found.missing and not found.unreadable:
            skipped = (
                f" ({len(found.not_audio)} files that are not audio)" if found.not_audio else ""
            )
            raise CallcoachError(
                f"no audio files found in {', '.join(map(str, options.inputs))}{skipped}"
            )
        _finish(run, quiet_summary=True)
        return run.status

    names = report_names(found.calls, run.manifest.names())
    with StopSignals() as signals, Progress(options.progress) as progress:
        try:
            run.plans = plan_calls(
                found.calls,
                names,
                agents=run.agents,
                manifest=run.manifest,
                out=options.out,
                analysis_key=run.analysis_key,
                force=options.force,
                progress=progress,
            )
            _note_unused_agents(run)
            _execute(run, signals, progress)
        except BatchInterrupted as stop:
            summary.interrupted = stop.signame
        except CallcoachError as exc:  # the same for every call (models, Ray): stop, say so
            summary.notes.append(f"stopped: {exc}")
            _finish(run, quiet_summary=True)
            raise
    _finish(run)
    if summary.interrupted:
        _say(
            f"callcoach: interrupted ({summary.interrupted}): {summary.done} of "
            f"{summary.inputs} calls done; run the same command again to go on from there"
        )
        return 130 if summary.interrupted == "SIGINT" else 143
    return run.status


def _note_unused_agents(run: _Run) -> None:
    unused = run.agents.unused_rows()
    if unused:
        shown = ", ".join(unused[:5]) + (f" and {len(unused) - 5} more" if len(unused) > 5 else "")
        run.summary.notes.append(f"--agents rows that matched no call: {shown}")


def _execute(run: _Run, signals: StopSignals, progress: Progress) -> None:
    summary = run.summary
    todo = [p for p in run.plans if p.action == "analyse" and not p.error]
    progress.start_analysing(len(run.plans), sum(p.audio_s for p in todo))
    for plan in run.plans:
        if plan.error:
            _say(f"callcoach: {plan.error}")
            summary.failed.append(
                {"source": plan.call.shown, "kind": "unreadable", "reason": plan.error}
            )
            run.status = EXIT_BAD_INPUT
            progress.skipped()
        elif plan.action != "analyse":
            with signals.writing():
                _reuse(run, plan)
            progress.skipped()
    if not todo:
        return
    executor = _executor(run)
    summary.runner = "ray" if run.options.ray else "local"
    summary.workers = executor.workers
    try:
        for outcome in _outcomes(executor, todo):
            plan = todo[outcome.index]
            with signals.writing():
                _finished(run, plan, outcome)
            progress.analysed(plan.audio_s)
        executor.close()
    except BaseException:
        executor.close(cancel=True)
        raise


def _outcomes(executor: Executor, todo: list[CallPlan]) -> Iterator[CallOutcome]:
    queue = iter(enumerate(todo))
    while True:
        while executor.ready():
            item = next(queue, None)
            if item is None:
                break
            index, plan = item
            job = CallJob(index, plan.call.path, plan.call.shown, plan.sha256, plan.agent)
            executor.submit(job)
        if not executor.in_flight():
            return
        outcome = executor.next_done()
        if outcome.error == "fatal":  # said once, by the command (not also as this call's line)
            raise CallcoachError(outcome.message)
        yield outcome


def _executor(run: _Run) -> Executor:
    if run.options.ray:
        from app.batch.ray_executor import RayExecutor

        return RayExecutor(run.settings, run.options.ray, run.options.jobs or None)
    return local_executor(run.settings, max(1, run.options.jobs))


def _finished(run: _Run, plan: CallPlan, outcome: CallOutcome) -> None:
    summary = run.summary
    if outcome.report is None:
        _say(f"callcoach: {outcome.message}")
        summary.failed.append(
            {"source": plan.call.shown, "kind": outcome.error, "reason": outcome.message}
        )
        run.status = EXIT_BAD_INPUT if outcome.error == "unreadable" else run.status or EXIT_FAILED
        return
    report = outcome.report
    outputs, call_id = run.publisher.call(report, plan.name, plan.call.path)
    run.manifest.record(_entry(plan, report, run.analysis_key, outputs, call_id))
    run.reported.append(plan.name)
    summary.analysed.append(
        {
            "source": plan.call.shown,
            "report": f"{plan.name}.json",
            "audio_s": report.get("duration_s", 0.0),
            "seconds": round(outcome.seconds, 2),
            "agent": plan.agent,
            "worker": outcome.worker,
            "worker_model_loads": outcome.model_loads,
        }
    )
    if outcome.message:
        _say(f"callcoach: {plan.call.shown}: {outcome.message}")
        summary.warnings.append({"source": plan.call.shown, "warning": outcome.message})


def _reuse(run: _Run, plan: CallPlan) -> None:
    """A call analysed before: "done" keeps its report (the agent updated if the map now says
    otherwise); "reuse" writes this call's own report from the report of the same audio."""
    assert plan.report is not None and plan.reuse_from is not None
    report = dict(plan.report)
    changed = plan.action == "reuse"
    if plan.agent is not None and report.get("agent") != plan.agent:
        report["agent"] = plan.agent
        changed = True
    if plan.action == "reuse":
        report["call"] = plan.call.path.name
        report["source"] = {"path": str(plan.call.path), "sha256": plan.sha256}
        if plan.agent is None:
            report["agent"] = None
    row = {"source": plan.call.shown, "report": f"{plan.name}.json"}
    out = run.options.out
    in_store = run.publisher.stored_already(plan.sha256, run.analysis_key) is not None
    missing = [
        f"{plan.name}{ext}" for ext in (".html", ".csv") if not (out / f"{plan.name}{ext}").exists()
    ]
    if changed or missing:
        # store: an agent change replaces the stored analysis; a copy of audio the store
        # already holds is not stored twice
        store = plan.action == "done" or not in_store
        outputs, call_id = run.publisher.call(report, plan.name, plan.call.path, store=store)
        run.manifest.record(_entry(plan, report, run.analysis_key, outputs, call_id))
    elif not in_store:  # the store was purged or off since: this batch's calls go back in
        run.publisher.stored.save(report, plan.call.path)
    run.reported.append(plan.name)
    if plan.action == "done":
        if changed:
            row["note"] = f"agent set to {plan.agent}"
        run.summary.skipped_done.append(row)
    else:
        row["same_audio_as"] = plan.reuse_from.source
        run.summary.reused.append(row)


def _entry(
    plan: CallPlan, report: dict[str, Any], key: str, outputs: list[str], call_id: int | None
) -> Finished:
    return Finished(
        name=plan.name,
        source=str(plan.call.path),
        sha256=plan.sha256,
        analysis_key=key,
        duration_s=float(report.get("duration_s", 0.0)),
        outputs=tuple(outputs),
        call_id=call_id,
    )


def _finish(run: _Run, quiet_summary: bool = False) -> None:
    summary = run.summary
    try:
        summary.outputs = run.publisher.batch(run.reported)
    except (OSError, ValueError) as exc:
        summary.notes.append(f"the batch summary HTML/CSV could not be written: {exc}")
    summary.finished = time.time()
    summary.write(run.options.out)
    if quiet_summary:
        return
    interactive = run.options.progress if run.options.progress is not None else _is_tty()
    if interactive:
        for line in summary.lines(run.options.out):
            _say(line)
        return
    # not a terminal (a script): the contract's lines only, plus whatever would otherwise go
    # unnoticed: calls skipped because they were done before, files that are not audio
    extra = []
    if summary.skipped_done or summary.reused:
        extra.append(
            f"{len(summary.skipped_done) + len(summary.reused)} already analysed "
            "(skipped; --force analyses them again)"
        )
    if summary.not_audio:
        extra.append(f"{len(summary.not_audio)} files skipped as not audio")
    if extra:
        _say(f"callcoach: {'; '.join(extra)}; see {run.options.out / SUMMARY_NAME}")


def _is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _say(line: str) -> None:
    Progress.write(line)

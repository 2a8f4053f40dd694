"""Planning a batch: hash each call and decide whether to analyse it, skip it (done in this
output folder before, same audio, same analysis) or copy the report of the same audio."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.batch.agents import AgentMap
from app.batch.inputs import CallInput
from app.batch.manifest import Finished, Manifest
from app.batch.progress import Progress


@dataclass
class CallPlan:
    """One call's place in the batch."""

    call: CallInput
    name: str
    agent: str | None
    sha256: str = ""
    audio_s: float = 0.0
    action: str = "analyse"  # "analyse", "done" (skip), "reuse" (copy a report of the same audio)
    reuse_from: Finished | None = None
    report: dict[str, Any] | None = None  # the existing report for "done"/"reuse"
    error: str = ""  # why it could not even be planned (unreadable file)


def plan_calls(
    calls: list[CallInput],
    names: dict[Path, str],
    *,
    agents: AgentMap,
    manifest: Manifest,
    out: Path,
    analysis_key: str,
    force: bool,
    progress: Progress,
) -> list[CallPlan]:
    """Hash each call and decide: analyse it, skip it (done in this folder before), or copy
    the report of the same audio (never with `force`)."""
    from app.audio.reader import probe
    from app.errors import AudioReadError
    from app.provenance import content_hash

    plans = []
    progress.start_checking(len(calls))
    for call in calls:
        plan = CallPlan(call, names[call.path], agents.agent_for(call))
        try:
            plan.sha256 = content_hash(call.path)
        except OSError as exc:
            plan.error = f"{call.shown}: cannot read the file: {exc.strerror or exc}"
        if not plan.error:
            try:
                plan.audio_s = probe(call.path).duration_s
            except AudioReadError:
                plan.audio_s = 0.0  # the worker says why, in its own words
            if not force:
                _find_earlier(plan, manifest, out, analysis_key)
        plans.append(plan)
        progress.checked()
    return plans


def _find_earlier(plan: CallPlan, manifest: Manifest, out: Path, key: str) -> None:
    mine = manifest.by_source.get(str(plan.call.path))
    if mine and mine.sha256 == plan.sha256 and mine.analysis_key == key:
        report = _load_report(out, mine, plan.sha256, key)
        if report is not None:
            plan.action, plan.report, plan.reuse_from = "done", report, mine
            return
    for other in manifest.by_content(plan.sha256, key):
        report = _load_report(out, other, plan.sha256, key)
        if report is not None:
            plan.action, plan.report, plan.reuse_from = "reuse", report, other
            return


def _load_report(out: Path, entry: Finished, sha256: str, key: str) -> dict[str, Any] | None:
    """The report an earlier run wrote, if it is still there and still about this audio and
    this analysis (a report edited or replaced by hand is not trusted)."""
    try:
        report = json.loads((out / f"{entry.name}.json").read_text(encoding="utf-8"))
        if report["source"]["sha256"] == sha256 and report["provenance"]["analysis_key"] == key:
            return report  # type: ignore[no-any-return]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None

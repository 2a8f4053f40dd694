"""The per-call JSON report of `callcoach analyze` (the contract in CONTRACT.md, extended)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.config import Settings
from app.events import Prompt, PromptOutcome, TrendPoint, Utterance
from app.pipeline.call import CallResult


def build_report(result: CallResult, settings: Settings) -> dict[str, Any]:
    utterances = [e for e in result.events if isinstance(e, Utterance)]
    prompts = [e for e in result.events if isinstance(e, Prompt)]
    outcomes = [e for e in result.events if isinstance(e, PromptOutcome)]
    trend = [e for e in result.events if isinstance(e, TrendPoint)]

    customer = [u.frustration for u in utterances if u.speaker == "customer"]
    max_frustration = max(customer, default=0.0)
    counts: dict[str, int] = {}
    for p in prompts:
        counts[p.id] = counts.get(p.id, 0) + 1
    high = settings.coach.high if settings.coach.high is not None else 1.0
    escalated = max_frustration >= high or "acknowledge_anger" in counts

    prompt_rows = []
    for i, p in enumerate(prompts):
        row = p.to_report()
        row["outcome"] = _outcome_of(p, prompts[i + 1 :], outcomes)
        prompt_rows.append(row)

    return {
        "call": result.path.name,
        "duration_s": round(result.duration_s, 2),
        "agent_channel": settings.audio.agent_channel,
        "channels": len(result.speakers),
        "speakers": result.speakers,
        "utterances": [u.to_report() for u in utterances],
        "prompts": prompt_rows,
        "trend": [
            {"t": round(p.t, 2), "level": round(p.level, 3), "direction": p.direction}
            for p in trend
        ],
        "summary": {
            "max_frustration": round(max_frustration, 3),
            "escalated": escalated,
            "prompt_counts": counts,
        },
        # what was wrong with the audio and how it was repaired (empty for a clean file)
        "warnings": [r.to_report() for r in result.repairs],
    }


def _outcome_of(prompt: Prompt, later: list[Prompt], outcomes: list[PromptOutcome]) -> str:
    """What happened to a shown prompt: the agent's own mark (done/dismissed) wins over the
    coach's judgement (followed/ignored); "shown" if nothing was decided."""
    until = next((p.t for p in later if p.id == prompt.id), float("inf"))
    mine = [o for o in outcomes if o.id == prompt.id and prompt.t <= o.t < until]
    for o in mine:
        if o.outcome in ("done", "dismissed"):
            return o.outcome
    return mine[0].outcome if mine else "shown"


def write_report(report: dict[str, Any], out_dir: Path, stem: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path

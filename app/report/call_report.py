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

    remaining = list(outcomes)
    prompt_rows = []
    for p in prompts:
        row = p.to_report()
        outcome = next((o for o in remaining if o.id == p.id and o.t >= p.t), None)
        if outcome is not None:
            remaining.remove(outcome)
        row["outcome"] = outcome.outcome if outcome else "shown"
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
    }


def write_report(report: dict[str, Any], out_dir: Path, stem: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path

"""The per-call JSON report of `callcoach analyze` (the contract in CONTRACT.md, extended)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.coaching.playbook import Playbook, load_playbook
from app.coaching.scorecard import Scorecard, load_scorecard, score_call
from app.coaching.thresholds import Thresholds, resolve_thresholds
from app.config import Settings
from app.errors import CallcoachError
from app.events import Prompt, PromptOutcome, TrendPoint, Utterance
from app.pipeline.call import CallResult, unheard_sides
from app.privacy import count_placeholders
from app.provenance import (
    analysis_key,
    content_hash,
    model_versions,
    playbook_version,
    settings_digest,
)
from app.scoring.escalation import CustomerTurn, call_escalated


def build_report(
    result: CallResult,
    settings: Settings,
    thresholds: Thresholds | None = None,
    playbook: Playbook | None = None,
    scorecard: Scorecard | None = None,
    *,
    sha256: str | None = None,
    agent: str | None = None,
) -> dict[str, Any]:
    """`thresholds`: the object the coach used (`Models.thresholds`); resolved the same way
    from `settings` when not given. `playbook` and `scorecard` likewise: the ones the call was
    coached and scored with, else loaded from the settings (the playbook also goes into the
    report's provenance). `sha256`: the audio's content hash when the caller already has it
    (batch resume hashes every input); computed here otherwise, None for live audio with no
    file. `agent`: who took the call, when a batch's agent map or file-name pattern says so."""
    playbook = playbook or load_playbook(settings.coach.playbook or None)
    th = thresholds or resolve_thresholds(settings.coach)
    utterances = [e for e in result.events if isinstance(e, Utterance)]
    prompts = [e for e in result.events if isinstance(e, Prompt)]
    outcomes = [e for e in result.events if isinstance(e, PromptOutcome)]
    trend = [e for e in result.events if isinstance(e, TrendPoint)]

    customer = [u.frustration for u in utterances if u.speaker == "customer"]
    max_frustration = max(customer, default=0.0)
    counts: dict[str, int] = {}  # cards the agent saw (the one-card policy's `shown`)
    for p in prompts:
        if p.shown:
            counts[p.id] = counts.get(p.id, 0) + 1
    # each customer utterance is followed by its trend point (the level after it)
    levels = [p.level for p in trend]
    customer_utts = [u for u in utterances if u.speaker == "customer"]
    escalated = call_escalated(
        (
            CustomerTurn(u.end, u.frustration, u.tone, u.words, levels[i] if i < len(levels) else 0)
            for i, u in enumerate(customer_utts)
        ),
        th.elevated,
        th.high,
        th.voice_alone,
        th.words_alone,
    )

    prompt_rows = []
    for p in prompts:  # in decision order: the same order the live events have
        row = p.to_report()
        row.update(_outcome_of(p, outcomes))
        prompt_rows.append(row)

    report = {
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
            "not_shown_counts": _not_shown_counts(prompts),
            # sides of the call with no speech at all (a `silent channel` warning): the peak
            # above and the scorecard cannot speak for a side that was not heard
            "unheard_sides": unheard_sides(result.repairs, result.speakers),
        },
        "thresholds": th.to_report(),
        # what was wrong with the audio and how it was repaired (empty for a clean file)
        "warnings": [r.to_report() for r in result.repairs],
        # personal data replaced by typed placeholders in the transcript ([CARD], [PHONE] …)
        "redaction": {
            "enabled": settings.privacy.redact_pii,
            "counts": count_placeholders([u.text for u in utterances]),
        },
        "source": _source(result.path, sha256),
        "provenance": provenance(settings, playbook),
        "agent": agent,
    }
    report.update(_scorecard(result, settings, th, playbook, scorecard))
    return report


def _source(path: Path, sha256: str | None) -> dict[str, Any]:
    """Which audio the report is about: its absolute path and content hash (None when there is
    no file, e.g. a live call from the sound card)."""
    if sha256 is None and path.is_file():
        sha256 = content_hash(path)
    return {"path": str(path.resolve()), "sha256": sha256}


def provenance(settings: Settings, playbook: Playbook) -> dict[str, Any]:
    """What the analysis was made from (app/provenance.py): the same analysis key decides
    whether a batch may reuse an earlier report, and the store keeps it with the call."""
    return {
        "settings_digest": settings_digest(settings),
        "models": model_versions(),
        "playbook": playbook_version(playbook),
        "analysis_key": analysis_key(settings, playbook),
    }


def _scorecard(
    result: CallResult,
    settings: Settings,
    thresholds: Thresholds,
    playbook: Playbook | None,
    scorecard: Scorecard | None,
) -> dict[str, Any]:
    """The call's `metrics` and `scorecard` (app/coaching/scorecard.py), from its events: the
    same function for `analyze`, `live` and the demo, so the same recording scores the same."""
    playbook = playbook or load_playbook(settings.coach.playbook or None)
    scorecard = scorecard or load_scorecard(settings.coach.scorecard or None, playbook)
    metrics, card = score_call(
        result.events,
        result.speakers,
        result.duration_s,
        settings.coach,
        thresholds,
        playbook,
        scorecard,
        unheard_sides(result.repairs, result.speakers),
    )
    return {"metrics": metrics, "scorecard": card}


def _not_shown_counts(prompts: list[Prompt]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in prompts:
        if not p.shown:
            counts[p.id] = counts.get(p.id, 0) + 1
    return counts


def _outcome_of(prompt: Prompt, outcomes: list[PromptOutcome]) -> dict[str, Any]:
    """What happened to a shown card, with the coach's evidence: the agent's own mark
    (done/dismissed) wins over the coach's judgement (followed/ignored/superseded); "shown" if
    nothing was decided (a card with nothing to judge it by), "not_shown" if never on screen."""
    if not prompt.shown:
        return {"outcome": "not_shown"}
    mine = [o for o in outcomes if o.id == prompt.id and o.prompt_t == prompt.t]
    if not mine:  # outcomes from older producers carry no prompt_t
        mine = [o for o in outcomes if o.id == prompt.id and o.prompt_t is None and o.t >= prompt.t]
    if not mine:
        return {"outcome": "shown"}
    chosen = next((o for o in mine if o.outcome in ("done", "dismissed")), mine[0])
    judged = next((o for o in mine if o.outcome not in ("done", "dismissed")), None)
    row: dict[str, Any] = {"outcome": chosen.outcome, "outcome_t": round(chosen.t, 2)}
    evidence = judged or chosen
    row["outcome_detail"] = evidence.detail
    if evidence.heard:
        row["heard"] = evidence.heard
    if evidence.frustration_before is not None:
        row["frustration_before"] = evidence.frustration_before
    if evidence.frustration_after is not None:
        row["frustration_after"] = evidence.frustration_after
    return row


def write_report(report: dict[str, Any], out_dir: Path, stem: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_report(path: Path) -> dict[str, Any]:
    """A call's JSON report read back, or one clear error (CallcoachError) naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CallcoachError(f"{path}: no such report") from None
    except UnicodeDecodeError:
        raise CallcoachError(f"{path}: not a callcoach report (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise CallcoachError(
            f"{path}: not a callcoach report (invalid JSON at line {exc.lineno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("utterances"), list):
        raise CallcoachError(f"{path}: not a callcoach report (no utterances list)")
    return data

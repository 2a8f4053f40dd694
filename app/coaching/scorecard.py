"""The coaching scorecard: automated QA of every call, defined as data next to the playbook.

`scorecard.toml` (shipped here; a site points the setting `coach.scorecard` at its own copy)
lists the items: each names a built-in `check` (scorecard_checks.CHECKS, the one registry) with
its numbers, a title, and optionally the playbook phrase lists it listens for. Loading validates
it the way the playbook is validated: an unknown key, check, phrase list or a number out of range
is a ScorecardError naming the file and the line.

`score_call` runs the items over a finished call's events (the same list `analyze` and `live`
build the report from) and gives the report's `metrics` and `scorecard`: per item pass / fail /
n/a (the situation never arose), a detail line and evidence (time, speaker, words heard; speaker
"coach" for a card the coach showed and how the agent answered it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from app.coaching.call_metrics import call_metrics
from app.coaching.call_replay import replay_call
from app.coaching.playbook import Playbook, _Lines, read_toml_data
from app.coaching.scorecard_checks import CHECKS, first_acknowledgement_s
from app.coaching.scorecard_view import CallView, ItemResult
from app.coaching.thresholds import Thresholds
from app.config import CoachSettings
from app.errors import ScorecardError
from app.events import Event, Prompt, PromptOutcome, Utterance

_TOP_KEYS = frozenset({"version", "item"})
_ITEM_KEYS = frozenset({"id", "title", "check", "enabled", "phrases"})
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ItemSpec:
    id: str
    title: str
    check: str
    enabled: bool = True
    phrases: tuple[str, ...] = ()  # playbook phrase lists; () = the check's own default lists
    params: dict[str, float] = field(default_factory=dict)

    def param(self, name: str) -> float | None:
        """The item's value for a check parameter, else the check's default (None: the
        check takes it from the settings)."""
        if name in self.params:
            return self.params[name]
        return CHECKS[self.check].params[name].default

    def lists(self) -> tuple[str, ...]:
        return self.phrases or CHECKS[self.check].lists

    def resolved(self, playbook: Playbook) -> ItemSpec:
        """This item with the phrase lists it listens for in `playbook`: its own `phrases`, else
        the done phrases of the check's playbook prompt (what the coach counts as the agent
        having done it), else the check's defaults."""
        check = CHECKS[self.check]
        if self.phrases or not check.done_lists or check.prompt is None:
            return self
        spec = playbook.prompt(check.prompt)
        if spec is None or not spec.done_when_agent_says:
            return self
        return dataclasses.replace(self, phrases=spec.done_when_agent_says)


@dataclass(frozen=True)
class Scorecard:
    items: tuple[ItemSpec, ...]
    source: str
    version: str  # sha256 of the file's text (first 16 hex digits)


def default_scorecard_text() -> str:
    return resources.files("app.coaching").joinpath("scorecard.toml").read_text(encoding="utf-8")


def load_scorecard(path: str | Path | None = None, playbook: Playbook | None = None) -> Scorecard:
    """The shipped scorecard, or a site's file; any mistake is a ScorecardError naming the file
    and the line. With `playbook`, the phrase lists items name must exist in it."""
    shipped = "" if path else default_scorecard_text()
    data, source, text = read_toml_data(path, "scorecard", shipped, ScorecardError)
    return parse_scorecard(data, source, text, playbook)


def parse_scorecard(
    data: dict[str, Any],
    source: str = "scorecard",
    text: str = "",
    playbook: Playbook | None = None,
) -> Scorecard:
    lines = _Lines(text)
    for key in data:
        if key not in _TOP_KEYS:
            raise ScorecardError(
                f"{source}{lines.of(key)}: unknown key {key!r}; use {', '.join(sorted(_TOP_KEYS))}"
            )
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise ScorecardError(
            f"{source}{lines.of('version')}: version must be {FORMAT_VERSION} (got {version!r})"
        )
    raw_items = data.get("item", [])
    if not isinstance(raw_items, list) or not raw_items:
        raise ScorecardError(f"{source}: no [[item]] entries")
    items: list[ItemSpec] = []
    for i, raw in enumerate(raw_items):
        item = _parse_item(raw, f"{source}: item #{i + 1}", lines, i, playbook)
        if any(it.id == item.id for it in items):
            raise ScorecardError(
                f"{source}{lines.of('id', 'item', i)}: item id {item.id!r} appears twice"
            )
        items.append(item)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] if text else ""
    return Scorecard(tuple(items), source, digest)


def _parse_item(
    raw: Any, where: str, lines: _Lines, index: int, playbook: Playbook | None
) -> ItemSpec:
    def at(key: str) -> str:
        return lines.of(key, "item", index)

    if not isinstance(raw, dict):
        raise ScorecardError(f"{where} must be a table")
    for key in ("id", "title", "check"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ScorecardError(f"{where}{at(key)}: {key!r} is required and must be text")
    item_id = raw["id"]
    where = f"{where} ({item_id})"
    if not _ID.match(item_id):
        raise ScorecardError(f"{where}{at('id')}: id must be lower_snake_case")
    check = CHECKS.get(raw["check"])
    if check is None:
        raise ScorecardError(
            f"{where}{at('check')}: unknown check {raw['check']!r}; "
            f"use one of {', '.join(sorted(CHECKS))}"
        )
    params: dict[str, float] = {}
    for key, value in raw.items():
        if key in _ITEM_KEYS:
            continue
        spec = check.params.get(key)
        if spec is None:
            takes = ", ".join(sorted(check.params)) or "no parameters"
            raise ScorecardError(
                f"{where}{at(key)}: unknown key {key!r} (check {raw['check']} takes {takes})"
            )
        params[key] = _number(value, key, f"{where}{at(key)}", spec.low, spec.high)
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ScorecardError(f"{where}{at('enabled')}: enabled must be true or false")
    names = raw.get("phrases", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ScorecardError(f"{where}{at('phrases')}: phrases must be a list of phrase-list names")
    if names and not check.lists:
        raise ScorecardError(f"{where}{at('phrases')}: check {raw['check']} listens for no phrases")
    if playbook is not None:
        unknown = [n for n in names if n not in playbook.phrases]
        if unknown:
            raise ScorecardError(
                f"{where}{at('phrases')}: phrases names lists the playbook lacks {unknown}"
            )
    item = ItemSpec(item_id, raw["title"], raw["check"], enabled, tuple(names), params)
    for low, high in check.ordered:
        lo, hi = item.param(low), item.param(high)
        if lo is not None and hi is not None and lo > hi:
            raise ScorecardError(f"{where}{at(low)}: {low} ({lo:g}) is above {high} ({hi:g})")
    return item


def _number(value: Any, key: str, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScorecardError(f"{where}: {key} must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ScorecardError(f"{where}: {key} must be a finite number (got {value})")
    if not low <= number <= high:
        bounds = f"at least {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
        raise ScorecardError(f"{where}: {key} must be {bounds} (got {value})")
    return number


def score_call(
    events: Iterable[Event],
    speakers: Sequence[str],
    duration_s: float,
    settings: CoachSettings,
    thresholds: Thresholds,
    playbook: Playbook,
    scorecard: Scorecard,
    unheard: Sequence[str] = (),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(metrics, scorecard) of a finished call, from its events, for the report. `unheard`: the
    sides of a two-channel call whose channel carried no speech at all (a leg not recorded):
    every item is then n/a, since each judges the agent against what the customer said or
    against the pauses of both sides, and half the call is missing."""
    events = list(events)
    enabled = [it.resolved(playbook) for it in scorecard.items if it.enabled]
    lists = sorted({name for it in enabled for name in it.lists()})
    turns, min_overlap_s = replay_call(events, playbook, settings, thresholds, lists)
    utterances = [e for e in events if isinstance(e, Utterance)]
    metrics = call_metrics(
        utterances, duration_s, speakers, settings.hold_s, min_overlap_s, unheard
    )
    call = CallView(
        turns=turns,
        utterances=utterances,
        prompts=[e for e in events if isinstance(e, Prompt)],
        outcomes=[e for e in events if isinstance(e, PromptOutcome)],
        two_sided="agent" in speakers and "customer" in speakers,
        duration_s=duration_s,
        hold_s=settings.hold_s,
        min_overlap_s=min_overlap_s,
        metrics=metrics,
    )
    # time to the first acknowledgement: with the lists the site's anger item listens for
    anger = next((it for it in enabled if it.check == "anger_acknowledged"), None)
    ack_lists = anger.lists() if anger is not None else CHECKS["anger_acknowledged"].lists
    delay = first_acknowledgement_s(call, ack_lists) if call.two_sided and not unheard else None
    metrics["time_to_acknowledge_s"] = None if delay is None else round(delay, 2)
    rows = []
    for item in enabled:
        check = CHECKS[item.check]
        if unheard:
            result = ItemResult("n/a", _unheard_text(unheard))
        elif check.needs_agent and not call.two_sided:
            result = ItemResult("n/a", "one channel: the agent's speech is not separated")
        else:
            result = check.fn(call, item)
        rows.append({"id": item.id, "title": item.title, **result.to_report()})
    card = {
        "version": scorecard.version,
        "source": scorecard.source,
        "passed": sum(1 for r in rows if r["result"] == "pass"),
        "failed": sum(1 for r in rows if r["result"] == "fail"),
        "not_applicable": sum(1 for r in rows if r["result"] == "n/a"),
        "items": rows,
    }
    return metrics, card


def _unheard_text(unheard: Sequence[str]) -> str:
    sides = " and ".join(f"the {who}'s" for who in unheard)
    return f"not scored: no speech at all on {sides} side (silent channel: was it recorded?)"

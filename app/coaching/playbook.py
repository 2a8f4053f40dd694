"""Loading and validating the playbook: the prompts and phrase lists, as editable data."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from app.coaching.phrases import PhraseSet
from app.errors import PlaybookError
from app.events import Prompt

TRIGGERS = frozenset(
    {
        "customer_frustration",
        "needs_empathy",
        "agent_interrupts",
        "customer_repeats",
        "no_resolution",
        "needs_timeline",
        "long_silence",
        "loyalty_or_leaving",
        "calming_and_fixing",
        "agent_policy_language",
        "agent_upsell",
        "agent_tone_rising",
        "call_end_escalated",
        "customer_says",
        "agent_says",
    }
)
GROUPS = frozenset({"customer", "agent", "after_call"})
_KNOWN_KEYS = frozenset(
    {
        "id",
        "group",
        "priority",
        "title",
        "say",
        "trigger",
        "enabled",
        "cooldown_s",
        "interrupts",
        "repeatable",
        "done_when_agent_says",
        "phrases",
        "min_frustration",
    }
)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PromptSpec:
    id: str
    group: str
    priority: int
    title: str
    say: str
    trigger: str
    enabled: bool = True
    cooldown_s: float | None = None
    interrupts: bool = False
    repeatable: bool = False
    done_when_agent_says: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # phrase-list names, for customer_says / agent_says
    min_frustration: float = 0.0
    params: dict[str, float] = field(default_factory=dict)  # trigger-specific numbers

    def to_prompt(self, t: float, reason: str, source_t: float | None = None) -> Prompt:
        """The card this prompt shows at call time t."""
        return Prompt(
            t=t,
            id=self.id,
            title=self.title,
            say=self.say,
            reason=reason,
            priority=self.priority,
            group=self.group,
            interrupts=self.interrupts,
            source_t=t if source_t is None else source_t,
        )


@dataclass(frozen=True)
class Playbook:
    prompts: tuple[PromptSpec, ...]
    phrases: dict[str, PhraseSet]
    source: str

    def prompt(self, prompt_id: str) -> PromptSpec | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    def phrase_set(self, name: str) -> PhraseSet:
        return self.phrases.get(name) or PhraseSet(name, ())


def default_playbook_text() -> str:
    return resources.files("app.coaching").joinpath("playbook.toml").read_text(encoding="utf-8")


def load_playbook(path: str | Path | None = None) -> Playbook:
    """The shipped playbook, or a user's file; any mistake is a PlaybookError naming it."""
    if path:
        file = Path(path).expanduser()
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise PlaybookError(f"cannot read playbook {file}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise PlaybookError(f"playbook {file} is not UTF-8 text: {exc.reason}") from None
        source = str(file)
    else:
        text, source = default_playbook_text(), "shipped playbook"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"{source} is not valid TOML: {exc}") from None
    return parse_playbook(data, source)


def parse_playbook(data: dict[str, Any], source: str = "playbook") -> Playbook:
    phrases_raw = data.get("phrases", {})
    if not isinstance(phrases_raw, dict):
        raise PlaybookError(f"{source}: [phrases] must be a table of lists")
    phrases: dict[str, PhraseSet] = {}
    for name, items in phrases_raw.items():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise PlaybookError(f"{source}: phrases.{name} must be a list of strings")
        try:
            phrases[name] = PhraseSet.compile(name, items)
        except (re.error, OverflowError) as exc:
            raise PlaybookError(f"{source}: phrases.{name} has a bad pattern: {exc}") from None

    raw_prompts = data.get("prompt", [])
    if not isinstance(raw_prompts, list) or not raw_prompts:
        raise PlaybookError(f"{source}: no [[prompt]] entries")
    prompts = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_prompts):
        spec = _parse_prompt(raw, f"{source}: prompt #{i + 1}", phrases)
        if spec.id in seen:
            raise PlaybookError(f"{source}: prompt id {spec.id!r} appears twice")
        seen.add(spec.id)
        prompts.append(spec)
    return Playbook(tuple(prompts), phrases, source)


def _parse_prompt(raw: Any, where: str, phrases: dict[str, PhraseSet]) -> PromptSpec:
    if not isinstance(raw, dict):
        raise PlaybookError(f"{where} must be a table")
    for key in ("id", "title", "trigger"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise PlaybookError(f"{where}: {key!r} is required and must be text")
    pid = raw["id"]
    where = f"{where} ({pid})"
    if not _ID.match(pid):
        raise PlaybookError(f"{where}: id must be lower_snake_case")
    if raw["trigger"] not in TRIGGERS:
        raise PlaybookError(
            f"{where}: unknown trigger {raw['trigger']!r}; use one of {', '.join(sorted(TRIGGERS))}"
        )
    group = raw.get("group", "customer")
    if not isinstance(group, str) or group not in GROUPS:
        raise PlaybookError(f"{where}: group must be one of {', '.join(sorted(GROUPS))}")
    params: dict[str, float] = {}
    for key, value in raw.items():
        if key in _KNOWN_KEYS:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PlaybookError(f"{where}: unknown key {key!r} (trigger parameters are numbers)")
        params[key] = float(value)
    lists = {"done_when_agent_says": (), "phrases": ()}
    for key in lists:
        names = raw.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise PlaybookError(f"{where}: {key} must be a list of phrase-list names")
        unknown = [n for n in names if n not in phrases]
        if unknown:
            raise PlaybookError(f"{where}: {key} names unknown phrase lists {unknown}")
        lists[key] = tuple(names)
    if raw["trigger"] in ("customer_says", "agent_says") and not lists["phrases"]:
        raise PlaybookError(f"{where}: trigger {raw['trigger']} needs `phrases`")
    try:
        cooldown = raw.get("cooldown_s")
        spec = PromptSpec(
            id=pid,
            group=group,
            priority=int(raw.get("priority", 100)),
            title=raw["title"],
            say=str(raw.get("say", "")),
            trigger=raw["trigger"],
            enabled=bool(raw.get("enabled", True)),
            cooldown_s=None if cooldown is None else float(cooldown),
            interrupts=bool(raw.get("interrupts", False)),
            repeatable=bool(raw.get("repeatable", False)),
            done_when_agent_says=lists["done_when_agent_says"],
            phrases=lists["phrases"],
            min_frustration=float(raw.get("min_frustration", 0.0)),
            params=params,
        )
    except (TypeError, ValueError, OverflowError) as exc:
        raise PlaybookError(f"{where}: {exc}") from None
    return spec

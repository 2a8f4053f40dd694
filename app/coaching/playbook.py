"""Loading and validating the playbook: the prompts and phrase lists, as editable data."""

from __future__ import annotations

import hashlib
import logging
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from app.coaching.phrases import PatternError, PhraseSet
from app.errors import CallcoachError, PlaybookError
from app.events import Prompt

GROUPS = frozenset({"customer", "agent", "after_call"})
MAX_PRIORITY = 1000  # card priorities are small whole numbers (the shipped ones: 10..100)
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
log = logging.getLogger(__name__.replace("app", "callcoach", 1))
_TOP_KEYS = frozenset({"version", "phrases", "prompt"})
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"\{name\}")
_NO_NAME = (re.compile(r"^\{name\}[,;:!]?\s*"), re.compile(r"[,;]?\s*\{name\}"))


def fill_name(line: str, name: str | None) -> str:
    """A suggested line with `{name}` filled in, or cleanly left out when no name is known
    ("I hear you, {name}." -> "I hear you."); no name beats a wrong one."""
    if "{name}" not in line:
        return line
    if name:
        return _NAME.sub(name, line)
    for pattern in _NO_NAME:
        line = pattern.sub("", line)
    return line[:1].upper() + line[1:] if line else line


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

    def to_prompt(
        self, t: float, reason: str, source_t: float | None = None, name: str | None = None
    ) -> Prompt:
        """The card this prompt shows at call time t (`{name}` filled in when known)."""
        return Prompt(
            t=t,
            id=self.id,
            title=fill_name(self.title, name),
            say=fill_name(self.say, name),
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
    version: str = ""  # sha256 of the playbook's text (first 16 hex digits); "" when unknown

    def prompt(self, prompt_id: str) -> PromptSpec | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    def missing_lists(self) -> list[str]:
        """Phrase lists the coach reads that this playbook does not define."""
        from app.coaching.triggers import ENGINE_LISTS

        return [name for name in ENGINE_LISTS if name not in self.phrases]

    def phrase_set(self, name: str) -> PhraseSet:
        found = self.phrases.get(name)
        if found is None:
            found = PhraseSet(name, None, ())
        return found


def default_playbook_text() -> str:
    return resources.files("app.coaching").joinpath("playbook.toml").read_text(encoding="utf-8")


def read_toml_data(
    path: str | Path | None, kind: str, shipped_text: str, error: type[CallcoachError]
) -> tuple[dict[str, Any], str, str]:
    """A site's TOML file (or the shipped text when `path` is empty) as (data, source, text);
    an unreadable, non-UTF-8 or invalid file is an `error` naming the `kind` ("playbook",
    "scorecard") and the file."""
    if path:
        file = Path(path).expanduser()
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise error(f"cannot read {kind} {file}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise error(f"{kind} {file} is not UTF-8 text: {exc.reason}") from None
        source = str(file)
    else:
        text, source = shipped_text, f"shipped {kind}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source} is not valid TOML: {exc}") from None
    return data, source, text


def load_playbook(path: str | Path | None = None) -> Playbook:
    """The shipped playbook, or a user's file; any mistake is a PlaybookError naming it."""
    shipped = "" if path else default_playbook_text()
    data, source, text = read_toml_data(path, "playbook", shipped, PlaybookError)
    playbook = parse_playbook(data, source, text)
    missing = playbook.missing_lists()
    if missing:  # an older copy of the shipped file, or a list deleted on purpose
        log.warning("%s lacks phrase lists %s: those cues are never recognised", source, missing)
    return playbook


class _Lines:
    """Finds the line of a key in the playbook's text, for error messages (tomllib gives none)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def of(self, key: str, table: str | None = None, index: int = 0) -> str:
        start, seen = 0, -1
        if table is not None:  # the index-th [[table]] (or [table]) header
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
            for i, line in enumerate(self.lines):
                if header.match(line):
                    seen += 1
                    if seen == index:
                        start = i + 1
                        break
            else:
                return ""
        key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for i in range(start, len(self.lines)):
            if table is not None and i > start and self.lines[i].lstrip().startswith("["):
                break
            if key_re.match(self.lines[i]):
                return f" (line {i + 1})"
        return ""


def parse_playbook(data: dict[str, Any], source: str = "playbook", text: str = "") -> Playbook:
    """Validate a parsed playbook; every mistake is a PlaybookError naming it (and its line
    when the text is given)."""
    lines = _Lines(text)
    for key in data:
        if key not in _TOP_KEYS:
            raise PlaybookError(
                f"{source}{lines.of(key)}: unknown key {key!r}; use {', '.join(sorted(_TOP_KEYS))}"
            )
    phrases_raw = data.get("phrases", {})
    if not isinstance(phrases_raw, dict):
        raise PlaybookError(f"{source}: [phrases] must be a table of lists")
    phrases: dict[str, PhraseSet] = {}
    for name, items in phrases_raw.items():
        where = f"{source}{lines.of(name, 'phrases')}"
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise PlaybookError(f"{where}: phrases.{name} must be a list of strings")
        try:
            phrases[name] = PhraseSet.compile(name, items)
        except (PatternError, OverflowError) as exc:
            raise PlaybookError(f"{where}: phrases.{name} has a bad pattern: {exc}") from None

    raw_prompts = data.get("prompt", [])
    if not isinstance(raw_prompts, list) or not raw_prompts:
        raise PlaybookError(f"{source}: no [[prompt]] entries")
    prompts = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_prompts):
        spec = _parse_prompt(raw, f"{source}: prompt #{i + 1}", phrases, lines, i)
        if spec.id in seen:
            raise PlaybookError(f"{source}: prompt id {spec.id!r} appears twice")
        seen.add(spec.id)
        prompts.append(spec)
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] if text else ""
    return Playbook(tuple(prompts), phrases, source, version)


def _parse_prompt(
    raw: Any, where: str, phrases: dict[str, PhraseSet], lines: _Lines, index: int
) -> PromptSpec:
    from app.coaching.triggers import TRIGGERS  # the one registry (it imports this module)

    def at(key: str) -> str:
        return lines.of(key, "prompt", index)

    if not isinstance(raw, dict):
        raise PlaybookError(f"{where} must be a table")
    for key in ("id", "title", "trigger"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise PlaybookError(f"{where}: {key!r} is required and must be text")
    pid = raw["id"]
    where = f"{where} ({pid})"
    if not _ID.match(pid):
        raise PlaybookError(f"{where}{at('id')}: id must be lower_snake_case")
    if raw["trigger"] not in TRIGGERS:
        raise PlaybookError(
            f"{where}{at('trigger')}: unknown trigger {raw['trigger']!r}; "
            f"use one of {', '.join(sorted(TRIGGERS))}"
        )
    allowed = TRIGGERS[raw["trigger"]].params
    group = raw.get("group", "customer")
    if not isinstance(group, str) or group not in GROUPS:
        raise PlaybookError(
            f"{where}{at('group')}: group must be one of {', '.join(sorted(GROUPS))}"
        )
    params: dict[str, float] = {}
    for key in raw:
        if key in _KNOWN_KEYS:
            continue
        if key not in allowed:
            accepts = ", ".join(sorted(allowed)) or "no parameters"
            raise PlaybookError(
                f"{where}{at(key)}: unknown key {key!r} (trigger {raw['trigger']} takes {accepts})"
            )
        params[key] = _number(raw, key, f"{where}{at(key)}", low=0.0)
    lists = {"done_when_agent_says": (), "phrases": ()}
    for key in lists:
        names = raw.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise PlaybookError(f"{where}{at(key)}: {key} must be a list of phrase-list names")
        unknown = [n for n in names if n not in phrases]
        if unknown:
            raise PlaybookError(f"{where}{at(key)}: {key} names unknown phrase lists {unknown}")
        lists[key] = tuple(names)
    if raw["trigger"] in ("customer_says", "agent_says") and not lists["phrases"]:
        raise PlaybookError(f"{where}: trigger {raw['trigger']} needs `phrases`")
    # numbers a card's timing depends on: finite and in range (`cooldown_s = nan` would switch
    # the cooldown off, since `now - last < nan` is never true)
    cooldown = None
    if raw.get("cooldown_s") is not None:
        cooldown = _number(raw, "cooldown_s", f"{where}{at('cooldown_s')}", low=0.0)
    min_frustration = 0.0
    if "min_frustration" in raw:
        place = f"{where}{at('min_frustration')}"
        min_frustration = _number(raw, "min_frustration", place, low=0.0, high=1.0)
    # the rest must have the type the card uses: `say = ["x"]` would show as "['x']", a
    # priority of 10**30 or "high" would not order cards, `interrupts = "no"` would be true
    say = raw.get("say", "")
    if not isinstance(say, str):
        raise PlaybookError(f"{where}{at('say')}: say must be text")
    priority = raw.get("priority", 100)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise PlaybookError(f"{where}{at('priority')}: priority must be a whole number")
    if not 0 <= priority <= MAX_PRIORITY:
        raise PlaybookError(
            f"{where}{at('priority')}: priority must be between 0 and {MAX_PRIORITY} "
            f"(got {priority})"
        )
    flags: dict[str, bool] = {}
    for key, default in (("enabled", True), ("interrupts", False), ("repeatable", False)):
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise PlaybookError(f"{where}{at(key)}: {key} must be true or false")
        flags[key] = value
    try:
        spec = PromptSpec(
            id=pid,
            group=group,
            priority=priority,
            title=raw["title"],
            say=say,
            trigger=raw["trigger"],
            enabled=flags["enabled"],
            cooldown_s=cooldown,
            interrupts=flags["interrupts"],
            repeatable=flags["repeatable"],
            done_when_agent_says=lists["done_when_agent_says"],
            phrases=lists["phrases"],
            min_frustration=min_frustration,
            params=params,
        )
    except (TypeError, ValueError, OverflowError) as exc:
        raise PlaybookError(f"{where}: {exc}") from None
    return spec


def _number(raw: dict[str, Any], key: str, where: str, low: float, high: float = math.inf) -> float:
    """A prompt's numeric value: a finite number in [low, high], else a PlaybookError naming the
    key and its line."""
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlaybookError(f"{where}: {key} must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise PlaybookError(f"{where}: {key} must be a finite number (got {value})")
    if not low <= number <= high:
        bounds = f"at least {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
        raise PlaybookError(f"{where}: {key} must be {bounds} (got {value})")
    return number


class PlaybookReloader:
    """The live app's playbook, re-read when the file changes on disk.

    A good edit replaces the playbook from the next utterance on; a bad one (invalid TOML, an
    unknown key, a pattern the safe matcher refuses) keeps the last good playbook, and `check`
    says why, once per edit, so the agent's overlay shows one clear line instead of failing."""

    def __init__(self, path: str | Path, current: Playbook, every_s: float = 2.0) -> None:
        self.path = Path(path).expanduser()
        self.current = current
        self.every_s = every_s
        self._next_check = 0.0
        self._seen = self._stamp()

    def _stamp(self) -> tuple[float, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime, st.st_size)

    def check(self, now: float) -> tuple[Playbook | None, str | None]:
        """(new playbook or None, message for the user or None) at call time `now`."""
        if now < self._next_check:
            return None, None
        self._next_check = now + self.every_s
        stamp = self._stamp()
        if stamp == self._seen:
            return None, None
        self._seen = stamp
        try:
            playbook = load_playbook(self.path)
        except PlaybookError as exc:
            return None, f"playbook edit not used, keeping the last good one: {exc}"
        self.current = playbook
        return playbook, f"playbook reloaded from {self.path.name}"

"""Which agent took each call in a batch: a CSV map (`--agents FILE`, rows `file,agent`) and/or
a file-name pattern (`--agent-pattern REGEX`, its group `agent` or its first group).

A CSV `file` is matched against each call as a path (relative to the CSV's folder, or the end of
the call's path: `team1/call.wav`), else by file name (`call.wav`), else by stem (`call`).
The map wins over the pattern. Rows that matched no call are reported, not dropped silently.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.batch.inputs import CallInput
from app.errors import CallcoachError

_HEADER_WORDS = {"file", "path", "call", "filename", "file_name"}


@dataclass
class AgentMap:
    # each: key -> (agent, the row's `file` as written)
    by_path: dict[Path, tuple[str, str]] = field(default_factory=dict)
    by_suffix: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    by_name: dict[str, tuple[str, str]] = field(default_factory=dict)
    by_stem: dict[str, tuple[str, str]] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    used: set[str] = field(default_factory=set)
    rows: list[str] = field(default_factory=list)  # each row's `file`, to report unused ones

    def agent_for(self, call: CallInput) -> str | None:
        path = call.path
        hit = self.by_path.get(path)
        if hit is None:
            hit = next(
                (v for parts, v in self.by_suffix.items() if path.parts[-len(parts) :] == parts),
                None,
            )
        if hit is None:
            hit = self.by_name.get(path.name) or self.by_stem.get(path.stem)
        if hit is not None:
            agent, row = hit
            self.used.add(row)
            return agent
        if self.pattern is not None:
            match = self.pattern.search(path.name)
            if match:
                groups = match.groupdict()
                value = groups.get("agent") if "agent" in groups else match.group(1)
                return value or None
        return None

    def unused_rows(self) -> list[str]:
        return [row for row in self.rows if row not in self.used]


def load_agents(csv_path: Path | None, pattern: str | None) -> AgentMap:
    """Raises CallcoachError (one line) for an unreadable CSV, a row without an agent or a
    pattern that does not compile or has no group."""
    agents = AgentMap()
    if pattern:
        try:
            agents.pattern = re.compile(pattern)
        except re.error as exc:
            raise CallcoachError(f"--agent-pattern {pattern!r}: {exc}") from None
        if agents.pattern.groups == 0:
            raise CallcoachError(
                f"--agent-pattern {pattern!r} needs a group that captures the agent, "
                "e.g. '^(?P<agent>[^_]+)_'"
            )
    if csv_path is None:
        return agents
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CallcoachError(f"--agents {csv_path}: cannot read it ({why})") from None
    base = csv_path.resolve().parent
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].casefold() in _HEADER_WORDS:
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise CallcoachError(f"--agents {csv_path}: line {number} needs `file,agent`")
        name = cells[0]
        value = (cells[1], name)
        agents.rows.append(name)
        if "/" in name or "\\" in name:
            parts = tuple(p for p in re.split(r"[\\/]", name) if p and p != ".")
            agents.by_path[(base / name).resolve()] = value  # relative to the CSV's folder
            agents.by_path.setdefault(Path(name).resolve(), value)  # or to where we run
            if ".." not in parts:
                agents.by_suffix[parts] = value
        elif Path(name).suffix:
            agents.by_name[name] = value
        else:
            agents.by_stem[name] = value
    return agents

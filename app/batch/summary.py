"""What a batch did, for the user: counted as it goes, said on standard error at the end and
appended as one JSON line to `DIR/batch_runs.jsonl` (one line per run: the last line is the
latest run; an interrupted run keeps its own line).

Not a `.json` file on purpose: scripts that read `DIR/*.json` as call reports (the contract's one
JSON per call; our own tests do) must meet call reports only."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUMMARY_NAME = "batch_runs.jsonl"


@dataclass
class BatchSummary:
    inputs: int = 0
    runner: str = "local"
    workers: int = 1
    analysed: list[dict[str, Any]] = field(default_factory=list)  # source, report, audio_s, ...
    skipped_done: list[dict[str, Any]] = field(default_factory=list)  # already in --out
    reused: list[dict[str, Any]] = field(default_factory=list)  # same audio reported elsewhere
    failed: list[dict[str, Any]] = field(default_factory=list)  # source, kind, reason
    warnings: list[dict[str, Any]] = field(default_factory=list)  # source, warning
    not_audio: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # batch_summary.html / .csv
    interrupted: str | None = None  # "SIGINT" / "SIGTERM" when stopped early
    started: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def done(self) -> int:
        return len(self.analysed) + len(self.skipped_done) + len(self.reused)

    def to_json(self) -> dict[str, Any]:
        wall = (self.finished or time.time()) - self.started
        audio_s = sum(row.get("audio_s", 0.0) for row in self.analysed)
        return {
            "inputs": self.inputs,
            "runner": self.runner,
            "workers": self.workers,
            "counts": {
                "analysed": len(self.analysed),
                "skipped_done": len(self.skipped_done),
                "reused": len(self.reused),
                "failed": len(self.failed),
                "warnings": len(self.warnings),
                "not_audio": len(self.not_audio),
                "not_done": self.inputs - self.done - len(self.failed),
            },
            "interrupted": self.interrupted,
            "wall_s": round(wall, 2),
            "audio_s_analysed": round(audio_s, 2),
            "started": _iso(self.started),
            "finished": _iso(self.finished) if self.finished else None,
            "analysed": self.analysed,
            "skipped_done": self.skipped_done,
            "reused": self.reused,
            "failed": self.failed,
            "warnings": self.warnings,
            "not_audio": self.not_audio,
            "notes": self.notes,
            "outputs": self.outputs,
        }

    def write(self, out_dir: Path) -> Path:
        """Append this run's summary as one line (synced)."""
        path = out_dir / SUMMARY_NAME
        line = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
        with open(path, "a", encoding="utf-8") as fh:
            if fh.tell() and not _ends_with_newline(path):
                fh.write("\n")  # never glue onto a line torn by a kill
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        return path

    def lines(self, out_dir: Path) -> list[str]:
        """The end-of-batch summary for a person at a terminal."""
        counts = self.to_json()["counts"]
        head = (
            f"callcoach: {self.inputs} calls: {counts['analysed']} analysed, "
            f"{counts['skipped_done']} already done"
        )
        if counts["reused"]:
            head += f", {counts['reused']} same audio as another call (report copied)"
        head += f", {counts['failed']} failed"
        if counts["not_done"]:
            head += f", {counts['not_done']} not done yet"
        out = [head]
        for row in self.failed:
            out.append(f"  failed: {row['reason']}")
        for row in self.warnings:
            out.append(f"  {row['source']}: {row['warning']}")
        if self.not_audio:
            out.append(f"  {len(self.not_audio)} files skipped as not audio:")
            out += [f"    {p}" for p in self.not_audio[:10]]
            if len(self.not_audio) > 10:
                out.append(f"    ... and {len(self.not_audio) - 10} more")
        out += [f"  note: {n}" for n in self.notes]
        out.append(f"  summary: {out_dir / SUMMARY_NAME}")
        out += [
            f"  batch report: {out_dir / name}" for name in self.outputs if name.endswith(".html")
        ]
        return out


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def last_run(out_dir: Path) -> dict[str, Any]:
    """The latest run's summary in `out_dir` (for tests and scripts)."""
    lines = (out_dir / SUMMARY_NAME).read_text(encoding="utf-8").splitlines()
    return json.loads(next(line for line in reversed(lines) if line.strip()))  # type: ignore[no-any-return]

"""The record of what a batch has finished in one --out folder, so that a run can resume.

`DIR/batch_manifest.jsonl`: one JSON line per finished call, appended (and fsync'ed) only after
all of that call's outputs are in place. A run killed at any moment leaves every line either
whole or, at worst, the last line torn; a torn or foreign line is ignored on reading (that call
is simply analysed again) and counted. Later lines win: a call re-analysed after its audio
changed keeps its report name and gets a new line.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "batch_manifest.jsonl"


@dataclass(frozen=True, slots=True)
class Finished:
    name: str  # report name in --out, without extension
    source: str  # absolute path of the audio
    sha256: str
    analysis_key: str
    duration_s: float = 0.0
    outputs: tuple[str, ...] = ()  # the files written for it, relative to --out
    call_id: int | None = None  # the store's id, when it was saved there

    def to_json(self) -> dict[str, Any]:
        row = asdict(self)
        row["outputs"] = list(self.outputs)
        return row


@dataclass
class Manifest:
    path: Path
    by_source: dict[str, Finished] = field(default_factory=dict)
    damaged_lines: int = 0

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        manifest = cls(out_dir / MANIFEST_NAME)
        try:
            raw = manifest.path.read_bytes()
        except FileNotFoundError:
            return manifest
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                entry = Finished(
                    name=str(row["name"]),
                    source=str(row["source"]),
                    sha256=str(row["sha256"]),
                    analysis_key=str(row["analysis_key"]),
                    duration_s=float(row.get("duration_s", 0.0)),
                    outputs=tuple(str(o) for o in row.get("outputs", ())),
                    call_id=row.get("call_id"),
                )
            except (ValueError, KeyError, TypeError):
                manifest.damaged_lines += 1
                continue
            manifest.by_source[entry.source] = entry
        return manifest

    def names(self) -> dict[str, Path]:
        """Report name -> source path, for the naming rule (a call keeps its name)."""
        return {e.name: Path(e.source) for e in self.by_source.values()}

    def by_content(self, sha256: str, analysis_key: str) -> list[Finished]:
        return [
            e
            for e in self.by_source.values()
            if e.sha256 == sha256 and e.analysis_key == analysis_key
        ]

    def record(self, entry: Finished) -> None:
        """Append one finished call, durably, before the next one is reported as done."""
        line = json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
        data = line.encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if self._ends_torn(fd):
                data = b"\n" + data  # never glue a good line onto a torn one
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.by_source[entry.source] = entry

    def _ends_torn(self, fd: int) -> bool:
        size = os.fstat(fd).st_size
        if size == 0:
            return False
        with open(self.path, "rb") as fh:
            fh.seek(size - 1)
            return fh.read(1) != b"\n"

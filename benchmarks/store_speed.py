"""What the call store costs: saving a call, committing a live utterance, finding calls.

Usage: python -m benchmarks.store_speed [--calls 1000] [--report REPORT.json]
Uses a real report (default: the demo call analysed by `callcoach analyze` first, or the JSON
given) and real SQLite files in a temporary folder. Prints, in one run:
- `save_report` per call (one transaction), and calls per second;
- one live utterance committed (the live writer's per-event transaction) with
  `synchronous = FULL` (what the store uses: a committed utterance survives a power cut) against
  `synchronous = NORMAL` (survives a crash of the process only) as the baseline, same run;
- `list_calls` over `--calls` stored calls: no filter, text search, and escalated + ignored.
Figures vary with the disk and the machine's load; compare the ratios.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.events import Utterance
from app.paths import ASSETS_DIR
from app.store import CallQuery, Store
from app.store.call_writing import insert_utterance


def _demo_report(folder: Path) -> dict[str, Any]:
    out = folder / "report"
    cmd = [sys.executable, "-m", "app", "analyze", str(ASSETS_DIR / "demo_call.ogg")]
    cmd += ["--out", str(out), "--set", "store.enabled=false"]
    subprocess.run(cmd, check=True)
    return json.loads((out / "demo_call.json").read_text())


def _ms(seconds: list[float]) -> str:
    return f"median {1000 * statistics.median(seconds):.2f} ms, p95 " + (
        f"{1000 * sorted(seconds)[int(0.95 * (len(seconds) - 1))]:.2f} ms"
    )


def _live_commits(db: Path, synchronous: str, n: int) -> list[float]:
    store = Store(db)
    store._conn.execute(f"PRAGMA synchronous = {synchronous}")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO calls (origin, status, call_name, created_at) "
            "VALUES ('live', 'live', 'bench.wav', 0)"
        )
        call_id = conn.execute("SELECT max(id) FROM calls").fetchone()[0]
    times = []
    for seq in range(n):
        utt = Utterance("customer", seq, seq + 0.8, f"utterance number {seq}", 0.3, 0.4, 0.5)
        started = time.perf_counter()
        with store.transaction() as conn:
            insert_utterance(conn, call_id, seq, utt.to_report())
        times.append(time.perf_counter() - started)
    store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--report", type=Path, help="a report JSON (default: analyse the demo)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report = json.loads(args.report.read_text()) if args.report else _demo_report(folder)
        print(
            f"report: {report['call']}, {len(report['utterances'])} utterances, "
            f"{len(report['prompts'])} prompts"
        )
        store = Store(folder / "calls.sqlite3")
        saves = []
        for i in range(args.calls):
            variant = copy.deepcopy(report)
            variant["summary"]["escalated"] = i % 3 == 0
            if i % 10 == 0:
                variant["utterances"][0]["text"] = f"needle {i}"
            started = time.perf_counter()
            store.save_report(variant, sha256=f"{i:064x}")
            saves.append(time.perf_counter() - started)
        print(
            f"save_report ({args.calls} calls): {_ms(saves)}; "
            f"{1 / statistics.median(saves):.0f} calls/s"
        )
        size = (folder / "calls.sqlite3").stat().st_size
        print(f"database size: {size / 1e6:.1f} MB ({size / args.calls / 1e3:.1f} kB per call)")
        for label, query in (
            ("all calls", CallQuery()),
            ("text search", CallQuery(text="needle 5")),
            ("escalated + ignored", CallQuery(escalated=True, prompts_ignored=True)),
            ("first page of 50", CallQuery(limit=50)),
        ):
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                found = store.list_calls(query)
                runs.append(time.perf_counter() - started)
            print(f"list_calls {label}: {len(found)} rows, {_ms(runs)}")
        store.close()
        full = _live_commits(folder / "full.sqlite3", "FULL", 300)
        normal = _live_commits(folder / "normal.sqlite3", "NORMAL", 300)
        print(f"live utterance commit, synchronous=FULL (used): {_ms(full)}")
        print(f"live utterance commit, synchronous=NORMAL (baseline): {_ms(normal)}")
        ratio = statistics.median(full) / statistics.median(normal)
        print(f"FULL / NORMAL: {ratio:.2f}x")


if __name__ == "__main__":
    main()

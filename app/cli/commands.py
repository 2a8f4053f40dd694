"""What each `callcoach` command does, given parsed arguments and loaded settings."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.cli.preflight import writable_folder
from app.config import Settings
from app.errors import AudioReadError, CallcoachError, one_line
from app.events import Event, Prompt
from app.paths import ASSETS_DIR

if TYPE_CHECKING:
    from app.audio.reader import AudioRepair

log = logging.getLogger("callcoach")
EXIT_BAD_INPUT = 2
DEMO_CALL = ASSETS_DIR / "demo_call.ogg"
DEMO_CALLS = {  # `callcoach demo --call NAME`
    "escalation": DEMO_CALL,
    "resolved": ASSETS_DIR / "demo_call_resolved.ogg",
}


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.live import devices, live
    from app.cli.purge import purge

    handlers = {
        "analyze": analyze,
        "score-text": score_text,
        "score-tone": score_tone,
        "demo": demo,
        "live": live,
        "devices": devices,
        "report": render_report,
        "purge": purge,
    }
    return handlers[args.command](args, settings)


def analyze(args: argparse.Namespace, settings: Settings) -> int:
    from app.pipeline import analyze_call, load_models
    from app.report.call_report import build_report, write_report

    writable_folder(args.out)  # before the first call is analysed, not after
    _check_distinct_reports(args.calls, args.out)
    models = load_models(settings)
    from app.store.analyses import StoredAnalyses  # the call store (app/store)

    stored = StoredAnalyses.open(settings, models.playbook)
    status = 0
    for path in args.calls:
        try:
            result = analyze_call(path, settings, models)
        except AudioReadError as exc:
            print(f"callcoach: {one_line(exc)}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        except (CallcoachError, OSError, MemoryError):
            raise  # settings, models, the output folder: the same for every call
        except Exception as exc:
            # a bug met on this one call must not lose the others: one line, go on (-v: details)
            log.info("analysing %s failed", path, exc_info=True)
            why = one_line(f"{path.name}: internal error: {type(exc).__name__}: {exc}")
            print(f"callcoach: {why}", file=sys.stderr)
            status = status or 1
            continue
        report = build_report(result, settings, models.thresholds)
        out = write_report(report, args.out, path.stem)
        stored.save(report, path)
        log.info("%s: %d prompts -> %s", path.name, len(result.events), out)
        if result.repairs:
            print(f"callcoach: {path.name}: {repairs_line(result.repairs)}", file=sys.stderr)
    stored.close()
    return status


def render_report(args: argparse.Namespace, settings: Settings) -> int:
    """`callcoach report REPORT.json [--html OUT] [--csv OUT]`: an existing JSON report as
    HTML and/or CSV (QA, and the review window's export)."""
    from app.report.call_report import read_report
    from app.report.csv_export import write_utterances_csv
    from app.report.html import write_call_html

    report = read_report(args.report)
    html_out = args.html
    if html_out is None and args.csv is None:
        html_out = args.report.with_suffix(".html")
    stem = args.report.stem
    if html_out is not None and html_out.is_dir():
        html_out = html_out / f"{stem}.html"  # --html FOLDER: the report's name inside it
    csv_out = args.csv / f"{stem}.csv" if args.csv is not None and args.csv.is_dir() else args.csv
    for out in (html_out, csv_out):
        if out is not None and _same_file(out, args.report):
            raise CallcoachError(f"{out} is the report itself; choose another output file")
    if html_out is not None:
        print(f"HTML report written to {write_call_html(report, html_out)}")
    if csv_out is not None:
        print(f"utterances CSV written to {write_utterances_csv(report, csv_out)}")
    return 0


def _check_distinct_reports(calls: list[Path], out: Path) -> None:
    """Two different calls with the same stem would write the same report: the first would be
    lost. Refuse before any work (the same file given twice is simply analysed once)."""
    seen: dict[str, Path] = {}
    unique: list[Path] = []
    for path in calls:
        first = seen.get(path.stem)
        if first is None:
            seen[path.stem] = path
            unique.append(path)
        elif _same_file(first, path):
            continue
        else:
            raise CallcoachError(
                f"{first} and {path} would both be reported as {out / (path.stem + '.json')}; "
                "analyse them into different --out folders"
            )
    calls[:] = unique


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


def repairs_line(repairs: Sequence[AudioRepair]) -> str:
    """One line for standard error: what the reader repaired in a call (see `warnings`)."""
    shown = "; ".join(r.text() for r in repairs[:4])
    more = f"; and {len(repairs) - 4} more" if len(repairs) > 4 else ""
    return f"warning: {shown}{more} (details in the report's warnings)"


def score_text(args: argparse.Namespace, settings: Settings) -> int:
    from app.scoring.words import load_words_scorer

    lines, invalid = read_lines(sys.stdin.buffer.read())
    if invalid:
        print(
            f"callcoach: {invalid} input line(s) had bytes that are not UTF-8; "
            "they were replaced with \ufffd and those lines scored as read",
            file=sys.stderr,
        )
    scorer = load_words_scorer(threads=settings.scoring.threads)
    out = sys.stdout
    batch = 64
    for i in range(0, len(lines), batch):
        for score in scorer.score(lines[i : i + batch]):
            out.write(f"{score:.4f}\n")
    out.flush()
    return 0


_NEWLINE = re.compile(rb"\r\n|\r|\n")


def read_lines(data: bytes) -> tuple[list[str], int]:
    """Standard input as text lines (universal newlines, as Python's text mode splits them) and
    how many lines held bytes that are not UTF-8. Every line is kept, one score per line: bad
    bytes become U+FFFD in their own line instead of failing (or shifting) the others."""
    if not data:
        return [], 0
    parts = _NEWLINE.split(data)
    if parts[-1] == b"":
        parts.pop()  # the newline that ends the last line
    lines: list[str] = []
    invalid = 0
    for raw in parts:
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            invalid += 1
            lines.append(raw.decode("utf-8", errors="replace"))
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]  # a byte-order mark is not part of the first utterance
    return lines, invalid


def _mono_clip(path: Path) -> np.ndarray:
    from app.audio.reader import read_all

    audio = read_all(path)
    return audio.mean(axis=0) if audio.shape[0] > 1 else audio[0]


def score_tone(args: argparse.Namespace, settings: Settings) -> int:
    from app.scoring.tone import SpeakerBaseline, load_tone_scorer

    if not args.files:
        raise CallcoachError(
            "score-tone: give at least one FILE to score (each --baseline takes one clip)"
        )
    scorer = load_tone_scorer(threads=settings.scoring.threads)
    status = 0
    baseline = None
    if args.baseline:
        baseline = SpeakerBaseline()
        for path in args.baseline:
            try:
                baseline.add_calm(scorer.features(_mono_clip(path)))
            except AudioReadError as exc:
                # every score is relative to the baseline: without one of its clips they would
                # all quietly differ, so nothing is scored
                raise CallcoachError(f"baseline {exc}; nothing scored") from None
    for path in args.files:
        try:
            feats = scorer.features(_mono_clip(path))
        except AudioReadError as exc:
            print(f"callcoach: {one_line(exc)}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        score = scorer.score_features(feats, baseline)
        sys.stdout.write(f"{path}\t{score:.4f}\n")
    sys.stdout.flush()
    return status


def _event_printer(high: float) -> Callable[[Event], None]:
    return lambda event: _print_event(event, high)


def _print_event(event: Event, high: float) -> None:
    from app.events import Utterance
    from app.markup import plain

    if isinstance(event, Utterance):
        mark = "!" if event.frustration >= high else " "
        who = f"{event.speaker:8s}{mark}"
        print(f"  {event.start:6.1f}s {who} [{event.frustration:.2f}] {event.text}", flush=True)
    elif isinstance(event, Prompt) and event.shown:  # what the agent sees (the one-card rule)
        print(f"\n  >>> {event.t:6.1f}s  {plain(event.title).upper()}", flush=True)
        if event.say:
            print(f"      say: \u201c{plain(event.say)}\u201d", flush=True)
        print(f"      why: {event.reason}\n", flush=True)


class _CallTimeOrder:
    """Collects a call's events and gives them back in call-time order: utterances by their
    start (the time printed beside them), prompts by the time the card appears. The pipeline
    emits an utterance when it has been processed, so a long utterance that started before a
    prompt can arrive after it; sorted, a prompt always follows the utterance that triggered it
    (its time is at or after that utterance's end)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def ordered(self) -> list[Event]:
        from app.events import Utterance

        def key(item: tuple[int, Event]) -> tuple[float, int, int]:
            seq, event = item
            if isinstance(event, Utterance):
                return (event.start, 0, seq)
            if isinstance(event, Prompt):
                return (event.t, 1, seq)
            return (float("inf"), 2, seq)

        return [event for _, event in sorted(enumerate(self.events), key=key)]


def demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.pipeline import analyze_call, load_models
    from app.report.call_report import build_report, write_report

    call = DEMO_CALLS.get(getattr(args, "call", None) or "escalation", DEMO_CALL)
    if not call.exists():
        raise CallcoachError(f"the bundled demo call is missing ({call}); reinstall callcoach")
    writable_folder(args.out)
    print(f"callcoach demo: analysing {call.name} (agent left, customer right)\n", flush=True)
    models = load_models(settings)
    high = models.thresholds.high
    collected = _CallTimeOrder()
    result = analyze_call(call, settings, models, sinks=[collected])
    printer = _event_printer(high)
    for event in collected.ordered():
        printer(event)
    report = build_report(result, settings, models.thresholds)
    out = write_report(report, args.out, call.stem)
    counts = ", ".join(f"{k} ×{v}" for k, v in report["summary"]["prompt_counts"].items())
    print(f"\nprompts: {counts or 'none'}")
    print(f"report written to {out}")
    if not args.no_overlay:
        from app.cli.overlay_launch import show_overlay_if_possible

        show_overlay_if_possible(result, settings)  # says in one line when no screen opens
    return 0

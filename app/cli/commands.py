"""What each `callcoach` command does, given parsed arguments and loaded settings."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.config import Settings
from app.errors import AudioReadError, CallcoachError
from app.events import Event, Prompt
from app.paths import ASSETS_DIR

if TYPE_CHECKING:
    from app.audio.reader import AudioRepair

log = logging.getLogger("callcoach")
EXIT_BAD_INPUT = 2
DEMO_CALL = ASSETS_DIR / "demo_call.ogg"


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.live import devices, live

    handlers = {
        "analyze": analyze,
        "score-text": score_text,
        "score-tone": score_tone,
        "demo": demo,
        "live": live,
        "devices": devices,
    }
    return handlers[args.command](args, settings)


def analyze(args: argparse.Namespace, settings: Settings) -> int:
    from app.pipeline import analyze_call, load_models
    from app.report.call_report import build_report, write_report

    models = load_models(settings)
    status = 0
    for path in args.calls:
        try:
            result = analyze_call(path, settings, models)
        except AudioReadError as exc:
            print(f"callcoach: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        out = write_report(build_report(result, settings), args.out, path.stem)
        log.info("%s: %d prompts -> %s", path.name, len(result.events), out)
        if result.repairs:
            print(f"callcoach: {path.name}: {repairs_line(result.repairs)}", file=sys.stderr)
    return status


def repairs_line(repairs: Sequence[AudioRepair]) -> str:
    """One line for standard error: what the reader repaired in a call (see `warnings`)."""
    shown = "; ".join(r.text() for r in repairs[:4])
    more = f"; and {len(repairs) - 4} more" if len(repairs) > 4 else ""
    return f"warning: {shown}{more} (details in the report's warnings)"


def score_text(args: argparse.Namespace, settings: Settings) -> int:
    from app.scoring.words import load_words_scorer

    scorer = load_words_scorer(threads=settings.scoring.threads)
    lines = [line.rstrip("\r\n") for line in sys.stdin]
    out = sys.stdout
    batch = 64
    for i in range(0, len(lines), batch):
        for score in scorer.score(lines[i : i + batch]):
            out.write(f"{score:.4f}\n")
    out.flush()
    return 0


def _mono_clip(path: Path) -> np.ndarray:
    from app.audio.reader import read_all

    audio = read_all(path)
    return audio.mean(axis=0) if audio.shape[0] > 1 else audio[0]


def score_tone(args: argparse.Namespace, settings: Settings) -> int:
    from app.scoring.tone import SpeakerBaseline, load_tone_scorer

    scorer = load_tone_scorer(threads=settings.scoring.threads)
    if not args.files and len(args.baseline) >= 2:
        # `--baseline calm.wav clip.wav`: the option swallowed the clip to score
        args.files = [args.baseline.pop()]
    if not args.files:
        raise CallcoachError("score-tone: give at least one FILE to score")
    status = 0
    baseline = None
    if args.baseline:
        baseline = SpeakerBaseline()
        for path in args.baseline:
            try:
                baseline.add_calm(scorer.features(_mono_clip(path)))
            except AudioReadError as exc:
                print(f"callcoach: baseline {exc}", file=sys.stderr)
                status = EXIT_BAD_INPUT
    for path in args.files:
        try:
            feats = scorer.features(_mono_clip(path))
        except AudioReadError as exc:
            print(f"callcoach: {exc}", file=sys.stderr)
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

    if isinstance(event, Utterance):
        mark = "!" if event.frustration >= high else " "
        who = f"{event.speaker:8s}{mark}"
        print(f"  {event.start:6.1f}s {who} [{event.frustration:.2f}] {event.text}", flush=True)
    elif isinstance(event, Prompt):
        print(f"\n  >>> {event.t:6.1f}s  {event.title.upper()}", flush=True)
        if event.say:
            print(f"      say: \u201c{event.say}\u201d", flush=True)
        print(f"      why: {event.reason}\n", flush=True)


def demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.pipeline import analyze_call, load_models
    from app.report.call_report import build_report, write_report

    if not DEMO_CALL.exists():
        raise CallcoachError(f"the bundled demo call is missing ({DEMO_CALL}); reinstall callcoach")
    print(f"callcoach demo: analysing {DEMO_CALL.name} (agent left, customer right)\n", flush=True)
    models = load_models(settings)
    high = settings.coach.high if settings.coach.high is not None else 1.0
    result = analyze_call(DEMO_CALL, settings, models, sinks=[_event_printer(high)])
    report = build_report(result, settings)
    out = write_report(report, args.out, DEMO_CALL.stem)
    counts = ", ".join(f"{k} ×{v}" for k, v in report["summary"]["prompt_counts"].items())
    print(f"\nprompts: {counts or 'none'}")
    print(f"report written to {out}")
    if not args.no_overlay:
        from app.cli.overlay_launch import show_overlay_if_possible

        show_overlay_if_possible(result, settings)
    return 0

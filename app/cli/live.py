"""`callcoach live` and `callcoach devices`."""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import sys
import threading
from pathlib import Path

from app.audio.capture import AudioSource, SimulatedSource, list_input_devices
from app.cli.preflight import screen_problem, writable_file, writable_folder
from app.config import Settings
from app.errors import CallcoachError, DeviceError
from app.events import Event, Prompt, StatusMessage, Utterance

log = logging.getLogger("callcoach")
LIVE_STEM = "live-call"  # a live call's report (and stored audio) name under --out


def devices(args: argparse.Namespace, settings: Settings) -> int:
    found = list_input_devices()
    if not found:
        print("no audio input devices found (is a sound card or PulseAudio/PipeWire available?)")
        return 0
    print(" id  channels  rate      host API     name")
    for d in found:
        print(d.line())
    print("\nchoose with settings audio.stereo_device (agent and customer on two channels) or")
    print("audio.agent_device + audio.customer_device (mic + loopback/monitor), by id or name")
    return 0


def _print_sink(event: Event, call_t: float, wall_t: float) -> None:
    if isinstance(event, Utterance):
        print(
            f"[{call_t:7.1f}s] {event.speaker:8s} ({event.frustration:.2f}) {event.text}",
            flush=True,
        )
    elif isinstance(event, Prompt) and event.shown:  # what the agent sees (the one-card rule)
        from app.markup import plain

        line = plain(event.title) + (f" — {plain(event.say)}" if event.say else "")
        print(f"[{call_t:7.1f}s] >>> {line}", flush=True)
    elif isinstance(event, StatusMessage) and event.level == "info":
        # warnings and errors are already logged (one line each) by the session itself
        print(f"[{call_t:7.1f}s] {event.message}", file=sys.stderr, flush=True)


def _preflight(args: argparse.Namespace) -> None:
    """Everything that would otherwise fail after the call: outputs, screen, audio device."""
    if args.out is not None:
        writable_folder(args.out)
    if args.events is not None:
        writable_file(args.events, "--events")
    if not args.headless and os.environ.get("QT_QPA_PLATFORM", "") not in ("offscreen", "minimal"):
        problem = screen_problem()
        if problem is not None:
            raise CallcoachError(f"no screen could be opened ({problem}); use --headless")
    if args.simulate is None and not list_input_devices():
        raise DeviceError(
            "no audio input device found (no sound card, and no PulseAudio/PipeWire server "
            "reachable); see `callcoach devices`, or replay a recording with --simulate CALL"
        )


def live(args: argparse.Namespace, settings: Settings) -> int:
    from app.pipeline.event_log import EventLog
    from app.pipeline.live import LiveSession, LiveSink
    from app.pipeline.models import load_models

    if not (math.isfinite(args.speed) and args.speed > 0):  # also checked by the parser
        raise CallcoachError("--speed must be a finite number above 0")
    if args.lossless and args.simulate is None:
        raise CallcoachError("--lossless only applies to a replay (--simulate CALL)")
    _preflight(args)

    def make_source() -> AudioSource:
        if args.simulate is not None:
            return SimulatedSource(
                args.simulate,
                settings.audio.agent_channel,
                args.speed,
                settings.audio.block_s,
                lossless=args.lossless,
            )
        from app.audio.devices import DeviceSource

        return DeviceSource(settings.audio)

    make_source().stop()  # an unreadable file or a missing audio system fails here, early
    models = load_models(settings)
    sinks: list[LiveSink] = []
    event_log = EventLog(args.events) if args.events else None
    if event_log:
        sinks.append(event_log)

    from app.cli.call_store import LiveCallStore

    call_store = LiveCallStore(settings, models.playbook)  # each call written as it happens

    def make_session() -> LiveSession:
        session = LiveSession(make_source(), models, settings, list(sinks), record_to=record_to)
        call_store.attach(session, args.simulate)
        return session

    # audio is stored only when asked (privacy.store_audio), next to the report
    record_to = None
    if settings.privacy.store_audio and args.out:
        record_to = args.out / f"{(args.simulate or Path(LIVE_STEM)).stem}.wav"

    session: LiveSession | None
    try:
        if args.headless:
            if not event_log:
                sinks.append(_print_sink)
            session = make_session()
            _run_headless(session)
        else:
            from app.ui.live_window import run_live_window

            session = run_live_window(
                make_session, settings, quit_when_done=args.simulate is not None
            )
    finally:
        if event_log:
            event_log.close()
        call_store.close()
    if args.out and session is not None:
        _write_report(session, args, settings)
    return 1 if session is not None and session.error else 0


def _run_headless(session) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()
        session.stop()

    previous = signal.signal(signal.SIGINT, on_signal)
    try:
        session.start()
        while not session.wait(0.2):
            pass
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_report(session, args: argparse.Namespace, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from app.batch.analyser import repairs_line
    from app.cli.call_store import live_call_report  # the same report the store keeps
    from app.report.call_report import write_report

    path = args.simulate or Path(LIVE_STEM + ".wav")
    repairs = session.capture_repairs  # worked out once: the report and the stderr line
    report = live_call_report(session, path, settings, repairs=repairs)
    out = write_report(report, args.out, path.stem)
    if repairs:  # as `analyze` says them: one line, the details in the report
        print(f"callcoach: {path}: {repairs_line(repairs)}", file=sys.stderr)
    print(f"report written to {out}", file=sys.stderr)

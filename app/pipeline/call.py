"""Analysing a recorded call: the front end and back end run in step, as fast as possible.

This is the same pair of stages the live path drives from a capture thread; only the pacing
differs, so a recording gives the same prompts here and when replayed live.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.audio.source import CallAudio
from app.coaching.engine import Coach
from app.config import Settings
from app.events import Event
from app.pipeline.backend import BackEnd
from app.pipeline.frontend import FrontEnd
from app.pipeline.models import Models

Sink = Callable[[Event], None]


@dataclass
class StageTimes:
    """Seconds spent in each stage, for benchmarks."""

    decode: float = 0.0
    front: float = 0.0  # VAD, cutting, tone
    back: float = 0.0  # ASR, words, fusion, coach
    total: float = 0.0


@dataclass
class CallResult:
    path: Path
    speakers: list[str]
    duration_s: float
    events: list[Event] = field(default_factory=list)
    times: StageTimes = field(default_factory=StageTimes)


def build_stages(speakers: list, models: Models, settings: Settings) -> tuple[FrontEnd, BackEnd]:
    front = FrontEnd(speakers, models.tone, settings.vad)
    coach = Coach(models.playbook, settings.coach)
    back = BackEnd(models.transcriber, models.words, coach, settings.scoring)
    return front, back


def analyze_call(
    path: Path, settings: Settings, models: Models, sinks: Iterable[Sink] = ()
) -> CallResult:
    """Run one recording through the pipeline. Raises AudioReadError for unreadable audio."""
    started = time.perf_counter()
    audio = CallAudio(path, settings.audio.agent_channel, settings.audio.block_s)
    front, back = build_stages(list(audio.speakers), models, settings)
    result = CallResult(path, list(audio.speakers), 0.0)
    sinks = list(sinks)

    def emit(events: list[Event]) -> None:
        for event in events:
            result.events.append(event)
            for sink in sinks:
                sink(event)

    times = result.times
    blocks = iter(audio)
    while True:
        t0 = time.perf_counter()
        block = next(blocks, None)
        t1 = time.perf_counter()
        times.decode += t1 - t0
        if block is None:
            break
        items = front.push(block)
        t2 = time.perf_counter()
        times.front += t2 - t1
        for item in items:
            emit(back.process(item))
        times.back += time.perf_counter() - t2
    t0 = time.perf_counter()
    items = front.finish()
    t1 = time.perf_counter()
    times.front += t1 - t0
    for item in items:
        emit(back.process(item))
    result.duration_s = front.t
    emit(back.finish(front.t))
    times.back += time.perf_counter() - t1
    times.total = time.perf_counter() - started
    return result

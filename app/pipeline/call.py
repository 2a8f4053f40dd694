"""Analysing a recorded call: the front end and back end run in step, as fast as possible.

This is the same pair of stages the live path drives from a capture thread; only the pacing
differs, so a recording gives the same prompts here and when replayed live.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.audio.reader import AudioRepair
from app.audio.source import CallAudio
from app.coaching.engine import Coach
from app.coaching.playbook import PlaybookReloader
from app.config import Settings
from app.events import Event, Speaker, Utterance
from app.pipeline.backend import BackEnd
from app.pipeline.frontend import FrontEnd
from app.pipeline.memory import trim_heap
from app.pipeline.models import Models
from app.pipeline.timing import StageTimes

Sink = Callable[[Event], None]
TRIM_EVERY_S = 30.0  # call time between handing freed heap pages back (memory flat in length)


@dataclass
class CallResult:
    path: Path
    speakers: list[str]
    duration_s: float
    events: list[Event] = field(default_factory=list)
    times: StageTimes = field(default_factory=StageTimes)
    repairs: list[AudioRepair] = field(default_factory=list)  # damage the reader repaired


def build_stages(
    speakers: list[Speaker],
    models: Models,
    settings: Settings,
    times: StageTimes | None = None,
    live: bool = False,
) -> tuple[FrontEnd, BackEnd]:
    """The two halves of the pipeline; `live` lets the front end ask for early transcription
    (same texts, sooner cards; in a batch run it would only add work)."""
    front = FrontEnd(speakers, models.tone, settings.vad, times, prefetch=live)
    coach = Coach(models.playbook, settings.coach, getattr(models, "thresholds", None))
    reloader = None
    if live and settings.coach.playbook:  # a site's own playbook: edits apply during the call
        reloader = PlaybookReloader(settings.coach.playbook, models.playbook)
    back = BackEnd(
        models.transcriber,
        models.words,
        coach,
        settings.scoring,
        times,
        reloader,
        privacy=settings.privacy,
    )
    return front, back


SILENT_CHANNEL = "silent channel"  # the warning of a side without any speech (silent_sides)
NO_SPEECH = "no speech"  # the warning of a call without any speech on any side
SILENT_SIDE_AFTER_S = 5.0  # the other side's speech before a side without any is reported


def silent_sides(
    events: list[Event],
    speakers: list[Speaker],
    untranscribed: list[tuple[str, float, float]],
    duration_s: float,
) -> list[AudioRepair]:
    """A warning for each side of a two-channel call on which no speech at all was found while
    the other side spoke: a leg of the call that was not recorded (a dead channel, a recorder
    that lost one side) would otherwise give a report of a customer who never spoke, calm and
    uncoached, with no word that anything was wrong. A call with no speech on any side (a
    capture that recorded nothing, a file of music or tones) gets one `no speech` warning."""
    spoken: dict[str, float] = {who: 0.0 for who in speakers}
    for event in events:
        if isinstance(event, Utterance):
            spoken[event.speaker] = spoken.get(event.speaker, 0.0) + event.end - event.start
    for who, start, end in untranscribed:
        spoken[who] = spoken.get(who, 0.0) + end - start
    if duration_s > 0 and not any(spoken.values()):
        return [
            AudioRepair(
                NO_SPEECH,
                0.0,
                duration_s,
                detail="nothing in the whole call was heard as speech, so nothing was "
                "transcribed, scored or coached: was the call recorded, or is it only silence, "
                "music or tones?",
            )
        ]
    if len(speakers) != 2:
        return []
    out = []
    for side, who in zip(("left", "right"), speakers, strict=True):
        other = next(s for s in speakers if s != who)
        if spoken[who] == 0.0 and spoken[other] >= SILENT_SIDE_AFTER_S:
            out.append(
                AudioRepair(
                    SILENT_CHANNEL,
                    0.0,
                    duration_s,
                    detail=f"no speech on the {side} channel ({who}) in the whole call, while "
                    f"the {other} spoke for {spoken[other]:.0f} s: was this side recorded? "
                    f"Nothing of the {who} is scored or coached",
                    speaker=who,
                )
            )
    return out


def unheard_sides(repairs: Iterable[AudioRepair], speakers: Iterable[str] = ()) -> list[str]:
    """The sides of a call with no speech at all (silent_sides' warnings; every one of
    `speakers` after a `no speech` warning): the report's scorecard cannot judge a conversation
    it heard only half of, and a side not heard has no peak frustration."""
    repairs = list(repairs)
    if any(r.what == NO_SPEECH for r in repairs):
        return sorted(set(speakers))
    return sorted({r.speaker for r in repairs if r.what == SILENT_CHANNEL and r.speaker})


def analyze_call(
    path: Path, settings: Settings, models: Models, sinks: Iterable[Sink] = ()
) -> CallResult:
    """Run one recording through the pipeline. Raises AudioReadError for unreadable audio."""
    started = time.perf_counter()
    result = CallResult(path, [], 0.0)
    times = result.times
    with times.stage("decode"):
        audio = CallAudio(path, settings.audio.agent_channel, settings.audio.block_s)
    result.speakers = list(audio.speakers)
    front, back = build_stages(audio.speakers, models, settings, times)
    sinks = list(sinks)

    def emit(events: list[Event]) -> None:
        for event in events:
            result.events.append(event)
            for sink in sinks:
                sink(event)

    blocks = iter(audio)
    trimmed_at = 0.0
    while True:
        with times.stage("decode"):
            block = next(blocks, None)
        if block is None:
            break
        for item in front.push(block):
            emit(back.process(item))
        if front.t >= trimmed_at + TRIM_EVERY_S:
            trim_heap()
            trimmed_at = front.t
    for item in front.finish():
        emit(back.process(item))
    result.duration_s = front.t
    emit(back.finish(front.t))
    result.repairs = list(audio.repairs) + back.untranscribed_repairs()
    result.repairs += silent_sides(result.events, audio.speakers, back.untranscribed, front.t)
    times.seconds["total"] = time.perf_counter() - started
    return result

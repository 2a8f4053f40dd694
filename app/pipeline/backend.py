"""The pipeline's back end: transcription, words score, fusion, trend and the coach.

It consumes the front end's work items strictly in order (one worker when live), so the coach
sees the same sequence of utterances and clock ticks however fast the machine is.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from app.asr.transcriber import Transcriber
from app.audio.reader import AudioRepair
from app.coaching.engine import Coach
from app.coaching.playbook import PlaybookReloader
from app.config import PrivacySettings, ScoringSettings
from app.events import CallEnded, Event, StatusMessage, Utterance
from app.pipeline.items import ClosedSpeech, Prefetch, Tick, WorkItem
from app.pipeline.timing import StageTimes
from app.privacy import CallRedactor
from app.scoring.fusion import fuse
from app.scoring.trend import FrustrationTrend
from app.scoring.words import WordsReading

log = logging.getLogger(__name__.replace("app", "callcoach", 1))


class WordsModel(Protocol):
    def read(self, texts: Sequence[str]) -> list[WordsReading]: ...


class BackEnd:
    def __init__(
        self,
        transcriber: Transcriber,
        words: WordsModel,
        coach: Coach,
        scoring: ScoringSettings | None = None,
        times: StageTimes | None = None,
        reloader: PlaybookReloader | None = None,
        privacy: PrivacySettings | None = None,
    ) -> None:
        self.times = times or StageTimes()
        self.transcriber = transcriber
        self.words = words
        self.coach = coach
        self.scoring = scoring or ScoringSettings()
        self.trend = FrustrationTrend()
        self._early_text: dict[tuple[str, float, float], str] = {}  # from Prefetch items
        self.reloader = reloader  # live: a user's playbook file, re-read when edited
        # personal data leaves the text here, before any event exists (on unless switched off)
        redact = (privacy or PrivacySettings()).redact_pii
        self.redactor: CallRedactor | None = CallRedactor() if redact else None
        # speech the VAD found but the speech model heard no words in (noise, or speech too
        # unclear): not an utterance, but never dropped without a word in the report
        self.untranscribed: list[tuple[str, float, float]] = []

    def process(self, item: WorkItem) -> list[Event]:
        if isinstance(item, Tick):
            status = self._reload(item.t)
            with self.times.stage("coach"):
                return status + list(
                    self.coach.on_tick(item.t, item.last_speech_end, item.talk_over)
                )
        if isinstance(item, Prefetch):
            with self.times.stage("asr"):
                text = self.transcriber.transcribe(item.audio)
            # keep only the newest guess per speaker: an older one can no longer match
            for key in [k for k in self._early_text if k[0] == item.speaker]:
                del self._early_text[key]
            self._early_text[(item.speaker, item.start, item.end)] = text
            return []
        return self._utterance(item)

    def _reload(self, t: float) -> list[Event]:
        if self.reloader is None:
            return []
        playbook, message = self.reloader.check(t)
        if playbook is not None:
            self.coach.use_playbook(playbook)
        if message is None:
            return []
        if playbook is not None:
            return [StatusMessage(t=t, level="info", message=message)]
        return [StatusMessage(t=t, level="warning", message=message)]

    def finish(self, duration_s: float) -> list[Event]:
        events: list[Event] = list(self.coach.on_call_end(duration_s))
        events.append(CallEnded(t=duration_s, duration_s=duration_s))
        return events

    def _utterance(self, item: ClosedSpeech) -> list[Event]:
        early = self._early_text.pop((item.speaker, item.start, item.end), None)
        if early is not None:
            text = early  # the same audio was transcribed while the silence ran out
        else:
            with self.times.stage("asr"):
                text = self.transcriber.transcribe(item.audio)
        if not text:
            log.debug("%s %.2f-%.2f: no words recognised", item.speaker, item.start, item.end)
            self.untranscribed.append((item.speaker, item.start, item.end))
            return []
        with self.times.stage("words"):
            reading = self.words.read([text])[0]
        words = reading.frustration
        frustration = fuse(item.tone, words, reading.pleased)
        if self.redactor is not None:
            with self.times.stage("redact"):
                text = self.redactor.redact(item.speaker, text, item.start, item.end)
        utt = Utterance(
            speaker=item.speaker,
            start=item.start,
            end=item.end,
            text=text,
            tone=item.tone,
            words=words,
            frustration=frustration,
            processed_t=item.closed_t,
            tone_baseline=item.tone_baseline,
            overlap_s=item.overlap_s,
            pleased=reading.pleased,
        )
        events: list[Event] = [utt]
        trend = None
        if item.speaker == "customer":
            trend = self.trend.update(item.closed_t, frustration, item.end - item.start)
            events.append(trend)
        with self.times.stage("coach"):
            events += self.coach.on_utterance(utt, trend, overlap_s=item.overlap_s)
        return events

    def untranscribed_repairs(self) -> list[AudioRepair]:
        """One warning per speaker for speech the speech model heard no words in (its no-speech
        filter), with where: the report says so instead of the stretch vanishing."""
        repairs = []
        for speaker in ("agent", "customer"):
            spans = [(a, b) for who, a, b in self.untranscribed if who == speaker]
            if not spans:
                continue
            at = ", ".join(f"{a:.1f} s" for a, _ in spans[:8]) + (" …" if len(spans) > 8 else "")
            repairs.append(
                AudioRepair(
                    what="speech not transcribed",
                    start_s=spans[0][0],
                    duration_s=sum(b - a for a, b in spans),
                    count=len(spans),
                    detail=f"{speaker}: voice found but no words recognised (noise or unclear "
                    f"speech) at {at}; not scored or coached",
                )
            )
        return repairs

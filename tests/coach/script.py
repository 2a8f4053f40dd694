"""Scripted two-sided calls for the coach: text, timings, scores and tone, no audio.

A `ScriptedCall` drives the real coach the way the pipeline's back end does: utterances in
call-time order (each processed 0.4 s after it ends), a clock tick every call second in between
(silences, holds, card expiry), the customer's trend from the real trend stage, and the call's end.
The thresholds are the production ones (the words model's dev thresholds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from app.coaching.engine import Coach
from app.coaching.playbook import Playbook, load_playbook
from app.config import CoachSettings
from app.events import CardCleared, Prompt, PromptOutcome, Utterance
from app.scoring.trend import FrustrationTrend

PROCESS_S = 0.4  # from the end of an utterance to the coach seeing it


@dataclass
class ScriptedCall:
    playbook: Playbook = field(default_factory=load_playbook)
    settings: CoachSettings = field(default_factory=CoachSettings)
    coach: Coach = field(init=False)
    trend: FrustrationTrend = field(default_factory=FrustrationTrend)
    events: list[Any] = field(default_factory=list)
    t: float = 0.0  # call time the script has reached
    speech_end: float = 0.0
    _tick: float = 1.0
    _speaking: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        self.coach = Coach(self.playbook, self.settings)

    # ------------------------------------------------------------------ driving
    def ticks_until(self, t: float, talk_over: tuple[float, float] | None = None) -> None:
        while self._tick <= t + 1e-9:
            last = self.speech_end
            if self._speaking is not None and self._speaking[0] <= self._tick:
                last = min(self._tick, self._speaking[1])
            self.events += self.coach.on_tick(self._tick, last, talk_over)
            self._tick += 1.0

    def say(
        self,
        who: str,
        text: str,
        f: float = 0.05,
        tone: float = 0.1,
        dur: float = 3.0,
        gap: float = 0.5,
        overlap: float = 0.0,
        words: float | None = None,
    ) -> None:
        start = self.t + gap - overlap
        end = max(start + dur, self.t + gap)
        self._speaking = (start, end)
        self.ticks_until(end + PROCESS_S - 1e-6)
        self._speaking = None
        utt = Utterance(
            who,  # type: ignore[arg-type]
            start,
            end,
            text,
            tone,
            f if words is None else words,
            f,
            processed_t=end + PROCESS_S,
            overlap_s=overlap,
        )
        self.events.append(utt)  # in the back end's order: utterance, trend, coach events
        trend = None
        if who == "customer":
            trend = self.trend.update(end + PROCESS_S, f, end - start)
            self.events.append(trend)
        self.events += self.coach.on_utterance(utt, trend, overlap_s=overlap)
        self.t = end
        self.speech_end = max(self.speech_end, end)

    def silence(self, seconds: float) -> None:
        self.ticks_until(self.t + seconds)
        self.t += seconds

    def talk_over(self, seconds: float) -> None:
        """The agent starts talking over the customer: seen on the clock ticks while it lasts."""
        start = self.t
        for k in range(1, math.ceil(seconds) + 1):
            self.ticks_until(start + k, talk_over=(start, float(k)))
        self.t = start + math.ceil(seconds)
        self.speech_end = self.t

    def click(self, prompt_id: str, outcome: str) -> None:
        result = self.coach.record_outcome(prompt_id, outcome, self.t)
        if result is not None:
            self.events.append(result)

    def end(self) -> None:
        self.ticks_until(self.t + 1)
        self.events += self.coach.on_call_end(self.t + 1)
        self.t += 1

    def run(self, lines: list[dict[str, Any]]) -> None:
        for line in lines:
            line = dict(line)
            if "silence" in line:
                self.silence(float(line["silence"]))
            elif "talk_over" in line:
                self.talk_over(float(line["talk_over"]))
            elif "click" in line:
                self.click(line["id"], line["click"])
            else:
                self.say(line.pop("who"), line.pop("text"), **line)

    # ------------------------------------------------------------------ reading
    @property
    def prompts(self) -> list[Prompt]:
        return [e for e in self.events if isinstance(e, Prompt)]

    @property
    def shown(self) -> list[Prompt]:
        return [p for p in self.prompts if p.shown]

    @property
    def shown_ids(self) -> list[str]:
        return [p.id for p in self.shown]

    @property
    def raised_ids(self) -> set[str]:
        return {p.id for p in self.prompts}

    def outcome(self, prompt_id: str) -> PromptOutcome | None:
        return next(
            (e for e in self.events if isinstance(e, PromptOutcome) and e.id == prompt_id), None
        )

    @property
    def cleared(self) -> list[CardCleared]:
        return [e for e in self.events if isinstance(e, CardCleared)]

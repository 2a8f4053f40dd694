"""Which customer turns are "high" and when a call counts as escalated: the one definition the
coach (its acknowledge_anger card, its escalations), the summary and the report use.

A customer turn is high when one of these holds:
- its fused frustration reached `high` and it rests on neither channel alone: its words are at
  least `elevated` (the customer said something upset) or its voice is unmistakable (calibrated
  tone at least `voice_alone`), and its voice is at least `elevated` (calibrated tone) or its
  words are unmistakable (at least `words_alone`); or the customer's turn before it, within
  `CONFIRM_WITHIN_S`, was at least `elevated` (two upset turns in a row);
- it is at least `elevated` and comes right after a voice-only or words-only high turn that was
  not yet confirmed (within `CONFIRM_WITHIN_S`): the second upset turn confirms the first;
- the customer's smoothed level reached `high` and the turn itself is at least `elevated` (a calm
  line while the level lags behind is not high).

The same caution applies to the coach's "rose steeply" card: a rise is acted on only when the
turn that ends it rests on neither channel alone (`on_voice`: calm words, tone under
`voice_alone`; `on_words`: a voice under `elevated`, words under `words_alone`), however far it
moved the smoothed level. Two such turns that are themselves high are covered by
the rule above; under "high" they are a sad or pleased voice as often as an angry one (the
bench's happy_2: "Brilliant, you have made my day" at 0.85 on the voice alone after a 0.17
turn, "rose steeply +0.42"; its sad_2 in noise: 0.52 then 0.43, both on tones of 0.34 and 0.15
with calm words, "rose steeply +0.26"). Nor is a rise that a lone voice-only turn (below) began
acted on when the turn ending it is not high (the bench's sad_0: a downcast 0.49 on the voice,
then a tired line the words read as 0.40, "rose steeply +0.27").

Why the words alone need more: the words model learned frustration from Reddit comments, where
a grievance or a refusal is "annoyance" or "disapproval". A calm customer stating the problem they
rang about ("I was charged twice for the same order and I need a refund": 0.85) or turning an
offer down ("No, I don't need you to do that": 0.87) reads as high, and in a calm voice nothing
pulls the fused score down: on the bench's calm `service` calls one such line fired "acknowledge
their anger" at the first turn, and two calm problem statements in a row (0.50, 0.46 on telephone
audio) "rose steeply". An angry customer rarely says one upset line and falls calm, so such a turn
waits for a second upset turn, or for the voice to agree. `words_alone` is chosen on held-out data
(models/fusion/words_alone.py): the words score that calm service turns stay under.

Why the voice alone needs more: the tone model cannot tell a loud, excited voice from an angry
one on speakers it has never heard (angry vs happy 0.70 across corpora, issue 14), and one loud,
happy "you have made my day" turn fused over `high` on telephone audio and fired "acknowledge
their anger" on a pleased customer. A wrong card is worse than none, so a turn whose words are
calm and whose voice is only moderately tense waits for a second upset turn. `voice_alone` is
chosen on held-out data (models/fusion/fit.py): the calibrated tone that held-out happy voices
stay under.

The same holds for the customer being "frustrated" at all (the agent-side cards: policy language,
a sales pitch or talk-over to a frustrated customer, and an issue opened by an upset line): one
turn upset only on the voice (`lone_voice`: calm words, tone under `voice_alone`, no upset turn or
elevated level before it) does not make the customer frustrated; a second upset turn does.

A call escalated once one customer turn was high. Prompts shown are not part of the rule (a card
can fire on a steep rise that never got high), so the report can be checked against the scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["high", "confirmed", "level"] | None

CONFIRM_WITHIN_S = 60.0  # a second upset turn confirms a voice-only one within this many seconds


@dataclass(frozen=True, slots=True)
class CustomerTurn:
    """What the rule reads of one customer turn: when it ended, its fused frustration, its two
    channels (calibrated tone and words) and the customer's smoothed level after it."""

    end: float
    frustration: float
    tone: float
    words: float
    level: float


@dataclass
class HighTurns:
    """Reads a customer's turns in call order and says which are high (the module's rule)."""

    elevated: float
    high: float
    voice_alone: float
    # the words score at which the words alone (a voice under `elevated`) make a turn high; 0: off
    words_alone: float = 0.0
    confirmed_by: CustomerTurn | None = None  # the other turn of the last "confirmed" verdict
    # the last turn rests on the voice: calm words, a tone under voice_alone
    on_voice: bool = False
    # the last turn rests on the words: a voice under elevated, words under words_alone
    on_words: bool = False
    # the last turn is upset only on the voice, with no upset turn or level before it
    lone_voice: bool = False
    _previous: CustomerTurn | None = None
    _unconfirmed: CustomerTurn | None = None  # the last one-channel high turn, not yet confirmed

    def rests_on_voice(self, turn: CustomerTurn) -> bool:
        """The turn's words are calm and its voice only moderately tense."""
        return turn.words < self.elevated and turn.tone < self.voice_alone

    def voice_only(self, turn: CustomerTurn) -> bool:
        """The turn reached `high` on a moderately tense voice with calm words."""
        return turn.frustration >= self.high and self.rests_on_voice(turn)

    def rests_on_words(self, turn: CustomerTurn) -> bool:
        """The turn's voice is under `elevated` and its words are not unmistakable."""
        return turn.tone < self.elevated and turn.words < self.words_alone

    def words_only(self, turn: CustomerTurn) -> bool:
        """The turn reached `high` on its words alone, under `words_alone`, in a calm voice."""
        return turn.frustration >= self.high and self.rests_on_words(turn)

    def update(self, turn: CustomerTurn) -> Verdict:
        """Whether `turn` (the customer's next turn) is high, and why: "high" (on its own),
        "confirmed" (a voice-only or words-only high turn and an upset turn next to it, either
        order, the earlier one in `confirmed_by`), "level" (the smoothed level), or None (not
        high)."""
        previous, unconfirmed = self._previous, self._unconfirmed
        self._previous = turn
        self._unconfirmed = None
        self.confirmed_by = None
        upset = turn.frustration >= self.elevated
        upset_before = (
            previous is not None
            and previous.frustration >= self.elevated
            and turn.end - previous.end <= CONFIRM_WITHIN_S
        )
        self.on_voice = self.rests_on_voice(turn)
        self.on_words = self.rests_on_words(turn)
        level_before = 0.0 if previous is None else previous.level
        self.lone_voice = (
            upset and self.on_voice and not upset_before and level_before < self.elevated
        )
        if not upset:
            return None
        one_channel = self.voice_only(turn) or self.words_only(turn)
        if turn.frustration >= self.high and not one_channel:
            return "high"
        if unconfirmed is not None and turn.end - unconfirmed.end <= CONFIRM_WITHIN_S:
            self.confirmed_by = unconfirmed  # the second upset turn confirms the one-channel one
            return "confirmed"
        if turn.level >= self.high:
            return "level"
        if turn.frustration < self.high:
            return None
        if upset_before:
            self.confirmed_by = previous
            return "confirmed"
        self._unconfirmed = turn
        return None


def high_turns(
    turns: Iterable[CustomerTurn],
    elevated: float,
    high: float,
    voice_alone: float,
    words_alone: float = 0.0,
) -> list[bool]:
    """The rule applied to a call's customer turns, in order."""
    rule = HighTurns(elevated, high, voice_alone, words_alone)
    return [rule.update(t) is not None for t in turns]


def call_escalated(
    turns: Iterable[CustomerTurn],
    elevated: float,
    high: float,
    voice_alone: float,
    words_alone: float = 0.0,
) -> bool:
    """The call's verdict: one of its customer turns was high."""
    return any(high_turns(turns, elevated, high, voice_alone, words_alone))

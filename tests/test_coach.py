"""The coach on scripted calls: pure logic, no audio, no models."""

from __future__ import annotations

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.config import CoachSettings
from app.events import Prompt, PromptOutcome, Utterance
from app.scoring.trend import FrustrationTrend


class Call:
    """Drives a coach the way the back end does: utterances in order, ticks for silence."""

    def __init__(self, **settings: float) -> None:
        self.coach = Coach(load_playbook(), CoachSettings(**settings))
        self.trend = FrustrationTrend()
        self.events: list = []
        self.t = 0.0

    def say(
        self,
        speaker: str,
        text: str,
        frustration: float = 0.05,
        dur: float = 3.0,
        tone: float = 0.1,
        overlap_s: float = 0.0,
        gap: float = 0.5,
    ) -> list[str]:
        start = self.t + gap
        end = start + dur
        self.t = end
        utt = Utterance(
            speaker, start, end, text, tone, frustration, frustration, processed_t=end + 0.5
        )  # type: ignore[arg-type]
        trend = self.trend.update(end + 0.5, frustration, dur) if speaker == "customer" else None
        new = self.coach.on_utterance(utt, trend, overlap_s=overlap_s)
        self.events += new
        return [e.id for e in new if isinstance(e, Prompt)]

    def silence(self, seconds: float) -> list[str]:
        fired = []
        last = self.t
        for k in range(1, int(seconds) + 1):
            new = self.coach.on_tick(last + k, last_speech_end=last)
            self.events += new
            fired += [e.id for e in new if isinstance(e, Prompt)]
        self.t = last + seconds
        return fired

    def end(self) -> list[str]:
        new = self.coach.on_call_end(self.t + 1)
        self.events += new
        return [e.id for e in new if isinstance(e, Prompt)]

    def prompts(self) -> list[str]:
        return [e.id for e in self.events if isinstance(e, Prompt)]

    def outcomes(self) -> dict[str, str]:
        return {e.id: e.outcome for e in self.events if isinstance(e, PromptOutcome)}


def test_calm_call_gets_no_prompts() -> None:
    c = Call()
    c.say("agent", "thank you for calling how can i help")
    c.say("customer", "hi i'd like to change my delivery address please")
    c.say("agent", "sure i can do that for you")
    c.say("customer", "great thank you so much")
    c.silence(30)  # a silence on a calm call is not a hold to worry about
    assert c.prompts() == []
    assert c.end() == []


def test_acknowledge_anger_fires_on_the_first_angry_utterance_once() -> None:
    c = Call()
    assert c.say("customer", "my bill is wrong again") == []
    assert c.say("customer", "this is ridiculous i am so angry", frustration=0.9) == [
        "acknowledge_anger"
    ]
    # still angry, within the cooldown: no repeat
    assert "acknowledge_anger" not in c.say("customer", "i want this fixed now", frustration=0.9)


def test_acknowledgement_marks_it_done_and_followed() -> None:
    c = Call(cooldown_s=5)
    c.say("customer", "this is absolutely ridiculous", frustration=0.9)
    c.say("agent", "i hear you and i want to help")
    assert c.outcomes()["acknowledge_anger"] == "followed"
    c.say("customer", "you people never fix anything", frustration=0.9, gap=10)
    assert "acknowledge_anger" not in c.prompts()[1:]


def test_policy_language_to_a_frustrated_customer() -> None:
    c = Call()
    c.say("customer", "why was i charged twice this is unacceptable", frustration=0.8)
    assert c.say("agent", "i'm sorry but it's our policy refunds take thirty days") == [
        "avoid_policy_language"
    ]


def test_policy_language_to_a_calm_customer_is_fine() -> None:
    c = Call()
    c.say("customer", "can i return a jacket i bought", frustration=0.05)
    assert c.say("agent", "our policy is thirty days so that works") == []


def test_timeline_when_customer_asks_and_done_when_given() -> None:
    c = Call()
    c.say("customer", "i'm annoyed about this", frustration=0.5)
    fired = c.say("customer", "how long is this going to take", frustration=0.5, gap=2)
    assert fired == ["offer_timeline"]
    c.say("agent", "it will be done by friday and i'll call you thursday at 3 pm")
    assert c.outcomes()["offer_timeline"] == "followed"
    c.say("customer", "when will the refund arrive then", frustration=0.5, gap=70)
    assert c.prompts().count("offer_timeline") == 1  # done: not again


def test_owner_question_after_acknowledgement_and_refusal() -> None:
    c = Call()
    c.say("customer", "this is outrageous", frustration=0.9)
    c.say("agent", "i'm unable to do that it's not possible")
    fired = c.say("customer", "that is ridiculous i want it fixed", frustration=0.9)
    assert "owner_question" in fired


def test_update_on_progress_after_a_silent_hold_when_frustrated() -> None:
    c = Call(hold_s=20)
    c.say("customer", "this is outrageous", frustration=0.9)
    c.say("agent", "let me check please hold")
    fired = c.silence(25)
    assert fired == ["update_on_progress"]
    prompt = next(e for e in c.events if isinstance(e, Prompt) and e.id == "update_on_progress")
    assert prompt.t >= c.t - 25 + 20  # not before the hold threshold


def test_loyalty_and_leaving() -> None:
    c = Call()
    assert c.say("customer", "i've been with you for eight years") == ["acknowledge_loyalty"]
    c2 = Call()
    assert c2.say("customer", "i'm going to cancel my account") == ["acknowledge_loyalty"]


def test_follow_up_only_after_an_escalated_call() -> None:
    c = Call()
    c.say("customer", "this is the worst service ever", frustration=0.95)
    c.say("agent", "i hear you i'm sorry")
    c.say("customer", "okay thank you", frustration=0.1)
    assert c.end() == ["follow_up_call"]


def test_upsell_while_issue_open() -> None:
    c = Call()
    c.say("customer", "my internet has been down for three days", frustration=0.7)
    assert "no_upsell_unresolved" in c.say("agent", "have you considered our premium upgrade")


def test_agent_tone_rising_with_a_frustrated_customer() -> None:
    c = Call()
    c.say("customer", "you are useless", frustration=0.9)
    assert "slow_down" in c.say("agent", "sir please listen to me", tone=0.85)


def test_interrupting_twice_asks_to_let_them_finish() -> None:
    c = Call()
    c.say("customer", "this is the third time", frustration=0.8)
    c.say("agent", "i understand", overlap_s=1.0)
    c.say("customer", "and nobody ever", frustration=0.8)
    assert "let_them_finish" in c.say("agent", "yes but", overlap_s=1.2)


def test_repeated_complaint_asks_to_clarify() -> None:
    c = Call()
    c.say("customer", "the router keeps dropping the connection every evening", frustration=0.6)
    c.say("agent", "that sounds frustrating let me look at that", dur=8)
    fired = c.say(
        "customer",
        "like i said the router keeps dropping the connection every evening",
        frustration=0.6,
        gap=2,
    )
    assert "clarify" in fired


def test_ignored_prompt_is_recorded() -> None:
    c = Call()
    c.say("customer", "this is a disgrace", frustration=0.9)
    c.say("agent", "please provide your account number", gap=70)
    assert c.outcomes()["acknowledge_anger"] == "ignored"

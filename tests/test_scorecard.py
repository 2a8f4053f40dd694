"""The coaching scorecard: scripted calls scored item by item, the shipped file, a site's bad
file, and the report's `metrics` and `scorecard`.

The scenarios (tests/coach/scorecard_scenarios.toml) run through the real coach
(tests/coach/script.py) at the production thresholds; their events are scored the way
build_report scores a real call's events.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.coaching.playbook import load_playbook
from app.coaching.scorecard import load_scorecard, score_call
from app.coaching.scorecard_checks import CHECKS
from app.coaching.thresholds import resolve_thresholds
from app.config import CoachSettings
from app.errors import ScorecardError
from tests.coach.script import ScriptedCall

SCENARIOS = tomllib.loads(
    (Path(__file__).parent / "coach" / "scorecard_scenarios.toml").read_text()
)["scenario"]
RESULTS = {"pass": "pass", "fail": "fail", "na": "n/a"}
METRICS = (
    "agent_talk_share", "customer_talk_share", "interruptions_per_min", "talk_over_count",
    "longest_silence_s", "hold_count", "longest_hold_s", "time_to_acknowledge_s",
)  # fmt: skip


def scored(scenario: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    call = ScriptedCall()
    call.run(scenario["lines"])
    call.end()
    call.run(scenario.get("after_end", []))
    speakers = scenario.get("speakers", ["agent", "customer"])
    playbook = load_playbook()
    metrics, card = score_call(
        call.events,
        speakers,
        call.t,
        CoachSettings(),
        resolve_thresholds(),
        playbook,
        load_scorecard(None, playbook),
    )
    return metrics, {item["id"]: item for item in card["items"]}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(scenario: dict[str, Any]) -> None:
    metrics, items = scored(scenario)
    assert set(METRICS) <= set(metrics)
    story = "\n" + "\n".join(
        f"{i['result']:4} {i['id']}: {i['detail']} | {i['evidence']}" for i in items.values()
    )
    expect = scenario["expect"]
    for key, result in RESULTS.items():
        for item_id in expect.get(key, []):
            assert items[item_id]["result"] == result, item_id + story
    for item_id, words in expect.get("detail", {}).items():
        assert words in items[item_id]["detail"], item_id + story
    for item_id, words in expect.get("evidence", {}).items():
        lines = [e["text"] for e in items[item_id]["evidence"]]
        assert any(words in line for line in lines), item_id + story
    for item in items.values():  # every failure says why and shows something, with its time
        assert item["detail"], story
        if item["result"] == "fail" and item["id"] not in ("agent_talk_share",):
            assert item["evidence"], item["id"] + story
        for e in item["evidence"]:
            assert set(e) == {"t", "speaker", "text"} and e["speaker"] in (
                "agent",
                "customer",
                "coach",
            ), story


def test_every_shipped_item_passes_fails_and_is_not_applicable_somewhere() -> None:
    seen: dict[str, set[str]] = {}
    for s in SCENARIOS:
        for key, result in RESULTS.items():
            for item_id in s["expect"].get(key, []):
                seen.setdefault(item_id, set()).add(result)
    shipped = {item.id for item in load_scorecard().items}
    for item_id in shipped:
        assert seen.get(item_id) == {"pass", "fail", "n/a"}, (item_id, seen.get(item_id))


# ------------------------------------------------------------------ the file
def test_shipped_scorecard_is_valid_and_runs_every_check_once() -> None:
    card = load_scorecard(None, load_playbook())
    assert sorted(item.check for item in card.items) == sorted(CHECKS)
    assert len(card.version) == 16 and card.source == "shipped scorecard"
    for item in card.items:  # the phrase lists it listens for are the playbook's
        assert set(item.lists()) <= set(load_playbook().phrases), item.id


GOOD_ITEM = '[[item]]\nid = "ack"\ncheck = "anger_acknowledged"\ntitle = "Ack"\n'


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            GOOD_ITEM + "within_seconds = 30\n",
            ["line 5", "unknown key 'within_seconds'", "within_s"],
        ),
        (GOOD_ITEM.replace("anger_acknowledged", "anger"), ["line 3", "unknown check 'anger'"]),
        (GOOD_ITEM + "within_s = -1\n", ["line 5", "within_s must be at least 0"]),
        (GOOD_ITEM + "within_s = nan\n", ["line 5", "finite"]),
        (GOOD_ITEM + "within_s = true\n", ["line 5", "must be a number"]),
        (GOOD_ITEM + 'phrases = ["sorry_words"]\n', ["line 5", "sorry_words"]),
        (GOOD_ITEM + "enabled = 1\n", ["line 5", "true or false"]),
        (GOOD_ITEM + GOOD_ITEM, ["line 6", "'ack' appears twice"]),
        ("colour = 1\n" + GOOD_ITEM, ["line 1", "unknown key 'colour'"]),
        ("version = 2\n" + GOOD_ITEM, ["line 1", "version must be 1"]),
        (
            '[[item]]\nid = "talk"\ncheck = "agent_talk_share"\ntitle = "T"\n'
            "min_share = 0.8\nmax_share = 0.5\n",
            ["line 5", "min_share (0.8) is above max_share (0.5)"],
        ),
        (
            '[[item]]\nid = "talk"\ncheck = "agent_talk_share"\ntitle = "T"\nmax_share = 1.5\n',
            ["line 5", "between 0 and 1"],
        ),
        (GOOD_ITEM.replace('id = "ack"', 'id = "Ack!"'), ["line 2", "lower_snake_case"]),
        (GOOD_ITEM.replace('title = "Ack"\n', ""), ["'title' is required"]),
        ("version = 1\n", ["no [[item]] entries"]),
        (GOOD_ITEM + "within_s = [\n", ["not valid TOML"]),
    ],
)
def test_a_bad_site_file_is_refused_with_its_line(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    path = tmp_path / "site_scorecard.toml"
    path.write_text(text)
    with pytest.raises(ScorecardError) as err:
        load_scorecard(path, load_playbook())
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    for w in words:
        assert w in message, message


def test_a_site_file_can_retune_retitle_and_switch_off_items(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(
        GOOD_ITEM.replace('title = "Ack"', 'title = "Said sorry fast"')
        + "within_s = 0.1\n"
        + '[[item]]\nid = "quiet"\ncheck = "longest_silence"\ntitle = "Q"\nenabled = false\n'
    )
    card = load_scorecard(path, load_playbook())
    scenario = next(s for s in SCENARIOS if s["name"].startswith("escalation_handled_well"))
    call = ScriptedCall()
    call.run(scenario["lines"])
    call.end()
    playbook = load_playbook()
    _, result = score_call(
        call.events, ["agent", "customer"], call.t, CoachSettings(), resolve_thresholds(),
        playbook, card,
    )  # fmt: skip
    assert [i["id"] for i in result["items"]] == ["ack"]  # the switched-off item is left out
    item = result["items"][0]
    assert item["title"] == "Said sorry fast"
    assert item["result"] == "fail" and "limit 0.1 s" in item["detail"]  # the shipped 30 s passed
    assert result["version"] == card.version != load_scorecard().version


def test_a_missing_site_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ScorecardError, match=r"cannot read scorecard .*nope\.toml"):
        load_scorecard(tmp_path / "nope.toml")


def test_analyze_with_a_bad_site_scorecard_fails_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main
    from app.paths import ASSETS_DIR

    bad = tmp_path / "site.toml"
    bad.write_text(GOOD_ITEM + "within = 30\n")
    out = tmp_path / "out"
    args = ["analyze", str(ASSETS_DIR / "demo_call.ogg"), "--out", str(out)]
    assert main([*args, "--set", f"coach.scorecard={bad}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert str(bad) in err and "line 5" in err and "unknown key 'within'" in err
    assert not out.exists() or not list(out.glob("*.json"))


COACH_SCENARIOS = tomllib.loads((Path(__file__).parent / "coach" / "scenarios.toml").read_text())[
    "scenario"
]


@pytest.mark.parametrize(
    "scenario", COACH_SCENARIOS + SCENARIOS, ids=[s["name"] for s in COACH_SCENARIOS + SCENARIOS]
)
def test_the_replay_sees_what_the_coach_saw(scenario: dict[str, Any]) -> None:
    """The scorecard's view of each turn is rebuilt from the events; at the end of every
    scripted call (with clock ticks, talk-over and clicks the replay never sees) it agrees with
    the coach that ran the call: escalations, issue state, smoothed level, frustrated."""
    from app.coaching.call_replay import replay_call

    call = ScriptedCall()
    call.run(scenario["lines"])
    views, _ = replay_call(
        call.events, call.playbook, call.settings, call.coach.thresholds, ("acknowledgement",)
    )
    s = call.coach.state
    if not views:
        assert s.escalations == 0 and s.issue == "none"
        return
    last = views[-1]
    assert (last.escalation, last.issue, last.frustrated) == (s.escalations, s.issue, s.frustrated)
    assert last.level == pytest.approx(s.level)
    assert [v.utt for v in views] == [u for u in call.events if type(u).__name__ == "Utterance"]


PHRASES = [
    "this is ridiculous", "i hear you", "it's our policy", "how long will this take",
    "i'll send a refund by friday", "upgrade to our premium plan", "thanks for holding",
    "i'll call you back tomorrow", "okay", "i understand",
]  # fmt: skip
LINE = st.one_of(
    st.fixed_dictionaries(
        {
            "who": st.sampled_from(["agent", "customer"]),
            "text": st.sampled_from(PHRASES),
            "f": st.floats(0.0, 1.0),
            # the channels too, so the voice-only rule of app/scoring/escalation.py is exercised
            "tone": st.floats(0.0, 1.0),
            "words": st.one_of(st.none(), st.floats(0.0, 1.0)),
            "dur": st.floats(0.5, 8.0),
            "overlap": st.sampled_from([0.0, 0.0, 0.3, 1.0]),
        }
    ),
    st.fixed_dictionaries({"silence": st.floats(1.0, 40.0)}),
)


@given(st.lists(LINE, min_size=1, max_size=14))
def test_any_call_scores_consistently_with_the_coachs_verdicts(lines: list[dict]) -> None:
    """On any scripted call: every item has a valid result and a detail, the counts add up, the
    escalation items are n/a exactly when the report's escalation rule says the call did not
    escalate, and the metrics agree with the items that read them."""
    from app.events import TrendPoint, Utterance
    from app.scoring.escalation import CustomerTurn, call_escalated

    lines = [dict(line) for line in lines]
    metrics, items = scored({"lines": lines})
    card_counts = {"pass": 0, "fail": 0, "n/a": 0}
    for item in items.values():
        assert item["result"] in card_counts and item["detail"]
        card_counts[item["result"]] += 1
    call = ScriptedCall()
    call.run([dict(line) for line in lines])
    customer = [e for e in call.events if isinstance(e, Utterance) and e.speaker == "customer"]
    levels = [e.level for e in call.events if isinstance(e, TrendPoint)]
    th = resolve_thresholds()
    escalated = call_escalated(
        [
            CustomerTurn(u.end, u.frustration, u.tone, u.words, level)
            for u, level in zip(customer, levels, strict=True)
        ],
        th.elevated,
        th.high,
        th.voice_alone,
        th.words_alone,
    )
    for item_id in ("anger_acknowledged", "follow_up_after_escalation"):
        assert (items[item_id]["result"] != "n/a") == escalated, items[item_id]
    assert (items["anger_acknowledged"]["result"] == "pass") <= (
        metrics["time_to_acknowledge_s"] is not None
    )
    silence = items["longest_silence"]
    if metrics["longest_silence_s"] > 30.0:
        assert silence["result"] == "fail"
    elif silence["result"] != "n/a":
        assert silence["result"] == "pass"
    assert (items["holds_with_updates"]["result"] == "n/a") == (metrics["hold_count"] == 0)


def test_a_site_playbooks_done_phrases_are_what_the_scorecard_listens_for(tmp_path: Path) -> None:
    """What counts as acknowledging is the coach's (the playbook prompt's done phrases): a site
    whose playbook says "my apologies" acknowledges gets that from its scorecard too."""
    from app.coaching.playbook import default_playbook_text

    text = default_playbook_text().replace(
        'done_when_agent_says = ["acknowledgement"]', 'done_when_agent_says = ["site_sorry"]'
    )
    text = text.replace("[phrases]\n", '[phrases]\nsite_sorry = ["my apologies"]\n', 1)
    site = tmp_path / "playbook.toml"
    site.write_text(text)
    lines = [
        {"who": "customer", "text": "this is an absolute disgrace", "f": 0.95},
        {"who": "agent", "text": "my apologies for all of this"},
        {"who": "customer", "text": "okay", "f": 0.2},
    ]
    for playbook, expected in ((load_playbook(site), "pass"), (load_playbook(), "fail")):
        call = ScriptedCall(playbook=playbook)
        call.run(lines)
        call.end()
        _, card = score_call(
            call.events, ["agent", "customer"], call.t, CoachSettings(), resolve_thresholds(),
            playbook, load_scorecard(None, playbook),
        )  # fmt: skip
        ack = next(i for i in card["items"] if i["id"] == "anger_acknowledged")
        assert ack["result"] == expected, ack


def test_a_scorecard_edit_changes_the_analysis_key(tmp_path: Path) -> None:
    """Batch resume reuses an analysis only under the same analysis key: after a scorecard edit
    the calls are scored again instead of keeping stale scorecards."""
    from app.coaching.scorecard import default_scorecard_text
    from app.config import Settings
    from app.provenance import analysis_key, scorecard_version

    playbook = load_playbook()
    shipped = Settings()
    copy = tmp_path / "same.toml"
    copy.write_text(default_scorecard_text())
    edited = tmp_path / "edited.toml"
    edited.write_text(default_scorecard_text().replace("within_s = 30.0", "within_s = 20.0"))
    same, other = Settings(), Settings()
    same.coach.scorecard, other.coach.scorecard = str(copy), str(edited)
    assert scorecard_version(same) == scorecard_version(shipped) == load_scorecard().version
    assert scorecard_version(other) != scorecard_version(shipped)
    assert analysis_key(other, playbook) != analysis_key(same, playbook)
    assert analysis_key(shipped, playbook) == analysis_key(Settings(), playbook)

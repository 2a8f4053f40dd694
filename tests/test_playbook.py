"""The playbook is editable data: the shipped one is complete, a user's copy is validated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.coaching.engine import Coach
from app.coaching.playbook import default_playbook_text, load_playbook
from app.config import CoachSettings
from app.errors import PlaybookError
from app.events import Prompt, Utterance

PLAYBOOK_MD = Path(__file__).resolve().parents[1].parent / "shared" / "PLAYBOOK.md"


def test_shipped_playbook_has_every_prompt_of_playbook_md() -> None:
    if not PLAYBOOK_MD.exists():
        pytest.skip("shared/PLAYBOOK.md not beside the checkout")
    ids = set(re.findall(r"^\| `([a-z_]+)` \|", PLAYBOOK_MD.read_text(), flags=re.M))
    assert len(ids) >= 13
    shipped = {p.id for p in load_playbook().prompts}
    assert ids <= shipped


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "playbook.toml"
    path.write_text(text)
    return path


def test_user_can_rewrite_disable_and_add_prompts(tmp_path: Path) -> None:
    text = default_playbook_text()
    text = text.replace('title = "Acknowledge their anger"', 'title = "Name the feeling"')
    text = text.replace(
        'id = "acknowledge_loyalty"\ngroup = "customer"',
        'id = "acknowledge_loyalty"\nenabled = false\ngroup = "customer"',
    )
    text += (
        '\n[[prompt]]\nid = "refund_script"\ngroup = "customer"\npriority = 95\n'
        'title = "Use the refund script"\nsay = "Let me start that refund now."\n'
        'trigger = "customer_says"\nphrases = ["refund_words"]\n'
    )
    text = text.replace("[phrases]\n", '[phrases]\nrefund_words = ["money back", "refund"]\n', 1)
    playbook = load_playbook(write(tmp_path, text))
    coach = Coach(playbook, CoachSettings())
    events = coach.on_utterance(
        Utterance(
            "customer",
            0,
            3,
            "i've been with you for ten years and want my money back",
            0.0,
            0.1,
            0.1,
            3.5,
        ),
        None,
    )
    ids = [e.id for e in events if isinstance(e, Prompt)]
    assert "acknowledge_loyalty" not in ids  # disabled
    assert "refund_script" in ids  # a site's own prompt
    events = coach.on_utterance(
        Utterance("customer", 4, 7, "this is outrageous", 0.9, 0.95, 0.97, 7.5), None
    )
    assert next(e.title for e in events if isinstance(e, Prompt)) == "Name the feeling"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[prompt]]\nid = 'x'\n", "'title' is required"),
        ("[[prompt]]\nid = 'x'\ntitle = 'X'\ntrigger = 'magic'\n", "unknown trigger 'magic'"),
        ("[[prompt]]\nid = 'Bad Id'\ntitle = 'X'\ntrigger = 'agent_says'\n", "lower_snake_case"),
        ("[[prompt]]\nid = 'x'\ntitle = 'X'\ntrigger = 'agent_says'\n", "needs `phrases`"),
        (
            "[[prompt]]\nid = 'x'\ntitle = 'X'\ntrigger = 'agent_says'\nphrases = ['nope']\n",
            "unknown phrase lists",
        ),
        (
            "[phrases]\nbad = ['re:(']\n[[prompt]]\nid='x'\ntitle='X'\ntrigger='long_silence'\n",
            "bad pattern",
        ),
        (
            "[[prompt]]\nid = 'x'\ntitle = 'X'\ntrigger = 'long_silence'\nhold = 'long'\n",
            "line 5\\): unknown key 'hold'",
        ),
        (  # a numeric key the trigger does not take is a typo, not a parameter
            "[[prompt]]\nid = 'x'\ntitle = 'X'\ntrigger = 'long_silence'\nhold_secs = 30\n",
            "line 5\\): unknown key 'hold_secs' \\(trigger long_silence takes hold_s\\)",
        ),
        (
            "[[prompt]]\nid = 'x'\ntitle = 'X'\ntrigger = 'long_silence'\nhold_s = 'soon'\n",
            "line 5\\): hold_s must be a number",
        ),
        ("verison = 1\n[[prompt]]\nid='x'\ntitle='X'\ntrigger='long_silence'\n", "line 1"),
        (  # RE2 has no look-arounds: refused at load, with the list's line
            "[phrases]\nok = ['a']\nbad = ['re:(?<!no )way']\n"
            "[[prompt]]\nid='x'\ntitle='X'\ntrigger='long_silence'\n",
            "line 3\\): phrases.bad has a bad pattern",
        ),
        ("not toml [", "not valid TOML"),
        ("", "no \\[\\[prompt\\]\\] entries"),
    ],
)
def test_invalid_playbooks_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PlaybookError, match=message):
        load_playbook(write(tmp_path, text))


def test_cli_bad_playbook_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    bad = write(tmp_path, "[[prompt]]\nid = 'x'\n")
    code = main(["analyze", str(bad), "--out", str(tmp_path / "o"), "--playbook", str(bad)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "playbook.toml" in err[0]


def test_trigger_names_come_from_one_registry() -> None:
    from app.coaching import playbook, triggers

    assert not hasattr(playbook, "TRIGGERS")  # no second list to drift
    used = {p.trigger for p in load_playbook().prompts}
    assert used <= set(triggers.TRIGGERS)
    for name, trigger in triggers.TRIGGERS.items():  # every parameter has a default
        assert all(isinstance(v, float | int) for v in trigger.params.values()), name


def test_a_catastrophic_pattern_cannot_hang_an_analysis(tmp_path: Path) -> None:
    """`(\\w+\\s?)*x$` takes Python's `re` minutes on a long line; the safe matcher (RE2) is
    linear, so a 2-hour call's worth of utterances is matched in well under a second."""
    import time

    text = default_playbook_text().replace(
        "[phrases]\n", "[phrases]\nslow = ['re:(\\\\w+\\\\s?)*x$']\n", 1
    )
    text += (
        '\n[[prompt]]\nid = "slow_one"\ntitle = "Slow"\ntrigger = "customer_says"\n'
        'phrases = ["slow"]\n'
    )
    playbook = load_playbook(write(tmp_path, text))
    slow = playbook.phrase_set("slow")
    assert all(type(p).__module__.startswith("re2") for p in slow.patterns)  # linear by design
    line = "this is a very long complaint that never ends with the letter " * 8
    started = time.perf_counter()
    for _ in range(200):
        assert slow.find(line) is None
    # a hang guard, not a speed check (benchmarks/coach_speed.py measures speed)
    assert time.perf_counter() - started < 60.0


def test_live_playbook_edit_keeps_the_last_good_one_and_says_why(tmp_path: Path) -> None:
    from app.coaching.playbook import PlaybookReloader

    path = write(tmp_path, default_playbook_text())
    good = load_playbook(path)
    reloader = PlaybookReloader(path, good, every_s=0)
    assert reloader.check(1.0) == (None, None)  # nothing changed
    path.write_text(default_playbook_text() + "\n[[prompt]]\nid = 'x'\n")  # a bad edit
    playbook, message = reloader.check(2.0)
    assert playbook is None and reloader.current is good
    assert message is not None and "keeping the last good one" in message
    assert "'title' is required" in message
    assert reloader.check(3.0) == (None, None)  # said once per edit
    path.write_text(default_playbook_text().replace("Acknowledge their anger", "Name it"))
    playbook, message = reloader.check(4.0)
    assert playbook is not None and playbook.prompt("acknowledge_anger").title == "Name it"
    assert message == "playbook reloaded from playbook.toml"


def test_live_backend_applies_a_good_edit_and_reports_a_bad_one(tmp_path: Path) -> None:
    from app.coaching.playbook import PlaybookReloader
    from app.events import StatusMessage
    from app.pipeline.backend import BackEnd
    from app.pipeline.items import Tick

    path = write(tmp_path, default_playbook_text())
    coach = Coach(load_playbook(path), CoachSettings())
    back = BackEnd(None, None, coach, reloader=PlaybookReloader(path, coach.playbook, 0))  # type: ignore[arg-type]
    path.write_text("not toml [")
    status = [e for e in back.process(Tick(1.0, 0.0)) if isinstance(e, StatusMessage)]
    assert (
        len(status) == 1 and status[0].level == "warning" and "not valid TOML" in status[0].message
    )
    assert coach.playbook.prompt("acknowledge_anger") is not None  # still the last good one
    path.write_text(default_playbook_text().replace("Acknowledge their anger", "Name it"))
    status = [e for e in back.process(Tick(2.0, 0.0)) if isinstance(e, StatusMessage)]
    assert status and status[0].level == "info"
    assert coach.playbook.prompt("acknowledge_anger").title == "Name it"


def test_the_shipped_playbook_defines_every_list_the_coach_reads_and_a_copy_without_is_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert load_playbook().missing_lists() == []
    text = default_playbook_text().replace("still_waiting = [", "waiting_old = [", 1)
    with caplog.at_level("WARNING"):
        playbook = load_playbook(write(tmp_path, text))
    assert playbook.missing_lists() == ["still_waiting"]
    assert "still_waiting" in caplog.text


# ------------------------------------------------------------------ value checks (fuzz findings)
# `cooldown_s = nan` switched the card's cooldown off (`now - last < nan` is never true); these
# values are refused at load, naming the key and its line in the user's file.
_X = "[[prompt]]\nid = 'x'\ntitle = 'X'\n"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("trigger = 'long_silence'\ncooldown_s = nan\n", "line 5\\): cooldown_s must be a finite"),
        ("trigger = 'long_silence'\ncooldown_s = inf\n", "line 5\\): cooldown_s must be a finite"),
        ("trigger = 'long_silence'\ncooldown_s = -5\n", "line 5\\): cooldown_s must be at least 0"),
        ("trigger = 'long_silence'\ncooldown_s = 'soon'\n", "line 5\\): cooldown_s must be a num"),
        (
            "trigger = 'customer_says'\nphrases = ['policy']\nmin_frustration = nan\n",
            "line 6\\): min_frustration must be a finite",
        ),
        (
            "trigger = 'customer_says'\nphrases = ['policy']\nmin_frustration = -inf\n",
            "line 6\\): min_frustration must be a finite",
        ),
        (
            "trigger = 'customer_says'\nphrases = ['policy']\nmin_frustration = 1.5\n",
            "line 6\\): min_frustration must be between 0 and 1",
        ),
        ("trigger = 'long_silence'\nhold_s = inf\n", "line 5\\): hold_s must be a finite"),
        ("trigger = 'long_silence'\nhold_s = nan\n", "line 5\\): hold_s must be a finite"),
        ("trigger = 'long_silence'\nhold_s = -1\n", "line 5\\): hold_s must be at least 0"),
        (
            "trigger = 'needs_empathy'\nrecent_s = -inf\n",
            "line 5\\): recent_s must be a finite",
        ),
        (
            "trigger = 'agent_interrupts'\nmin_overlap_s = nan\n",
            "line 5\\): min_overlap_s must be a finite",
        ),
    ],
)
def test_non_finite_or_out_of_range_numbers_are_refused_with_key_and_line(
    tmp_path: Path, lines: str, message: str
) -> None:
    doc = _X + lines + "[phrases]\npolicy = ['our policy']\n"
    with pytest.raises(PlaybookError, match=message):
        load_playbook(write(tmp_path, doc))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("cooldown_s", float("nan")),
        ("cooldown_s", -5),
        ("min_frustration", float("nan")),
        ("hold_s", float("inf")),
        ("hold_s", float("nan")),
        ("hold_s", 10**400),
    ],
)
def test_the_same_values_in_the_shipped_playbook_are_refused(key: str, value: object) -> None:
    """The fuzz finding as reported: `parse_playbook` on the shipped playbook with one value
    replaced in the long_silence prompt."""
    import tomllib

    from app.coaching.playbook import parse_playbook

    data = tomllib.loads(default_playbook_text())
    index = next(i for i, p in enumerate(data["prompt"]) if p["trigger"] == "long_silence")
    data["prompt"][index][key] = value
    with pytest.raises(PlaybookError, match=key):
        parse_playbook(data, "playbook", "")


def test_in_range_numbers_are_kept() -> None:
    import tomllib

    from app.coaching.playbook import parse_playbook

    data = tomllib.loads(default_playbook_text())
    index = next(i for i, p in enumerate(data["prompt"]) if p["trigger"] == "long_silence")
    data["prompt"][index].update(cooldown_s=0, min_frustration=1, hold_s=45)
    spec = parse_playbook(data).prompts[index]
    assert (spec.cooldown_s, spec.min_frustration, spec.params["hold_s"]) == (0.0, 1.0, 45.0)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("say", ["Let me fix this"], "say must be text"),
        ("priority", 10**30, "priority must be between 0 and 1000"),
        ("priority", -1, "priority must be between 0 and 1000"),
        ("priority", 2.5, "priority must be a whole number"),
        ("priority", "high", "priority must be a whole number"),
        ("interrupts", "no", "interrupts must be true or false"),
        ("enabled", 0, "enabled must be true or false"),
        ("repeatable", "yes", "repeatable must be true or false"),
    ],
)
def test_card_fields_of_the_wrong_type_are_refused(key: str, value: object, message: str) -> None:
    """`say = ["x"]` was shown on the card as "['x']", and a priority of 10**30 was accepted."""
    import tomllib

    from app.coaching.playbook import parse_playbook

    data = tomllib.loads(default_playbook_text())
    data["prompt"][0][key] = value
    with pytest.raises(PlaybookError, match=message):
        parse_playbook(data, "playbook", "")

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
            "unknown key 'hold'",
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

"""PCI DSS end to end: a customer reads out a card number (once in one go, once in pieces over
several utterances) and a phone number on a synthesised call; `callcoach analyze` and
`callcoach live --simulate --headless --events` run on it, and every file they write (the output
folder and the data folder), and what they print, is scanned for a readable card number.

The same call analysed with redaction switched off shows what the scan would catch: the speech
model hears long digit runs of the true card number there.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAN = "4539148803436467"  # Luhn-valid, not a real card
PHONE = "07911123456"

_WORD_DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# digits as a reader sees them: figures or words, one element per alphanumeric word, joined by a
# space, a dash, a comma or a full stop and a space ("4111 1111", "4-1-1-1", "4, 1, 1, 1",
# "4. 1. 1.", "four one one"); the digits of a decimal fraction (0.0057…) are not a number read out
_ELEMENT = r"(?:\d+|double|triple|" + "|".join(_WORD_DIGITS) + r")"
_RUN = re.compile(
    rf"(?<![0-9A-Za-z.]){_ELEMENT}(?:(?: |-|, | - |\. ){_ELEMENT})*(?![0-9A-Za-z])", re.IGNORECASE
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if k % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def digit_runs(text: str) -> list[str]:
    """Every run of digits a reader could take for one number."""
    runs = []
    for m in _RUN.finditer(text):
        words = re.split(r" - |, |\. | |-", m.group().lower())
        digits = ""
        repeat = 1
        for w in words:
            if w in ("double", "triple"):
                repeat = 2 if w == "double" else 3
                continue
            digits += (w if w.isdigit() else _WORD_DIGITS[w]) * repeat
            repeat = 1
        runs.append(digits)
    return runs


def readable_card_numbers(text: str, secrets: list[str]) -> list[str]:
    """Luhn-valid 13–19 digit runs (any card), spoken-digit runs of 7 or more, and any seven
    digits in a row of what was said (the card, the phone number)."""
    found = []
    windows = {s[k : k + 7] for s in secrets for k in range(len(s) - 6)}
    for run in digit_runs(text):
        if any(
            13 <= len(run[a:b]) <= 19 and luhn_valid(run[a:b])
            for a in range(len(run))
            for b in range(a + 13, min(len(run), a + 19) + 1)
        ) or any(w in run for w in windows):
            found.append(run)
    for m in re.finditer(r"(?:\b(?:" + "|".join(_WORD_DIGITS) + r")\b[ ,.-]*){7,}", text, re.I):
        found.append(m.group())
    return found


def scan_tree(root: Path, secrets: list[str]) -> dict[str, list[str]]:
    hits = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            found = readable_card_numbers(text, secrets)
            if found:
                hits[str(path)] = found
    return hits


def _synthesise(path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_demo_call", ROOT / "scripts/make_demo_call.py"
    )
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    sys.modules["make_demo_call"] = demo
    spec.loader.exec_module(demo)
    demo.TONES[("customer", "slow")] = demo.Tone(pitch=48, rate=120, amplitude=110, word_gap=4)
    demo.TONES[("agent", "slow")] = demo.Tone(pitch=45, rate=130, amplitude=100, word_gap=2)
    line = demo.Line
    dialogue = [
        line("agent", "slow", "Hello. Can I take the card number, please?"),
        line(
            "customer",
            "slow",
            "Yes. Four five three nine, one four eight eight, zero three four three, "
            "six four six seven.",
            gap=0.8,
        ),
        line("agent", "slow", "Thank you. What is your phone number?", gap=0.8),
        line("customer", "slow", "Zero seven nine one one, one two three, four five six.", gap=0.8),
        line("agent", "slow", "And the card number again, slowly please?", gap=0.8),
        line("customer", "slow", "Four five three nine.", gap=0.8),
        line("customer", "slow", "One four eight eight.", gap=1.6),
        line("customer", "slow", "Zero three four three.", gap=1.6),
        line("customer", "slow", "Six four six seven.", gap=1.6),
        line("agent", "slow", "Thank you, that is all done.", gap=0.8),
    ]
    import soundfile as sf

    with tempfile.TemporaryDirectory() as work:
        audio, _ = demo.build_call(Path(work), dialogue)
    sf.write(path, audio, demo.SAMPLE_RATE)


@pytest.fixture(scope="module")
def card_call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    path = tmp_path_factory.mktemp("call") / "card_call.wav"
    _synthesise(path)
    return path


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(home / var.lower())
    proc = subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def test_the_scan_catches_the_card_when_redaction_is_off(card_call: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(
        ["analyze", str(card_call), "--out", str(out), "--set", "privacy.redact_pii=false"],
        tmp_path,
    )
    report = json.loads((out / "card_call.json").read_text())
    assert report["redaction"] == {"enabled": False, "counts": {}}
    hits = scan_tree(out, [PAN, PHONE])
    assert hits, [u["text"] for u in report["utterances"]]


def test_no_readable_card_number_in_any_output(card_call: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    analyze = _run(["analyze", str(card_call), "--out", str(out), "-v"], tmp_path)
    live = _run(
        [
            "live",
            "--simulate",
            str(card_call),
            "--speed",
            "4",
            "--headless",
            "--events",
            str(out / "events.jsonl"),
            "--out",
            str(out / "live"),
            "-v",
        ],
        tmp_path,
    )
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert out / "card_call.json" in written and out / "events.jsonl" in written
    report = json.loads((out / "card_call.json").read_text())
    assert report["redaction"]["enabled"] is True
    # the second reading follows "the car's numbered again" (ASR) while the phone number asked
    # for just before is still the latest question: its pieces may come out as [PHONE]
    assert report["redaction"]["counts"].get("CARD", 0) >= 1, report["utterances"]
    assert report["redaction"]["counts"].get("PHONE", 0) >= 1, report["utterances"]
    hits = scan_tree(tmp_path, [PAN, PHONE])  # the output folder and the data folder
    for name, proc in (("analyze", analyze), ("live", live)):
        for stream in (proc.stdout, proc.stderr):
            found = readable_card_numbers(stream, [PAN, PHONE])
            if found:
                hits[f"{name} output"] = found
    assert not hits, hits

"""Build the bundled demo calls: ``app/assets/demo_call.ogg`` / ``.json`` and
``app/assets/demo_call_resolved.ogg`` / ``.json``.

``--scenario escalation`` (the default, ``callcoach demo``): the first demo call, a synthetic
customer-service phone call, recorded in stereo at 16 kHz with the
agent on the LEFT channel and the customer on the RIGHT channel. The customer starts calm,
escalates to anger (repeat contact, long wait), the agent first answers with policy language and
refusals, puts the customer on a silent hold of about 23 s, then comes back, acknowledges the
anger, gives a concrete timeline and the call ends calmly. It exercises several coaching prompts
(acknowledge_anger, avoid_policy_language, offer_timeline, owner_question, update_on_progress,
follow_up_call).

``--scenario resolved`` (``callcoach demo --call resolved``): a call that escalates and is handled
well. An internet outage: the customer works from home, gets angry ("nobody tells me anything"),
the agent pauses, acknowledges the anger, gives a timeline when asked "how long", and when the
customer rejects it ("not good enough, I need to work today") asks the owner question ("if you
ran this business, what would you do in my place?"). The customer proposes a mobile hotspot, the
agent agrees and adds a credit, and the call ends calmly. No hold, no policy language, no selling.
The agent leaves a short pause after each customer turn a card answers, so the card is up before
the agent speaks.

``--scenario all`` writes both.

Tone of voice is carried by espeak-ng parameters: calm turns use normal pitch, rate and amplitude;
annoyed and angry turns are clearly higher pitched, faster and louder. A little band-limited noise
is added so the "silence" is not digital silence, and both channels are band-limited to a
telephone-like 300-3400 Hz. The noise uses a fixed RNG seed, so the audio is reproducible (the OGG
container bytes may still differ between runs because Ogg stream serial numbers are random).

Requirements:
    apt packages: ``espeak-ng`` (the speech synthesiser; ``apt-get install -y espeak-ng``).
    ``sox`` is not needed. The committed audio was made with espeak-ng 1.51 (Debian); another
    espeak-ng version gives slightly different timings, so regenerate the JSON with the audio.
    Python: numpy, scipy, soundfile (libsndfile with Vorbis support) from the project venv.

The agent voice (en-us+m2 at 150 wpm) and the wording were picked so that Whisper tiny.en still
transcribes the key phrases ("our policy", "nothing I can do", "third time", "how long",
"please hold", "by Friday") recognisably; re-check with faster-whisper after editing lines.

Usage:
    .venv/bin/python scripts/make_demo_call.py [--scenario escalation|resolved|all]
        [--out-dir app/assets] [--flac]

Running the demo itself does not need espeak-ng: the generated audio is committed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

SAMPLE_RATE = 16_000
ESPEAK_RATE = 22_050
SEED = 20240611

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "app" / "assets"

AGENT_VOICE = "en-us+m2"
CUSTOMER_VOICE = "en-us+f2"


@dataclass(frozen=True)
class Tone:
    """espeak-ng parameters for one speaking style."""

    pitch: int  # -p, 0..99, default 50
    rate: int  # -s, words per minute
    amplitude: int  # -a, 0..200, default 100
    word_gap: int = 0  # -g, extra pause between words in units of 10 ms


# Tone per (speaker, mood). The agent stays calm throughout.
TONES: dict[tuple[str, str], Tone] = {
    ("agent", "calm"): Tone(pitch=45, rate=150, amplitude=100),
    ("customer", "calm"): Tone(pitch=48, rate=162, amplitude=95),
    ("customer", "annoyed"): Tone(pitch=64, rate=172, amplitude=135),
    ("customer", "angry"): Tone(pitch=82, rate=186, amplitude=180),
}

VOICES = {"agent": AGENT_VOICE, "customer": CUSTOMER_VOICE}

HOLD_SECONDS = 23.0


@dataclass(frozen=True)
class Line:
    """One turn of the scripted call.

    ``gap`` is the pause in seconds between the end of the previous turn and the start of this
    one; a negative gap makes this turn overlap the previous one.
    """

    speaker: str
    mood: str
    text: str
    gap: float = 0.6


DIALOGUE: list[Line] = [
    # 1. Calm opening: tone baseline for both voices.
    Line(
        "agent",
        "calm",
        "Thank you for calling Northwind Energy. My name is Sam. How can I help you?",
        gap=0.8,
    ),
    Line(
        "customer",
        "calm",
        "Hi Sam. I was charged twice for my March bill, "
        "and I asked for a refund of the second payment.",
    ),
    Line("agent", "calm", "I'm sorry to hear that. Can I have your account number, please?"),
    Line(
        "customer",
        "calm",
        "Sure. It is four five seven, two two one eight.",
        gap=0.8,
    ),
    Line(
        "agent",
        "calm",
        "Thanks. I see both payments. The refund request is still open.",
        gap=1.0,
    ),
    # 2. Customer becomes annoyed, then angry (repeat contact).
    Line(
        "customer",
        "annoyed",
        "Still open? I asked for it two weeks ago. I've been with you for eight years!",
        gap=0.5,
    ),
    Line("agent", "calm", "I understand. It is in the queue."),
    Line(
        "customer",
        "angry",
        "This is the third time I'm calling about this! Nobody called me back!",
        gap=0.4,
    ),
    # 3. Agent answers with policy language, interrupting the customer slightly.
    Line(
        "agent",
        "calm",
        "I'm sorry, but it's our policy that refunds take thirty days. There's nothing I can do.",
        gap=-0.6,
    ),
    # 4. Customer angrier, asks about time.
    Line(
        "customer",
        "angry",
        "Thirty days? I want my money back now! How long is this going to take? "
        "I've been waiting for two weeks!",
        gap=0.3,
    ),
    # 5. Agent refuses again while the customer stays angry.
    Line("agent", "calm", "I'm unable to do that. It's not possible for me."),
    Line(
        "customer",
        "angry",
        "That is ridiculous! I want to talk to someone who can actually fix this!",
        gap=0.3,
    ),
    # 6. Hold without updates.
    Line("agent", "calm", "Let me check. Please hold for a moment.", gap=0.7),
    # 7. Agent comes back, acknowledges, gives a timeline; customer calms down.
    Line(
        "agent",
        "calm",
        "Thank you for holding. I hear you're angry, and I want to help.",
        gap=HOLD_SECONDS,
    ),
    Line("customer", "annoyed", "Then please just fix it.", gap=0.4),
    Line(
        "agent",
        "calm",
        "Your refund will be done by Friday. I will call you on Thursday at 3 pm with an update.",
    ),
    Line("customer", "annoyed", "Okay. And you will really call me on Thursday?"),
    Line(
        "agent",
        "calm",
        "Yes, I will call you myself.",
    ),
    Line("customer", "calm", "Okay. Thank you, Sam.", gap=0.7),
    Line(
        "agent",
        "calm",
        "You're welcome. Have a good evening.",
    ),
    Line("customer", "calm", "You too. Bye.", gap=0.5),
]


# The second demo: escalates, handled well, calms down. Key phrases are the ones Whisper tiny.en
# must hear: "nobody tells me anything", "how long", "I don't want", "if you ran ... in my place".
RESOLVED_DIALOGUE: list[Line] = [
    Line(
        "agent",
        "calm",
        "Thank you for calling Brightline. My name is Alex. How may I help you?",
        gap=0.8,
    ),
    Line(
        "customer",
        "calm",
        "Hello Alex. My internet has been down since Monday, and I work from home.",
    ),
    Line("agent", "calm", "I'm sorry to hear that. What is your account number, please?"),
    Line("customer", "calm", "Yes. It is three one four, one five nine.", gap=0.8),
    Line("agent", "calm", "Thank you. I see the fault report on your line.", gap=1.0),
    Line(
        "customer",
        "annoyed",
        "A report? I reported it on Monday and nothing has happened! I lost two days of work!",
        gap=0.5,
    ),
    Line(
        "customer",
        "angry",
        "This is ridiculous! I pay you every month, and nobody tells me anything!",
        gap=0.9,
    ),
    # The agent pauses (the acknowledge_anger card is up) and acknowledges.
    Line(
        "agent",
        "calm",
        "You have every right to be angry. I hear you, and I want to help.",
        gap=1.6,
    ),
    Line(
        "customer",
        "angry",
        "Then how long is this going to take? How long do I have to wait?",
        gap=0.4,
    ),
    # A timeline: a day, a time, a call back.
    Line(
        "agent",
        "calm",
        "A technician will come tomorrow morning, between eight and ten. "
        "I will call you at twelve to make sure it is working.",
        gap=1.6,
    ),
    Line(
        "customer",
        "angry",
        "Tomorrow? No! I don't want to wait until tomorrow! I need to work today!",
        gap=0.5,
    ),
    # The owner question.
    Line(
        "agent",
        "calm",
        "I understand. If you ran this business, what would you do in my place?",
        gap=1.6,
    ),
    Line(
        "customer",
        "annoyed",
        "Well. I would send me a mobile hotspot, so I can work until it is fixed.",
        gap=0.8,
    ),
    Line(
        "agent",
        "calm",
        "That is a good idea. I will send you a mobile hotspot today by courier, at no cost. "
        "It will be with you by four pm.",
    ),
    Line("customer", "calm", "Oh. Okay. That would really help. Thank you.", gap=0.7),
    Line(
        "agent",
        "calm",
        "And I will credit your account for the days without service.",
    ),
    Line("customer", "calm", "Thank you, Alex. I appreciate that.", gap=0.6),
    Line("agent", "calm", "You're welcome. I will call you tomorrow at twelve. Have a good day."),
    Line("customer", "calm", "You too. Bye.", gap=0.5),
]


@dataclass(frozen=True)
class Scenario:
    """One bundled demo call: its dialogue and where it is written."""

    name: str
    stem: str
    dialogue: list[Line] = field(default_factory=list)
    hold_seconds: float | None = None  # the silent hold, if the call has one


SCENARIOS = {
    "escalation": Scenario("escalation", "demo_call", DIALOGUE, HOLD_SECONDS),
    "resolved": Scenario("resolved", "demo_call_resolved", RESOLVED_DIALOGUE, None),
}


def synthesize(line: Line, workdir: Path, index: int) -> np.ndarray:
    """Synthesize one line with espeak-ng and return float32 mono audio at 16 kHz, trimmed."""
    tone = TONES[(line.speaker, line.mood)]
    wav = workdir / f"turn_{index:02d}.wav"
    cmd = [
        "espeak-ng",
        "-v",
        VOICES[line.speaker],
        "-p",
        str(tone.pitch),
        "-s",
        str(tone.rate),
        "-a",
        str(tone.amplitude),
        "-g",
        str(tone.word_gap),
        "-w",
        str(wav),
        line.text,
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    audio, rate = sf.read(wav, dtype="float32", always_2d=False)
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    if rate != ESPEAK_RATE:
        raise RuntimeError(f"unexpected espeak-ng sample rate {rate}")
    # 22050 -> 16000 Hz.
    audio = signal.resample_poly(audio, 320, 441).astype(np.float32)
    return trim_silence(audio)


def trim_silence(audio: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """Drop leading and trailing near-silent samples (espeak-ng pads its output)."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0]
    return audio[loud[0] : loud[-1] + 1]


def telephone_band(audio: np.ndarray) -> np.ndarray:
    """Mild telephone-like band-limit, 300-3400 Hz."""
    sos = signal.butter(4, [300.0, 3400.0], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    return signal.sosfiltfilt(sos, audio).astype(np.float32)


def background_noise(n_samples: int, rng: np.random.Generator, level: float) -> np.ndarray:
    """Quiet, slightly pinkish line noise at roughly ``level`` RMS."""
    white = rng.standard_normal(n_samples).astype(np.float32)
    b, a = signal.butter(1, 1200.0, btype="lowpass", fs=SAMPLE_RATE)
    coloured = signal.lfilter(b, a, white).astype(np.float32)
    coloured = 0.7 * coloured + 0.3 * white
    coloured /= float(np.sqrt(np.mean(coloured**2))) + 1e-12
    return coloured * level


def build_call(
    workdir: Path, dialogue: list[Line] = DIALOGUE
) -> tuple[np.ndarray, list[dict[str, object]]]:
    """Place every synthesized turn on the timeline; return (stereo audio, turn records)."""
    clips = [synthesize(line, workdir, i) for i, line in enumerate(dialogue)]
    turns: list[dict[str, object]] = []
    starts: list[int] = []
    cursor = 0
    for line, clip in zip(dialogue, clips, strict=True):
        start = max(0, cursor + round(line.gap * SAMPLE_RATE))
        starts.append(start)
        cursor = start + len(clip)
    tail = round(1.0 * SAMPLE_RATE)
    total = cursor + tail

    channels = {"agent": np.zeros(total, np.float32), "customer": np.zeros(total, np.float32)}
    for line, clip, start in zip(dialogue, clips, starts, strict=True):
        channels[line.speaker][start : start + len(clip)] += clip
        turns.append(
            {
                "speaker": line.speaker,
                "text": line.text,
                "start": round(start / SAMPLE_RATE, 3),
                "end": round((start + len(clip)) / SAMPLE_RATE, 3),
                "mood": line.mood,
            }
        )

    stereo = np.stack([channels["agent"], channels["customer"]], axis=1)
    # One global gain, so the loudness differences between moods survive.
    peak = float(np.max(np.abs(stereo)))
    stereo *= 0.7 / peak

    rng = np.random.default_rng(SEED)
    for ch in range(2):
        band = telephone_band(stereo[:, ch])
        stereo[:, ch] = band + background_noise(total, rng, level=0.003)
    stereo = np.clip(stereo, -1.0, 1.0)
    return stereo.astype(np.float32), turns


def write_outputs(
    out_dir: Path, use_flac: bool, scenario: Scenario = SCENARIOS["escalation"]
) -> tuple[Path, Path]:
    """Synthesize the call and write the audio and its JSON script into ``out_dir``."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng not found: apt-get install -y espeak-ng")
    out_dir.mkdir(parents=True, exist_ok=True)
    dialogue = scenario.dialogue
    with tempfile.TemporaryDirectory(prefix="demo_call_") as tmp:
        stereo, turns = build_call(Path(tmp), dialogue)

    if use_flac:
        audio_path = out_dir / f"{scenario.stem}.flac"
        sf.write(audio_path, stereo, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    else:
        audio_path = out_dir / f"{scenario.stem}.ogg"
        # libsndfile maps compression_level 0..1 to Vorbis quality 1..0.
        with sf.SoundFile(
            audio_path,
            "w",
            SAMPLE_RATE,
            2,
            format="OGG",
            subtype="VORBIS",
            compression_level=0.6,
        ) as handle:
            block = 16_000
            for i in range(0, len(stereo), block):
                handle.write(stereo[i : i + block])

    first_angry = next(
        i for i, t in enumerate(turns) if t["speaker"] == "customer" and t["mood"] == "angry"
    )
    hold: dict[str, object] | None = None
    if scenario.hold_seconds is not None:
        # The hold is the long gap before the agent comes back.
        hold_index = (
            next(i for i, line in enumerate(dialogue) if line.gap >= scenario.hold_seconds) - 1
        )
        hold = {"start": turns[hold_index]["end"], "end": turns[hold_index + 1]["start"]}
    script = {
        "audio": audio_path.name,
        "sample_rate": SAMPLE_RATE,
        "channels": {"left": "agent", "right": "customer"},
        "duration_s": round(len(stereo) / SAMPLE_RATE, 3),
        "first_angry_customer_turn": first_angry,
        "hold": hold,
        "voices": {
            "agent": AGENT_VOICE,
            "customer": CUSTOMER_VOICE,
        },
        "turns": turns,
    }
    json_path = out_dir / f"{scenario.stem}.json"
    json_path.write_text(json.dumps(script, indent=2) + "\n", encoding="utf-8")
    return audio_path, json_path


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--flac", action="store_true", help="write FLAC instead of OGG Vorbis")
    parser.add_argument(
        "--scenario", choices=[*SCENARIOS, "all"], default="escalation", help="which demo call"
    )
    args = parser.parse_args()
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    for name in names:
        audio_path, json_path = write_outputs(args.out_dir, args.flac, SCENARIOS[name])
        info = sf.info(audio_path)
        size_kb = audio_path.stat().st_size / 1024
        print(f"wrote {audio_path} ({info.duration:.1f} s, {info.channels} ch, {size_kb:.0f} KiB)")
        print(f"wrote {json_path}")


if __name__ == "__main__":
    main()

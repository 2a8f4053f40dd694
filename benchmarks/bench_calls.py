"""Build the call bench's calls from ../shared/data: scripted words by espeak-ng, tone by RAVDESS.

Usage: python -m benchmarks.bench_calls OUT_DIR [--per-type N] [--conditions a,b,...] [--seed S]

Each call is a stereo 16 kHz two-sided call, agent LEFT, customer RIGHT, about 40 s long, with a
ground-truth manifest (`OUT_DIR/manifest.json`): every turn's speaker, start, end, kind (calm,
angry, happy, sad) and text, and per call the end of its first clearly angry customer turn.

Call types (``TYPES``):
- escalation calls: ``voice_only`` (RAVDESS clips: calm, then strongly angry voice, the words
  always a neutral RAVDESS statement), ``words_only`` (espeak-ng in one flat voice: polite lines,
  then angry lines), ``both`` (each customer turn is a RAVDESS clip followed by an espeak-ng line:
  calm voice + polite words, then angry voice + angry words);
- control calls: ``calm``, ``happy`` and ``sad`` (RAVDESS clips of that emotion followed by
  polite, pleased or downcast espeak-ng lines; "no problem", "I can't wait" and the like), and
  ``service`` (calm RAVDESS clips followed by a calm customer's real problem, in the flat voice:
  "I was charged twice for the same order and I need a refund", "No, I don't need the extra
  insurance": grievances and refusals the words model is most likely to read as upset).

Conditions (``CONDITIONS``), applied to the whole call: ``full`` (as built), ``tel8k`` (300–3400 Hz
band-pass, 8 kHz, peaks near full scale), ``ulaw`` (that, G.711 µ-law coded), ``quiet`` (speech at
−45 dBFS RMS), ``clipped`` (6 dB over full scale, hard-clipped), ``noise10`` (noise at 10 dB SNR
on each channel, relative to that speaker's quietest turn), ``echo`` (the agent's side bleeding
into the customer channel at −20 dB, 40 ms late).

RAVDESS is CC BY-NC-SA 4.0 (non-commercial): the built calls are for evaluation only and are
never committed. The tone model was trained on the same 20 actors, so the voice-only figures
say the front end and fusion work, not that tone transfers to unseen speakers.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

ROOT = Path(__file__).resolve().parents[1]
RAVDESS = ROOT.parent / "shared" / "data" / "ravdess"
RATE = 16_000
ESPEAK_RATE = 22_050

ESCALATION_TYPES = ("voice_only", "words_only", "both")
# service: a calm customer with a real problem, said calmly (a refund, a cancellation, an
# offer turned down): the words model reads grievances and refusals as "annoyance" and
# "disapproval", so these are the calm calls most likely to raise a false alarm
CONTROL_TYPES = ("calm", "happy", "sad", "service")
TYPES = ESCALATION_TYPES + CONTROL_TYPES
CONDITIONS = ("full", "tel8k", "ulaw", "quiet", "clipped", "noise10", "echo")

AGENT_LINES = [
    "Thank you for calling. How can I help you today?",
    "I see. Can you give me the account number, please?",
    "Thank you. I have your account open now.",
    "Okay. I am looking at the order history.",
    "I see the order here on my screen.",
    "Right. I have made a note of that.",
    "Is there anything else on the account?",
    "Okay. I have written that down as well.",
]
POLITE = [
    "Hi, I am calling about the order I placed last week.",
    "Sure, it is the one from Tuesday, no problem.",
    "I just wanted to check when it will arrive.",
    "That sounds fine, thank you for looking.",
    "I can't wait to get it, to be honest.",
    "No problem at all, take your time.",
    "Thanks, that is really helpful.",
]
ANGRY = [
    "This is the third time I have called about this and nobody has fixed it!",
    "I am sick and tired of being lied to by your company!",
    "This is completely unacceptable, I want my money back right now!",
    "You people never listen, this is a total disgrace!",
    "I am furious, nobody called me back like you promised!",
    "This is ridiculous, I have wasted hours on this useless service!",
]
HAPPY = [
    "Oh that is wonderful news, thank you so much!",
    "Brilliant, you have made my day, honestly!",
    "That is perfect, I am so happy with the service!",
    "Fantastic, thank you, you have been really great!",
    "Amazing, I love it, thanks a lot!",
]
SAD = [
    "It has been a hard month for us, to be honest.",
    "I am a little worried about the payment this time.",
    "My husband is in hospital, so I am handling the bills now.",
    "I am just tired, it has been a long week.",
    "I was hoping to sort it out before the holidays.",
]

SERVICE = [
    "Hi, I'm calling because my internet has been down since this morning.",
    "I'd like to cancel my subscription, please.",
    "I was charged twice for the same order and I need a refund.",
    "My package never arrived, can you check where it is?",
    "The router keeps dropping the connection every evening.",
    "I want to dispute a charge on my last bill.",
    "I returned the item two weeks ago and haven't seen the refund yet.",
    "My card was declined but the money left my account.",
    "The technician didn't show up yesterday, can we reschedule?",
    "I need to change the address on my account.",
    "There's a problem with my last invoice.",
    "I'd like to report a broken screen on the phone I bought.",
    "No, I don't need the extra insurance, thank you.",
    "The app won't let me log in since the update.",
    "I'm moving next month, so I need to stop the service at this address.",
]

CUSTOMER_VOICE = "en-us+f2"
AGENT_VOICE = "en-us+m2"


@dataclass(frozen=True)
class Voice:
    """espeak-ng parameters: pitch 0..99, rate in words per minute, amplitude 0..200."""

    name: str
    pitch: int
    rate: int
    amplitude: int


AGENT = Voice(AGENT_VOICE, 45, 150, 100)
FLAT = Voice(CUSTOMER_VOICE, 48, 160, 100)
LOUD = Voice(CUSTOMER_VOICE, 80, 185, 180)


def espeak(text: str, voice: Voice, workdir: Path) -> np.ndarray:
    """One line spoken by espeak-ng, float32 mono at 16 kHz, leading/trailing silence trimmed."""
    wav = workdir / "line.wav"
    cmd = ["espeak-ng", "-v", voice.name, "-p", str(voice.pitch), "-s", str(voice.rate)]
    cmd += ["-a", str(voice.amplitude), "-w", str(wav), text]
    subprocess.run(cmd, check=True, capture_output=True)
    audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    audio = signal.resample_poly(audio.mean(axis=1), RATE // 50, rate // 50).astype(np.float32)
    return trim(audio)


def trim(audio: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > threshold * max(1.0, float(np.max(np.abs(audio)))))
    return audio[loud[0] : loud[-1] + 1] if loud.size else audio[:0]


def ravdess_clips() -> dict[tuple[int, str, str], list[tuple[Path, str]]]:
    """(actor, emotion, intensity) -> [(clip path, statement)], from the folder's manifest."""
    clips: dict[tuple[int, str, str], list[tuple[Path, str]]] = {}
    with (RAVDESS / "manifest.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            key = (int(row["actor"]), row["emotion"], row["intensity"])
            clips.setdefault(key, []).append((RAVDESS / row["path"], row["statement"]))
    return clips


STATEMENT_LEVEL = 0.02  # of a RAVDESS file's peak: where its statement starts and ends


def ravdess_file(path: Path) -> np.ndarray:
    """A RAVDESS file as 16 kHz mono float32, silence and all."""
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    if rate != RATE:
        raise ValueError(f"{path}: expected {RATE} Hz, got {rate}")
    return audio.mean(axis=1)


def _statement_file(path: Path) -> tuple[np.ndarray, int, int]:
    """A RAVDESS file as mono and where its statement lies in it (start, end samples)."""
    mono = ravdess_file(path)
    # STATEMENT_LEVEL of the clip's own peak: some calm RAVDESS clips peak under 0.02 of full
    # scale, and an absolute threshold trimmed them to nothing (a turn of zero length,
    # voice_only_1)
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    loud = np.flatnonzero(np.abs(mono) > STATEMENT_LEVEL * peak) if peak > 0 else []
    return (mono, int(loud[0]), int(loud[-1]) + 1) if len(loud) else (mono, 0, 0)


def statement_clip(path: Path) -> np.ndarray:
    """A RAVDESS file's statement: the file trimmed to where it rises over STATEMENT_LEVEL."""
    mono, start, end = _statement_file(path)
    return mono[start:end]


def room_noise_power(path: Path) -> float:
    """Mean power of a RAVDESS file's room noise: the median 20 ms frame of what
    `statement_clip` trims away before and after the statement (0.0 when nothing is trimmed)."""
    mono, start, end = _statement_file(path)
    if end == 0:
        return 0.0
    power = frame_power(np.concatenate([mono[:start], mono[end:]]))
    return float(np.median(power)) if power.size else 0.0


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2))) + 1e-9


SPEECH_RMS = 0.06  # a calm turn's level; louder (angry) turns keep their own, higher level


@dataclass
class Turn:
    speaker: str
    kind: str
    text: str
    audio: np.ndarray
    first_part: int = 0  # samples of its first part (the RAVDESS clip of a two-part turn); 0: whole
    noise_floor: float = 0.0  # power of the recording's room noise (0: digital silence)


class Speech:
    """Audio for one call's customer: one RAVDESS actor and the espeak-ng customer voice, each
    at one fixed gain for the whole call, so an angry turn stays louder than a calm one."""

    def __init__(self, rng: np.random.Generator, actor: int, workdir: Path) -> None:
        self.rng = rng
        self.actor = actor
        self.workdir = workdir
        self.clips = ravdess_clips()
        neutral = self.clips[(actor, "neutral", "normal")][0][0]
        self.actor_gain = SPEECH_RMS / _rms(statement_clip(neutral))
        # one room per actor: its noise, at the call's gain, is the floor speech must rise over
        self.noise_floor = room_noise_power(neutral) * self.actor_gain**2
        reference = espeak("I am calling about my order.", FLAT, workdir)
        self.espeak_gain = SPEECH_RMS / _rms(reference)

    def ravdess(self, emotion: str, intensity: str) -> tuple[str, np.ndarray]:
        options = self.clips[(self.actor, emotion, intensity)]
        path, statement = options[int(self.rng.integers(len(options)))]
        return statement, statement_clip(path) * self.actor_gain

    def line(self, pool: list[str], voice: Voice) -> tuple[str, np.ndarray]:
        text = pool[int(self.rng.integers(len(pool)))]
        return text, espeak(text, voice, self.workdir) * self.espeak_gain


def _joined(a: tuple[str, np.ndarray], b: tuple[str, np.ndarray]) -> tuple[str, np.ndarray, int]:
    """Two parts as one turn: (text, audio, samples of the first part)."""
    gap = np.zeros(int(0.25 * RATE), np.float32)
    audio = np.concatenate([a[1], gap, b[1]]).astype(np.float32)
    return f"{a[0]}. {b[0]}", audio, len(a[1])


def customer_turns(
    kind: str, rng: np.random.Generator, actor: int, workdir: Path
) -> tuple[list[tuple[str, str, np.ndarray, int]], float]:
    """The customer's turns of one call as (kind, text, audio, first part): three calm ones,
    then four of the call's kind (angry for escalation calls). `first part` is the length in
    samples of a two-part turn's RAVDESS clip (the voice), 0 for a one-part turn. With them, the
    power of the actor's room noise at the call's gain."""
    speech = Speech(rng, actor, workdir)
    turns: list[tuple[str, str, np.ndarray, int]] = []
    polite = [str(p) for p in rng.permutation(POLITE)]
    for i in range(7):
        calm_part = i < 3
        calm_words = polite[i : i + 1]
        first = 0
        if kind == "voice_only":
            if calm_part:
                text, audio = speech.ravdess("calm" if i % 2 else "neutral", "normal")
            else:
                text, audio = speech.ravdess("angry", "strong")
        elif kind == "words_only":
            text, audio = speech.line(calm_words if calm_part else ANGRY, FLAT)
        elif kind == "both":
            if calm_part:
                text, audio, first = _joined(
                    speech.ravdess("calm", "normal"), speech.line(calm_words, FLAT)
                )
            else:
                text, audio, first = _joined(
                    speech.ravdess("angry", "strong"), speech.line(ANGRY, LOUD)
                )
        elif kind == "service":  # the problem first, two polite turns, then four more lines
            said = speech.line(polite[i : i + 1] if i in (1, 2) else SERVICE, FLAT)
            neutral = "neutral" if i % 2 else "calm"
            text, audio, first = _joined(speech.ravdess(neutral, "normal"), said)
        else:
            pool = {"calm": POLITE, "happy": HAPPY, "sad": SAD}[kind]
            if calm_part:
                voice = speech.ravdess("calm", "normal")
            else:
                voice = speech.ravdess(kind, "normal" if kind == "calm" else "strong")
            text, audio, first = _joined(
                voice, speech.line(calm_words if calm_part else pool, FLAT)
            )
        turn_kind = "calm" if calm_part else ("angry" if kind in ESCALATION_TYPES else kind)
        turns.append((turn_kind, text, audio, first))
    return turns, speech.noise_floor


def build_call(
    kind: str, seed: int, workdir: Path, actor: int | None = None
) -> tuple[np.ndarray, list[dict[str, object]]]:
    """One call: agent and customer alternate with 0.6–1.2 s gaps. Returns (stereo, turns).

    The customer's RAVDESS actor is drawn from the seed unless `actor` is given (the draw is
    made either way, so the rest of the call is the same)."""
    rng = np.random.default_rng(seed)
    drawn = int(rng.integers(1, 21))
    actor = drawn if actor is None else actor
    customer, floor = customer_turns(kind, rng, actor, workdir)
    agent = [espeak(t, AGENT, workdir) for t in AGENT_LINES]
    agent = [a * (SPEECH_RMS / _rms(a)) for a in agent]
    order: list[Turn] = []
    for i, (c_kind, text, audio, first) in enumerate(customer):
        order.append(Turn("agent", "calm", AGENT_LINES[i], agent[i]))
        order.append(Turn("customer", c_kind, text, audio, first, floor))
    order.append(Turn("agent", "calm", AGENT_LINES[7], agent[7]))

    cursor = int(0.5 * RATE)
    placed: list[tuple[Turn, int]] = []
    for turn in order:
        placed.append((turn, cursor))
        cursor += len(turn.audio) + int(rng.uniform(0.6, 1.2) * RATE)
    stereo = np.zeros((cursor + RATE, 2), np.float32)
    records: list[dict[str, object]] = []
    for turn, start in placed:
        ch = 0 if turn.speaker == "agent" else 1
        stereo[start : start + len(turn.audio), ch] += turn.audio
        end = start + len(turn.audio)
        intervals = speech_intervals(turn.audio, turn.noise_floor)
        speech = [
            [round((start + a) / RATE, 3), round((start + b) / RATE, 3)] for a, b in intervals
        ]
        # where the first part's speech ends (the whole turn's for a one-part turn): what a
        # listener has heard in full; a breath after it is not speech (see speech_intervals)
        part = turn.first_part or len(turn.audio)
        first_end = start + max((b for a, b in intervals if a < part), default=part)
        records.append(
            {"speaker": turn.speaker, "kind": turn.kind, "text": turn.text}
            | {"start": round(start / RATE, 3), "end": round(end / RATE, 3), "speech": speech}
            | {"first_part_end": round(min(first_end, start + part) / RATE, 3)}
        )
    # A little line noise so silence is not digital zero.
    stereo += rng.standard_normal(stereo.shape).astype(np.float32) * 0.0005
    return stereo, records


SPEECH_FRAME = 320  # 20 ms
SPEECH_WITHIN_DB = 35.0  # a frame of a turn is speech when within this of the turn's loudest
SPEECH_OVER_FLOOR_DB = 12.0  # and this far over the recording's room noise
SPEECH_BRIDGE_S = 0.1  # gaps shorter than this inside speech are speech (stop closures)
# a short, quiet sound well apart from the rest of the turn is a breath or a click, not speech
BREATH_MAX_S = 0.25
BREATH_UNDER_DB = 15.0
BREATH_APART_S = 0.4


def frame_power(audio: np.ndarray) -> np.ndarray:
    """Mean power of each whole SPEECH_FRAME (20 ms) of `audio`, in float64."""
    n = len(audio) // SPEECH_FRAME
    frames = audio[: n * SPEECH_FRAME].reshape(n, SPEECH_FRAME).astype(np.float64)
    return np.mean(frames**2, axis=1)


def speech_intervals(audio: np.ndarray, noise_floor: float = 0.0) -> list[tuple[int, int]]:
    """Where a clean turn has speech, as (start, end) samples inside it: 20 ms frames within
    SPEECH_WITHIN_DB of the turn's loudest frame and SPEECH_OVER_FLOOR_DB over `noise_floor`
    (the power of the recording's room noise), gaps under SPEECH_BRIDGE_S bridged; a run under
    BREATH_MAX_S whose loudest frame is BREATH_UNDER_DB under the turn's loudest and that lies
    BREATH_APART_S from any other run is a breath, not speech. The bench's stricter turn rule
    asks how much of this a found utterance covers (the pauses of a RAVDESS clip and the gap
    between a clip and its espeak-ng line are not speech).

    Measured on the fresh set (seed 20461202; stop 26): with the 35 dB rule alone, a quiet calm
    clip (loudest frame -46.7 dBFS) counted its room noise at -73 to -81 dBFS as speech, so an
    utterance holding the whole sentence covered 76-79 % of it; and a 0.18 s breath 0.66 s
    after a shout (21 dB under it) set the time the shout was heard 0.86 s late, so a card
    0.56 s after the shout counted as early."""
    power = frame_power(audio)
    if power.size == 0:
        return []
    loudest = float(power.max())
    active = (power >= loudest * 10 ** (-SPEECH_WITHIN_DB / 10)) & (
        power > noise_floor * 10 ** (SPEECH_OVER_FLOOR_DB / 10)
    )
    runs: list[list[int]] = []
    bridge = round(SPEECH_BRIDGE_S * RATE / SPEECH_FRAME)
    for i in np.flatnonzero(active):
        if runs and i - runs[-1][1] <= bridge:
            runs[-1][1] = int(i) + 1
        else:
            runs.append([int(i), int(i) + 1])
    frame_s = SPEECH_FRAME / RATE
    apart = BREATH_APART_S / frame_s

    def breath(k: int) -> bool:
        a, b = runs[k]
        return (
            (b - a) * frame_s < BREATH_MAX_S
            and float(power[a:b].max()) < loudest * 10 ** (-BREATH_UNDER_DB / 10)
            and (k == 0 or a - runs[k - 1][1] >= apart)
            and (k == len(runs) - 1 or runs[k + 1][0] - b >= apart)
        )

    kept = [run for k, run in enumerate(runs) if len(runs) == 1 or not breath(k)]
    return [(a * SPEECH_FRAME, b * SPEECH_FRAME) for a, b in kept]


def _active_rms(x: np.ndarray) -> float:
    frames = x[: len(x) // 320 * 320].reshape(-1, 320)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    active = rms[rms > 0.1 * np.max(rms)]
    return float(np.sqrt(np.mean(active**2))) if active.size else 1e-9


def _band_8k(stereo: np.ndarray) -> np.ndarray:
    sos = signal.butter(6, [300.0, 3400.0], btype="bandpass", fs=RATE, output="sos")
    band = signal.sosfiltfilt(sos, stereo, axis=0)
    narrow = signal.resample_poly(band, 1, 2, axis=0)
    return (narrow * (0.98 / np.max(np.abs(narrow)))).astype(np.float32)


def _quietest_turn_power(channel: np.ndarray, spans: list[tuple[float, float]]) -> float:
    """Active power (frames within 40 dB of the turn's loudest) of the channel's quietest turn."""
    powers = []
    for start, end in spans:
        turn = channel[round(start * RATE) : round(end * RATE)]
        frames = turn[: len(turn) // 320 * 320].reshape(-1, 320)
        p = np.mean(frames**2, axis=1)
        if p.size and p.max() > 0:
            powers.append(float(np.mean(p[p > p.max() * 1e-4])))
    return min(powers)


def apply_condition(
    stereo: np.ndarray,
    condition: str,
    seed: int,
    turns: list[dict[str, object]] | None = None,
) -> tuple[np.ndarray, int, str]:
    """(audio, sample rate, soundfile subtype) of a call under one condition.

    ``noise10`` needs the call's `turns`: each channel's noise is 10 dB under the active level of
    that speaker's quietest turn, so every turn is heard at 10 dB SNR or better. (Relative to the
    whole channel's level, the loud angry or happy turns set it and the calm turns were left at
    about 0 dB SNR.)"""
    x = stereo.astype(np.float64)
    if condition == "full":
        return (x * (0.5 / np.max(np.abs(x)))).astype(np.float32), RATE, "PCM_16"
    if condition in ("tel8k", "ulaw"):
        return _band_8k(x), RATE // 2, "ULAW" if condition == "ulaw" else "PCM_16"
    if condition == "quiet":
        gain = 10 ** (-45 / 20) / max(_active_rms(x[:, 0]), _active_rms(x[:, 1]))
        return (x * gain).astype(np.float32), RATE, "FLOAT"
    if condition == "clipped":
        return np.clip(x * (2.0 / np.max(np.abs(x))), -1.0, 1.0).astype(np.float32), RATE, "PCM_16"
    if condition == "noise10":
        if turns is None:
            raise ValueError("noise10 needs the call's turns (the SNR is per speaker's turns)")
        rng = np.random.default_rng(seed + 1)
        sos = signal.butter(1, 1500.0, btype="lowpass", fs=RATE, output="sos")
        for ch, speaker in enumerate(("agent", "customer")):
            spans = [
                (float(t["start"]), float(t["end"]))  # type: ignore[arg-type]
                for t in turns
                if t["speaker"] == speaker
            ]
            speech_power = _quietest_turn_power(x[:, ch], spans)
            noise = signal.sosfilt(sos, rng.standard_normal(len(x)))
            noise *= np.sqrt(speech_power / 10 ** (10 / 10) / np.mean(noise**2))
            x[:, ch] += noise
        return (x * (0.7 / np.max(np.abs(x)))).astype(np.float32), RATE, "PCM_16"
    if condition == "echo":
        delay = int(0.04 * RATE)
        echo = np.zeros(len(x))
        echo[delay:] = x[:-delay, 0] * 10 ** (-20 / 20)
        x[:, 1] += echo
        return (x * (0.5 / np.max(np.abs(x)))).astype(np.float32), RATE, "PCM_16"
    raise ValueError(f"unknown condition {condition!r}")


DEFAULT_SEED = 20261202


def call_seed(seed: int, t_index: int, n: int) -> int:
    """The seed of call `<types[t_index]>_<n>` in the set drawn from `seed`."""
    return seed + 1000 * t_index + n


def shared_calls(seed: int, per_type: int, types: tuple[str, ...] = TYPES) -> int:
    """How many calls the set drawn from `seed` shares with the default set (the same call seed
    for the same call type): seeds closer than `per_type` draw mostly the same calls."""
    index = [(t, n) for t in range(len(types)) for n in range(per_type)]
    default = {(t, call_seed(DEFAULT_SEED, t, n)) for t, n in index}
    return len(default & {(t, call_seed(seed, t, n)) for t, n in index})


def build_bench(
    out_dir: Path,
    per_type: int = 3,
    conditions: tuple[str, ...] = CONDITIONS,
    types: tuple[str, ...] = TYPES,
    seed: int = DEFAULT_SEED,
) -> dict[str, object]:
    """Write `OUT/<condition>/<type>_<n>.wav` for every call and `OUT/manifest.json`."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng not found: apt-get install -y espeak-ng")
    calls: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_calls_") as tmp:
        for kind in types:
            for n in range(per_type):
                # the type's place in TYPES, not in `types`: a --types subset draws the very
                # calls of the whole bench (it drew others, so a subset run did not reproduce)
                this_seed = call_seed(seed, TYPES.index(kind), n)
                stereo, turns = build_call(kind, this_seed, Path(tmp))
                name = f"{kind}_{n}"
                angry_ends = [
                    t["end"] for t in turns if t["speaker"] == "customer" and t["kind"] == "angry"
                ]
                calls[name] = {
                    "type": kind,
                    "seed": this_seed,
                    "escalation": kind in ESCALATION_TYPES,
                    "first_angry_start": min(
                        (t["start"] for t in turns if t["kind"] == "angry"), default=None
                    ),
                    "first_angry_end": min(angry_ends, default=None),
                    # where the first angry turn's first part's speech ends: the first angry
                    # speech a listener has heard in full (its RAVDESS clip in a two-part turn)
                    "first_angry_heard": min(
                        (
                            t["first_part_end"]
                            for t in turns
                            if t["speaker"] == "customer" and t["kind"] == "angry"
                        ),
                        default=None,
                    ),
                    "turns": turns,
                }
                for condition in conditions:
                    audio, rate, subtype = apply_condition(stereo, condition, this_seed, turns)
                    folder = out_dir / condition
                    folder.mkdir(parents=True, exist_ok=True)
                    sf.write(folder / f"{name}.wav", audio, rate, subtype=subtype)
    manifest = {"seed": seed, "conditions": list(conditions), "calls": calls}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-type", type=int, default=3)
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--types", default=",".join(TYPES))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    manifest = build_bench(
        args.out,
        args.per_type,
        tuple(args.conditions.split(",")),
        tuple(args.types.split(",")),
        args.seed,
    )
    print(f"wrote {len(manifest['calls'])} calls x {len(manifest['conditions'])} conditions")


if __name__ == "__main__":
    main()

"""False utterances per minute on audio with no speech: Silero alone vs Silero + loud voice.

Usage: python -m benchmarks.false_turns [--seconds 60] [--conditions full,tel8k,ulaw]

The loud-voice detector (app/audio/loud_voice.py) takes loud, periodic, moving frames as speech
that Silero misses. What it must not do is take music on hold, call-progress tones or noise for
a customer. This prints, per sound and condition, the utterances the real front end cuts
(reader, high-pass, VAD, cutter) with the second detector off and on, and the total false
utterances per minute. The sounds are synthesised here (no music data set is in ../shared/data):
- music on hold: piano chords and melody, a string pad with a vibrato flute, plucked staccato
  notes, a pad alone, a fast piano melody, a sung melody (formant-shaped vowels with vibrato)
  alone and over piano chords;
- tones: ringback (440+480 Hz, 2 s on / 4 s off), dial tone (350+440 Hz), busy (480+620 Hz,
  0.5 s on/off), 50 Hz mains hum with harmonics, a 1 kHz beep every 3 s;
- noise: white, pink, brown, keyboard-like clicks.
Each is peak-normalised to -6 dBFS and written at full band, telephone band (8 kHz) and µ-law.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.frontend_conditions import SAMPLE_RATE, front_end_spans, telephone, write

SR = SAMPLE_RATE


def _note(f: float, dur: float, kind: str) -> np.ndarray:
    t = np.arange(int(dur * SR)) / SR
    if kind == "piano":
        env = np.exp(-t * 3.0) * np.minimum(1, t / 0.005)
        y = sum((0.6**k) * np.sin(2 * np.pi * f * (k + 1) * t) for k in range(8))
    elif kind == "pluck":  # staccato: strongly modulated
        env = np.exp(-t * 12) * np.minimum(1, t / 0.003)
        y = sum((0.7**k) * np.sin(2 * np.pi * f * (k + 1) * t) for k in range(6))
    else:  # "pad" (10 harmonics, slow vibrato) or "flute" (3 harmonics, 1 % vibrato)
        fade = 0.15 if kind == "pad" else 0.05
        env = np.minimum(1, t / fade) * np.minimum(1, (dur - t) / fade)
        depth, rate, harmonics = (0.004, 5.5, 10) if kind == "pad" else (0.01, 5.0, 3)
        phase = 2 * np.pi * np.cumsum(f * (1 + depth * np.sin(2 * np.pi * rate * t))) / SR
        fall = 1.0 if kind == "pad" else 2.5
        y = sum(np.sin((k + 1) * phase) / (k + 1) ** fall for k in range(harmonics))
    return np.asarray(env * y, dtype=np.float64)


def music(
    melody: str | None, chords: str | None, seconds: float, seed: int, beat: float = 0.4
) -> np.ndarray:
    """Music-on-hold-like: a chord per bar (4 beats) and a random melody on a major scale."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + 2 * SR)
    scale = 220 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12, 14, 16]) / 12)

    def add(y: np.ndarray, at: float) -> None:
        i = int(at * SR)
        out[i : i + len(y)] += y[: len(out) - i]

    t = 0.0
    while t < seconds:
        root = int(rng.choice([0, 3, 4, 5]))
        if chords:
            for k in (0, 2, 4):
                add(0.3 * _note(scale[(root + k) % len(scale)] / 2, beat * 4, chords), t)
        if melody:
            for b in range(4):
                add(_note(scale[rng.integers(len(scale))] * 2, beat, melody), t + b * beat)
        t += beat * 4
    return out[: int(seconds * SR)]


VOWELS = ((700, 1220, 2600), (300, 2300, 3000), (500, 900, 2400), (400, 1900, 2550))


def sung(seconds: float, seed: int, beat: float = 0.45) -> np.ndarray:
    """A sung melody (hold music with a voice): harmonic source shaped by the formants of four
    vowels, 5.5 Hz vibrato of 2 %, legato notes with a short dip between them."""
    rng = np.random.default_rng(seed)
    scale = 196 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12]) / 12)
    parts = []
    for _ in range(int(seconds / beat) + 1):
        f0 = scale[rng.integers(len(scale))]
        t = np.arange(int(beat * SR)) / SR
        f = f0 * (1 + 0.02 * np.sin(2 * np.pi * 5.5 * t))
        phase = 2 * np.pi * np.cumsum(f) / SR
        formants = VOWELS[rng.integers(len(VOWELS))]
        y = np.zeros_like(t)
        for k in range(1, int(3800 / f0)):
            gain = sum(1 / (1 + ((k * f0 - fm) / 120) ** 2) for fm in formants)
            y += gain / k * np.sin(k * phase)
        parts.append(y * np.minimum(1, np.minimum(t, beat - t) / 0.04))
    return np.concatenate(parts)[: int(seconds * SR)]


def tones(seconds: float) -> dict[str, np.ndarray]:
    t = np.arange(int(seconds * SR)) / SR

    def two(a: float, b: float) -> np.ndarray:
        return np.sin(2 * np.pi * a * t) + np.sin(2 * np.pi * b * t)

    return {
        "ringback": two(440, 480) * ((t % 6) < 2),
        "dial tone": two(350, 440),
        "busy": two(480, 620) * ((t % 1) < 0.5),
        "hum 50 Hz": sum(np.sin(2 * np.pi * 50 * k * t) / k for k in range(1, 6)),
        "beep 1 kHz": np.sin(2 * np.pi * 1000 * t) * ((t % 3) < 0.3),
    }


def noises(seconds: float, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    f = np.maximum(np.fft.rfftfreq(n), 1 / n)
    brown = np.cumsum(rng.standard_normal(n))
    clicks = np.zeros(n)
    for i in rng.integers(0, n - 800, size=int(seconds * 4)):
        clicks[i : i + 800] += rng.standard_normal(800) * np.exp(-np.arange(800) / 100)
    return {
        "white noise": rng.standard_normal(n),
        "pink noise": np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) / np.sqrt(f), n=n),
        "brown noise": brown - np.convolve(brown, np.ones(4001) / 4001, "same"),
        "clicks": clicks,
    }


def nonspeech(seconds: float = 60.0) -> dict[str, np.ndarray]:
    """Every test sound, peak at -6 dBFS, 16 kHz."""
    sounds = {
        "hold: piano": music("piano", "piano", seconds, 1),
        "hold: pad+flute": music("flute", "pad", seconds, 2),
        "hold: plucked": music("pluck", None, seconds, 3, beat=0.25),
        "hold: pad": music(None, "pad", seconds, 4),
        "hold: fast piano": music("piano", None, seconds, 5, beat=0.2),
        "hold: sung": sung(seconds, 6),
        "hold: sung+piano": sung(seconds, 7) + 0.7 * music(None, "piano", seconds, 8),
        **tones(seconds),
        **noises(seconds),
    }
    return {k: (v / np.max(np.abs(v)) * 0.5).astype(np.float32) for k, v in sounds.items()}


def utterances(path: Path, loud_voice: bool) -> list[tuple[float, float]]:
    """The customer utterances the front end cuts, with the loud-voice detector on or off."""
    return front_end_spans(path, "left", loud_voice)["customer"]


def write_condition(x: np.ndarray, condition: str, path: Path) -> Path:
    if condition == "full":
        return write(path, x, SR)
    y = telephone(x)
    y = (y / np.max(np.abs(y)) * 0.5).astype(np.float32)
    return write(path, y, 8000, "ULAW" if condition == "ulaw" else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--conditions", default="full,tel8k,ulaw")
    args = parser.parse_args()
    conditions = args.conditions.split(",")
    totals = {False: 0, True: 0}
    minutes = 0.0
    print(f"{'sound':18s} {'condition':9s} {'Silero alone':>14s} {'+ loud voice':>14s}")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, x) in enumerate(nonspeech(args.seconds).items()):
            for condition in conditions:
                path = write_condition(x, condition, Path(tmp) / f"{i}_{condition}.wav")
                cells = []
                for on in (False, True):
                    found = utterances(path, on)
                    totals[on] += len(found)
                    cells.append(f"{len(found):3d} / {sum(e - s for s, e in found):5.1f} s")
                minutes += args.seconds / 60
                print(f"{name:18s} {condition:9s} {cells[0]:>14s} {cells[1]:>14s}", flush=True)
    print(
        f"\nfalse utterances per minute over {minutes:.0f} min: Silero alone "
        f"{totals[False] / minutes:.3f}, with the loud-voice detector {totals[True] / minutes:.3f}"
    )


if __name__ == "__main__":
    main()

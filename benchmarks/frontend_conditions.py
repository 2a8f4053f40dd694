"""Turn recall of the audio front end (reader + VAD + utterance cutter) under telephone conditions.

Usage: python -m benchmarks.frontend_conditions [--actors 3 7 ...]
Builds calls from RAVDESS (per actor: 2 neutral, 3 calm, 2 angry-normal, 4 angry-strong clips,
4.5 s of silence between), writes them as files the way a phone system would (full band 16 kHz,
telephone band 300-3400 Hz at 8 kHz, G.711 mu-law, 10 dB SNR noise, the agent's echo at -20 dB in
the customer channel of a stereo call), at peak levels from -45 dBFS to 12 dB past clipping, and
prints per condition how many turns the front end found and how many extra utterances it cut.
The builders are also used by tests/test_frontend_conditions.py.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import soundfile as sf
from scipy.signal import butter, resample_poly, sosfiltfilt

from app.audio.source import CallAudio
from app.audio.vad import SAMPLE_RATE
from app.config import Settings
from app.pipeline.frontend import FrontEnd
from app.pipeline.items import ClosedSpeech
from app.scoring.tone.model import ToneReading

ROOT = Path(__file__).resolve().parents[1]

RAVDESS = ROOT.parent / "shared" / "data" / "ravdess"
TURNS = (
    ("neutral", "normal", 2),
    ("calm", "normal", 3),
    ("angry", "normal", 2),
    ("angry", "strong", 4),
)
GAP_S = 4.5

Span = tuple[float, float]


def ravdess_clips(actor: int, data: Path = RAVDESS, turns: tuple = TURNS) -> list[np.ndarray]:
    """The actor's clips in call order, 16 kHz float32."""
    with open(data / "manifest.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if int(r["actor"]) == actor]
    out = []
    for emotion, intensity, n in turns:
        picked = [r for r in rows if r["emotion"] == emotion and r["intensity"] == intensity][:n]
        out += [sf.read(data / r["path"], dtype="float32")[0] for r in picked]
    return out


def concat_turns(clips: list[np.ndarray], gap_s: float = GAP_S) -> tuple[np.ndarray, list[Span]]:
    """Clips with `gap_s` of silence before, between and after; the clips' spans in seconds."""
    gap = np.zeros(round(gap_s * SAMPLE_RATE), dtype=np.float32)
    parts, spans, t = [gap], [], len(gap)
    for c in clips:
        spans.append((t / SAMPLE_RATE, (t + len(c)) / SAMPLE_RATE))
        parts += [c, gap]
        t += len(c) + len(gap)
    return np.concatenate(parts), spans


def telephone(x: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Band-pass 300-3400 Hz and resample to 8 kHz (along the last axis)."""
    sos = butter(4, [300, 3400], btype="band", fs=rate, output="sos")
    return resample_poly(sosfiltfilt(sos, x, axis=-1), 8000, rate, axis=-1).astype(np.float32)


def ulaw_line(x: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """`telephone`, then coded as G.711 µ-law (soundfile's codec, as the benches write their
    `ulaw` files) and back to `rate`: what a phone call carries."""
    buf = io.BytesIO()
    sf.write(buf, np.clip(telephone(x, rate), -1.0, 1.0), 8000, subtype="ULAW", format="WAV")
    buf.seek(0)
    y, _ = sf.read(buf, dtype="float32")
    return resample_poly(y, rate, 8000).astype(np.float32)


def at_peak(x: np.ndarray, dbfs: float) -> np.ndarray:
    """Scaled so its peak is at `dbfs`; above 0 dBFS it is hard-clipped at full scale."""
    y = x / np.abs(x).max() * 10 ** (dbfs / 20)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


def active_power(x: np.ndarray) -> float:
    """Mean power over the active 32 ms frames (within 40 dB of the loudest), a simple form of
    ITU-T P.56's active speech level."""
    frames = x[: len(x) // 512 * 512].reshape(-1, 512).astype(np.float64)
    p = np.mean(frames**2, axis=1)
    return float(np.mean(p[p > p.max() * 1e-4]))


def at_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    """Scaled so its active speech level is `dbfs` (clipped at full scale if it must be)."""
    y = x * np.sqrt(10 ** (dbfs / 10) / active_power(x))
    return np.clip(y, -1.0, 1.0).astype(np.float32)


def add_noise(x: np.ndarray, spans: list[Span], snr_db: float, seed: int = 0) -> np.ndarray:
    """Pink background noise `snr_db` below the active level of the quietest turn, so every
    turn is heard at `snr_db` or better (acted calm and angry turns differ by 25 dB)."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(len(x))
    spec = np.fft.rfft(white)
    f = np.maximum(np.fft.rfftfreq(len(x)), 1.0 / len(x))
    pink = np.fft.irfft(spec / np.sqrt(f), n=len(x))
    quietest = min(
        active_power(x[round(s * SAMPLE_RATE) : round(e * SAMPLE_RATE)]) for s, e in spans
    )
    pink *= np.sqrt(quietest / 10 ** (snr_db / 10) / np.mean(pink**2))
    return (x + pink).astype(np.float32)


def echo_call(
    agent_clips: list[np.ndarray], customer_clips: list[np.ndarray], echo_db: float = -20.0
) -> tuple[np.ndarray, list[Span], list[Span]]:
    """A stereo call (2, n): agent and customer take turns; the customer's channel also carries
    the agent's voice `echo_db` below it, 60 ms late and band-limited (a line echo)."""
    gap = np.zeros(round(1.0 * SAMPLE_RATE), dtype=np.float32)
    agent_parts, cust_parts, a_spans, c_spans = [gap], [gap], [], []
    t = len(gap)
    for a, c in zip(agent_clips, customer_clips, strict=False):
        for clip, mine, other, spans in (
            (a, agent_parts, cust_parts, a_spans),
            (c, cust_parts, agent_parts, c_spans),
        ):
            spans.append((t / SAMPLE_RATE, (t + len(clip)) / SAMPLE_RATE))
            mine.append(clip)
            other.append(np.zeros_like(clip))
            mine.append(gap)
            other.append(gap)
            t += len(clip) + len(gap)
    agent, cust = np.concatenate(agent_parts), np.concatenate(cust_parts)
    agent, cust = agent / np.abs(agent).max() * 0.5, cust / np.abs(cust).max() * 0.5
    delay = round(0.06 * SAMPLE_RATE)
    sos = butter(2, [300, 3400], btype="band", fs=SAMPLE_RATE, output="sos")
    echo = sosfiltfilt(sos, np.concatenate([np.zeros(delay), agent[:-delay]]))
    echo *= 10 ** (echo_db / 20) * np.sqrt(np.mean(agent**2) / np.mean(echo**2))
    return np.stack([agent, cust + echo]).astype(np.float32), a_spans, c_spans


def write(path: Path, audio: np.ndarray, rate: int, subtype: str | None = None) -> Path:
    data = audio.T if audio.ndim == 2 else audio
    sf.write(path, data, rate, subtype=subtype)
    return path


def front_end_spans(
    path: Path, agent_channel: str = "left", loud_voice: bool = True
) -> dict[str, list[Span]]:
    """Utterances the front end cuts from a call file, per speaker (tone model not run);
    `loud_voice=False`: Silero alone, without the second detector."""
    audio = CallAudio(path, agent_channel)
    front = FrontEnd(
        audio.speakers,
        _NoTone(),  # type: ignore[arg-type]
        Settings().vad,
        loud_voice=loud_voice,
    )
    out: dict[str, list[Span]] = {s: [] for s in audio.speakers}
    items = []
    for block in audio:
        items += front.push(block)
    items += front.finish()
    for item in items:
        if isinstance(item, ClosedSpeech):
            out[item.speaker].append((item.start, item.end))
    return out


class _NoTone:
    """The front end's tone hook, unused here: only the cut utterances are counted."""

    def features(self, audio: np.ndarray, rate: int) -> SimpleNamespace:
        return SimpleNamespace(voiced_s=0.0)  # too little voice for a baseline to learn from

    def score_features(self, feats: object, baseline: object) -> float:
        return float("nan")

    def read(self, feats: object, baseline: object) -> ToneReading:
        return ToneReading(float("nan"), False)

    def read_turn(self, audio: object, feats: object, baseline: object, rate: int) -> ToneReading:
        return ToneReading(float("nan"), False)


def match(found: list[Span], truth: list[Span]) -> tuple[int, int]:
    """(turns found, utterances that overlap no turn)."""
    hit = sum(any(s < te and e > ts for s, e in found) for ts, te in truth)
    extra = sum(not any(s < te and e > ts for ts, te in truth) for s, e in found)
    return hit, extra


def mono_condition(
    actor: int, condition: str, tmp: Path, peak: float | None = None, active: float = -26.0
) -> tuple[int, int, int]:
    """Build, write and analyse one mono call at a peak level or (peak=None) an active speech
    level, both in dBFS: (turns found, turns, extra utterances)."""
    x, spans = concat_turns(ravdess_clips(actor))
    rate, subtype = SAMPLE_RATE, None
    if condition.startswith("noise"):
        x = add_noise(x, spans, 10.0, seed=actor)
    if condition in ("tel8k", "ulaw", "noise_tel8k"):
        x, rate = telephone(x), 8000
    if condition == "ulaw":
        subtype = "ULAW"
    level = at_peak(x, peak) if peak is not None else at_level(x, active)
    path = write(tmp / f"a{actor}_{condition}_{peak}_{active}.wav", level, rate, subtype)
    found = front_end_spans(path)["customer"]
    hit, extra = match(found, spans)
    return hit, len(spans), extra


def echo_condition(
    agent_actor: int, customer_actor: int, tmp: Path
) -> dict[str, tuple[int, int, int]]:
    audio, a_spans, c_spans = echo_call(ravdess_clips(agent_actor), ravdess_clips(customer_actor))
    path = write(tmp / f"echo_{agent_actor}_{customer_actor}.wav", audio, SAMPLE_RATE)
    found = front_end_spans(path, "left")
    out = {}
    for who, spans in (("agent", a_spans), ("customer", c_spans)):
        hit, extra = match(found[who], spans)
        out[who] = (hit, len(spans), extra)
    return out


CONDITIONS = ("full", "tel8k", "ulaw", "noise_full", "noise_tel8k")
LEVELS: tuple[tuple[str, float | None, float], ...] = (
    ("peak +12", 12.0, 0.0),  # 12 dB past full scale, clipped
    ("peak 0", 0.0, 0.0),
    ("act -26", None, -26.0),  # nominal telephone speech level
    ("act -45", None, -45.0),
    ("peak -45", -45.0, 0.0),  # the quiet turns then sit near -70 dBFS
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actors", type=int, nargs="+", default=[3, 7, 4, 10, 15, 18])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"{'condition':12s} " + " ".join(f"{name:>10s}" for name, _, _ in LEVELS))
        for cond in CONDITIONS:
            cells = []
            for _, peak, active in LEVELS:
                hit = total = extra = 0
                for actor in args.actors:
                    h, t, e = mono_condition(actor, cond, tmp, peak, active)
                    hit, total, extra = hit + h, total + t, extra + e
                cells.append(f"{hit:3d}/{total:3d}+{extra}")
            print(f"{cond:12s} " + " ".join(f"{c:>10s}" for c in cells), flush=True)
        for i, actor in enumerate(args.actors):
            other = args.actors[(i + 1) % len(args.actors)]
            res = echo_condition(other, actor, tmp)
            cells = [f"{w} {h}/{t} extra {e}" for w, (h, t, e) in res.items()]
            print(
                f"echo -20 dB, agent {other:2d} customer {actor:2d}: " + ", ".join(cells),
                flush=True,
            )
    print("cells: turns found / turns + utterances outside any turn; levels in dBFS, 'act' =")
    print(
        "active speech level (P.56-like), 'peak' = peak level; noise: 10 dB under the quietest turn"
    )


if __name__ == "__main__":
    main()

"""A second speech detector for loud voiced frames that Silero VAD does not take as speech.

Why it exists (measured, see the front-end notes): screamed speech with a high voice (RAVDESS
actor 18's strongly angry clips, F0 about 500 Hz) scores under 0.2 per frame on Silero at
telephone band and G.711 µ-law, and at most 0.78 at full band, although the frames are the
loudest of the call and cleanly periodic (YIN aperiodicity under 0.1). With harmonics 500 Hz
apart, only a handful fall inside 300-3400 Hz and the model hears a tone, not a voice. Level,
state resets and the 8 kHz model do not bring those turns back, so a second opinion is needed.

A frame counts as loud voice when all of these hold (all judged from the audio up to and
including that frame, so the result does not depend on how the audio was split into blocks):
- periodic: YIN's aperiodicity under APERIODIC_BELOW at a period of 70-1600 Hz (only frames
  that pass the two rules below are analysed, so the cost is paid where it can matter);
- loud for this channel: within NEAR_LOUDEST of its loudest recent frame (the level falls
  1 dB/s, as the VAD's level does) and SNR_ABOVE over its noise floor;
- moving like speech: within the last MODULATION_FRAMES frames the level dipped at least
  MODULATION_DB under this frame (syllables rise and fall that fast; hum, a dial tone and held
  notes do not), and the period of the voiced frames passing these rules among the last
  PITCH_FRAMES moved by at least PITCH_MOVES (a voice's pitch never holds still; a ringback,
  busy or beep tone's does).
The front end takes the union with Silero: such a frame counts as speech.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from app.audio.pitch import YinSettings, yin

FRAME = 512  # the VAD's frame at 16 kHz
YIN_W = 280  # integration window (17.5 ms)
MIN_LAG = 10  # 1600 Hz: a screamed vowel's 2nd harmonic can dominate its 500 Hz F0
MAX_LAG = 228  # 70 Hz (YIN_W + MAX_LAG <= FRAME)
NFFT = 1024
YIN_THRESHOLD = 0.2  # the first dip under this picks the period
APERIODIC_BELOW = 0.35  # a frame is voiced when its dip is under this (screams are rough)
NEAR_LOUDEST = 20.0  # dB under the channel's loudest recent frame
SNR_ABOVE = 25.0  # dB over the channel's noise floor
MODULATION_FRAMES = 16  # 0.5 s of history
MODULATION_DB = 15.0
PITCH_FRAMES = 4  # the frame and the 3 before it
PITCH_MOVES = 1.015  # their periods spread at least a quarter semitone
LEVEL_RELEASE_DB = 1.0 * FRAME / 16_000  # per frame: 1 dB/s
FLOOR_RISE_DB = 0.5 * FRAME / 16_000  # per frame: the noise floor climbs 0.5 dB/s at most
FLOOR_MIN_DB = -100.0  # digital silence does not make every later frame "loud"
SPEECH_PROB = 0.75  # what a loud voiced frame counts as in the union with Silero
# lags MIN_LAG..MAX_LAG; the walk goes all the way down; a period at either end of the range is
# out of range (aperiodicity 1)
YIN = YinSettings(
    window=YIN_W,
    min_lag=MIN_LAG,
    max_lag=MAX_LAG,
    nfft=NFFT,
    threshold=YIN_THRESHOLD,
    cmndf_floor=1e-20,
    max_walk=None,
    edge_aperiodic=True,
)


class LoudVoiceDetector:
    """Per-channel, streaming: (n, FRAME) frames in, a boolean per frame out (loud voice)."""

    def __init__(self) -> None:
        self._level = FLOOR_MIN_DB  # loudest recent frame, dB
        self._floor = np.inf  # noise floor, dB
        self._history = np.full(MODULATION_FRAMES, np.inf)  # dB of the frames before
        self._periods = np.full(PITCH_FRAMES - 1, np.nan)  # periods of the frames before
        self.frames_found = 0  # frames this detector called speech (for the notes)

    def __call__(self, frames: np.ndarray, rms: np.ndarray) -> np.ndarray:
        n = len(frames)
        db = 20.0 * np.log10(np.maximum(rms.astype(np.float64), 1e-10))
        i = np.arange(n)
        # level_i = max(level_{i-1} - release, db_i); floor_i = min(floor_{i-1} + rise, db_i)
        level = np.maximum(
            self._level - (i + 1) * LEVEL_RELEASE_DB,
            np.maximum.accumulate(db + i * LEVEL_RELEASE_DB) - i * LEVEL_RELEASE_DB,
        )
        floor_in = np.maximum(db, FLOOR_MIN_DB)
        floor = np.minimum(
            self._floor + (i + 1) * FLOOR_RISE_DB,
            np.minimum.accumulate(floor_in - i * FLOOR_RISE_DB) + i * FLOOR_RISE_DB,
        )
        history = np.concatenate([self._history, db])
        dip = sliding_window_view(history, MODULATION_FRAMES)[:n].min(axis=1)
        loud = (db >= level - NEAR_LOUDEST) & (db >= floor + SNR_ABOVE)
        loud &= dip <= db - MODULATION_DB
        candidates = np.flatnonzero(loud)  # only these need a pitch
        period = np.full(n, np.nan)
        if candidates.size:
            pitch = yin(frames[candidates], YIN)
            period[candidates] = np.where(
                pitch.aperiodicity < APERIODIC_BELOW, pitch.period, np.nan
            )
        periods = sliding_window_view(np.concatenate([self._periods, period]), PITCH_FRAMES)
        known = ~np.isnan(periods)
        high = np.where(known, periods, -np.inf).max(axis=1)
        low = np.where(known, periods, np.inf).min(axis=1)
        moving = (known.sum(axis=1) >= 2) & (high >= PITCH_MOVES * low)
        out = loud & ~np.isnan(period) & moving
        if n:
            self._level, self._floor = float(level[-1]), float(floor[-1])
            self._history = history[-MODULATION_FRAMES:]
            self._periods = np.concatenate([self._periods, period])[-(PITCH_FRAMES - 1) :]
        self.frames_found += int(out.sum())
        return out

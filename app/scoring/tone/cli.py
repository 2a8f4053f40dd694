"""`callcoach score-tone [--baseline FILE ...] FILE ...`: tone score of each clip from audio alone.

Writes `FILE<TAB>score` per line. With `--baseline` clips (the same speaker talking calmly) the
score is relative to that speaker; without them, to population norms. The app's CLI can mount this
with `add_arguments` + `run`; `python -m app.scoring.tone.cli` runs it stand-alone.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from app.scoring.tone.baseline import SpeakerBaseline
from app.scoring.tone.features import extract_features
from app.scoring.tone.model import ModelError, load_tone_scorer

log = logging.getLogger(__name__)


def read_mono(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and rate of an audio file (WAV, FLAC, OGG; others through PyAV)."""
    try:
        import soundfile as sf

        audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
        return audio.mean(axis=1), int(sr)
    except Exception as first:  # soundfile cannot read mp3/m4a/…; PyAV can
        try:
            import av

            with av.open(str(path)) as container:
                resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
                chunks = []
                for frame in container.decode(audio=0):
                    for out in resampler.resample(frame):
                        chunks.append(out.to_ndarray().reshape(-1))
            return np.concatenate(chunks) if chunks else np.zeros(0, np.float32), 16000
        except Exception as exc:
            raise OSError(f"cannot read audio {path}: {first}; {exc}") from exc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="clips to score")
    parser.add_argument(
        "--baseline",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="a clip of the same speaker talking calmly (repeat for several)",
    )
    parser.add_argument("--models", type=Path, default=None, help="tone model folder")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Score the clips; 0 on success, 1 if any clip could not be read, 2 if the model failed."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        scorer = load_tone_scorer(args.models)
    except ModelError as exc:
        print(f"error: {exc}", file=err)
        return 2
    status = 0
    baseline: SpeakerBaseline | None = None
    base_files = list(args.baseline)
    if base_files:
        baseline = SpeakerBaseline()
        for path in base_files:
            try:
                baseline.add_calm(extract_features(*read_mono(path)))
            except OSError as exc:
                log.debug("baseline read failed", exc_info=True)
                print(f"error: {exc}", file=err)
                status = 1
        if not baseline.ready:
            print("warning: baseline clips hold no usable speech; using population norms", file=err)
    for path in args.files:
        try:
            audio, sr = read_mono(path)
        except OSError as exc:
            log.debug("read failed", exc_info=True)
            print(f"error: {exc}", file=err)
            status = 1
            continue
        print(f"{path}\t{scorer.score(audio, baseline, sr):.4f}", file=out)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callcoach score-tone")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

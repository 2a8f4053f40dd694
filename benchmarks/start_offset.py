"""How much `analyze` depends on where a recording starts, by a few samples.

Usage: python -m benchmarks.start_offset [CALL] [--from 28.8] [--to 58.5] [--leads 0,37,160,...]

A live capture starts at an arbitrary sample of the call (when the device opened), so the live
session hears the call behind a lead-in of silence of arbitrary length. This analyses an excerpt
of the call behind several lead-ins (in samples at 16 kHz) and prints the prompts each gives,
then how many distinct prompt sequences there were: 1 means the pipeline is shift-invariant.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from app.audio.reader import SAMPLE_RATE, read_blocks
from app.config import Settings
from app.events import Prompt, Utterance
from app.paths import ASSETS_DIR
from app.pipeline import analyze_call, load_models

LEADS = "0,1,37,160,301,513,1111,4000,8000,8123,16000,24011"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("call", nargs="?", type=Path, default=ASSETS_DIR / "demo_call.ogg")
    parser.add_argument("--from", dest="start", type=float, default=28.8, help="seconds")
    parser.add_argument("--to", dest="end", type=float, default=58.5, help="seconds")
    parser.add_argument("--leads", default=LEADS, help="lead-in lengths in samples")
    args = parser.parse_args(argv)
    settings = Settings()
    models = load_models(settings)
    audio = np.concatenate(list(read_blocks(args.call, 1.0)), axis=1)
    excerpt = audio[:, round(args.start * SAMPLE_RATE) : round(args.end * SAMPLE_RATE)]
    seen: dict[tuple[str, ...], list[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for lead in (int(x) for x in args.leads.split(",")):
            padded = np.concatenate([np.zeros((excerpt.shape[0], lead), np.float32), excerpt], 1)
            path = Path(tmp) / f"lead{lead}.wav"
            sf.write(path, padded.T, SAMPLE_RATE, subtype="FLOAT")
            events = analyze_call(path, settings, models).events
            ids = tuple(e.id for e in events if isinstance(e, Prompt))
            n_utt = sum(isinstance(e, Utterance) for e in events)
            seen.setdefault(ids, []).append(lead)
            print(f"lead {lead:6d} samples: {n_utt:2d} utterances, prompts {', '.join(ids)}")
    print(f"{len(seen)} distinct prompt sequence(s) over {sum(map(len, seen.values()))} lead-ins")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Memory stays flat over a day of calls: what native libraries cache per input shape is bounded.

Every utterance gives the Whisper encoders (speech and tone) a window of its own length; oneDNN
(inside CTranslate2) cached a compiled primitive per shape, ~0.9 MB of heap each, up to 1024
primitives (app/native_caches.py). Measured here in a fresh process, as glibc's heap in use.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import numpy as np
from benchmarks.soak import heap_mb
from app.scoring.tone.embedding import load_embedder

emb = load_embedder(threads=1)
x = (0.1 * np.random.default_rng(0).standard_normal(16000 * 12)).astype(np.float32)
emb.embed(x[:16000])
before = heap_mb()
for i in range(60):  # 60 utterances of different lengths, 0.5 s to 11.5 s
    emb.embed(x[: 8000 + 3040 * i])
after = heap_mb()
print(after[0] - before[0])
"""


def test_new_utterance_lengths_do_not_grow_the_heap(tmp_path: Path) -> None:
    from benchmarks.soak import heap_mb

    if heap_mb() is None:
        pytest.skip("glibc's mallinfo2 is needed to measure the heap")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    growth_mb = float(done.stdout.strip().splitlines()[-1])
    # unbounded, 60 new shapes held ~55 MB; bounded, the cache holds its 64 primitives (~10 MB)
    assert growth_mb < 15.0, f"the heap grew {growth_mb:.1f} MB over 60 new utterance lengths"

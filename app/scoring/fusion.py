"""Fusing the tone and words scores into one frustration probability per utterance.

Both inputs are calibrated probabilities (tone: P(angry voice), models/tone; words: P(frustrated
words), models/words). The customer is frustrated when the voice is angry or the words are
frustrated, so the fusion is a noisy-OR of two channels, fitted on data by models/fusion/fit.py and
shipped as models/fusion/fusion.json (checked against SHA256SUMS at load, like every model):

    voice = sigmoid(v0 + v_tone * logit(tone) + v_words * logit(words))
    said  = sigmoid(w0 + w_slope * logit(words))
    frustration = 1 - (1 - voice) * (1 - said)

with each logit clipped to ±`clip`. Either channel alone can reach any level (a confident angry
voice with neutral words, angry words in a flat voice); `v_words` lets clearly positive words
pull down what a loud voice says (a happy voice); all weights are >= 0, so the score never falls
when either input rises. The model card says what it was fitted on and how well it does.

Pleased words read a raised voice as excitement. The tone model cannot tell a loud, excited voice
from an angry one on voices it has never heard (angry vs happy 0.70 across corpora, issue 14), and
`v_words` damps such a voice only a little (the fitting data has few happy voices with a high
tone). So when the words are clearly pleased (the words model's largest positive-label
probability at least `pleased`, chosen on GoEmotions dev by models/fusion/pleased.py, and a
frustration score under the words model's own "elevated") and the voice is not unmistakable
(calibrated tone under `voice_alone`), the turn is scored as if the voice were calm (`calm_tone`,
the median held-out calibrated tone of calm voices): "Brilliant, you have made my day!" said
loudly is not anger. An unmistakable voice keeps its score (a shouted "thanks a lot" is sarcasm
as often as not), and upset words are never read as pleased. The cut-offs are the model's
(fusion.json), not the coach's: a site's `coach.voice_alone` does not move this reading.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.paths import models_dir

try:
    from app.errors import ModelError
except ImportError:  # pragma: no cover - the package may be used without the app's error module

    class ModelError(Exception):  # type: ignore[no-redef]
        """A shipped model is missing, corrupt or does not match its checksum."""


PARAMS = "fusion.json"

_cache: dict[Path, Fusion] = {}
_lock = threading.Lock()


def logit(p: float, clip: float) -> float:
    """log(p / (1 - p)), limited to ±clip (a score of exactly 0 or 1 stays finite)."""
    q = min(max(float(p), 0.0), 1.0)
    if not math.isfinite(q):
        q = 0.0
    edge = 1.0 / (1.0 + math.exp(clip))
    q = min(max(q, edge), 1.0 - edge)
    return math.log(q / (1.0 - q))


@dataclass(frozen=True, slots=True)
class Fusion:
    """The fitted fusion (see the module docstring); call it with (tone, words)."""

    voice_intercept: float
    voice_tone: float
    voice_words: float
    words_intercept: float = 0.0
    words_slope: float = 1.0
    clip: float = 6.0
    # the coach's cut-offs on this fused score (fusion.json "thresholds"; fit.py says how they
    # were chosen); None for a parameter file without them
    elevated: float | None = None
    high: float | None = None
    # the calibrated tone at which the voice alone makes a turn "high" (app/scoring/escalation.py;
    # fusion.json "thresholds" "voice_alone", chosen by fit.py on held-out happy voices)
    voice_alone: float | None = None
    # the words score at which the words alone make a turn "high" (app/scoring/escalation.py;
    # fusion.json "thresholds" "words_alone", chosen by words_alone.py on calm service turns)
    words_alone: float | None = None
    # words at least this pleased read a voice under voice_alone as calm (`calm_tone`); None: off
    pleased: float | None = None
    calm_tone: float | None = None
    # the words model's own "elevated" (fusion.json "thresholds" "words_thresholds"): words at or
    # over it are upset, never "clearly pleased"
    words_elevated: float | None = None

    def reads_as_pleased(self, tone: float, words: float, pleased: float) -> bool:
        """The voice is read as excitement, not anger: pleased words that are not upset, a voice
        under `voice_alone` (see the module docstring)."""
        cut, upset, alone = self.pleased, self.words_elevated, self.voice_alone
        if cut is None or upset is None or alone is None:
            return False
        return pleased >= cut and words < upset and tone < alone

    def __call__(self, tone: float, words: float, pleased: float = 0.0) -> float:
        calm = self.calm_tone
        if calm is not None and self.reads_as_pleased(tone, words, pleased):
            tone = min(tone, calm)
        lt, lw = logit(tone, self.clip), logit(words, self.clip)
        voice = _sigmoid(self.voice_intercept + self.voice_tone * lt + self.voice_words * lw)
        said = _sigmoid(self.words_intercept + self.words_slope * lw)
        return 1.0 - (1.0 - voice) * (1.0 - said)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fusion:
        voice, said = data["voice"], data["words"]
        fusion = cls(
            voice_intercept=float(voice["intercept"]),
            voice_tone=float(voice["tone"]),
            voice_words=float(voice["words"]),
            words_intercept=float(said["intercept"]),
            words_slope=float(said["slope"]),
            clip=float(data.get("logit_clip", 6.0)),
            elevated=_cut(data, "elevated"),
            high=_cut(data, "high"),
            voice_alone=_cut(data, "voice_alone"),
            words_alone=_cut(data, "words_alone"),
            pleased=_cut(data, "pleased"),
            calm_tone=_cut(data, "calm_tone"),
            words_elevated=_cut(data, "words_thresholds", "elevated"),
        )
        if min(fusion.voice_tone, fusion.voice_words, fusion.words_slope) < 0:
            raise ValueError("a negative weight would make frustration fall as a score rises")
        return fusion


def _cut(data: dict[str, Any], *path: str) -> float | None:
    """The value at `path` under a parameter file's "thresholds" (None if absent)."""
    value: Any = data.get("thresholds") or {}
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return None if value is None else float(value)


def fusion_thresholds(model_dir: Path | None = None) -> dict[str, float] | None:
    """The shipped fusion's (or the one in `model_dir`) thresholds for the coach ({"elevated",
    "high"}, and "voice_alone", "words_alone" and "pleased" when the file has them), or None."""
    fusion = load_fusion(model_dir)
    if fusion.elevated is None or fusion.high is None:
        return None
    cuts = {"elevated": fusion.elevated, "high": fusion.high}
    if fusion.voice_alone is not None:
        cuts["voice_alone"] = fusion.voice_alone
    if fusion.words_alone is not None:
        cuts["words_alone"] = fusion.words_alone
    if fusion.pleased is not None:
        cuts["pleased"] = fusion.pleased
    return cuts


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def _check_sums(folder: Path) -> None:
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        raise ModelError(f"fusion: {sums} is missing")
    for line in sums.read_text().splitlines():
        if not line.strip():
            continue
        digest, name = line.split(maxsplit=1)
        path = folder / name.strip()
        if not path.is_file():
            raise ModelError(f"fusion: {path} is missing")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ModelError(f"fusion: {path} does not match its sha256 (corrupt or replaced)")


def load_fusion(model_dir: Path | None = None) -> Fusion:
    """The shipped fusion (loaded once per folder); raises ModelError."""
    folder = (model_dir or models_dir() / "fusion").resolve()
    with _lock:
        if folder not in _cache:
            _check_sums(folder)
            try:
                data = json.loads((folder / PARAMS).read_text(encoding="utf-8"))
                _cache[folder] = Fusion.from_json(data)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ModelError(f"fusion: cannot read {folder / PARAMS}: {exc}") from exc
        return _cache[folder]


def fuse(tone: float, words: float, pleased: float = 0.0) -> float:
    """Frustration in [0, 1] from one utterance's calibrated tone and words scores, and how
    pleased its words sound (`WordsReading.pleased`; 0: not at all)."""
    return load_fusion()(tone, words, pleased)

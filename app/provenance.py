"""What a stored or reported analysis was made from: the audio's content hash, a digest of the
settings that change results, and the versions of the models and the playbook.

One definition for the store, batch resume and the reports, so "already analysed" means the same
everywhere: same audio bytes + same analysis digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from app.coaching.playbook import Playbook
from app.config import Settings
from app.paths import SHIPPED_MODELS, models_dir

_CHUNK = 1 << 20


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes (hex), read in 1 MiB blocks (flat memory for long calls)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def settings_digest(settings: Settings) -> str:
    """A short digest of every setting that can change an analysis (audio, VAD, ASR, scoring,
    coach, privacy). Live-capture device names and the store's settings (store.*,
    privacy.store_audio, privacy.mode) are left out: they do not change a recording's result."""
    data = dataclasses.asdict(settings)
    audio = dict(data.get("audio", {}))
    for key in ("agent_device", "customer_device", "stereo_device"):
        audio.pop(key, None)
    data["audio"] = audio
    # what is kept of a call, where and for how long: not part of an analysis (a call analysed
    # again after these change replaces its stored copy instead of adding a second one)
    data.pop("store", None)
    privacy = dict(data.get("privacy", {}))
    for key in ("store_audio", "mode"):
        privacy.pop(key, None)
    data["privacy"] = privacy
    return _digest(data)


def model_versions() -> dict[str, str]:
    """Each shipped model folder's version: a digest of its SHA256SUMS (the file list the
    selftest verifies), or "missing"."""
    root = models_dir()
    versions: dict[str, str] = {}
    for name in SHIPPED_MODELS:
        sums = root / name / "SHA256SUMS"
        try:
            versions[name] = hashlib.sha256(sums.read_bytes()).hexdigest()[:16]
        except OSError:
            versions[name] = "missing"
    return versions


def playbook_version(playbook: Playbook) -> str:
    """A digest of the playbook's text (the shipped one or the site's own)."""
    if playbook.version:
        return playbook.version
    return hashlib.sha256(playbook.source.encode("utf-8")).hexdigest()[:16]


def scorecard_version(settings: Settings) -> str:
    """A digest of the scorecard's text (the shipped one or the site's `coach.scorecard`): the
    report's `scorecard.version`."""
    from app.coaching.scorecard import load_scorecard

    return load_scorecard(settings.coach.scorecard or None).version


def analysis_key(settings: Settings, playbook: Playbook) -> str:
    """What must match for an earlier analysis of the same audio to be reused (batch resume):
    the settings digest, the model versions, the playbook version and the scorecard version (a
    scorecard edit must not leave old scorecards standing as if current), and callcoach's own
    version (a newer release reads audio and scores calls its own way: a batch run after an
    upgrade must not keep the old release's reports as if current)."""
    from app import __version__

    return _digest(
        {
            "callcoach": __version__,
            "settings": settings_digest(settings),
            "models": model_versions(),
            "playbook": playbook_version(playbook),
            "scorecard": scorecard_version(settings),
        }
    )

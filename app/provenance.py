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
    coach, privacy). Live-capture device names and the store's settings are left out: they do
    not change a recording's result."""
    data = dataclasses.asdict(settings)
    audio = dict(data.get("audio", {}))
    for key in ("agent_device", "customer_device", "stereo_device"):
        audio.pop(key, None)
    data["audio"] = audio
    data.pop("store", None)  # where and how long calls are kept: not part of an analysis
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


def analysis_key(settings: Settings, playbook: Playbook) -> str:
    """What must match for an earlier analysis of the same audio to be reused (batch resume):
    the settings digest, the model versions and the playbook version."""
    return _digest(
        {
            "settings": settings_digest(settings),
            "models": model_versions(),
            "playbook": playbook_version(playbook),
        }
    )

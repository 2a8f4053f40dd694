"""Where a call store keeps its files on disk: the database with its WAL, the audio copies and
the review window's waveform cache beside it, and deleting all of them (`callcoach purge`)."""

from __future__ import annotations

import shutil
from pathlib import Path


def audio_dir_for(path: Path) -> Path:
    """Where a store keeps copies of call audio (privacy.store_audio): beside the database."""
    return path.with_name(path.stem + "-audio")


def peaks_dir_for(path: Path) -> Path:
    """Where the review window caches waveform peaks of the calls it opened: beside the
    database, so `callcoach purge` removes them with the calls."""
    return path.with_name(path.stem + "-peaks")


def expire_peaks(path: Path, kept: set[str], deleted: set[str], cutoff: float) -> list[Path]:
    """Retention for the review window's waveform cache of the store at `path`: delete the
    peaks of audio no kept call has (`kept`: their sha256) that belonged to a call just deleted
    (`deleted`) or were written before `cutoff` (a Unix time); returns what was deleted.

    Cache files are named `<sha256>-<buckets per second>.npz` (app/review/peaks.py)."""
    folder = peaks_dir_for(path)
    if not folder.is_dir():
        return []
    gone = []
    for item in folder.iterdir():
        sha256 = item.name.split("-", 1)[0]
        if not item.is_file() or sha256 in kept:
            continue
        try:
            if sha256 in deleted or item.stat().st_mtime < cutoff:
                item.unlink()
                gone.append(item)
        except FileNotFoundError:  # the window replaced or removed it meanwhile
            continue
    return gone


def stored_files(path: Path) -> list[Path]:
    """Everything a store at `path` has on disk: the database, its WAL and shared-memory files,
    the audio folder and the review window's waveform cache (what `callcoach purge` deletes)."""
    candidates = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]
    found = [p for p in candidates if p.exists()]
    for folder in (audio_dir_for(path), peaks_dir_for(path)):
        if folder.exists():
            found.append(folder)
    return found


def purge_files(path: Path) -> list[Path]:
    """Delete the store at `path` (database, WAL, audio folder); returns what was deleted."""
    found = stored_files(path)
    for item in found:
        if item.is_dir():
            shutil.rmtree(item)
        else:
            item.unlink(missing_ok=True)
    return found

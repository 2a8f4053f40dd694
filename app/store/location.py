"""Where the store lives and how the settings open it (the one place the CLI, the review
window and batch analysis get their `Store` from)."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings, data_dir
from app.store.database import Store

STORE_NAME = "calls.sqlite3"


def store_path(settings: Settings) -> Path:
    """`store.path`, or calls.sqlite3 in the platform data dir."""
    if settings.store.path:
        return Path(settings.store.path).expanduser()
    return data_dir() / STORE_NAME


def open_store(settings: Settings) -> Store | None:
    """The store with the settings' privacy mode, calls past `store.retention_days` already
    deleted; None when `store.enabled` is false. Raises StoreError (one line) when the file
    cannot be opened."""
    if not settings.store.enabled:
        return None
    store = Store(store_path(settings), privacy_mode=settings.privacy.mode)
    try:
        store.apply_retention(settings.store.retention_days)
    except BaseException:
        store.close()
        raise
    return store

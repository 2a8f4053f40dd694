"""The session store: every analysed or live call kept in one SQLite file (no Qt).

`Store(path)` opens it (WAL, schema migrated); `open_store(settings)` opens the configured one
with retention applied. See README "What is stored, and where".
"""

from app.store.call_list import CallQuery, CallRow
from app.store.database import Store
from app.store.files import audio_dir_for, peaks_dir_for, purge_files, stored_files
from app.store.live_writer import LiveCallWriter
from app.store.location import open_store, store_path
from app.store.notes import Note
from app.store.schema import SCHEMA_VERSION, StoreError

__all__ = [
    "SCHEMA_VERSION",
    "CallQuery",
    "CallRow",
    "LiveCallWriter",
    "Note",
    "Store",
    "StoreError",
    "audio_dir_for",
    "open_store",
    "peaks_dir_for",
    "purge_files",
    "store_path",
    "stored_files",
]

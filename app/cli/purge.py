"""`callcoach purge`: delete everything the call store holds (database and stored audio)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.config import Settings
from app.errors import CallcoachError
from app.store import Store, StoreError, purge_files, store_path, stored_files

EXIT_NOT_CONFIRMED = 2


def _open(path: Path) -> tuple[Store | None, str]:
    """The store and a line on what it holds; None (and why) for a file SQLite cannot read."""
    if not path.is_file():
        return None, "no database"
    try:
        store = Store(path)  # also marks calls whose writer is gone as interrupted
    except StoreError as exc:
        return None, f"a database that cannot be read ({exc})"
    calls = store.list_calls()
    audio = sum(1 for row in calls if row.has_audio)
    return store, f"{len(calls)} call(s), {audio} with audio"


def _size(item: Path) -> int:
    if item.is_dir():
        return sum(p.stat().st_size for p in item.rglob("*") if p.is_file())
    return item.stat().st_size if item.exists() else 0


def purge(args: argparse.Namespace, settings: Settings) -> int:
    path = store_path(settings)
    found = stored_files(path)
    if not found:
        print(f"nothing stored: no call store at {path}")
        return 0
    store, what = _open(path)
    try:
        writing = [r.call_id for r in store.list_calls() if r.status == "live"] if store else []
        if writing:
            raise CallcoachError(
                f"a live call is being written to {path} now (call {writing[0]}); "
                "end it before purging"
            )
        print(f"the call store at {path} holds {what}:")
        for item in found:
            kind = "folder" if item.is_dir() else "file"
            print(f"  {item}  ({kind}, {_size(item) / 1e6:.1f} MB)")
        if not args.yes and not _confirmed():
            return EXIT_NOT_CONFIRMED
        if store is None:
            deleted = purge_files(path)
        else:
            deleted, gone = store.purge()
            store = None
            if not gone:
                print(
                    f"the database {path} is open in another callcoach process: it was emptied "
                    "(no call, note or audio left in it) and stays as an empty store"
                )
    finally:
        if store is not None:
            store.close()
    print(f"deleted {len(deleted)} item(s): the call store is empty")
    return 0


def _confirmed() -> bool:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(
            "callcoach purge: nothing deleted; run `callcoach purge --yes` to delete these",
            file=sys.stderr,
        )
        return False
    answer = input("delete all of these? this cannot be undone [y/N] ").strip().lower()
    if answer in ("y", "yes"):
        return True
    print("nothing deleted")
    return False

"""`callcoach purge`: delete everything the call store holds (database and stored audio)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.config import Settings
from app.errors import CallcoachError
from app.store import Store, StoreError, purge_files, store_path, stored_files

EXIT_NOT_CONFIRMED = 2


def _describe(path: Path) -> tuple[str, list[int]]:
    """How many calls the store holds, and the processes writing a live call into it now."""
    if not path.is_file():
        return "no database", []
    try:
        with Store(path) as store:  # also marks calls whose writer is gone as interrupted
            calls = store.list_calls()
    except StoreError as exc:
        return f"a database that cannot be read ({exc})", []
    writing = [row.call_id for row in calls if row.status == "live"]
    audio = sum(1 for row in calls if row.has_audio)
    return f"{len(calls)} call(s), {audio} with audio", writing


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
    what, writing = _describe(path)
    if writing:
        raise CallcoachError(
            f"a live call is being written to {path} now (call {writing[0]}); end it before purging"
        )
    print(f"the call store at {path} holds {what}:")
    for item in found:
        kind = "folder" if item.is_dir() else "file"
        print(f"  {item}  ({kind}, {_size(item) / 1e6:.1f} MB)")
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            print(
                "callcoach purge: nothing deleted; run `callcoach purge --yes` to delete these",
                file=sys.stderr,
            )
            return EXIT_NOT_CONFIRMED
        answer = input("delete all of these? this cannot be undone [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("nothing deleted")
            return EXIT_NOT_CONFIRMED
    deleted = purge_files(path)
    print(f"deleted {len(deleted)} item(s): the call store is empty")
    return 0

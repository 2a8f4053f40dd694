"""Entry point of the frozen app: the `callcoach` command line (importing `app` first switches
telemetry off before any library loads, see app/offline.py)."""

import multiprocessing

from app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())

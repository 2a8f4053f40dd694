"""`callcoach review [CALL ...]`: the QA review window (Qt is imported only when it opens)."""

from __future__ import annotations

import argparse
import sys

from app.cli.preflight import screen_problem
from app.config import Settings

EXIT_BAD_INPUT = 2


def review(args: argparse.Namespace, settings: Settings) -> int:
    """Open the window on the given recordings, reports and stored call ids (numbers).
    Without a screen: one line and exit code 2. A path that does not exist is named on standard
    error (exit code 2 when the window closes); the others still open."""
    problem = screen_problem()
    if problem is not None:
        print(f"callcoach: the review window needs a screen ({problem})", file=sys.stderr)
        return EXIT_BAD_INPUT
    missing = [p for p in args.calls if not p.exists() and not str(p).isdigit()]
    for path in missing:
        print(f"callcoach: {path}: no such file", file=sys.stderr)
    try:
        from app.ui.review import run_review
    except ImportError as exc:
        print(
            f"callcoach: the review window is not available in this build ({exc})", file=sys.stderr
        )
        return 1
    status = run_review([p for p in args.calls if p not in missing], settings)
    return status or (EXIT_BAD_INPUT if missing else 0)

"""Showing the demo's prompts on the overlay when a screen exists (Qt is imported only here)."""

from __future__ import annotations

import logging
import os
import sys

from app.cli.preflight import screen_problem
from app.config import Settings
from app.pipeline.call import CallResult

log = logging.getLogger(__name__.replace("app", "callcoach", 1))


def screen_available() -> bool:
    """A display is configured at all (cheap; `screen_problem` checks it can be opened)."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def show_overlay_if_possible(result: CallResult, settings: Settings) -> bool:
    """Replay the analysed call on the overlay when a screen exists; without one (or without
    Qt) the printed prompts and the report are the demo's output. True if it was shown.

    A display that is configured but cannot be opened (a stale DISPLAY) is said in one line on
    standard error; Qt is never asked to open it, since Qt aborts the process when it fails."""
    if not screen_available():
        log.info("no screen: prompts printed only")
        return False
    problem = screen_problem()
    if problem is not None:
        print(
            f"callcoach: no screen could be opened ({problem}); the overlay was not shown, "
            "the prompts above and the report are the demo's output",
            file=sys.stderr,
            flush=True,
        )
        return False
    try:
        from app.ui.replay import replay_on_overlay
    except ImportError:
        log.info("overlay not available in this build: prompts printed only")
        return False
    replay_on_overlay(result, settings)
    return True

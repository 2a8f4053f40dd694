"""`live`'s link to the call store (app/store): each call written while it happens. The store
knows nothing of the pipeline or the report builder; they meet here. (`analyze` uses
app/store/analyses.py.)"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.coaching.playbook import Playbook
from app.config import Settings
from app.events import Event
from app.store import LiveCallWriter, open_store
from app.store.analyses import analysis_provenance

if TYPE_CHECKING:
    from app.audio.repair import AudioRepair
    from app.pipeline.live import LiveSession

log = logging.getLogger("callcoach")


def live_call_report(
    session: LiveSession,
    path: Path,
    settings: Settings,
    events: list[Event] | None = None,
    duration_s: float | None = None,
    repairs: list[AudioRepair] | None = None,
) -> dict[str, Any]:
    """A live call's report: the one builder for `live --out` and the store, so the stored
    call is the written report. `events`/`duration_s`: so far (default: the whole session);
    `repairs`: the session's `capture_repairs` when the caller already has them."""
    from app.pipeline.call import CallResult
    from app.report.call_report import build_report

    if events is None:
        events = [e for e, _, _ in session.events]
    duration = session.front.t if duration_s is None else duration_s
    result = CallResult(
        path,
        list(session.source.speakers),
        duration,
        events,
        # devices lost mid-call, a silent side: the report's warnings
        repairs=session.capture_repairs if repairs is None else repairs,
    )
    coach = session.back.coach  # the thresholds and playbook the coach used
    report = build_report(result, settings, coach.thresholds, coach.playbook, session.scorecard)
    report["dropped_audio_s"] = round(session.dropped_audio_s, 2)  # live capture only
    return report


class LiveCallStore:
    """`live`'s store: each session (one call; the tray may start several) gets a writer."""

    def __init__(self, settings: Settings, playbook: Playbook) -> None:
        self.settings = settings
        self.store = open_store(settings)  # before the call: retention, stale calls marked
        self.provenance = analysis_provenance(settings, playbook) if self.store else {}
        self._calls: list[tuple[LiveCallWriter, Path | None]] = []

    def attach(self, session: LiveSession, simulate: Path | None) -> None:
        """Write this session's call to the store; call before `session.start()`."""
        if self.store is None:
            return
        from app.provenance import content_hash
        from app.report.call_report import _outcome_of

        # the overlay may run for days: each new call applies retention again
        self.store.apply_retention(self.settings.store.retention_days)

        from app.cli.live import LIVE_STEM

        path = simulate if simulate is not None else Path(LIVE_STEM + ".wav")  # as `live --out`
        store_audio = self.settings.privacy.store_audio

        def build(events: list[Event], duration_s: float) -> dict[str, Any]:
            return live_call_report(session, path, self.settings, events, duration_s)

        writer = LiveCallWriter(
            self.store,
            call_name=path.name,
            speakers=list(session.source.speakers),
            agent_channel=self.settings.audio.agent_channel,
            build_report=build,
            outcome_of=_outcome_of,
            source_path=str(simulate.resolve()) if simulate is not None else None,
            sha256=content_hash(simulate) if simulate is not None else None,
            provenance=self.provenance,
            audio=simulate if store_audio and simulate is not None else None,
        )
        keep_after = None  # a device call recorded next to `live --out`: copied in at the end
        if store_audio and simulate is None:
            if session.record_to is None:
                session.record_to = writer.recording_path()  # the device's audio, as captured
            else:
                keep_after = session.record_to
        session.sinks.append(writer)
        self._calls.append((writer, keep_after))

    def close(self) -> None:
        """After the sessions: mark calls that never ended, keep `live --out` recordings."""
        if self.store is None:
            return
        for writer, keep_after in self._calls:
            if keep_after is not None:
                try:
                    writer.keep_recording(keep_after)
                except OSError as exc:
                    log.warning("the call's audio was not copied into the store: %s", exc)
            writer.close()
            if writer.failed:  # never a silent loss: say what is kept
                print(
                    f"callcoach: the call store stopped recording call {writer.call_id} "
                    f"({writer.problem}); what was stored before is kept, marked interrupted",
                    file=sys.stderr,
                )
        self.store.close()

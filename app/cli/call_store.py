"""The commands' link to the call store (app/store): `analyze` saves each report in one
transaction, `live` writes the call while it happens. The store itself knows nothing of the
pipeline or the report builder; they meet here."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.coaching.playbook import Playbook
from app.config import Settings
from app.events import Event
from app.store import LiveCallWriter, Store, open_store

if TYPE_CHECKING:
    from app.pipeline.live import LiveSession

log = logging.getLogger("callcoach")
LIVE_CALL_NAME = "live-call.wav"  # a device call's name (the report's `call`)


def analysis_provenance(settings: Settings, playbook: Playbook) -> dict[str, Any]:
    """The report-shaped `provenance` of an analysis made with these settings (app/provenance)."""
    from app.provenance import analysis_key, model_versions, playbook_version, settings_digest

    return {
        "settings_digest": settings_digest(settings),
        "models": model_versions(),
        "playbook": playbook_version(playbook),
        "analysis_key": analysis_key(settings, playbook),
    }


class StoredAnalyses:
    """`analyze`'s store: open once (retention applied), one `save` per analysed call."""

    def __init__(self, store: Store | None, settings: Settings, playbook: Playbook) -> None:
        self.store = store
        self.settings = settings
        self.provenance = analysis_provenance(settings, playbook) if store else {}

    @classmethod
    def open(cls, settings: Settings, playbook: Playbook) -> StoredAnalyses:
        return cls(open_store(settings), settings, playbook)

    def save(self, report: dict[str, Any], path: Path) -> int | None:
        """Store the call's report (a re-analysis replaces the earlier one); its audio too
        when privacy.store_audio is set. None when the store is off."""
        if self.store is None:
            return None
        from app.provenance import content_hash

        call_id = self.store.save_report(
            report,
            audio=path if self.settings.privacy.store_audio else None,
            sha256=content_hash(path),
            provenance=self.provenance,
            source_path=str(path.resolve()),
        )
        log.info("%s: stored as call %d in %s", path.name, call_id, self.store.path)
        return call_id

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


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

        path = simulate if simulate is not None else Path(LIVE_CALL_NAME)
        store_audio = self.settings.privacy.store_audio

        def build(events: list[Event], duration_s: float) -> dict[str, Any]:
            from app.pipeline.call import CallResult
            from app.report.call_report import build_report

            result = CallResult(path, list(session.source.speakers), duration_s, events)
            report = build_report(result, self.settings, session.back.coach.thresholds)
            report["dropped_audio_s"] = round(session.dropped_audio_s, 2)  # as `live --out`
            return report

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

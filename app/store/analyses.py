"""Saving analysed calls (`analyze`, batch analysis): open the configured store once, then one
`save` per finished call, each in one transaction."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from app.coaching.playbook import Playbook
from app.config import Settings
from app.store.database import Store
from app.store.location import open_store

log = logging.getLogger("callcoach")


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

        source = report.get("source")  # reports that carry their source and provenance
        sha256 = source.get("sha256") if isinstance(source, dict) else None
        call_id = self.store.save_report(
            report,
            audio=path if self.settings.privacy.store_audio else None,
            sha256=sha256 or content_hash(path),
            provenance=report.get("provenance") or self.provenance,
            source_path=str(path.resolve()),
        )
        log.info("%s: stored as call %d in %s", path.name, call_id, self.store.path)
        return call_id

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

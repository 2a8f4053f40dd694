"""A live call written to the store as it happens: a pipeline sink.

Each utterance, card and outcome is committed when its event arrives, so a process killed
mid-call loses at most the utterance being transcribed; the call stays "live" and the next
`Store` opened on the file marks it "interrupted". When the call ends, the writer rewrites it
from the finished report (the very dict `live --out` writes, built by the caller's
`build_report`) in one transaction and marks it "complete".

The store does not import the pipeline or the report (dependency direction: the CLI wires the
two): the writer receives events and a function that turns them into the report.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.events import CallEnded, Event, Prompt, PromptOutcome, Utterance
from app.store.call_writing import (
    attach_audio,
    insert_prompt,
    insert_utterance,
    json_or_none,
    stage_audio,
    write_call,
)
from app.store.database import Store

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
# (events so far, call duration) -> the call's report dict
ReportBuilder = Callable[[list[Event], float], dict[str, Any]]
# a shown card's outcome from the outcomes so far: the report's own rule
OutcomeOf = Callable[[Prompt, list[PromptOutcome]], dict[str, Any]]


class LiveCallWriter:
    """Usable as a `LiveSink` (`writer(event, call_t, wall_t)`) or with `on_event(event)`."""

    def __init__(
        self,
        store: Store,
        *,
        call_name: str,
        speakers: list[str],
        agent_channel: str,
        build_report: ReportBuilder,
        outcome_of: OutcomeOf,
        source_path: str | None = None,
        sha256: str | None = None,
        provenance: dict[str, Any] | None = None,
        audio: Path | None = None,
    ) -> None:
        """Creates the call (status "live") at once. `audio`: a recording to copy into the
        store now (a replayed file; privacy.store_audio); see `recording_path` for a device."""
        self.store = store
        self._summary_only = store.privacy_mode == "summary"
        self._build_report = build_report
        self._outcome_of = outcome_of
        self._lock = threading.Lock()
        self.events: list[Event] = []
        self._prompts: list[Prompt] = []
        self._outcomes: list[PromptOutcome] = []
        self._utterances = 0
        self._duration_s = 0.0
        self.finished = False
        self.failed = False
        self.problem = ""  # why the store stopped recording this call
        provenance = provenance or {}
        staged = stage_audio(store.audio_dir, audio, store.privacy_mode == "summary")
        try:
            with store.transaction() as conn:
                cur = conn.execute(
                    "INSERT INTO calls (origin, status, call_name, source_path, sha256, "
                    "analysis_key, settings_digest, model_versions, playbook_version, duration_s, "
                    "channels, agent_channel, privacy_mode, created_at, writer_pid, writer_host) "
                    "VALUES ('live', 'live', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                    (
                        call_name,
                        source_path,
                        sha256,
                        provenance.get("analysis_key"),
                        provenance.get("settings_digest"),
                        json_or_none(provenance.get("models")),
                        provenance.get("playbook"),
                        len(speakers),
                        agent_channel,
                        store.privacy_mode,
                        store.clock(),
                        os.getpid(),
                        socket.gethostname(),
                    ),
                )
                self.call_id = int(cur.lastrowid or 0)
                if staged is not None:
                    attach_audio(conn, store.audio_dir, self.call_id, staged, audio)
                    staged = None
        finally:
            if staged is not None:
                staged.unlink(missing_ok=True)
        store.register_live(self.call_id, True)

    def recording_path(self) -> Path | None:
        """Where a device call's audio should be recorded to be kept in the store (registered
        now, so retention and purge find it even if the call is cut off); None in summary
        mode."""
        if self._summary_only:
            return None
        self.store.audio_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"{self.call_id}.wav"
        with self.store.transaction() as conn:
            conn.execute("UPDATE calls SET audio_file = ? WHERE id = ?", (name, self.call_id))
        return self.store.audio_dir / name

    # ------------------------------------------------------------------ events
    def __call__(self, event: Event, call_t: float = 0.0, wall_t: float = 0.0) -> None:
        self.on_event(event)

    def on_event(self, event: Event) -> None:
        with self._lock:
            if self.failed:
                return
            self.events.append(event)
            try:
                self._write(event)
            except Exception as exc:
                # the call goes on; what was committed stays, and the user is told (`problem`)
                self.failed = True
                self.problem = f"{type(exc).__name__}: {exc}"
                log.error("the call store stopped recording call %d: %s", self.call_id, exc)
                log.debug("call store failure", exc_info=True)

    def _write(self, event: Event) -> None:
        if self.finished:
            if isinstance(event, PromptOutcome):  # a click on the after-call card
                self._outcomes.append(event)
                self._rewrite()
            return
        if isinstance(event, Utterance):
            if self._summary_only:
                return
            with self.store.transaction() as conn:
                insert_utterance(conn, self.call_id, self._utterances, event.to_report())
                conn.execute(
                    "UPDATE calls SET duration_s = MAX(duration_s, ?) WHERE id = ?",
                    (event.end, self.call_id),
                )
            self._utterances += 1
        elif isinstance(event, Prompt):
            self._prompts.append(event)
            with self.store.transaction() as conn:
                insert_prompt(
                    conn,
                    self.call_id,
                    len(self._prompts) - 1,
                    self._prompt_row(event),
                    self._summary_only,
                )
        elif isinstance(event, PromptOutcome):
            self._outcomes.append(event)
            self._update_outcome(event)
        elif isinstance(event, CallEnded):
            self.finished = True
            self._rewrite(event.duration_s)

    def _prompt_row(self, prompt: Prompt) -> dict[str, Any]:
        row = prompt.to_report()
        row.update(self._outcome_of(prompt, self._outcomes))
        return row

    def _update_outcome(self, outcome: PromptOutcome) -> None:
        judged = [
            (seq, p)
            for seq, p in enumerate(self._prompts)
            if p.id == outcome.id and (outcome.prompt_t is None or outcome.prompt_t == p.t)
        ]
        if not judged:
            return
        with self.store.transaction() as conn:
            for seq, prompt in judged:
                conn.execute(
                    "DELETE FROM prompts WHERE call_id = ? AND seq = ?", (self.call_id, seq)
                )
                conn.execute(
                    "DELETE FROM follow_ups WHERE call_id = ? AND prompt_t = ?",
                    (self.call_id, prompt.t),
                )
                insert_prompt(conn, self.call_id, seq, self._prompt_row(prompt), self._summary_only)

    def _rewrite(self, duration_s: float | None = None) -> None:
        """The whole call from its finished report, in one transaction; status complete."""
        if duration_s is not None:
            self._duration_s = duration_s
        report = self._build_report(list(self.events), self._duration_s)
        with self.store.transaction() as conn:
            write_call(
                conn,
                report,
                call_id=self.call_id,
                origin="live",
                status="complete",
                identity={},
                privacy_mode=self.store.privacy_mode,
                now=self.store.clock(),
            )

    # ------------------------------------------------------------------ end
    def close(self) -> None:
        """After the session: a call that never ended (the pipeline failed, or the store
        stopped) is marked "interrupted"; what was committed stays."""
        with self._lock:
            if not self.finished or self.failed:
                try:
                    with self.store.transaction() as conn:
                        conn.execute(
                            "UPDATE calls SET status = 'interrupted' WHERE id = ? "
                            "AND status = 'live'",
                            (self.call_id,),
                        )
                except Exception:
                    log.exception("cannot mark call %d interrupted", self.call_id)
            self.store.register_live(self.call_id, False)

    def keep_recording(self, recording: Path) -> None:
        """Copy a device call's recording made elsewhere (`live --out`) into the store."""
        if not recording.is_file() or recording.parent == self.store.audio_dir:
            return
        staged = stage_audio(self.store.audio_dir, recording, self._summary_only)
        if staged is None:
            return
        try:
            with self.store.transaction() as conn:
                attach_audio(conn, self.store.audio_dir, self.call_id, staged, recording)
                staged = None
        finally:
            if staged is not None:
                staged.unlink(missing_ok=True)

"""Which sound-server source each of this process's capture streams records from.

PortAudio reaches PulseAudio (or PipeWire's pulse server) through ALSA's `pulse` plugin, which does
not pin a stream to its device: when the device goes away the server *moves* the stream to the
default source, and capture carries on from another microphone without any error. PortAudio
cannot see this (its device list comes from ALSA's configuration, not from the server), so the
capture supervisor asks the server itself, through libpulse (python `pulsectl`), where this
process's record streams are. Where there is no such server (Windows, bare ALSA) or no libpulse,
`SourceRoutes.routes()` answers None and capture works as before.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__.replace("app", "callcoach", 1))


class SourceRoutes:
    """Asks the sound server where this process records from; one connection, one thread."""

    def __init__(self) -> None:
        self._pulse: Any = None
        self._failed = False
        self._pid = str(os.getpid())

    def _connect(self) -> Any:
        if self._pulse is None and not self._failed:
            try:
                import pulsectl

                self._pulse = pulsectl.Pulse("callcoach-capture-watch", connect=True)
            except Exception as exc:  # no libpulse, no server: nothing to ask
                self._failed = True
                log.debug("cannot ask the sound server where capture comes from: %s", exc)
        return self._pulse

    def routes(self) -> list[str] | None:
        """Source names of this process's record streams (sorted), or None when the server
        cannot be asked."""
        pulse = self._connect()
        if pulse is None:
            return None
        try:
            names = {s.index: s.name for s in pulse.source_list()}
            mine = [
                o
                for o in pulse.source_output_list()
                if o.proplist.get("application.process.id") == self._pid
            ]
        except Exception as exc:  # the server went away: ask again on a fresh connection
            log.debug("sound server query failed: %s", exc)
            self.close()
            self._failed = False
            return None
        return sorted(names.get(o.source, f"#{o.source}") for o in mine)

    def close(self) -> None:
        if self._pulse is not None:
            try:
                self._pulse.close()
            except Exception:
                log.debug("closing the sound server connection failed", exc_info=True)
            self._pulse = None

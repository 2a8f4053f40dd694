"""Speech recognition."""

from app.asr.transcriber import Transcriber, WhisperTranscriber, load_transcriber

__all__ = ["Transcriber", "WhisperTranscriber", "load_transcriber"]

"""The callcoach pipeline: audio → VAD → ASR → tone → words → trend → coach → sinks.

Plain Python, no Qt: the CLI, the tests and the overlay all drive these same stages.
"""

from app.pipeline.call import CallResult, analyze_call
from app.pipeline.models import Models, load_models

__all__ = ["CallResult", "Models", "analyze_call", "load_models"]

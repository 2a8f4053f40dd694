"""Batch analysis behind `callcoach analyze`: folders taken recursively, calls analysed in the
driver, in worker processes or on Ray, outputs written by the driver, resumable. No Qt."""

from app.batch.inputs import AUDIO_EXTENSIONS, collect_inputs, report_names
from app.batch.runner import BatchOptions, run_batch

__all__ = ["AUDIO_EXTENSIONS", "BatchOptions", "collect_inputs", "report_names", "run_batch"]

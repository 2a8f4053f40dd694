"""callcoach: on-device coaching for phone agents."""

__version__ = "0.1.0"

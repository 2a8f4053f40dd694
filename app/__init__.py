"""callcoach: on-device coaching for phone agents."""

from app.offline import lock_down

__version__ = "0.1.0"

lock_down()  # before anything can import onnxruntime or huggingface_hub: see app/offline.py

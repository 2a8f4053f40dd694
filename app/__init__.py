"""callcoach: on-device coaching for phone agents."""

from app.native_caches import bound_native_caches
from app.offline import lock_down

__version__ = "0.1.0"

lock_down()  # before anything can import onnxruntime or huggingface_hub: see app/offline.py
bound_native_caches()  # memory flat over a day of calls: see app/native_caches.py

"""Personal data removed from transcripts before anything is stored, shown or written.

`CallRedactor` redacts one call's utterances in order (numbers read over several utterances
included); `redact_text` one line on its own. Placeholders are typed: [CARD], [PHONE], …
"""

from app.privacy.kinds import KINDS, count_placeholders, placeholder
from app.privacy.redactor import CallRedactor, redact_text

__all__ = ["KINDS", "CallRedactor", "count_placeholders", "placeholder", "redact_text"]

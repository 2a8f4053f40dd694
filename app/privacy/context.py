"""Words that say what a number is: "card number", "sort code", "order number", "date of birth".

A number's type comes from the nearest such words in the same utterance, else from what was
asked in the last few utterances of the call ("can I take the long number on the card?"), so the
customer's bare "four one one one …" is known to be a card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.privacy.kinds import (
    ACCOUNT,
    ADDRESS,
    CARD,
    CVV,
    DOB,
    EXPIRY,
    NI,
    PHONE,
    PIN,
    SORT_CODE,
    SSN,
)

KEEP = "KEEP"  # order, ticket and reference numbers: not personal data, and QA needs them

# most specific first: "the security code on the back of the card" is about the CVV
_CUES: list[tuple[str, str]] = [
    (
        # a credential: "security pin", "one-time passcode", "the code you texted me"
        PIN,
        r"pin(?: number| code)?|passcode|pass code|password|passphrase|access code|"
        r"verification code|one[- ]time (?:code|passcode|password|pin)|otp|memorable number|"
        r"(?:tele)?phone banking|"
        r"code (?:you|we|i|they) (?:just )?(?:sent|texted|emailed)|"
        r"(?:texted|sent|emailed) (?:you |me )?(?:a|the) code",
    ),
    (
        CVV,
        r"cvv|cvc|cv2|csc|security (?:code|number|digits)|three digits?|3 digits?|"
        r"last three|digits on the back|back of the card",
    ),
    (
        EXPIRY,
        r"expir\w*|expires|valid (?:until|till|thru|through|to)|end date|good (?:until|thru)",
    ),
    (SORT_CODE, r"sort ?code"),
    (
        ACCOUNT,
        r"account (?:number|no|num)|bank account|acc(?:ount)? no|iban|routing number|"
        r"building society",
    ),
    (SSN, r"social security|ssn|social"),
    (NI, r"national insurance|n\.? ?i\.? number|ni number|nino"),
    (DOB, r"date of birth|d\.? ?o\.? ?b\.?|born|birthday|birth date"),
    (ADDRESS, r"zip(?: ?code)?|post ?code"),
    (
        PHONE,
        r"phone|mobile|cell|landline|telephone|contact number|call me|call you|"
        r"reach (?:me|you)|ring me|text me|whatsapp|extension|best number|phone number",
    ),
    (
        CARD,
        r"card|long number|visa|master ?card|amex|american express|maestro|discover|"
        r"debit|credit|number on the front",
    ),
    (
        KEEP,
        r"ends? in|ending(?: in| with)?|last four(?: digits)?|order|ticket|reference|ref|case|"
        r"tracking|invoice|booking|confirmation|receipt|claim|policy number|item|model|serial|"
        r"product|parcel|flight|room",
    ),
]
PRIORITY = {kind: k for k, (kind, _) in enumerate(_CUES)}
_CUE_RE = re.compile(
    "|".join(rf"(?P<{kind}>\b(?:{pattern})s?\b)" for kind, pattern in _CUES), re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Cue:
    kind: str
    start: int  # character span of the cue words
    end: int


def find_cues(text: str) -> list[Cue]:
    cues = []
    for m in _CUE_RE.finditer(text):
        kind = m.lastgroup
        if kind is not None:
            cues.append(Cue(kind, m.start(), m.end()))
    return cues


def strongest(cues: list[Cue]) -> list[str]:
    """The kinds an utterance asks about, most specific first (for the next utterances)."""
    kinds = sorted({c.kind for c in cues}, key=PRIORITY.__getitem__)
    return kinds

"""The kinds of personal data the redactor removes, and their placeholders."""

from __future__ import annotations

import re

CARD = "CARD"
CVV = "CVV"
EXPIRY = "EXPIRY"
ACCOUNT = "ACCOUNT"
SORT_CODE = "SORT_CODE"
SSN = "SSN"
NI = "NI"
PHONE = "PHONE"
EMAIL = "EMAIL"
DOB = "DOB"
ADDRESS = "ADDRESS"
PIN = "PIN"  # PINs, passcodes, one-time and verification codes, numeric passwords

KINDS: tuple[str, ...] = (
    CARD,
    CVV,
    EXPIRY,
    ACCOUNT,
    SORT_CODE,
    SSN,
    NI,
    PHONE,
    EMAIL,
    DOB,
    ADDRESS,
    PIN,
)
_PLACEHOLDER = re.compile(r"\[(" + "|".join(KINDS) + r")\]")


def placeholder(kind: str) -> str:
    return f"[{kind}]"


def count_placeholders(texts: list[str]) -> dict[str, int]:
    """How many of each placeholder the texts hold (kinds with none left out)."""
    counts: dict[str, int] = {}
    for text in texts:
        for m in _PLACEHOLDER.finditer(text):
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts

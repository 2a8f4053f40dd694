"""Matching spoken text against phrase lists from the playbook.

ASR text has no reliable punctuation or capitals, so text and phrases are both normalised to
lower case with punctuation removed (apostrophes kept); a plain phrase must match whole words.
A phrase starting with "re:" is a regular expression over the same normalised text, run by RE2
(linear time: a catastrophic pattern cannot hang the pipeline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import re2  # google-re2: linear-time matching

_PUNCT = re.compile(r"[^\w\s']+")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9']+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})

_STOP = (
    "a an the i i'm im me my you your we our it it's its is was are be been to of and or in on "
    "for that this with at so but not no just um uh like have has had do did does what"
)
STOPWORDS = frozenset(_STOP.split())


def normalise(text: str) -> str:
    text = text.translate(_APOSTROPHES).lower()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(normalise(text)) if w not in STOPWORDS and len(w) > 2}


class PatternError(ValueError):
    """A phrase the safe matcher cannot run (look-arounds, back-references, bad syntax)."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the error goes to the user as one line, not to stderr
    return options


def compile_safe(pattern: str) -> Any:
    """A pattern compiled with RE2: matching time is linear in the text, whatever the pattern,
    so no playbook edit can hang the pipeline (Python's `re` can take minutes on
    `(\\w+\\s?)*x$`). RE2 has no look-arounds or back-references: those are refused here."""
    try:
        return re2.compile(pattern, options=_options())
    except Exception as exc:  # re2.error: bytes message
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise PatternError(
            f"{detail} (the safe matcher has no look-arounds or back-references)"
        ) from None


@dataclass(frozen=True)
class PhraseSet:
    """One named phrase list. Plain phrases are one alternation matched on word boundaries;
    "re:" phrases are separate RE2 patterns (a named group `name` marks the part to keep)."""

    name: str
    plain: Any | None  # one compiled alternation of the plain phrases, or None
    patterns: tuple[Any, ...]  # compiled "re:" phrases
    size: int = 0

    @classmethod
    def compile(cls, name: str, phrases: list[str]) -> PhraseSet:
        words = [normalise(p) for p in phrases if not p.startswith("re:")]
        words = sorted({w for w in words if w}, key=len, reverse=True)  # longest first
        plain = None
        if words:
            alternation = "|".join(re.escape(w) for w in words)
            plain = compile_safe(r"(?:^|[^\w'])(" + alternation + r")(?:$|[^\w'])")
        patterns = tuple(compile_safe(p[3:]) for p in phrases if p.startswith("re:"))
        return cls(name, plain, patterns, len(words) + len(patterns))

    def find(self, normalised_text: str) -> str | None:
        """The first matching phrase as it appears in the text, or None."""
        if self.plain is not None:
            m = self.plain.search(normalised_text)
            if m:
                return str(m.group(1))
        for pattern in self.patterns:
            m = pattern.search(normalised_text)
            if m:
                return str(m.group(0))
        return None

    def capture(self, text: str, group: str = "name") -> str | None:
        """The named group of the first "re:" pattern that matches (for names), or None."""
        for pattern in self.patterns:
            m = pattern.search(text)
            if m and group in pattern.groupindex and m.group(group):
                return str(m.group(group))
        return None

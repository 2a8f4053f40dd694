"""Matching spoken text against phrase lists from the playbook.

ASR text has no reliable punctuation or capitals, so text and phrases are both normalised to
lower case with punctuation removed (apostrophes kept); a plain phrase must match whole words.
A phrase starting with "re:" is a regular expression over the same normalised text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def word_overlap(a: str, b: str) -> float:
    """Share of the shorter utterance's content words found in the other one."""
    wa, wb = content_words(a), content_words(b)
    if len(wa) < 3 or len(wb) < 3:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


@dataclass(frozen=True)
class PhraseSet:
    name: str
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def compile(cls, name: str, phrases: list[str]) -> PhraseSet:
        patterns = []
        for phrase in phrases:
            if phrase.startswith("re:"):
                patterns.append(re.compile(phrase[3:]))
            else:
                words = normalise(phrase)
                if words:
                    patterns.append(re.compile(r"(?<![\w'])" + re.escape(words) + r"(?![\w'])"))
        return cls(name, tuple(patterns))

    def find(self, normalised_text: str) -> str | None:
        """The first matching phrase as it appears in the text, or None."""
        for pattern in self.patterns:
            m = pattern.search(normalised_text)
            if m:
                return m.group(0)
        return None

"""The customer's name, from their own words or the agent's greeting, for `{name}` in lines.

A wrong name on a card is worse than none, so a name is taken only when it is clearly heard:
a playbook pattern's `name` group ("my name is Dana", "this is Dana Reyes speaking", the agent's
"hello Mrs Patel"), written with a capital by the speech recogniser (a proper noun, not a word
it half heard), not a common word (`not_a_name`), and not cut off ("my name is Da-"). The
customer's own words win over the agent's greeting; two different names from the same side and
no confirmation leave the name unknown.
"""

from __future__ import annotations

import re

from app.coaching.playbook import Playbook

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "mister", "sir", "madam"})
_TOKEN = re.compile(r"^[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)?$")
_CUT = re.compile(r"(-|…|\.\.\.)\s*$")


def _clean(candidate: str, original: str, pb: Playbook) -> str | None:
    """The name as it should be written, or None when it is doubtful."""
    words = candidate.split()
    if not words or len(words) > 3:
        return None
    title = words[0].lower().rstrip(".") in _TITLES
    core = words[1:] if title else words
    if not core:
        return None
    name_words = []
    for word in core:
        # the recogniser capitalises names; find the word as it was written
        m = re.search(rf"(?<![\w'-]){re.escape(word)}(?![\w'])", original, flags=re.I)
        written = m.group(0) if m else word
        end = m.end() if m else 0
        if _CUT.match(original[end : end + 4]):
            return None  # "my name is Da-": half heard
        if not _TOKEN.match(written) or len(written) > 20:
            return None
        if pb.phrase_set("not_a_name").find(written.lower()):
            return None
        name_words.append(written)
    if title:  # "Mrs Patel": keep the title with the surname
        return f"{words[0].rstrip('.').capitalize()} {name_words[-1]}"
    return name_words[0]  # "Dana Reyes" -> "Dana"


class NameHeard:
    """Follows the names heard in the call and says which one (if any) is safe to use."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.customer_said: str | None = None
        self.agent_said: str | None = None
        self.conflict = False

    @property
    def name(self) -> str | None:
        if self.conflict:
            return None
        return self.customer_said or self.agent_said

    def hear(self, speaker: str, text: str) -> None:
        lists = "customer_name" if speaker == "customer" else "agent_greets_name"
        # patterns run on lower-cased text without punctuation; casing is checked on the original
        lowered = " ".join(re.sub(r"[^\w\s'-]+", " ", text.lower()).split())
        found = self.playbook.phrase_set(lists).capture(lowered)
        if found is None:
            return
        name = _clean(found, text, self.playbook)
        if name is None:
            return
        if speaker == "customer":
            if self.customer_said and self.customer_said != name:
                self.conflict = True  # two different names from the customer: trust neither
                return
            self.customer_said = name
            if self.agent_said and self.agent_said.split()[-1] == name.split()[-1]:
                self.conflict = False
        else:
            if self.agent_said and self.agent_said != name:
                self.agent_said = None  # the agent is unsure too
                return
            self.agent_said = name

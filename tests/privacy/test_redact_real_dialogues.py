"""Precision on real dialogues: the USS corpus (restaurant, hotel, taxi, cinema and movie-chat
dialogues, 81k turns, shared/data/uss_satisfaction) holds business phone numbers and addresses but
no payment cards, bank details, SSNs, NI numbers or PINs. Every such placeholder there is a false
hit (order and train numbers, movie years, house-number ranges), and there must be almost none."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from app.privacy import CallRedactor

ABSENT = {"CARD", "CVV", "EXPIRY", "ACCOUNT", "SORT_CODE", "SSN", "NI", "PIN"}


def test_no_payment_or_bank_kinds_in_ordinary_dialogues(shared_data: Path) -> None:
    with (shared_data / "uss_satisfaction" / "turns.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    dialogues: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        dialogues.setdefault((row["source"], row["dialogue_id"]), []).append(row)
    false_hits: Counter[str] = Counter()
    examples = []
    turns = 0
    for k, turns_of in enumerate(dialogues.values()):
        if k % 3:  # every third dialogue: a third of the corpus, ~10 s
            continue
        redactor = CallRedactor()
        for j, turn in enumerate(turns_of):
            out = redactor.redact(turn["role"], turn["text"], 3.0 * j, 3.0 * j + 2)
            turns += 1
            for kind in re.findall(r"\[([A-Z_]+)\]", out):
                if kind in ABSENT:
                    false_hits[kind] += 1
                    examples.append((turn["text"], out))
    assert turns > 20_000
    assert sum(false_hits.values()) <= turns // 2000, (false_hits, examples[:20])

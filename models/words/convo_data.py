"""The conversational and social text sets of ../shared/data, mapped to "frustrated customer".

Every set keeps its own train / dev / test split (official where there is one, else the staged
`split` column, which keeps a conversation, respondent or tweet text in one split). The mapping
per set (the model card explains each choice):

- empathetic_dialogues: 1 = speaker turn 1 of an angry, annoyed, furious or disgusted
  conversation; 0 = speaker turn 1 of the other emotions; dropped: "disappointed" (borderline),
  listener turns and later speaker turns (the label is the conversation's).
- carer_emotion: 1 = anger; 0 = the other five emotions (train subsampled to 8,000).
- isear: 1 = anger; 0 = joy, fear, sadness, shame, guilt; dropped: disgust (mostly physical),
  no-response rows.
- complaints_twitter: 1 = complaint; 0 = not a complaint; dropped: random_tweet / random_reply
  rows (all labelled 0 without a look: noisy negatives).
- airline_tweets: 1 = negative (train: only with confidence >= 0.66); 0 = neutral, positive.
- uss_satisfaction: 0 = user turn with median rating >= 3; 1 = median <= 2, in dev and test only
  (a weak label: the SOURCE.md warns these turns rarely carry frustrated wording); dropped: 2.5;
  train keeps 8,000 calm turns.
- emocontext: 1 = angry (turn 3); 0 = happy, sad, others. Never trained or tuned on: test only,
  because its terms forbid training a shipped model on it.

Tweets are normalised the way speech would never contain them: URLs, @handles and '#' removed,
HTML entities decoded. Nothing here is shipped; only the weights learned from it.
"""

from __future__ import annotations

import csv
import html
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# sets used to train and tune the conversational head; emocontext is evaluation only
TRAIN_SETS = (
    "empathetic_dialogues",
    "carer_emotion",
    "isear",
    "complaints_twitter",
    "airline_tweets",
    "uss_satisfaction",
)
EVAL_ONLY_SETS = ("emocontext",)
ALL_SETS = TRAIN_SETS + EVAL_ONLY_SETS

_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@\w+")
_SPACES = re.compile(r"\s+")
ED_FRUSTRATED = {"angry", "annoyed", "furious", "disgusted"}
ED_DROPPED = {"disappointed"}
SUBSAMPLE = {"carer_emotion": 8000, "uss_satisfaction": 8000}


@dataclass
class LabelledSet:
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def add(self, text: str, label: int) -> None:
        text = _SPACES.sub(" ", text).strip()
        if text:
            self.texts.append(text)
            self.labels.append(label)


def clean_tweet(text: str) -> str:
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    return _SPACES.sub(" ", text.replace("#", " ")).strip()


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def _split(name: str, split: str, data: Path) -> LabelledSet:
    out = LabelledSet()
    folder = data / name
    if name == "empathetic_dialogues":
        for r in _rows(folder / "utterances.csv"):
            if r["split"] != split or r["role"] != "speaker" or r["utterance_idx"] != "1":
                continue
            if r["emotion"] in ED_DROPPED:
                continue
            out.add(r["text"], int(r["emotion"] in ED_FRUSTRATED))
    elif name == "carer_emotion":
        for r in _rows(folder / "carer_emotion.csv"):
            if r["split"] == split:
                out.add(r["text"], int(r["label"] == "anger"))
    elif name == "isear":
        for r in _rows(folder / "isear.csv"):
            if r["split"] == split and r["no_response"] != "1" and r["label"] != "disgust":
                out.add(r["text"], int(r["label"] == "anger"))
    elif name == "complaints_twitter":
        for r in _rows(folder / "complaints_twitter.csv"):
            if r["split"] == split and not r["domain"].startswith("random"):
                out.add(clean_tweet(r["text"]), int(r["complaint"]))
    elif name == "airline_tweets":
        for r in _rows(folder / "airline_tweets.csv"):
            if r["split"] != split:
                continue
            negative = r["sentiment"] == "negative"
            if split == "train" and negative and float(r["sentiment_confidence"]) < 0.66:
                continue
            out.add(clean_tweet(r["text"]), int(negative))
    elif name == "uss_satisfaction":
        for r in _rows(folder / "turns.csv"):
            if r["split"] != split or r["role"] != "user" or not r["sat_median"]:
                continue
            median = float(r["sat_median"])
            if median >= 3:
                out.add(r["text"], 0)
            elif median <= 2 and split != "train":  # weak label: never a training positive
                out.add(r["text"], 1)
    elif name == "emocontext":
        if split != "test":
            raise ValueError("emocontext is used for evaluation only (test split)")
        for r in _rows(folder / "emocontext.csv"):
            if r["split"] == split:
                out.add(r["text"], int(r["label"] == "angry"))
    else:
        raise KeyError(name)
    return out


def load_split(name: str, split: str, data: Path, seed: int = 13) -> LabelledSet:
    """One set's split, mapped to 0/1; train splits of the large sets are subsampled."""
    out = _split(name, split, data)
    limit = SUBSAMPLE.get(name)
    if split == "train" and limit and len(out.texts) > limit:
        keep = sorted(random.Random(seed).sample(range(len(out.texts)), limit))
        out = LabelledSet([out.texts[i] for i in keep], [out.labels[i] for i in keep])
    return out

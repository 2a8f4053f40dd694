"""The words model on real sentences: angry vs calm, negation, ASR-style text, awkward input,
hand-written call lines, GoEmotions and the abcd calm customers, and a broken model folder.

None of these sentences is in the training data (models/words/call_phrases.py lists the
hand-written lines that are), and none was used to fit the combiner or the thresholds (GoEmotions
dev only, models/words/stack.py)."""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.scoring.words import (
    _DEFAULT_THRESHOLDS,
    EMPTY_SCORE,
    PLEASED_LABELS,
    WORDS_THRESHOLDS,
    Combiner,
    ModelError,
    load_words_scorer,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
MODEL_DIR = ROOT / "models" / "words"

needs_data = pytest.mark.skipif(
    not (DATA / "goemotions").is_dir(), reason=f"shared data not found at {DATA}"
)

ANGRY = [
    "This is absolutely unacceptable, I want my money back!",
    "I am so sick of being lied to by your company.",
    "You people are useless, nothing ever gets fixed.",
    "I have asked you three times already and you still have not sent it.",
    "I am furious that you charged my card again.",
    "Nobody got back to me even though you promised.",
]
CALM = [
    "Thank you so much, that was really helpful.",
    "Could you tell me what time the store opens tomorrow?",
    "Great, I really appreciate your help today.",
    "Yes, my date of birth is the fourth of June.",
    "Okay, I will wait for the email then.",
    "Hello, I have a quick question about my bill.",
]


def asr(text: str) -> str:
    """What Whisper-like output looks like after normalisation: no case, no punctuation."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", " ", text.lower())).strip()


@pytest.fixture(scope="module")
def scorer():
    return load_words_scorer()


def test_angry_scores_high_and_calm_low(scorer) -> None:
    angry, calm = scorer.score(ANGRY), scorer.score(CALM)
    assert min(angry) >= WORDS_THRESHOLDS["high"], list(zip(ANGRY, angry, strict=True))
    assert max(calm) < WORDS_THRESHOLDS["elevated"], list(zip(CALM, calm, strict=True))


def test_scores_are_probabilities_in_order(scorer) -> None:
    texts = [ANGRY[0], CALM[0], ANGRY[1], CALM[1]]
    batch = scorer.score(texts)
    assert all(0.0 <= s <= 1.0 for s in batch)
    single = [scorer.score([t])[0] for t in texts]
    # padding is masked out; what is left is int8 dynamic quantization's per-batch scale
    assert np.allclose(batch, single, atol=0.01)
    assert batch[0] > batch[1] and batch[2] > batch[3]


def test_negation_flips_the_score(scorer) -> None:
    not_happy, happy = scorer.score(
        ["I am not happy with this service at all.", "I am happy with this service."]
    )
    assert not_happy > WORDS_THRESHOLDS["high"] > WORDS_THRESHOLDS["elevated"] > happy
    unacceptable, acceptable = scorer.score(["This is not acceptable.", "This is acceptable."])
    assert unacceptable > WORDS_THRESHOLDS["high"] and acceptable < WORDS_THRESHOLDS["elevated"]
    # "no problem" is calm despite the negative word
    assert max(scorer.score(["It was no problem at all.", "no worries"])) < 0.2


def test_asr_style_text_with_fillers_scores_like_clean_text(scorer) -> None:
    clean = scorer.score(ANGRY + CALM)
    spoken = scorer.score(["um " + asr(t) for t in ANGRY + CALM])
    assert np.max(np.abs(np.array(clean) - np.array(spoken))) < 0.2
    assert min(spoken[: len(ANGRY)]) > WORDS_THRESHOLDS["elevated"] > max(spoken[len(ANGRY) :])


def test_call_centre_frustration_without_swearing(scorer) -> None:
    lines = [
        "uh this is the fourth time i have phoned about the same thing",
        "i am still waiting on the refund you promised me",
        "i want to speak to your supervisor",
        "if this is not fixed i am cancelling my contract",
    ]
    scores = scorer.score(lines)
    assert min(scores) > WORDS_THRESHOLDS["elevated"], list(zip(lines, scores, strict=True))


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    pos, neg = s[y == 1], s[y == 0]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg).mean())


def test_hand_written_call_lines_are_ranked_well(scorer) -> None:
    """80 customer lines written for evaluation (models/words/call_lines_eval.tsv): 40 frustrated
    (many indirect: waiting, threats to leave, sarcasm, several sentences) and 40 calm (some with
    'no', 'cancel' or a refund question). The shipped scorer ranks them at AUC 0.92 clean and
    ASR-style; this guards against a regression, not a tuned figure."""
    rows = [
        line.split("\t") for line in (MODEL_DIR / "call_lines_eval.tsv").read_text().split("\n")
    ]
    rows = [r for r in rows[1:] if len(r) == 2]
    y = np.array([int(label) for label, _ in rows])
    texts = [text for _, text in rows]
    assert len(texts) == 80 and y.sum() == 40
    clean = _auc(y, np.array(scorer.score(texts)))
    spoken = _auc(y, np.array(scorer.score([asr(t) for t in texts])))
    assert clean > 0.89 and spoken > 0.89, (clean, spoken)
    calm = np.array(scorer.score([t for t, lab in zip(texts, y, strict=True) if lab == 0]))
    assert (calm >= WORDS_THRESHOLDS["high"]).sum() <= 1


def test_score_is_the_dev_fitted_combiner_of_the_graph_logits(scorer) -> None:
    config = json.loads((MODEL_DIR / "config.json").read_text())
    combiner = Combiner.from_config(config)
    assert combiner is not None and scorer.combiner == combiner
    texts = ANGRY + CALM
    logits = scorer.head_logits(texts)
    assert logits.shape == (len(texts), 29)
    z = combiner.w_head * logits[:, 0] + combiner.bias
    if config["combiner"]["labels"]:
        labels = logits[
            :, [1 + config["outputs"]["emotions"].index(n) for n in config["combiner"]["labels"]]
        ]
        z = z + combiner.w_labels * np.log(np.exp(labels).sum(axis=1))
    assert np.allclose(scorer.score(texts), 1 / (1 + np.exp(-z)), atol=1e-6)
    # a calibration, not a re-ranking of the graph where it has no label term
    assert combiner.w_head > 0


def test_combiner_forms_head_alone_and_with_the_label_term() -> None:
    logits = np.array([[2.0] + [0.0] * 28, [-1.0] + [3.0] * 28])
    head_only = Combiner(w_head=1.5, w_labels=0.0, bias=-0.5, label_columns=())
    assert np.allclose(head_only(logits), 1 / (1 + np.exp(-(1.5 * logits[:, 0] - 0.5))))
    with_labels = Combiner(w_head=1.0, w_labels=-0.5, bias=0.0, label_columns=(2, 3))
    lse = np.log(2 * np.exp(logits[:, 3]))  # columns 2 and 3 of the emotions: logits 3 and 4
    assert np.allclose(with_labels(logits), 1 / (1 + np.exp(-(logits[:, 0] - 0.5 * lse))))


@pytest.mark.xfail(
    reason="known weakness (MODEL_CARD.md): rhetorical questions, idioms, indirect threats",
    strict=False,
)
def test_known_weakness_rhetorical_and_idiomatic_frustration(scorer) -> None:
    lines = [
        "Why does nobody here know what they are doing?",
        "Honestly this is a joke, I have been waiting all week.",
        "Put me through to someone in charge.",
        "I will switch to another provider.",
        "30 days. I wanted my money back now. How long is this going to take? "
        "I've been waiting for two weeks.",
    ]
    assert min(scorer.score(lines)) > WORDS_THRESHOLDS["elevated"]


ISSUE_14_PHRASES = [
    "what exactly am i paying you for",
    "is anybody there actually going to help me",
    "seriously how hard can it be",
    "great just great another month without internet",
    "i just want my money back",
]


@pytest.mark.xfail(
    reason="issue 14: rhetorical questions, sarcasm and flat demands score below 'elevated' "
    "(shipped 0.02-0.30); a conversational head on the frozen encoder lifted only two of five "
    "(MODEL_CARD.md, session 6). Strict: when a model passes, turn this into a plain test.",
    strict=True,
)
def test_issue_14_rhetorical_sarcastic_and_flat_demands(scorer) -> None:
    scores = scorer.score(ISSUE_14_PHRASES)
    assert min(scores) > WORDS_THRESHOLDS["elevated"], list(
        zip(ISSUE_14_PHRASES, scores, strict=True)
    )


def test_named_outputs_are_the_graph_the_score_comes_from(scorer) -> None:
    texts = ANGRY[:2] + CALM[:2]
    frustration, emotions = scorer.outputs(texts, ["frustration", "emotions"])
    assert frustration.shape == (4,) and emotions.shape == (4, 28)
    logits = scorer.head_logits(texts)
    assert np.allclose(logits[:, 0], np.log(frustration) - np.log1p(-frustration), atol=1e-4)


def test_read_gives_the_score_and_how_pleased_the_words_sound(scorer) -> None:
    texts = [
        "Oh that is wonderful news, thank you so much!",
        "fantastic thank you you have been really great",
        "i would like to check the balance on my account please",
        "this is absolutely ridiculous, i am furious",
        "",
    ]
    readings = scorer.read(texts)
    assert [r.frustration for r in readings] == scorer.score(texts)
    pleased = [r.pleased for r in readings]
    assert min(pleased[:2]) > 0.5 > max(pleased[2:])
    assert pleased[4] == 0.0  # no words, not pleased
    # the largest positive-label probability of the graph's emotions output (one text per run:
    # int8 dynamic quantisation scales activations per batch, so batch-mates move scores a little)
    names = json.loads((MODEL_DIR / "config.json").read_text())["outputs"]["emotions"]
    (emotions,) = scorer.outputs(texts[:1], ["emotions"])
    cols = [names.index(n) for n in PLEASED_LABELS]
    alone = scorer.read(texts[:1])[0].pleased
    assert alone == pytest.approx(float(emotions[0, cols].max()), abs=1e-6)


def test_empty_and_whitespace_text_give_the_defined_low_value(scorer) -> None:
    assert scorer.score([]) == []
    assert scorer.score(["", "   ", "\n\t"]) == [EMPTY_SCORE] * 3
    mixed = scorer.score(["", ANGRY[0], " "])
    assert mixed[0] == mixed[2] == EMPTY_SCORE and mixed[1] > WORDS_THRESHOLDS["high"]


def test_very_long_text_is_truncated_not_an_error(scorer) -> None:
    long_text = ANGRY[0] + " " + "and then I waited some more " * 2000
    t0 = time.perf_counter()
    (score,) = scorer.score([long_text])
    assert 0.0 <= score <= 1.0
    assert time.perf_counter() - t0 < 2.0
    # odd characters are not an error either
    assert all(0.0 <= s <= 1.0 for s in scorer.score(["🙂🙂", "\x00", "[NAME]", "ñññ"]))


def test_thresholds_come_from_the_model_folder() -> None:
    shipped = json.loads((MODEL_DIR / "thresholds.json").read_text())
    assert {"elevated": shipped["elevated"], "high": shipped["high"]} == WORDS_THRESHOLDS
    assert _DEFAULT_THRESHOLDS == WORDS_THRESHOLDS
    assert 0.0 < WORDS_THRESHOLDS["elevated"] < WORDS_THRESHOLDS["high"] < 1.0


def test_scorer_is_cached_per_folder_and_threads(scorer) -> None:
    assert load_words_scorer() is scorer
    assert load_words_scorer(MODEL_DIR, threads=1) is scorer
    assert load_words_scorer(threads=2) is not scorer


def test_changed_model_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "words"
    shutil.copytree(MODEL_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    thresholds = copy / "thresholds.json"
    thresholds.write_text(thresholds.read_text().replace('"high"', '"high" ', 1))
    with pytest.raises(ModelError, match="sha256"):
        load_words_scorer(copy)


def test_missing_model_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "words"
    shutil.copytree(MODEL_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (copy / "model.onnx").unlink()
    with pytest.raises(ModelError, match="missing"):
        load_words_scorer(copy)
    with pytest.raises(ModelError, match="missing"):
        load_words_scorer(tmp_path / "nowhere")


@needs_data
def test_goemotions_test_slice_clean_and_asr(scorer) -> None:
    sys.path.insert(0, str(MODEL_DIR))
    from spoken_style import asr_style, read_split

    test = read_split(DATA / "goemotions" / "original", "test")
    texts, y = test.texts[:1200], np.array(test.frustrated[:1200])

    clean = _auc(y, np.array(scorer.score(texts)))
    spoken = _auc(y, np.array(scorer.score([asr_style(t) for t in texts])))
    assert clean > 0.87 and spoken > 0.86 and clean - spoken < 0.02, (clean, spoken)


@needs_data
def test_abcd_calm_customers_stay_low(scorer) -> None:
    chats = json.loads((DATA / "abcd_sample" / "data" / "abcd_sample.json").read_text())
    for chat in chats:
        turns = [t for who, t in chat["original"] if who == "customer"]
        scores = np.array(scorer.score(turns))
        assert scores.mean() < WORDS_THRESHOLDS["elevated"] / 2, chat["convo_id"]
        assert scores.max() < WORDS_THRESHOLDS["high"], chat["convo_id"]


def _word_set(text: str) -> set[str]:
    return set(asr(text).split())


def test_contrast_training_lines_stay_clear_of_the_evaluation_lines() -> None:
    """models/words/contrast_lines.py (written to train candidates, stop 30) must not copy or
    closely paraphrase any sentence a words model is judged on here: the hand-written evaluation
    lines, this file's sentences, the issue-14 phrases and the call bench's scripted lines. No
    training line shares half or more of its words (Jaccard) with any of them."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import bench_calls
    from models.words import contrast_lines

    rows = (MODEL_DIR / "call_lines_eval.tsv").read_text().split("\n")[1:]
    judged = [r.split("\t")[1] for r in rows if r.count("\t") == 1]
    assert len(judged) == 80
    judged += ANGRY + CALM + ISSUE_14_PHRASES
    judged += [*bench_calls.ANGRY, *bench_calls.SERVICE, *bench_calls.POLITE]
    judged += [*bench_calls.HAPPY, *bench_calls.SAD, *bench_calls.AGENT_LINES]
    lines = contrast_lines.CALM + contrast_lines.FRUSTRATED
    lines += contrast_lines.PLAIN_CALM + contrast_lines.PLAIN_FRUSTRATED
    lines += contrast_lines.IDIOM_CALM + contrast_lines.IDIOM_FRUSTRATED
    assert len(set(lines)) == len(lines) > 380
    close = []
    for line in lines:
        a = _word_set(line)
        for other in judged:
            b = _word_set(other)
            if len(a & b) >= 0.5 * len(a | b):
                close.append((line, other))
    assert not close, close

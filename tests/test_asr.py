"""Speech recognition on real recordings with the bundled tiny.en model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.asr.transcriber import (
    collapse_repeats,
    is_decoding_loop,
    load_transcriber,
    resolve_model_path,
)
from app.config import AsrSettings
from app.errors import ModelError
from benchmarks.asr_eval.evaluation import evaluate_manifest
from benchmarks.asr_eval.wer import wer


def test_asr_eval_small_word_error_rate(shared_data: Path) -> None:
    result = evaluate_manifest(shared_data / "asr_eval_small", load_transcriber(AsrSettings()))
    assert len(result.rows) == 24
    # tiny.en int8 measures about 7 % here (benchmarks/asr_wer.py); a loose bound catches
    # a broken resampler, channel mix-up or decoding setting, not small model differences
    assert result.wer < 0.15, result.rows


def test_silence_and_tiny_clips_give_no_text() -> None:
    t = load_transcriber(AsrSettings())
    assert t.transcribe(np.zeros(800, np.float32)) == ""
    assert len(t.transcribe(np.zeros(16000 * 3, np.float32)).split()) <= 3


def test_wer_normalises_case_and_punctuation() -> None:
    assert wer("Hello, World!", "hello world") == 0.0
    assert wer("a b c d", "a x c") == pytest.approx(0.5)


def test_decoding_loops_are_collapsed() -> None:
    assert collapse_repeats("okay okay okay okay okay fine") == "okay fine"
    assert collapse_repeats("no no no") == "no no no"  # real speech repeats a little
    # a loop of a longer phrase, its first word capitalised (the fresh bench set's happy_1)
    loop = "You can't hit the door, you can't hit the door, you can't hit the door, " * 2
    assert is_decoding_loop(loop)
    assert collapse_repeats(loop.strip()) == "You can't hit the door,"
    said_twice = "I want my money back. I want my money back."
    assert not is_decoding_loop(said_twice) and collapse_repeats(said_twice) == said_twice


def test_bad_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model_path(str(tmp_path / "nope"))
    (tmp_path / "model.bin").write_bytes(b"")
    with pytest.raises(ModelError, match=r"config\.json"):
        resolve_model_path(str(tmp_path))


def test_broken_model_via_cli_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    model = tmp_path / "broken-model"
    model.mkdir()
    (model / "model.bin").write_bytes(b"not a model")
    (model / "config.json").write_text("{}")
    call = tmp_path / "call.wav"
    import soundfile as sf

    sf.write(call, np.zeros(16000, np.float32), 16000)
    code = main(["analyze", str(call), "--out", str(tmp_path / "out"), "--model", str(model)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken-model" in err[0]


def test_speech_model_and_tone_encoder_share_one_loaded_model(models, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    """load_models keeps one CTranslate2 tiny.en for ASR and the tone encoder (memory), and the
    shared copy (2 threads, 2 workers) gives the tone model exactly what its own copy gives."""
    from faster_whisper import WhisperModel

    from app.asr.transcriber import encode_window
    from app.audio.reader import read_all
    from app.scoring.tone.embedding import PAD_S

    embedder = models.tone.embedder
    assert embedder is not None
    assert embedder.whisper_model is models.transcriber.whisper_model
    clip = read_all(shared_data / "ravdess/audio/Actor_03/03-01-05-02-01-01-03.flac")[0]
    own = WhisperModel(
        str(resolve_model_path("")),
        device="cpu",
        compute_type="int8",
        cpu_threads=1,
        num_workers=1,
        local_files_only=True,
    )
    expected = np.array(encode_window(own, clip, clip.size / 16000 + PAD_S, to_cpu=True))[0]
    used = int(np.ceil(clip.size / 16000 * 50))
    np.testing.assert_array_equal(embedder.embed(clip), expected[:used].mean(axis=0))


def test_the_second_sentence_of_a_turn_is_not_lost(shared_data: Path, tmp_path: Path) -> None:
    """Whisper tiny.en stops after the first sentence of many two-sentence turns (a loud RAVDESS
    sentence, then a quieter espeak-ng line in another voice: the call bench's happy_1) and
    returns only that sentence: speech lost with no warning, and here the pleased words that
    would have told the fusion the loud voice is happy. The transcriber finds where its text
    ends and transcribes the rest of the speech."""
    import re
    import shutil

    from benchmarks.bench_calls import TYPES, build_call

    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is needed to build the bench's call: apt-get install -y espeak-ng")
    seed = 20261202 + 1000 * TYPES.index("happy") + 1  # the bench's happy_1
    stereo, turns = build_call("happy", seed, tmp_path, None)
    t = load_transcriber(AsrSettings())
    customer = [turn for turn in turns if turn["speaker"] == "customer"]
    assert len(customer) == 7
    heard = []
    for turn in customer:
        start, end = int((turn["start"] - 0.2) * 16000), int((turn["end"] + 0.3) * 16000)
        text = t.transcribe(stereo[start:end, 1])
        said = re.findall(r"[a-z']+", turn["text"].lower())
        got = set(re.findall(r"[a-z']+", text.lower()))
        heard.append(sum(w in got for w in said) / len(said))
        # the end of the line: its last two words (the first sentence is a RAVDESS statement)
        assert said[-1] in got or said[-2] in got, (turn["text"], text)
    assert min(heard) >= 0.6, list(zip([c["text"] for c in customer], heard, strict=True))

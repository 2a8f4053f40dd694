"""The tone model on real RAVDESS audio: speaker baseline, bands, and awkward input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from app.cli import main
from app.scoring.tone import (
    ModelError,
    SpeakerBaseline,
    extract_features,
    load_tone_scorer,
)
from models.tone.train import cut_around_speech
from tests.data_helpers.ravdess import clips, needs_ravdess

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "tone"
SR = 16000

needs_data = needs_ravdess


def telephone(x: np.ndarray) -> np.ndarray:
    """300–3400 Hz, 8 kHz and back, G.711 mu-law."""
    sos = signal.butter(4, [300, 3400], btype="bandpass", fs=SR, output="sos")
    y = signal.resample_poly(signal.sosfilt(sos, x), 1, 2)
    q = np.round(np.sign(y) * np.log1p(255 * np.abs(y)) / np.log1p(255) * 127) / 127
    y = np.sign(q) * np.expm1(np.abs(q) * np.log1p(255)) / 255
    return signal.resample_poly(y, 2, 1).astype(np.float32)


@pytest.fixture(scope="module")
def scorer():
    return load_tone_scorer(MODEL_DIR)


def baseline_of(audios: list[np.ndarray]) -> SpeakerBaseline:
    base = SpeakerBaseline()
    scorer = load_tone_scorer(MODEL_DIR)
    for a in audios:
        base.add_calm(scorer.features(a))
    return base


@needs_data
def test_louder_clip_scores_the_same_against_the_speakers_baseline(scorer) -> None:
    neutral = clips(3, "neutral")
    clip = clips(3, "happy", "normal")[0]
    quiet = clip / max(1.0, 4.5 * np.abs(clip).max())  # leave room for +12 dB without clipping
    quiet_base = [n / max(1.0, 4.5 * np.abs(clip).max()) for n in neutral]
    gain = 10 ** (12 / 20)
    s_quiet = scorer.score(quiet, baseline_of(quiet_base))
    s_loud = scorer.score(quiet * gain, baseline_of([n * gain for n in quiet_base]))
    assert s_quiet == pytest.approx(s_loud, abs=0.02)


@needs_data
def test_louder_clip_has_same_population_score(scorer) -> None:
    clip = clips(5, "sad", "normal")[0]
    quiet = clip / max(1.0, 4.5 * np.abs(clip).max())
    assert scorer.score(quiet) == pytest.approx(scorer.score(quiet * 10 ** (12 / 20)), abs=0.02)


@needs_data
@pytest.mark.parametrize("band", ["full", "phone"])
@pytest.mark.parametrize("actor", [2, 9, 14])
def test_angry_scores_above_calm_of_same_actor(scorer, band: str, actor: int) -> None:
    to_band = telephone if band == "phone" else (lambda x: x)
    base = baseline_of([to_band(x) for x in clips(actor, "neutral")])
    angry = [to_band(x) for x in clips(actor, "angry", "strong")[:2]]
    calm = [to_band(x) for x in clips(actor, "calm", "normal")[:2]]
    for baseline in (None, base):
        a = np.mean([scorer.score(x, baseline) for x in angry])
        c = np.mean([scorer.score(x, baseline) for x in calm])
        assert a > c, (band, actor, baseline is not None, a, c)


def _awkward_inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    t = np.arange(int(0.2 * SR)) / SR
    voice = (0.3 * np.sign(np.sin(2 * np.pi * 150 * t))).astype(np.float32)
    return {
        "empty": np.zeros(0, np.float32),
        "one sample": np.ones(1, np.float32),
        "silence 2 s": np.zeros(2 * SR, np.float32),
        "dc offset": np.full(SR, 0.4, np.float32),
        "dc on voice": voice + 0.5,
        "0.2 s voice": voice,
        "clipping": np.clip(20 * voice, -1, 1),
        "full-scale noise clipped": np.clip(rng.normal(0, 2, SR), -1, 1).astype(np.float32),
        "nan and inf": np.array([np.nan, np.inf, -np.inf, 0.1] * 1000, np.float32),
    }


@pytest.mark.parametrize("name", list(_awkward_inputs()))
def test_awkward_input_gives_a_defined_score(scorer, name: str) -> None:
    audio = _awkward_inputs()[name]
    feats = scorer.features(audio)
    assert np.all(np.isfinite(feats.values))
    if feats.embedding is not None:
        assert feats.embedding.shape == (384,) and np.all(np.isfinite(feats.embedding))
    base = SpeakerBaseline()
    base.add_calm(feats)
    for baseline in (None, base):
        s = scorer.score_features(feats, baseline)
        assert 0.0 <= s <= 1.0
        for w in scorer.window_scores(audio, baseline):
            assert 0.0 <= w <= 1.0
    if name.startswith(("silence", "empty", "dc offset")):
        assert scorer.score(audio) == 0.0


def test_other_sample_rates_are_accepted(scorer) -> None:
    t = np.arange(8000) / 8000
    x = (0.2 * np.sin(2 * np.pi * 180 * t) + 0.1 * np.sin(2 * np.pi * 360 * t)).astype(np.float32)
    for sr in (8000, 44100):
        y = signal.resample_poly(x, sr, 8000).astype(np.float32) if sr != 8000 else x
        assert 0.0 <= scorer.score(y, sr=sr) <= 1.0


@needs_data
def test_baseline_does_not_absorb_anger(scorer) -> None:
    base = SpeakerBaseline()
    for x in clips(7, "neutral")[:2]:
        f = scorer.features(x)
        base.observe(f, scorer.score_features(f, base))
    assert base.ready
    assert base.mean is not None and base.embedding_mean is not None
    before, before_emb = base.mean.copy(), base.embedding_mean.copy()
    for x in clips(7, "angry", "strong"):
        f = scorer.features(x)
        base.observe(f, scorer.score_features(f, base))
    assert np.allclose(base.mean, before)
    assert np.allclose(base.embedding_mean, before_emb)


@needs_data
def test_an_angry_turn_early_in_the_call_does_not_join_the_start_of_the_baseline(scorer) -> None:
    """Actor 5: three calm turns make the baseline ready; the first strongly angry clip scored
    under the start's 0.5 (0.35, the tone model of stop 23), but it is 36 dB louder and 16
    semitones higher than the reference, so it must not become the 4th start utterance (it did,
    and every angry turn after it was judged against anger). The rule is checked with that
    reading, whatever today's model makes of the clip."""
    base = SpeakerBaseline()
    calm = [clips(5, "neutral")[0], clips(5, "calm")[0], clips(5, "neutral")[1]]
    for x in calm:
        f = scorer.features(x)
        base.observe(f, scorer.score_features(f, base))
    assert base.ready
    n, before = base.n_observed, base.mean.copy()
    angry = clips(5, "angry", "strong")
    first = scorer.features(angry[0])
    tone = min(scorer.score_features(first, base), 0.35)  # under the start's own limit
    base.observe(first, tone)
    assert base.n_observed == n
    assert np.allclose(base.mean, before)
    later = [scorer.score_features(scorer.features(x), base) for x in angry[1:]]
    assert min(later) > 0.8, later


@needs_data
def test_whisper_view_takes_part_and_is_repeatable(scorer) -> None:
    """With a baseline the encoder view moves the score; the same audio gives the same vector
    (a replayed call and the same audio live get the same tone)."""
    assert scorer.uses_encoder
    base = baseline_of(clips(11, "neutral"))
    clip = clips(11, "angry", "normal")[0]
    with_view = scorer.features(clip)
    again = scorer.features(clip.copy())
    assert with_view.embedding is not None
    assert np.array_equal(with_view.embedding, again.embedding)
    prosodic_only = extract_features(clip)
    assert prosodic_only.embedding is None
    s_both = scorer.score_features(with_view, base)
    s_features = scorer.score_features(prosodic_only, base)
    assert 0.0 <= s_features <= 1.0 and abs(s_both - s_features) > 1e-4


def _copy_with_meta(tmp_path: Path, edit) -> Path:
    """A copy of the shipped tone model with tone.json edited by `edit`, SHA256SUMS redone."""
    import hashlib
    import json

    folder = tmp_path / "tone"
    shutil.copytree(MODEL_DIR, folder, ignore=shutil.ignore_patterns("*.py", "*.md", "*.txt"))
    meta = json.loads((folder / "tone.json").read_text())
    edit(meta)
    (folder / "tone.json").write_text(json.dumps(meta))
    names = [*meta["models"], "tone.json"]
    sums = [f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}" for n in names]
    (folder / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return folder


def test_other_encoder_is_a_model_error(tmp_path: Path) -> None:
    """The Whisper view must run on the encoder it was trained on."""

    def other_encoder(meta: dict) -> None:
        meta["models"]["tone_speaker_whisper.onnx"]["encoder_sha256"] = "0" * 64

    with pytest.raises(ModelError, match="not the encoder"):
        load_tone_scorer(_copy_with_meta(tmp_path, other_encoder))


def test_an_unknown_damping_model_is_a_model_error(tmp_path: Path) -> None:
    def unknown(meta: dict) -> None:
        meta["excitement_damping"] = {"model": "tone_speaker.onnx", "weight": 0.5}

    with pytest.raises(ModelError, match="damping"):
        load_tone_scorer(_copy_with_meta(tmp_path, unknown))


@needs_data
@pytest.mark.parametrize("actor", [2, 9, 16])
def test_excitement_damping_lowers_happy_voices_never_raises(
    scorer, tmp_path: Path, actor: int
) -> None:
    """With a baseline, the shipped model lowers a voice the Whisper view hears as more happy
    than angry (models/tone/MODEL_CARD.md, "excitement damping"); it never raises a score, and
    an angry voice keeps its score. Compared with the same model without the damping."""

    def no_damping(meta: dict) -> None:
        assert meta.get("excitement_damping"), "the shipped tone model carries the damping"
        del meta["excitement_damping"]

    plain = load_tone_scorer(_copy_with_meta(tmp_path, no_damping))
    base = baseline_of(clips(actor, "neutral"))
    pairs: dict[str, list[tuple[float, float]]] = {}
    for emotion in ("happy", "angry", "calm"):
        for x in clips(actor, emotion):
            f = scorer.features(x)
            pairs.setdefault(emotion, []).append(
                (scorer.raw_score(f, base), plain.raw_score(f, base))
            )
    for emotion, scores in pairs.items():
        assert all(damped <= undamped + 1e-9 for damped, undamped in scores), emotion
    happy_drop = np.median([u - d for d, u in pairs["happy"]])
    angry_drop = np.median([u - d for d, u in pairs["angry"]])
    assert happy_drop > angry_drop
    assert angry_drop < 0.02


def test_window_scores_one_per_window(scorer) -> None:
    assert len(scorer.window_scores(np.zeros(int(2.2 * SR), np.float32))) == 5


def test_sha_mismatch_is_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "tone"
    shutil.copytree(MODEL_DIR, bad, ignore=shutil.ignore_patterns("*.py", "*.md", "*.txt"))
    with open(bad / "tone_speaker.onnx", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelError, match="sha256"):
        load_tone_scorer(bad)
    with pytest.raises(ModelError, match="missing"):
        load_tone_scorer(tmp_path / "nowhere")


@needs_data
def test_score_tone_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import soundfile as sf

    paths = {}
    for name, audio in (
        ("n1", clips(4, "neutral")[0]),
        ("n2", clips(4, "neutral")[1]),
        ("angry", clips(4, "angry", "strong")[0]),
        ("calm", clips(4, "calm", "normal")[0]),
    ):
        paths[name] = tmp_path / f"{name}.wav"
        sf.write(paths[name], audio, SR)
    argv = ["score-tone", "--baseline", str(paths["n1"]), "--baseline", str(paths["n2"])]
    rc = main([*argv, "--", str(paths["angry"]), str(paths["calm"])])
    assert rc == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [p for p, _ in lines] == [str(paths["angry"]), str(paths["calm"])]
    assert float(lines[0][1]) > float(lines[1][1])


@needs_data
@pytest.mark.parametrize("actor", [5, 13])
def test_calm_sentences_on_a_noisy_line_make_the_baseline_ready(scorer, actor: int) -> None:
    """In pink noise at 10 dB SNR the quiet syllables of a calm sentence sink under the features'
    level rule (`speech_s` 0.75-0.91 s for sentences of 1.4-1.9 s as cut): counted by that rule
    alone the baseline was never ready, and a voice-only angry customer on a noisy line was judged
    against population norms all call long (the call bench's voice_only_3, no card). A short
    "hello?" still does not count."""
    from benchmarks.frontend_conditions import add_noise

    cut = [cut_around_speech(x, 0.1) for x in clips(actor, "neutral")[:2]]
    calm = [add_noise(x, [(0.0, len(x) / SR)], 10.0, seed=actor) for x in cut]
    feats = [scorer.features(x) for x in calm]
    assert all(f.speech_s < 1.0 for f in feats)  # the case this guards
    base = SpeakerBaseline()
    for f in feats:
        base.observe(f, scorer.score_features(f, base))
    assert base.ready
    short = SpeakerBaseline()
    for x in calm:
        hello = x[: int(0.6 * SR)]
        f = scorer.features(hello)
        short.observe(f, scorer.score_features(f, short))
    assert not short.ready


@needs_data
@pytest.mark.parametrize("actor", [5, 18])
def test_the_whisper_view_does_not_hang_on_the_padding_around_a_shout(scorer, actor: int) -> None:
    """The speaker's Whisper view (the mean encoder frame, silence included) was trained on whole
    RAVDESS files, about half silence, but scores the front end's tight cuts. On a phone line,
    with 0.1-0.3 s of padding, the strongly angry clips of actor 5 scored 0.36-0.99 and those of
    actor 18 0.08-1.0, one clip moving by up to 0.4 with the padding alone (the held-out call
    bench's voice_only_3, actor 5, got no card in any condition). Trained on clips cut as the front
    end cuts them (tone model v5), it holds: 0.80-1.0 for actor 5, 0.88-1.0 for actor 18, at most
    0.14 apart across the paddings."""
    name = "tone_speaker_whisper.onnx"
    base = SpeakerBaseline()
    for x in clips(actor, "neutral")[:1] + clips(actor, "calm", "normal")[:2]:
        base.add_calm(scorer.features(cut_around_speech(telephone(x), 0.2)))
    for x in clips(actor, "angry", "strong"):
        views = []
        for pad_s in (0.1, 0.2, 0.3):
            f = scorer.features(cut_around_speech(telephone(x), pad_s))
            inputs = scorer._speaker_inputs(f, base.mean, base)
            views.append(scorer._p_angry(name, inputs[name]))
        assert min(views) >= 0.75, views
        assert max(views) - min(views) <= 0.15, views


def test_an_unknown_speaker_mean_is_a_model_error(tmp_path: Path) -> None:
    def unknown(meta: dict) -> None:
        meta["speaker_mean"] = "harmonic"

    with pytest.raises(ModelError, match="speaker_mean"):
        load_tone_scorer(_copy_with_meta(tmp_path, unknown))


@needs_data
def test_the_speaker_views_are_combined_at_run_time_as_in_training(tmp_path: Path) -> None:
    """tone.json's speaker_mean: the runtime's raw speaker score is models/tone/train.py's
    speaker_score of the same views' P(angry) (what the calibration was fitted on), for the
    arithmetic and the geometric mean; the geometric mean is never over the arithmetic one and
    stays low when only one view hears anger."""
    from models.tone.train import EMOTIONS, RECIPES, speaker_score

    def with_mean(mean: str):
        def edit(meta: dict) -> None:
            meta["speaker_mean"] = mean

        return load_tone_scorer(_copy_with_meta(tmp_path / mean, edit))

    scorers = {mean: with_mean(mean) for mean in ("arithmetic", "geometric")}
    recipe = {"arithmetic": "v3d", "geometric": "v5"}
    assert RECIPES["v5"]["speaker_mean"] == "geometric"
    assert "speaker_mean" not in RECIPES["v3d"]
    any_scorer = scorers["geometric"]
    base = baseline_of(clips(9, "neutral"))
    for emotion in ("happy", "angry", "calm"):
        for x in clips(9, emotion)[:3]:
            f = any_scorer.features(x)
            inputs = any_scorer._speaker_inputs(f, base.mean, base)
            p_feat = any_scorer._p_angry("tone_speaker.onnx", inputs["tone_speaker.onnx"])
            p_wh = any_scorer._p_angry(
                "tone_speaker_whisper.onnx", inputs["tone_speaker_whisper.onnx"]
            )
            probs = any_scorer._probs(
                "tone_population_whisper.onnx", f.embedding[None, :].astype(np.float32)
            )
            pop = np.zeros((1, len(EMOTIONS)))
            pop[0, EMOTIONS.index("angry")] = probs[
                any_scorer._index["tone_population_whisper.onnx"]
            ]
            pop[0, EMOTIONS.index("happy")] = probs[
                any_scorer._happy_index["tone_population_whisper.onnx"]
            ]
            raw = {m: s.raw_score(f, base) for m, s in scorers.items()}
            for mean, value in raw.items():
                expected = speaker_score(np.array([p_feat]), np.array([p_wh]), pop, recipe[mean])
                assert value == pytest.approx(float(expected[0]), abs=1e-5), (emotion, mean)
            assert raw["geometric"] <= raw["arithmetic"] + 1e-9
    # one view sure of anger, the other sure it is not: the geometric mean does not follow it
    only_one = {"tone_speaker.onnx": 0.98, "tone_speaker_whisper.onnx": 0.01}
    weights = {"tone_speaker.onnx": 0.5, "tone_speaker_whisper.onnx": 0.5}
    assert scorers["geometric"]._speaker_mean(only_one, weights) < 0.1
    assert scorers["arithmetic"]._speaker_mean(only_one, weights) > 0.49


def test_a_training_clip_is_cut_as_the_front_end_cuts_an_utterance() -> None:
    """models/tone/train.py as_cut: the speech (over 2 % of the peak) with 0.1-0.3 s around it;
    a silent clip is kept whole."""
    from models.tone.train import CUT_PADS_S, as_cut

    x = np.zeros(3 * SR, np.float32)
    x[SR : 2 * SR] = 0.5 * np.sin(np.arange(SR) / SR * 2 * np.pi * 200)
    x[SR + 10] = 0.5  # the first sample over the level
    lengths = set()
    for seed in range(12):
        cut = as_cut(x, np.random.default_rng(seed))
        pad = (len(cut) - SR) / 2 / SR
        assert min(abs(pad - p) for p in CUT_PADS_S) < 2 / SR, pad
        lengths.add(len(cut))
    assert len(lengths) > 1  # the padding is drawn
    silent = np.zeros(SR, np.float32)
    assert as_cut(silent, np.random.default_rng(0)) is silent


GAP = np.zeros(int(0.3 * SR), np.float32)


def _sentence(x: np.ndarray) -> np.ndarray:
    """One RAVDESS statement at telephone band, cut as the front end cuts an utterance."""
    return cut_around_speech(telephone(x), 0.2)


def _turn(*sentences: np.ndarray) -> np.ndarray:
    """Sentences of one speaker in one turn, 0.3 s apart (the VAD joins them: under 0.5 s)."""
    parts: list[np.ndarray] = []
    for s in sentences:
        parts += [s, GAP]
    return np.concatenate(parts[:-1])


def _phone_baseline(scorer, actor: int) -> SpeakerBaseline:
    base = SpeakerBaseline()
    for x in clips(actor, "neutral")[:1] + clips(actor, "calm", "normal")[:2]:
        base.add_calm(scorer.features(_sentence(x)))
    assert base.ready
    return base


@needs_data
def test_a_turn_is_split_into_its_sentences_at_its_pauses() -> None:
    """Three statements in one turn give three parts, each holding all of its statement's speech
    and none of the others'; one statement alone is not split; nothing is left out."""
    from app.scoring.tone.sentences import turn_parts

    sentences = [_sentence(x) for x in clips(4, "calm", "strong")[:3]]
    turn = _turn(*sentences)
    parts = turn_parts(turn, SR)
    assert len(parts) == 3, parts
    speech, offset = [], 0  # where each statement's speech lies in the turn
    for s in sentences:
        loud = np.flatnonzero(np.abs(s) > 0.05 * np.abs(s).max())
        speech.append((offset + loud[0], offset + loud[-1]))
        offset += s.size + GAP.size
    for i, (start, end) in enumerate(parts):
        assert start <= speech[i][0] and end > speech[i][1], (parts, speech)
        assert i == 0 or start > speech[i - 1][1], (parts, speech)
        assert i == len(parts) - 1 or end < speech[i + 1][0], (parts, speech)
    assert turn_parts(sentences[0], SR) == []
    assert turn_parts(np.zeros(SR * 6, np.float32), SR) == []


@needs_data
@pytest.mark.parametrize(("actor", "clip"), [(10, 1), (19, 0), (20, 1)])
def test_a_shout_inside_a_longer_turn_is_not_diluted(scorer, actor: int, clip: int) -> None:
    """A strongly angry statement followed by two calm ones in the same turn, at telephone band
    and µ-law, against the speaker's baseline: read whole, the calm sentences dilute it (these
    turns read 0.09-0.15); read sentence by sentence (`read_turn`, what the front end uses) the
    shout is heard as it is alone (it reads over CONFIDENT_SENTENCE)."""
    base = _phone_baseline(scorer, actor)
    angry = _sentence(clips(actor, "angry", "strong")[clip])
    calm = [_sentence(x) for x in clips(actor, "calm", "strong")[:2]]
    turn = _turn(angry, *calm)
    feats = scorer.features(turn)
    alone = scorer.read(scorer.features(angry), base).score
    assert alone >= 0.9
    assert scorer.read(feats, base).score < 0.5  # the dilution this reading removes
    reading = scorer.read_turn(turn, feats, base)
    assert reading.baseline
    assert reading.score >= 0.9
    assert abs(reading.score - alone) <= 0.05


@needs_data
def test_calm_and_happy_turns_keep_their_whole_turn_reading(scorer) -> None:
    """For every actor, at telephone band: three calm statements in one turn read under 0.1; a
    strongly happy statement followed by two calm ones keeps its whole-turn reading unless the
    happy statement alone reads as a confident shout (CONFIDENT_SENTENCE). Read alone, a happy
    statement is in tone's zone of confusion (actor 19: 0.62), and taking the highest sentence
    below that fired the anger card on the call bench's happy call at µ-law."""
    from app.scoring.tone.model import CONFIDENT_SENTENCE

    raised = 0
    for actor in range(1, 21):
        base = _phone_baseline(scorer, actor)
        calm = [_sentence(x) for x in clips(actor, "calm", "strong")[:2]]
        calm.append(_sentence(clips(actor, "calm", "normal")[2]))
        turn = _turn(*calm)
        assert scorer.read_turn(turn, scorer.features(turn), base).score < 0.1, actor
        for x in clips(actor, "happy", "strong")[:2]:
            happy = _sentence(x)
            turn = _turn(happy, calm[0], calm[1])
            feats = scorer.features(turn)
            score = scorer.read_turn(turn, feats, base).score
            whole = scorer.read(feats, base).score
            alone = scorer.read(scorer.features(happy), base).score
            if alone < CONFIDENT_SENTENCE - 0.05:
                assert score == whole, (actor, score, whole, alone)
            raised += score > whole
    assert raised <= 2, raised


@needs_data
def test_a_turn_is_read_whole_without_a_speaker_baseline(scorer) -> None:
    """Before the speaker's baseline is ready, a long turn gets one population reading, the
    conservative calibration, not the highest of its sentences."""
    actor = 19
    angry = _sentence(clips(actor, "angry", "strong")[0])
    turn = _turn(angry, *[_sentence(x) for x in clips(actor, "calm", "strong")[:2]])
    feats = scorer.features(turn)
    for base in (None, SpeakerBaseline()):
        reading = scorer.read_turn(turn, feats, base)
        assert not reading.baseline
        assert reading == scorer.read(feats, base)


@needs_data
@pytest.mark.parametrize("name", ["nan and inf", "silence 2 s", "dc offset", "clipping"])
def test_a_long_awkward_turn_gives_a_defined_reading(scorer, name: str) -> None:
    """Awkward audio three times over with pauses between (a long turn, so `read_turn` looks for
    sentences), against a ready baseline: a defined reading, no exception."""
    from app.scoring.tone.sentences import turn_parts

    piece = _awkward_inputs()[name]
    piece = np.tile(piece, max(1, int(np.ceil(1.5 * SR / max(piece.size, 1)))))
    turn = np.concatenate([piece, np.zeros(SR // 2, np.float32)] * 3)
    assert turn.size > 4 * SR
    for s, e in turn_parts(turn, SR):
        assert 0 <= s < e <= turn.size
    base = _phone_baseline(scorer, 4)
    reading = scorer.read_turn(turn, scorer.features(turn), base)
    assert 0.0 <= reading.score <= 1.0


@needs_data
def test_the_whisper_view_read_behind_several_leads_moves_less_with_the_cut_start(scorer) -> None:
    """A cut that begins a few milliseconds earlier or later falls on other 20 ms encoder frames;
    read alone, the mean encoder frame of a shout moves with it (benchmarks/tone_cut_start.py).
    Read behind 0, 5, 10 and 15 ms of silence and averaged, the same shout, cut 0-30 ms later,
    stays closer to its own mean. One lead is the plain single reading."""
    emb = scorer.embedder
    assert emb is not None
    x = telephone(clips(3, "angry", "strong")[0])
    shifted = [cut_around_speech(x, 0.2)[round(ms * 16) :] for ms in range(0, 31, 5)]
    phases = (0.0, 0.005, 0.010, 0.015)
    np.testing.assert_array_equal(emb.embed(shifted[0], SR, (0.0,)), emb.embed(shifted[0]))

    def spread(vectors: list[np.ndarray]) -> float:
        v = np.stack(vectors)
        return float(np.linalg.norm(v - v.mean(axis=0), axis=1).mean())

    single = spread([emb.embed(a) for a in shifted])
    averaged = spread([emb.embed(a, SR, phases) for a in shifted])
    assert averaged < 0.5 * single, (averaged, single)
    read = scorer.with_encoder_phases(phases)
    assert read.encoder_phases_s == phases and scorer.encoder_phases_s == (0.0,)
    np.testing.assert_allclose(
        read.features(shifted[0]).embedding, emb.embed(shifted[0], SR, phases)
    )

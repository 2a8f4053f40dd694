"""The review window's non-Qt logic on real audio and real reports: waveform peaks and their
cache, the transcript's time-to-line mapping, the call list's filters, opening reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from app.errors import AudioReadError
from app.paths import ASSETS_DIR
from app.review import CallQuery, Peaks, TranscriptTimeline, filter_rows, row_from_report
from app.review.peaks import compute_peaks, load_or_compute_peaks
from app.review.sources import ReviewInputError, find_audio, load_report_file

DEMO = ASSETS_DIR / "demo_call.ogg"


@pytest.fixture(scope="module")
def demo_peaks() -> Peaks:
    return compute_peaks(DEMO)


def test_peaks_follow_the_audio(demo_peaks: Peaks) -> None:
    from app.audio.reader import read_all

    audio = read_all(DEMO)
    assert demo_peaks.channels == 2
    assert demo_peaks.duration_s == pytest.approx(audio.shape[1] / 16_000, abs=0.01)
    # bucket k holds the min/max of samples [160k, 160k + 160) of each channel
    for k in (0, 1234, 5000, demo_peaks.lo.shape[1] - 2):
        chunk = audio[:, k * 160 : (k + 1) * 160]
        assert np.allclose(demo_peaks.lo[:, k], chunk.min(axis=1))
        assert np.allclose(demo_peaks.hi[:, k], chunk.max(axis=1))
    # the agent (left) talks first: the right channel is quiet before the customer's first turn
    lo, hi = demo_peaks.span(0.8, 4.0, 50)
    assert (hi[0] - lo[0]).max() > 10 * (hi[1] - lo[1]).max()


@pytest.mark.parametrize(
    ("t0", "t1", "width"), [(0.0, 116.65, 800), (3.3, 97.1, 457), (10, 11, 800), (100, 130, 300)]
)
def test_span_reduces_every_bucket_of_each_pixel(
    demo_peaks: Peaks, t0: float, t1: float, width: int
) -> None:
    lo, hi = demo_peaks.span(t0, t1, width)
    n = demo_peaks.lo.shape[1]
    edges = np.floor(np.linspace(t0 * 100, t1 * 100, width + 1)).astype(int)
    for i in range(width):
        a, b = edges[i], max(edges[i + 1], edges[i] + 1)
        if a >= n:  # past the end of the audio: nothing drawn
            assert lo[:, i].tolist() == [0, 0] and hi[:, i].tolist() == [0, 0]
            continue
        b = min(b, n)
        assert np.allclose(lo[:, i], demo_peaks.lo[:, a:b].min(axis=1))
        assert np.allclose(hi[:, i], demo_peaks.hi[:, a:b].max(axis=1))


def test_peaks_cache_is_used_and_a_damaged_one_is_recomputed(
    demo_peaks: Peaks, tmp_path: Path
) -> None:
    seen: list[float] = []
    first = load_or_compute_peaks(DEMO, tmp_path, progress=seen.append)
    assert np.array_equal(first.lo, demo_peaks.lo) and seen[-1] == 1.0 and len(seen) > 5
    cached = next(tmp_path.glob("*.npz"))
    seen.clear()
    again = load_or_compute_peaks(DEMO, tmp_path, progress=seen.append)
    assert np.array_equal(again.hi, demo_peaks.hi) and seen == [1.0]  # read, not recomputed
    cached.write_bytes(b"not a numpy file")
    repaired = load_or_compute_peaks(DEMO, tmp_path)
    assert np.array_equal(repaired.lo, demo_peaks.lo)
    assert Peaks.load(cached).lo.shape == demo_peaks.lo.shape  # rewritten


def test_peaks_of_an_unreadable_file_say_so(tmp_path: Path) -> None:
    bad = tmp_path / "call.ogg"
    bad.write_bytes(b"OggS" + bytes(range(256)) * 10)
    with pytest.raises(AudioReadError, match=r"call\.ogg"):
        load_or_compute_peaks(bad, tmp_path)
    assert not list(tmp_path.glob("*.npz"))


def test_transcript_line_at_follows_call_time() -> None:
    rows = [  # report order is processing order: the customer's line was finished later
        {"speaker": "customer", "start": 5.0, "end": 9.0, "text": "c1"},
        {"speaker": "agent", "start": 1.0, "end": 4.0, "text": "a1"},
        {"speaker": "agent", "start": 8.0, "end": 10.0, "text": "a2"},
    ]
    timeline = TranscriptTimeline(rows)
    assert [u["text"] for u in timeline.lines] == ["a1", "c1", "a2"]
    assert timeline.report_index == [1, 0, 2]
    assert timeline.line_at(0.5) is None
    assert timeline.line_at(1.0) == 0
    assert timeline.line_at(4.5) == 0  # the pause after a line: it stays current
    assert timeline.line_at(7.9) == 1
    assert timeline.line_at(8.5) == 2  # overlapping talk: the latest-started line
    assert timeline.line_at(1e9) == 2
    for line in range(3):
        assert timeline.line_at(timeline.start_of(line)) == line


def test_call_filters_narrow_real_reports(demo_report: dict) -> None:
    calm = json.loads(json.dumps(demo_report))
    calm["call"] = "calm_call.ogg"
    calm["summary"]["escalated"] = False
    for p in calm["prompts"]:
        p["outcome"] = "followed"
    calm["agent"] = "Dana"
    calm["scorecard"] = {"passed": 3, "failed": 1, "not_applicable": 0, "items": []}
    rows = [
        row_from_report(demo_report, "a.json", date(2026, 11, 2)),
        row_from_report(calm, "b.json", date(2026, 12, 1)),
    ]
    names = lambda q: [r.name for r in filter_rows(rows, q)]  # noqa: E731
    assert names(CallQuery()) == ["demo_call.ogg", "calm_call.ogg"]
    assert names(CallQuery(escalated=True)) == ["demo_call.ogg"]
    assert rows[0].ignored >= 1 and names(CallQuery(prompts_ignored=True)) == ["demo_call.ogg"]
    assert names(CallQuery(agent="dana")) == ["calm_call.ogg"]
    demo_failed = int((demo_report.get("scorecard") or {}).get("failed") or 0) > 0
    assert names(CallQuery(scorecard_failures=True)) == (
        ["demo_call.ogg", "calm_call.ogg"] if demo_failed else ["calm_call.ogg"]
    )
    assert names(CallQuery(date_from=date(2026, 11, 15))) == ["calm_call.ogg"]
    assert names(CallQuery(date_to=date(2026, 11, 15))) == ["demo_call.ogg"]
    said = next(u["text"] for u in demo_report["utterances"] if len(u["text"].split()) > 3)
    assert names(CallQuery(text=said.split()[2].upper())) == ["demo_call.ogg", "calm_call.ogg"]
    assert names(CallQuery(text="calm_call")) == ["calm_call.ogg"]
    assert names(CallQuery(text="no-such-word-anywhere")) == []


def test_reports_open_or_fail_with_one_line(demo_report: dict, tmp_path: Path) -> None:
    # the recorded source comes first, while it exists
    assert find_audio(demo_report, tmp_path / "any.json") == Path(demo_report["source"]["path"])
    moved = {**demo_report, "source": {**demo_report["source"], "path": str(tmp_path / "gone.ogg")}}
    good = tmp_path / "demo_call.json"
    good.write_text(json.dumps(moved))
    assert load_report_file(good)["call"] == "demo_call.ogg"
    assert find_audio(moved, good) is None  # source moved away, no recording beside it
    (tmp_path / "demo_call.ogg").write_bytes(DEMO.read_bytes())
    assert find_audio(moved, good) == tmp_path / "demo_call.ogg"
    cases = {
        "missing.json": (None, "no such file"),
        "broken.json": ("{not json", "bad JSON"),
        "list.json": ("[1, 2]", "no utterances list"),
        "row.json": ('{"utterances": [{"text": 3}]}', "utterance 0"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        with pytest.raises(ReviewInputError, match=message) as info:
            load_report_file(path)
        assert "\n" not in str(info.value)


def test_stored_calls_filters_notes_and_export(demo_report: dict, tmp_path: Path) -> None:
    from app.config import Settings
    from app.review.stored_calls import ReviewStore, call_id_of, export_call
    from app.store import Store

    audio = tmp_path / "demo_call.ogg"
    audio.write_bytes(DEMO.read_bytes())
    with_store = Store(tmp_path / "calls.sqlite3")
    try:
        stored = ReviewStore(with_store, Settings())
        report = json.loads(json.dumps(demo_report))
        assert stored.find_stored(report, audio) is None
        call_id = stored.ensure_stored(report, audio)
        assert stored.ensure_stored(report, audio) == call_id  # found, not stored twice
        assert stored.find_stored(report, None) is None  # no audio: nothing to compare
        rows = stored.rows(CallQuery())
        assert [call_id_of(r.key) for r in rows] == [call_id]
        assert rows[0].escalated and rows[0].ignored >= 1
        assert stored.rows(CallQuery(text="no-such-word-anywhere")) == []
        assert len(stored.rows(CallQuery(escalated=True, prompts_ignored=True))) == 1
        notes = stored.add_note(call_id, "Late acknowledgement.", 3, 41.4, "acknowledge_anger")
        assert [(n["text"], n["rating"], n["prompt_id"]) for n in notes] == [
            ("Late acknowledgement.", 3, "acknowledge_anger")
        ]
        loaded, found_audio = stored.load(call_id)
        assert found_audio == audio.resolve()  # no stored copy: the original recording
        assert loaded["notes"][0]["text"] == "Late acknowledgement."
        written = export_call(loaded, tmp_path / "out")
        assert {p.name for p in written} == {"demo_call.html", "demo_call.csv", "demo_call.json"}
        assert "Late acknowledgement." in (tmp_path / "out" / "demo_call.html").read_text()
    finally:
        with_store.close()


def test_purge_deletes_the_review_windows_waveform_cache(tmp_path: Path) -> None:
    from app.store import Store, peaks_dir_for, purge_files, stored_files

    db = tmp_path / "calls.sqlite3"
    Store(db).close()
    peaks = load_or_compute_peaks(DEMO, peaks_dir_for(db))
    assert peaks.channels == 2 and list(peaks_dir_for(db).glob("*.npz"))
    assert peaks_dir_for(db) in stored_files(db)
    purge_files(db)
    assert not peaks_dir_for(db).exists() and stored_files(db) == []

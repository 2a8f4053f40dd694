"""The QA review window (offscreen, real Qt, real QMediaPlayer, real pipeline): the demo call
opens with its waveform, clicking a transcript line or a card marker seeks, the current line
follows playback, filters narrow the call list, a note is saved and exported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication

from app.paths import ASSETS_DIR
from app.report import frustration_plot as plot
from app.store import Store
from app.ui.review import ReviewWindow
from app.ui.review.playback import MULTIMEDIA


@pytest.fixture
def demo_files(demo_report: dict, tmp_path: Path) -> Path:
    """The demo call's report (as `callcoach demo` wrote it) with its recording beside it."""
    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(ASSETS_DIR / "demo_call.ogg", folder / "demo_call.ogg")
    report = folder / "demo_call.json"
    # as if analysed here: the report's source is this copy (deleting it loses the audio)
    data = {
        **demo_report,
        "source": {**demo_report["source"], "path": str(folder / "demo_call.ogg")},
    }
    report.write_text(json.dumps(data), encoding="utf-8")
    return report


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A real call store (SQLite) in the test's folder."""
    s = Store(tmp_path / "calls.sqlite3")
    yield s  # type: ignore[misc]
    s.close()


@pytest.fixture
def window(qtbot, tmp_path: Path, store: Store) -> ReviewWindow:  # type: ignore[no-untyped-def]
    w = ReviewWindow(peaks_cache=tmp_path / "peaks", store=store)
    qtbot.addWidget(w)
    w.resize(1400, 860)
    w.show()
    return w


def open_demo(qtbot, window: ReviewWindow, report: Path) -> None:  # type: ignore[no-untyped-def]
    window.open_paths([report])
    qtbot.waitUntil(lambda: window.timeline.peaks is not None, timeout=30_000)


def test_demo_call_opens_with_waveform_cards_and_transcript(
    qtbot, window: ReviewWindow, demo_files: Path, demo_report: dict
) -> None:  # type: ignore[no-untyped-def]
    open_demo(qtbot, window, demo_files)
    assert window.playback.audible == MULTIMEDIA  # real playback through Qt Multimedia
    assert window.transcript.model().rowCount() == len(demo_report["utterances"])
    assert len(window.timeline.prompts) == len(demo_report["prompts"])
    peaks = window.timeline.peaks
    assert peaks is not None and peaks.channels == 2
    assert peaks.duration_s == pytest.approx(demo_report["duration_s"], abs=0.2)
    # the follow-up card is a reminder, listed with the scorecard
    ids = [p["id"] for p in demo_report["prompts"]]
    assert {ids.index("follow_up_call")} == window.timeline.follow_up
    assert "Follow-up reminders" in window.judge.scorecard_view.toPlainText()
    image = window.timeline.grab().toImage()
    lane_y = 18 + 30  # middle of the agent's waveform lane
    colours = {image.pixelColor(x, lane_y).name() for x in range(0, image.width(), 3)}
    assert plot.AGENT in colours  # the agent's waveform was drawn, in the report's colour


def test_clicking_a_transcript_line_and_a_marker_seeks(
    qtbot, window: ReviewWindow, demo_files: Path
) -> None:  # type: ignore[no-untyped-def]
    open_demo(qtbot, window, demo_files)
    view = window.transcript
    line = 12
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.row_rect_center(line))
    start = view.source.timeline.start_of(line)
    assert window.playback.position() == pytest.approx(start)
    assert view.source.current == line
    assert window.timeline.position == pytest.approx(start)

    prompts = window.timeline.prompts
    k = next(i for i, p in enumerate(prompts) if p["id"] == "acknowledge_anger")
    x = round(window.timeline.marker_x(k))
    qtbot.mouseClick(window.timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 120))
    assert window.selected_prompt == k
    assert window.playback.position() == pytest.approx(prompts[k]["source_t"])
    shown = window.judge.prompt_view.toPlainText()
    assert prompts[k]["title"] in shown and prompts[k]["outcome"] in shown
    assert prompts[k]["outcome_detail"] in shown  # the evidence
    current = view.source.current
    assert current is not None
    assert view.source.timeline.start_of(current) <= prompts[k]["source_t"]

    # clicking the waveform away from any marker seeks there
    x = round(window.timeline.width() * 0.05)
    assert window.timeline.prompt_at(x) is None
    qtbot.mouseClick(window.timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 60))
    assert window.playback.position() == pytest.approx(window.timeline.time_at(x))


def test_current_line_follows_playback_and_keys_drive_it(
    qtbot, window: ReviewWindow, demo_files: Path
) -> None:  # type: ignore[no-untyped-def]
    open_demo(qtbot, window, demo_files)
    timeline = window.transcript.source.timeline
    line = 5
    window.seek(timeline.start_of(line + 1) - 0.6)
    assert window.transcript.source.current == line
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_Plus)  # faster: 1.25×
    qtbot.keyClick(window.timeline, Qt.Key.Key_Plus)  # 1.5×
    assert window.playback.speed == 1.5 and window.speed_box.currentText() == "1.5×"
    qtbot.keyClick(window.timeline, Qt.Key.Key_Space)
    assert window.playback.playing
    qtbot.waitUntil(lambda: window.transcript.source.current == line + 1, timeout=10_000)
    selected = window.transcript.selectionModel().selectedRows()
    assert [window.transcript.proxy.mapToSource(i).row() for i in selected] == [line + 1]
    qtbot.keyClick(window.timeline, Qt.Key.Key_Space)
    assert not window.playback.playing
    paused = window.playback.position()
    assert paused > timeline.start_of(line + 1)
    qtbot.keyClick(window.timeline, Qt.Key.Key_Right)
    assert window.playback.position() == pytest.approx(paused + 5, abs=0.05)
    qtbot.keyClick(window.timeline, Qt.Key.Key_Minus)
    assert window.playback.speed == 1.25
    qtbot.keyClick(window.timeline, Qt.Key.Key_Home)
    assert window.playback.position() == 0.0
    qtbot.keyClick(window.timeline, Qt.Key.Key_N)  # the first card
    assert window.selected_prompt is not None


def test_filters_narrow_the_call_list(
    qtbot, window: ReviewWindow, store: Store, demo_files: Path, demo_report: dict
) -> None:  # type: ignore[no-untyped-def]
    # two stored calls, as `analyze` stores them, and one report opened from a file
    calm = json.loads(json.dumps(demo_report))
    calm["call"] = "calm_call.ogg"
    calm["summary"]["escalated"] = False
    calm["prompts"] = [dict(p, outcome="followed") for p in calm["prompts"]]
    escalated_id = store.save_report(demo_report, sha256="a" * 64)
    calm_id = store.save_report(calm, sha256="b" * 64)
    other = json.loads(json.dumps(calm))
    other["call"] = "other_call.ogg"
    other_path = demo_files.parent / "other_call.json"
    other_path.write_text(json.dumps(other))
    window.open_paths([other_path])
    panel = window.calls_panel
    stored = {f"store:{escalated_id}", f"store:{calm_id}"}
    assert set(panel.keys()) == stored | {str(other_path)}
    assert panel.count.text() == "3 of 3 calls"
    panel.escalated.setChecked(True)
    assert panel.keys() == [f"store:{escalated_id}"]
    panel.escalated.setChecked(False)
    panel.ignored.setChecked(True)
    assert panel.keys() == [f"store:{escalated_id}"]
    panel.ignored.setChecked(False)
    qtbot.keyClicks(panel.search, "calm")
    assert panel.keys() == [f"store:{calm_id}"] and panel.count.text() == "1 of 3 calls"
    panel.search.clear()
    qtbot.keyClicks(panel.search, "other_call")
    assert panel.keys() == [str(other_path)]
    panel.search.clear()
    assert panel.list.count() == 3
    # a stored call's id opens it (`callcoach review 12`)
    window.open_paths([Path(str(escalated_id))])
    assert window.current is not None and window.current.call_id == escalated_id
    # choosing a stored call in the list opens it from the store
    item = panel.list.item(panel.keys().index(f"store:{calm_id}"))
    panel.list.itemClicked.emit(item)
    assert window.current is not None and window.current.call_id == calm_id
    assert window.current.report is not None
    assert window.current.report["call"] == "calm_call.ogg"
    assert window.transcript.model().rowCount() == len(calm["utterances"])


def test_a_note_is_saved_and_exported(
    qtbot, window: ReviewWindow, store: Store, demo_files: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    open_demo(qtbot, window, demo_files)
    prompts = window.timeline.prompts
    k = next(i for i, p in enumerate(prompts) if p.get("outcome") == "ignored")
    window.select_prompt(k)
    judge = window.judge
    qtbot.keyClicks(judge.note_edit, "Agent missed the chance to say what they can do.")
    judge.rating.setCurrentIndex(2)
    qtbot.mouseClick(judge.save_prompt_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(judge.note_edit, "Good recovery after the hold.")
    qtbot.mouseClick(judge.save_call_button, Qt.MouseButton.LeftButton)
    assert judge.notes_list.count() == 2
    assert "saved in the call store" in judge.notes_status.text()
    call_id = window.current.call_id  # type: ignore[union-attr]
    assert call_id is not None
    saved = store.notes(call_id)
    assert [(n.prompt_id, n.rating) for n in saved] == [(prompts[k]["id"], 2), (None, None)]
    assert saved[0].prompt_t == prompts[k]["t"]

    written = window.export_to(tmp_path / "export")
    assert sorted(p.suffix for p in written) == [".csv", ".html", ".json"]
    html = next(p for p in written if p.suffix == ".html").read_text()
    assert "Agent missed the chance to say what they can do." in html
    assert "Good recovery after the hold." in html
    data = json.loads(next(p for p in written if p.suffix == ".json").read_text())
    assert [n["text"] for n in data["notes"]] == [
        "Agent missed the chance to say what they can do.",
        "Good recovery after the hold.",
    ]
    csv_text = next(p for p in written if p.suffix == ".csv").read_text()
    assert len(csv_text.splitlines()) == len(data["utterances"]) + 1

    # the same report opened again (another window, the same store): the notes are there
    again = ReviewWindow(peaks_cache=tmp_path / "peaks", store=store)
    qtbot.addWidget(again)
    again.open_paths([demo_files])
    assert again.current is not None and again.current.call_id == call_id
    assert again.judge.notes_list.count() == 2
    assert len(store.list_calls()) == 1  # not stored twice


def test_missing_audio_and_unreadable_files_are_said(
    qtbot, window: ReviewWindow, demo_files: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    (demo_files.parent / "demo_call.ogg").unlink()
    window.open_paths([demo_files])
    assert "Audio not found for demo_call.ogg" in window.message.text()
    assert window.transcript.model().rowCount() > 0  # the call is still shown
    assert window.timeline.peaks is None and not window.playback.audible
    bad = tmp_path / "broken.json"
    bad.write_text("{oops")
    window.open_paths([bad])
    assert "broken.json: not a callcoach report" in window.message.text()
    noise = tmp_path / "noise.ogg"
    noise.write_bytes(b"OggS" + bytes(range(256)) * 8)
    window.open_paths([noise])
    qtbot.waitUntil(lambda: window.analysis_job is None, timeout=30_000)
    assert window.message.text().startswith("Cannot analyse noise.ogg: ")
    assert "\n" not in window.message.text()


def test_a_recording_is_analysed_in_a_worker_and_can_be_cancelled(
    qtbot, window: ReviewWindow, store: Store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    call = tmp_path / "demo_call_resolved.ogg"
    shutil.copy(ASSETS_DIR / "demo_call_resolved.ogg", call)
    window.open_paths([call])
    assert window.analysis_job is not None and window.progress.isVisible()
    qtbot.waitUntil(lambda: window.progress.value() > 0, timeout=120_000)
    window.cancel_button.click()
    qtbot.waitUntil(lambda: window.analysis_job is None, timeout=60_000)
    assert window.message.text() == "Analysis cancelled."
    assert window.calls[str(call)].report is None

    window.open_key(str(call))  # again, to the end: the same report `analyze` writes
    qtbot.waitUntil(lambda: window.current is not None, timeout=180_000)
    report = window.calls[str(call)].report
    assert report is not None and report["call"] == "demo_call_resolved.ogg"
    ids = [p["id"] for p in report["prompts"]]
    assert "acknowledge_anger" in ids and "offer_timeline" in ids
    assert window.transcript.model().rowCount() == len(report["utterances"])
    # stored as `analyze` stores it; opened again, it comes from the store, not re-analysed
    call_id = report["call_id"]
    assert [r.call_id for r in store.list_calls()] == [call_id]
    again = ReviewWindow(peaks_cache=tmp_path / "peaks", store=store, analyse=_must_not_analyse)
    qtbot.addWidget(again)
    again.open_paths([call])
    qtbot.waitUntil(lambda: again.current is not None, timeout=60_000)
    assert again.current.report["call_id"] == call_id  # type: ignore[union-attr]
    assert again.transcript.model().rowCount() == len(report["utterances"])


def _must_not_analyse(*args: object) -> dict:
    raise AssertionError("a stored analysis was analysed again")


def check_dark(qtbot, window: ReviewWindow, light: QImage) -> None:  # type: ignore[no-untyped-def]
    window.set_dark(True)
    assert window.dark_action.isChecked()
    base = QPalette.ColorRole.Base
    qtbot.waitUntil(lambda: window.timeline.palette().color(base).lightness() < 60)
    dark = window.timeline.grab().toImage()
    y = window.timeline.height() - 3  # the curves lane's background
    assert light.pixelColor(5, y).lightness() > 200 and dark.pixelColor(5, y).lightness() < 60


def test_dark_palette_and_high_dpi_drawing(
    qtbot, window: ReviewWindow, demo_files: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    open_demo(qtbot, window, demo_files)
    light = window.timeline.grab().toImage()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style, palette = app.style().name(), app.palette()
    try:
        check_dark(qtbot, window, light)
    finally:  # the application is shared by the other UI tests: leave it as it was
        app.setStyle(style)
        app.setPalette(palette)
    # at a device pixel ratio of 2 the waveform is drawn at the screen's pixels, not scaled up
    script = (
        "import sys; from pathlib import Path; from PySide6.QtWidgets import QApplication\n"
        "from app.ui.review import ReviewWindow\n"
        "from PySide6.QtTest import QTest\n"
        "app = QApplication([]); w = ReviewWindow(peaks_cache=Path(sys.argv[2]))\n"
        "w.resize(1200, 800); w.show(); w.open_paths([Path(sys.argv[1])])\n"
        "for _ in range(600):\n"
        "    QTest.qWait(50)\n"
        "    if w.timeline.peaks is not None: break\n"
        "img = w.timeline.grab()\n"
        "print(img.devicePixelRatio(), img.width(), w.timeline.width())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(demo_files), str(tmp_path / "peaks2")],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-800:]
    ratio, pixels, width = done.stdout.split()[-3:]
    assert float(ratio) == 2.0 and int(pixels) == 2 * int(width)


def test_review_without_a_screen_says_so_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "review", "nothing-here.ogg"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "callcoach: the review window needs a screen (QT_QPA_PLATFORM=offscreen has no screen)"
    ]


def test_zoom_shows_two_minutes_and_follows_playback(
    qtbot, window: ReviewWindow, demo_files: Path
) -> None:  # type: ignore[no-untyped-def]
    open_demo(qtbot, window, demo_files)
    timeline = window.timeline
    window.seek(30.0)
    timeline.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Z)
    # the demo is under two minutes: "two minutes" is all of it
    assert timeline.view is None
    timeline.zoom(20.0)  # 20 s around the playhead
    assert timeline.view == pytest.approx((20.0, 40.0))
    x = timeline.width() / 4
    expected = 20.0 + x / timeline.span_px() * 20.0
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(x), 60))
    assert window.playback.position() == pytest.approx(expected, abs=0.05)
    window.seek(70.0)  # out of the zoomed stretch: the view follows, the playhead near its start
    v0, v1 = timeline.view  # type: ignore[misc]
    assert v1 - v0 == pytest.approx(20.0) and v0 < 70.0 < v1 and 70.0 - v0 == pytest.approx(2.0)
    qtbot.keyClick(timeline, Qt.Key.Key_Z)  # back to the whole call
    assert timeline.view is None


def test_redacted_text_stays_redacted_in_the_window_and_the_export(
    qtbot, window: ReviewWindow, demo_files: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from app.privacy import redact_text

    said = "My card is 4111 1111 1111 1111 and my phone is 020 7946 0018"
    redacted = redact_text(said)  # what the pipeline's back end writes into the report
    assert "4111" not in redacted and "7946" not in redacted
    report = json.loads(demo_files.read_text())
    k = next(i for i, u in enumerate(report["utterances"]) if u["speaker"] == "customer")
    report["utterances"][k]["text"] = redacted
    demo_files.write_text(json.dumps(report))
    open_demo(qtbot, window, demo_files)
    model = window.transcript.source
    texts = [model.index(r, 3).data() for r in range(model.rowCount())]
    assert redacted in texts
    window.transcript_search.setText("4111")  # the number cannot be found either
    assert window.transcript.model().rowCount() == 0
    window.transcript_search.clear()
    written = window.export_to(tmp_path / "export")
    for path in written:
        text = path.read_text()
        assert "4111 1111" not in text and "7946" not in text


def test_audio_warnings_are_said_when_a_call_opens(
    qtbot, window: ReviewWindow, demo_files: Path
) -> None:  # type: ignore[no-untyped-def]
    """A reviewer opening a call whose customer side was never recorded (or cut short) sees
    why in the message line, not only on the HTML page."""
    report = json.loads(demo_files.read_text())
    report["warnings"] = [
        {"what": "silent channel", "where": 0.0, "how_long": 117.0, "detail": "right: no speech"},
        {"what": "truncated", "where": 90.0, "how_long": None, "detail": "cut short"},
        {"what": "corrupt packets", "where": 10.0, "how_long": 0.0, "count": 2},
    ]
    demo_files.write_text(json.dumps(report), encoding="utf-8")
    open_demo(qtbot, window, demo_files)
    text = window.message.text()
    assert "⚠ silent channel at 0:00.0 (117.0 s): right: no speech" in text
    assert "truncated at 1:30.0 (length unknown): cut short" in text and "(+1 more)" in text
    assert "\n" not in text


def test_the_window_fits_the_screen_it_opens_on(qtbot, tmp_path: Path, store: Store) -> None:  # type: ignore[no-untyped-def]
    """The window always opened 1400 x 860: on a 1280 x 800 or 1366 x 768 screen the notes and
    the scorecard panel ran off its right edge. It now takes what the screen has, centred.
    (The other tests' fixture sizes the window itself.)"""
    window = ReviewWindow(peaks_cache=tmp_path / "peaks", store=store)
    qtbot.addWidget(window)
    window.show()
    area = QApplication.primaryScreen().availableGeometry()
    assert area.width() < 1400  # the offscreen platform's screen is smaller than the old size
    geometry = window.geometry()
    assert area.contains(geometry), (area, geometry)
    assert geometry.width() >= window.minimumSizeHint().width()

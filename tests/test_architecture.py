"""Structure rules that keep the pipeline usable without a GUI."""

import subprocess
import sys


def test_cli_and_pipeline_import_no_qt() -> None:
    code = (
        "import sys; import app.cli, app.cli.commands, app.cli.live, app.pipeline; "
        "import app.report.call_report; "
        "import app.coaching.engine, app.audio.source; "
        "import app.review.open_calls, app.review.follow_ups, app.review.stored_calls; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_python_dash_m_app_shows_help() -> None:
    out = subprocess.run([sys.executable, "-m", "app", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("analyze", "score-text", "score-tone", "demo"):
        assert command in out.stdout

"""The self-test's Qt probe: start Qt and show one widget (run in a child process by
`callcoach selftest`, since Qt aborts the whole process when its platform plugin cannot load)."""

from __future__ import annotations


def qt_probe() -> int:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(["callcoach-selftest"])
    label = QLabel("callcoach selftest")
    label.show()
    app.processEvents()
    label.close()
    print(f"PySide6 {pyside_version}, platform '{QApplication.platformName()}'")
    return 0

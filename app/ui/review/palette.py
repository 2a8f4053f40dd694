"""Light and dark palettes for the review window (Fusion style, so both look the same on every
desktop); the timeline and lists draw with palette roles, so they follow."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return bool(hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark)


def palette(dark: bool) -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    colours = (
        {
            role.Window: "#1f2329",
            role.WindowText: "#e5e7eb",
            role.Base: "#16191e",
            role.AlternateBase: "#23272e",
            role.Text: "#e5e7eb",
            role.Button: "#2a2f37",
            role.ButtonText: "#e5e7eb",
            role.Highlight: "#3b82f6",
            role.HighlightedText: "#ffffff",
            role.ToolTipBase: "#2a2f37",
            role.ToolTipText: "#e5e7eb",
            role.PlaceholderText: "#9ca3af",
            role.Mid: "#4b5563",
            role.Link: "#60a5fa",
        }
        if dark
        else {
            role.Window: "#f3f4f6",
            role.WindowText: "#111827",
            role.Base: "#ffffff",
            role.AlternateBase: "#f8fafc",
            role.Text: "#111827",
            role.Button: "#e5e7eb",
            role.ButtonText: "#111827",
            role.Highlight: "#2563eb",
            role.HighlightedText: "#ffffff",
            role.ToolTipBase: "#ffffff",
            role.ToolTipText: "#111827",
            role.PlaceholderText: "#6b7280",
            role.Mid: "#cbd5e1",
            role.Link: "#1d4ed8",
        }
    )
    for r, c in colours.items():
        pal.setColor(r, QColor(c))
    return pal


def apply_palette(app: QApplication, dark: bool) -> None:
    app.setStyle("Fusion")
    app.setPalette(palette(dark))

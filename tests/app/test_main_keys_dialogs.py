"""Keyboard shortcuts, the F1 help, the settings dialog and the --screenshot mode."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.shell.settings_dialog import SettingsDialog
from app.shell.shortcuts import shortcut_rows
from app.shell.settings import StudioSettings

from .conftest import open_and_wait

ROOT = Path(__file__).resolve().parents[2]


def test_keyboard_drives_playback(qtbot, window, barcode_video):
    open_and_wait(qtbot, window, barcode_video)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.view.shown_frame == 1, timeout=5000)
    qtbot.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.view.shown_frame == 26, timeout=5000)
    qtbot.keyClick(window.view, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: window.view.shown_frame == 25, timeout=5000)
    qtbot.keyClick(window.view, Qt.Key.Key_Plus)
    assert window.playback.speed == 1.5
    qtbot.keyClick(window.view, Qt.Key.Key_Minus)
    qtbot.keyClick(window.view, Qt.Key.Key_Minus)
    assert window.playback.speed == 0.75
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert window.playback.playing
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert not window.playback.playing
    qtbot.keyClick(window.view, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # digits belong to the labels
    assert window.overlays["heatmap"].enabled
    qtbot.keyClick(window.view, Qt.Key.Key_P)
    assert window.view.pose_only


def test_f1_lists_the_shortcuts(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog.isVisible()
    rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    keys = " | ".join(rows)
    for needed in ("Space", "Left", "Right", "Shift+Left", "Shift+Right", "Ctrl+O", "Ctrl+Q", "Ctrl+E", "Ctrl+R",
                   "F1", "Ctrl+0", "+", "-", "Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "Alt+1", "1 … 9, 0"):
        assert needed in keys, needed
    from app.shell.keyboard import HELP_ROWS

    # + the label picker, the label keys row and the focus keys (Tab, F6, …: app.shell.keyboard)
    listed = list(window.actions.values()) + window.labeling_ui.label_actions()
    assert "Ctrl+K" in keys
    assert len(shortcut_rows(listed)) + 1 + len(HELP_ROWS) == dialog.table.rowCount()
    dialog.close()


def test_settings_dialog_edits_a_copy(qtbot):
    original = StudioSettings()
    dialog = SettingsDialog(original)
    qtbot.addWidget(dialog)
    dialog.device.setCurrentText("cpu")
    dialog.window.setValue(2.0)
    dialog._overlay_widgets["heatmap"][0].setChecked(True)
    edited = dialog.settings()
    assert edited.device == "cpu" and edited.window == 2.0 and edited.overlays["heatmap"]["enabled"]
    assert original.device == "auto"
    assert isinstance(dialog, QDialog)


def test_screenshot_mode_uses_caches_only_and_exits(tmp_path, barcode_video):
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", EPAM_CACHE_DIR=str(tmp_path / "cache"),
               EPAM_STUDIO_SETTINGS=str(tmp_path / "s.ini"))
    proc = subprocess.run([sys.executable, "-m", "app.main", str(barcode_video), "--frame", "17", "--screenshot",
                           str(out), "--size", "900x600"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() >= 900 and image.height() >= 600
    assert not (tmp_path / "cache" / "poses").exists() or not any((tmp_path / "cache" / "poses").iterdir())


def test_screenshot_of_a_bad_file_fails_cleanly(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"nope" * 50)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", EPAM_STUDIO_SETTINGS=str(tmp_path / "s.ini"))
    proc = subprocess.run([sys.executable, "-m", "app.main", str(bad), "--screenshot", str(tmp_path / "x.png")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "bad.mp4" in proc.stderr

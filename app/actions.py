"""The window's actions: text, icon, shortcut and tooltip in one table (also feeds the F1 help)."""
from __future__ import annotations

from typing import Dict, List, Tuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from .resources import icon

# name: (text, icon, shortcuts, tooltip, checkable)
ACTIONS: Dict[str, Tuple[str, str, Tuple[str, ...], str, bool]] = {
    "open": ("&Open video…", "open", ("Ctrl+O",), "Open videos (or drop them on the window)", False),
    "close_video": ("&Close video", "", ("Ctrl+W",), "Close the current video", False),
    "quit": ("&Quit", "", ("Ctrl+Q",), "Quit EPAM Studio", False),
    "extract": ("&Extract pose", "extract", ("Ctrl+E",), "Extract poses of the current video", False),
    "analyze": ("&Analyze", "analyze", ("Ctrl+R",), "Run EPAM-Net over the current video", False),
    "cancel_jobs": ("Cancel &jobs", "cancel", ("Ctrl+.",), "Cancel the running jobs of the current video", False),
    "play": ("&Play / pause", "play", ("Space",), "Play / pause", False),
    "step_back": ("Step &back", "step-back", ("Left",), "One frame back", False),
    "step_forward": ("Step &forward", "step-forward", ("Right",), "One frame forward", False),
    "jump_back": ("Jump back 1 s", "jump-back", ("Shift+Left",), "One second back", False),
    "jump_forward": ("Jump forward 1 s", "jump-forward", ("Shift+Right",), "One second forward", False),
    "first_frame": ("First frame", "", ("Home",), "Go to the first frame", False),
    "last_frame": ("Last frame", "", ("End",), "Go to the last frame", False),
    "faster": ("Faster", "", ("+", "=", "Ctrl+Up"), "Play faster (up to 4×)", False),
    "slower": ("Slower", "", ("-", "Ctrl+Down"), "Play slower (down to 0.1×)", False),
    "normal_speed": ("Normal speed", "", ("Backspace",), "Play at 1×", False),
    "fit": ("&Fit to window", "fit", ("Ctrl+0",), "Fit the frame in the view", False),
    "zoom_in": ("Zoom &in", "", ("Ctrl++", "Ctrl+="), "Zoom in", False),
    "zoom_out": ("Zoom &out", "", ("Ctrl+-",), "Zoom out", False),
    "pose_only": ("P&ose only", "pose-only", ("P",), "Hide the video pixels, keep skeletons and heatmaps", True),
    "overlay_skeleton": ("Skeletons", "", ("1",), "Toggle skeletons", True),
    "overlay_crop_box": ("Crop box", "", ("2",), "Toggle the crop box", True),
    "overlay_heatmap": ("Pose heatmap", "", ("3",), "Toggle the pose heatmap", True),
    "overlay_attention": ("Spatial attention", "", ("4",), "Toggle the spatial attention", True),
    "overlay_sampled": ("Sampled frames", "", ("5",), "Toggle the sampled-frame marks", True),
    "settings": ("&Settings…", "settings", ("Ctrl+,",), "Device, checkpoint, classes, window and overlay defaults", False),
    "shortcuts": ("&Keyboard shortcuts", "help", ("F1",), "Show the keyboard shortcuts", False),
    "about": ("&About EPAM Studio", "", (), "Versions of EPAM Studio, torch, MediaPipe, Qt; the device in use", False),
}

MENUS: Dict[str, List[str]] = {
    "&File": ["open", "close_video", None, "settings", None, "quit"],
    "&Video": ["play", "step_back", "step_forward", "jump_back", "jump_forward", "first_frame", "last_frame", None,
               "faster", "slower", "normal_speed"],
    "&View": ["fit", "zoom_in", "zoom_out", None, "pose_only", "overlay_skeleton", "overlay_crop_box",
              "overlay_heatmap", "overlay_attention", "overlay_sampled"],
    "&Jobs": ["extract", "analyze", "cancel_jobs"],
    "&Help": ["shortcuts", None, "about"],
}
TOOLBAR = ["open", None, "extract", "analyze", None, "jump_back", "step_back", "play", "step_forward",
           "jump_forward", "|speed", None, "fit", "pose_only", None, "settings", "shortcuts"]


def create_actions(parent: QWidget) -> Dict[str, QAction]:
    """One QAction per entry of :data:`ACTIONS`, shortcuts active anywhere in the window."""
    actions = {}
    for name, (text, icon_name, keys, tip, checkable) in ACTIONS.items():
        action = QAction(text, parent)
        action.setObjectName(f"action_{name}")
        if icon_name:
            action.setIcon(icon(icon_name))
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({keys[0]})" if keys else tip)
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        parent.addAction(action)
        actions[name] = action
    return actions

"""The window's actions: text, icon, shortcut and tooltip in one table (also feeds the F1 help).

The keymap is designed for labeling, where label keys are pressed hundreds of times an hour: the
digit row (and any free letter) belongs to the **labels** (each label's key is set in the Labels panel;
a new project gives 1 … 9, 0 to its first ten labels); single letters do the labeling commands
(I / O marks, S split, M merge, A accept, N next segment, ↑ / ↓ person); overlay toggles moved to
Alt+1 … Alt+5. ``RESERVED_KEYS`` lists the keys a label cannot take.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from app.shell.resources import icon

# name: (text, icon, shortcuts, tooltip, checkable)
ACTIONS: Dict[str, Tuple[str, str, Tuple[str, ...], str, bool]] = {
    # labeling
    "undo": ("&Undo", "", ("Ctrl+Z",), "Undo the last label edit", False),
    "redo": ("&Redo", "", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the label edit undone last", False),
    "mark_in": ("Mark &in", "", ("I",), "Mark the start of a segment at the playhead", False),
    "mark_out": ("Mark &out", "", ("O",), "Mark the end of a segment at the playhead (inclusive)", False),
    "clear_marks": ("Clear marks", "", ("Escape",), "Clear the in/out marks and the selection", False),
    "split": ("&Split", "", ("S",), "Split the label under the playhead at the playhead", False),
    "merge": ("&Merge with next", "", ("M",), "Merge the selected label with the next one", False),
    "merge_previous": ("Merge with previous", "", ("Shift+M",), "Merge the selected label with the previous one", False),
    "accept": ("&Accept prediction", "", ("A",), "Accept the prediction under the playhead as a label, inside the "
               "in/out marks when set (a review item's window); your labels stay", False),
    "accept_range": ("Accept predictions in range", "", ("Shift+A",),
                     "Accept every prediction of the person inside the in/out range (or the whole video); "
                     "your labels stay", False),
    "delete_segment": ("&Delete label", "", ("Delete",), "Delete the selected label", False),
    "next_segment": ("&Next label", "", ("N",), "Select the next label of the person and go to it", False),
    "previous_segment": ("&Previous label", "", ("Shift+N",), "Select the previous label of the person and go to it", False),
    "person_up": ("Person above", "", ("Up",), "Select the person of the lane above", False),
    "person_down": ("Person below", "", ("Down",), "Select the person of the lane below", False),
    "edit_note": ("Edit &note…", "", ("F2",), "Edit the note of the selected label", False),
    # review (issue 9)
    "review_next": ("&Next review item", "", ("]",), "Go to the next place the model needs a human (Review panel)",
                    False),
    "review_previous": ("&Previous review item", "", ("[",), "Go to the previous item of the review queue", False),
    # files and projects
    "open": ("&Open video…", "open", ("Ctrl+O",), "Open videos (or drop them on the window); added to the open project", False),
    "close_video": ("&Close video", "", ("Ctrl+W",), "Close the current video", False),
    "new_project": ("&New project…", "", ("Ctrl+Shift+N",), "Create a labeling project (NAME.epam)", False),
    "open_project": ("Open &project…", "", ("Ctrl+Shift+O",), "Open a labeling project (NAME.epam)", False),
    "save_project_as": ("Save project &as…", "", ("Ctrl+Shift+S",), "Save a copy of the project under a new name", False),
    "close_project": ("Close project", "", (), "Close the project (every edit is already saved)", False),
    "import_labels": ("&Import labels…", "", (), "Import segments from CSV/JSON, BORIS, ELAN, CVAT or Label Studio "
                      "(all or nothing)", False),
    "export_labels": ("&Export labels…", "", (), "Export the project's segments to CSV/JSON, BORIS, ELAN, CVAT or "
                      "Label Studio", False),
    "export_set": ("&Export fine-tuning set…", "", (),
                   "Export the project's labeled segments as clips and poses to train on (epam export)", False),
    "finetune": ("&Fine-tune…", "", (), "Train EPAM-Net on a fine-tuning set, then use the model and see what changed",
                 False),
    "quit": ("&Quit", "", ("Ctrl+Q",), "Quit EPAM Studio", False),
    # jobs
    "extract": ("&Extract pose", "extract", ("Ctrl+E",), "Extract poses of the current video", False),
    "analyze": ("&Analyze", "analyze", ("Ctrl+R",), "Run EPAM-Net over the current video", False),
    "cancel_jobs": ("Cancel &jobs", "cancel", ("Ctrl+.",), "Cancel the running jobs of the current video", False),
    # playback
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
    # navigation and coders (app/labeling/coding_ui.py)
    "goto": ("&Go to time or frame…", "", ("Ctrl+G",), "Go to a time (12.5, 00:01:02.3) or a frame (f 312, #312)",
             False),
    "loop": ("&Loop", "", ("Ctrl+L",), "Play the selected label over and over (else the in/out range, else the "
             "part of the video on screen)", True),
    "add_bookmark": ("Add &bookmark…", "", ("Ctrl+B",), "Bookmark the playhead with a comment", False),
    "next_bookmark": ("Next bookmark", "", ("Ctrl+]",), "Go to the next bookmark of the video", False),
    "previous_bookmark": ("Previous bookmark", "", ("Ctrl+[",), "Go to the previous bookmark of the video", False),
    "blind_coding": ("&Blind coding", "", ("Ctrl+Shift+H",), "Hide the other coders' labels (timeline, lists, "
                     "statistics, review queue); remembered per project", True),
    "my_videos": ("&My videos only", "", (), "Show only the videos assigned to you in the Videos list", True),
    "analyze_all": ("Analyse &all videos…", "", (), "Extract poses and analyse every video of the project that "
                    "is not analysed yet, one after another (progress and cancel in the status bar)", False),
    "compare_with": ("&Compare with…", "", ("Ctrl+Shift+C",),
                     "Show a second analysis of this video side by side (a recorded analysis or a results folder)",
                     False),
    "close_compare": ("C&lose comparison", "", ("Ctrl+Shift+X",), "Close the side-by-side comparison", False),
    # view
    "fit": ("&Fit to window", "fit", ("Ctrl+0",), "Fit the frame in the view", False),
    "zoom_in": ("Zoom &in", "", ("Ctrl++", "Ctrl+="), "Zoom in", False),
    "zoom_out": ("Zoom &out", "", ("Ctrl+-",), "Zoom out", False),
    "pose_only": ("P&ose only", "pose-only", ("P",), "Hide the video pixels, keep skeletons and heatmaps", True),
    "blur_faces": ("&Blur faces", "", ("Ctrl+Shift+B",),
                   "Pixelate the faces in the view (MediaPipe's face detector and the poses' heads)", True),
    "overlay_skeleton": ("Skeletons", "", ("Alt+1",), "Toggle skeletons", True),
    "overlay_crop_box": ("Crop box", "", ("Alt+2",), "Toggle the crop box", True),
    "overlay_heatmap": ("Pose heatmap", "", ("Alt+3",), "Toggle the pose heatmap", True),
    "overlay_attention": ("Spatial attention", "", ("Alt+4",), "Toggle the spatial attention", True),
    "overlay_sampled": ("Sampled frames", "", ("Alt+5",), "Toggle the sampled-frame marks", True),
    # keyboard focus (app.shell.keyboard): panes in the order of F6
    "next_pane": ("Next pane", "", ("F6",), "Keyboard to the next pane: video, timeline, then each dock", False),
    "previous_pane": ("Previous pane", "", ("Shift+F6",), "Keyboard to the previous pane", False),
    "focus_video": ("Go to the video", "", ("Ctrl+1",), "Keyboard to the video (playback and label keys)", False),
    "focus_timeline": ("Go to the timeline", "", ("Ctrl+2",), "Keyboard to the timeline's class box", False),
    "focus_videos": ("Go to Videos", "", ("Ctrl+3",), "Keyboard to the Videos list", False),
    "focus_inspector": ("Go to Inspector", "", ("Ctrl+4",), "Keyboard to the Inspector and overlay controls", False),
    "focus_labels": ("Go to Labels", "", ("Ctrl+5",), "Keyboard to the Labels dock (its label search)", False),
    "focus_people": ("Go to People", "", ("Ctrl+6",), "Keyboard to the People list (merge, split, delete)", False),
    "focus_review": ("Go to Review", "", ("Ctrl+7",), "Keyboard to the review queue and its filters", False),
    "focus_figures": ("Go to Figures", "", ("Ctrl+8",), "Keyboard to the Figures (agreement, statistics)", False),
    "accept_subject": ("Accept subject suggestion", "", ("Ctrl+J",),
                       "Assign the track the People dock suggests to that subject (coding studies)", False),
    "find_label": ("&Find label…", "", ("Ctrl+F",), "Search the label set; Enter applies the label found", False),
    "settings": ("&Settings…", "settings", ("Ctrl+,",), "Device, checkpoint, classes, window and overlay defaults", False),
    "shortcuts": ("&Keyboard shortcuts", "help", ("F1",), "Show the keyboard shortcuts", False),
    "about": ("&About EPAM Studio", "", (), "Versions of EPAM Studio, torch, MediaPipe, Qt; the device in use", False),
}

#: what the F1 table says about the label keys (they are per project, not actions of this table)
LABEL_KEYS_HELP = ("1 … 9, 0 (or the label's key)",
                   "Label: with in/out marks, create a label there; else relabel the selected label "
                   "(or the one under the playhead); with only an in mark, label from it to the playhead")

MENUS: Dict[str, List[str]] = {
    "&File": ["open", "close_video", None, "new_project", "open_project", "|recent", "save_project_as",
              "close_project", None, "import_labels", "export_labels", None, "settings", None, "quit"],
    "&Edit": ["undo", "redo"],
    "&Label": ["find_label", None, "mark_in", "mark_out", "clear_marks", None, "split", "merge", "merge_previous", "delete_segment",
               "edit_note", None, "accept", "accept_range", None, "next_segment", "previous_segment", "person_up",
               "person_down", None, "accept_subject"],
    "&Review": ["review_next", "review_previous"],
    "&Project": ["export_set", "finetune"],
    "&Video": ["play", "step_back", "step_forward", "jump_back", "jump_forward", "first_frame", "last_frame", None,
               "faster", "slower", "normal_speed", None, "goto", "loop", None, "add_bookmark", "next_bookmark",
               "previous_bookmark", None, "compare_with", "close_compare"],
    "&View": ["fit", "zoom_in", "zoom_out", None, "blind_coding", "my_videos", None, "pose_only", "blur_faces",
              "overlay_skeleton", "overlay_crop_box", "overlay_heatmap", "overlay_attention", "overlay_sampled", None, "next_pane", "previous_pane",
              "focus_video", "focus_timeline", "focus_videos", "focus_inspector", "focus_labels", "focus_people",
              "focus_review", "focus_figures"],
    "&Jobs": ["extract", "analyze", "cancel_jobs", None, "analyze_all"],
    "&Help": ["shortcuts", None, "about"],
}
TOOLBAR = ["open", None, "extract", "analyze", None, "jump_back", "step_back", "play", "step_forward",
           "jump_forward", "|speed", None, "fit", "pose_only", None, "settings", "shortcuts"]


def reserved_keys() -> set[str]:
    """Every key sequence of :data:`ACTIONS` (portable text, e.g. ``"S"``, ``"Ctrl+Z"``): not for labels."""
    out = set()
    for _text, _icon, keys, _tip, _check in ACTIONS.values():
        out.update(QKeySequence(k).toString(QKeySequence.SequenceFormat.PortableText) for k in keys)
    return out


def normalize_key(key: str) -> str:
    """A label key as Qt writes it (``"q"`` -> ``"Q"``); empty if Qt does not know the key."""
    return QKeySequence(key.strip()).toString(QKeySequence.SequenceFormat.PortableText) if key.strip() else ""


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

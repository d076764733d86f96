"""Track corrections in the studio: merge, split at the playhead and delete a track of the current video; and
the track's named subject (``app/labeling/subjects_panel.py``: "Assign to subject" in the skeleton's menu).

The People dock's buttons and the skeleton's right-click menu ask; the corrections are the project's
undoable edits (``core_model.project.track_edits``: they rewrite the project's own pose file
``NAME.epam-data/poses/<content key>.npz`` and move the labels in one transaction), applied through
``ProjectController.apply`` so Ctrl+Z / Ctrl+Shift+Z undo and redo them with the label edits.

The studio shows a project video's poses from that file: when the video opens (if the file exists),
and again after every track edit, undo or redo (``ProjectController.posesChanged``). Poses extracted
inside a project are saved to it (when it does not exist yet), so corrections and exports use the
poses the studio showed. Without a project (or read-only, or before poses) the corrections are
disabled and their tooltip says why.
"""
from __future__ import annotations

from typing import Dict, Optional

from PySide6.QtCore import QObject, QPoint, Qt, QTimer
from PySide6.QtWidgets import QMenu

from core_model.errors import EpamError

from app.common.state import VideoEntry
from app.common.lifetime import tie

CLICK_RADIUS = 40.0  # px in image coordinates around a skeleton (as a left click)
MENU_TRACKS = 30  # tracks listed in "Merge into"
REANALYZE_DELAY_MS = 1500  # the analysis is redone once the corrections pause this long


class TrackActions(QObject):
    """Track corrections of the current video. Receives what it uses: the ``project`` controller (edits, messages,
    errors), the ``session``, the People dock (``people``), the video ``view`` (its frame, the skeleton's menu), the
    ``videos`` controller (opened videos, analyze again), the ``jobs`` and the ``parent`` its dialogs belong to."""

    def __init__(self, *, project, session, people, view, videos, jobs, parent=None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.project = project
        self.session = session
        self.people = people
        self.view = view
        self.videos = videos
        self.jobs = jobs
        self._loaded: Dict[int, object] = {}  # video id -> the Poses read from its project file (identity)
        self._reanalyze: Optional[VideoEntry] = None  # the video whose analysis predates its corrected tracks
        self._reanalyze_timer = QTimer(self)
        self._reanalyze_timer.setSingleShot(True)
        self._reanalyze_timer.setInterval(REANALYZE_DELAY_MS)
        self._reanalyze_timer.timeout.connect(self._reanalyze_now)
        from app.labeling.subjects_panel import SubjectsUI

        self.subjects = SubjectsUI(project=project, session=session, people=people, view=view, parent=parent)

    def connect(self) -> None:
        people, view = self.people, self.view
        self.subjects.connect()
        people.set_corrections_visible(True)
        people.mergeRequested.connect(self.merge)
        people.splitRequested.connect(self.split)
        people.deleteRequested.connect(self.delete)
        self.project.posesChanged.connect(self.reload)
        self.project.showVideo.connect(self.show_video)  # undo/redo of another video's edit: go there first
        self.project.projectChanged.connect(self._on_project)
        self.videos.opened.connect(self._on_opened)  # after the window's slot: the entry has its project id
        tie(self.session.current_changed, self, lambda _entry: self.update_enabled())
        tie(self.session.changed, self, self._on_entry_changed)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self.show_skeleton_menu)
        self.update_enabled()

    # ---- state ------------------------------------------------------------------------------
    def blocked_reason(self) -> str:
        """Why the current video's tracks cannot be corrected now (one sentence), or ""."""
        project, entry = self.project, self.session.current
        if not project.is_open:
            return "Track corrections are project edits: open or create a project first (File ▸ New project…)."
        if project.read_only:
            return project.store.write_refusal  # one sentence: the cause and what to do
        if entry is None or not entry.is_open:
            return "Open a video first (Ctrl+O)."
        if entry.project_id is None:
            return f"{entry.name} is not in the project yet; open it again to add it."
        if entry.poses is None:
            return f"{entry.name} has no poses yet: extract them first (Ctrl+E)."
        return ""

    def update_enabled(self) -> None:
        reason = self.blocked_reason()
        self.people.set_corrections_enabled(not reason, reason)

    def _ready(self) -> Optional[VideoEntry]:
        reason = self.blocked_reason()
        if reason:
            self.project.message.emit(reason)
            return None
        return self.session.current

    def _entry(self, video_id: int) -> Optional[VideoEntry]:
        return next((e for e in self.session.entries if e.project_id == video_id), None)

    def show_video(self, video_id: int) -> None:
        """Make the project video ``video_id`` current (opened if needed) unless it already is."""
        entry = self.session.project_entry(video_id)
        if entry is not None and entry is not self.session.current:
            self.session.set_current(entry)
            self.project.message.emit(f"Switched to {entry.name}: the edit undone or redone is there.")

    # ---- the project's pose file ------------------------------------------------------------
    def _load(self, entry: VideoEntry) -> bool:
        """Show the project's pose file of ``entry`` (if there is one); True when shown."""
        path = self.project.poses_path(entry.project_id) if entry.project_id is not None else None
        if path is None or not path.is_file():
            return False
        from core_model.pose.format import Poses

        try:
            poses = Poses.load(path)
        except (EpamError, OSError, ValueError) as err:
            self.project.error.emit("Cannot read the project's poses", f"{path.name}: {err}")
            return False
        self._loaded[entry.project_id] = poses
        self.session.update(entry, poses=poses)
        return True

    def reload(self, video_id: int) -> None:
        """The project's pose file of ``video_id`` was rewritten (a track edit, an undo or redo): show it."""
        entry = self._entry(video_id)
        if entry is not None and entry.is_open and self._load(entry) and entry.result is not None:
            self.schedule_reanalysis(entry)
        self.update_enabled()

    # ---- the analysis follows the corrected tracks --------------------------------------------
    def schedule_reanalysis(self, entry: VideoEntry) -> None:
        """Analyze ``entry`` again with its corrected tracks once the corrections pause (a background job with
        progress and Cancel in the Jobs panel); an analysis still running on the old tracks is cancelled."""
        from app.analysis.controller import ANALYZE

        self._reanalyze = entry
        for job in self.jobs.jobs:
            if job.target is entry and job.kind == ANALYZE:
                self.jobs.cancel(job)
        self._reanalyze_timer.start()

    def _reanalyze_now(self) -> None:
        entry, self._reanalyze = self._reanalyze, None
        if entry is None or entry not in self.session.entries or not entry.is_open or entry.poses is None:
            return
        if any(job.target is entry for job in self.jobs.jobs):  # the cancelled run has not ended yet
            self._reanalyze = entry
            self._reanalyze_timer.start()
            return
        self.videos.analyze(entry)

    def _on_project(self, _store) -> None:
        self._loaded = {}
        self.update_enabled()

    def _on_opened(self, entry: VideoEntry, _info) -> None:
        if self.project.is_open and entry.project_id is not None:
            self._load(entry)  # before the cache lookup ends: it only fills poses that are missing
        self.update_enabled()

    def _on_entry_changed(self, entry: VideoEntry) -> None:
        if entry is self.session.current:
            self.update_enabled()
        if (entry.busy == "extracting poses" and entry.poses is not None and entry.project_id is not None
                and self._loaded.get(entry.project_id) is not entry.poses and self.project.writable(quiet=True)):
            self._extracted(entry)

    def _extracted(self, entry: VideoEntry) -> None:
        """Poses were just extracted inside the project: they become its pose file. A file with track
        corrections is replaced only when the user says so (else kept and shown); the same extraction again
        keeps it as it is."""
        from core_model.project.pose_origin import has_corrections, replace_project_poses, same_as_origin

        path, fresh = self.project.poses_path(entry.project_id), entry.poses
        replacing = path.is_file()
        if replacing and (same_as_origin(path, fresh) or (has_corrections(path) and not self.ask_replace(entry))):
            self._load(entry)
            self.project.message.emit(f"{entry.name}: the project's corrected poses are kept and shown "
                                      f"({path.parent.name}/{path.name}).")
            return
        try:
            replace_project_poses(path, fresh)
        except (EpamError, OSError) as err:
            self.project.error.emit("Cannot save the poses to the project", str(err))
            return
        self._loaded[entry.project_id] = fresh
        if replacing:
            self.project.message.emit(f"{entry.name}: the new extraction replaces the project's poses.")

    def ask_replace(self, entry: VideoEntry) -> bool:
        """Replace a pose file with track corrections by the new extraction? (a dialog; False keeps it)"""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Question, "Replace the corrected poses?",
                          f"The project's poses of {entry.name} have track corrections (merges, splits or "
                          "deletions). Replace them with the new extraction? The corrections are lost; labels "
                          "keep their person numbers, which may then name other tracks.", parent=self._parent)
        replace = box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep the corrected poses", QMessageBox.ButtonRole.RejectRole)
        box.setObjectName("replacePosesBox")
        box.exec()
        return box.clickedButton() is replace

    def _prepare(self, entry: VideoEntry) -> bool:
        """The project's pose file exists (made from the poses shown) before the first correction."""
        from core_model.project.track_edits import ensure_project_poses

        from core_model.project.pose_origin import record_origin

        made = not self.project.poses_path(entry.project_id).is_file()
        try:
            path = ensure_project_poses(self.project.store, entry.project_id, source=entry.poses)
            if made:
                record_origin(path, entry.poses)  # made from the poses shown: what the corrections start from
        except (EpamError, OSError) as err:
            self.project.error.emit("Cannot correct the tracks", str(err))
            return False
        return True

    # ---- corrections --------------------------------------------------------------------------
    def _apply(self, entry: VideoEntry, edit) -> bool:
        """Apply a track edit (with the subject changes it implies: ``subject_edits.with_subjects``) as one step."""
        if not self._prepare(entry):
            return False
        from core_model.project.subject_edits import with_subjects

        return self.project.apply(with_subjects(self.project.store, edit))

    def _done(self, entry: VideoEntry, text: str) -> None:
        """One sentence for the status bar (the analysis shown was made from the tracks before the edit)."""
        if entry.result is not None:
            text += " Analyzing again with the corrected tracks (progress and Cancel in the Jobs panel)."
        self.project.message.emit(text)

    def merge(self, into: int, other: int) -> bool:
        """Track ``other`` is the same person as ``into``: one track, ``other``'s labels become ``into``'s."""
        entry = self._ready()
        if entry is None:
            return False
        from core_model.project.track_edits import MergeTracks

        if not self._apply(entry, MergeTracks(entry.project_id, into, other)):
            return False
        self.session.set_person(int(into))
        self._done(entry, f"Merged track {other} into {into} (Ctrl+Z undoes).")
        return True

    def split(self, track: int, frame: Optional[int] = None) -> bool:
        """From ``frame`` (default: the playhead) on, ``track`` is somebody else: a new track id."""
        entry = self._ready()
        if entry is None:
            return False
        from core_model.project.track_edits import SplitTrack

        frame = self.view.shown_frame if frame is None else frame
        edit = SplitTrack(entry.project_id, track, int(frame or 0))
        if not self._apply(entry, edit):
            return False
        self._done(entry, f"Split track {track} at frame {frame}: from there on it is track {edit.new_id} "
                          "(Ctrl+Z undoes).")
        return True

    def delete(self, track: int) -> bool:
        """Track ``track`` is nobody (a bag, a poster): it goes, with its labels."""
        entry = self._ready()
        if entry is None:
            return False
        from core_model.project.track_edits import DeleteTrack

        if not self._apply(entry, DeleteTrack(entry.project_id, track)):
            return False
        if self.session.person == int(track):
            self.session.set_person(None)
        self._done(entry, f"Deleted track {track} and its labels (Ctrl+Z undoes).")
        return True

    # ---- the skeleton's menu ------------------------------------------------------------------
    def skeleton_menu(self, track: int) -> QMenu:
        """Merge into… / Split at playhead / Delete track for the skeleton ``track``."""
        frame = self.view.shown_frame
        reason = self.blocked_reason()
        menu = QMenu(self._parent)
        menu.setObjectName("skeletonMenu")
        menu.setToolTipsVisible(True)
        title = menu.addAction(f"Track {track}")
        title.setEnabled(False)
        into = menu.addMenu("Merge into…")
        others = self.merge_candidates(track)
        for other in others[:MENU_TRACKS]:
            into.addAction(f"Track {other}").triggered.connect(lambda _=False, o=other: self.merge(o, track))
        into.setEnabled(not reason and bool(others))
        if not others:
            into.menuAction().setToolTip(f"Every other track is present in a frame with track {track}: "
                                         "they are different people.")
        split = menu.addAction(f"Split at playhead (frame {frame})")
        split.triggered.connect(lambda: self.split(track, frame))
        delete = menu.addAction(f"Delete track {track}")
        delete.triggered.connect(lambda: self.delete(track))
        menu.addSeparator()
        self.subjects.add_menu(menu, track, reason)
        for action in (split, delete, into.menuAction()):
            action.setEnabled(not reason and action.isEnabled())
            if reason:
                action.setToolTip(reason)
        if reason:
            menu.addSeparator()
            menu.addAction(reason).setEnabled(False)
        return menu

    def merge_candidates(self, track: int) -> list:
        """Tracks that may be merged with ``track``: never present in the same frame, nearest in time first."""
        poses = self.session.current.poses if self.session.current is not None else None
        if poses is None or int(track) not in set(int(t) for t in poses.track_ids):
            return []
        import numpy as np

        present = poses.present
        mine = present[int(np.nonzero(poses.track_ids == int(track))[0][0])]
        frames = np.nonzero(mine)[0]
        out = []
        for row, other in enumerate(poses.track_ids):
            theirs = np.nonzero(present[row])[0]
            if int(other) == int(track) or not len(theirs) or (mine & present[row]).any():
                continue
            gap = 0 if not len(frames) else min(abs(int(theirs[0]) - int(frames[-1])),
                                                abs(int(frames[0]) - int(theirs[-1])))
            out.append((gap, int(other)))
        return [other for _gap, other in sorted(out)]

    def track_at(self, pos: QPoint) -> Optional[int]:
        from app.video.overlays.context import person_at

        entry, frame = self.session.current, self.view.shown_frame
        if entry is None or entry.poses is None or frame is None:
            return None
        point = self.view.mapToScene(pos)
        return person_at(entry.poses, frame, point.x(), point.y(), CLICK_RADIUS)

    def show_skeleton_menu(self, pos: QPoint) -> None:
        track = self.track_at(pos)
        if track is None:
            return
        self.session.set_person(track)
        self.skeleton_menu(track).popup(self.view.viewport().mapToGlobal(pos))


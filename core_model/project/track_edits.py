"""Track corrections inside a project: undoable edits that rewrite a video's pose file and move its labels.

Labels belong to persons (a segment's ``person`` is a track id), so correcting a track moves them:

- :class:`MergeTracks` ``other`` into ``into``: ``other``'s segments become ``into``'s (refused where
  the two have labels by one author on the same frames);
- :class:`SplitTrack` at ``frame``: the track's segments from ``frame`` on go to the new track id (a
  segment across ``frame`` is cut in two);
- :class:`DeleteTrack`: a false track goes, with its segments.

Each is an :class:`~.edits.Edit`: apply and revert run in one store transaction that also rewrites the
pose file (written aside and renamed); if the database cannot commit, the old pose file is put back.
The project keeps its own corrected copy of a video's poses in ``<project>.epam-data/poses/<content
key>.npz`` (:func:`project_poses_path`; where exports look first), made from the poses found for the
video on the first correction.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import List, Optional

from ..fileio import atomic_path
from ..pose.format import Poses
from ..pose.track_edit import (TrackChange, apply_change, delete_track, merge_tracks, next_track_id,
                               revert_change, split_track)
from .edits import Diff, Edit
from .records import Change, ProjectError, SegmentRecord, now_iso


def project_poses_path(store, video_id: int) -> Path:
    """The project's own pose file of a video (it may not exist yet)."""
    video = store.video(video_id)
    return Path(store.data_dir) / "poses" / f"{video.content_key}.npz"


def ensure_project_poses(store, video_id: int, source=None) -> Path:
    """The project's pose file of a video, made from ``source`` (a pose file or :class:`Poses`) or from the
    poses found for the video (see :func:`core_model.export.project.find_poses`) if it does not exist yet."""
    path = project_poses_path(store, video_id)
    if path.is_file():
        return path
    if source is None:
        from ..export.project import find_poses

        source = find_poses(store, store.video(video_id), store.resolve_video(video_id))
        if source is None:
            raise ProjectError(f"{store.video(video_id).name} has no poses to correct: extract them first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Poses):
        source.save(path)
    else:
        with atomic_path(path) as tmp:
            shutil.copyfile(source, tmp)
    return path


class _TrackEdit(Edit):
    """Base: :meth:`change_poses` computes the track change, :meth:`move_labels` the segment diff."""

    video_id: int
    poses_path: Optional[Path]
    _change: Optional[TrackChange] = None

    def _path(self, store) -> Path:
        if self.poses_path is None:
            self.poses_path = ensure_project_poses(store, self.video_id)
        return Path(self.poses_path)

    def change_poses(self, poses: Poses, store) -> TrackChange:  # pragma: no cover - abstract
        raise NotImplementedError

    def move_labels(self, store) -> Diff:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def description(self) -> str:
        return self._change.description if self._change else type(self).__name__

    def _run(self, store, forward: bool) -> None:
        path = self._path(store)
        before = Poses.load(path)
        written = False
        try:
            with store.transaction():
                fresh = self._diff is None
                if forward and fresh:
                    try:
                        self._change = self.change_poses(before, store)
                        removed, added = self.move_labels(store)
                    except BaseException:
                        self._change = None
                        raise
                    added = store.write_diff(removed, added)
                    self._diff = (list(removed), added)
                elif forward:
                    store.write_diff(*self._diff)
                else:
                    store.write_diff(self._diff[1], self._diff[0])
                after = apply_change(before, self._change) if forward else revert_change(before, self._change)
                after.save(path)
                written = True
                store._note(Change(video_id=self.video_id, kind="poses"))  # views reload the video's poses
        except BaseException:
            if written:  # the database did not commit: the pose file goes back too
                before.save(path)
            raise

    def apply(self, store) -> None:
        self._run(store, forward=True)

    def revert(self, store) -> None:
        if self._diff is None:
            raise ProjectError("This edit has not been applied, so it cannot be undone.")
        self._run(store, forward=False)


def _segments(store, video_id: int, person: int) -> List[SegmentRecord]:
    return list(store.segments(video_id=video_id, person=person))


class MergeTracks(_TrackEdit):
    """Track ``other`` is the same person as ``into``: one track, and ``other``'s labels become ``into``'s."""

    def __init__(self, video_id: int, into: int, other: int, poses_path=None) -> None:
        self.video_id, self.into, self.other = int(video_id), int(into), int(other)
        self.poses_path = Path(poses_path) if poses_path is not None else None

    def change_poses(self, poses: Poses, store) -> TrackChange:
        return merge_tracks(poses, self.into, self.other)[1]

    def move_labels(self, store) -> Diff:
        moved = _segments(store, self.video_id, self.other)
        now = now_iso()
        for seg in moved:
            clash = [s for s in store.lane_overlaps(self.video_id, self.into, seg.start_frame, seg.end_frame,
                                                     author=seg.author or "")]
            if clash:
                raise ProjectError(f"Persons {self.into} and {self.other} both have labels on frames "
                                   f"{max(seg.start_frame, clash[0].start_frame)}-"
                                   f"{min(seg.end_frame, clash[0].end_frame) - 1}; remove one first.")
        return moved, [s.with_(person=self.into, modified=now) for s in moved]


class SplitTrack(_TrackEdit):
    """Frames from ``frame`` on of track ``track`` are somebody else: a new track id, and the labels follow."""

    def __init__(self, video_id: int, track: int, frame: int, poses_path=None) -> None:
        self.video_id, self.track, self.frame = int(video_id), int(track), int(frame)
        self.poses_path = Path(poses_path) if poses_path is not None else None
        self.new_id: Optional[int] = None

    def change_poses(self, poses: Poses, store) -> TrackChange:
        # a new id above every track id and every person labeled in this video
        labeled = [p + 1 for p in store.people(self.video_id) if p >= 0]
        _poses, change, self.new_id = split_track(poses, self.track, self.frame,
                                                  new_id=max([next_track_id(poses)] + labeled))
        return change

    def move_labels(self, store) -> Diff:
        now = now_iso()
        removed, added = [], []
        for seg in _segments(store, self.video_id, self.track):
            if seg.end_frame <= self.frame:
                continue
            removed.append(seg)
            if seg.start_frame >= self.frame:
                added.append(seg.with_(person=self.new_id, modified=now))
            else:  # across the split: the left part stays, the right part moves
                added.append(seg.with_(end_frame=self.frame, modified=now))
                added.append(seg.with_(id=None, person=self.new_id, start_frame=self.frame, created=now,
                                       modified=now))
        return removed, added


class DeleteTrack(_TrackEdit):
    """Track ``track`` is nobody (a bag, a poster): it goes, with its labels."""

    def __init__(self, video_id: int, track: int, poses_path=None) -> None:
        self.video_id, self.track = int(video_id), int(track)
        self.poses_path = Path(poses_path) if poses_path is not None else None

    def change_poses(self, poses: Poses, store) -> TrackChange:
        return delete_track(poses, self.track)[1]

    def move_labels(self, store) -> Diff:
        return _segments(store, self.video_id, self.track), []

"""Write a set from clip specs (source video, frames, person, label, poses): clips, pose files, the rest.

Used by the project export (:mod:`core_model.export.project`) and usable on its own.
"""
from __future__ import annotations

import errno
import os
import sys
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import EpamError, VideoError
from ..jobs import CancelToken, ProgressFn, check_cancel, report
from ..pose.format import Poses
from ..preprocess.crop import compact_box
from .builder import SetBuilder
from .errors import ExportError
from .folder import atomic_folder, disk_error
from .layout import SetRow, safe_name
from .splits import check_split_by

CROPS = (None, "person")
M_PERTURB = -6  # glibc mallopt parameter


@dataclass
class ClipSpec:
    """One labeled segment to export: frames ``[start, stop)`` of ``video``.

    ``poses`` are the whole source video's poses (a :class:`Poses` or a pose file); ``person`` is the
    track id whose poses come first (-1 = everybody). ``video_name``/``video_key`` default to the file
    name and its content key.
    """

    video: Union[str, Path]
    start: int
    stop: int
    label: str
    poses: Union[Poses, str, Path]
    person: int = -1
    source: str = "user"
    author: str = ""
    confidence: Optional[float] = None
    video_name: Optional[str] = None
    video_key: Optional[str] = None


@dataclass
class SetOptions:
    """How a set is cut: see ``epam export --help``."""

    split: float = 0.8
    split_by: str = "video"
    seed: int = 0
    min_frames: int = 1
    pad: int = 0
    pose_only: bool = False
    crop: Optional[str] = None
    crf: int = 18
    blur_faces: bool = False

    def check(self) -> "SetOptions":
        check_split_by(self.split_by)
        if not 0.0 < float(self.split) <= 1.0:
            raise ExportError(f"The train share (--split) must be above 0 and at most 1, got {self.split:g}.")
        if int(self.min_frames) < 1:
            raise ExportError(f"The minimum clip length must be at least 1 frame, got {self.min_frames}.")
        if int(self.pad) < 0:
            raise ExportError(f"Context padding cannot be negative, got {self.pad}.")
        if self.crop not in CROPS:
            raise ExportError(f"Crop must be 'person' or none, got '{self.crop}'.")
        if not 0 <= int(self.crf) <= 51:
            raise ExportError(f"The H.264 quality (crf) must be between 0 and 51, got {self.crf}.")
        return self


def clip_poses(poses: Poses, start: int, stop: int, person: int) -> Poses:
    """Frames ``[start, stop)`` of ``poses``, renumbered from 0, ``person`` first then the others seen in them."""
    part = poses.slice_frames(start, stop)
    seen = part.present.any(axis=1)
    ids = [int(t) for t in part.track_ids]
    order = [m for m in range(len(ids)) if seen[m] and ids[m] != person]
    if person >= 0:
        if person not in ids:
            raise ExportError(f"Person {person} has no poses in {poses.meta.get('source', 'the video')}.")
        order.insert(0, ids.index(person))
    out = part.select(order)
    out.timestamps = out.timestamps - (out.timestamps[0] if len(out.timestamps) else 0.0)
    return out


def person_box(poses: Poses, person: int, width: int, height: int) -> Tuple[int, int, int, int]:
    """The compact box (padding 0.25, not squared) of the clip's first person, or of everybody for -1 clips."""
    from ..video.clips import even_box

    if poses.num_people == 0:
        return even_box((0, 0, width, height), width, height)
    rows = slice(0, 1) if person >= 0 else slice(None)
    box = compact_box(poses.keypoint[rows], (height, width), padding=0.25, hw_ratio=None,
                      score=poses.keypoint_score[rows])
    return even_box(box, width, height)


def shift_poses(poses: Poses, box: Sequence[int]) -> Poses:
    """Keypoints in the coordinates of the crop ``box``: what the cropped clip shows.

    Joints outside the crop (other people elsewhere in a classroom, a limb leaving the box) are not in the
    clip: they become missing (coordinates and score 0), like joints that were never seen.
    """
    x0, y0, x1, y1 = box
    kp = poses.keypoint.copy()
    kp[..., 0] -= x0
    kp[..., 1] -= y0
    inside = (kp[..., 0] >= 0) & (kp[..., 0] < x1 - x0) & (kp[..., 1] >= 0) & (kp[..., 1] < y1 - y0)
    seen = (poses.keypoint_score > 0) & inside
    kp[~seen] = 0.0
    score = np.where(seen, poses.keypoint_score, 0.0).astype(poses.keypoint_score.dtype)
    return Poses(kp, score, poses.track_ids, poses.timestamps, (y1 - y0, x1 - x0), poses.fps, dict(poses.meta))


def _load_poses(spec: ClipSpec) -> Poses:
    poses = spec.poses if isinstance(spec.poses, Poses) else Poses.load(spec.poses)
    poses.meta.setdefault("source", Path(spec.video).name)
    return poses


class _Source:
    """A source video opened once for all its clips: reader (None for pose-only sets), timestamps, poses."""

    def __init__(self, spec: ClipSpec, pose_only: bool) -> None:
        from ..video.reader import VideoReader
        from ..video.writer import content_key

        self.path = Path(spec.video)
        self.name = spec.video_name or self.path.name
        self.poses = _load_poses(spec)
        self.reader = None
        if self.path.is_file():
            self.reader = VideoReader(self.path)
            self.key = spec.video_key or content_key(self.path)
            self.frame_count, self.timestamps = self.reader.frame_count, self.reader.timestamps
            self.shape = (self.reader.height, self.reader.width)
            self.fps = self.reader.fps
            if self.poses.num_frames != self.frame_count:
                self.close()
                raise ExportError(f"The poses of {self.name} have {self.poses.num_frames} frames but the video has "
                                  f"{self.frame_count}: extract the poses again.")
        elif pose_only:
            self.key = spec.video_key or ""
            self.frame_count, self.timestamps = self.poses.num_frames, self.poses.timestamps
            self.shape, self.fps = self.poses.img_shape, self.poses.fps
        else:
            raise ExportError(f"Video {self.name} is missing ({self.path}).")

    def end_time(self, stop: int) -> float:
        if stop < self.frame_count:
            return float(self.timestamps[stop])
        step = 1.0 / self.fps if self.fps > 0 else 0.0
        return float(self.timestamps[-1]) + step

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None


def _clip_name(spec: ClipSpec, start: int, taken: set) -> str:
    person = "all" if spec.person < 0 else f"p{spec.person}"
    stem = safe_name(Path(spec.video_name or spec.video).stem, 40)
    base = f"{safe_name(spec.label, 30)}_{stem}_{person}_f{start:06d}"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def _is_disk_full(err: BaseException) -> bool:
    cause = err if isinstance(err, OSError) else err.__cause__
    return isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT)


def write_set(specs: Sequence[ClipSpec], out_dir, *, classes: Optional[Sequence[str]] = None,
              options: Optional[SetOptions] = None, source: Optional[dict] = None,
              progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None):
    """Write the set of ``specs`` into ``out_dir`` (atomically) and return it (:class:`ExportedSet`).

    ``classes`` fixes the label order (default: labels in order of first appearance); clips shorter
    than ``options.min_frames`` are left out (the count is in ``set.json`` ``skipped_short``).
    """
    from .reader import load_set

    options = (options or SetOptions()).check()
    if not specs:
        raise ExportError("There are no labeled segments to export.")
    classes = list(classes) if classes is not None else list(OrderedDict.fromkeys(s.label for s in specs))
    unknown = sorted({s.label for s in specs} - set(classes))
    if unknown:
        raise ExportError(f"Label {unknown[0]!r} is not one of the set's classes.")
    kept = [s for s in specs if s.stop - s.start >= options.min_frames]
    if not kept:
        raise ExportError(f"No segment is at least {options.min_frames} frames long.")
    by_video: Dict[str, List[ClipSpec]] = OrderedDict()
    for spec in kept:
        by_video.setdefault(str(spec.video), []).append(spec)
    info = dict(source or {"kind": "clips"})
    info["skipped_short"] = len(specs) - len(kept)
    info.update({"pad": int(options.pad), "crop": options.crop, "min_frames": int(options.min_frames),
                 "blur_faces": bool(options.blur_faces and not options.pose_only)})
    out_dir = Path(out_dir)
    total, done = len(kept), 0
    report(progress, 0, total)
    with atomic_folder(out_dir) as tmp:
        try:
            builder = SetBuilder(tmp, classes, pose_only=options.pose_only, source=info)
            taken: set = set()
            for group in by_video.values():
                check_cancel(cancel)
                src = _Source(group[0], options.pose_only)
                try:
                    plans = [_plan(builder, src, spec, classes, options, taken)
                             for spec in sorted(group, key=lambda s: (s.start, s.person))]
                    if options.pose_only:
                        done += len(plans)
                        report(progress, done, total)
                    else:
                        def clip_done(job, frames):
                            nonlocal done
                            done += 1
                            report(progress, done, total)

                        _write_clips(src, [job for _, _, job in plans], options, cancel, clip_done)
                    for row, poses, _ in plans:
                        builder.add(row, poses, src.shape)
                finally:
                    src.close()
            builder.finish(split_by=options.split_by, ratio=options.split, seed=options.seed)
        except (EpamError, OSError) as err:
            if _is_disk_full(err):
                raise disk_error(err.__cause__ if isinstance(err, EpamError) else err, out_dir.parent) from err
            if isinstance(err, OSError):
                raise disk_error(err, out_dir.parent) from err
            raise
    return load_set(out_dir)


@contextmanager
def stable_heap() -> Iterator[None]:
    """Fill new and freed heap memory with a fixed byte meanwhile (glibc ``mallopt(M_PERTURB)``).

    libx264 (through FFmpeg/PyAV) reads some memory it never wrote: the same frames gave other clip bytes
    depending on what the process had freed before (another clip's encoder). With the heap filled with a
    fixed pattern a seeded export is byte-identical. Elsewhere (no glibc) this does nothing; a
    ``MALLOC_PERTURB_`` set by the user is left alone.
    """
    libc = None
    if sys.platform.startswith("linux") and not os.environ.get("MALLOC_PERTURB_"):
        try:
            import ctypes

            libc = ctypes.CDLL(None)
            if libc.mallopt(M_PERTURB, 0x5A) != 1:
                libc = None
        except (OSError, AttributeError):
            libc = None
    try:
        yield
    finally:
        if libc is not None:
            libc.mallopt(M_PERTURB, 0)


def _write_clips(src: _Source, jobs, options: SetOptions, cancel: Optional[CancelToken], done) -> None:
    from ..video.clips import write_reader_clips
    from ..video.face_blur import FaceBlur

    blur = FaceBlur() if options.blur_faces else None
    try:
        with stable_heap():
            write_reader_clips(src.reader, jobs, crf=options.crf, cancel=cancel, done=done,
                               frame_filter=_face_filter(src, blur) if blur is not None else None)
    except VideoError as err:
        if _is_disk_full(err):
            raise
        raise ExportError(f"Could not write the clips of {src.name}: {err}") from err
    finally:
        if blur is not None:
            blur.close()


def _face_filter(src: _Source, blur):
    """``frame_filter`` for :func:`write_reader_clips` that pixelates the faces of ``src`` (detector + poses)."""
    last = [-2]

    def apply(index: int, rgb):
        if index != last[0] + 1:
            blur.reset()
        last[0] = index
        poses = src.poses
        return blur.apply(rgb, poses.keypoint[:, index], poses.keypoint_score[:, index])

    return apply


def _plan(builder: SetBuilder, src: _Source, spec: ClipSpec, classes: List[str], options: SetOptions,
          taken: set):
    """One clip's manifest row, its poses and (unless pose-only) its clip job."""
    from ..video.clips import ClipJob

    if not 0 <= spec.start < spec.stop <= src.frame_count:
        raise ExportError(f"Segment [{spec.start}, {spec.stop}) is outside the {src.frame_count} frames of "
                          f"{src.name}.")
    start, stop = max(0, spec.start - options.pad), min(src.frame_count, spec.stop + options.pad)
    poses = clip_poses(src.poses, start, stop, spec.person)
    height, width = src.shape
    box = (0, 0, width, height) if options.pose_only else (0, 0, width - width % 2, height - height % 2)
    crop = ""
    if options.crop == "person":
        box = person_box(poses, spec.person, width, height)
        crop = " ".join(str(v) for v in box)
    poses = shift_poses(poses, box) if crop else Poses(poses.keypoint, poses.keypoint_score, poses.track_ids,
                                                        poses.timestamps, (box[3], box[2]), poses.fps,
                                                        dict(poses.meta))
    poses.meta.update({"source": src.name, "start_frame": int(start), "label": spec.label})
    name = _clip_name(spec, start, taken)
    job = None if options.pose_only else ClipJob(start, stop, builder.clip_path(name), tuple(box))
    row = SetRow(clip=name, split="", video=src.name, video_key=src.key, start_frame=start, end_frame=stop,
                 frames=stop - start, start_time=float(src.timestamps[start]), end_time=src.end_time(stop),
                 person=int(spec.person), label=spec.label, label_index=classes.index(spec.label),
                 source=spec.source, author=spec.author or "", confidence=spec.confidence,
                 segment_start_frame=int(spec.start), segment_end_frame=int(spec.stop),
                 width=int(box[2] - box[0]), height=int(box[3] - box[1]), crop=crop)
    return row, poses, job

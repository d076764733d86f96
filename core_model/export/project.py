"""Export a labeling project's segments as a fine-tuning set: ``export_set(store, out_dir, options)``.

Poses of a project video are looked up in this order: ``options.poses[video_id]`` (what the app
holds), ``store.poses_path(video_id)`` (if the store offers it), ``<project>.epam-data/poses/`` (a file
named by the video's content key or its stem), ``VIDEO_STEM.poses.npz`` beside the video, then the
pose cache of ``epam extract`` / ``analyze`` (default settings).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from ..jobs import CancelToken, ProgressFn, check_cancel
from ..pose.format import Poses
from .errors import ExportError
from .writer import ClipSpec, SetOptions, write_set

SOURCES = ("user", "accepted")


@dataclass
class ExportOptions(SetOptions):
    """``epam export`` options (see :class:`SetOptions` for split, seed, min_frames, pad, pose_only, crop, crf).

    ``sources``: segment sources to take ("user", "accepted"); ``labels`` / ``videos``: names to keep
    (None = all; videos match by name, project-relative path, absolute path or id); ``authors``: only
    segments by these coders (two coders may label the same frames of a person); ``poses``:
    video id -> :class:`Poses` or pose file, overriding the lookup.
    """

    sources: Sequence[str] = ("user",)
    labels: Optional[Sequence[str]] = None
    videos: Optional[Sequence[str]] = None
    authors: Optional[Sequence[str]] = None
    subjects: Optional[Sequence[str]] = None  # only segments on tracks assigned to these named subjects
    poses: Dict[int, Union[Poses, str, Path]] = field(default_factory=dict)

    def check(self) -> "ExportOptions":
        super().check()
        bad = [s for s in self.sources if s not in SOURCES]
        if bad or not self.sources:
            raise ExportError(f"Sources must be user and/or accepted, got '{','.join(self.sources) or 'nothing'}'.")
        return self


def find_poses(store, video, path: Optional[Path]) -> Optional[Union[Poses, Path]]:
    """The pose file (or cached poses) of a project video, or None (see the module docstring)."""
    getter = getattr(store, "poses_path", None)
    if callable(getter):
        found = getter(video.id)
        if found is not None and Path(found).is_file():
            return Path(found)
    stem = Path(video.rel_path).stem
    folder = Path(store.data_dir) / "poses"
    candidates = [folder / f"{video.content_key}.npz", folder / f"{stem}.poses.npz", folder / f"{stem}.npz"]
    if path is not None:
        candidates.append(path.with_name(f"{path.stem}.poses.npz"))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if path is not None:
        from ..pose import cached_poses

        return cached_poses(path)
    return None


def _match_videos(store, names: Sequence[str]) -> List[int]:
    videos = store.videos()
    ids = []
    for name in names:
        hits = [v.id for v in videos if name in (v.name, v.rel_path, str(v.path), str(v.id), Path(v.rel_path).stem)]
        if not hits:
            raise ExportError(f"No video named '{name}' in the project.")
        ids.extend(h for h in hits if h not in ids)
    return ids


def _segments(store, options: ExportOptions):
    """The segments to export and the class names (project label order, or the order of ``--labels``)."""
    segments = store.segments()
    if not segments:
        raise ExportError(f"{Path(store.path).name} has no labeled segments to export.")
    labels = {lab.id: lab.name for lab in store.labels()}
    points = {lab.id for lab in store.labels() if getattr(lab, "kind", "state") == "point"}
    if options.labels:
        named = [labels[i] for i in points if labels[i] in options.labels]
        if named:
            raise ExportError(f"'{named[0]}' is a point event (a moment): a fine-tuning set holds actions that last; "
                              "leave it out of --labels.")
    segments = [s for s in segments if s.label_id not in points]  # moments are no clips
    if not segments:
        raise ExportError(f"{Path(store.path).name} has only point events (moments), no segments to export.")
    kept = [s for s in segments if s.source in options.sources]
    if not kept:
        others = sorted({s.source for s in segments} - set(options.sources))
        n = len(segments)
        hint = f" ({n} segment{'s' if n > 1 else ''} come from {', '.join(others)}: add it to the sources)"
        raise ExportError(f"No segment made by {' or '.join(options.sources)} to export{hint}.")
    if options.videos:
        chosen = set(_match_videos(store, options.videos))
        kept = [s for s in kept if s.video_id in chosen]
        if not kept:
            raise ExportError("The chosen videos have no labeled segments from the chosen sources.")
    if options.authors:
        kept = [s for s in kept if (s.author or "") in options.authors]
        if not kept:
            raise ExportError(f"No segment by {', '.join(options.authors)} among the chosen sources and videos.")
    if options.subjects:
        from ..project.subjects import segments_of_subjects

        kept = segments_of_subjects(store, kept, options.subjects)
    if options.labels:
        names = list(dict.fromkeys(options.labels))
        for name in names:
            if store.label_by_name(name) is None:
                raise ExportError(f"No label named '{name}' in the project.")
        kept = [s for s in kept if labels[s.label_id] in names]
        if not kept:
            what = "chosen sources and videos" if options.videos else "chosen sources"
            raise ExportError(f"No segment has the label{'s' if len(names) > 1 else ''} {', '.join(names)} "
                              f"(among the {what}).")
        classes = names
    else:
        used = {s.label_id for s in kept}
        classes = [lab.name for lab in store.labels() if lab.id in used]
    return kept, classes, labels


def author_overlaps(segments) -> int:
    """How many segments overlap a segment of another author on the same person (double-coded frames)."""
    lanes: Dict[tuple, list] = {}
    for seg in segments:
        lanes.setdefault((seg.video_id, seg.person), []).append(seg)
    flagged = set()
    for lane in lanes.values():
        lane.sort(key=lambda s: s.start_frame)
        active: list = []
        for seg in lane:
            active = [o for o in active if o.end_frame > seg.start_frame]
            for other in active:
                if other.author != seg.author:
                    flagged.update((id(other), id(seg)))
            active.append(seg)
    return len(flagged)


def export_set(store, out_dir, options: Optional[ExportOptions] = None, progress: Optional[ProgressFn] = None,
               cancel: Optional[CancelToken] = None):
    """Export ``store``'s segments chosen by ``options`` as a set in ``out_dir``; returns :class:`ExportedSet`.

    Atomic (nothing is left at ``out_dir`` or beside it if it fails, is cancelled or killed);
    ``progress(done, total)`` counts clips; ``cancel`` stops it (raises ``Cancelled``).
    """
    options = (options or ExportOptions()).check()
    segments, classes, labels = _segments(store, options)
    specs: List[ClipSpec] = []
    videos: Dict[int, tuple] = {}
    for seg in segments:
        check_cancel(cancel)
        if seg.video_id not in videos:
            rec = store.video(seg.video_id)
            path = store.resolve_video(rec.id)
            if path is None and not options.pose_only:
                raise ExportError(f"Video {rec.rel_path} is missing: locate it in the project first.")
            poses = options.poses.get(rec.id) or find_poses(store, rec, path)
            if poses is None:
                raise ExportError(f"{rec.name} has no poses: extract them first (epam extract, or analyze it in "
                                  "the app).")
            videos[rec.id] = (rec, path, poses)
        rec, path, poses = videos[seg.video_id]
        specs.append(ClipSpec(video=path if path is not None else rec.path, start=seg.start_frame,
                              stop=seg.end_frame, label=labels[seg.label_id], poses=poses, person=int(seg.person),
                              source=seg.source, author=seg.author or "", confidence=seg.confidence,
                              video_name=rec.rel_path, video_key=rec.content_key))
    source = {"kind": "project", "project": str(store.path), "sources": list(options.sources),
              "labels": list(options.labels) if options.labels else None,
              "videos": sorted({rec.rel_path for rec, _, _ in videos.values()}),
              "authors": list(options.authors) if options.authors else None,
              "subjects": list(options.subjects) if options.subjects else None,
              "author_overlaps": author_overlaps(segments)}
    return write_set(specs, out_dir, classes=classes, options=options, source=source, progress=progress,
                     cancel=cancel)

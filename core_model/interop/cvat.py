"""CVAT for video 1.1 XML.

Written: a task per video (``meta/task``: size, frames, the label set with colours and the attributes ``person``,
``author`` and ``note``); a person's segment is a track labelled with the segment's label: the person's box from
the video's poses on every frame it was seen (keyframes; a whole-frame box where the video has no poses) and
``outside="1"`` on its end frame; a segment of everybody is such a
track with ``person`` -1 (not per-frame ``tag`` elements: datumaro 1.12's reader fails on video tags). Read: every track's visible runs (shapes of any kind — box, points, skeleton, polygon …
— until ``outside="1"``) are segments of the track's label, the person from the ``person`` attribute (else the
track is a person of its own); consecutive tags of one label are a segment of everybody; the task's assignee
(else owner) is the author unless an ``author`` attribute says otherwise.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional

from .common import Parsed, Persons, VideoMatch, export_segments, fail, row
from ..project.records import EVERYBODY, ProjectError

ATTRIBUTES = ("person", "author", "note")


def _sub(parent, tag, text=None, **attrs) -> ET.Element:
    e = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = str(text)
    return e


def _meta(root, store, video, labels) -> None:
    task = _sub(_sub(root, "meta"), "task")
    for tag, text in (("id", video.id), ("name", video.name), ("size", video.frame_count), ("mode", "interpolation"),
                      ("overlap", 0), ("bugtracker", ""), ("flipped", "False"), ("start_frame", 0),
                      ("stop_frame", video.frame_count - 1), ("frame_filter", "")):
        _sub(task, tag, text)
    labs = _sub(task, "labels")
    for lab in labels:
        e = _sub(labs, "label")
        _sub(e, "name", lab.name)
        _sub(e, "color", lab.color or "")
        _sub(e, "type", "any")
        attrs = _sub(e, "attributes")
        for name in ATTRIBUTES:
            a = _sub(attrs, "attribute")
            for tag, text in (("name", name), ("mutable", "False"), ("input_type", "text"), ("default_value", ""),
                              ("values", "")):
                _sub(a, tag, text)
    owner = _sub(task, "owner")
    _sub(owner, "username", store.author)
    _sub(owner, "email", "")
    size = _sub(task, "original_size")
    _sub(size, "width", video.width)
    _sub(size, "height", video.height)
    _sub(task, "source", video.name)


def _attrs(shape, person: int, author: str, note: str) -> None:
    for name, value in (("person", person), ("author", author), ("note", note)):
        _sub(shape, "attribute", value, name=name)


def _pose_boxes(store, video) -> Dict[int, Dict[int, tuple]]:
    """{track id: {frame: (x0, y0, x1, y1)}} from the video's poses (empty when it has none)."""
    from ..export.project import find_poses
    from ..pose.format import Poses

    try:
        found = find_poses(store, video, None)
        poses = found if isinstance(found, Poses) or found is None else Poses.load(found)
    except Exception:  # noqa: BLE001 - no usable poses: whole-frame boxes
        return {}
    out: Dict[int, Dict[int, tuple]] = {}
    if poses is None:
        return out
    for m, tid in enumerate(poses.track_ids):
        seen = poses.keypoint_score[m] > 0
        boxes = out.setdefault(int(tid), {})
        for t in range(min(poses.num_frames, video.frame_count)):
            if seen[t].any():
                pts = poses.keypoint[m, t][seen[t]]
                boxes[t] = (*pts.min(axis=0), *pts.max(axis=0))
    return out


def _box(track, frame, outside, xyxy, s) -> None:
    x0, y0, x1, y1 = xyxy
    box = _sub(track, "box", frame=frame, keyframe=1, outside=outside, occluded=0, xtl=f"{x0:.2f}", ytl=f"{y0:.2f}",
               xbr=f"{x1:.2f}", ybr=f"{y1:.2f}", z_order=0)
    _attrs(box, s.person, s.author, s.note)


def document(store, video, segs, labels, boxes=None) -> ET.Element:
    """One video's segments as CVAT for video; ``boxes`` ({track: {frame: box}}) gives a person's pose box on
    every frame it was seen (between them CVAT interpolates), else a whole-frame box."""
    root = ET.Element("annotations")
    _sub(root, "version", "1.1")
    _meta(root, store, video, labels)
    whole = (0.0, 0.0, float(max(video.width, 1)), float(max(video.height, 1)))
    boxes = boxes or {}
    for track_id, s in enumerate(segs):
        track = _sub(root, "track", id=track_id, label=s.label, source="manual")
        mine = boxes.get(s.person, {})
        frames = [f for f in range(s.start, s.end) if f in mine]
        first = mine[frames[0]] if frames else whole
        if not frames or frames[0] != s.start:
            _box(track, s.start, 0, first, s)
        for f in frames:
            _box(track, f, 0, mine[f], s)
        if s.end < video.frame_count:
            _box(track, s.end, 1, mine[frames[-1]] if frames else whole, s)
    return root


def write(store, path: Path, *, video_ids=None, name: str = "") -> int:
    labels, by_video = export_segments(store, video_ids)
    if len(by_video) != 1:
        raise ProjectError(f"A CVAT for video file describes one video and the project has {len(by_video)}: export "
                           "one video (in the studio, the current one).")
    (vid, segs), = by_video.items()
    video = store.video(vid)
    root = document(store, video, segs, labels, _pose_boxes(store, video))
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return len(segs)


# --------------------------------------------------------------------------- read
def _parse(path: Path) -> ET.Element:
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise fail(path, "", "the file does not exist") from None
    except ET.ParseError as err:
        raise fail(path, f"line {err.position[0]}", "is not well-formed XML") from None
    if root.tag != "annotations":
        raise fail(path, f"element <{root.tag}>", "is not a CVAT annotations file")
    if root.find("image") is not None:
        raise fail(path, "element <image>", "is CVAT for images, not CVAT for video (export the task as 'CVAT for "
                                            "video 1.1')")
    return root


def _task(root):
    meta = root.find("meta")
    if meta is None:
        return None
    return meta.find("task") if meta.find("task") is not None else meta.find("job")


def _int(path, place, value, what) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise fail(path, place, f"has the {what} '{value}', not a whole number") from None


def _attr(shape, name) -> Optional[str]:
    for a in shape.findall("attribute"):
        if a.get("name") == name:
            return (a.text or "").strip()
    return None


def read(store, path: Path) -> Parsed:
    root = _parse(path)
    parsed, task = Parsed(), _task(root)
    matcher = VideoMatch(store)
    video = None
    if task is not None:
        video = matcher.find(task.findtext("source") or "") or matcher.find(task.findtext("name") or "")
        for lab in task.iter("label"):
            name = (lab.findtext("name") or "").strip()
            if name:
                parsed.want(name, (lab.findtext("color") or "").strip() or None)
    if video is None:
        video = matcher.only()
        if video is None:
            raise fail(path, "<meta>", "names no video of the project (task source)")
        parsed.mapped.append(f"The file names no video of the project: its annotations are of {video.name}.")
    coder = None
    if task is not None:
        coder = task.findtext("assignee/username") or task.findtext("owner/username") or None
    persons, used = Persons(store, parsed), set()
    for track in root.findall("track"):
        used |= _track(path, track, video, persons, coder, parsed)
    used |= _tags(path, root, video, coder, parsed)
    for name in [n for n in parsed.labels if n not in used]:
        del parsed.labels[name]
    return parsed


def _track(path, track, video, persons, coder, parsed) -> set:
    tid, label = track.get("id", "?"), (track.get("label") or "").strip()
    place = f"track {tid}"
    if not label:
        raise fail(path, place, "has no label")
    shapes = sorted((s for s in track if s.get("frame") is not None),
                    key=lambda s: _int(path, place, s.get("frame"), "frame"))
    start, first = None, None
    runs: List[tuple] = []
    for s in shapes:
        f = int(s.get("frame"))
        if s.get("outside", "0") in ("1", "true", "True"):
            if start is not None:
                runs.append((start, f, first))
                start = None
        elif start is None:
            start, first = f, s
    if start is not None:
        runs.append((start, video.frame_count, first))
    for a, b, shape in runs:
        who = _attr(shape, "person")
        person = persons(who if who not in (None, "") else f"CVAT track {tid}")
        parsed.want(label)
        parsed.add(f"{place} at frame {a}", row(video, person, a, min(b, video.frame_count) if a < video.frame_count
                                                 else a + 1, label, _attr(shape, "author") or coder,
                                                 _attr(shape, "note") or ""))
    return {label} if runs else set()


def _tags(path, root, video, coder, parsed) -> set:
    runs: Dict[tuple, list] = {}
    for tag in root.findall("tag"):
        f = _int(path, "a <tag>", tag.get("frame"), "frame")
        label = (tag.get("label") or "").strip()
        if not label:
            raise fail(path, f"the tag at frame {f}", "has no label")
        key = (label, _attr(tag, "author") or coder, _attr(tag, "note") or "")
        runs.setdefault(key, []).append(f)
    for (label, author, note), frames in runs.items():
        frames.sort()
        a = prev = frames[0]
        for f in frames[1:] + [None]:
            if f is not None and f <= prev + 1:
                prev = f
                continue
            parsed.want(label)
            parsed.add(f"the tag '{label}' at frame {a}", row(video, EVERYBODY, a, prev + 1, label, author, note))
            if f is not None:
                a = prev = f
    return {k[0] for k in runs}

"""Poses out to other tools (COCO keypoints JSON, PYSKL/MMAction2 pickle) and in from COCO keypoints JSON.

COCO: one image per frame (``id`` = ``frame_id`` = the frame index, ``timestamp`` its real time in seconds), one
annotation per person and frame where the person has a keypoint, with ``track_id``, 17×(x, y, v) keypoints
(v = 2 where the joint was seen, else 0), ``keypoint_scores``, ``bbox`` and ``num_keypoints``. PYSKL: one
annotation ``{frame_dir, label, img_shape, original_shape, total_frames, keypoint (M, T, V, 2),
keypoint_score (M, T, V)}`` (DESIGN §6). Reading COCO back keeps ``track_id`` and, where the images carry it,
each frame's timestamp (VFR); visibility flags come back as scores 0/1 (the scores are lost).
"""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from ..fileio import atomic_path
from ..pose.coco import COCO17_NAMES, COCO17_SKELETON
from ..pose.format import Poses

FORMATS = ("coco", "pyskl")


def to_coco(poses: Poses, name: str = "video") -> dict:
    h, w = poses.img_shape
    images = [{"id": t, "frame_id": t, "file_name": f"{name}/{t:06d}.jpg", "width": w, "height": h,
               "timestamp": round(float(poses.timestamps[t]), 6)} for t in range(poses.num_frames)]
    anns = []
    for m in range(poses.num_people):
        seen = poses.keypoint_score[m] > 0
        for t in np.flatnonzero(seen.any(axis=1)):
            kp, sc, vis = poses.keypoint[m, t], poses.keypoint_score[m, t], seen[t]
            flat = np.column_stack([kp, np.where(vis, 2, 0)]).reshape(-1)
            x0, y0 = kp[vis].min(axis=0)
            x1, y1 = kp[vis].max(axis=0)
            anns.append({"id": len(anns) + 1, "image_id": int(t), "category_id": 1,
                         "track_id": int(poses.track_ids[m]),
                         "keypoints": [round(float(v), 2) for v in flat],
                         "keypoint_scores": [round(float(v), 4) for v in sc],
                         "num_keypoints": int(vis.sum()), "iscrowd": 0,
                         "bbox": [round(float(x0), 2), round(float(y0), 2), round(float(x1 - x0), 2),
                                  round(float(y1 - y0), 2)],
                         "area": round(float((x1 - x0) * (y1 - y0)), 2)})
    category = {"id": 1, "name": "person", "supercategory": "person", "keypoints": list(COCO17_NAMES),
                "skeleton": [[a + 1, b + 1] for a, b in COCO17_SKELETON]}
    return {"info": {"description": f"poses of {name} (EPAM Studio)", "fps": poses.fps},
            "images": images, "annotations": anns, "categories": [category]}


def to_pyskl(poses: Poses, name: str = "video", label: int = 0) -> dict:
    shape = tuple(int(v) for v in poses.img_shape)
    ann = {"frame_dir": name, "label": int(label), "img_shape": shape, "original_shape": shape,
           "total_frames": poses.num_frames, "keypoint": poses.keypoint.astype(np.float32),
           "keypoint_score": poses.keypoint_score.astype(np.float32)}
    return {"split": {}, "annotations": [ann]}


def export_poses(poses: Poses, out, fmt: str, name: str = "video") -> Path:
    """Write ``poses`` as ``coco`` (JSON) or ``pyskl`` (pickle), aside and renamed."""
    out = Path(out)
    with atomic_path(out) as tmp:
        if fmt == "coco":
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(to_coco(poses, name), f)
        else:
            with open(tmp, "wb") as f:
                pickle.dump(to_pyskl(poses, name), f, protocol=4)
    return out


def import_coco(path, fps: float = 0.0) -> Poses:
    """COCO keypoints JSON -> :class:`Poses` (track ids kept; per-image ``timestamp`` kept where present)."""
    from ..pose.importers import DEFAULT_FPS, _read_json, load_coco_json

    path = Path(path)
    data = _read_json(path)
    images = data.get("images") if isinstance(data, dict) else None
    if not fps and isinstance(data, dict) and isinstance(data.get("info"), dict):
        fps = float(data["info"].get("fps") or 0)
    poses = load_coco_json(path, fps=fps or DEFAULT_FPS)
    if images and all(isinstance(im, dict) and isinstance(im.get("timestamp"), (int, float)) for im in images):
        order = sorted(images, key=lambda im: (im.get("frame_id", im["id"]), im["id"]))
        times = np.array([float(im["timestamp"]) for im in order])
        if len(times) == poses.num_frames:
            poses = Poses(poses.keypoint, poses.keypoint_score, poses.track_ids, times, poses.img_shape, poses.fps,
                          poses.meta)
    return poses

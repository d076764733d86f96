"""Read precomputed 2D poses into :class:`Poses`: PYSKL/MMAction2 pickles, COCO-keypoints JSON, OpenPose JSON.

Pickles are read through a restricted unpickler that only admits numpy arrays/dtypes/scalars and
plain builtins: a pickle that names anything else (``os.system``, ...) is refused before it runs.
"""
from __future__ import annotations

import io
import json
import pickle
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import PoseError
from .coco import BODY18_TO_COCO17, BODY25_TO_COCO17, NUM_COCO_JOINTS
from .format import Poses
from .tracking import track_frames

DEFAULT_FPS = 30.0

_SAFE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"), ("builtins", "complex"),
    ("builtins", "range"), ("builtins", "bytearray"), ("collections", "OrderedDict"),
    ("_codecs", "encode"),  # how protocol-2 pickles store bytes
}
_NUMPY_DTYPE_MODULES = ("numpy.dtypes",)  # numpy>=1.25 pickles dtypes as numpy.dtypes.Float32DType etc.


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _SAFE_GLOBALS or (module in _NUMPY_DTYPE_MODULES and name.endswith("DType")):
            import importlib

            if module.startswith("numpy._core") and not _has_module(module):
                module = module.replace("numpy._core", "numpy.core")
            return getattr(importlib.import_module(module), name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a pose pickle")


def _has_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def safe_load_pickle(path) -> object:
    """Unpickle ``path`` admitting only numpy data and builtins; :class:`PoseError` otherwise."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PoseError(f"Cannot read {path.name}: {exc.strerror or exc}.") from exc
    try:
        return _RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    except pickle.UnpicklingError as exc:
        raise PoseError(f"{path.name} was refused: {exc}.") from exc
    except Exception as exc:  # noqa: BLE001 - any malformed pickle
        raise PoseError(f"{path.name} is not a readable pose pickle ({type(exc).__name__}).") from exc


# ---------------------------------------------------------------------------------------- PYSKL
def read_pyskl_pickle(path) -> dict:
    """The pickle as ``{'split': {...}, 'annotations': [...]}`` (a bare list becomes the annotations)."""
    data = safe_load_pickle(path)
    if isinstance(data, list):
        data = {"split": {}, "annotations": data}
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise PoseError(f"{Path(path).name} is not a PYSKL/MMAction2 skeleton pickle (no 'annotations' list).")
    return data


def annotation_to_poses(ann: dict, fps: float = DEFAULT_FPS) -> Poses:
    """One PYSKL annotation dict -> :class:`Poses` (``meta``: frame_dir, label)."""
    if not isinstance(ann, dict) or "keypoint" not in ann:
        raise PoseError("A PYSKL annotation has no 'keypoint' array.")
    kp = np.asarray(ann["keypoint"], dtype=np.float32)
    if kp.ndim == 3:  # (T, V, C): one person
        kp = kp[None]
    if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
        raise PoseError(f"PYSKL keypoints must have shape (M, T, V, 2), got {kp.shape}.")
    if kp.shape[2] != NUM_COCO_JOINTS:
        raise PoseError(f"Only 2D COCO-17 poses can be imported; this annotation has {kp.shape[2]} joints.")
    if "keypoint_score" in ann:
        score = np.asarray(ann["keypoint_score"], dtype=np.float32).reshape(kp.shape[:3])
    elif kp.shape[-1] == 3:
        score = kp[..., 2]
    else:
        score = (np.abs(kp).sum(-1) > 0).astype(np.float32)
    kp = kp[..., :2]
    num_frames = int(ann.get("total_frames", kp.shape[1]))
    if num_frames != kp.shape[1]:
        raise PoseError(f"Annotation {ann.get('frame_dir', '?')} says {num_frames} frames but has {kp.shape[1]}.")
    img_shape = tuple(int(v) for v in ann.get("img_shape", ann.get("original_shape", (0, 0))))
    meta = {k: ann[k] for k in ("frame_dir", "label") if isinstance(ann.get(k), (str, int, np.integer))}
    meta = {k: (int(v) if isinstance(v, np.integer) else v) for k, v in meta.items()}
    return Poses(kp, score, np.arange(kp.shape[0]), np.arange(num_frames) / fps, img_shape, fps, meta)


def load_pyskl_pickle(path, *, fps: float = DEFAULT_FPS) -> List[Poses]:
    """Every annotation of a PYSKL/MMAction2 skeleton pickle as :class:`Poses` (in file order)."""
    return [annotation_to_poses(ann, fps) for ann in read_pyskl_pickle(path)["annotations"]]


# ---------------------------------------------------------------------------------------- JSON
def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PoseError(f"Cannot read {path.name}: {exc.strerror or exc}.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoseError(f"{path.name} is not valid JSON ({exc}).") from exc


def _as_frame_detections(people: Sequence[Tuple[np.ndarray, np.ndarray]]) -> Tuple[np.ndarray, np.ndarray]:
    if not people:
        return np.zeros((0, NUM_COCO_JOINTS, 2), np.float32), np.zeros((0, NUM_COCO_JOINTS), np.float32)
    return np.stack([p[0] for p in people]), np.stack([p[1] for p in people])


def _extent_shape(frames, img_shape: Optional[Sequence[int]]) -> Tuple[int, int]:
    if img_shape is not None:
        return int(img_shape[0]), int(img_shape[1])
    xy = [f[0].reshape(-1, 2) for f in frames if len(f[0])]
    if not xy:
        return 0, 0
    mx = np.concatenate(xy).max(axis=0)
    return int(np.ceil(mx[1])) + 1, int(np.ceil(mx[0])) + 1


def load_coco_json(path, *, fps: float = DEFAULT_FPS, img_shape: Optional[Sequence[int]] = None) -> Poses:
    """COCO-keypoints JSON (dataset with ``images``/``annotations``, or a results list) -> :class:`Poses`.

    Frames are the images ordered by ``frame_id`` (if given) else by ``id``; each annotation's 51
    values are x, y, v. Ground-truth visibility flags (0/1/2) become scores 0/1; results files give
    per-joint scores. ``track_id`` is kept when every annotation has one, otherwise people are tracked.
    """
    path = Path(path)
    data = _read_json(path)
    images: List[dict] = []
    if isinstance(data, dict):
        images, anns = list(data.get("images") or []), data.get("annotations")
    else:
        anns = data
    if not isinstance(anns, list):
        raise PoseError(f"{path.name} is not a COCO keypoints file (no annotations list).")
    if images:
        images.sort(key=lambda im: (im.get("frame_id", im.get("id", 0)), im.get("id", 0)))
        frame_of = {im["id"]: i for i, im in enumerate(images)}
        if img_shape is None and images[0].get("height") and images[0].get("width"):
            img_shape = (images[0]["height"], images[0]["width"])
    else:
        frame_of = {image_id: i for i, image_id in enumerate(sorted({a.get("image_id") for a in anns}, key=str))}
    is_results = any("score" in a for a in anns) and not images
    people: Dict[int, list] = {t: [] for t in range(len(frame_of))}
    ids: Dict[int, list] = {t: [] for t in range(len(frame_of))}
    for a in anns:
        values = np.asarray(a.get("keypoints", []), dtype=np.float32)
        if values.size != NUM_COCO_JOINTS * 3 or a.get("image_id") not in frame_of:
            continue
        values = values.reshape(NUM_COCO_JOINTS, 3)
        score = values[:, 2].clip(0, 1) if is_results else (values[:, 2] > 0).astype(np.float32)
        if not score.any():
            continue
        t = frame_of[a["image_id"]]
        people[t].append((values[:, :2], score))
        ids[t].append(a.get("track_id"))
    frames = [_as_frame_detections(people[t]) for t in range(len(frame_of))]
    timestamps = np.arange(len(frames)) / fps
    shape = _extent_shape(frames, img_shape)
    meta = {"source": path.name, "importer": "coco"}
    all_ids = [i for t in ids for i in ids[t]]
    if all_ids and all(isinstance(i, int) for i in all_ids):
        return _poses_from_ids(frames, ids, timestamps, shape, fps, meta)
    return track_frames(frames, timestamps, shape, fps, meta=meta)


def _poses_from_ids(frames, ids, timestamps, shape, fps, meta) -> Poses:
    track_ids = sorted({i for t in ids for i in ids[t]})
    row = {tid: r for r, tid in enumerate(track_ids)}
    kp = np.zeros((len(track_ids), len(frames), NUM_COCO_JOINTS, 2), np.float32)
    sc = np.zeros((len(track_ids), len(frames), NUM_COCO_JOINTS), np.float32)
    for t, (fkp, fsc) in enumerate(frames):
        for j, tid in enumerate(ids[t]):
            kp[row[tid], t], sc[row[tid], t] = fkp[j], fsc[j]
    return Poses(kp, sc, track_ids, timestamps, shape, fps, meta)


_FRAME_NUMBER = re.compile(r"(\d+)(?=_keypoints\.json$)")


def _frame_sort_key(path: Path):
    m = _FRAME_NUMBER.search(path.name)
    return (0, int(m.group(1)), path.name) if m else (1, 0, path.name)


def load_openpose_json(folder, *, fps: float = DEFAULT_FPS, img_shape: Optional[Sequence[int]] = None) -> Poses:
    """A folder of OpenPose ``*_keypoints.json`` (one per frame, BODY_25 or COCO-18) -> tracked :class:`Poses`."""
    folder = Path(folder)
    files = sorted(folder.glob("*_keypoints.json"), key=_frame_sort_key) if folder.is_dir() else []
    if not files:
        raise PoseError(f"{folder} holds no OpenPose *_keypoints.json files.")
    frames = []
    for f in files:
        data = _read_json(f)
        people = []
        for person in (data.get("people") or []) if isinstance(data, dict) else []:
            values = np.asarray(person.get("pose_keypoints_2d") or [], dtype=np.float32)
            if values.size == 25 * 3:
                mapping = BODY25_TO_COCO17
            elif values.size == 18 * 3:
                mapping = BODY18_TO_COCO17
            else:
                raise PoseError(f"{f.name}: pose_keypoints_2d has {values.size} values (expected BODY_25 or COCO-18).")
            values = values.reshape(-1, 3)[mapping]
            score = values[:, 2].clip(0, 1)
            if score.any():
                people.append((values[:, :2].copy(), score.copy()))
        frames.append(_as_frame_detections(people))
    shape = _extent_shape(frames, img_shape)
    return track_frames(frames, np.arange(len(frames)) / fps, shape, fps,
                        meta={"source": folder.name, "importer": "openpose"})

"""Read precomputed 2D poses into :class:`Poses`: PYSKL/MMAction2 pickles, COCO-keypoints JSON, OpenPose JSON.

Pickles are read through a restricted unpickler that only admits numpy arrays/dtypes/scalars and
plain builtins: a pickle that names anything else (``os.system``, ...) is refused before it runs.
"""
from __future__ import annotations

import io
import json
import pickle
import re
from contextlib import contextmanager
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
        raise PoseError(f"{path.name} is not a readable pose pickle (damaged or not a pickle).") from exc


_MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


@contextmanager
def _reading(path, kind: str):
    """Turn any failure on malformed content into one :class:`PoseError` naming the file and the problem."""
    name = Path(path).name
    try:
        yield
    except PoseError as exc:
        text = str(exc)
        if name in text:
            raise
        raise PoseError(f"{name}: {text[:1].lower() + text[1:]}") from exc
    except _MALFORMED as exc:
        raise PoseError(f"{name} is not a valid {kind} file ({_reason(exc)}).") from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}" if exc.args else "a missing field"
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text[:120].rstrip(".")


def _shape(value, where: str) -> Tuple[int, int]:
    """An image size ``(height, width)`` of two non-negative whole numbers."""
    try:
        h, w = (float(v) for v in value)
    except (TypeError, ValueError):
        raise PoseError(f"{where} must be two numbers (height, width), got {value!r:.60}.") from None
    if not (np.isfinite(h) and np.isfinite(w)) or h < 0 or w < 0 or h != int(h) or w != int(w) or max(h, w) > 1e6:
        raise PoseError(f"{where} must be two whole numbers of pixels, got {value!r:.60}.")
    return int(h), int(w)


def _values(raw, where: str) -> np.ndarray:
    """Numbers from a keypoint list or array as float32 (:class:`PoseError` for text, NaN, huge values)."""
    if isinstance(raw, (str, bytes)) or raw is None:
        raise PoseError(f"{where} are not numbers.")
    try:
        values = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise PoseError(f"{where} are not all numbers.") from None
    if values.size and not np.isfinite(values).all():
        raise PoseError(f"{where} contain values that are not numbers (NaN or infinity).")
    if values.size and np.abs(values).max() > 1e6:
        raise PoseError(f"{where} contain values up to {float(np.abs(values).max()):.3g}: the file is corrupt.")
    return values.astype(np.float32)


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
    kp = _values(ann["keypoint"], "PYSKL keypoints")
    if kp.ndim == 3:  # (T, V, C): one person
        kp = kp[None]
    if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
        raise PoseError(f"PYSKL keypoints must have shape (M, T, V, 2), got {kp.shape}.")
    if kp.shape[2] != NUM_COCO_JOINTS:
        raise PoseError(f"Only 2D COCO-17 poses can be imported; this annotation has {kp.shape[2]} joints.")
    if "keypoint_score" in ann:
        score = _values(ann["keypoint_score"], "PYSKL keypoint scores")
        if score.size != int(np.prod(kp.shape[:3])):
            raise PoseError(f"PYSKL keypoint_score has {score.size} values for keypoints of shape {kp.shape}.")
        score = score.reshape(kp.shape[:3])
    elif kp.shape[-1] == 3:
        score = kp[..., 2]
    else:
        score = (np.abs(kp).sum(-1) > 0).astype(np.float32)
    kp = kp[..., :2]
    total = ann.get("total_frames", kp.shape[1])
    if isinstance(total, bool) or not isinstance(total, (int, np.integer)):
        raise PoseError(f"PYSKL total_frames must be a whole number, got {total!r:.40}.")
    num_frames = int(total)
    if num_frames != kp.shape[1]:
        raise PoseError(f"Annotation {ann.get('frame_dir', '?')!s:.60} says {num_frames} frames but has {kp.shape[1]}.")
    img_shape = _shape(ann.get("img_shape", ann.get("original_shape", (0, 0))), "PYSKL img_shape")
    meta = {k: ann[k] for k in ("frame_dir", "label") if isinstance(ann.get(k), (str, int, np.integer))}
    meta = {k: (int(v) if isinstance(v, np.integer) else v) for k, v in meta.items()}
    return Poses(kp, score, np.arange(kp.shape[0]), np.arange(num_frames) / fps, img_shape, fps, meta)


def load_pyskl_pickle(path, *, fps: float = DEFAULT_FPS) -> List[Poses]:
    """Every annotation of a PYSKL/MMAction2 skeleton pickle as :class:`Poses` (in file order).

    Malformed content raises :class:`PoseError` naming the file, the annotation and the problem.
    """
    out = []
    for i, ann in enumerate(read_pyskl_pickle(path)["annotations"]):
        with _reading(f"{Path(path).name}, annotation {i}", "PYSKL annotation"):
            out.append(annotation_to_poses(ann, fps))
    return out


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
    with _reading(path, "COCO keypoints"):
        return _coco_poses(path, data, fps, img_shape)


def _coco_poses(path: Path, data, fps: float, img_shape: Optional[Sequence[int]]) -> Poses:
    images: List[dict] = []
    if isinstance(data, dict):
        images, anns = data.get("images") or [], data.get("annotations")
    else:
        anns = data
    if not isinstance(anns, list) or not isinstance(images, list):
        raise PoseError(f"{path.name} is not a COCO keypoints file (no annotations list).")
    if not all(isinstance(a, dict) for a in anns) or not all(isinstance(im, dict) for im in images):
        raise PoseError(f"{path.name}: every image and annotation must be a JSON object.")
    if images:
        if any("id" not in im for im in images):
            raise PoseError(f"{path.name}: an image has no 'id'.")
        keys = [im.get("frame_id", im["id"]) for im in images]
        _check_ids(path, keys + [im["id"] for im in images], "image ids and frame_id values")
        images = sorted(images, key=lambda im: (im.get("frame_id", im["id"]), im["id"]))
        frame_of = {im["id"]: i for i, im in enumerate(images)}
        if img_shape is None and images[0].get("height") and images[0].get("width"):
            img_shape = _shape((images[0]["height"], images[0]["width"]), f"{path.name}: the image height/width")
    else:
        _check_ids(path, [a.get("image_id") for a in anns if "image_id" in a], "image_id values")
        frame_of = {image_id: i for i, image_id in enumerate(sorted({a.get("image_id") for a in anns}, key=str))}
    if img_shape is not None:
        img_shape = _shape(img_shape, "img_shape")
    is_results = any("score" in a for a in anns) and not images
    people: Dict[int, list] = {t: [] for t in range(len(frame_of))}
    ids: Dict[int, list] = {t: [] for t in range(len(frame_of))}
    for a in anns:
        image_id = a.get("image_id")
        if not isinstance(image_id, (int, str)) or isinstance(image_id, bool):
            raise PoseError(f"{path.name}: an annotation's image_id must be a number or a text, got {image_id!r:.40}.")
        values = _values(a.get("keypoints", []), f"{path.name}: keypoints of image {image_id!s:.40}")
        if values.size != NUM_COCO_JOINTS * 3 or image_id not in frame_of:
            continue
        values = values.reshape(NUM_COCO_JOINTS, 3)
        score = values[:, 2].clip(0, 1) if is_results else (values[:, 2] > 0).astype(np.float32)
        if not score.any():
            continue
        t = frame_of[image_id]
        people[t].append((values[:, :2], score))
        ids[t].append(a.get("track_id"))
    frames = [_as_frame_detections(people[t]) for t in range(len(frame_of))]
    timestamps = np.arange(len(frames)) / fps
    shape = _extent_shape(frames, img_shape)
    meta = {"source": path.name, "importer": "coco"}
    all_ids = [i for t in ids for i in ids[t]]
    if all_ids and all(isinstance(i, int) and not isinstance(i, bool) for i in all_ids):
        return _poses_from_ids(frames, ids, timestamps, shape, fps, meta)
    return track_frames(frames, timestamps, shape, fps, meta=meta)


def _check_ids(path: Path, values: list, what: str) -> None:
    """Ids must be all numbers or all texts (they are sorted and used as keys)."""
    kinds = {("number" if isinstance(v, (int, float)) and not isinstance(v, bool) else
              "text" if isinstance(v, str) else "other") for v in values}
    if "other" in kinds:
        raise PoseError(f"{path.name}: {what} must be numbers or texts.")
    if len(kinds) > 1:
        raise PoseError(f"{path.name}: {what} mix numbers and texts.")


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
        with _reading(f, "OpenPose keypoints"):
            frames.append(_openpose_frame(f, data))
    with _reading(folder, "OpenPose"):
        if img_shape is not None:
            img_shape = _shape(img_shape, "img_shape")
        shape = _extent_shape(frames, img_shape)
        return track_frames(frames, np.arange(len(frames)) / fps, shape, fps,
                            meta={"source": folder.name, "importer": "openpose"})


def _openpose_frame(f: Path, data) -> Tuple[np.ndarray, np.ndarray]:
    """The people of one OpenPose frame file as COCO-17 detections."""
    people = []
    listed = data.get("people") if isinstance(data, dict) else None
    if listed is not None and not isinstance(listed, list):
        raise PoseError(f"{f.name}: 'people' must be a list.")
    for person in listed or []:
        if not isinstance(person, dict):
            raise PoseError(f"{f.name}: every entry of 'people' must be a JSON object.")
        values = _values(person.get("pose_keypoints_2d") or [], f"{f.name}: pose_keypoints_2d")
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
    return _as_frame_detections(people)

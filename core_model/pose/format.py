"""The pose file format: ``Poses``, stored as ``.npz`` with PYSKL array names.

Arrays (M people/tracks, T frames, V=17 COCO joints):

- ``keypoint (M,T,V,2) float32``: x, y in source-image pixels; zeros where a person is absent.
- ``keypoint_score (M,T,V) float32``: per-joint confidence in [0, 1]; zeros where absent.
- ``track_ids (M,) int64``: stable identity of each row.
- ``timestamps (T,) float64``: seconds of each frame.
- ``img_shape (2,)``: (H, W) of the source frames.
- ``fps``: nominal frame rate.

Every ``Poses`` is checked when made (so on load and import too): coordinates must be finite and
within :data:`MAX_COORDINATE` pixels, scores finite; scores outside [0, 1] are clipped, with a
one-line note in ``meta["note"]``.
"""
from __future__ import annotations

import logging
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import PoseError
from ..fileio import atomic_path

FORMAT_NAME = "epam-poses"
FORMAT_VERSION = 1
NUM_JOINTS = 17
#: coordinates further than this from the image origin (pixels) are refused as corrupt
MAX_COORDINATE = 1e6

log = logging.getLogger(__name__)

PathLike = Union[str, os.PathLike]


@dataclass
class Poses:
    """Multi-person 2D poses of one video (or one clip): see the module docstring for shapes."""

    keypoint: np.ndarray
    keypoint_score: np.ndarray
    track_ids: np.ndarray
    timestamps: np.ndarray
    img_shape: Tuple[int, int]
    fps: float
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keypoint = np.ascontiguousarray(self.keypoint, dtype=np.float32)
        self.keypoint_score = np.ascontiguousarray(self.keypoint_score, dtype=np.float32)
        self.track_ids = np.asarray(self.track_ids, dtype=np.int64).reshape(-1)
        self.timestamps = np.asarray(self.timestamps, dtype=np.float64).reshape(-1)
        self.img_shape = (int(self.img_shape[0]), int(self.img_shape[1]))
        self.fps = float(self.fps)
        self.validate()

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def empty(cls, num_frames: int, img_shape: Sequence[int], fps: float,
              timestamps: Optional[np.ndarray] = None, num_joints: int = NUM_JOINTS) -> "Poses":
        """Poses with no people for ``num_frames`` frames."""
        if timestamps is None:
            timestamps = np.arange(num_frames, dtype=np.float64) / (fps if fps > 0 else 1.0)
        return cls(np.zeros((0, num_frames, num_joints, 2), np.float32),
                   np.zeros((0, num_frames, num_joints), np.float32),
                   np.zeros((0,), np.int64), timestamps, tuple(img_shape), fps)

    def validate(self) -> None:
        """Raise :class:`PoseError` if the arrays do not fit together."""
        kp, sc = self.keypoint, self.keypoint_score
        if kp.ndim != 4 or kp.shape[-1] != 2:
            raise PoseError(f"Pose keypoints must have shape (people, frames, joints, 2), got {kp.shape}.")
        if sc.shape != kp.shape[:3]:
            raise PoseError(f"Pose scores have shape {sc.shape} but keypoints have {kp.shape}.")
        if self.track_ids.shape != (kp.shape[0],):
            raise PoseError(f"Pose file has {kp.shape[0]} people but {self.track_ids.shape[0]} track ids.")
        if self.timestamps.shape != (kp.shape[1],):
            raise PoseError(f"Pose file has {kp.shape[1]} frames but {self.timestamps.shape[0]} timestamps.")
        if kp.size and not np.isfinite(kp).all():
            raise PoseError(f"The poses have {int((~np.isfinite(kp)).sum())} keypoint coordinates that are not "
                            "numbers (NaN or infinity).")
        if kp.size and np.abs(kp).max() > MAX_COORDINATE:
            raise PoseError(f"The poses have keypoint coordinates up to {float(np.abs(kp).max()):.3g} pixels "
                            f"(more than {MAX_COORDINATE:.0e}): the file is corrupt.")
        if sc.size and not np.isfinite(sc).all():
            raise PoseError(f"The poses have {int((~np.isfinite(sc)).sum())} keypoint scores that are not "
                            "numbers (NaN or infinity).")
        h, w = self.img_shape
        if h > 0 and w > 0 and kp.size:
            seen = kp[sc > 0]
            far = (seen[:, 0] < -w) | (seen[:, 0] > 2 * w) | (seen[:, 1] < -h) | (seen[:, 1] > 2 * h)
            if far.any():
                raise PoseError(f"The poses have {int(far.sum())} keypoints more than a frame's size outside the "
                                f"{w}x{h} image: they do not belong to this video's frames.")
        if not (np.isfinite(self.fps) and self.fps >= 0):
            raise PoseError(f"The poses have an invalid frame rate ({self.fps}).")
        if self.timestamps.size and not np.isfinite(self.timestamps).all():
            raise PoseError("The poses have frame timestamps that are not numbers (NaN or infinity).")
        if min(self.img_shape) < 0:
            raise PoseError(f"The poses have an invalid image size {self.img_shape}.")
        if sc.size and (sc.min() < 0 or sc.max() > 1):
            outside = int(((sc < 0) | (sc > 1)).sum())
            self.keypoint_score = np.clip(sc, 0.0, 1.0)  # a copy: never change the caller's array
            note = f"{outside} keypoint scores outside [0, 1] were clipped."
            self.meta["note"] = note
            log.warning(note)

    # ---- queries ------------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return int(self.keypoint.shape[1])

    @property
    def num_people(self) -> int:
        return int(self.keypoint.shape[0])

    @property
    def num_joints(self) -> int:
        return int(self.keypoint.shape[2])

    @property
    def present(self) -> np.ndarray:
        """``(M, T) bool``: whether person m was seen in frame t (any joint with a score > 0)."""
        return (self.keypoint_score > 0).any(axis=2)

    def people_per_frame(self) -> np.ndarray:
        """``(T,) int``: number of people seen in each frame."""
        return self.present.sum(axis=0).astype(np.int64)

    def frames_per_track(self) -> np.ndarray:
        """``(M,) int``: number of frames where each track is present."""
        return self.present.sum(axis=1).astype(np.int64)

    def select(self, people: Sequence[int]) -> "Poses":
        """A copy restricted to the given row indices."""
        idx = np.asarray(people, dtype=np.int64)
        return Poses(self.keypoint[idx], self.keypoint_score[idx], self.track_ids[idx],
                     self.timestamps.copy(), self.img_shape, self.fps, dict(self.meta))

    def slice_frames(self, start: int, stop: int) -> "Poses":
        """A copy restricted to frames ``[start, stop)``."""
        return Poses(self.keypoint[:, start:stop], self.keypoint_score[:, start:stop], self.track_ids.copy(),
                     self.timestamps[start:stop], self.img_shape, self.fps, dict(self.meta))

    def __repr__(self) -> str:
        return (f"Poses(people={self.num_people}, frames={self.num_frames}, joints={self.num_joints}, "
                f"img_shape={self.img_shape}, fps={self.fps:g})")

    # ---- file I/O -----------------------------------------------------------------------
    def to_arrays(self) -> dict:
        """The arrays written to the ``.npz`` (PYSKL names plus format tags)."""
        arrays = {
            "keypoint": self.keypoint,
            "keypoint_score": self.keypoint_score,
            "track_ids": self.track_ids,
            "timestamps": self.timestamps,
            "img_shape": np.asarray(self.img_shape, np.int64),
            "fps": np.asarray(self.fps, np.float64),
            "format": np.asarray(FORMAT_NAME),
            "version": np.asarray(FORMAT_VERSION, np.int64),
        }
        for key, value in self.meta.items():
            if isinstance(value, (str, int, float, bool)):
                arrays[f"meta_{key}"] = np.asarray(value)
        return arrays

    def save(self, path: PathLike) -> Path:
        """Write atomically (temp file + rename) to ``path``; returns the path."""
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, **self.to_arrays())
        return path

    @classmethod
    def load(cls, path: PathLike) -> "Poses":
        """Read a pose file written by :meth:`save` (or any npz with the PYSKL names)."""
        path = Path(path)
        if not path.is_file():
            raise PoseError(f"Pose file {path} does not exist.")
        try:
            with np.load(path, allow_pickle=False) as data:
                names = set(data.files)
                missing = {"keypoint", "keypoint_score"} - names
                if missing:
                    raise PoseError(f"{path.name} is not a pose file (missing {', '.join(sorted(missing))}).")
                kp = data["keypoint"]
                score = data["keypoint_score"]
                m, t = (kp.shape[0], kp.shape[1]) if kp.ndim == 4 else (0, 0)
                fps = float(data["fps"]) if "fps" in names else 30.0
                track_ids = data["track_ids"] if "track_ids" in names else np.arange(m)
                timestamps = data["timestamps"] if "timestamps" in names else np.arange(t) / fps
                img_shape = tuple(int(v) for v in data["img_shape"]) if "img_shape" in names else (0, 0)
                meta = {n[5:]: data[n].item() for n in names if n.startswith("meta_")}
            if len(img_shape) != 2:
                raise PoseError(f"Pose file {path.name} has a bad img_shape {img_shape}.")
            if kp.ndim == 4 and kp.shape[2] != NUM_JOINTS:
                raise PoseError(f"Pose file {path.name} has {kp.shape[2]} joints per person; "
                                f"EPAM Studio uses the {NUM_JOINTS} COCO joints.")
            try:
                return cls(kp, score, track_ids, timestamps, img_shape, fps, meta)
            except PoseError as exc:
                raise PoseError(f"Pose file {path.name}: {_lower_first(str(exc))}") from exc
        except PoseError:
            raise
        except OSError as exc:
            raise PoseError(f"Cannot read pose file {path.name}: {exc.strerror or exc}.") from exc
        except (ValueError, TypeError, zipfile.BadZipFile, KeyError, EOFError, OverflowError) as exc:
            raise PoseError(f"{path.name} is not a pose file (an .npz written by `epam extract`), "
                            "or it is damaged.") from exc


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text

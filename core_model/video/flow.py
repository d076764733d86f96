"""Dense optical flow (OpenCV Farnebäck) for the motion stream of ``skeleton-flow`` (seed 003), cached.

Seed 003 feeds its motion stream with *scene* flow (Jaimez et al., from RGB + depth). Users here have no
depth, so the stream takes 2-D optical flow of the video instead: the x and y displacement of every pixel
between two frames. What is lost: the third component, motion toward or away from the camera (a push, a
punch thrown at the lens, someone walking toward the camera shows only as slight expansion), and the metric
scale (flow is in pixels of the crop, so the same motion far from the camera is smaller).

Where it is computed: on the person crops of a clip's sampled RGB frames (the ones the RGB stream would
see). With the project's clips (16 RGB frames sampled over 48 pose frames, cpu-quick 8 over 24) consecutive
samples are 3 source frames apart, so a clip holds one flow field every third frame ("flow subsampled x3"
as the seed says); unlike the seed, each field is the motion over those 3 frames, not over one.
``flow[t]`` is the motion from sample ``t`` to ``t + 1``; the last sample repeats the one before.

Units: displacement in crop pixels times ``FLOW_SCALE / crop side``, so 1.0 is 5 % of the crop side whatever
the crop size. A horizontal flip mirrors the field and negates its x component (:func:`flip_flow`).

Cache: ``cache_dir()/flow/<key>.npy`` (float16), the key hashing the crops' pixels and the settings, so the
same crops of the same video (every re-analysis) are not computed twice. Values are rounded to float16
whether the cache is used or not, so a warm cache changes nothing. Files are written aside and renamed;
the folder is kept under ``CACHE_LIMIT_BYTES`` (oldest first; training's random crops add entries too).
:func:`video_flow` computes the flow of a whole video (downscaled frames), keyed by the video's content
like the pose cache, with progress and cancel.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from ..fileio import atomic_path, clean_stale_temporaries, content_key
from ..jobs import CancelToken, ProgressFn, check_cancel, report
from ..paths import cache_dir

#: bump when the computation changes what is produced for the same crops and settings
FLOW_VERSION = 1
#: flow values are displacement / crop side * FLOW_SCALE (1.0 = 5 % of the crop side)
FLOW_SCALE = 20.0
#: the flow cache folder is pruned (oldest files first) above this size
CACHE_LIMIT_BYTES = int(os.environ.get("EPAM_FLOW_CACHE_BYTES", 512 * 2**20))


@dataclass(frozen=True)
class FlowSettings:
    """OpenCV ``calcOpticalFlowFarneback`` parameters (OpenCV's sample values)."""

    pyr_scale: float = 0.5
    levels: int = 3
    winsize: int = 15
    iterations: int = 3
    poly_n: int = 5
    poly_sigma: float = 1.2

    def key(self) -> str:
        blob = json.dumps({"version": FLOW_VERSION, "scale": FLOW_SCALE, **asdict(self)}, sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:16]


DEFAULT_SETTINGS = FlowSettings()


def _gray(image: np.ndarray) -> np.ndarray:
    import cv2

    image = np.asarray(image)
    return image if image.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)


def pair_flow(a: np.ndarray, b: np.ndarray, settings: FlowSettings = DEFAULT_SETTINGS) -> np.ndarray:
    """(H, W, 2) float32 Farnebäck flow in pixels from image ``a`` to ``b`` (RGB or gray uint8)."""
    import cv2

    s = settings
    return cv2.calcOpticalFlowFarneback(_gray(a), _gray(b), None, s.pyr_scale, s.levels, s.winsize, s.iterations,
                                        s.poly_n, s.poly_sigma, 0)


def _compute(frames: np.ndarray, settings: FlowSettings, progress: Optional[ProgressFn],
             cancel: Optional[CancelToken]) -> np.ndarray:
    """(T, 2, H, W) float32 flow of T frames (pixels); the last field repeats the one before."""
    t, h, w = frames.shape[:3]
    out = np.zeros((t, 2, h, w), np.float32)
    grays = [_gray(f) for f in frames]
    for k in range(t - 1):
        check_cancel(cancel)
        out[k] = pair_flow(grays[k], grays[k + 1], settings).transpose(2, 0, 1)
        report(progress, k + 1, t - 1)
    if t > 1:
        out[t - 1] = out[t - 2]
    return out


def _prune(folder: Path, limit: int) -> None:
    try:
        files = [(p.stat().st_mtime, p.stat().st_size, p) for p in folder.glob("*.npy")]
    except OSError:
        return
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= limit:
            break
        path.unlink(missing_ok=True)
        total -= size


def _cached(key: str, compute: Callable[[], np.ndarray], use_cache: bool) -> np.ndarray:
    """``compute()`` rounded to float16 (what the cache holds, so a warm cache gives the same values) or the
    cached copy."""
    if not use_cache:
        return compute().astype(np.float16).astype(np.float32)
    folder = cache_dir() / "flow"
    path = folder / f"{key}.npy"
    if path.is_file():
        try:
            return np.load(path).astype(np.float32)
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # a damaged file is computed again
    flow = compute().astype(np.float16)
    folder.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(folder)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, flow)
    _prune(folder, CACHE_LIMIT_BYTES)
    return flow.astype(np.float32)


def cache_key_of_crops(crops: np.ndarray, settings: FlowSettings = DEFAULT_SETTINGS) -> str:
    digest = hashlib.sha1(f"{settings.key()}{crops.shape}".encode())
    digest.update(np.ascontiguousarray(crops).tobytes())
    return "crops-" + digest.hexdigest()[:32]


def clip_flow(crops: np.ndarray, settings: FlowSettings = DEFAULT_SETTINGS, *, use_cache: bool = True,
              progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> np.ndarray:
    """(T, 2, S, S) float32 flow of a clip's crops (T, S, S, 3) uint8, in :data:`FLOW_SCALE` units."""
    crops = np.asarray(crops, np.uint8)
    side = max(crops.shape[1], crops.shape[2])

    def compute() -> np.ndarray:
        return _compute(crops, settings, progress, cancel) * (FLOW_SCALE / side)

    return _cached(cache_key_of_crops(crops, settings), compute, use_cache)


def flip_flow(flow: np.ndarray) -> np.ndarray:
    """The flow of the mirrored clip: (T, 2, H, W) mirrored along W, x component negated."""
    out = np.ascontiguousarray(np.asarray(flow)[..., ::-1])
    out[:, 0] *= -1
    return out


def video_flow(video, frames: Optional[Sequence[int]] = None, *, width: int = 160,
               settings: FlowSettings = DEFAULT_SETTINGS, use_cache: bool = True,
               progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> np.ndarray:
    """(T, 2, h, w) flow between the consecutive ``frames`` of ``video`` (default: every third frame),
    the frames downscaled to ``width`` pixels wide; values as :func:`clip_flow` (scaled by the width).

    Cached under the video's content key, the frames, the width and the settings; reports
    ``progress(done, total)`` per field and stops with :class:`~core_model.errors.Cancelled` on ``cancel``.
    """
    import cv2

    from .reader import VideoReader

    with VideoReader(video) as reader:
        count = reader.frame_count
        picks = list(range(0, count, 3)) if frames is None else [int(f) for f in frames]
        key_blob = json.dumps([content_key(video), picks, width, settings.key()])
        key = "video-" + hashlib.sha1(key_blob.encode()).hexdigest()[:32]

        def compute() -> np.ndarray:
            small, total = [], 2 * len(picks) - 1  # decode every frame, then one field per pair
            for i, f in enumerate(picks):
                check_cancel(cancel)
                frame = reader.get_frame(f)
                h = max(1, int(round(frame.shape[0] * width / frame.shape[1])))
                small.append(cv2.resize(frame, (width, h), interpolation=cv2.INTER_AREA))
                report(progress, i + 1, total)
            return _compute(np.stack(small), settings, lambda d, t: report(progress, len(picks) + d, total),
                            cancel) * (FLOW_SCALE / width)

        return _cached(key, compute, use_cache)

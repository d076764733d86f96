"""Result cache: a finished analysis is stored under ``cache_dir()/analysis/<key>/``.

The key covers everything that changes the numbers: the video content, the poses, the model
(checkpoint file hash, or "untrained" + config + seed), the settings and the device type.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

import numpy as np

from ..fileio import clean_stale_temporaries
from ..paths import cache_dir
from .results import VERSION, AnalysisResult, ResultsError, is_results_dir


def poses_hash(poses) -> str:
    """Hash of the pose arrays an analysis reads (keypoints, scores, track ids)."""
    h = hashlib.sha256()
    for arr in (poses.keypoint, poses.keypoint_score, poses.track_ids):
        arr = np.ascontiguousarray(arr)
        h.update(str(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()[:32]


def state_dict_hash(model) -> str:
    """Hash of a torch module's parameters and buffers (names, shapes, values)."""
    import torch

    h = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous().reshape(-1)
        h.update(f"{name}:{tuple(tensor.shape)}:{t.dtype}".encode())
        if t.numel():
            h.update(t.view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:32]


def request_key(*, video_key: str, model_key: str, settings: dict, device_type: str) -> str:
    """Key of what was asked for (video, model, settings, device), known before poses exist."""
    payload = {"format_version": VERSION, "video": video_key, "model": model_key, "settings": settings,
               "device": device_type}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def analysis_key(request: str, poses_key: str) -> str:
    """The cache key of one analysis: the request plus the exact poses it read."""
    return hashlib.sha256(f"{request}:{poses_key}".encode()).hexdigest()[:32]


def cache_folder(key: str) -> Path:
    return cache_dir() / "analysis" / key


def load_cached(key: str) -> Optional[AnalysisResult]:
    """The cached result of ``key``, or ``None`` (a damaged entry counts as missing)."""
    folder = cache_folder(key)
    if not is_results_dir(folder):
        return None
    try:
        result = AnalysisResult.load(folder)
    except ResultsError:
        return None
    return result if result.summary.get("cache_key") == key else None


def store(result: AnalysisResult, key: str) -> Path:
    """Save ``result`` in the cache under ``key`` (atomic); temporaries of killed saves are removed first."""
    result.summary["cache_key"] = key
    path = result.path
    clean_stale_temporaries(cache_folder(key).parent)
    saved = result.save(cache_folder(key))
    result.path = path or saved
    return saved

"""Synthetic ``AnalysisResult`` / ``Poses`` for widget tests, screenshots and benchmarks (numpy only).

``synthetic_result`` builds windows of ``window`` frames every ``stride`` frames (per person when
``people`` lists track ids), probabilities whose top class follows a known schedule, temporal
attention, and ``n_segments`` segments per person splitting the video at even spacing.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from core_model.analysis.results import AnalysisResult
from core_model.analysis.segments import Segment
from core_model.labels import generic_class_names, load_class_names
from core_model.pose.format import Poses


def class_names(num_classes: int) -> list[str]:
    """NTU-120 names for the first ``num_classes`` classes (generic names beyond 120)."""
    names = load_class_names("ntu120")
    return names[:num_classes] if num_classes <= len(names) else generic_class_names(num_classes)


def synthetic_result(frame_count: int = 1000, fps: float = 25.0, *, window: int = 75, stride: int = 37,
                     num_classes: int = 12, people: Sequence[int] = (-1,), n_segments: int = 8,
                     trained: bool = True, seed: int = 0) -> AnalysisResult:
    """An ``AnalysisResult`` with known structure (see the module docstring)."""
    rng = np.random.default_rng(seed)
    starts = np.arange(0, max(frame_count - window, 0) + 1, stride, dtype=np.int64)
    ends = np.minimum(starts + window, frame_count)
    n_win, persons = len(starts), [int(p) for p in people]
    rows = n_win * len(persons)
    ws, we = np.tile(starts, len(persons)), np.tile(ends, len(persons))
    person = np.repeat(np.asarray(persons, np.int64), n_win)
    pose_frames = np.stack([np.linspace(s, e - 1, 48).round().astype(np.int64) for s, e in zip(ws, we)])
    rgb_frames = pose_frames[:, ::3].copy()
    probs = []
    for k in range(3):
        logits = rng.normal(0.0, 1.0, (rows, num_classes))
        top = (np.arange(rows) // 3 + np.repeat(np.arange(len(persons)), n_win) + k) % num_classes
        logits[np.arange(rows), top] += 3.0 + k
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs.append((p / p.sum(axis=1, keepdims=True)).astype(np.float32))
    attention = rng.uniform(0.2, 1.0, (rows, 16)).astype(np.float32)
    spatial = rng.uniform(0.0, 1.0, (rows, 16, 7, 7)).astype(np.float32)
    names = class_names(num_classes)
    segments = []
    for pi, p in enumerate(persons):
        edges = np.linspace(0, frame_count, n_segments + 1).round().astype(np.int64)
        for i in range(n_segments):
            c = int((i * 7 + pi) % num_classes)
            segments.append(Segment(p, int(edges[i]), int(edges[i + 1]), edges[i] / fps, edges[i + 1] / fps,
                                    c, names[c], float(rng.uniform(0.3, 0.95))))
    boxes = np.tile(np.asarray([10, 10, 200, 200], np.float32), (rows, 1))
    return AnalysisResult(
        summary={}, class_names=names, model="synthetic.pt" if trained else "untrained", trained=trained,
        frame_count=int(frame_count), fps=float(fps), img_shape=(480, 640), window_start=ws, window_end=we,
        person=person, pose_frames=pose_frames, rgb_frames=rgb_frames, boxes=boxes, prob_rgb=probs[0],
        prob_pose=probs[1], prob_fused=probs[2], spatial_attention=spatial, temporal_attention=attention,
        segments=segments)


def synthetic_poses(frame_count: int = 1000, fps: float = 25.0, tracks: Sequence[tuple[int, int, int]] = ((0, 0, 1000),)
                    ) -> Poses:
    """``Poses`` where track ``(id, first, stop)`` is present in frames ``[first, stop)``."""
    m = len(tracks)
    kp = np.zeros((m, frame_count, 17, 2), np.float32)
    score = np.zeros((m, frame_count, 17), np.float32)
    for i, (_, a, b) in enumerate(tracks):
        kp[i, a:b] = 100.0
        score[i, a:b] = 0.9
    return Poses(kp, score, [t[0] for t in tracks], np.arange(frame_count) / fps, (480, 640), fps)

"""Synthetic projects for tests and benchmarks (e.g. 50 videos and 20,000 segments).

By default the videos are *records only* (no files: frame count, fps and a made-up content key),
which is enough for the store, the labels panel and the timeline; ``real_videos=True`` also
writes small distinct bar-code videos (``core_model.video.synthetic``) and adds them for real.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from .records import SOURCES, now_iso
from .store import ProjectStore


def _write_video(path: Path, index: int, frames: int, fps: float) -> None:
    from ..video.encoding import encode_frames
    from ..video.synthetic import barcode_frame

    encode_frames(path, (barcode_frame((i + 97 * index) % 4096, (96, 64)) for i in range(frames)), fps=fps,
                  options={"preset": "ultrafast", "crf": "30"})


def make_project(path, *, videos: int = 50, segments: int = 20000, frames: int = 9000, fps: float = 25.0,
                 people: Sequence[int] = (-1, 0, 1), labels="ntu120", real_videos: bool = False,
                 accepted_fraction: float = 0.5, seed: int = 0, author: str = "synthetic") -> Path:
    """Create a project at ``path`` with ``videos`` videos and ``segments`` non-overlapping segments.

    Segments are spread evenly over the videos and the ``people`` lanes (-1 = everybody), with random
    lengths, gaps and labels; about ``accepted_fraction`` of them are accepted predictions.
    """
    rng = np.random.default_rng(seed)
    path = Path(path)
    with ProjectStore.create(path, labels=labels, author=author) as store:
        label_ids = [lab.id for lab in store.labels()]
        video_ids = []
        for k in range(videos):
            name = f"videos/video_{k:03d}.mp4"
            if real_videos:
                (store.folder / "videos").mkdir(exist_ok=True)
                _write_video(store.folder / name, k, frames, fps)
                video_ids.append(store.add_video(store.folder / name).id)
            else:
                key = hashlib.sha1(f"synthetic-{seed}-{k}".encode()).hexdigest()
                video_ids.append(store.add_video_record(name, key, frames, fps, width=640, height=360).id)
        lanes = [(v, p) for v in video_ids for p in people]
        per_lane = np.full(len(lanes), segments // max(1, len(lanes)))
        per_lane[: segments - int(per_lane.sum())] += 1
        rows = []
        now = now_iso()
        for (video_id, person), n in zip(lanes, per_lane):
            if n == 0:
                continue
            n = int(n)
            slot = int(frames) // n
            if slot < 2:
                raise ValueError(f"{n} segments do not fit in {frames} frames")
            for i in range(n):
                length = int(rng.integers(max(1, slot // 3), slot + 1))
                start = i * slot + int(rng.integers(0, slot - length + 1))
                accepted = rng.random() < accepted_fraction
                rows.append((int(video_id), int(person), int(start), int(start + length), int(rng.choice(label_ids)),
                             SOURCES[1] if accepted else SOURCES[0], "synthetic-model" if accepted else None,
                             round(float(rng.uniform(0.3, 1.0)), 4) if accepted else None, author, "", now, now))
        with store.transaction():
            store.conn.executemany(
                "INSERT INTO segments (video_id, person, start_frame, end_frame, label_id, source, model_key, "
                "confidence, author, note, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Write a synthetic labeling project.")
    ap.add_argument("project")
    ap.add_argument("--videos", type=int, default=50)
    ap.add_argument("--segments", type=int, default=20000)
    ap.add_argument("--frames", type=int, default=9000)
    ap.add_argument("--real-videos", action="store_true", help="also write small bar-code video files")
    args = ap.parse_args(argv)
    out = make_project(args.project, videos=args.videos, segments=args.segments, frames=args.frames,
                       real_videos=args.real_videos)
    print(out)
    return 0

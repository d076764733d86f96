"""Poses of short clips cut in two pose chunks (two workers) against the same clips in one chunk.

A clip shorter than two chunks is cut in two (:data:`core_model.pose.scheduling.SHORT_SPLIT_FRAMES`): the second
chunk's worker starts cold (a detection on its first frame) and the first chunk's worker goes on into the
second chunk for up to one second (its continuation replaces those frames). This prints, per clip of
bikes.mp4, how the per-frame detections of the split differ from one chunk's: the frames whose number of
people differs, and for the people matched frame by frame (nearest mean keypoint) the keypoint distance in
pixels (median, 95th percentile, max over joints seen by both with score >= 0.3) and the largest score change,
over the frames the second worker's own results were kept (after the continuation).

    .venv/bin/python benchmarks/short_split_poses.py [--clips 0:150,76:226]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _clip(source: Path, out: Path, first: int, stop: int) -> Path:
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(source) as reader:
        frames = [frame for _i, frame in reader.iter_frames(first, stop)]
    encode_frames(out, frames, fps=float(reader.fps))
    return out


def _compare(one, two, border: int) -> dict:
    """Differences of the per-frame detections ``two`` (split) from ``one`` (one chunk)."""
    count_diff, dists, score_diff, changed = 0, [], [], []
    for f, (a, b) in enumerate(zip(one, two)):
        a = a if a is not None else (np.zeros((0, 17, 2)), np.zeros((0, 17)))
        b = b if b is not None else (np.zeros((0, 17, 2)), np.zeros((0, 17)))
        if len(a[0]) != len(b[0]):
            count_diff += 1
        if not (np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])):
            changed.append(f)
        for i in range(len(a[0])):
            if not len(b[0]):
                break
            centre = np.array([np.linalg.norm(a[0][i].mean(0) - b[0][j].mean(0)) for j in range(len(b[0]))])
            j = int(np.argmin(centre))
            seen = (a[1][i] >= 0.3) & (b[1][j] >= 0.3)
            dists.extend(np.linalg.norm(a[0][i][seen] - b[0][j][seen], axis=-1).tolist())
            score_diff.append(float(np.abs(a[1][i] - b[1][j]).max()))
    d = np.asarray(dists) if dists else np.zeros(1)
    return {"frames_changed": len(changed), "first_changed": changed[0] if changed else None,
            "count_differs": count_diff, "px_median": float(np.median(d)), "px_p95": float(np.percentile(d, 95)),
            "px_max": float(d.max()), "score_max": max(score_diff) if score_diff else 0.0}


def _found(frames) -> str:
    """People found (detections over all frames) and their mean joint score."""
    scores = [s.mean() for f in frames if f is not None for s in f[1]]
    return f"{len(scores)} detections, mean score {np.mean(scores) if scores else 0:.3f}"


def main() -> int:
    from core_model.paths import demo_video
    from core_model.pose.parallel import extract_frame_detections
    from core_model.pose.scheduling import plan_chunks

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default="0:150,50:200,76:226,100:250")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="epam-split-"))
    options = {"max_people": 0, "delegate": "cpu"}
    for spec in args.clips.split(","):
        first, stop = (int(v) for v in spec.split(":"))
        clip = _clip(demo_video(), work / f"clip_{first}_{stop}.mp4", first, stop)
        n = stop - first
        one, info = extract_frame_detections(str(clip), options=options, workers=1, chunk_frames=n)
        two, _ = extract_frame_detections(str(clip), options=options, workers=2, local_worker=False)
        chunks = plan_chunks(info.frame_count)
        print(f"bikes.mp4 {first}-{stop}: chunks {chunks}; one chunk: {_found(one)}; split: {_found(two)}; "
              f"split vs one: {_compare(one, two, chunks[-1][0])}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Pose extraction speed on bikes.mp4: raw MediaPipe loops vs ``extract_poses`` with 1 and 2 workers.

Prints frames/s for
- the legacy single-person solution ``mp.solutions.pose`` on pre-decoded frames (the classic baseline),
- the raw multi-person Tasks ``PoseLandmarker`` loop, ``num_poses=max_people`` (same bundle; it runs the
  person detector on every frame with fewer than max_people people),
- ``extract_poses`` end to end (decoding, model start-up, worker start-up, tracking), 1 and 2 workers,
and the ratios against both raw loops. Each figure is the best of ``--repeat`` runs.

    .venv/bin/python benchmarks/pose_speed.py [VIDEO] [--repeat 2] [--max-people 4]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time


def _decode_all(path):
    from core_model.video import VideoReader

    with VideoReader(path) as reader:
        return [frame for _i, frame in reader.iter_frames()], reader.timestamps


def _legacy_rate(frames) -> float:
    import mediapipe as mp

    with mp.solutions.pose.Pose(model_complexity=1) as solution:
        started = time.perf_counter()
        for frame in frames:
            solution.process(frame)
        return len(frames) / (time.perf_counter() - started)


def _tasks_rate(frames, timestamps, max_people: int) -> float:
    """The plain Tasks loop: one VIDEO-mode landmarker with num_poses=max_people (the pre-adaptive design)."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from core_model.pose.task_bundle import pose_landmarker_bundle

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(pose_landmarker_bundle()), delegate=BaseOptions.Delegate.CPU),
        running_mode=vision.RunningMode.VIDEO, num_poses=max_people, min_pose_presence_confidence=0.5)
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        started = time.perf_counter()
        for frame, ts in zip(frames, timestamps):
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=frame), int(ts * 1000))
        return len(frames) / (time.perf_counter() - started)


def _extract_rate(path, workers: int, max_people: int) -> float:
    from core_model.pose import extract_poses

    started = time.perf_counter()
    poses = extract_poses(path, workers=workers, max_people=max_people, use_cache=False)
    return poses.num_frames / (time.perf_counter() - started)


def main() -> None:
    from core_model.paths import demo_video

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", default=str(demo_video()))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--max-people", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("EPAM_CACHE_DIR", tempfile.mkdtemp(prefix="epam-bench-"))

    frames, timestamps = _decode_all(args.video)
    print(f"video: {os.path.basename(args.video)}, {len(frames)} frames {frames[0].shape[1]}x{frames[0].shape[0]}; "
          f"cpu cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
    best = lambda fn: max(fn() for _ in range(args.repeat))  # noqa: E731
    legacy = best(lambda: _legacy_rate(frames))
    tasks = best(lambda: _tasks_rate(frames, timestamps, args.max_people))
    one = best(lambda: _extract_rate(args.video, 1, args.max_people))
    two = best(lambda: _extract_rate(args.video, 2, args.max_people))
    print(f"raw legacy mp.solutions.pose (1 person, pre-decoded):     {legacy:6.1f} frames/s")
    print(f"raw Tasks PoseLandmarker (num_poses={args.max_people}, pre-decoded):  {tasks:6.1f} frames/s")
    print(f"extract_poses, 1 worker (end to end):                    {one:6.1f} frames/s "
          f"= {one / legacy:.2f}x legacy, {one / tasks:.2f}x raw Tasks")
    print(f"extract_poses, 2 workers (end to end):                   {two:6.1f} frames/s "
          f"= {two / legacy:.2f}x legacy, {two / tasks:.2f}x raw Tasks")
    print(f"goals: 1 worker >= 0.9x legacy ({'met' if one >= 0.9 * legacy else 'NOT met'}), "
          f"2 workers >= 1.7x legacy ({'met' if two >= 1.7 * legacy else 'NOT met'})")
    print(f"load average after: {os.getloadavg()[0]:.1f} (figures are noisy on a shared machine)")


if __name__ == "__main__":
    main()

"""Pose and model stages of one video overlapped: pose-only, model-only, one after the other, and streamed.

For the 4-second close-up (bikes.mp4 frames 76-175) and the 10-second montage (bikes.mp4), in one process
with the model prepared once, each round measures (wall seconds, a fresh cache each time, the pose workers
started afresh each time as in a new command):
- ``pose``: the poses extracted alone (``extract_poses``, every worker spawned, as ``epam analyze`` does);
- ``model``: the analysis alone, the poses given;
- ``serial``: poses then model, the model waiting for the whole poses (before this change);
- ``stream``: the model on the windows whose poses are final while the same video's extraction goes on.
Medians are printed with ``stream / (pose + model)`` and ``stream / max(pose, model)`` (1.0 = the ideal
overlap), and the load average of each round.

    .venv/bin/python benchmarks/analyze_overlap.py [--repeat 3] [--videos close-up,montage]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLOSE_UP = (76, 176)


def _clip(source: Path, out: Path, first: int, stop: int) -> Path:
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(source) as reader:
        frames = [frame for _i, frame in reader.iter_frames(first, stop)]
    encode_frames(out, frames, fps=float(reader.fps))
    return out


def _fresh_cache(work: Path) -> None:
    os.environ["EPAM_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-", dir=work)


def _pose(video: Path, settings) -> float:
    from core_model.analysis.runner import _pose_engine
    from core_model.pose import extract_poses
    from core_model.pose.parallel import release_warm

    release_warm()
    t = time.perf_counter()
    extract_poses(video, max_people=settings.max_people, local_worker=False, use_cache=False, **_pose_engine(settings))
    return time.perf_counter() - t


def _model(video: Path, settings, prepared, poses) -> float:
    from core_model.analysis import analyze_video

    t = time.perf_counter()
    analyze_video(video, model=prepared, settings=settings, poses=poses, use_cache=False)
    return time.perf_counter() - t


def _together(video: Path, settings, prepared, stream: bool) -> float:
    from core_model.analysis import analyze_video
    from core_model.analysis.pipeline import poses_ahead
    from core_model.pose.parallel import release_warm

    release_warm()
    t = time.perf_counter()
    with poses_ahead([video], settings, use_cache=False, stream=stream) as ahead:
        poses, seconds = ahead.take(video)
        result = analyze_video(video, model=prepared, settings=settings, poses=poses, pose_seconds=seconds,
                               use_cache=False)
    wall = time.perf_counter() - t
    if stream:
        info = result.summary.get("streaming", {})
        _together.last = f"{info.get('windows_before_poses_done', 0)}/{result.num_windows} windows before the poses were done"
    return wall


def main() -> int:
    from core_model.analysis import AnalysisSettings
    from core_model.analysis.model_setup import prepare_model
    from core_model.paths import demo_video
    from core_model.pose import extract_poses
    from core_model.video import VideoReader

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--videos", default="close-up,montage")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="epam-overlap-"))
    montage = demo_video()
    videos = {"close-up": _clip(montage, work / "close_up_4s.mp4", *CLOSE_UP), "montage": montage}
    settings = AnalysisSettings()
    prepared = prepare_model(None, None, seed=settings.seed)
    prepared.release_source()
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}; {args.repeat} rounds")
    for name in args.videos.split(","):
        video = videos[name]
        with VideoReader(video) as reader:
            duration = reader.duration
        _fresh_cache(work)
        from core_model.analysis.runner import _pose_engine

        poses = extract_poses(video, local_worker=False, use_cache=False, **_pose_engine(settings))
        _model(video, settings, prepared, poses)  # warm-up: the runtime's first choice, lazy imports
        runs = {k: [] for k in ("pose", "model", "serial", "stream")}
        loads, notes = [], []
        for _ in range(args.repeat):
            loads.append(os.getloadavg()[0])
            _fresh_cache(work)
            runs["pose"].append(_pose(video, settings))
            runs["model"].append(_model(video, settings, prepared, poses))
            _fresh_cache(work)
            runs["serial"].append(_together(video, settings, prepared, stream=False))
            _fresh_cache(work)
            runs["stream"].append(_together(video, settings, prepared, stream=True))
            notes.append(_together.last)
        med = {k: statistics.median(v) for k, v in runs.items()}
        print(f"{name:9s} ({duration:4.1f}s) pose {med['pose']:6.2f}s  model {med['model']:6.2f}s  "
              f"serial {med['serial']:6.2f}s  stream {med['stream']:6.2f}s  "
              f"stream/(pose+model) {med['stream'] / (med['pose'] + med['model']):4.2f}  "
              f"stream/max {med['stream'] / max(med['pose'], med['model']):4.2f}  "
              f"stream/serial {med['stream'] / med['serial']:4.2f}  "
              f"load {statistics.median(loads):4.1f} ({min(loads):.1f}-{max(loads):.1f})", flush=True)
        print(f"{'':9s} stream: {'; '.join(notes)}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

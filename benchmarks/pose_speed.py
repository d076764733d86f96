"""Pose extraction speed: the whole ``epam extract`` command against MediaPipe's bare legacy solution.

For each video (default: a 4-second close-up, bikes.mp4's frames 76-175, and bikes.mp4 itself, a 10-second
montage of six shots; ``--long`` seconds of it played over and over for worker scaling) and each round,
interleaved so every figure sees the same load:
- legacy: ``mp.solutions.pose.Pose(model_complexity=1)`` (the full landmark model, as ours) on frames
  decoded beforehand, the model loaded beforehand: the bare solution's own loop;
- ``epam extract VIDEO --workers W --no-cache`` (``--single``: also ``--max-people 1``, the legacy solution's
  task) as a user runs it (``--base DIR``: also another checkout, e.g. the commit before, run the same way in
  the same rounds): a new process, Python start-up, imports,
  decoding, model loading, the auto detection probe, tracking and writing included (a fresh cache holding
  only what an installation makes once, whatever the video, with that checkout's own code: the MediaPipe model
  bundle and, where its pose path runs on OpenVINO, OpenVINO's compiled pose models, ``runtime/openvino``; made by
  one ``epam extract`` of a 1-second clip that is not a measured one);
Medians of ``--repeat`` rounds as frames/s, the median of the per-round ratios to legacy (each run against the
legacy loop of its own round), and CPU milliseconds per frame (all threads and processes: a load-independent
cost). Load averages are printed; the machine may be shared.

    .venv/bin/python benchmarks/pose_speed.py [VIDEO ...] [--repeat 3] [--workers 1,2] [--long 0] [--single]
                                              [--base DIR ...]

On a shared machine, ``chrt -r 1 .venv/bin/python benchmarks/pose_speed.py ...`` (root) gives the legacy loop
and every command a quiet machine's cores (real-time priority, inherited by the commands).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _decode_all(path):
    from core_model.video import VideoReader

    with VideoReader(path) as reader:
        return [frame for _i, frame in reader.iter_frames()]


def _legacy(frames) -> tuple:
    import mediapipe as mp

    with mp.solutions.pose.Pose(model_complexity=1) as solution:
        solution.process(frames[0])  # loaded and warmed: the bare per-frame loop is measured
        started, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        for frame in frames:
            solution.process(frame)
        return len(frames) / (time.perf_counter() - started), 1000 * (_cpu(resource.RUSAGE_SELF) - cpu) / len(frames)


def _installation(work: Path, tree: Path, tag: str) -> Path:
    """A cache holding what checkout ``tree`` makes on its first use, whatever the video (see the docstring): the
    model bundle and OpenVINO's compiled pose models (``runtime/openvino``) of one ``epam extract`` of a 1-s clip."""
    from core_model.paths import demo_video

    seed = work / f"installation-{tag}"
    clip = _clip(demo_video(), work / f"seed_1s_{tag}.mp4", 0, 25)
    env = {**os.environ, "EPAM_CACHE_DIR": str(seed), "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-m", "core_model.cli", "extract", str(clip), "-o", str(work / f"seed-{tag}.npz"),
                    "--workers", "1", "--no-cache"], cwd=tree, env=env, check=True, capture_output=True)
    return seed


def _command(video: Path, frames: int, workers: int, installed: Path, work: Path, extra=(),
             tree: Path = ROOT) -> tuple:
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    for part in ("models", "runtime/openvino"):
        if (installed / part).is_dir():
            shutil.copytree(installed / part, cache / part)
    env = {**os.environ, "EPAM_CACHE_DIR": str(cache)}
    argv = [sys.executable, "-m", "core_model.cli", "extract", str(video), "-o", str(cache / "out.npz"),
            "--workers", str(workers), "--no-cache", *extra]
    started, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"epam extract failed: {done.stderr[-1500:]}")
    shutil.rmtree(cache, ignore_errors=True)
    return frames / wall, 1000 * (_cpu(resource.RUSAGE_CHILDREN) - cpu) / frames


def _looped(source: Path, seconds: float, out: Path) -> Path:
    """``source`` played over and over for ``seconds`` (a longer video with the same content)."""
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(source) as reader:
        frames = [frame for _i, frame in reader.iter_frames()]
        fps = reader.fps
    count = int(round(seconds * fps))
    encode_frames(out, [frames[i % len(frames)] for i in range(count)], fps=float(fps))
    return out


CLOSE_UP = (76, 176)  # frames of bikes.mp4: the cyclist's shot and the next one, 4 s


def _clip(source: Path, out: Path, first: int, stop: int) -> Path:
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(source) as reader:
        frames = [frame for _i, frame in reader.iter_frames(first, stop)]
    encode_frames(out, frames, fps=float(reader.fps))
    return out


def _round(video: Path, frames: list, workers: list, installed: dict, work: Path, args) -> dict:
    """One round on ``video``: legacy, then every command; ``{name: (frames/s, CPU ms/frame)}``."""
    runs = {"legacy": _legacy(frames)}
    trees = [("", ROOT)] + [(f"{Path(base).name} ", Path(base)) for base in args.base or []]
    for tag, tree in trees:
        cache = installed[str(tree)]
        for n in workers:
            runs[f"{tag}epam extract --workers {n}"] = _command(video, len(frames), n, cache, work, tree=tree)
        if args.single:  # the legacy solution's task: one person (no search for more, no detection probe)
            runs[f"{tag}... --workers 1 --max-people 1"] = _command(video, len(frames), 1, cache, work,
                                                                    ("--max-people", "1"), tree=tree)
    return runs


def main() -> None:
    from core_model.paths import demo_video

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*", help="default: the 4-s close-up of bikes.mp4 and bikes.mp4")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--long", type=float, default=0.0, help="also this many seconds of the last video, looped")
    parser.add_argument("--single", action="store_true", help="also epam extract --max-people 1 (one worker)")
    parser.add_argument("--base", action="append", help="another checkout run the same way, in the same rounds "
                        "(before/after; may be given several times, each labelled by its folder's name)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="epam-pose-speed-"))
    installed = {str(tree): _installation(work, tree, f"tree{number}")
                 for number, tree in enumerate([ROOT] + [Path(b) for b in args.base or []])}
    videos = [Path(v) for v in args.videos] or [_clip(demo_video(), work / "close_up_4s.mp4", *CLOSE_UP),
                                                  demo_video()]
    if args.long:
        videos.append(_looped(videos[-1], args.long, work / "looped.mp4"))
    workers = [int(w) for w in args.workers.split(",")]
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}, "
          f"medians of {args.repeat} interleaved rounds")
    for video in videos:
        frames = _decode_all(video)
        h, w = frames[0].shape[:2]
        rounds, loads = [], []
        for _ in range(args.repeat):
            loads.append(os.getloadavg()[0])
            rounds.append(_round(video, frames, workers, installed, work, args))
        print(f"{video.name}: {len(frames)} frames {w}x{h}; load average during: "
              f"{min(loads):.1f}-{max(loads):.1f}")
        for name in rounds[0]:
            fps = statistics.median(r[name][0] for r in rounds)
            ratio = statistics.median(r[name][0] / r["legacy"][0] for r in rounds)
            cpu_ms = statistics.median(r[name][1] for r in rounds)
            print(f"  {name:36s} {fps:6.1f} frames/s = {ratio:4.2f}x legacy   {cpu_ms:5.1f} CPU ms/frame")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Peak resident memory and wall time of ``epam analyze`` with the poses already cached.

Builds (once, in --work) a 768x576, 80-second, 25 fps video of stick figures and its ground-truth
poses, and puts the poses in a fresh pose cache before every run, so each run is an analysis whose
poses are cached and whose result is not. Each run is a separate ``epam analyze`` process; its peak
RSS comes from the kernel (``wait4`` rusage). Prints each run and the medians.

With ``--baseline TREE`` (another checkout, e.g. ``git worktree`` or ``git archive`` of an older commit)
the runs alternate between that tree and this one, so both see the same machine load, and both
medians are printed.

Usage: python benchmarks/analysis_memory.py [--runs 3] [--work DIR] [--people 2] [--baseline TREE]
                                             [--size 768x576] [--seconds 80] [--env NAME=VALUE ...]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZE, SECONDS, FPS = (768, 576), 80, 25.0


def prepare(work: Path, people: int) -> Path:  # uses SIZE / SECONDS (set from --size / --seconds)
    """The test video (made once) and its poses file beside it."""
    import numpy as np

    from core_model.pose.format import Poses
    from core_model.video.synthetic import write_stick_figure_video

    video = work / f"people{people}_{SIZE[0]}x{SIZE[1]}_{SECONDS:g}s.mp4"
    poses_file = video.with_suffix(".poses.npz")
    if not (video.is_file() and poses_file.is_file()):
        frames = int(SECONDS * FPS)
        keypoints = write_stick_figure_video(video, people=people, frames=frames, size=SIZE, fps=FPS)
        Poses(keypoints, np.ones(keypoints.shape[:3], np.float32), np.arange(people), np.arange(frames) / FPS,
              (SIZE[1], SIZE[0]), FPS, {"source": video.name}).save(poses_file)
    return video


_SEED = """
import sys
from core_model.pose import cache
from core_model.pose.extract import _settings
from core_model.pose.format import Poses
cache.store(sys.argv[1], _settings(4, "mediapipe"), Poses.load(sys.argv[2]))
"""


def _prepare_in_child(work: Path, people: int, size, seconds) -> None:
    global SIZE, SECONDS
    SIZE, SECONDS = size, seconds
    prepare(work, people)


def seed_pose_cache(cache: Path, video: Path, root: Path) -> None:
    """Put the video's poses where ``epam analyze`` (default --max-people) of the tree ``root`` looks them up."""
    env = {**os.environ, "EPAM_CACHE_DIR": str(cache), "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", _SEED, str(video), str(video.with_suffix(".poses.npz"))], env=env,
                   cwd=root, check=True)


def run_once(video: Path, extra_env: dict, root: Path = ROOT) -> tuple:
    """(peak RSS MiB, wall seconds) of one ``epam analyze`` process running the code in ``root``."""
    cache = Path(tempfile.mkdtemp(prefix="epam-mem-cache-"))
    out = Path(tempfile.mkdtemp(prefix="epam-mem-out-"))
    try:
        seed_pose_cache(cache, video, root)
        env = {**os.environ, "EPAM_CACHE_DIR": str(cache), "PYTHONPATH": str(root), **extra_env}
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "core_model.cli", "analyze", str(video), "-o", str(out)],
                                env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"epam analyze failed: {err.strip()}")
        return usage.ru_maxrss / 1024.0, wall  # ru_maxrss is in KiB on Linux
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--people", type=int, default=2)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "epam-bench-memory"))
    parser.add_argument("--baseline", metavar="TREE", help="another checkout to alternate with")
    parser.add_argument("--size", default="768x576", metavar="WxH", help="frame size (default 768x576)")
    parser.add_argument("--seconds", type=float, default=80, help="video length at 25 fps (default 80)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the analysed process (experiments)")
    args = parser.parse_args()
    global SIZE, SECONDS
    SIZE, SECONDS = tuple(int(v) for v in args.size.lower().split("x")), args.seconds
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    # made in a child process: Linux keeps a process's peak RSS across fork and exec, so a big parent
    # (drawing a 4000x3000 video) would show as the peak of every analysis it starts
    import multiprocessing

    maker = multiprocessing.get_context("spawn").Process(target=_prepare_in_child, args=(work, args.people, SIZE,
                                                                                          SECONDS))
    maker.start()
    maker.join()
    video = work / f"people{args.people}_{SIZE[0]}x{SIZE[1]}_{SECONDS:g}s.mp4"
    extra = dict(item.split("=", 1) for item in args.env)
    trees = [("this tree", ROOT)] + ([("baseline", Path(args.baseline).resolve())] if args.baseline else [])
    figures = {name: ([], []) for name, _ in trees}
    for i in range(args.runs):
        for name, root in trees if i % 2 == 0 else trees[::-1]:
            peak, wall = run_once(video, extra, root)
            figures[name][0].append(peak)
            figures[name][1].append(wall)
            print(f"run {i + 1} {name}: peak RSS {peak:7.1f} MiB, wall {wall:6.1f} s", flush=True)
    for name, (peaks, walls) in figures.items():
        print(f"{name}: median over {args.runs} runs: peak RSS {statistics.median(peaks):.1f} MiB, "
              f"wall {statistics.median(walls):.1f} s ({SIZE[0]}x{SIZE[1]}, {SECONDS} s, poses cached)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

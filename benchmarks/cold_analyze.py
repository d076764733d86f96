"""Cold ``epam analyze`` as a user runs it: a fresh cache, the whole command in a new process, best of N.

Prints, for a 4-second close-up (bikes.mp4's cyclist shot and the next one, frames 76-175) and the
10-second montage (bikes.mp4, six shots):
- the real-time factor of ``epam analyze VIDEO`` (video seconds / wall seconds of the whole command,
  Python start-up included; goals >= 1.0 on the close-up and >= 1.5 on the montage on 2 cores);
- the time from command start to the first frame decoded and to the first frame through the pose
  model (``EPAM_TRACE_FILE``, :mod:`core_model.startup_trace`), for ``analyze`` and for ``extract``.

``--base DIR``: another checkout (e.g. ``git archive <commit> | tar -x -C DIR``) run the same way, in
the same rounds, interleaved with this one, so before/after ratios share the machine's load. A fresh
cache holds no poses or results; what an installation makes once on its first use, whatever the video
(the MediaPipe model bundle, ~2 s; the model runtime's exported graphs and choice), is copied in unless
``--first-use``. Load averages are printed with every figure.

    .venv/bin/python benchmarks/cold_analyze.py [--repeat 3] [--base /tmp/base] [--commands analyze,extract]
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

CLOSE_UP = (76, 176)  # frames of bikes.mp4: 4 s


def _clip(source: Path, out: Path, first: int, stop: int) -> Path:
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(source) as reader:
        frames = [frame for _i, frame in reader.iter_frames(first, stop)]
    encode_frames(out, frames, fps=float(reader.fps))
    return out


def _installation(work: Path, source: Path) -> list:
    """What an installation holds after its first use, whatever the video: the MediaPipe model bundle
    (``models/``) and the model runtime's exported graphs and choices (``runtime/``, when there is one).
    Made by one ``epam analyze`` of a 3-second clip that is not one of the measured videos."""
    seed = work / "installation-cache"
    clip = _clip(source, work / "seed_3s.mp4", 0, 75)
    env = {**os.environ, "EPAM_CACHE_DIR": str(seed)}
    subprocess.run([sys.executable, "-m", "core_model.cli", "analyze", str(clip), "-o", str(work / "seed-out")],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return [folder for folder in (seed / "models", seed / "runtime") if folder.is_dir()]


def _run(tree: Path, command: list, work: Path, installed: list, tag: str) -> dict:
    """One cold run of ``epam COMMAND`` from checkout ``tree``: wall seconds and start-up milestones."""
    cache = Path(tempfile.mkdtemp(prefix=f"cache-{tag}-", dir=work))
    for folder in installed:
        shutil.copytree(folder, cache / folder.name)
    out = Path(tempfile.mkdtemp(prefix=f"out-{tag}-", dir=work))
    trace = out / "trace.txt"
    env = {**os.environ, "EPAM_CACHE_DIR": str(cache), "EPAM_TRACE_FILE": str(trace), "PYTHONPATH": str(tree)}
    argv = [sys.executable, "-m", "core_model.cli", *command]
    argv = [a.replace("{out}", str(out)) for a in argv]
    load = os.getloadavg()[0]
    started = time.time()
    done = subprocess.run(argv, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {tree}:\n{done.stderr[-2000:]}")
    from core_model.startup_trace import read_trace

    events = read_trace(trace)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return {"wall": wall, "load": load, **{k: v - started for k, v in events.items()}}


def _fmt(runs: list, duration: float) -> str:
    best = min(r["wall"] for r in runs)
    first = [r["first_frame"] for r in runs if "first_frame" in r]
    pose = [r["first_pose"] for r in runs if "first_pose" in r]
    text = f"best {best:6.2f}s = RTF {duration / best:5.2f} (median {statistics.median(r['wall'] for r in runs):6.2f}s)"
    if first:
        text += f"  first frame {statistics.median(first):5.2f}s"
    if pose:
        text += f"  first pose {statistics.median(pose):5.2f}s"
    return text + f"  load {statistics.median(r['load'] for r in runs):4.1f}"


def main() -> int:
    from core_model.paths import demo_video
    from core_model.video import VideoReader

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base", type=Path, help="a second checkout to compare with (the 'before')")
    parser.add_argument("--commands", default="analyze,extract", help="analyze, extract or both")
    parser.add_argument("--videos", default="close-up,montage")
    parser.add_argument("--first-use", action="store_true", help="no MediaPipe bundle in the fresh cache")
    parser.add_argument("--workers", type=int, default=None, help="extract --workers (default: the command's)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="epam-cold-"))
    montage = demo_video()
    videos = {"close-up": _clip(montage, work / "close_up_4s.mp4", *CLOSE_UP), "montage": montage}
    videos = {k: v for k, v in videos.items() if k in args.videos.split(",")}
    installed = [] if args.first_use else _installation(work, montage)
    trees = {"after": ROOT} if args.base is None else {"before": args.base.resolve(), "after": ROOT}
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}; {args.repeat} rounds, "
          f"{'first use (model bundle and runtime graphs made in the run)' if args.first_use else 'installation used once: ' + ', '.join(f.name for f in installed) + ' in the fresh cache'}")
    workers = [] if args.workers is None else ["--workers", str(args.workers)]
    commands = {"analyze": lambda v: ["analyze", str(v), "-o", "{out}"],
                "extract": lambda v: ["extract", str(v), "-o", "{out}/p.npz", *workers]}
    for name, video in videos.items():
        with VideoReader(video) as reader:
            duration = reader.duration
        for command in args.commands.split(","):
            runs = {tag: [] for tag in trees}
            for _ in range(args.repeat):
                for tag, tree in trees.items():  # interleaved: both see the same load
                    runs[tag].append(_run(tree, commands[command](video), work, installed, tag))
            for tag in trees:
                print(f"{command:8s} {name:9s} ({duration:4.1f}s) {tag:7s} {_fmt(runs[tag], duration)}", flush=True)
            if len(trees) == 2:
                b, a = (min(r["wall"] for r in runs[t]) for t in ("before", "after"))
                print(f"{command:8s} {name:9s} after/before speed: {b / a:.2f}x")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

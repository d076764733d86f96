"""Cold ``epam analyze`` as a user runs it: a fresh cache, the whole command in a new process, best of N.

Prints, for a 4-second close-up (bikes.mp4's cyclist shot and the next one, frames 76-175) and the
10-second montage (bikes.mp4, six shots):
- the real-time factor of ``epam analyze VIDEO`` (video seconds / wall seconds of the whole command,
  Python start-up included; goals >= 1.0 on the close-up and >= 1.5 on the montage on 2 cores);
- the time from command start to the first frame decoded, to the first frame through the pose
  model and to the network built (``EPAM_TRACE_FILE``, :mod:`core_model.startup_trace`), for ``analyze``
  and for ``extract``;
- the CPU seconds of the whole command (every process; the load changes them far less than the wall
  time) and of the command's own process until its first frame.

``--base DIR``: another checkout (e.g. ``git archive <commit> | tar -x -C DIR``) run the same way, in
the same rounds, interleaved with this one, so before/after ratios share the machine's load. A fresh
cache holds no poses or results; what an installation makes once on its first use, whatever the video, is
copied in unless ``--first-use``: the MediaPipe model bundle (~2 s) and the model runtime's folder (the
network's graph exported, checked against PyTorch and timed by the background export that the first, short
analysis starts, with OpenVINO's compiled blob and the ready record a run without PyTorch needs:
core_model/runtime/first_use.py; its time is printed). Each checkout makes its own with its own code. Load
averages are printed with every figure.

``--rt``: every measured command runs under the real-time scheduler (``chrt -r 1``, Linux, root): on a shared
machine it then gets the 2 cores as on a quiet one (what other users run waits meanwhile; the kernel keeps 5 %
for them). The critical path printed for ``analyze``: the pose job handed to the workers (the detection mode
probed), the poses done, the last window's forward, the command's end (medians from the command start).

    .venv/bin/python benchmarks/cold_analyze.py [--repeat 3] [--base /tmp/base] [--commands analyze,extract] [--rt]
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

CLOSE_UP = (76, 176)  # frames of bikes.mp4: 4 s


def _clip(source: Path, out: Path, first: int, stop: int) -> Path:
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(source) as reader:
        frames = [frame for _i, frame in reader.iter_frames(first, stop)]
    encode_frames(out, frames, fps=float(reader.fps))
    return out


def _installation(work: Path, source: Path, tree: Path, tag: str, used: bool = False) -> list:
    """What an installation of checkout ``tree`` holds after its first use, whatever the video: the MediaPipe
    model bundle (``models/``, where its pose path uses one) and the model runtime's exported graphs, choices,
    OpenVINO's compiled blobs and ready records (``runtime/``, when there is one). Made by one ``epam analyze`` of
    a 3-second clip that is not one of the measured videos, with that checkout's own code, and what that command
    starts in the background (since the installation's first-use export, core_model/runtime/first_use.py: the
    graph exported, checked and timed after the command ended; waited for here, and its time printed).
    ``used``: an installation that has also analysed one longer video (the montage at a 0.5-s stride: 15 windows,
    enough for ``--runtime auto`` to export the network's graph and time it against PyTorch during that run)."""
    seed = work / f"installation-cache-{tag}"
    clip = _clip(source, work / "seed_3s.mp4", 0, 75)
    env = {**os.environ, "EPAM_CACHE_DIR": str(seed), "PYTHONPATH": str(tree)}
    runs = [[str(clip)]] + ([[str(source), "--stride", "0.5s"]] if used else [])
    for number, args in enumerate(runs):
        started = time.time()
        subprocess.run([sys.executable, "-m", "core_model.cli", "analyze", *args, "-o",
                        str(work / f"seed-out-{tag}-{number}")], cwd=tree, env=env, check=True, capture_output=True)
        ended = time.time()
        _wait_background_export(seed)  # the first use's background export
        log = seed / "runtime" / "first-use.log"
        note = ""
        if log.is_file() and log.stat().st_mtime >= started:
            text = log.read_text()
            ready = '"ready_record": null' not in text and '"ready_record"' in text
            note = (f", then its background export {time.time() - ended:.1f} s after the command "
                    f"(ready for runs without PyTorch: {'yes' if ready else 'no'})")
        print(f"installation {tag}: first use {' '.join(Path(a).name for a in args)}: {ended - started:.1f} s"
              f"{note}, load {os.getloadavg()[0]:.1f}", flush=True)
    return [folder for folder in (seed / "models", seed / "runtime") if folder.is_dir()]


def _wait_background_export(cache: Path, timeout: float = 900.0) -> float:
    """Wait until the first-use export a command started in ``cache`` has ended; seconds waited."""
    started = time.time()
    lock = cache / "runtime" / "first-use.lock"
    while lock.exists() and time.time() - started < timeout:
        time.sleep(0.2)
    return time.time() - started


#: ``--rt``: the measured commands run under the real-time round-robin scheduler, lowest priority
RT_PREFIX: list = []


def _run(tree: Path, command: list, work: Path, installed: list, tag: str) -> dict:
    """One cold run of ``epam COMMAND`` from checkout ``tree``: wall seconds and start-up milestones."""
    cache = Path(tempfile.mkdtemp(prefix=f"cache-{tag}-", dir=work))
    for folder in installed:
        shutil.copytree(folder, cache / folder.name)
    out = Path(tempfile.mkdtemp(prefix=f"out-{tag}-", dir=work))
    trace = out / "trace.txt"
    env = {**os.environ, "EPAM_CACHE_DIR": str(cache), "EPAM_TRACE_FILE": str(trace), "PYTHONPATH": str(tree)}
    argv = [*RT_PREFIX, sys.executable, "-m", "core_model.cli", *command]
    argv = [a.replace("{out}", str(out)) for a in argv]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    done = subprocess.run(argv, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {tree}:\n{done.stderr[-2000:]}")
    from core_model.startup_trace import read_cpu, read_trace

    events, cpu_at = read_trace(trace), read_cpu(trace)
    _wait_background_export(cache)  # --first-use: the export the run started (not timed) ends before the next run
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    forwards = [v for k, v in events.items() if k.startswith("forward_")]
    if forwards:
        events["last_forward"] = max(forwards)
    return {"wall": wall, "load": load, "cpu": cpu, **{k: v - started for k, v in events.items()},
            **({"first_frame_cpu": cpu_at["first_frame"]} if cpu_at.get("first_frame") is not None else {})}


def _fmt(runs: list, duration: float) -> str:
    best = min(r["wall"] for r in runs)
    text = f"best {best:6.2f}s = RTF {duration / best:5.2f} (median {statistics.median(r['wall'] for r in runs):6.2f}s)"
    for key, label in (("first_frame", "first frame"), ("first_pose", "first pose"), ("model_ready", "model ready"),
                       ("pose_job", "pose job"), ("poses_done", "poses done"), ("last_forward", "last forward"),
                       ("exit", "exit")):
        values = [r[key] for r in runs if key in r]
        if values:
            text += f"  {label} {statistics.median(values):5.2f}s"
    text += f"  cpu {statistics.median(r['cpu'] for r in runs):5.2f}s"
    first_cpu = [r["first_frame_cpu"] for r in runs if "first_frame_cpu" in r]
    if first_cpu:
        text += f" ({statistics.median(first_cpu):4.2f}s to the first frame)"
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
    parser.add_argument("--used", action="store_true",
                        help="the installation has analysed one longer video before (runtime graph and choice made)")
    parser.add_argument("--workers", type=int, default=None, help="extract --workers (default: the command's)")
    parser.add_argument("--rt", action="store_true", help="run the measured commands with chrt -r 1 (a quiet "
                                                          "machine's 2 cores on a shared one; Linux, root)")
    args = parser.parse_args()
    if args.rt:
        RT_PREFIX[:] = ["chrt", "-r", "1"]

    work = Path(tempfile.mkdtemp(prefix="epam-cold-"))
    montage = demo_video()
    videos = {"close-up": _clip(montage, work / "close_up_4s.mp4", *CLOSE_UP), "montage": montage}
    videos = {k: v for k, v in videos.items() if k in args.videos.split(",")}
    trees = {"after": ROOT} if args.base is None else {"before": args.base.resolve(), "after": ROOT}
    installed = {tag: [] if args.first_use else _installation(work, montage, tree, tag, args.used)
                 for tag, tree in trees.items()}
    made_once = "; ".join(f"{tag}: {', '.join(f.name for f in folders) or 'nothing'}"
                          for tag, folders in installed.items())
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}; {args.repeat} rounds, "
          + ("real-time scheduler (chrt -r 1), " if args.rt else "")
          + ("first use (model bundle and runtime graphs made in the run)" if args.first_use
             else f"what an installation makes on its first use copied into each fresh cache ({made_once})"))
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
                    runs[tag].append(_run(tree, commands[command](video), work, installed[tag], tag))
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

"""The studio's Analyze on a video without poses, as a user runs it: wall time from the click to the result.

Each run is a new studio process (offscreen) with a fresh cache (the MediaPipe model bundle of
``~/.cache/epam-studio/models`` copied in, as an installation has it after its first use): it opens the
video, waits until it is shown, triggers the Analyze action and times until the result is in the session
(poses and EPAM-Net, untrained, default settings), and the CPU seconds of the whole run (the studio
process and its pose workers; window start-up included: the load changes them far less). Also printed: the poses the session holds afterwards,
and the job's progress reports (how many, the last frames/s text the job panel showed).

``--base DIR``: another checkout (``git archive <commit> | tar -x -C DIR``) run the same way in the same
rounds, interleaved with this one, so the before/after ratio shares the machine's load. Load averages
are printed with every figure.

    .venv/bin/python benchmarks/studio_analyze.py [--repeat 3] [--base /tmp/studio-base] [--video PATH]
"""
from __future__ import annotations

import argparse
import json
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

CHILD = r"""
import json, sys, time
from app.main import create_app, create_window
app = create_app()
window = create_window("1280x720")
window.show()
window.settings.device = "cpu"
window.open_paths([sys.argv[1]])
deadline = time.monotonic() + 120
while (window.session.current is None or not window.session.current.is_open or window.jobs.jobs) \
        and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
entry = window.session.current
texts = []
window.jobs.progressed.connect(lambda job: texts.append(window.job_panel.row(job).eta.text())
                               if job.id in window.job_panel._rows else None)
started = time.perf_counter()
window.actions["analyze"].trigger()
while entry.result is None and time.monotonic() < deadline + 900:
    app.processEvents()
    time.sleep(0.005)
    if not window.jobs.jobs and entry.result is None:
        break
wall = time.perf_counter() - started
for _ in range(20):
    app.processEvents()
print(json.dumps({"wall": wall, "ok": entry.result is not None, "windows": getattr(entry.result, "num_windows", 0),
                  "poses_in_session": entry.poses is not None, "reports": len(texts),
                  "last_text": texts[-2] if len(texts) > 1 else (texts[-1] if texts else ""),
                  "status": window.status.currentMessage(),
                  "timings": (entry.result.summary or {}).get("timings") if entry.result is not None else None}))
window.jobs.shutdown(5000)
"""


def _run(tree: Path, video: Path, work: Path) -> dict:
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    bundle = Path.home() / ".cache" / "epam-studio" / "models"
    if bundle.is_dir():
        shutil.copytree(bundle, cache / "models")
    env = {**os.environ, "EPAM_CACHE_DIR": str(cache), "PYTHONPATH": str(tree), "QT_QPA_PLATFORM": "offscreen",
           "EPAM_STUDIO_SETTINGS": str(cache / "studio.ini")}
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", CHILD, str(video)], cwd=tree, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    shutil.rmtree(cache, ignore_errors=True)
    if done.returncode != 0:
        raise SystemExit(f"the studio run failed in {tree}:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if not out["ok"]:
        raise SystemExit(f"no result in {tree}: {out}")
    return {**out, "load": load, "cpu": cpu}


def main() -> int:
    from core_model.paths import demo_video
    from core_model.video import VideoReader

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base", type=Path, help="a second checkout to compare with (the 'before')")
    parser.add_argument("--video", type=Path, default=None, help="default: the demo video (bikes.mp4)")
    args = parser.parse_args()
    video = (args.video or demo_video()).resolve()
    with VideoReader(video) as reader:
        seconds = reader.frame_count / reader.fps
    trees = {"after": ROOT} if args.base is None else {"before": args.base.resolve(), "after": ROOT}
    work = Path(tempfile.mkdtemp(prefix="epam-studio-analyze-"))
    print(f"{video.name}: {seconds:.1f} s of video; cpu cores {os.cpu_count()}, load at start "
          f"{os.getloadavg()[0]:.1f}; {args.repeat} rounds")
    runs = {tag: [] for tag in trees}
    for round_ in range(args.repeat):
        for tag, tree in trees.items():
            run = _run(tree, video, work)
            runs[tag].append(run)
            print(f"  round {round_ + 1} {tag:6s} {run['wall']:6.2f} s  cpu {run['cpu']:6.1f} s  load {run['load']:4.1f}  windows "
                  f"{run['windows']}  poses in the session {run['poses_in_session']}  reports {run['reports']}  "
                  f"panel: {run['last_text']!r}", flush=True)
            print(f"    the analysis' own timings: {run['timings']}", flush=True)
    medians = {tag: statistics.median(r["wall"] for r in rs) for tag, rs in runs.items()}
    for tag, rs in runs.items():
        print(f"{tag:6s} median {medians[tag]:6.2f} s (RTF {seconds / medians[tag]:4.2f}), best "
              f"{min(r['wall'] for r in rs):6.2f} s, cpu (every process of the studio run) median "
              f"{statistics.median(r['cpu'] for r in rs):6.1f} s, load median {statistics.median(r['load'] for r in rs):4.1f}")
    if "before" in medians:
        print(f"after / before wall time: {medians['after'] / medians['before']:.2f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())

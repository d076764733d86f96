"""Stepping frames with View ▸ Blur faces on: how long the GUI thread is held per step, before/after.

Opens a video in the real main window (offscreen) with faces hidden, then steps forward frame by frame. Per step:
- ``step``: from the seek to the end of the view's next paint of that frame (what the person stepping waits for);
- ``GUI``: the time spent in ``VideoView.set_frame``, all its calls for the step (the face filter included: the
  detector's time where it runs on the GUI thread; the cover's and the re-show's where it runs on a worker);
- ``hidden``: from the seek to the paint of the frame with its faces hidden (the worker's result; the same as
  ``step`` where the detector runs on the GUI thread).
Then it plays 4 s at 1x and reports the frames shown, how many of them were painted with their faces hidden (not
only the cover) and the longest gap between two paints (playback stalls).

Videos: a 1280x720 clip of a real face photograph moving (benchmarks/face_blur_speed.py's frames) and bikes.mp4
(640x272). ``--root DIR`` runs the studio of another checkout (e.g. the code before the change) with this script:

    .venv/bin/python benchmarks/gui_face_step.py --root /tmp/base_bacea16 --steps 40
    .venv/bin/python benchmarks/gui_face_step.py --steps 40
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent


def _args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--root", type=Path, default=HERE.parent, help="the checkout whose studio runs")
    p.add_argument("--play-seconds", type=float, default=4.0)
    return p.parse_args()


ARGS = _args()
sys.path.insert(0, str(ARGS.root.resolve()))
sys.path.insert(1, str(HERE))

from gui_common import now, percentile, wait_for  # noqa: E402


def _timed_set_frame(view, log: list) -> None:
    plain = view.set_frame

    def set_frame(index, frame):
        t0 = now()
        plain(index, frame)
        log.append(now() - t0)

    view.set_frame = set_frame


def _painted_hidden(window, index: int) -> bool:
    privacy = window.face_privacy
    if window.view.shown_frame != index:
        return False
    hidden = getattr(privacy, "hidden", None)  # the worker's result (after the change); before: set_frame blurs
    if hidden is None:
        return True
    source = window.view._source
    out = hidden(index, source)
    return out is not None and window.view._frame is out


def bench(window, video: Path, steps: int, play_seconds: float) -> dict:
    window.open_paths([video])
    wait_for(window.frameDisplayed, lambda i: i == 0)
    if window.jobs.jobs:
        wait_for(window.jobs.ended, lambda job: not window.jobs.jobs, timeout_s=120)
    window.set_blur_faces(True)
    wait_for(window.view.painted, lambda: _painted_hidden(window, 0), timeout_s=60)  # the detector loaded
    gui: list = []
    _timed_set_frame(window.view, gui)
    steps = min(steps, window.session.current.frame_count - 1)
    out = {"step": [], "hidden": [], "step_cpu": [], "gui": []}
    for i in range(1, steps + 1):
        gui.clear()
        t0, c0 = now(), time.process_time()
        window.playback.seek(i)
        wait_for(window.view.painted, lambda i=i: window.view.shown_frame == i)
        out["step"].append(now() - t0)
        out["step_cpu"].append(time.process_time() - c0)
        if not _painted_hidden(window, i):
            wait_for(window.view.painted, lambda i=i: _painted_hidden(window, i))
        out["hidden"].append(now() - t0)
        out["gui"].append(sum(gui))
    paints = []  # (time, frame, faces hidden: not the cover)

    def painted() -> None:
        paints.append((now(), window.view.shown_frame, _painted_hidden(window, window.view.shown_frame)))

    window.view.painted.connect(painted)
    window.playback.seek(0)
    window.playback.play()
    t0 = now()
    wait_for(window.playback.playingChanged, lambda playing: not playing, timeout_s=play_seconds)
    window.playback.pause()
    window.view.painted.disconnect(painted)
    times = [p[0] for p in paints]
    out["played"] = (len({p[1] for p in paints}), len({p[1] for p in paints if p[2]}), now() - t0,
                     max((b - a for a, b in zip(times, times[1:])), default=0.0))
    window.set_blur_faces(False)
    window.session.remove(window.session.current)
    return out


def fmt(values) -> str:
    ms = [v * 1000 for v in values]
    return f"median {statistics.median(ms):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms"


def main() -> None:
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(Path(tempfile.gettempdir()) / "epam-bench-face-settings.ini"))
    from app.main import create_app, create_window, prepare_qt_environment
    from core_model.paths import demo_video
    from core_model.video.encoding import encode_frames
    from face_blur_speed import frames_of

    app = create_app()  # noqa: F841 - keeps the QApplication alive
    window = create_window("1440x900")
    print(f"studio of {ARGS.root.resolve()}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        face = Path(tmp) / "face_1280x720.mp4"
        encode_frames(face, iter(frames_of((1280, 720), max(ARGS.steps + 1, 100))), fps=25.0)
        prepare_qt_environment()
        for label, video in (("1280x720 face", face), ("640x272 bikes.mp4", demo_video())):
            r = bench(window, video, ARGS.steps, ARGS.play_seconds)
            shown, hidden, seconds, gap = r["played"]
            print(f"{label:18s} step to paint : {fmt(r['step'])}   CPU {fmt(r['step_cpu'])}")
            print(f"{'':18s} GUI set_frame : {fmt(r['gui'])}  (per step, all calls)")
            print(f"{'':18s} faces hidden  : {fmt(r['hidden'])}")
            print(f"{'':18s} playing 1x    : {shown} frames shown in {seconds:.1f} s, {hidden} of them with faces "
                  f"hidden (the rest covered), longest gap between paints {gap * 1000:.0f} ms")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    window.close()


if __name__ == "__main__":
    main()

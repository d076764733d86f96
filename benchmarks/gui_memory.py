"""Resident memory while playing a one-hour 720p video with every overlay on (goal: bounded, < 1.5 GB).

Builds a real one-hour 1280x720 H.264 file cheaply (one minute of simple content encoded once,
then remuxed 60 times with shifted timestamps), opens it in the main window (offscreen) with
poses and an analysis covering the whole hour, then steps through thousands of frames, seeks
all over the hour and plays at 4x, sampling the process's resident memory (VmRSS).

    .venv/bin/python benchmarks/gui_memory.py [--minutes 60] [--steps 3000] [--seeks 300] [--play-s 20]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from gui_common import synthetic_poses, synthetic_result, wait_for  # noqa: E402

SIZE, FPS = (1280, 720), 25


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def minute_clip(path: Path) -> None:
    """One minute of 720p: a gradient, a moving block and the frame number as bars."""
    from core_model.video.encoding import encode_frames

    w, h = SIZE
    base = np.zeros((h, w, 3), np.uint8)
    base[..., 0] = np.linspace(30, 90, w, dtype=np.uint8)[None]
    base[..., 2] = np.linspace(60, 120, h, dtype=np.uint8)[:, None]

    def frames():
        for i in range(60 * FPS):
            f = base.copy()
            x = (i * 8) % (w - 160)
            f[300:460, x:x + 160] = 220
            f[:16, : (i % 100) * 12] = 255
            yield f

    encode_frames(path, frames(), fps=FPS, options={"preset": "ultrafast", "crf": "32", "g": "50"})


def remux_repeated(src: Path, dst: Path, times: int) -> None:
    """Concatenate ``times`` copies of ``src`` into ``dst`` without re-encoding."""
    import av

    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        packets = [p for p in inp.demux(stream) if p.dts is not None]
        step = packets[1].duration or 1
        span = max(p.pts for p in packets) + step - min(p.pts for p in packets)
        with av.open(str(dst), "w") as out:
            ostream = out.add_stream_from_template(stream)
            for k in range(times):
                for p in packets:
                    p.pts += span if k else 0
                    p.dts += span if k else 0
                    p.stream = ostream
                    out.mux(p)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=int, default=60)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--seeks", type=int, default=300)
    p.add_argument("--play-s", type=float, default=20.0)
    args = p.parse_args()
    os.environ.setdefault("EPAM_STUDIO_SETTINGS", str(Path(tempfile.gettempdir()) / "epam-bench-settings.ini"))
    from app.main import create_app, create_window, prepare_qt_environment

    with tempfile.TemporaryDirectory() as tmp:
        clip, video = Path(tmp) / "minute.mp4", Path(tmp) / "long_720p.mp4"
        t0 = time.perf_counter()
        minute_clip(clip)
        remux_repeated(clip, video, args.minutes)
        prepare_qt_environment()
        print(f"built {video.name}: {args.minutes} min 1280x720, {video.stat().st_size / 1e6:.0f} MB "
              f"in {time.perf_counter() - t0:.0f} s")
        app = create_app()  # noqa: F841
        window = create_window("1440x900")
        print(f"RSS after start-up: {rss_mb():.0f} MB")
        t0 = time.perf_counter()
        window.open_paths([video])
        wait_for(window.frameDisplayed, lambda i: i == 0, timeout_s=300)
        if window.jobs.jobs:
            wait_for(window.jobs.ended, lambda job: not window.jobs.jobs, timeout_s=120)
        entry = window.session.current
        print(f"opened: {entry.frame_count} frames in {time.perf_counter() - t0:.1f} s, RSS {rss_mb():.0f} MB")
        poses = synthetic_poses(entry.frame_count, SIZE, entry.fps)
        window.session.update(entry, poses=poses, result=synthetic_result(poses, entry.fps))
        for key in window.overlays.keys():
            window.set_overlay(key, True)
        window.timeline.widget()
        samples = [rss_mb()]
        print(f"with poses + analysis of the hour and all overlays: RSS {samples[-1]:.0f} MB")

        def show(i: int) -> None:
            window.playback.seek(i)
            wait_for(window.view.painted, lambda i=i: window.view.shown_frame == i)

        for i in range(1, args.steps + 1):
            show(i)
            if i % 500 == 0:
                samples.append(rss_mb())
        print(f"after stepping {args.steps} frames: RSS {rss_mb():.0f} MB")
        rng = np.random.default_rng(0)
        for n, i in enumerate(rng.integers(0, entry.frame_count, args.seeks)):
            show(int(i))
            if n % 50 == 0:
                samples.append(rss_mb())
        print(f"after {args.seeks} random seeks over the hour: RSS {rss_mb():.0f} MB")
        window.playback.set_speed(4.0)
        window.playback.seek(entry.frame_count // 2)
        window.playback.play()
        end = time.perf_counter() + args.play_s
        shown = 0
        while time.perf_counter() < end:
            wait_for(window.view.painted, lambda: True, timeout_s=1.0)
            shown += 1
            if shown % 100 == 0:
                samples.append(rss_mb())
        window.playback.pause()
        samples.append(rss_mb())
        print(f"after playing {args.play_s:.0f} s at 4x: RSS {samples[-1]:.0f} MB")
        print(f"resident memory: peak {max(samples):.0f} MB, last {samples[-1]:.0f} MB "
              f"(goal: bounded, < 1500 MB)")
        window.close()


if __name__ == "__main__":
    main()

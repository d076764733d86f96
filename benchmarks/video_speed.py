"""Print decoding and input-building speed on the demo video (figures, not a test).

Usage: python benchmarks/video_speed.py [video]
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_model.paths import demo_video  # noqa: E402
from core_model.preprocess import compact_box, heatmap_volume, rgb_clip  # noqa: E402
from core_model.video import VideoReader  # noqa: E402
from core_model.video.synthetic import stick_figure_keypoints  # noqa: E402


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return np.array(times)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else demo_video()
    start = time.perf_counter()
    reader = VideoReader(path)
    open_s = time.perf_counter() - start
    print(f"video: {path.name}, {reader.width}x{reader.height}, {reader.frame_count} frames, "
          f"{reader.fps:.3f} fps, codec {reader.codec}, VFR {reader.is_vfr}")
    print(f"open (frame index by demuxing): {open_s * 1e3:.1f} ms")

    start = time.perf_counter()
    count = sum(1 for _ in reader.iter_frames())
    print(f"sequential decode: {count / (time.perf_counter() - start):.0f} frames/s")

    rng = np.random.default_rng(0)
    indices = rng.integers(0, reader.frame_count, 40)
    seek = []
    for i in indices:
        reader._cache.clear()  # measure decoding, not the cache
        t0 = time.perf_counter()
        reader[int(i)]
        seek.append(time.perf_counter() - t0)
    print(f"random access ({len(indices)} random indices): median {np.median(seek) * 1e3:.1f} ms, "
          f"worst {np.max(seek) * 1e3:.1f} ms")
    reader[100]
    step = [timed(lambda k=k: reader[100 + k], 1)[0] for k in range(1, 30)]
    print(f"step to the next frame: median {np.median(step) * 1e3:.2f} ms")
    reader._cache.clear()
    window = 40 + np.arange(16) * 75 // 16  # 16 frames spread over a 3 s window
    t_window = timed(lambda: (reader._cache.clear(), reader.get_frames(window)), 5)
    print(f"get_frames(16 frames of a 3 s window): median {np.median(t_window) * 1e3:.1f} ms")

    for people in (1, 2):
        kp = stick_figure_keypoints(people, 48, (reader.width, reader.height))
        score = np.full(kp.shape[:3], 0.9, np.float32)
        box = compact_box(kp, (reader.height, reader.width))
        t_hm = timed(lambda: heatmap_volume(kp, score, box), 50)
        print(f"heatmap volume 17x48x56x56, {people} person(s): median {np.median(t_hm) * 1e3:.2f} ms, "
              f"best {t_hm.min() * 1e3:.2f} ms (goal < 5 ms)")
    frames = reader.get_frames(window)
    t_rgb = timed(lambda: rgb_clip(frames, box), 20)
    print(f"rgb_clip 16 frames -> 3x16x224x224: median {np.median(t_rgb) * 1e3:.2f} ms, "
          f"best {t_rgb.min() * 1e3:.2f} ms (box {box})")
    print(f"(load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    reader.close()


if __name__ == "__main__":
    main()

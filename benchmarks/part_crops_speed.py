"""Print the time to build one window's P-I3D part crops (figures, not a test): medians in ms per window.

Usage: python benchmarks/part_crops_speed.py [repeats]

Frames are stick figures drawn at 1280x720 and 1920x1080 (the crop cost depends on the output size and,
a little, on the frame size); 16 frames per window as the p-i3d default ``rgb_frames``. For comparison,
the same window's single person-centric RGB clip (``rgb_clip``) at the same size.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_model.pose.format import Poses  # noqa: E402
from core_model.preprocess import compact_box, rgb_clip  # noqa: E402
from core_model.preprocess.parts import part_boxes, part_crops  # noqa: E402
from core_model.video.synthetic import draw_stick_figures, stick_figure_keypoints  # noqa: E402

FRAMES = 16


def median_ms(fn, repeats: int) -> float:
    fn()  # warm up (imports, allocations)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"{FRAMES} frames per window, medians of {repeats} runs")
    print(f"{'frame':>10} {'size':>5} {'part_boxes':>11} {'part_crops':>11} {'rgb_clip (1 crop)':>18}")
    for w, h in ((1280, 720), (1920, 1080)):
        kp = stick_figure_keypoints(2, FRAMES, (w, h))
        frames = np.stack([draw_stick_figures(kp[:, t], (w, h)) for t in range(FRAMES)])
        poses = Poses(kp, np.ones(kp.shape[:3], np.float32), [0, 1], np.arange(FRAMES) / 25.0, (h, w), 25.0)
        idx = list(range(FRAMES))
        box = compact_box(kp[:1], (h, w))
        for size in (224, 160, 112):
            boxes = median_ms(lambda: part_boxes(poses, 0, idx), repeats)
            crops = median_ms(lambda: part_crops(frames, poses, 0, idx, size=size), repeats)
            single = median_ms(lambda: rgb_clip(frames, box, size=size), repeats)
            print(f"{w}x{h:<5} {size:>5} {boxes:>9.2f}ms {crops:>9.2f}ms {single:>16.2f}ms")


if __name__ == "__main__":
    main()

"""Face blur cost per frame at 640x360 and 1280x720 (MediaPipe full-range face detector + pixelation).

A real face photograph (tests/data/astronaut_face.jpg) moves over a frame of each size; the script times
FaceBlur.apply (detect, head boxes, pixelate) per frame, and the detector alone, and prints medians over
--frames frames (after a warm-up), with the cost relative to decoding the same frame size from H.264 measured
in the same run. Also: faces the detector finds before / after blurring (should be N / 0).
Usage: python benchmarks/face_blur_speed.py [--frames 60]
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


def frames_of(size, n):
    import numpy as np
    from PIL import Image

    w, h = size
    side = h * 2 // 3
    photo = np.asarray(Image.open(ROOT / "tests" / "data" / "astronaut_face.jpg").convert("RGB").resize((side, side)))
    out = []
    for t in range(n):
        canvas = np.full((h, w, 3), 70, np.uint8)
        x = (t * 7) % (w - side)
        canvas[h // 6:h // 6 + side, x:x + side] = photo
        out.append(canvas)
    return out


def decode_ms(frames, fps=25.0):
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.mp4"
        encode_frames(path, iter(frames), fps=fps)
        with VideoReader(path) as reader:
            t0 = time.perf_counter()
            count = sum(1 for _ in reader.iter_frames())
            return (time.perf_counter() - t0) / count * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=60)
    args = ap.parse_args()
    from core_model.video.face_blur import FaceBlur, FaceDetector, count_faces

    print(f"load average {os.getloadavg()[0]:.1f}")
    with FaceDetector() as detector:
        for size in ((640, 360), (1280, 720)):
            frames = frames_of(size, args.frames + 5)
            blur = FaceBlur(detector)
            for f in frames[:5]:
                blur.apply(f)
            detect, whole, out = [], [], []
            for f in frames[5:]:
                t0 = time.perf_counter()
                detector.detect(f)
                t1 = time.perf_counter()
                out.append(blur.apply(f))
                t2 = time.perf_counter()
                detect.append((t1 - t0) * 1000)
                whole.append((t2 - t1) * 1000)
            dec = decode_ms(frames[5:])
            before, after = sum(count_faces(frames[5:], detector)), sum(count_faces(out, detector))
            print(f"{size[0]}x{size[1]}: face blur {statistics.median(whole):.1f} ms/frame median "
                  f"(detector {statistics.median(detect):.1f} ms), decoding {dec:.1f} ms/frame "
                  f"-> blur = {statistics.median(whole) / dec:.1f}x decoding; faces found {before} before, "
                  f"{after} after blurring")


if __name__ == "__main__":
    main()

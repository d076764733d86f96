"""The full learning check: train on a synthetic set and report fused, RGB and pose accuracy.

The synthetic set (``epam synth-dataset``) has classes that differ in motion and classes that share a
motion and differ only in the object held (``lift_red_ball`` / ``lift_blue_cube``): on those the pose
stream alone is at chance, and the RGB stream (hence the fused score) must do better. Goals: fused
validation accuracy >= 90 %, and fused better than pose-only on the appearance-only classes.
Figures are read from the best epoch (highest fused validation accuracy) of ``metrics.json``.

    python benchmarks/train_synthetic_accuracy.py [--preset cpu-quick] [--epochs 12] [--classes 6]
           [--clips-per-class 30] [--workers N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `epam train` does, before torch loads

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core_model.export import make_synthetic_set  # noqa: E402
from core_model.export.synthetic import appearance_groups  # noqa: E402
from core_model.training import TrainOptions, train  # noqa: E402


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="cpu-quick")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--classes", type=int, default=6)
    parser.add_argument("--clips-per-class", type=int, default=30)
    parser.add_argument("--size", default="160x120")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", default=None, help="write the set and the run here (default: a temp folder)")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        root.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        data = make_synthetic_set(root / "set", classes=args.classes, clips_per_class=args.clips_per_class,
                                  size=(w, h), seed=args.seed)
        print(f"set: {data} in {time.perf_counter() - t0:.1f} s", flush=True)

        def show(event):
            if event["event"] == "epoch":
                v = event["val"]
                print(f"{event['phase']} epoch {event['epoch']}/{event['epochs']}: loss {event['train']['loss']:.3f}, "
                      f"val fused {v.get('acc_fused', 0):.3f} rgb {v.get('acc_rgb', 0):.3f} "
                      f"pose {v.get('acc_pose', 0):.3f} ({event['seconds']:.0f} s, "
                      f"{event['train']['clips_per_s']:.2f} clips/s)", flush=True)

        t0 = time.perf_counter()
        result = train(TrainOptions(str(data.path), str(root / "run"), preset=args.preset, epochs=args.epochs,
                                    lr=args.lr, batch=args.batch, workers=args.workers, device=args.device,
                                    seed=args.seed), emit=show)
        seconds = time.perf_counter() - t0
        metrics = json.loads((root / "run" / "metrics.json").read_text())
        best = max(metrics["epochs"], key=lambda e: e["val"].get("acc_fused") or 0)
        val = best["val"]
        groups = appearance_groups(data.classes)
        appearance = [c for g in groups for c in g]
        pose_app = _mean(val["per_class"]["pose"][c] for c in appearance)
        fused_app = _mean(val["per_class"]["fused"][c] for c in appearance)
        rgb_app = _mean(val["per_class"]["rgb"][c] for c in appearance)
        print(f"\ntrained {len(result.history)} epochs in {seconds / 60:.1f} min; best epoch {best['epoch']} "
              f"(validation: {val['clips']} clips, {len(data.classes)} classes)")
        print(f"fused accuracy       {val['acc_fused'] * 100:5.1f} %   (goal >= 90 %: "
              f"{'met' if val['acc_fused'] >= 0.9 else 'NOT met'})")
        print(f"RGB / pose accuracy  {val['acc_rgb'] * 100:5.1f} % / {val['acc_pose'] * 100:5.1f} %")
        print(f"appearance-only classes ({', '.join(appearance)}): fused {fused_app * 100:.1f} %, "
              f"pose-only {pose_app * 100:.1f} %, RGB {rgb_app * 100:.1f} %  (goal fused > pose-only: "
              f"{'met' if fused_app > pose_app else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

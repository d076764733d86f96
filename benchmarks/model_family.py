"""Every registered model in one table: parameters, GFLOPs per clip, CPU clips/s (median), and with
--accuracy the synthetic-set validation accuracy after the same cpu-quick budget.

Speed: inference (eval, no grad, the folded channels-last copy analysis runs) of one clip of the model's
default input sizes (EPAM-Net: 16 RGB frames of 224 px + 48 heatmap frames of 56 px), median of --repeats.
Accuracy: `epam train --model NAME --preset cpu-quick` (the same epochs/batch for every model) on a
synthetic set (--classes, --clips per class), best validation fused accuracy. Slow: minutes per model.
Usage: python benchmarks/model_family.py [--repeats 5] [--threads N] [--accuracy [--epochs 10] [--tiny]]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def speed(name: str, repeats: int) -> float:
    import torch

    from core_model.models.flops import clip_inputs
    from core_model.models.inference import fuse_for_inference
    from core_model.models.registry import build_named

    torch.manual_seed(0)
    model = fuse_for_inference(build_named(name, num_classes=60).eval())
    inputs = {k: torch.randn_like(v, device="cpu") if k != "keypoints" else torch.rand_like(v, device="cpu")
              for k, v in clip_inputs(model).items()}
    times = []
    with torch.inference_mode():
        model.forward_inputs(inputs)  # warm-up
        for _ in range(repeats):
            t0 = time.perf_counter()
            model.forward_inputs(inputs)
            times.append(time.perf_counter() - t0)
    return 1.0 / statistics.median(times)


def accuracy(name: str, data: Path, epochs: int, tiny: bool) -> float:
    from core_model.training import TrainOptions, train

    out = Path(tempfile.mkdtemp(prefix=f"family-{name}-"))
    result = train(TrainOptions(str(data), str(out / "run"), model=name, preset="cpu-quick", epochs=epochs,
                                tiny=tiny, workers=0, log_every=60))
    return max((e["val"].get("acc_fused") or 0.0) for e in result.history)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's)")
    parser.add_argument("--accuracy", action="store_true", help="also train each model with cpu-quick (slow)")
    parser.add_argument("--epochs", type=int, default=10, help="cpu-quick epochs for --accuracy (default 10)")
    parser.add_argument("--tiny", action="store_true", help="--accuracy with the models' tiny configs")
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--clips", type=int, default=16, help="synthetic clips per class")
    parser.add_argument("--models", nargs="*", help="default: every registered model")
    args = parser.parse_args()
    import torch

    from core_model.models.flops import clip_costs
    from core_model.models.registry import build_named, model_names

    if args.threads:
        torch.set_num_threads(args.threads)
    data = None
    if args.accuracy:
        from core_model.export import make_synthetic_set

        data = make_synthetic_set(Path(tempfile.mkdtemp(prefix="family-set-")) / "set", classes=args.classes,
                                  clips_per_class=args.clips, size=(64, 48), seconds=1.0, split=0.75, seed=3).path
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    rows = []
    for name in args.models or model_names():
        with torch.device("meta"):
            costs = clip_costs(build_named(name, num_classes=60))
        row = {"model": name, "params": costs["params"], "gflops": round(costs["gflops"], 3),
               "clips_per_s": round(speed(name, args.repeats), 3)}
        if data is not None:
            row["val_acc"] = round(accuracy(name, data, args.epochs, args.tiny), 3)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n{'model':<14} {'parameters':>12} {'GFLOPs/clip':>12} {'CPU clips/s':>12}"
          + (f" {'val acc':>8}" if data is not None else ""))
    for r in rows:
        print(f"{r['model']:<14} {r['params']:>12,} {r['gflops']:>12.3f} {r['clips_per_s']:>12.3f}"
              + (f" {r['val_acc']:>8.3f}" if data is not None else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

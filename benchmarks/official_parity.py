"""Parity with the authors' EPAM-Net code: load their files with ``load_checkpoint``, compare outputs.

Needs the reference files of ``../shared/official-reference/make_reference.sh`` (default folder
/tmp/official-ref, or $OFFICIAL_REF): three checkpoints saved exactly as the authors' trainer saves them
and ``io.npz`` with fixed inputs and their code's eval-mode outputs.  For each variant it prints the
max abs differences of the guided RGB logits, the pose logits, the attention map A_S*A_T and the
unguided RGB logits, for the model as loaded and for ``fuse_for_inference`` (what analysis runs),
plus the median time of ``load_checkpoint``.

    python benchmarks/official_parity.py [--ref /tmp/official-ref] [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core_model.models import load_checkpoint  # noqa: E402
from core_model.models.inference import fuse_for_inference  # noqa: E402

VARIANTS = ("x3d_sta", "x3d_cbam", "xshift_cbam")
LIMITS = {"rgb": 1e-4, "pose": 1e-4, "attention": 1e-5, "rgb_unguided": 1e-4}


@torch.no_grad()
def differences(model, io, variant: str) -> dict:
    rgb, heatmaps = torch.from_numpy(io["rgb"]), torch.from_numpy(io["heatmaps"])
    out = model(rgb, heatmaps)
    attention = out.spatial_attention[:, None] * out.temporal_attention[:, None, :, None, None]
    got = {"rgb": out.rgb_logits, "pose": out.pose_logits, "attention": attention,
           "rgb_unguided": model.rgb(rgb)}
    names = {"rgb": "rgb_logits", "pose": "pose_logits", "attention": "attention",
             "rgb_unguided": "rgb_unguided_logits"}
    return {k: float((v - torch.from_numpy(io[f"{variant}/{names[k]}"])).abs().max()) for k, v in got.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default=os.environ.get("OFFICIAL_REF", "/tmp/official-ref"))
    ap.add_argument("--runs", type=int, default=3, help="timed load_checkpoint runs per file")
    args = ap.parse_args()
    ref = Path(args.ref)
    if not (ref / "io.npz").is_file():
        print(f"no reference in {ref}: run ../shared/official-reference/make_reference.sh first")
        return 2
    io = np.load(ref / "io.npz")
    ok = True
    print(f"{'variant':<12} {'model':<7} " + " ".join(f"{k:>13}" for k in LIMITS) + "   load s (median)")
    for variant in VARIANTS:
        path = ref / f"official_{variant}.pth"
        times = []
        for _ in range(max(1, args.runs)):
            start = time.perf_counter()
            model, _ = load_checkpoint(path)
            times.append(time.perf_counter() - start)
        for label, net in (("loaded", model), ("folded", fuse_for_inference(model, channels_last=False))):
            diff = differences(net, io, variant)
            ok &= label == "folded" or all(diff[k] <= LIMITS[k] for k in LIMITS)
            load = f"   {statistics.median(times):.2f}" if label == "loaded" else ""
            print(f"{variant:<12} {label:<7} " + " ".join(f"{diff[k]:>13.2e}" for k in LIMITS) + load)
    print("limits: logits 1e-4, attention 1e-5 (model as loaded):", "met" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

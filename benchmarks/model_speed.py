"""Print EPAM-Net inference speed (clips/s): RGB stream, pose stream, full model, batch 1 and 4.

Also times pytorchvideo's X3D-M in the same run (if installed; the test-only torchvision stub is used
to import it) and prints our RGB stream's time divided by pytorchvideo's (goal <= 1.0), for the
model as trained (with BatchNorms) and for ``fuse_for_inference`` (BatchNorms folded, channels-last weights: what analysis runs).
On CUDA it also compares fp32 with autocast.  Figures are medians over ``--runs`` timed runs after
one warm-up; on a shared machine they are noisy.

    python benchmarks/model_speed.py [--runs 5] [--batch-sizes 1 4] [--device auto]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core_model.device import autocast_context, resolve_device  # noqa: E402
from core_model.models import create_epam_net  # noqa: E402
from core_model.models.inference import fuse_for_inference  # noqa: E402


def _seconds(fn: Callable[[], object], device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def interleaved_times(cases: Dict[str, Callable[[], object]], runs: int, device: torch.device) -> Dict[str, list]:
    """Time every case once per round, rounds interleaved, so load changes hit all cases alike.

    One warm-up round is not recorded.
    """
    times: Dict[str, list] = {name: [] for name in cases}
    for round_index in range(runs + 1):
        for name, fn in cases.items():
            elapsed = _seconds(fn, device)
            if round_index:
                times[name].append(elapsed)
    return times


def pytorchvideo_x3d_m() -> Optional[torch.nn.Module]:
    sys.path.insert(0, str(ROOT / "tests" / "stubs"))
    try:
        from pytorchvideo.models.x3d import create_x3d
    except ImportError as exc:
        print(f"(pytorchvideo not importable: {exc}; no reference timing)")
        return None
    finally:
        sys.path.remove(str(ROOT / "tests" / "stubs"))
    return create_x3d(input_clip_length=16, input_crop_size=224, head_activation=None).eval()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--classes", type=int, default=120)
    args = parser.parse_args(argv)

    device = resolve_device(args.device)
    torch.manual_seed(0)
    net = create_epam_net(args.classes).eval().to(device)
    fused = fuse_for_inference(net)
    reference = pytorchvideo_x3d_m()
    if reference is not None:
        reference = reference.to(device)
    print(f"device: {device}  torch {torch.__version__}  threads {torch.get_num_threads()}  "
          f"runs {args.runs} (median)")
    print(f"{'batch':>5}  {'part':<34} {'s/batch':>9} {'clips/s':>9}")
    precisions = [False, True] if device.type == "cuda" else [False]
    for amp in precisions:
        for batch in args.batch_sizes:
            rgb = torch.randn(batch, 3, 16, 224, 224, device=device)
            heatmaps = torch.rand(batch, 17, 48, 56, 56, device=device)
            cases: Dict[str, Callable[[], object]] = {
                "RGB stream (ours)": lambda: net.rgb(rgb),
                "RGB stream (ours, inference copy)": lambda: fused.rgb(rgb),
                "pose stream (ours)": lambda: net.pose(heatmaps),
                "EPAM-Net full (ours)": lambda: net(rgb, heatmaps),
                "EPAM-Net full (ours, inference copy)": lambda: fused(rgb, heatmaps),
            }
            if reference is not None:
                cases["X3D-M (pytorchvideo)"] = lambda: reference(rgb)
            with torch.inference_mode(), autocast_context(device, amp):
                times = interleaved_times(cases, args.runs, device)
            for name, values in times.items():
                sec = statistics.median(values)
                label = name + (" [autocast]" if amp else "")
                print(f"{batch:>5}  {label:<34} {sec:>9.3f} {batch / sec:>9.2f}")
            if reference is not None:
                ref = times["X3D-M (pytorchvideo)"]
                for name in ("RGB stream (ours)", "RGB stream (ours, inference copy)"):
                    ratio = statistics.median(a / b for a, b in zip(times[name], ref))
                    print(f"{batch:>5}  ratio {name} / pytorchvideo (median of rounds): {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""EPAM-Net clips/s: ONNX Runtime (the exported graph) / PyTorch's inference copy, measured in the same run.

The untrained EPAM-Net at its real size (16 x 224 x 224 RGB, 48 x 56 x 56 heatmaps, 120 classes) is exported
once with the checks the analysis uses (core_model.runtime.select.export_checked: the graph's logits,
scores and attention against PyTorch's), then both runtimes forward the same clips, interleaved round by
round so load changes hit both alike; medians after one warm-up round. Prints the load average with
the figures (this machine is shared). ``--all-models`` also prints the parity of every registered
model's graph (tiny configs, random inputs).

    python benchmarks/runtime_speed.py [--threads 2] [--runs 7] [--batch 1] [--all-models] [--omp-wait passive]

``--omp-wait passive`` sets OMP_WAIT_POLICY=PASSIVE before PyTorch loads (its OpenMP threads then sleep
between operators instead of spinning). On a loaded machine this changes PyTorch's figure several-fold, so
compare runtimes under the same setting.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

if __name__ == "__main__" and "--omp-wait" in sys.argv:  # must be set before PyTorch's OpenMP starts
    os.environ["OMP_WAIT_POLICY"] = sys.argv[sys.argv.index("--omp-wait") + 1].upper()

import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core_model.analysis.model_setup import prepare_model  # noqa: E402
from core_model.runtime.select import export_checked  # noqa: E402


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def epam_inputs(batch: int) -> dict:
    g = torch.Generator().manual_seed(1)
    return {"rgb": torch.randn((batch, 3, 16, 224, 224), generator=g),
            "heatmaps": torch.rand((batch, 17, 48, 56, 56), generator=g)}


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(prepared, inputs: dict, runs: int, folder: Path) -> None:
    module = prepared.inference_module()
    with torch.inference_mode():
        reference = module.forward_inputs(inputs)
        record, graph, _, _ = export_checked(module, inputs, reference, folder / "epam.onnx")
    print(f"export {record['export_seconds']:.1f} s; parity (max |onnx - torch|): "
          + ", ".join(f"{k} {v:.2e}" for k, v in record["parity"].items()) + f"; ok={record['parity_ok']}")
    times = {"torch": [], "onnx": []}
    ratios: List[float] = []
    with torch.inference_mode():
        for round_index in range(runs + 1):
            t_torch = _seconds(lambda: module.forward_inputs(inputs))
            t_onnx = _seconds(lambda: graph.forward_inputs(inputs))
            if round_index:
                times["torch"].append(t_torch)
                times["onnx"].append(t_onnx)
                ratios.append(t_torch / t_onnx)
    batch = next(iter(inputs.values())).shape[0]
    for name, values in times.items():
        sec = statistics.median(values)
        print(f"  {name:<6} {sec:7.3f} s/batch  {batch / sec:6.2f} clips/s   (runs: "
              + " ".join(f"{v:.2f}" for v in values) + ")")
    print(f"ratio onnx/torch clips/s: median of rounds {statistics.median(ratios):.2f}x, "
          f"of medians {statistics.median(times['torch']) / statistics.median(times['onnx']):.2f}x  "
          f"(load average {_load()})")


def all_models_parity(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.core_model.test_model_family import NAMES, random_inputs, tiny_model

    print("parity of every registered model's graph (tiny configs, random inputs, batch 2):")
    for name in NAMES:
        prepared = prepare_model(model=tiny_model(name).eval())
        module = prepared.inference_module()
        inputs = random_inputs(module, batch=2)
        with torch.inference_mode():
            record = export_checked(module, inputs, module.forward_inputs(inputs), folder / f"{name}.onnx")[0]
        print(f"  {name:<14} max {record['parity_max_difference']:.2e}  export {record['export_seconds']:.1f} s")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--all-models", action="store_true")
    parser.add_argument("--omp-wait", choices=("passive", "active"), help="OMP_WAIT_POLICY for PyTorch's threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    import onnxruntime

    print(f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, threads {args.threads}, "
          f"batch {args.batch}, runs {args.runs} (median), cpus {os.cpu_count()}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(default)')}, load average {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        prepared = prepare_model(None)  # the untrained EPAM-Net, NTU-120 classes, seed 0
        compare(prepared, epam_inputs(args.batch), args.runs, Path(tmp))
        if args.all_models:
            all_models_parity(Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""EPAM-Net clips/s in each installed runtime ÷ PyTorch's inference copy, measured in the same run, on 1 and 2 threads.

The untrained EPAM-Net at its real size (the analysis default: 16 x 224 x 224 RGB, 48 x 56 x 56 heatmaps, 120
classes) is exported once as the analysis does (core_model.runtime.select.export_record), then each graph runtime
(ONNX Runtime, OpenVINO) is checked as the analysis checks it (check_graph: its logits, scores and attention
against PyTorch's, within 1e-4) and PyTorch and the graph runtimes forward the same clip, interleaved round by
round so load changes hit all alike; medians after one warm-up round, for each thread count. Prints the load
average with the figures (this machine is shared). ``--all-models`` also prints the parity of every registered
model's graph in each runtime (tiny configs, random inputs).

    python benchmarks/runtime_speed.py [--threads 1 2] [--runs 7] [--batch 1] [--all-models] [--omp-wait passive]

OMP_WAIT_POLICY is PASSIVE unless set (as in our programs, core_model/omp_policy.py: PyTorch's OpenMP threads
sleep between operators instead of spinning); ``--omp-wait active`` measures spinning threads. On a loaded
machine this changes PyTorch's figure several-fold, so compare runtimes under the same setting.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if __name__ == "__main__":  # must be set before PyTorch's OpenMP starts
    if "--omp-wait" in sys.argv:
        os.environ["OMP_WAIT_POLICY"] = sys.argv[sys.argv.index("--omp-wait") + 1].upper()
    from core_model.omp_policy import prefer_passive_wait

    prefer_passive_wait()

import torch  # noqa: E402

from core_model.analysis.model_setup import prepare_model  # noqa: E402
from core_model.runtime import GRAPH_RUNTIMES, LABELS, runtime_available  # noqa: E402
from core_model.runtime.onnx_graph import GraphLayout, OnnxModel  # noqa: E402
from core_model.runtime.select import check_graph, export_record  # noqa: E402


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


def graph_model(runtime: str, path: Path, layout: GraphLayout, threads: int):
    if runtime == "openvino":
        from core_model.runtime.openvino_graph import OpenVinoModel

        return OpenVinoModel(path, layout, threads)
    return OnnxModel(path, layout, threads)


def time_runtimes(module, graphs: Dict[str, object], inputs: dict, runs: int) -> Dict[str, List[float]]:
    """Seconds per batch of each runtime, interleaved round by round (the first round warms up, not kept)."""
    calls = {"torch": lambda: module.forward_inputs(inputs),
             **{name: (lambda g=graph: g.forward_inputs(inputs)) for name, graph in graphs.items()}}
    times: Dict[str, List[float]] = {name: [] for name in calls}
    with torch.inference_mode():
        for round_index in range(runs + 1):
            for name, call in calls.items():
                seconds = _seconds(call)
                if round_index:
                    times[name].append(seconds)
    return times


def report(times: Dict[str, List[float]], batch: int, threads: int) -> None:
    torch_median = statistics.median(times["torch"])
    print(f"threads {threads}  (load average {_load()})")
    for name, values in times.items():
        sec = statistics.median(values)
        ratios = [t / v for t, v in zip(times["torch"], values)]
        print(f"  {LABELS[name]:<13} {sec:7.3f} s/batch {batch / sec:6.2f} clips/s  ÷ PyTorch "
              f"{torch_median / sec:5.2f}x (median of rounds {statistics.median(ratios):.2f}x)   runs: "
              + " ".join(f"{v:.2f}" for v in values))


def compare(prepared, inputs: dict, runs: int, folder: Path, runtimes: List[str], thread_counts: List[int]) -> None:
    module = prepared.inference_module()
    path = folder / "epam.onnx"
    with torch.inference_mode():
        reference = module.forward_inputs(inputs)
        record = export_record(module, inputs, reference, path)
        layout = GraphLayout.from_dict(record["layout"])
        print(f"export {record['export_seconds']:.1f} s")
        for name in runtimes:
            check = check_graph(path, layout, name, inputs, reference)[0]
            print(f"  {LABELS[name]:<13} parity (max |graph - torch|): "
                  + ", ".join(f"{k} {v:.2e}" for k, v in check["parity"].items())
                  + f"; ok={check['parity_ok']}; load {check['load_seconds']:.1f} s")
    batch = next(iter(inputs.values())).shape[0]
    for threads in thread_counts:
        torch.set_num_threads(threads)
        graphs = {name: graph_model(name, path, layout, threads) for name in runtimes}
        report(time_runtimes(module, graphs, inputs, runs), batch, threads)


def all_models_parity(folder: Path, runtimes: List[str]) -> None:
    from tests.core_model.test_model_family import NAMES, random_inputs, tiny_model

    print("parity of every registered model's graph (tiny configs, random inputs, batch 2):")
    for name in NAMES:
        prepared = prepare_model(model=tiny_model(name).eval())
        module = prepared.inference_module()
        inputs = random_inputs(module, batch=2)
        with torch.inference_mode():
            reference = module.forward_inputs(inputs)
            record = export_record(module, inputs, reference, folder / f"{name}.onnx")
            layout = GraphLayout.from_dict(record["layout"])
            checks = {r: check_graph(folder / f"{name}.onnx", layout, r, inputs, reference)[0] for r in runtimes}
        print(f"  {name:<14} export {record['export_seconds']:.1f} s; max difference: "
              + ", ".join(f"{LABELS[r]} {c['parity_max_difference']:.2e}" for r, c in checks.items()))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--runtimes", nargs="+", choices=GRAPH_RUNTIMES, default=None,
                        help="graph runtimes to compare with PyTorch (default: every installed one)")
    parser.add_argument("--all-models", action="store_true")
    parser.add_argument("--omp-wait", choices=("passive", "active"), help="OMP_WAIT_POLICY for PyTorch's threads")
    args = parser.parse_args(argv)
    runtimes = args.runtimes or [name for name in GRAPH_RUNTIMES if runtime_available(name)]
    from core_model.runtime.select import _versions

    versions = ", ".join(f"{k} {v}" for k, v in _versions().items() if v)
    print(f"{versions}; threads {args.threads}, batch {args.batch}, runs {args.runs} (median), cpus {os.cpu_count()}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(default)')}, load average {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        prepared = prepare_model(None)  # the untrained EPAM-Net, NTU-120 classes, seed 0
        compare(prepared, epam_inputs(args.batch), args.runs, Path(tmp), runtimes, args.threads)
        if args.all_models:
            all_models_parity(Path(tmp), runtimes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Which runtime runs the network of an analysis, decided at its first batch.

:class:`ModelRuntime` wraps the prepared model's inference copy and is called like a registered model
(``forward_inputs(inputs) -> ModelOutput``). At its first batch it settles:

* the runtime: ``torch`` (the reference and the fallback), ``onnx`` (ONNX Runtime) or ``openvino`` (OpenVINO)
  running the graph exported once per model and input shapes (cached in the user cache), each checked against
  PyTorch on the batch it was first run with (the check is kept beside the graph, per runtime); or ``auto``:
  PyTorch and the preferred installed graph runtime (:data:`~core_model.runtime.GRAPH_RUNTIMES`: OpenVINO, else
  ONNX Runtime) are run on the first batch (twice each, interleaved) and the faster kept when the graph agrees
  with PyTorch; the choice is cached per architecture, input shapes, threads and library versions, so later runs
  do not time again. The graph runs on the CPU only: on a GPU ``auto`` is ``torch``.
* the precision on CUDA: autocast (bf16, else fp16) when its fused probabilities stay within
  :data:`AMP_TOLERANCE` of fp32 on the first batch and every window keeps its top class, else fp32. The
  CPU stays fp32.

:attr:`ModelRuntime.info` is what results record (``summary.json["runtime"]``).
"""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

import torch

from ..errors import ConfigError
from . import (AUTO_MIN_WINDOWS, EXPORT_FORMAT, GRAPH_RUNTIMES, LABELS, RUNTIMES, digest, install_hint, read_json,
               runtime_available)
from . import cache_root  # noqa: F401 - where it was defined before (tests and callers import it from here)

#: the graph's logits, scores and products must equal PyTorch's within this (times max(1, |logit| max))
PARITY_TOLERANCE = 1e-4
#: autocast on CUDA is kept when the fused probabilities move by at most this and no top class changes
AMP_TOLERANCE = 2e-2
#: ``auto`` takes the graph runtime when its time is below this fraction of PyTorch's
FASTER_BY = 0.95


def _versions() -> dict:
    """Library versions (read from the installed package metadata: importing a graph runtime takes a while)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"torch": torch.__version__}
    for package in ("onnxruntime", "openvino"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def _runtime_version(runtime: str) -> Optional[str]:
    return _versions()["onnxruntime" if runtime == "onnx" else runtime]


def _shapes(inputs: Dict[str, torch.Tensor], batch: bool) -> dict:
    return {k: list(v.shape if batch else v.shape[1:]) for k, v in inputs.items()}


def _write_json(path: Path, data: dict) -> None:
    from ..fileio import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def check_runtime(requested: str, device) -> None:
    """Refuse, in one sentence, a runtime that cannot run here (before any work is done)."""
    if requested not in RUNTIMES:
        raise ConfigError(f"Unknown runtime {requested!r}: choose one of {', '.join(RUNTIMES)}.")
    if requested in GRAPH_RUNTIMES and torch.device(device).type != "cpu":
        raise ConfigError(f"{LABELS[requested]} runs the exported graph on the CPU only: use --runtime torch or "
                          "auto on a GPU.")
    if requested in GRAPH_RUNTIMES and not runtime_available(requested):
        raise ConfigError(f"{LABELS[requested]} is not installed (a dependency of EPAM Studio: "
                          f"{install_hint(requested)}): use --runtime torch or auto.")


def _timed(fn: Callable[[], object]) -> Tuple[object, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


class ModelRuntime:
    """The prepared model's network in the runtime and precision chosen at the first batch.

    ``requested``: ``auto``, ``torch``, ``onnx`` or ``openvino``; ``device``: where the torch module runs (the
    graph runs on the CPU). A graph runtime that is not installed, or on a GPU, is refused in one sentence; a
    graph that cannot be exported or run, or does not match PyTorch, falls back to PyTorch and says why in
    :attr:`info`.
    """

    def __init__(self, prepared, requested: str = "auto", device=None) -> None:
        self.device = torch.device(device or "cpu")
        check_runtime(requested, self.device)
        self.requested = requested
        self.torch_module = prepared.inference_module().to(self.device)
        self.model_key, self.model_name = prepared.key, prepared.model_name
        self.config = dict(prepared.info.get("config") or {})
        self.info: dict = {"requested": requested, "name": None}
        self._active = None
        self._amp = False
        #: windows of the run ahead (``auto`` does not export a graph for a short run); None: unknown
        self.windows: Optional[int] = None
        #: the first batch's inputs of a short run that kept PyTorch without a graph to run (``auto``), where the
        #: prepared model asks for it (``keep_first_batch``: ``epam analyze``): what the installation's first use
        #: exports and checks the graph on, in the background (:mod:`.first_use`)
        self.first_batch: Optional[Dict[str, torch.Tensor]] = None
        self._keep_first_batch = bool(getattr(prepared, "keep_first_batch", False))
        #: ``auto`` times each runtime this many times on the first batch, interleaved, and keeps the best of each
        #: (the installation's first use, off any command's path, times more: a loaded machine's noise)
        self.timing_rounds = 2

    # ------------------------------------------------------------------ calls
    def _torch(self, inputs):
        from ..device import autocast_context

        with torch.inference_mode(), autocast_context(self.device, self._amp):
            return self.torch_module.forward_inputs(inputs)

    def forward_inputs(self, inputs: Dict[str, torch.Tensor]):
        if self._active is None:
            return self._first(inputs)
        return self._active(inputs)

    __call__ = forward_inputs

    @property
    def name(self) -> Optional[str]:
        """``torch``, ``onnx`` or ``openvino`` once the first batch ran (None before)."""
        return self.info.get("name")

    def _use(self, name: str, reason: str, graph=None, **details) -> None:
        self.info.update(name=name, reason=reason, **details)
        self.info["threads"] = torch.get_num_threads()
        self.info["device"] = str(self.device) if name == "torch" else "cpu"
        self.info["precision"] = str(_amp_dtype(self.device)).replace("torch.", "") if self._amp else "fp32"
        self.info["torch_loaded"] = True  # a run without PyTorch says False (core_model.runtime.ready)
        self._active = self._torch if name == "torch" else graph.forward_inputs

    # ------------------------------------------------------------------ the first batch
    def _first(self, inputs):
        if self.device.type == "cuda":
            return self._first_on_gpu(inputs)
        if self.requested == "torch":
            self._use("torch", "asked for")
            return self._torch(inputs)
        if self.device.type != "cpu":
            self._use("torch", f"the exported graph runs on the CPU, the model on {self.device.type}")
            return self._torch(inputs)
        if self.requested in GRAPH_RUNTIMES:
            return self._first_graph(inputs, self.requested)
        installed = [name for name in GRAPH_RUNTIMES if runtime_available(name)]
        if not installed:
            self._use("torch", "neither OpenVINO nor ONNX Runtime is installed")
            return self._torch(inputs)
        return self._first_auto(inputs, installed[0])

    def _first_on_gpu(self, inputs):
        """fp32 and autocast on the first batch; autocast is kept when the fused probabilities agree."""
        reference = self._torch(inputs)
        self._amp = True
        mixed = self._torch(inputs)
        difference, same_top = amp_agreement(reference, mixed)
        logits = max(float((a.float() - mixed.logits[k].float()).abs().max()) for k, a in reference.logits.items())
        self._amp = difference <= AMP_TOLERANCE and same_top
        self._use("torch", "asked for" if self.requested == "torch" else "the exported graph runs on the CPU only",
                  amp_check={"max_probability_difference": round(difference, 6), "same_top_class": same_top,
                             "max_logit_difference": round(logits, 6), "tolerance": AMP_TOLERANCE})
        return mixed if self._amp else reference

    def _first_graph(self, inputs, runtime: str):
        graph, output, _ = self._graph(inputs, None, runtime)
        if isinstance(graph, str):
            self._use("torch", graph)
            return self._torch(inputs)
        self._use(runtime, "asked for", graph)
        return output if output is not None else graph.forward_inputs(inputs)

    def _first_auto(self, inputs, runtime: str):
        """PyTorch or ``runtime`` (a graph runtime), whichever is faster on this batch (or was, in an earlier run)."""
        choice_path = cache_root() / "choices" / (self._choice_key(inputs) + ".json")
        cached = read_json(choice_path)
        if cached and cached.get("name") not in ("torch", runtime):
            cached = None
        if cached and cached["name"] == "torch":
            self._use("torch", f"PyTorch was faster than {LABELS[runtime]} for this model, input size and thread "
                      "count (timed in an earlier run)", timing=cached.get("seconds"))
            return self._torch(inputs)
        if cached and cached["name"] == runtime:  # a checked graph runs without PyTorch's reference first
            graph, output, _ = self._graph(inputs, None, runtime)
            if not isinstance(graph, str):
                self._use(runtime, f"{LABELS[runtime]} was faster for this model, input size and thread count "
                          "(timed in an earlier run)", graph, timing=cached.get("seconds"))
                return output if output is not None else graph.forward_inputs(inputs)
        if cached is None and self.windows is not None and self.windows < AUTO_MIN_WINDOWS \
                and not self._graph_paths(inputs)[0].is_file():
            self._use("torch", f"a short run ({self.windows} windows): exporting the graph would take longer "
                      "than it saves")
            self.first_batch = inputs if self._keep_first_batch else None
            return self._torch(inputs)
        reference, torch_first = _timed(lambda: self._torch(inputs))
        graph, output, graph_first = self._graph(inputs, reference, runtime)
        if isinstance(graph, str):
            self._use("torch", graph)
            return reference
        if cached:
            self._use(runtime, f"{LABELS[runtime]} was faster for this model, input size and thread count "
                      "(timed in an earlier run)", graph, timing=cached.get("seconds"))
            return reference
        seconds = self._time_both(inputs, graph, torch_first, output, graph_first, reference, runtime)
        if isinstance(seconds, str):
            self._use("torch", seconds)
            return reference
        name = runtime if seconds[runtime] < FASTER_BY * seconds["torch"] else "torch"
        _write_json(choice_path, {"name": name, "seconds": seconds, "shapes": _shapes(inputs, True),
                                  "threads": torch.get_num_threads(), **_versions()})
        self._use(name, f"{LABELS[name]} was faster on the first batch", graph, timing=seconds)
        return reference

    def _time_both(self, inputs, graph, torch_first: float, output, graph_first: Optional[float], reference,
                   runtime: str):
        """Best seconds of each runtime on the first batch (interleaved: load changes hit both alike), or
        why the graph is not used (it differs from PyTorch on this batch)."""
        if output is None:  # a checked graph from the cache: its first run (which warms it up) is timed too
            output, graph_first = _timed(lambda: graph.forward_inputs(inputs))
        problem = parity_problem(reference, output, label=LABELS[runtime])
        if problem:
            return problem
        graph_times, torch_times = [graph_first], [torch_first]
        for _ in range(max(2, self.timing_rounds) - 1):
            graph_times.append(_timed(lambda: graph.forward_inputs(inputs))[1])
            torch_times.append(_timed(lambda: self._torch(inputs))[1])
        return {"torch": round(min(torch_times), 4), runtime: round(min(graph_times), 4)}

    def _choice_key(self, inputs) -> str:
        return digest({"model": self.model_name, "config": self.config, "shapes": _shapes(inputs, True),
                        "threads": torch.get_num_threads(), "omp_wait": os.environ.get("OMP_WAIT_POLICY", ""),
                        "machine": platform.machine(),
                        "processor": platform.processor(), **_versions()})

    def _graph_paths(self, inputs) -> Tuple[Path, Path]:
        key = digest({"format": EXPORT_FORMAT, "model": self.model_key, "name": self.model_name,
                       "shapes": _shapes(inputs, False), "torch": torch.__version__})
        folder = cache_root() / "graphs"
        return folder / f"{key}.onnx", folder / f"{key}.json"

    def _graph(self, inputs, reference, runtime: str):
        """``(graph, its output on inputs or None, seconds or None)``: the graph in ``runtime``, exported now or
        loaded from the cache, and checked against PyTorch on ``inputs`` when this runtime (at this version) has
        not checked it yet; or ``(reason, None, None)`` when there is none."""
        from .onnx_graph import GraphLayout

        path, sidecar = self._graph_paths(inputs)
        record, output, seconds, exported = read_json(sidecar), None, None, False
        try:
            if record is None or not path.is_file():
                if reference is None:
                    reference = self._torch(inputs)
                record, exported = export_record(self.torch_module, inputs, reference, path), True
            layout = GraphLayout.from_dict(record["layout"])
            check = record.setdefault("checks", {}).get(runtime)
            if check is None or check.get("version") != _runtime_version(runtime):
                if reference is None:
                    reference = self._torch(inputs)
                check, model, output, seconds = check_graph(path, layout, runtime, inputs, reference)
                record["checks"][runtime] = check
                _write_json(sidecar, record)
            elif check.get("parity_ok"):
                model = load_graph(runtime, path, layout)
            if not check.get("parity_ok"):
                return (f"the {LABELS[runtime]} graph differs from PyTorch by "
                        f"{check.get('parity_max_difference'):.2g} (more than {PARITY_TOLERANCE})"), None, None
        except Exception as exc:  # noqa: BLE001 - any exporter or runtime failure: PyTorch runs instead
            return (f"the model could not be run by {LABELS[runtime]} ({type(exc).__name__}: {str(exc)[:160]})",
                    None, None)
        self.info.update(graph={"file": path.name, "runtime": runtime,
                                "parity_max_difference": check["parity_max_difference"],
                                "export_seconds": record.get("export_seconds"), "opset": record.get("opset"),
                                "exported_now": exported, "checked_now": output is not None,
                                "load_seconds": check.get("load_seconds") if output is not None else None})
        return model, output, seconds


def load_graph(runtime: str, path: Path, layout):
    """The exported graph at ``path`` in ``runtime`` (``onnx`` or ``openvino``; OpenVINO keeps its compiled blobs
    in the runtime cache's ``openvino/`` folder)."""
    if runtime == "openvino":
        from .openvino_graph import OpenVinoModel

        return OpenVinoModel(path, layout, cache_dir=cache_root() / "openvino")
    from .onnx_graph import OnnxModel

    return OnnxModel(path, layout)


def export_record(module, inputs, reference, path: Path) -> dict:
    """Export ``module`` to ``path`` (traced with ``inputs``; outputs named after ``reference``, PyTorch's output
    on them); returns the record kept beside the graph: its layout, opset, export time and PyTorch's version
    (each graph runtime adds its check under ``checks``)."""
    from ..fileio import atomic_path
    from .onnx_graph import OPSET, export_graph, output_names

    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with atomic_path(path) as tmp:
        layout = export_graph(module, inputs, tmp, output_names(reference))
    return {"layout": layout.to_dict(), "opset": OPSET, "export_seconds": round(time.perf_counter() - start, 3),
            "torch": torch.__version__, "checks": {}}


def check_graph(path: Path, layout, runtime: str, inputs, reference):
    """Load the graph at ``path`` in ``runtime`` and check it on ``inputs`` against ``reference`` (PyTorch's
    output). Returns the check (largest differences, whether they are within :data:`PARITY_TOLERANCE`, the
    runtime's version, load time), the loaded graph and its output and time on ``inputs``."""
    from .onnx_graph import max_differences

    graph, loaded = _timed(lambda: load_graph(runtime, path, layout))
    output, seconds = _timed(lambda: graph.forward_inputs(inputs))
    differences = max_differences(reference, output)
    worst = max(differences.values())
    check = {"parity_max_difference": worst, "parity": differences, "version": _runtime_version(runtime),
             "parity_ok": parity_problem(reference, None, worst) is None, "load_seconds": round(loaded, 3)}
    return check, graph, output, seconds


def export_checked(module, inputs, reference, path: Path, runtime: str = "onnx"):
    """Export ``module`` to ``path`` and check the graph in ``runtime`` on ``inputs`` against ``reference``.

    Returns the record kept beside the graph (:func:`export_record` with this runtime's check under ``checks``
    and its ``parity``, ``parity_max_difference`` and ``parity_ok`` on top), the loaded graph and its output and
    time on ``inputs``."""
    from .onnx_graph import GraphLayout

    record = export_record(module, inputs, reference, path)
    check, graph, output, seconds = check_graph(path, GraphLayout.from_dict(record["layout"]), runtime, inputs,
                                                reference)
    record["checks"][runtime] = check
    return {**record, **{k: check[k] for k in ("parity", "parity_max_difference", "parity_ok")}}, graph, output, seconds


def parity_problem(reference, output, worst: Optional[float] = None, label: str = "exported") -> Optional[str]:
    """Why ``output`` (the graph's) does not match PyTorch's ``reference``, or ``None`` when it does: every
    logit, score and product within :data:`PARITY_TOLERANCE` (logits: times max(1, largest |logit|))."""
    from .onnx_graph import max_differences

    if worst is None:
        worst = max(max_differences(reference, output).values())
    scale = max([1.0] + [float(v.detach().abs().max()) for v in reference.logits.values()])
    if worst <= PARITY_TOLERANCE * scale:
        return None
    return f"the {label} graph differs from PyTorch by {worst:.2g} (more than {PARITY_TOLERANCE * scale:.2g})"


def _amp_dtype(device: torch.device):
    from ..device import autocast_dtype

    return autocast_dtype(device)


def amp_agreement(reference, mixed) -> Tuple[float, bool]:
    """Largest difference of the fused probabilities between fp32 ``reference`` and autocast ``mixed``
    outputs, and whether every window keeps its top class."""
    a, b = reference.scores.float(), mixed.scores.float()
    a, b = a / a.sum(-1, keepdim=True), b / b.sum(-1, keepdim=True)
    return float((a - b).abs().max()), bool(torch.equal(a.argmax(-1), b.argmax(-1)))

"""A cold ``epam analyze`` without PyTorch: the network run by its exported graph once the installation has
exported it, checked it against PyTorch and chosen it, for this model, thread count and libraries.

PyTorch's import (~1 s of CPU), building the untrained network or loading a checkpoint, folding it, and its
slower forwards are a large part of a cold analysis of a short clip on 2 cores. Once a run with PyTorch (or the
installation's first use, :mod:`.first_use`) has chosen OpenVINO for a request, a *ready record* is kept in the
runtime cache (``runtime/ready/``): what results say about the model (key, class names, normalisation, config,
input kinds, products), the graph, its check against PyTorch and the choice. A later analysis of the same
request (the same checkpoint content, or the same untrained model, class list and seed; the same ``--runtime``,
``--device`` and ``--batch-size``) in the same environment (:func:`environment`: CPUs, thread settings, library
versions, no NVIDIA driver) loads the graph in OpenVINO and preprocesses in numpy: PyTorch is never imported
(:class:`GraphPreparedModel`). Anything else (no record, another environment, a graph that fails to load) takes
the PyTorch path, which stays the reference and the fallback. ``summary.json["runtime"]`` says which ran
(``torch_loaded``).

Reading this module imports neither PyTorch nor OpenVINO.
"""
from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

from ..analysis.model_setup import PreparedModel
from . import EXPORT_FORMAT, LABELS, digest, read_json, split_outputs

#: bumped when the record or what it is keyed by changes: older records are not used
READY_FORMAT = 1
#: the graph runtimes a run without PyTorch can use
TORCH_FREE_RUNTIMES = ("openvino",)
#: environment variables that change PyTorch's or OpenVINO's thread count or the device ``auto`` picks
_ENVIRONMENT_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "CUDA_VISIBLE_DEVICES")


def environment() -> dict:
    """What a ready record holds for: the CPUs this process may use, the thread settings, the machine, the library
    versions (read from the package metadata: nothing imported) and whether an NVIDIA driver is there (``auto``
    would then be asked of PyTorch)."""
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    versions = {"epam-studio": __version__}
    for package in ("torch", "openvino", "onnx", "numpy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count()
    return {"cpus": cpus, "cpu_count": os.cpu_count(), "machine": platform.machine(), "system": platform.system(),
            "processor": platform.processor(), "versions": versions,
            "env": {name: os.environ.get(name, "") for name in _ENVIRONMENT_VARIABLES},
            "nvidia": any(Path(p).exists() for p in ("/proc/driver/nvidia", "/dev/nvidiactl"))}


def request_identity(checkpoint=None, classes=None, model_name: Optional[str] = None, seed: int = 0) -> dict:
    """The model an analysis asks for, without loading it: the checkpoint's content key (or none: the untrained
    model), the class list given (read as the analysis reads it), the model name and the seed."""
    from ..labels import load_class_names
    from ..analysis.model_setup import _checkpoint_key, _checkpoint_path

    return {"checkpoint": _checkpoint_key(_checkpoint_path(checkpoint)) if checkpoint is not None else None,
            "classes": load_class_names(str(classes)) if classes is not None else None,
            "model": model_name, "seed": int(seed)}


def record_path(identity: dict, requested: str, device: str, batch_size: int) -> Path:
    """Where the ready record of this request and environment is kept."""
    from . import cache_root

    key = digest({"format": READY_FORMAT, "export_format": EXPORT_FORMAT, "request": identity, "runtime": requested,
                   "device": device, "batch_size": int(batch_size), "environment": environment()})
    return cache_root() / "ready" / f"{key}.json"


def remember(identity: dict, requested: str, device: str, batch_size: int, prepared, runtime) -> Optional[Path]:
    """Keep the ready record of a run with PyTorch whose ``runtime`` (a
    :class:`~.select.ModelRuntime` after its first batch) chose a runtime that runs without PyTorch; returns its
    path (None: nothing kept: PyTorch ran, or the runtime is not one of :data:`TORCH_FREE_RUNTIMES`)."""
    from ..fileio import atomic_path
    from . import cache_root as _root

    info = dict(runtime.info)
    graph = info.get("graph") or {}
    if requested not in ("auto", *TORCH_FREE_RUNTIMES) or info.get("name") not in TORCH_FREE_RUNTIMES \
            or not graph.get("file") or info.get("device") != "cpu":
        return None
    sidecar = read_json(_root() / "graphs" / Path(graph["file"]).with_suffix(".json").name)
    if sidecar is None or not (sidecar.get("checks", {}).get(info["name"]) or {}).get("parity_ok"):
        return None
    spec = prepared.model_spec()
    record = {
        "format": READY_FORMAT, "request": identity, "environment": environment(),
        "model": {"key": prepared.key, "name": prepared.name, "trained": bool(prepared.trained),
                  "class_names": list(prepared.class_names), "normalization": prepared.normalization.to_dict(),
                  "info": prepared.info, "model_name": prepared.model_name, "inputs": list(spec.inputs),
                  "products": {p.name: p.to_dict() for p in spec.products},
                  "input_spec": prepared.inputs.to_dict() if prepared.inputs is not None else None},
        "runtime": {"name": info["name"], "graph": graph["file"], "layout": sidecar["layout"],
                    "threads": int(info["threads"]), "info": info},
    }
    path = record_path(identity, requested, device, batch_size)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True, default=str), encoding="utf-8")
    return path


class CpuDevice:
    """The CPU, where no ``torch.device`` is made (a run without PyTorch)."""

    type = "cpu"
    index = None

    def __str__(self) -> str:
        return "cpu"

    __repr__ = __str__


@dataclass(frozen=True)
class GraphSpec:
    """What the analysis reads of a model's registry entry (its input kinds and product specs), from a record."""

    inputs: tuple
    products: tuple

    def product(self, name: str):
        for spec in self.products:
            if spec.name == name:
                return spec
        raise KeyError(name)


@dataclass
class ArrayOutput:
    """A forward pass's outputs as float32 numpy arrays (what :class:`GraphRuntime` returns)."""

    logits: Dict[str, np.ndarray]
    scores: np.ndarray
    products: Dict[str, np.ndarray] = field(default_factory=dict)


class GraphRuntime:
    """The graph of a ready record in OpenVINO, called on numpy arrays (``forward_inputs``), with what results
    record about it (:attr:`info`, as :class:`~.select.ModelRuntime` has)."""

    torch_free = True

    def __init__(self, graph, outputs: Sequence[str], info: dict, threads: int) -> None:
        self.graph, self.outputs, self.info, self.threads = graph, tuple(outputs), info, int(threads)
        self.windows: Optional[int] = None

    @property
    def name(self) -> str:
        return self.info["name"]

    def forward_inputs(self, inputs: Dict[str, np.ndarray]) -> ArrayOutput:
        return ArrayOutput(*split_outputs(self.outputs, self.graph.infer_arrays(inputs)))

    __call__ = forward_inputs


@dataclass
class GraphPreparedModel(PreparedModel):
    """A :class:`~core_model.analysis.model_setup.PreparedModel` whose network is only its graph (no PyTorch)."""

    graph_runtime: Optional[GraphRuntime] = None
    spec: Optional[GraphSpec] = None
    device: CpuDevice = field(default_factory=CpuDevice)
    torch_free = True

    @property
    def threads(self) -> int:
        return self.graph_runtime.threads

    def inference_module(self):
        raise RuntimeError("This model runs its exported graph only (no PyTorch module).")

    def release_source(self) -> None:
        pass

    def runtime(self, requested: str = "auto", device=None) -> GraphRuntime:
        return self.graph_runtime

    def model_spec(self) -> GraphSpec:
        return self.spec


def is_ready(identity: dict, requested: str, device: str, batch_size: int) -> bool:
    """Whether a ready record holds for this request and environment (read, not loaded: a caller about to
    import PyTorch ahead of its analysis asks this first)."""
    if requested not in ("auto", *TORCH_FREE_RUNTIMES) or device not in ("auto", "cpu"):
        return False
    record = read_json(record_path(identity, requested, device, batch_size))
    return record is not None and record.get("format") == READY_FORMAT and record.get("request") == identity


def ready_model(identity: dict, requested: str, device: str, batch_size: int) -> Optional[GraphPreparedModel]:
    """The model of ``identity`` with its graph loaded, without PyTorch, when a ready record holds for this request
    and environment and its graph loads; else ``None`` (the caller takes the PyTorch path)."""
    if not is_ready(identity, requested, device, batch_size):
        return None
    try:
        return _load(read_json(record_path(identity, requested, device, batch_size)))
    except Exception:  # noqa: BLE001 - a graph that does not load here: PyTorch runs it, as without a record
        return None


def _load(record: dict) -> GraphPreparedModel:
    from types import SimpleNamespace

    from ..models.products import ProductSpec
    from ..preprocess.normalization import Normalization
    from ..preprocess.spec import InputSpec
    from .openvino_graph import OpenVinoModel
    from . import cache_root

    model, run = record["model"], record["runtime"]
    path = cache_root() / "graphs" / run["graph"]
    layout = SimpleNamespace(inputs=tuple(run["layout"]["inputs"]), outputs=tuple(run["layout"]["outputs"]))
    started = time.perf_counter()
    graph = OpenVinoModel(path, layout, threads=run["threads"], cache_dir=cache_root() / "openvino")
    info = dict(run["info"])
    info.update(reason=f"{LABELS[info['name']]} was faster for this model, input size and thread count (timed in an "
                       "earlier run); PyTorch not loaded: this graph and this choice were ready", torch_loaded=False)
    info["graph"] = {**(info.get("graph") or {}), "exported_now": False, "checked_now": False,
                     "load_seconds": round(time.perf_counter() - started, 3)}
    spec = GraphSpec(tuple(model["inputs"]), tuple(ProductSpec.from_dict(p) for p in model["products"].values()))
    return GraphPreparedModel(
        module=None, class_names=list(model["class_names"]), name=model["name"], trained=bool(model["trained"]),
        key=model["key"], normalization=Normalization.from_dict(model["normalization"]), info=model["info"],
        inputs=InputSpec.from_dict(model["input_spec"]) if model.get("input_spec") else None,
        model_name=model["model_name"], graph_runtime=GraphRuntime(graph, layout.outputs, info, run["threads"]),
        spec=spec)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis in float32 (what ``torch.softmax`` gives, within float rounding)."""
    x = np.asarray(logits, np.float32)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

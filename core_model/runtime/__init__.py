"""Inference runtimes: PyTorch (the reference) and two runtimes of an exported graph checked against PyTorch:
OpenVINO and ONNX Runtime.

``epam analyze --runtime auto|torch|onnx|openvino``: ``auto`` times PyTorch and the preferred installed graph
runtime (OpenVINO, else ONNX Runtime) on the first batch of a run and keeps the faster (the choice is cached per
model, input shapes and thread count in the user cache), ``torch`` is the reference and the fallback, ``onnx`` and
``openvino`` run the exported graph (CPU only). See docs/guide/models.md "Inference runtimes". Names are imported
on first use: reading this package pulls in neither torch nor a graph runtime.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

#: the values of ``--runtime`` (and ``AnalysisSettings.runtime``)
RUNTIMES = ("auto", "torch", "onnx", "openvino")
#: the runtimes of the exported graph, in the order ``auto`` prefers them (the faster on EPAM-Net first)
GRAPH_RUNTIMES = ("openvino", "onnx")
#: what results and messages call each runtime
LABELS = {"torch": "PyTorch", "onnx": "ONNX Runtime", "openvino": "OpenVINO"}
#: the packages each graph runtime needs (the exporter needs ``onnx``)
_PACKAGES = {"onnx": ("onnxruntime", "onnx"), "openvino": ("openvino", "onnx")}
#: each package as pyproject.toml's dependencies pin it (all are dependencies of the project): a bare
#: ``pip install onnx`` would take onnx>=1.20, which needs protobuf>=6 and breaks mediapipe
REQUIREMENTS = {"onnxruntime": "onnxruntime>=1.20", "onnx": "onnx>=1.16,<1.19", "openvino": "openvino>=2024.4,<2027"}


#: ``auto`` exports a graph (not cached yet) only for runs of at least this many windows: the export costs
#: about two forward passes, the graph runtime saves a fraction of one per window (the installation's first
#: use exports it in the background after a shorter run: :mod:`.first_use`)
AUTO_MIN_WINDOWS = 8
#: bumped when the export or its record changes: older cached graphs (and ready records) are not used
EXPORT_FORMAT = 2


def cache_root() -> Path:
    """The runtime cache: exported graphs (``graphs/``), choices (``choices/``), OpenVINO's compiled blobs
    (``openvino/``) and ready records (``ready/``, :mod:`.ready`)."""
    from ..paths import cache_dir

    return cache_dir() / "runtime"


def runtime_available(name: str) -> bool:
    """True when the graph runtime ``name`` (``onnx`` or ``openvino``) and the exporter's ``onnx`` can be imported."""
    return all(importlib.util.find_spec(package) is not None for package in _PACKAGES[name])


def install_hint(name: str) -> str:
    """``pip install ...`` for the graph runtime ``name``, with the project's pins (quoted for a shell)."""
    return "pip install " + " ".join(f"'{REQUIREMENTS[package]}'" for package in _PACKAGES[name])


def onnx_available() -> bool:
    """True when ONNX Runtime and the ``onnx`` package (the exporter needs it) can be imported."""
    return runtime_available("onnx")


def openvino_available() -> bool:
    """True when OpenVINO and the ``onnx`` package (the exporter needs it) can be imported."""
    return runtime_available("openvino")


def split_outputs(names, values) -> tuple:
    """``(logits, scores, products)`` of a graph's output values named ``logits.KEY``, ``scores`` and
    ``products.KEY`` (the names the export gives them), whatever array type they are."""
    logits, products, scores = {}, {}, None
    for name, value in zip(names, values):
        group, _, key = name.partition(".")
        if group == "logits":
            logits[key] = value
        elif group == "products":
            products[key] = value
        else:
            scores = value
    return logits, scores, products


def digest(payload: dict) -> str:
    """A 32-hex-digit key of ``payload`` (JSON with sorted keys): cached graphs, choices and ready records."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def read_json(path: Path):
    """The JSON in ``path``, or None where it is missing or unreadable (a cache entry: then made again)."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None

"""Inference runtimes: PyTorch (the reference) and ONNX Runtime (an exported graph, checked against PyTorch).

``epam analyze --runtime auto|torch|onnx``: ``auto`` times both on the first batch of a run and keeps the
faster (the choice is cached per model, input shapes and thread count in the user cache), ``torch`` is the
reference and the fallback, ``onnx`` runs the exported graph (CPU only). See docs/guide/models.md
"Inference runtimes". Names are imported on first use: reading this package pulls in neither torch nor
onnxruntime.
"""
from __future__ import annotations

import importlib.util

#: the values of ``--runtime`` (and ``AnalysisSettings.runtime``)
RUNTIMES = ("auto", "torch", "onnx")


def onnx_available() -> bool:
    """True when ONNX Runtime and the ``onnx`` package (the exporter needs it) can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))

"""The exported ONNX graph (:mod:`.onnx_graph`) compiled by OpenVINO for the CPU, called like a registered model.

OpenVINO runs the 3D convolutions of the X3D backbones in its blocked layouts with the activations fused in;
PyTorch's CPU path sends the depthwise 3x3x3 convolutions through oneDNN with a layout reorder before and after
each one and the 1x1x1 and 5x1x1 convolutions through its generic (im2col + GEMM) kernel. EPAM-Net at its real
size: about 3x PyTorch's clips/s on one thread (``benchmarks/runtime_speed.py``).

The compiled model keeps fp32 (``INFERENCE_PRECISION_HINT``: OpenVINO's default on CPUs with bf16 instructions is
bf16, which moves the logits by ~1e-2), does not pin its threads to cores (the pose workers of the same command
run beside it) and runs one stream with the thread count PyTorch has. Compiled blobs are cached by OpenVINO in
``cache_dir`` (keyed by OpenVINO on the graph, its shapes, the settings above and its own version), so a later
run loads instead of compiling.

Importing this module imports neither PyTorch nor OpenVINO: ``OpenVinoModel.infer_arrays`` runs the graph on numpy
arrays (a cold analysis whose graph is ready never loads PyTorch: :mod:`.ready`); ``forward_inputs`` takes and
gives torch tensors like a registered model.

One OpenVINO ``Core`` serves the whole process (:func:`shared_core`, made on first use, never released before
the process ends). OpenVINO's CPU plugin, one per ``Core``, gives the thread that creates it its own alternate
signal stack (``sigaltstack``, sized for the AMX state) and, when the plugin is released, unmaps it and puts back
the stack it found only if its own is still the current one. With a ``Core`` per graph, graphs released in the
order they were made (not the reverse) left the thread's alternate stack pointing at unmapped memory: the next
signal caught by a handler (CPython installs Python handlers with ``SA_ONSTACK``, e.g. torch's DataLoader
SIGCHLD handler) killed the process with SIGSEGV, or its frame was written over memory mapped there since.
One plugin for the life of the process makes one stack, set once and never unmapped while in use
(``test_graphs_released_in_any_order_leave_signals_handled``).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np


_core = None
_core_lock = threading.Lock()
#: held while OpenVINO reads, saves or compiles a model: it sets the C locale and puts it back, so two at once in
#: one process can leave the process in the "C" locale (open() then reads and writes text as ASCII)
model_load_lock = threading.RLock()


def shared_core():
    """The process's one OpenVINO ``Core`` (made on first use, thread-safe; kept until the process ends: see the
    module's docstring for why there must not be one per graph)."""
    global _core
    with _core_lock:
        if _core is None:
            from .openvino_quiet import import_openvino
            ov = import_openvino()

            _core = ov.Core()
        return _core


def compile_settings(threads: int) -> dict:
    """The CPU plugin settings of a compiled graph (``threads`` intra-op threads)."""
    return {"INFERENCE_NUM_THREADS": int(threads), "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY",
            "NUM_STREAMS": 1, "ENABLE_CPU_PINNING": False}


class OpenVinoModel:
    """An exported graph compiled by OpenVINO's CPU plugin (the batch axis stays dynamic).

    ``threads``: OpenVINO's inference threads (default: PyTorch's thread count, so both runtimes use the same
    cores); ``cache_dir``: where OpenVINO keeps compiled blobs (None: compiled every time).
    """

    runtime = "openvino"

    def __init__(self, path: Path, layout, threads: int = 0, cache_dir: Optional[Path] = None) -> None:
        core = shared_core()
        if not threads:
            import torch

            threads = torch.get_num_threads()
        self.threads = int(threads)
        settings = compile_settings(self.threads)
        if cache_dir is not None:  # this graph's setting, not the shared Core's
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            settings["CACHE_DIR"] = str(cache_dir)
        with model_load_lock:
            self.compiled = core.compile_model(core.read_model(str(path)), "CPU", settings)
        self.layout = layout
        self._request = self.compiled.create_infer_request()
        self._lock = threading.Lock()  # one infer request: calls from two threads take turns
        #: the inputs the graph reads (an input the outputs do not depend on is not part of it)
        #  (a port can carry more than one name, e.g. of a Cast folded into it: the graph's input name is taken)
        self._feeds = [next(name for name in layout.inputs if name in port.get_names())
                       for port in self.compiled.inputs]
        self._outputs = [self.compiled.output(name) for name in layout.outputs]

    def infer_arrays(self, feeds: Dict[str, np.ndarray]) -> List[np.ndarray]:
        """The graph's outputs (in ``layout.outputs`` order) on float32 arrays by input kind: no PyTorch."""
        feeds = {k: np.ascontiguousarray(feeds[k], dtype=np.float32) for k in self._feeds}
        with self._lock:
            results = self._request.infer(feeds)
            # the request's output buffers are reused by the next call: copy them out
            return [results[port].copy() for port in self._outputs]

    def forward_inputs(self, inputs):
        """``ModelOutput`` (torch tensors) of a batch of torch tensors by input kind."""
        import torch

        from .onnx_graph import _as_numpy

        values = self.infer_arrays({k: _as_numpy(inputs[k]) for k in self._feeds})
        return self.layout.to_output([torch.from_numpy(v) for v in values])

    __call__ = forward_inputs

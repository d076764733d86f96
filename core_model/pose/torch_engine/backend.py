"""The torch engine as a pose backend: the tiled/ROI extractor (tracking included) on :class:`.graph.TorchPoseGraph`.

``engine``: ``mediapipe`` (MediaPipe's own graphs, as before), ``torch`` (this package) or ``auto``
(:func:`resolve_engine`). With the torch engine every detection mode runs the ROI pipeline:
``full`` = the detector on the whole frame only (what MediaPipe's PoseLandmarker does), ``tiles``
= plus zoomed tiles. Settings (the pose cache key) of the torch engine name it, its precision and
this module's version; those of the mediapipe engine are unchanged.
"""
from __future__ import annotations

from typing import Optional

from ...errors import ConfigError

ENGINES = ("auto", "mediapipe", "torch")
#: bump when the torch engine's output changes (part of its cache key)
ENGINE_VERSION = 1
DEVICES = ("auto", "cpu", "cuda")


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ConfigError(f"Unknown pose engine '{engine}'; choose one of: {', '.join(ENGINES)}.")
    return engine


def cuda_available() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - no usable torch: no CUDA
        return False


#: the faster engine on a CPU (``auto`` there), measured with benchmarks/pose_engines.py on the shared 2-core
#: machine (60 frames, medians of 3, load average 5-15; CPU ms per frame, load-independent, in brackets),
#: MediaPipe against the torch engine, 1 worker: close-up 640x272 ``full`` 8.9 vs 3.5 frames/s (26 vs 84 ms),
#: ``tiles`` 3.4 vs 1.0 (103 vs 296 ms); crowd 768x576, 8 people, ``tiles`` 0.8 vs 0.4 (282 vs 614 ms);
#: 2 workers: 10.2 vs 3.5 (30 vs 68), 2.7 vs 1.0 (105 vs 280), 0.6 vs 0.4 (273 vs 593). MediaPipe (XNNPACK)
#: needs 2.2-3.2x less CPU time per frame in every case.
CPU_ENGINE = "mediapipe"


def resolve_engine(engine: str = "auto", device: str = "auto") -> str:
    """``auto``: the torch engine where it runs on a GPU (CUDA available and the device not forced to the
    CPU); on a CPU :data:`CPU_ENGINE`, the faster one there as measured."""
    check_engine(engine)
    if engine != "auto":
        return engine
    return "torch" if device != "cpu" and cuda_available() else CPU_ENGINE


def resolve_precision(device: str, precision: Optional[str]) -> str:
    """fp32 on the CPU; on CUDA the given precision (default fp32: fp16/bf16 parity is not measured yet)."""
    from .graph import resolve_device

    if resolve_device(device).type != "cuda":
        return "fp32"
    return precision or "fp32"


def describe_torch_settings(max_people: int = 4, *, detect: str = "full", device: str = "auto",
                            precision: Optional[str] = None, **options) -> dict:
    """The torch engine's settings (cache key): the tiled extractor's, plus engine, precision and version."""
    from ..tiled_backend import describe_tiled_settings

    mode = "frame" if detect == "full" else detect
    options = {k: v for k, v in options.items() if k not in ("delegate", "engine", "threads")}
    settings = describe_tiled_settings(max_people, detect=mode, **options)
    settings.update(engine="torch", engine_version=ENGINE_VERSION, precision=resolve_precision(device, precision))
    return settings


def create_torch_extractor(max_people: int = 4, *, detect: str = "full", device: str = "auto",
                           precision: Optional[str] = None, threads: Optional[int] = None, graph=None, **options):
    """A :class:`~core_model.pose.tiled_backend.TiledPoseExtractor` whose graph is the torch engine's
    (``graph``: a given one, e.g. a :class:`.batching.StreamGraph` shared with other streams)."""
    from ..tiled_backend import TiledPoseExtractor
    from .graph import TorchPoseGraph

    mode = "frame" if detect == "full" else detect
    options = {k: v for k, v in options.items() if k not in ("delegate", "engine", "streams")}
    if graph is None:
        graph = TorchPoseGraph(device=device, precision=resolve_precision(device, precision), threads=threads)
    extractor = TiledPoseExtractor(max_people, detect=mode, graph=graph, **options)
    extractor.device = graph.device.type
    extractor.settings = lambda: describe_torch_settings(max_people, detect=detect, device=device,  # type: ignore
                                                         precision=precision, **options)
    return extractor


#: worker processes of the torch engine on CUDA when not given (each holds its own CUDA context and
#: models; the batched forwards, not processes, use the GPU). Not measured: no GPU was lent.
CUDA_WORKERS = 2


def default_workers(workers: Optional[int], device: str) -> Optional[int]:
    from .graph import resolve_device

    if workers is None and resolve_device(device).type == "cuda":
        return CUDA_WORKERS
    return workers


#: chunks of a video tracked at once by one worker on CUDA, their frames batched into one forward per
#: step (:mod:`.batching`); on a CPU one: batching gains nothing there (benchmarks/gpu_pose.py --quick, tiles,
#: 24 frames, load ~15: close-up 1.70 frames/s with one chunk at a time, 1.54 with two; crowd 0.64 and 0.52).
#: Not measured on a GPU yet (no device was lent).
CUDA_STREAMS = 8


def default_streams(device: str) -> int:
    from .graph import resolve_device

    return CUDA_STREAMS if resolve_device(device).type == "cuda" else 1


#: CPU threads of one torch engine forward. Workers (processes) are the CPU parallelism, as for MediaPipe:
#: measured here, on a shared (overloaded) 2-core machine, a 2-thread forward of the landmark model took
#: 1.3-5 s against 0.13 s with one thread (OpenMP threads waiting for each other).
CPU_THREADS = 1


def worker_threads(workers: Optional[int]) -> int:
    """CPU threads per worker process (:data:`CPU_THREADS`)."""
    return CPU_THREADS

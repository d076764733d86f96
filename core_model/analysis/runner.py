"""``analyze_video``: EPAM-Net over a whole video, window by window, keeping every attention product."""
from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import PoseError
from ..jobs import CancelToken, ProgressFn, check_cancel, report
from ..startup_trace import mark
from .cache import analysis_key, load_cached, poses_hash, request_key, store
from .inputs import StageClock, WindowInputs, iter_window_inputs
from .model_setup import PreparedModel, model_key, prepare_model
from .prefetch import prefetch
from .results import AnalysisResult, frame_time_fn
from .segments import segments_for_rows
from .settings import AnalysisSettings
from .windows import plan_windows, window_bounds

UNTRAINED_WARNING = "The network is untrained: its outputs are random and say nothing about the video."
#: decoded frames the analysis' reader keeps (it reads each frame once, in order; the windows keep their own)
_READ_AHEAD_FRAMES = 2
#: give freed heap memory back after this many windows (decode, preprocessing and forward allocate in two
#: threads; glibc keeps what they free, ~50 MB more peak on 768x576)
_TRIM_EVERY_WINDOWS = 1
#: progress is reported on this scale: pose extraction (when it runs) takes the first POSE_SHARE of it
PROGRESS_TOTAL, POSE_SHARE = 1000, 0.6


def analyze_video(
    video,
    *,
    checkpoint=None,
    class_names: Union[None, str, Sequence[str]] = None,
    settings: Optional[AnalysisSettings] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    out_dir=None,
    use_cache: bool = True,
    poses=None,
    model=None,
    model_name: Optional[str] = None,
    pose_seconds: Optional[float] = None,
) -> AnalysisResult:
    """Analyse ``video`` with a registered model over sliding windows; see docs/INTERFACES.md "Analysis".

    ``poses`` (a ``Poses``) skips the pose cache/extraction; ``model`` (a registered model's module or a
    :class:`PreparedModel`) replaces ``checkpoint``; ``model_name``: the untrained model of that registry
    name (default EPAM-Net) when there is no checkpoint. Results are cached by video content, poses,
    model and settings, and also written to ``out_dir`` when given. ``pose_seconds``: the given ``poses``
    were extracted just now, ahead of this call (:class:`~.pipeline.PosesAhead`), in that many seconds
    (``timings["pose"]``, with ``timings["pose_overlapped"]`` = 1: not part of this call's total).
    ``poses`` may be a :class:`~core_model.pose.streaming_tracking.PoseStream` still being extracted: the
    model then runs on the windows whose poses are final while the extraction goes on (:mod:`.streaming`),
    with the same results.
    """
    from ..video import VideoReader, content_key

    settings = settings or AnalysisSettings()
    check_cancel(cancel)
    t0 = time.perf_counter()
    clock = StageClock()
    with clock.timed("model_load"):
        prepared = model if isinstance(model, PreparedModel) else prepare_model(
            checkpoint, class_names, seed=settings.seed, model=model, model_name=model_name)
    device = _model_device(prepared, settings)
    video = Path(video)
    with VideoReader(video, cache_frames=_READ_AHEAD_FRAMES) as reader:  # frames are read once, in order
        video_key = content_key(video)
        request = request_key_for(video_key, prepared, settings, device)
        poses, extracted = _poses_for(video, poses, settings, clock, progress, cancel, use_cache, reader, pose_seconds)
        window, stride = settings.window_frames(reader.fps), settings.stride_frames(reader.fps)
        streamed = None
        if _is_stream(poses):
            from .streaming import run_streamed

            poses, rows, runtime, streamed = run_streamed(reader, poses, prepared, device, settings, clock, cancel,
                                                          progress, video, _check_poses, _run_windows, _forward,
                                                          PROGRESS_TOTAL)
            pose_key = poses_hash(poses)
            key = analysis_key(request, pose_key)
        else:
            _check_poses(poses, reader, video)
            pose_key = poses_hash(poses)
            key = analysis_key(request, pose_key)
            cached = _cache_hit(key, video, t0, out_dir, progress) if use_cache else None
            if cached is not None:
                return cached
            rows, runtime = _planned_run(reader, poses, prepared, device, settings, clock, cancel, progress,
                                         video, extracted and pose_seconds is None)
        result = _assemble(rows, prepared, reader, video, video_key, poses, settings, window, stride, device)
    result.summary["runtime"] = runtime
    if streamed is not None:
        result.summary["streaming"] = streamed
    result.summary.update(request_key=request, cache_key=key, poses={
        "key": pose_key, "extracted_now": extracted, "num_people": poses.num_people,
        "track_ids": [int(t) for t in poses.track_ids], "source": dict(poses.meta)})
    result.summary["timings"] = _timings(clock, t0, reader.duration)
    if use_cache:
        store(result, key)
    if out_dir is not None:
        result.save(out_dir)
    mark("results_written")
    result.summary["cache"] = {"hit": False}
    return result


def _cache_hit(key: str, video: Path, t0: float, out_dir, progress) -> Optional[AnalysisResult]:
    """The cached result of ``key`` described for ``video`` (and saved to ``out_dir``), or None."""
    cached = load_cached(key)
    if cached is not None:
        describe_video(cached, video)
        cached.summary["cache"] = {"hit": True, "seconds": round(time.perf_counter() - t0, 4)}
        if out_dir is not None:
            cached.save(out_dir)
        report(progress, PROGRESS_TOTAL, PROGRESS_TOTAL)
    return cached


def _timings(clock: StageClock, t0: float, duration: float) -> dict:
    """Seconds per stage, the total since ``t0`` and the real-time factor of a ``duration``-second video."""
    timings = {k: round(v, 4) for k, v in clock.seconds.items()}
    timings["total"] = round(time.perf_counter() - t0, 4)
    timings["realtime_factor"] = round(duration / timings["total"], 3) if timings["total"] > 0 else None
    return timings


def cached_result(video, *, checkpoint=None, class_names=None, settings: Optional[AnalysisSettings] = None,
                  poses=None, model=None, model_name: Optional[str] = None) -> Optional[AnalysisResult]:
    """The cached result :func:`analyze_video` would return for these arguments, or ``None``.

    Never extracts poses, runs or builds the network (``poses`` default: the pose cache; the model's
    cache identity comes from :func:`~.model_setup.model_key`). This is the one lookup the app uses too.
    """
    from ..pose import cached_poses
    from ..video import content_key

    settings = settings or AnalysisSettings()
    video = Path(video)
    if poses is None:
        poses = cached_poses(video, max_people=settings.max_people, **_pose_engine(settings))
        if poses is None:
            return None
    if isinstance(model, PreparedModel):
        key_of_model = model.key
    elif model is not None:
        key_of_model = prepare_model(None, class_names, seed=settings.seed, model=model).key
    else:
        key_of_model = model_key(checkpoint, class_names, seed=settings.seed, model_name=model_name)
    request = request_key_for(content_key(video), key_of_model, settings)
    cached = load_cached(analysis_key(request, poses_hash(poses)))
    return describe_video(cached, video) if cached is not None else None


def describe_video(result: AnalysisResult, video: Path) -> AnalysisResult:
    """Make a cached ``result`` (keyed by content, maybe made for a copy elsewhere) name ``video``."""
    info = result.summary.setdefault("video", {})
    info["path"], info["name"] = str(Path(video).resolve()), Path(video).name
    source = result.summary.get("poses", {}).get("source")
    if isinstance(source, dict) and "source" in source:
        source["source"] = Path(video).name
    return result


def request_key_for(video_key: str, prepared: Union[PreparedModel, str], settings: AnalysisSettings,
                    device=None) -> str:
    """The key a results folder of this request carries (``prepared``: the model or its key; ``device``
    defaults to the settings' device)."""
    device = device if device is not None else _device(settings.device)
    key = prepared if isinstance(prepared, str) else prepared.key
    return request_key(video_key=video_key, model_key=key, settings=settings.result_key(),
                       device_type=device.type)


def _device(name: str):
    """The torch device for ``name``; under torchrun each process takes the GPU of its LOCAL_RANK."""
    import os

    import torch

    from ..device import resolve_device

    device = resolve_device(name)
    local_rank = os.environ.get("LOCAL_RANK")
    if device.type == "cuda" and device.index is None and local_rank is not None:
        device = torch.device("cuda", int(local_rank) % max(1, torch.cuda.device_count()))
    return device


def _is_stream(poses) -> bool:
    """``poses`` is a :class:`~core_model.pose.streaming_tracking.PoseStream` (not a whole ``Poses``)."""
    from ..pose.streaming_tracking import is_stream

    return is_stream(poses)


def _planned_run(reader, poses, prepared, device, settings, clock, cancel, progress, video: Path,
                 after_pose: bool) -> Tuple[List[dict], dict]:
    """Plan the windows of whole ``poses`` and run them (``after_pose``: progress goes on from the pose share)."""
    window, stride = settings.window_frames(reader.fps), settings.stride_frames(reader.fps)
    bounds = window_bounds(reader.frame_count, window, stride)
    jobs = plan_windows(bounds, poses.keypoint_score, poses.track_ids, per_person=settings.per_person,
                        min_presence=settings.min_presence, max_gap=settings.presence_gap_frames(reader.fps))
    if not jobs:
        raise PoseError(f"No person is visible long enough in {video.name} to analyse any window.")
    start_units = int(PROGRESS_TOTAL * POSE_SHARE) if after_pose else 0
    return _run_windows(reader, poses, jobs, prepared, device, settings, clock, cancel,
                        lambda done: report(progress, start_units + (PROGRESS_TOTAL - start_units)
                                            * done // len(jobs), PROGRESS_TOTAL))


def _poses_for(video: Path, poses, settings, clock, progress, cancel, use_cache, reader=None, seconds=None):
    """The poses to use and whether they were extracted now (``seconds``: given ``poses`` were, ahead)."""
    if _is_stream(poses):
        return poses, True
    if poses is not None:
        if seconds is not None:
            clock.add("pose", seconds)
            clock.add("pose_overlapped", 1.0)
        return poses, seconds is not None
    from ..pose import cached_poses, extract_poses

    found = cached_poses(video, max_people=settings.max_people, **_pose_engine(settings)) if use_cache else None
    if found is not None:
        return found, False
    pose_units = int(PROGRESS_TOTAL * POSE_SHARE)

    def pose_progress(done: int, total: int) -> None:
        report(progress, pose_units * done // max(total, 1), PROGRESS_TOTAL)

    with clock.timed("pose"):
        found = extract_poses(video, max_people=settings.max_people, progress=pose_progress, cancel=cancel,
                              use_cache=use_cache, reader=reader, **_pose_engine(settings))
    return found, True


def _pose_engine(settings) -> dict:
    """The pose engine and its device (``mps``: the torch engine's CPU) from the analysis settings."""
    device = settings.device if settings.device in ("auto", "cpu") or settings.device.startswith("cuda") else "cpu"
    return {"engine": getattr(settings, "pose_engine", "auto"), "device": device}


def _check_poses(poses, reader, video: Path) -> None:
    from ..pose.format import NUM_JOINTS

    if poses.num_joints != NUM_JOINTS:
        raise PoseError(f"The poses have {poses.num_joints} joints per person; the models read the "
                        f"{NUM_JOINTS} COCO joints.")
    if poses.num_frames != reader.frame_count:
        raise PoseError(f"The poses have {poses.num_frames} frames but {video.name} has {reader.frame_count}.")
    if poses.num_people == 0 or not (poses.keypoint_score > 0).any():
        raise PoseError(f"No person was found in {video.name}.")


def _run_windows(reader, poses, jobs, prepared: PreparedModel, device, settings, clock, cancel,
                 on_done: Callable[[int], None]) -> Tuple[List[dict], dict]:
    """Forward every window in batches; returns one dict of numpy outputs per job, in job order, and what
    the summary says about the runtime (:class:`~core_model.runtime.select.ModelRuntime`, chosen at the
    first batch: PyTorch or ONNX Runtime, precision).

    Only the inputs the model's registry entry lists are built (EPAM-Net: RGB clip and heatmaps).
    """
    kinds = prepared.model_spec().inputs
    source = iter_window_inputs(reader, poses, jobs, prepared.normalization, clock, prepared.inputs,
                                kinds=kinds, sizes=prepared.input_sizes())
    return _forward(source, len(jobs), prepared, device, settings, clock, cancel, on_done)


def _forward(source: Iterable[WindowInputs], windows, prepared: PreparedModel, device, settings, clock, cancel,
             on_done: Callable[[int], None], ready: Optional[Callable[[], None]] = None,
             depth: int = 0) -> Tuple[List[dict], dict]:
    """Forward the windows of ``source`` in batches (the next batch built in a thread while this one runs).

    ``windows``: the number of windows, or a function giving it, called before the first forward (an
    ``auto`` runtime that has not chosen yet needs it). ``ready()`` is called before each forward (it may wait);
    ``depth``: windows built ahead (default one batch). Batches run one after another, each using all of
    torch's threads (measured on 2 CPU cores with the channels-last inference copy: one 2-thread forward is
    ~2x faster than two single-threaded forwards side by side).
    """
    from ..memory import trim_heap

    with clock.timed("model_load"):
        module = prepared.runtime(settings.runtime, device)
    kinds = prepared.model_spec().inputs
    batch_size = settings.batch_for(device.type, getattr(prepared, "threads", None))
    stream = prefetch(iter(source), depth=max(depth, batch_size), cancel=cancel)  # built while a batch runs
    rows: List[dict] = []
    try:
        for batch in _batches(stream, batch_size):
            check_cancel(cancel)
            if ready is not None:
                ready()
            if module.name is None and not rows:
                module.windows = windows() if callable(windows) else windows
            t = time.perf_counter()
            rows.extend(_outputs_to_rows(_forward_batch(module, batch, kinds, device), batch))
            del batch
            clock.add("model", time.perf_counter() - t)
            mark(f"forward_{len(rows)}")  # the first windows' forwards done (benchmarks' critical path)
            if len(rows) // _TRIM_EVERY_WINDOWS != (len(rows) - batch_size) // _TRIM_EVERY_WINDOWS:
                trim_heap()
            on_done(len(rows))
        check_cancel(cancel)  # the producer stops quietly on cancel
    finally:
        stream.close()
    return rows, dict(module.info)


def _forward_batch(module, batch: List[WindowInputs], kinds, device):
    """One forward pass over ``batch``: numpy arrays into a graph run without PyTorch
    (:class:`~core_model.runtime.ready.GraphRuntime`), else tensors on ``device`` into the model's runtime."""
    if getattr(module, "torch_free", False):
        return module.forward_inputs({k: _stacked([b.arrays[k] for b in batch]) for k in kinds})
    import torch

    inputs = {k: torch.from_numpy(_stacked([b.arrays[k] for b in batch])).to(device) for k in kinds}
    with torch.inference_mode():
        return module.forward_inputs(inputs)


def _model_device(prepared, settings):
    """Where ``prepared`` runs: the CPU for a graph run without PyTorch, else the settings' device (its runtime
    checked before poses are extracted)."""
    if getattr(prepared, "torch_free", False):
        return prepared.device
    from ..runtime.select import check_runtime

    device = _device(settings.device)
    check_runtime(settings.runtime, device)
    return device


def _stacked(arrays: List[np.ndarray]) -> np.ndarray:
    """The arrays with a batch axis in front (a view, no copy, for a batch of one)."""
    return arrays[0][None] if len(arrays) == 1 else np.stack(arrays)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _outputs_to_rows(out, batch: List[WindowInputs]) -> List[dict]:
    """One dict per window: class probabilities per stream and fused, and every attention product (``out``: torch
    tensors, or numpy arrays from a graph run without PyTorch)."""
    if isinstance(out.scores, np.ndarray):
        from ..runtime.ready import softmax

        probs = {stream: softmax(logits) for stream, logits in out.logits.items()}
        fused = np.asarray(out.scores, np.float32)
        products = {name: np.asarray(values, np.float32) for name, values in out.products.items()}
    else:
        import torch

        probs = {stream: torch.softmax(logits.float(), dim=-1).cpu().numpy() for stream, logits in out.logits.items()}
        fused = out.scores.float().cpu().numpy()
        products = {name: values.float().cpu().numpy() for name, values in out.products.items()}
    fused = fused / fused.sum(axis=-1, keepdims=True)
    rows = []
    for i, item in enumerate(batch):
        rows.append({
            "window_start": item.job.start, "window_end": item.job.end, "person": item.job.person,
            "pose_frames": item.pose_frames, "rgb_frames": item.rgb_frames, "boxes": item.box,
            "prob_fused": fused[i], "probs": {stream: p[i] for stream, p in probs.items()},
            "products": {name: values[i] for name, values in products.items()},  # e.g. (T_rgb, h, w)
        })
    return rows


def _stack(rows: List[dict], name: str, dtype) -> Optional[np.ndarray]:
    if rows[0][name] is None:
        return None
    return np.stack([np.asarray(r[name]) for r in rows]).astype(dtype)


def _stack_dict(rows: List[dict], key: str) -> dict:
    """``{name: (W, ...) float32}`` of the per-row dicts ``row[key]``."""
    return {name: np.stack([np.asarray(r[key][name]) for r in rows]).astype(np.float32) for name in rows[0][key]}


def _assemble(rows, prepared: PreparedModel, reader, video: Path, video_key: str, poses, settings,
              window: int, stride: int, device) -> AnalysisResult:
    arrays = {
        "window_start": _stack(rows, "window_start", np.int64), "window_end": _stack(rows, "window_end", np.int64),
        "person": _stack(rows, "person", np.int64), "pose_frames": _stack(rows, "pose_frames", np.int64),
        "rgb_frames": _stack(rows, "rgb_frames", np.int64), "boxes": _stack(rows, "boxes", np.float32),
        "prob_fused": _stack(rows, "prob_fused", np.float32),
    }
    probs, products = _stack_dict(rows, "probs"), _stack_dict(rows, "products")
    arrays.update(prob_rgb=probs.pop("rgb", None), prob_pose=probs.pop("pose", None))
    spec = prepared.model_spec()
    frame_times = np.asarray(reader.timestamps, np.float64)
    frame_time = frame_time_fn(frame_times, reader.fps, reader.frame_count)
    segments = segments_for_rows(arrays["window_start"], arrays["window_end"], arrays["person"],
                                 arrays["prob_fused"], class_names=prepared.class_names, frame_time=frame_time,
                                 smoothing=settings.smoothing, min_frames=settings.min_segment_frames)
    summary = {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "video": {
            "path": str(video.resolve()), "name": video.name, "content_key": video_key,
            "frame_count": reader.frame_count, "fps": float(reader.fps), "duration": float(reader.duration),
            "width": reader.width, "height": reader.height, "is_vfr": bool(reader.is_vfr),
        },
        "model_info": {**prepared.describe(), "model": prepared.model_name, "inputs": list(spec.inputs)},
        "settings": {**settings.to_dict(), "window_frames": window, "stride_frames": stride},
        "mode": "per_person" if settings.per_person else "everybody",
        "device": str(device),
        "warnings": [] if prepared.trained else [UNTRAINED_WARNING],
    }
    return AnalysisResult(
        summary=summary, class_names=list(prepared.class_names), model=prepared.name, trained=prepared.trained,
        frame_count=reader.frame_count, fps=float(reader.fps), img_shape=(reader.height, reader.width),
        segments=segments, frame_times=frame_times, products=products, stream_probs=probs,
        product_specs={name: spec.product(name).to_dict() for name in products}, model_name=prepared.model_name,
        **arrays,
    )

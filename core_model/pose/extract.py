"""Public entry points: ``extract_poses`` (extract, track, cache) and ``cached_poses`` (cache only)."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Optional, Tuple

from ..errors import ConfigError
from ..fileio import check_video_path
from ..jobs import CancelToken, ProgressFn, check_cancel
from . import cache
from .extractor import DEFAULT_WHOLE_FRAME, backend_settings, whole_frame_path
from .format import Poses
from .parallel import extract_frame_detections, prepare
from .tracking import track_frames


#: a track may be unseen this long (seconds) and keep its id
MAX_GAP_SECONDS = 1.0
#: ``max_people`` default: 0 = no limit (the video decides how many people are found; cost grows with them)
DEFAULT_MAX_PEOPLE = 0


def _settings(max_people: int, backend: str, detect: str = "auto", engine: str = "mediapipe",
              device: str = "auto", precision: Optional[str] = None, whole_frame: str = DEFAULT_WHOLE_FRAME) -> dict:
    # the whole-frame path (roi or tasks) names itself in the key; the torch engine's keys stay as they were (its own
    # pipeline runs whatever the path)
    whole = {"whole_frame": whole_frame if engine == "mediapipe" else "tasks"} if backend == "mediapipe" else {}
    settings = {**backend_settings(backend, max_people=max_people, **whole), "max_gap_seconds": MAX_GAP_SECONDS}
    if backend == "mediapipe" and detect != "full":  # "full" keeps the cache keys of before detection modes
        settings.update(detect=detect, tiled=backend_settings(backend, max_people=max_people, detect="tiles"),
                        crowd_tracker=_crowd_tracker())
    if backend == "mediapipe" and engine == "torch":  # the mediapipe engine's keys stay as they were
        settings["engine"] = backend_settings(backend, max_people=max_people, detect=detect, engine="torch",
                                              device=device, precision=precision)
    return settings


def _engine(backend: str, engine: str, device: str) -> str:
    """The pose engine that runs (``auto`` resolved; :mod:`.torch_engine.backend`).

    ``auto`` on a machine without an NVIDIA driver is MediaPipe, decided without importing PyTorch
    (~2 s of a command's start-up); elsewhere :func:`~.torch_engine.backend.resolve_engine` asks torch.
    """
    from .torch_engine.backend import check_engine

    if check_engine(engine) == "auto" and (device == "cpu" or not nvidia_driver_present()):
        engine = "mediapipe"
    elif engine == "auto":
        from .torch_engine.backend import resolve_engine

        engine = resolve_engine(engine, device)
    return engine if backend == "mediapipe" else "mediapipe"


def nvidia_driver_present() -> bool:
    """Whether CUDA could be available here at all: torch already says so, or an NVIDIA driver is installed.

    Without the driver (its kernel module on Linux, ``nvcuda.dll`` on Windows; never on macOS)
    ``torch.cuda.is_available()`` is False, so this cheap look saves importing torch to ask it.
    """
    import os
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and not getattr(getattr(torch, "__spec__", None), "_initializing", False):
        return True  # imported (not still loading in another thread, which would hold this one up): it answers
    if sys.platform == "darwin":
        return False
    if sys.platform.startswith("linux"):
        return os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidiactl") \
            or os.path.exists("/dev/dxg")  # WSL2's GPU paravirtualisation
    if sys.platform == "win32":
        system = os.path.join(os.environ.get("SystemRoot", r"C:\Windows"), "System32", "nvcuda.dll")
        return os.path.exists(system)
    return True  # elsewhere: ask torch


#: crowd (tiles) tracking: a person unseen this long (seconds) may be re-identified by appearance
REID_SECONDS = 6.0


def _crowd_tracker() -> dict:
    """The crowd tracker's settings (part of the cache key of ``tiles``/``auto``)."""
    from . import appearance, crossings, excursions, rehome, reid, tracking, tracklet_groups, tracklets

    return {"reid_seconds": REID_SECONDS, "appearance": [appearance.SIZE, appearance.GREY, appearance.MIN_WIDTH],
            "reid": [reid.APPEARANCE_WEIGHT, reid.APPEARANCE_GATE, reid.REID_GATE, reid.REID_RADIUS,
                     reid.REID_SPEED, reid.REID_SIZE, reid.CLEAR, reid.CLEAR_GATE, reid.STITCH_GATE, reid.STITCH_RADIUS,
                     reid.STITCH_SPEED, reid.SPLIT_WINDOW, reid.SPLIT_GATE, tracklet_groups.SOFT_GATE,
                     tracklet_groups.TIGHT_GAP, tracklet_groups.TIGHT_REACH, tracklet_groups.TIGHT_SIZE,
                     rehome.REHOME_INTO, excursions.EXCURSION_MAX, excursions.EXCURSION_JUMP,
                     excursions.EXCURSION_GAP, excursions.EXCURSION_FIT, excursions.EXCURSION_SEEN,
                     excursions.EXCURSION_CUT, tracklets.GAP_JUMP, tracklet_groups.RETURN_GATE,
                     tracklet_groups.RETURN_SIZE, tracklet_groups.RETURN_MARGIN, tracking.MIN_TRACK_SECONDS,
                     tracking.MIN_PIECE_FRAMES, reid.YIELD_FIT, excursions.BLIP, excursions.BLIP_MAX,
                     excursions.BLIP_GAP, excursions.END_BLIPS, tracking.SWAPS,
                     crossings.SWAP_WINDOW, crossings.SWAP_MARGIN, crossings.SWAP_NEAR, crossings.SWAP_REACH],
            "version": 13}


def _check_detect(detect: str) -> str:
    from .auto_detect import DETECT_MODES

    if detect not in DETECT_MODES:
        raise ConfigError(f"Unknown detection mode '{detect}'; choose one of: {', '.join(DETECT_MODES)}.")
    return detect


def _backend_options(backend: str, max_people: int, delegate: str,
                     whole_frame: Optional[str] = None) -> Tuple[dict, Optional[str]]:
    """Options for the workers' extractors, and a one-line note when the GPU was asked for but cannot run.
    ``whole_frame``: the whole-frame path (MediaPipe engine; ``None``: the torch engine)."""
    options = {"max_people": max_people}
    if backend != "mediapipe":
        return options, None
    from .mediapipe_backend import DELEGATES

    if delegate not in DELEGATES:
        raise ConfigError(f"Unknown delegate '{delegate}'; choose one of: {', '.join(DELEGATES)}.")
    if whole_frame is not None:
        options["whole_frame"] = whole_frame
    if delegate == "cpu":
        return {**options, "delegate": "cpu"}, None
    from .mediapipe_backend import gpu_delegate_note

    note = gpu_delegate_note()
    if note:  # reported once, by the caller, from poses.meta["delegate_note"]
        return {**options, "delegate": "cpu"}, note
    return {**options, "delegate": "gpu"}, None


def _detect_and_extract(path: Path, backend: str, engine: str, detect: str, options: dict, max_people: int,
                        workers, progress, cancel, local_worker: bool, reader, stream=None):
    """The detection mode (``auto`` probed) and the per-frame detections. The workers and their models
    (MediaPipe engine) start loading at once (:func:`.parallel.prepare`); with ``auto`` the extraction runs
    ``full`` while the probe decides in a thread (:func:`.auto_detect.extract_while_probing`).
    ``stream`` (:class:`.streaming_tracking.PoseStream`) tracks the final frames as they come (not in crowd
    mode: its tracker stitches after the whole video); in crowd mode (``tiles``) the returned
    :class:`.tracking_ahead.TrackingAhead` tracks them (``None`` in the other modes)."""
    if backend == "mediapipe" and engine == "mediapipe":
        guess = {**options, "detect": "tiles"} if detect == "tiles" else options
        prepare(str(path), backend=backend, options=guess, workers=workers, local_worker=local_worker, reader=reader)

    ahead: list = []
    # the probe starts once this process's own worker has its first poses (its model loads without the probe's
    # beside it on the cores); the studio's workers are all spawned: the probe starts at once there
    first_poses = threading.Event() if local_worker else None

    def run(mode, progress, cancel, on_final):
        tiles = mode == "tiles"
        if tiles:
            from .tracking_ahead import TrackingAhead

            ahead.append(TrackingAhead(**_crowd_tracking()))
            on_final = ahead[-1].update
        try:
            return extract_frame_detections(str(path), backend=backend, workers=workers, progress=progress,
                                            options={**options, "detect": "tiles"} if tiles and backend == "mediapipe"
                                            else options, cancel=cancel, local_worker=local_worker, reader=reader,
                                            appearances=tiles, on_final=on_final, first_poses=first_poses)
        except BaseException:
            if tiles:
                ahead.pop().stop()
            raise
        finally:
            if first_poses is not None:
                first_poses.set()

    on_final = stream.update if stream is not None else None
    if backend == "mediapipe" and detect == "auto":
        from .auto_detect import extract_while_probing

        mode, (frames, info) = extract_while_probing(path, max_people, run, progress=progress, cancel=cancel,
                                                     on_final=on_final, reader=reader, probe_after=first_poses)
    else:
        mode, (frames, info) = detect, run(detect, progress, cancel, on_final)
    return mode, frames, info, ahead[-1] if ahead else None


def _crowd_tracking() -> dict:
    """``track_frames``'s settings in crowd mode (``tiles``; with the appearances)."""
    return {"max_gap_seconds": MAX_GAP_SECONDS, "crowd": True, "reid_seconds": REID_SECONDS}


def _check_video(video_path) -> Path:
    return check_video_path(video_path)


def cached_poses(video_path, *, max_people: int = DEFAULT_MAX_PEOPLE, backend: str = "mediapipe",
                 detect: str = "auto", engine: str = "auto", device: str = "auto",
                 precision: Optional[str] = None, whole_frame: str = DEFAULT_WHOLE_FRAME) -> Optional[Poses]:
    """Poses cached by an earlier :func:`extract_poses` with the same settings, else ``None`` (never extracts)."""
    path = _check_video(video_path)
    engine = _engine(backend, engine, device)
    whole = whole_frame_path(whole_frame)
    hit = cache.load_cached(path, _settings(max_people, backend, _check_detect(detect), engine, device, precision,
                                            whole))
    if hit is not None:
        hit.meta["source"] = path.name  # cached by content: maybe extracted from a copy of this video
    return hit


def _cache_hit(path: Path, settings: dict, progress: Optional[ProgressFn]) -> Optional[Poses]:
    """The cached poses of ``path`` with ``settings`` (progress reported as done), or None."""
    hit = cache.load_cached(path, settings)
    if hit is not None:
        hit.meta["source"] = path.name
        if progress is not None:
            progress(hit.num_frames, hit.num_frames)
    return hit


def _torch_options(options: dict, workers: Optional[int], device: str, precision: Optional[str]):
    """``(options, workers)`` of the torch engine on ``device``."""
    from .torch_engine.backend import default_streams, default_workers, worker_threads

    workers = default_workers(workers, device)
    return {**options, "engine": "torch", "device": device, "precision": precision,
            "threads": worker_threads(workers), "streams": default_streams(device)}, workers


def extract_poses(video_path, *, max_people: int = DEFAULT_MAX_PEOPLE, workers: Optional[int] = None,
                  progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None,
                  use_cache: bool = True, backend: str = "mediapipe", local_worker: bool = True,
                  delegate: str = "cpu", reader=None, detect: str = "auto", engine: str = "auto",
                  device: str = "auto", precision: Optional[str] = None, stream=None,
                  whole_frame: str = DEFAULT_WHOLE_FRAME) -> Poses:
    """Multi-person COCO-17 poses of every frame of ``video_path``, tracked, as :class:`Poses`.

    ``workers``: processes working on the video (default one per core). With ``local_worker`` the
    calling thread is one of them (quickest start); MediaPipe holds the GIL while it runs, so GUI
    code should pass ``local_worker=False`` to keep every worker in a separate process.
    ``progress(done, total)`` is called in frames; ``cancel`` stops the job promptly (raises
    :class:`~core_model.errors.Cancelled`). With ``use_cache`` a result cached for the same video
    content and settings is returned at once, and a new result is cached.
    ``delegate``: ``"cpu"``, ``"gpu"`` or ``"auto"`` (MediaPipe backend); where the GPU delegate cannot
    run, extraction falls back to the CPU and ``poses.meta["delegate_note"]`` says why in one line.
    ``reader``: an open :class:`~core_model.video.VideoReader` of the video (analysis passes its own so
    the file is opened and indexed once in this process).
    ``detect`` (MediaPipe backend): ``"full"`` finds people on whole frames (people larger than about a fifth of
    the frame; quickest), the way ``whole_frame`` says: ``"roi"`` (default) as MediaPipe's legacy solution does
    (the detector where nobody is followed, the landmark model on each person's ROI; :mod:`.roi_tracking`) or
    ``"tasks"`` (the Tasks PoseLandmarker; also where ``delegate`` asks for the GPU); ``"tiles"`` adds the person detector on zoomed
    tiles and runs the landmark model per person (people down to about 40 px; cost grows with the
    people present); ``"auto"`` (default) probes a few frames and picks
    ``tiles`` when it sees small people the whole frame misses (:mod:`.auto_detect`).
    ``poses.meta["detect"]`` says which ran. ``max_people``: at most this many people per frame;
    0 (default) = no limit, the video decides.
    ``engine``: ``"mediapipe"`` (MediaPipe's graphs; ``delegate`` applies), ``"torch"`` (the same models
    in PyTorch on ``device``, ``precision`` fp32/fp16/bf16 on CUDA; :mod:`.torch_engine`) or ``"auto"``
    (torch on a GPU, MediaPipe on a CPU); ``poses.meta["engine"]`` says which ran, and caches are keyed by it.
    ``stream`` (:class:`.streaming_tracking.PoseStream`): fed with the tracked poses of the frames that are
    final while the extraction runs (the caller finishes it with the poses returned, or fails it).
    """
    path = _check_video(video_path)
    engine = _engine(backend, engine, device)
    whole = whole_frame_path(whole_frame, delegate)  # (MediaPipe's GPU delegate: the Tasks path)
    settings = _settings(max_people, backend, _check_detect(detect), engine, device, precision, whole)
    hit = _cache_hit(path, settings, progress) if use_cache else None
    if hit is not None:
        return hit
    check_cancel(cancel)
    started = time.perf_counter()
    options, note = _backend_options(backend, max_people, delegate if engine == "mediapipe" else "cpu",
                                     whole if engine == "mediapipe" else None)
    if engine == "torch":
        options, workers = _torch_options(options, workers, device, precision)
    own_reader = reader is None
    if own_reader:  # opened (and indexed) once for the probe, the workers' preparation and the local worker
        from ..video import VideoReader

        reader = VideoReader(path)
    try:
        mode, frames, info, ahead = _detect_and_extract(path, backend, engine, detect, options, max_people,
                                                        workers, progress, cancel, local_worker, reader, stream)
    finally:
        if own_reader:
            reader.close()
    check_cancel(cancel)
    looks = info.appearances  # crowd tracking tells people apart by their colours too (measured by the workers)
    if mode == "tiles" and looks is None:  # (the torch engine's batched streams: decode the video once more)
        from .appearance import frame_appearances

        if ahead is not None:
            ahead.stop()  # it tracked without them
        ahead, looks = None, frame_appearances(path, frames, reader=None if own_reader else reader)
    info.appearances = looks
    meta = _meta(path, backend, max_people, time.perf_counter() - started, options, mode, engine, whole, note, device)
    poses = _tracked(mode, frames, info, meta, ahead, stream)
    if use_cache:
        cache.store(path, settings, poses)
    return poses


def _meta(path: Path, backend: str, max_people: int, seconds: float, options: dict, mode: str, engine: str,
          whole: str, note: Optional[str], device: str) -> dict:
    """``poses.meta`` of an extraction: what ran, how (the whole-frame path where ``full`` ran on MediaPipe's
    models), what ran those models (``runtime``), a delegate's note, the torch engine's device."""
    meta = {"source": path.name, "backend": backend, "max_people": int(max_people), "extract_seconds": round(seconds, 3),
            "delegate": options.get("delegate", "cpu"), "detect": mode, "engine": engine}
    if engine == "mediapipe" and mode == "full":
        meta["whole_frame"] = whole
    if engine == "mediapipe" and (mode != "full" or whole == "roi"):  # the paths whose models a runtime runs
        from .openvino_landmarks import pose_runtime

        meta["runtime"] = pose_runtime()
    if note:
        meta["delegate_note"] = note
    if engine == "torch":  # where it ran (the delegate is MediaPipe's)
        from .torch_engine.graph import resolve_device

        meta["device"] = resolve_device(device).type
    return meta


def _tracked(mode: str, frames, info, meta: dict, ahead, stream) -> Poses:
    """The poses of ``frames``, tracked as they came (``ahead`` in crowd mode, ``stream``'s tracker otherwise)
    or now (crowd mode: with ``info.appearances``)."""
    poses = ahead.poses(meta) if ahead is not None else None  # (None: it was never fed)
    if poses is not None:
        return poses
    if stream is not None and stream.tracker is not None and mode != "tiles":
        return stream.tracker.poses(meta)
    crowd = _crowd_tracking() if mode == "tiles" else {"max_gap_seconds": MAX_GAP_SECONDS}
    return track_frames(frames, info.timestamps, info.img_shape, info.fps, meta=meta, appearances=info.appearances,
                        **crowd)

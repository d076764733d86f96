"""Pose engines: frames/s of MediaPipe and of the torch engine (core_model/pose/torch_engine) on the same videos.

1. end to end (``extract_poses``, decoding, worker start-up and tracking included), 1 and 2 workers:
   the close-up (bikes.mp4, ``--detect tiles`` = the same ROI pipeline for both engines, and ``full``)
   and the crowd video of benchmarks/crowd_pose.py (768x576, PEOPLE small people, ``tiles``);
2. the torch engine's networks alone at batch sizes (``--batches``): ROIs/s of the landmark model and
   images/s of the detector, fp32 on the CPU; on CUDA also fp16 and bf16.

Medians of ``--repeat`` runs; CPU milliseconds per frame (all threads, workers included) are printed
as a load-independent cost because the machine may be shared (load average printed).

    .venv/bin/python benchmarks/pose_engines.py [--frames 100] [--people 8] [--repeat 3] [--batches 1,8,32]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _extract(video, repeat: int, **kwargs):
    from core_model.pose import extract_poses

    fps, cpu_ms = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        poses = extract_poses(video, use_cache=False, **kwargs)
        fps.append(poses.num_frames / (time.perf_counter() - started))
        cpu_ms.append(1000.0 * (_cpu() - cpu) / poses.num_frames)
    return statistics.median(fps), statistics.median(cpu_ms)


def _clip(source: str, path: str, frames: int) -> str:
    import av

    from core_model.video import VideoReader

    with VideoReader(source) as reader, av.open(path, "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = reader.width, reader.height, "yuv420p"
        for i in range(min(frames, len(reader))):
            for packet in stream.encode(av.VideoFrame.from_ndarray(reader[i], format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _networks(batches, repeat: int) -> None:
    import torch

    from core_model.pose.torch_engine.graph import TorchPoseGraph

    devices = [("cpu", "fp32")] + ([("cuda", p) for p in ("fp32", "fp16", "bf16")] if torch.cuda.is_available() else [])
    for device, precision in devices:
        graph = TorchPoseGraph(device=device, precision=precision)
        if device == "cpu":  # as the engine runs on a CPU (core_model/pose/torch_engine/backend.py)
            from core_model.pose.torch_engine.backend import CPU_THREADS

            torch.set_num_threads(CPU_THREADS)
        for name, net, size in (("landmarks", graph._landmarker, 256), ("detector", graph._detector, 224)):
            for batch in batches:
                x = torch.rand(batch, size, size, 3, device=graph.device).to(graph.dtype)
                times = []
                with torch.inference_mode():
                    net(x)
                    for _ in range(repeat):
                        if device == "cuda":
                            torch.cuda.synchronize()
                        started = time.perf_counter()
                        net(x)
                        if device == "cuda":
                            torch.cuda.synchronize()
                        times.append(time.perf_counter() - started)
                print(f"  {name:9s} {device} {precision} batch {batch:3d}: "
                      f"{batch / statistics.median(times):8.1f} inputs/s (threads {torch.get_num_threads()})")


def main() -> None:
    from core_model.paths import demo_video
    from core_model.video.crowd import make_crowd_video

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batches", default="1,4,16")
    parser.add_argument("--skip-videos", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("EPAM_CACHE_DIR", tempfile.mkdtemp(prefix="epam-bench-"))
    folder = tempfile.mkdtemp(prefix="epam-engines-")
    print(f"cpu cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
    if not args.skip_videos:
        closeup = _clip(str(demo_video()), os.path.join(folder, "closeup.mp4"), args.frames)
        crowd = os.path.join(folder, "crowd.mp4")
        make_crowd_video(crowd, demo_video(), people=args.people, frames=args.frames, seed=0)
        cases = [("close-up 640x272", closeup, "full"), ("close-up 640x272", closeup, "tiles"),
                 (f"crowd 768x576, {args.people} people", crowd, "tiles")]
        for label, video, detect in cases:
            for workers in (1, 2):
                for engine in ("mediapipe", "torch"):
                    fps, cpu_ms = _extract(video, args.repeat, workers=workers, detect=detect, engine=engine,
                                           device="cpu")
                    print(f"{label:28s} detect {detect:5s} workers {workers} {engine:9s}: {fps:6.1f} frames/s, "
                          f"{cpu_ms:7.1f} CPU ms/frame", flush=True)
    print("networks alone (median of --repeat forwards):")
    _networks([int(b) for b in args.batches.split(",")], args.repeat)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

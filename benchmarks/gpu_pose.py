"""The torch pose engine on a GPU: frames/s at batch sizes, fp32 against fp16/bf16 (with parity), and
``epam analyze``'s real-time factor end to end. Runs on a CPU too (a small batch range, fp32 only) as its
self-check; nothing in it needs a GPU.

1. networks alone: landmark ROIs/s and detector images/s at each batch size and precision (median of
   ``--repeat`` forwards; CUDA synchronised);
2. parity of each half precision against fp32 on real ROIs (the close-up's detections): landmark error in
   % of the ROI side (median, p95), visibility difference, detections matched (IoU >= 0.9); a precision
   "keeps parity" with median <= 1 %, p95 <= 3 %, visibility <= 0.05 and every detection matched (the
   criteria the torch engine meets against MediaPipe);
3. end to end on the close-up and the crowd video (768x576, ``--people`` small people, tiles): frames/s of
   the whole extraction (decoding and tracking included, one worker process) with the video's chunks
   batched together (``streams`` = how many chunks go through the networks at once; chunks of
   ``--chunk`` frames), at each precision that keeps parity;
4. ``epam analyze`` of the crowd video with ``--pose-engine torch`` on the device, cold (nothing cached):
   real-time factor = video seconds / wall seconds.

    .venv/bin/python benchmarks/gpu_pose.py                      # on a GPU: batches 1..64, fp32/fp16/bf16
    .venv/bin/python benchmarks/gpu_pose.py --device cpu --quick # the CPU self-check (a few minutes)
    ... --json results.json                                      # also write every figure as JSON

Goal on one H100 (issue 24): >= 300 frames/s pose on the crowd video, analysis >= 20x real time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def networks(device: str, precisions, batches, repeat: int) -> list:
    """Inputs/s of each network at each batch size and precision."""
    import torch

    rows = []
    threads = torch.get_num_threads()
    if device == "cpu":  # as the engine runs there: one thread per forward (torch_engine/backend.py)
        from core_model.pose.torch_engine.backend import CPU_THREADS

        torch.set_num_threads(CPU_THREADS)
    try:
        _networks(device, precisions, batches, repeat, rows)
    finally:
        torch.set_num_threads(threads)  # the analysis after uses all of them
    return rows


def _networks(device: str, precisions, batches, repeat: int, rows: list) -> None:
    import torch

    from core_model.pose.torch_engine.graph import TorchPoseGraph

    for precision in precisions:
        graph = TorchPoseGraph(device=device, precision=precision)
        for name, net, size in (("landmarks", graph._landmarker, 256), ("detector", graph._detector, 224)):
            for batch in batches:
                x = torch.rand(batch, size, size, 3, device=graph.device).to(graph.dtype)
                times = []
                with torch.inference_mode():
                    net(x)
                    for _ in range(repeat):
                        _sync(graph.device)
                        started = time.perf_counter()
                        net(x)
                        _sync(graph.device)
                        times.append(time.perf_counter() - started)
                rate = batch / statistics.median(times)
                rows.append({"network": name, "precision": precision, "batch": batch, "inputs_per_s": round(rate, 1)})
                print(f"  {name:9s} {precision} batch {batch:3d}: {rate:9.1f} inputs/s", flush=True)
        graph.close()


def parity(device: str, precisions, frames) -> dict:
    """Each precision against fp32 on the same ROIs: error statistics and whether it keeps parity."""
    import numpy as np

    from core_model.pose.torch_engine.graph import TorchPoseGraph

    reference = TorchPoseGraph(device=device, precision="fp32")
    out = {}
    for precision in precisions:
        if precision == "fp32":
            continue
        graph = TorchPoseGraph(device=device, precision=precision)
        errors, vis, matched, total = [], [], 0, 0
        for frame in frames:
            h, w = frame.shape[:2]
            ref, got = reference.detect([frame], [(0, 0)])[0], graph.detect([frame], [(0, 0)])[0]
            total += len(ref)
            matched += sum(any(_iou(r.box, g.box) >= 0.9 for g in got) for r in ref)
            rois = [d.roi for d in ref]
            if not rois:
                continue
            a, b = reference.landmarks_raw(frame, rois)[0], graph.landmarks_raw(frame, rois)[0]
            sides = np.array([r.side for r in rois])[:, None]
            errors += list((np.hypot((a[..., 0] - b[..., 0]) * w, (a[..., 1] - b[..., 1]) * h) / sides)[:, :33].ravel())
            vis += list(np.abs(a[:, :33, 2:4] - b[:, :33, 2:4]).ravel())
        graph.close()
        median = float(np.median(errors)) if errors else float("nan")
        p95 = float(np.percentile(errors, 95)) if errors else float("nan")
        worst_vis = float(max(vis)) if vis else float("nan")
        keeps = bool(errors) and median <= 0.01 and p95 <= 0.03 and worst_vis <= 0.05 and matched == total
        out[precision] = {"median_error_pct": round(100 * median, 3), "p95_error_pct": round(100 * p95, 3),
                          "max_visibility_diff": round(worst_vis, 4), "detections_matched": f"{matched}/{total}",
                          "keeps_parity": keeps}
        print(f"  {precision} vs fp32: landmarks median {100 * median:.3f} %, p95 {100 * p95:.3f} % of the ROI side, "
              f"visibility <= {worst_vis:.4f}, detections {matched}/{total}: "
              f"{'keeps parity' if keeps else 'NO parity'}", flush=True)
    reference.close()
    return out


def _iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def end_to_end(video: str, label: str, device: str, precision: str, streams_list, chunk: int, repeat: int) -> list:
    """Frames/s of the whole extraction (one process) with ``streams`` chunks batched together."""
    from core_model.pose.parallel import extract_frame_detections

    rows = []
    for streams in streams_list:
        options = {"engine": "torch", "device": device, "precision": precision, "detect": "tiles",
                   "threads": 1 if device == "cpu" else None, "max_people": 0, "streams": streams}
        rates = []
        for _ in range(repeat):
            started = time.perf_counter()
            frames, info = extract_frame_detections(video, options=options, workers=1, chunk_frames=chunk)
            rates.append(info.frame_count / (time.perf_counter() - started))
        rate = statistics.median(rates)
        rows.append({"video": label, "precision": precision, "streams": streams, "frames_per_s": round(rate, 2)})
        print(f"  {label:26s} {precision} {streams:3d} chunks at once: {rate:8.2f} frames/s", flush=True)
    return rows


def analyze_rtf(video: str, device: str, folder: str, window=None) -> dict:
    """``epam analyze VIDEO --pose-engine torch --device DEVICE --no-cache``: video seconds / wall seconds."""
    from core_model.cli import main as cli
    from core_model.video import VideoReader

    with VideoReader(video) as reader:
        seconds = reader.frame_count / float(reader.fps)
    started = time.perf_counter()
    code = cli(["analyze", video, "--pose-engine", "torch", "--device", device, "--no-cache", "-o", folder]
               + (["--window", window] if window else []))
    wall = time.perf_counter() - started
    row = {"video_seconds": round(seconds, 2), "wall_seconds": round(wall, 2), "real_time_factor": round(seconds / wall, 3),
           "exit_code": code}
    print(f"  epam analyze --pose-engine torch --device {device}: {seconds:.1f} s of video in {wall:.1f} s = "
          f"{seconds / wall:.2f}x real time (exit {code})", flush=True)
    return row


def _videos(folder: str, frames: int, people: int):
    from benchmarks.pose_engines import _clip
    from core_model.paths import demo_video
    from core_model.video.crowd import make_crowd_video

    closeup = _clip(str(demo_video()), os.path.join(folder, "closeup.mp4"), frames)
    crowd = os.path.join(folder, "crowd.mp4")
    make_crowd_video(crowd, demo_video(), people=people, frames=frames, seed=0)
    return closeup, crowd


def main(argv=None) -> dict:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help="the CPU self-check: small batches, short videos")
    parser.add_argument("--batches", help="network batch sizes (default 1,2,4,8,16,32,64; --quick 1,2,4)")
    parser.add_argument("--streams", help="chunks batched together end to end (default 1,2,4,8,16,32,64; --quick 1,2)")
    parser.add_argument("--frames", type=int, help="frames of each video (default 500; --quick 24)")
    parser.add_argument("--chunk", type=int, help="chunk length in frames (default 120; --quick 12)")
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-analyze", action="store_true")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    quick = args.quick
    batches = [int(b) for b in (args.batches or ("1,2,4" if quick else "1,2,4,8,16,32,64")).split(",")]
    streams = [int(s) for s in (args.streams or ("1,2" if quick else "1,2,4,8,16,32,64")).split(",")]
    frames = args.frames or (24 if quick else 500)
    chunk = args.chunk or (12 if quick else 120)
    cuda = args.device.startswith("cuda")
    precisions = ["fp32", "fp16", "bf16"] if cuda else ["fp32"]
    os.environ.setdefault("EPAM_CACHE_DIR", tempfile.mkdtemp(prefix="epam-gpu-bench-"))
    folder = tempfile.mkdtemp(prefix="epam-gpu-pose-")
    device_name = torch.cuda.get_device_name(0) if cuda else f"CPU, {os.cpu_count()} cores"
    report = {"device": device_name, "torch": torch.__version__, "load_average_before": os.getloadavg()[0]}
    print(f"device: {device_name}, torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}", flush=True)
    print("networks alone (median of --repeat forwards):")
    report["networks"] = networks(args.device, precisions, batches, args.repeat)
    closeup, crowd = _videos(folder, frames, args.people)
    from core_model.video import VideoReader

    with VideoReader(closeup) as reader:
        sample = [reader[i] for i in range(0, min(frames, reader.frame_count), max(1, frames // 12))]
    print("half precision against fp32 on the close-up's detections:")
    report["parity"] = parity(args.device, precisions, sample)
    kept = ["fp32"] + [p for p, r in report["parity"].items() if r["keeps_parity"]]
    print(f"end to end (one worker, tiles, chunks of {chunk} frames):")
    report["end_to_end"] = []
    for video, label in ((closeup, "close-up 640x272"), (crowd, f"crowd 768x576, {args.people} people")):
        for precision in kept:
            report["end_to_end"] += end_to_end(video, label, args.device, precision, streams, chunk,
                                               1 if quick else args.repeat)
    if not args.skip_analyze:
        print("analysis end to end, nothing cached:")
        report["analyze"] = analyze_rtf(crowd, args.device, os.path.join(folder, "results"), "16" if quick else None)
    report["load_average_after"] = os.getloadavg()[0]
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()

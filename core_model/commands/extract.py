"""``epam extract VIDEO``: multi-person pose extraction to a ``.poses.npz`` file, with a summary."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HELP = "extract tracked multi-person poses (COCO-17) from a video into a .poses.npz file"

EPILOG = """\
output: by default VIDEO_STEM.poses.npz in the current folder (-o to choose). The file is an .npz
with PYSKL names: keypoint (M,T,17,2) pixels, keypoint_score (M,T,17), track_ids (M,),
timestamps (T,) seconds, img_shape (H,W), fps. Absent people are zeros.

Results are cached per video content and settings, so extracting again is instant (--no-cache
to recompute). Workers: the calling process counts as one; default one per CPU core.

--detect: full = whole frames (people larger than about a fifth of the frame; quickest): by default
MediaPipe's legacy way (the detector where nobody is followed, the landmark model on each person's
region from the last frame), or its Tasks PoseLandmarker with --whole-frame tasks; tiles = the person detector also on zoomed tiles of the frame plus the
landmark model per person (people down to about 40 px, e.g. a classroom; about 12-15 ms per
person per frame and a detection pass every 8 frames); auto (default) looks at two frames and picks
tiles when it sees small people the whole frame misses.

--max-people: by default there is no limit (0): the video decides how many people are found, and
the cost grows with the people present. Give N to keep at most N people per frame.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("video", help="the video file")
    p.add_argument("-o", "--output", metavar="OUT.npz", help="pose file to write (default: ./VIDEO_STEM.poses.npz)")
    p.add_argument("--max-people", type=int, default=0, metavar="N",
                   help="at most N people per frame (default 0: no limit, the video decides)")
    p.add_argument("--workers", type=int, default=None, metavar="W", help="processes (default: one per core)")
    p.add_argument("--detect", choices=("auto", "full", "tiles"), default="auto",
                   help="how people are found: auto (default), full (whole frames) or tiles (small people too)")
    p.add_argument("--whole-frame", choices=("roi", "tasks"), default="roi",
                   help="how whole frames are done: roi (default: MediaPipe's legacy way, the landmark model on each "
                        "person's region) or tasks (MediaPipe's Tasks PoseLandmarker)")
    p.add_argument("--delegate", choices=("cpu", "gpu", "auto"), default="cpu",
                   help="MediaPipe delegate (default cpu); gpu/auto fall back to the CPU with a note where no GPU works")
    p.add_argument("--pose-engine", choices=("auto", "mediapipe", "torch"), default="auto",
                   help="mediapipe (its own graphs), torch (the same models in PyTorch, batched, CUDA or CPU) "
                        "or auto (default: torch on a GPU, mediapipe on a CPU)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="device of the torch pose engine (default auto: CUDA when available)")
    p.add_argument("--no-cache", action="store_true", help="recompute even if cached poses exist")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")


def _progress_printer(enabled: bool):
    state = {"last": -1}

    def show(done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        if enabled and percent != state["last"]:
            state["last"] = percent
            sys.stderr.write(f"\rextracting poses: {done}/{total} frames ({percent}%)")
            sys.stderr.flush()

    return show


def summary(poses, seconds: float, output: Path, cached: bool) -> dict:
    """The figures printed after an extraction."""
    import numpy as np

    per_frame = poses.people_per_frame()
    histogram = {str(k): int(v) for k, v in enumerate(np.bincount(per_frame, minlength=1))}
    return {
        "video": str(poses.meta.get("source", "")),
        "output": str(output),
        "frames": poses.num_frames,
        "fps": round(poses.fps, 3),
        "img_shape": list(poses.img_shape),
        "people_per_frame": histogram,
        "frames_with_people": int((per_frame > 0).sum()),
        "tracks": poses.num_people,
        "seconds": round(seconds, 3),
        "frames_per_second": round(poses.num_frames / seconds, 1) if seconds > 0 else None,
        "cached": cached,
        "delegate": poses.meta.get("delegate", "cpu"),
        "detect": poses.meta.get("detect", "full"),
        "engine": poses.meta.get("engine", "mediapipe"),
    }


def run(args) -> int:
    from ..errors import ConfigError
    from ..fileio import check_output_location, check_video_path
    from ..pose import cached_poses, extract_poses

    if args.max_people < 0:
        raise ConfigError("--max-people must be at least 1, or 0 for no limit.")
    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers must be at least 1.")
    video = Path(args.video)
    output = Path(args.output) if args.output else Path.cwd() / f"{video.stem}.poses.npz"
    check_video_path(video)
    if output.is_dir():
        raise ConfigError(f"-o {output} is a folder; give the pose file to write, e.g. {output / video.stem}.poses.npz.")
    check_output_location(output)
    interactive = sys.stderr.isatty() and not args.json
    show = _progress_printer(enabled=interactive)
    started = time.perf_counter()
    engine = {"engine": args.pose_engine, "device": args.device}
    poses = None if args.no_cache else cached_poses(video, max_people=args.max_people, detect=args.detect,
                                                    whole_frame=args.whole_frame, **engine)
    cached = poses is not None
    if poses is None:  # one cache lookup only: extract_poses would hash and load it again
        poses = extract_poses(video, max_people=args.max_people, workers=args.workers, progress=show,
                              use_cache=not args.no_cache, delegate=args.delegate, detect=args.detect,
                              whole_frame=args.whole_frame, **engine)
    if poses.meta.get("delegate_note"):
        sys.stderr.write(f"epam: note: {poses.meta['delegate_note']}\n")
    seconds = time.perf_counter() - started
    if interactive:
        sys.stderr.write("\n")
    poses.meta["source"] = video.name  # the cache is keyed by content: name the video asked for
    poses.save(output)
    info = summary(poses, seconds, output, cached)
    if args.json:
        print(json.dumps(info))
        return 0
    hist = ", ".join(f"{k}: {v}" for k, v in info["people_per_frame"].items())
    print(f"{video.name}: {info['frames']} frames at {info['fps']:g} fps, {info['img_shape'][1]}x{info['img_shape'][0]}")
    print(f"people per frame (count: frames): {hist}")
    print(f"tracks: {info['tracks']}, frames with people: {info['frames_with_people']}, detection: {info['detect']}")
    how = "from cache" if cached else f"{info['frames_per_second']} frames/s"
    print(f"took {info['seconds']:.2f} s ({how}); wrote {output}")
    return 0

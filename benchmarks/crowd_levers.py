"""The crowd (``tiles``) extractor alone on classroom videos, with settings overridden: CPU ms per frame, recall,
duplicates and per-frame counts, to compare levers (pacing of the costly looks) against a base checkout in the
same round. One process, no workers, no tracking: the frames are cut into the chunks 2 workers get (200 + 200 of a
400-frame video, each from a reset extractor); CPU time of this process around ``process`` (MediaPipe's threads
included), so the figure does not depend much on the machine's load. Duplicates are counted before tracking (the
extraction's tracking merges some of them).

    .venv/bin/python benchmarks/crowd_levers.py ROOT [--seeds 0 1 2] [--set MODULE.NAME=VALUE ...] [--tag NAME]

ROOT: the checkout to measure (this one, or a base made with ``git archive``); the videos are made once and kept
in /tmp/epam-crowd-levers. Examples: ``--set core_model.pose.look_pacing.FULL_MAX=4`` (look everywhere every 4th
pass as before), ``core_model.pose.look_pacing.LOST_GAPS=(2,)`` (lost people every other frame as before),
``core_model.pose.tiled_backend.ONE_PER_SPOT=False`` (every tile the gate wants).
"""
import argparse
import importlib
import os
import pickle
import sys
import time

VIDEOS = "/tmp/epam-crowd-levers"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--tag", default="")
    parser.add_argument("--set", nargs="*", default=[])
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.root))
    import numpy as np

    from core_model.pose.parallel import pack
    from core_model.pose.tiled_backend import TiledPoseExtractor
    from core_model.video import VideoReader
    from core_model.video.crowd import score_poses

    for item in args.set:
        name, value = item.split("=")
        module, attr = name.rsplit(".", 1)
        setattr(importlib.import_module(module), attr, eval(value))  # noqa: S307 - a benchmark's own arguments
    os.makedirs(VIDEOS, exist_ok=True)
    extractor = TiledPoseExtractor(max_people=0)
    for seed in args.seeds:
        path, kept = f"{VIDEOS}/classroom{seed}-{args.frames}.mp4", f"{VIDEOS}/truth{seed}-{args.frames}.pkl"
        if not os.path.exists(kept):
            from core_model.paths import demo_video
            from core_model.video.classroom import make_classroom_video
            from core_model.video.crowd import cut_source_people

            truth = make_classroom_video(path, None, cutouts=cut_source_people(demo_video()), people=14,
                                         frames=args.frames, seed=seed)
            with open(kept, "wb") as f:
                pickle.dump(truth, f)
        with open(kept, "rb") as f:
            truth = pickle.load(f)
        frames, before, cpu = [], dict(extractor.stats), 0.0
        with VideoReader(path) as reader:
            for start in range(0, args.frames, args.chunk):
                extractor.reset()
                for idx, frame in reader.iter_frames(start, min(start + args.chunk, args.frames)):
                    begun = time.process_time()
                    found = extractor.process(frame, float(reader.timestamps[idx]))
                    cpu += time.process_time() - begun
                    frames.append(pack(found))
        count, rows = len(frames), max(1, max(len(k) for k, _s in frames))
        keypoint, score = np.zeros((rows, count, 17, 2), np.float32), np.zeros((rows, count, 17), np.float32)
        for t, (k, s) in enumerate(frames):
            keypoint[:len(k), t], score[:len(k), t] = k, s
        scored = score_poses(truth, keypoint, score)
        per_frame = " ".join(f"{k}={(extractor.stats[k] - before.get(k, 0)) / count:.2f}" for k in extractor.stats)
        print(f"{args.tag} seed {seed}: recall {scored.recall:.4f} duplicates {scored.duplicates} false positives "
              f"{scored.false_positives} CPU {1000 * cpu / count:.1f} ms/frame | {per_frame} | load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    extractor.close()


if __name__ == "__main__":
    main()

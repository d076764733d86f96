"""Per-ROI CPU cost of the pose landmark model and per-image cost of the detector: MediaPipe's subgraphs
(PoseLandmarkByRoiCpu, PoseDetectionCpu) against OpenVINO (core_model/pose/openvino_landmarks.py,
openvino_detector.py), same process, same frames and ROIs, interleaved rounds.

The ROIs are the people MediaPipe's detector finds in the tiles of a 768x576 classroom frame (14 people 40-150 px
tall, core_model/video/classroom.py) and in the close-up bikes.mp4. Printed: median CPU ms per ROI of each runtime
(process CPU time, one thread each) and their ratio, the same per detector image (the frame and its tiles), the
start-up of each (PoseGraph made with it, wall clock; OpenVINO's compiled models come from the runtime cache after
the first run) and the load average.

    chrt -r 1 .venv/bin/python benchmarks/openvino_landmarks.py [--rounds 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time


def _frames():
    from core_model.paths import demo_video
    from core_model.video import VideoReader
    from core_model.video.crowd import cut_source_people

    with VideoReader(demo_video()) as reader:
        close = reader[150]
    return close, _classroom_frame(cut_source_people(demo_video()))


def _classroom_frame(cutouts):
    import tempfile

    from core_model.video import VideoReader
    from core_model.video.classroom import make_classroom_video

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "classroom.mp4")
        make_classroom_video(path, None, cutouts=cutouts, people=14, frames=30, seed=0)
        with VideoReader(path) as reader:
            return reader[25]


def _rois(graph, frame):
    from core_model.pose.tiles import tile_layout

    h, w = frame.shape[:2]
    boxes = [(0, 0, w, h)] + tile_layout(w, h)
    found = graph.detect([frame[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes], [(b[0], b[1]) for b in boxes])
    return [d.roi for people in found for d in people], len(boxes)


def _cpu_ms(call, count: int) -> float:
    started = time.process_time()
    call()
    return 1000.0 * (time.process_time() - started) / max(count, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    from core_model.pose.roi_graph import PoseGraph
    from core_model.pose.tiles import tile_layout

    print(f"load average before: {os.getloadavg()}", flush=True)
    started = time.perf_counter()
    subgraph = PoseGraph(runtime="mediapipe")
    made_subgraph = time.perf_counter() - started
    started = time.perf_counter()
    ours = PoseGraph(runtime="openvino")
    made_ours = time.perf_counter() - started
    close, classroom = _frames()
    for name, frame in (("classroom 768x576", classroom), ("close-up 640x272", close)):
        rois, _images = _rois(subgraph, frame)
        h, w = frame.shape[:2]
        boxes = [(0, 0, w, h)] + tile_layout(w, h)
        tiles, offsets = [frame[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes], [(b[0], b[1]) for b in boxes]
        times = {"subgraph": [], "openvino": [], "detector subgraph": [], "detector openvino": []}
        for graph in (subgraph, ours):
            graph.landmarks(frame, rois)  # warm
        for _ in range(args.rounds):
            times["subgraph"].append(_cpu_ms(lambda: subgraph.landmarks(frame, rois), len(rois)))
            times["openvino"].append(_cpu_ms(lambda: ours.landmarks(frame, rois), len(rois)))
            times["detector subgraph"].append(_cpu_ms(lambda: subgraph.detect(tiles, offsets), len(tiles)))
            times["detector openvino"].append(_cpu_ms(lambda: ours.detect(tiles, offsets), len(tiles)))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{name}: {len(rois)} ROIs, median CPU ms per ROI: subgraph {med['subgraph']:.2f}, OpenVINO "
              f"{med['openvino']:.2f} (x{med['subgraph'] / med['openvino']:.2f} less); {len(tiles)} detector images, "
              f"median CPU ms per image: subgraph {med['detector subgraph']:.2f}, OpenVINO {med['detector openvino']:.2f} "
              f"(x{med['detector subgraph'] / med['detector openvino']:.2f} less); load average {os.getloadavg()[0]:.1f}",
              flush=True)
    print(f"start-up (PoseGraph made, wall): with the subgraph {made_subgraph:.2f} s, with OpenVINO {made_ours:.2f} s")
    print(f"load average after: {os.getloadavg()}")
    subgraph.close()
    ours.close()


if __name__ == "__main__":
    main()

"""Whole frames the legacy solution's way (:mod:`core_model.pose.roi_tracking`): the detector where nobody is
followed, the landmark model on each person's ROI from the last frame's smoothed auxiliary landmarks.

- the smoothing equals MediaPipe's own ``PoseLandmarkFiltering`` subgraph (the installed wheel's) step for step;
- on bikes.mp4's cyclist it finds him in the frames MediaPipe's legacy solution does, with joints within a few
  pixels of its joints, and runs the detector only where nobody is followed (and at the discovery passes);
- a second person entering later is found within the discovery interval;
- it is the default of ``detect="full"``; ``whole_frame="tasks"`` runs the Tasks PoseLandmarker, and the two are
  cached apart.

Real video (bikes.mp4), real MediaPipe models.
"""
from __future__ import annotations

import numpy as np
import pytest

from core_model.errors import ConfigError
from core_model.pose.coco import BLAZEPOSE33_TO_COCO17

FIRST, STOP = 104, 130  # the cyclist, seen throughout


@pytest.fixture(scope="module")
def cyclist(bikes_video):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        return [frame for _i, frame in reader.iter_frames(FIRST, STOP)], np.asarray(reader.timestamps[FIRST:STOP])


def _filtering_graph():
    """MediaPipe's ``PoseLandmarkFiltering`` subgraph alone: (image, landmarks, aux, world) in, filtered out."""
    from core_model.pose.mediapipe_light import load_mediapipe

    load_mediapipe()
    from google.protobuf import text_format
    from mediapipe.framework import calculator_pb2
    from mediapipe.python import packet_creator, packet_getter
    from mediapipe.python._framework_bindings import calculator_graph

    config = text_format.Parse("""
        input_stream: "image" input_stream: "lm" input_stream: "aux" input_stream: "world"
        output_stream: "flm" output_stream: "faux"
        node { calculator: "ImagePropertiesCalculator" input_stream: "IMAGE:image" output_stream: "SIZE:size" }
        node { calculator: "PoseLandmarkFiltering" input_side_packet: "ENABLE:enable"
               input_stream: "IMAGE_SIZE:size" input_stream: "NORM_LANDMARKS:lm" input_stream: "AUX_NORM_LANDMARKS:aux"
               input_stream: "WORLD_LANDMARKS:world" output_stream: "FILTERED_NORM_LANDMARKS:flm"
               output_stream: "FILTERED_AUX_NORM_LANDMARKS:faux" output_stream: "FILTERED_WORLD_LANDMARKS:fworld" }
        """, calculator_pb2.CalculatorGraphConfig())
    graph = calculator_graph.CalculatorGraph(graph_config=config)
    out = {"flm": {}, "faux": {}}
    for name in out:
        graph.observe_output_stream(name, lambda _s, p, n=name: out[n].__setitem__(p.timestamp.value,
                                                                                   packet_getter.get_proto(p)))
    graph.start_run({"enable": packet_creator.create_bool(True)})
    return graph, out


def test_the_smoothing_is_mediapipes_pose_landmark_filtering():
    from mediapipe.framework.formats import landmark_pb2
    from mediapipe.python import packet_creator
    from mediapipe.python._framework_bindings import image_frame

    from core_model.pose.landmark_smoothing import PersonSmoother

    graph, out = _filtering_graph()
    width, height = 640, 272
    image = packet_creator.create_image_frame(data=np.zeros((height, width, 3), np.uint8),
                                              image_format=image_frame.ImageFormat.SRGB)
    rng = np.random.default_rng(0)
    base, aux_base = rng.uniform(0.3, 0.7, (33, 2)), np.array([[0.5, 0.6], [0.5, 0.3]])
    smoother = PersonSmoother()
    try:
        for t in range(20):
            us = t * 40000  # (from 0, as a chunk's first frame)
            raw = np.zeros((33, 4), np.float32)
            raw[:, :2] = base + rng.normal(0, 0.01, (33, 2)) + 0.004 * t * (t % 5)  # jitter and jumps
            raw[:, 2:] = rng.uniform(0, 1, (33, 2))
            aux = (aux_base + rng.normal(0, 0.01, (2, 2)) + 0.003 * t).astype(np.float32)
            mark = landmark_pb2.NormalizedLandmark
            packets = {"image": image,
                       "lm": landmark_pb2.NormalizedLandmarkList(landmark=[mark(x=a, y=b, z=0, visibility=c, presence=d)
                                                                          for a, b, c, d in raw]),
                       "aux": landmark_pb2.NormalizedLandmarkList(landmark=[mark(x=a, y=b) for a, b in aux]),
                       "world": landmark_pb2.LandmarkList(landmark=[landmark_pb2.Landmark() for _ in range(33)])}
            for name, value in packets.items():
                packet = value if name == "image" else packet_creator.create_proto(value)
                graph.add_packet_to_input_stream(name, packet.at(us))
            graph.wait_until_idle()
            theirs = np.array([(m.x, m.y, m.visibility) for m in out["flm"][us].landmark])
            theirs_aux = np.array([(m.x, m.y) for m in out["faux"][us].landmark])
            ours, ours_aux = smoother.apply(us, raw, aux, width, height)
            np.testing.assert_allclose(ours[:, :3], theirs, atol=1e-5)
            np.testing.assert_allclose(ours_aux, theirs_aux, atol=1e-5)
            if t > 1:
                assert np.abs(ours[:, :2] - raw[:, :2]).max() > 1e-3  # (it does smooth)
    finally:
        graph.close()


def _legacy(frames):
    import mediapipe as mp

    out = []
    with mp.solutions.pose.Pose(model_complexity=1) as solution:
        for frame in frames:
            found = solution.process(frame).pose_landmarks
            xy = None if found is None else np.array([(m.x, m.y) for m in found.landmark], np.float32)
            out.append(None if xy is None else xy[BLAZEPOSE33_TO_COCO17] * [frame.shape[1], frame.shape[0]])
    return out


def test_the_cyclist_is_followed_as_the_legacy_solution_follows_him(cyclist):
    from core_model.pose.roi_tracking import RoiPoseExtractor

    frames, timestamps = cyclist
    with RoiPoseExtractor(max_people=0) as extractor:
        ours = [extractor.process(frame, float(t)) for frame, t in zip(frames, timestamps)]
        stats = dict(extractor.stats)
    theirs = _legacy(frames)
    assert [len(p) for p in ours] == [int(p is not None) for p in theirs] == [1] * len(frames)
    distance = np.array([np.linalg.norm(p[0].keypoint - ref, axis=1) for p, ref in zip(ours, theirs)])
    print(f"joint distance to the legacy solution: mean {distance.mean():.2f} px, 95th percentile "
          f"{np.percentile(distance, 95):.2f} px; {stats}")
    assert distance.mean() < 3.0 and np.percentile(distance, 95) < 10.0
    # the detector: on the first frame, then at the discovery passes only (the landmark model follows him)
    assert stats["landmark_runs"] == len(frames)
    assert stats["detector_runs"] <= 1 + len(frames) // extractor.discovery_interval


def test_one_person_at_most_runs_no_discovery_pass(cyclist):
    from core_model.pose.roi_tracking import RoiPoseExtractor

    frames, timestamps = cyclist
    with RoiPoseExtractor(max_people=1) as extractor:
        found = [len(extractor.process(frame, float(t))) for frame, t in zip(frames, timestamps)]
        assert found == [1] * len(frames) and extractor.stats["detector_runs"] == 1


def test_a_person_entering_later_is_found_within_the_discovery_interval(cyclist):
    from core_model.pose.roi_tracking import RoiPoseExtractor

    frames, timestamps = cyclist
    enters, height = 4, frames[0].shape[0]
    stacked = [np.vstack([frames[t], frames[t - enters] if t >= enters else np.zeros_like(frames[t])])
               for t in range(len(frames))]
    with RoiPoseExtractor(max_people=0) as extractor:
        lower = [any(d.keypoint[:, 1].mean() >= height for d in extractor.process(frame, float(t)))
                 for frame, t in zip(stacked, timestamps)]
        interval = extractor.discovery_interval
    first = lower.index(True)
    assert not any(lower[:enters]) and first <= enters + interval and all(lower[first:])


def test_whole_frames_go_the_roi_way_by_default_and_the_tasks_way_is_cached_apart(bikes_video, tmp_path):
    from core_model.pose import cached_poses, extract_poses
    from core_model.video import write_clip

    clip = tmp_path / "cyclist.mp4"
    assert write_clip(bikes_video, FIRST, FIRST + 12, clip) == 12
    roi = extract_poses(clip, workers=1, detect="full")
    assert roi.meta["whole_frame"] == "roi" and (roi.people_per_frame() == 1).all()
    assert cached_poses(clip, detect="full", whole_frame="tasks") is None  # never the other path's poses
    tasks = extract_poses(clip, workers=1, detect="full", whole_frame="tasks")
    assert tasks.meta["whole_frame"] == "tasks" and (tasks.people_per_frame() == 1).all()
    assert cached_poses(clip, detect="full").meta["whole_frame"] == "roi"
    assert cached_poses(clip, detect="full", whole_frame="tasks").meta["whole_frame"] == "tasks"
    # the same person either way
    assert np.abs(roi.keypoint[0] - tasks.keypoint[0]).mean() < 5.0
    with pytest.raises(ConfigError, match="whole-frame path"):
        extract_poses(clip, workers=1, whole_frame="legacy")


def test_a_reset_gives_a_fresh_extractors_poses(cyclist):
    from core_model.pose.parallel import pack
    from core_model.pose.roi_tracking import RoiPoseExtractor

    frames, timestamps = cyclist
    with RoiPoseExtractor(max_people=0) as extractor:
        first = [pack(extractor.process(f, float(t))) for f, t in zip(frames[:12], timestamps[:12])]
        extractor.reset()  # (a chunk's poses must not depend on what the worker did before)
        again = [pack(extractor.process(f, float(t))) for f, t in zip(frames[:12], timestamps[:12])]
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(first, again))


def test_the_detector_a_frame_ahead_gives_the_same_poses(bikes_video):
    """Where nobody is followed the helper thread runs the detector on the next frame; the poses are those of the
    extractor fed frame by frame (bikes.mp4 130-160: the cyclist leaves, then a street with nobody on most frames)."""
    from core_model.pose.parallel import pack
    from core_model.pose.roi_tracking import RoiPoseExtractor
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        frames, timestamps = list(reader.iter_frames(130, 160)), np.asarray(reader.timestamps)
    with RoiPoseExtractor(max_people=0) as extractor:
        plain = [pack(extractor.process(f, float(timestamps[i]))) for i, f in frames]
        assert extractor.stats["ahead"] == 0
        runs = []
        for _ in range(2):  # (the first run makes the helper's detector; the second finds it made)
            extractor.reset()
            runs.append([pack(extractor.process(f, float(timestamps[i])))
                         for i, f in extractor.look_ahead(iter(frames), timestamps)])
        assert extractor.stats["ahead_used"] >= 3
    for run in runs:
        assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(plain, run))


def test_epam_extract_chooses_the_tasks_way_with_whole_frame_tasks(bikes_video, tmp_path, capsys):
    from core_model.cli import main
    from core_model.pose import cached_poses
    from core_model.video import write_clip

    clip = tmp_path / "cyclist.mp4"
    assert write_clip(bikes_video, FIRST, FIRST + 8, clip) == 8
    assert main(["extract", str(clip), "-o", str(tmp_path / "p.npz"), "--detect", "full", "--whole-frame", "tasks",
                 "--workers", "1", "--json"]) == 0
    assert cached_poses(clip, detect="full", whole_frame="tasks").meta["whole_frame"] == "tasks"
    assert cached_poses(clip, detect="full") is None  # (the default, roi, was not run)

"""The torch pose engine batched: one forward for all tiles / all people of a frame, and chunks of a
video (several streams) stacked into one forward per step, with the same results as one at a time."""
from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch

from core_model.pose.parallel import extract_frame_detections
from tests.core_model.test_pose_torch_engine import _write_clip


@pytest.fixture(scope="module")
def clip(bikes_video, tmp_path_factory):
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        return _write_clip(tmp_path_factory.mktemp("batching") / "clip.mp4", [reader[i] for i in range(104, 128)])


@pytest.fixture(scope="module")
def graph():
    from core_model.pose.torch_engine.graph import TorchPoseGraph

    shared = TorchPoseGraph(device="cpu", threads=1)
    yield shared
    shared.close()


@contextlib.contextmanager
def forwards():
    """The batch size of every forward of the pose networks (TFLiteNet) while inside."""
    from core_model.pose.torch_engine.interpreter import TFLiteNet

    sizes = {"detector": [], "landmarks": []}

    def hook(module, args, _out):
        if isinstance(module, TFLiteNet):
            sizes["detector" if args[0].shape[1] == 224 else "landmarks"].append(int(args[0].shape[0]))

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        yield sizes
    finally:
        handle.remove()


def test_all_tiles_and_all_people_of_a_frame_go_through_one_forward(bikes_video, graph):
    from core_model.pose.tiles import tile_layout
    from core_model.pose.torch_engine.backend import create_torch_extractor
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:
        frame = reader[120]
    extractor = create_torch_extractor(0, detect="tiles", device="cpu", graph=graph)
    with forwards() as sizes:
        people = extractor.process(frame, 0.0)  # a first frame: the detection pass, then landmarks of those found
    assert sizes["detector"] == [1 + len(tile_layout(640, 272))]  # the frame and its 12 tiles: one forward
    assert len(people) >= 1 and sizes["landmarks"] == [extractor.stats["landmark_runs"]]


def test_a_failing_stream_stops_the_others_with_its_error(clip, graph):
    import multiprocessing as mp
    import threading

    from core_model.pose.scheduling import RangeTable
    from core_model.pose.parallel import _run_one_range
    from core_model.pose.torch_engine.batching import Source, run_sources

    def emit(batch, advanced, continuation):
        raise OSError("No space left on device")

    table = RangeTable(mp.get_context("spawn"), 24, chunk_frames=4)
    options = {"device": "cpu", "detect": "full", "threads": 1, "max_people": 0}
    with pytest.raises(OSError, match="No space"):
        run_sources([Source(str(clip), table, emit, 10)], options, 3, lambda: False, graph=graph,
                    run_range=_run_one_range)
    assert not [t for t in threading.enumerate() if t.name.startswith("epam-pose-stream")]


def test_chunks_and_videos_batched_together_give_the_results_of_one_at_a_time(clip, bikes_video, tmp_path):
    from core_model.pose.torch_engine.multi_video import detect_videos
    from core_model.video import VideoReader

    with VideoReader(bikes_video) as reader:  # another video of another size: warped on its own, same forward
        other = _write_clip(tmp_path / "other.mp4", [reader[i][:256, :592] for i in range(118, 130)])
    options = {"engine": "torch", "device": "cpu", "detect": "full", "threads": 1, "max_people": 0}
    # chunks of 12 frames, continuations of 10 (as in production, no continuation reaches past the next chunk)
    run = dict(chunk_frames=12, overlap_seconds=0.4)
    with forwards() as alone_sizes:
        alone = [extract_frame_detections(str(path), options=options, workers=1, **run) for path in (clip, other)]
    with forwards() as batched_sizes:  # the clip's two chunks and the other video: three streams
        batched = detect_videos([clip, other], options, 3, **run)
    assert max(batched_sizes["landmarks"]) == 3 and max(alone_sizes["landmarks"]) == 1
    assert len(batched_sizes["landmarks"]) < 0.6 * len(alone_sizes["landmarks"])
    assert sum(batched_sizes["landmarks"]) == sum(alone_sizes["landmarks"])
    for (frames, info), (ref, ref_info) in zip(batched, alone):
        assert info.img_shape == ref_info.img_shape and sum(len(f[0]) for f in ref) >= 10
        for a, b in zip(ref, frames):
            assert len(a[0]) == len(b[0])
            np.testing.assert_allclose(b[0], a[0], atol=0.01)  # pixels
            np.testing.assert_allclose(b[1], a[1], atol=1e-3)

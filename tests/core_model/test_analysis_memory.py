"""Memory of an analysis on a CPU: one window per forward, no stacked copy of a batch of one.

The figures come from benchmarks/analysis_memory.py (peak RSS medians); these tests pin the choices.
"""
from __future__ import annotations

import numpy as np

from core_model.analysis.runner import _stacked
from core_model.analysis.settings import AnalysisSettings


def test_cpu_batches_hold_one_window(one_torch_thread):
    assert AnalysisSettings().batch_for("cpu") == 1  # two with 2 threads or more (test_analysis_cpu_batch.py)
    assert AnalysisSettings().batch_for("cuda") == 16
    assert AnalysisSettings(batch_size=3).batch_for("cpu") == 3


def test_a_batch_of_one_is_not_copied():
    a = np.zeros((3, 16, 8, 8), np.float32)
    single = _stacked([a])
    assert single.shape == (1, 3, 16, 8, 8) and np.shares_memory(single, a)
    pair = _stacked([a, a + 1])
    assert pair.shape == (2, 3, 16, 8, 8) and pair[1, 0, 0, 0, 0] == 1


def test_window_inputs_hold_no_full_frames(tmp_path):
    """Each frame is cropped for its windows as it is decoded and dropped (a 4000x3000 frame is 36 MB)."""
    import weakref

    from core_model.analysis.inputs import StageClock, iter_window_inputs
    from core_model.analysis.windows import plan_windows, window_bounds
    from core_model.pose.format import Poses
    from core_model.preprocess import DEFAULT, build_inputs
    from core_model.video import VideoReader
    from core_model.video.synthetic import write_stick_figure_video

    path = tmp_path / "v.mp4"
    kp = write_stick_figure_video(path, people=2, frames=120, size=(160, 120))
    poses = Poses(kp, np.ones(kp.shape[:3], np.float32), [0, 1], np.arange(120) / 25.0, (120, 160), 25.0)
    jobs = plan_windows(window_bounds(120, 50, 20), poses.keypoint_score, poses.track_ids, per_person=True)
    alive, most = [0], [0]

    class CountingReader(VideoReader):
        def get_frame(self, index):
            frame = np.array(super().get_frame(index))  # a copy: the reader's own cache does not count

            def gone():
                alive[0] -= 1

            alive[0] += 1
            most[0] = max(most[0], alive[0])
            weakref.finalize(frame, gone)
            return frame

    with CountingReader(path, cache_frames=1) as reader:
        built = list(iter_window_inputs(reader, poses, jobs, DEFAULT, StageClock()))
        assert len(built) == len(jobs) > 4
        assert most[0] <= 2  # the frame being cropped (and at most one not yet collected)
        # the same inputs as building each window from full frames
        for item in built[:3]:
            rows = slice(item.job.person_index, item.job.person_index + 1)
            ref = build_inputs(poses.keypoint[rows], poses.keypoint_score[rows], poses.img_shape,
                               reader.get_frames, item.job.start, item.job.end)
            np.testing.assert_array_equal(item.rgb, ref.rgb)
            np.testing.assert_array_equal(item.heatmaps, ref.heatmaps)

"""Model inputs of each window: sampled frames, person-centric box, heatmaps and RGB clip.

The RGB frames of all windows are read in increasing order (one forward pass over the video,
only the needed frames converted to RGB). Each window's frames and crop box are planned before
reading, so every frame is cropped and resized for the windows that use it as soon as it is
decoded and then dropped: memory holds the small crops (224 x 224) of the windows in flight, never
full frames (a 4000 x 3000 frame is 36 MB). A window is handed on when its last frame is read.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import PoseError
from .windows import WindowJob


@dataclass
class WindowInputs:
    """One window ready for the network (arrays in the layout EPAM-Net takes, no batch axis)."""

    job: WindowJob
    pose_frames: np.ndarray  # (48,) source frame indices
    rgb_frames: np.ndarray  # (16,) source frame indices = pose_frames[::3]
    box: np.ndarray  # (4,) x0, y0, x1, y1 in source pixels
    heatmaps: np.ndarray  # (17, 48, 56, 56) float32
    rgb: np.ndarray  # (3, 16, 224, 224) float32, normalized


def person_rows(job: WindowJob, num_people: int) -> slice:
    """Rows of ``Poses.keypoint`` a job looks at (one person, or everybody) as a slice: a view, no copy."""
    return slice(0, num_people) if job.person_index is None else slice(job.person_index, job.person_index + 1)


def heatmap_for_frame(poses, frame: int, box, person: Optional[int] = None) -> np.ndarray:
    """(17, 56, 56) pose heatmap of one source frame inside ``box`` (``person`` = track id or everybody)."""
    from ..preprocess import heatmap_volume

    if person is None or person < 0:
        rows = np.arange(poses.num_people)
    else:
        rows = np.nonzero(np.asarray(poses.track_ids) == person)[0]
        if len(rows) == 0:
            raise PoseError(f"There is no person with track id {person} in the poses.")
    kp = poses.keypoint[rows, frame : frame + 1]  # pick the frame first: no copy of the whole video
    score = poses.keypoint_score[rows, frame : frame + 1]
    return heatmap_volume(kp, score, np.asarray(box, np.float32))[:, 0]


class StageClock:
    """Accumulates wall seconds per stage (decode, pose, preprocess, model, ...)."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = {}

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def timed(self, stage: str):
        clock = self

        class _Timer:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                clock.add(stage, time.perf_counter() - self.t0)

        return _Timer()


def iter_window_inputs(
    reader,
    poses,
    jobs: Sequence[WindowJob],
    normalization,
    clock: StageClock,
    spec=None,
) -> Iterator[WindowInputs]:
    """Yield the inputs of every job, in job order, from one sequential decode of the video.

    ``spec`` (:class:`core_model.preprocess.spec.InputSpec`, default the paper's) gives the clip
    lengths and crop sizes the model was trained with.
    """
    from ..preprocess import build_inputs
    from ..preprocess.inputs import window_box
    from ..preprocess.rgb import crop_resize
    from ..preprocess.sampling import window_frames
    from ..preprocess.spec import InputSpec

    spec = spec if spec is not None else InputSpec()
    plans: List[Optional[_Plan]] = []
    for job in jobs:  # sampled once: the reads are planned with the frames build_inputs is given
        pose_frames, rgb_frames = window_frames(job.start, job.end, spec.pose_frames, spec.rgb_frames)
        rows = person_rows(job, poses.num_people)
        box = window_box(poses.keypoint[rows], poses.keypoint_score[rows], poses.img_shape, pose_frames)
        plans.append(_Plan(job, pose_frames, rgb_frames, box))
    if not plans:
        return
    uses: Dict[int, List[Tuple[int, int]]] = {}  # frame -> (plan, position in its RGB frames) still to fill
    for p, plan in enumerate(plans):
        for k, f in enumerate(plan.rgb_frames.tolist()):
            uses.setdefault(f, []).append((p, k))
    next_plan = 0
    for index in sorted(uses):  # the reader decodes forward and converts only the frames asked for
        decode_t0 = time.perf_counter()
        frame = reader.get_frame(index)
        clock.add("decode", time.perf_counter() - decode_t0)
        with clock.timed("preprocess"):
            for p, k in uses.pop(index):
                plan = plans[p]
                if plan.crops is None:
                    plan.crops = np.empty((len(plan.rgb_frames), spec.rgb_size, spec.rgb_size, 3), np.uint8)
                plan.crops[k] = crop_resize(frame, plan.box, spec.rgb_size)
        del frame
        # hand on every job whose frames are all read
        while next_plan < len(plans) and int(plans[next_plan].rgb_frames.max()) <= index:
            plan, plans[next_plan] = plans[next_plan], None  # its crops are freed once handed on
            rows = person_rows(plan.job, poses.num_people)
            with clock.timed("preprocess"):
                built = build_inputs(poses.keypoint[rows], poses.keypoint_score[rows], poses.img_shape, None,
                                     plan.job.start, plan.job.end, normalization=normalization,
                                     pose_len=spec.pose_frames, rgb_len=spec.rgb_frames, rgb_size=spec.rgb_size,
                                     heatmap_size=spec.heatmap_size, pose_frames=plan.pose_frames, box=plan.box,
                                     crops=plan.crops)
            next_plan += 1
            yield WindowInputs(plan.job, built.pose_frames, built.rgb_frames, np.asarray(built.box, np.float32),
                               np.asarray(built.heatmaps, np.float32), np.asarray(built.rgb, np.float32))


@dataclass
class _Plan:
    """A window whose frames are being read: its sampled frames, crop box and the crops made so far."""

    job: WindowJob
    pose_frames: np.ndarray
    rgb_frames: np.ndarray
    box: tuple
    crops: Optional[np.ndarray] = None

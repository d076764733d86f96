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
    """One window ready for the network: the arrays of the kinds the model takes (no batch axis)."""

    job: WindowJob
    pose_frames: np.ndarray  # (T_pose,) source frame indices
    rgb_frames: np.ndarray  # (T_rgb,) source frame indices = pose_frames[::k]
    box: np.ndarray  # (4,) x0, y0, x1, y1 in source pixels
    arrays: Dict[str, np.ndarray]  # kind -> array, e.g. "rgb" (3, 16, 224, 224), "heatmaps" (17, 48, 56, 56)

    @property
    def rgb(self) -> Optional[np.ndarray]:
        return self.arrays.get("rgb")

    @property
    def heatmaps(self) -> Optional[np.ndarray]:
        return self.arrays.get("heatmaps")


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
    *,
    kinds: Sequence[str] = ("rgb", "heatmaps"),
    sizes=None,
) -> Iterator[WindowInputs]:
    """Yield the inputs of every job, in job order, from one sequential decode of the video.

    ``kinds``: the inputs the model takes (its registry entry's ``inputs``; only those are made).
    ``sizes`` (:class:`core_model.preprocess.kinds.InputSizes`) default to ``spec``
    (:class:`core_model.preprocess.spec.InputSpec`, default the paper's): the clip lengths and crop sizes
    the model was trained with.
    """
    from ..preprocess.inputs import window_box
    from ..preprocess.kinds import InputSizes, WindowSource, build_all, builders_for, crop_frame_for, frame_boxes
    from ..preprocess.sampling import window_frames

    sizes = sizes if sizes is not None else InputSizes.of(None, spec)
    builders = builders_for(kinds)
    plans: List[Optional[_Plan]] = []
    for job in jobs:  # sampled once: the reads are planned with the frames the builders are given
        pose_frames, rgb_frames = window_frames(job.start, job.end, sizes.pose_frames, sizes.rgb_frames)
        rows = person_rows(job, poses.num_people)
        box = window_box(poses.keypoint[rows], poses.keypoint_score[rows], poses.img_shape, pose_frames)
        source = WindowSource(poses.keypoint[rows], poses.keypoint_score[rows], poses.img_shape, pose_frames,
                              rgb_frames, box)
        plans.append(_Plan(job, source, frame_boxes(builders, source, sizes)))
    if not plans:
        return
    uses: Dict[int, List[Tuple[int, int]]] = {}  # frame -> (plan, position in its RGB frames) still to fill
    for p, plan in enumerate(plans):
        if plan.boxes:  # a model that reads no pixels decodes nothing
            for k, f in enumerate(plan.source.rgb_frames.tolist()):
                uses.setdefault(f, []).append((p, k))
    next_plan = 0
    for index in sorted(uses) + [None]:  # the reader decodes forward and converts only the frames asked for
        if index is not None:
            decode_t0 = time.perf_counter()
            frame = reader.get_frame(index)
            clock.add("decode", time.perf_counter() - decode_t0)
            with clock.timed("preprocess"):
                for p, k in uses.pop(index):
                    plan = plans[p]
                    crop_frame_for(builders, plan.source, sizes, plan.boxes, frame, k)
            del frame
        # hand on every job whose frames are all read
        while next_plan < len(plans) and (index is None or plans[next_plan].read_by(index)):
            plan, plans[next_plan] = plans[next_plan], None  # its crops are freed once handed on
            with clock.timed("preprocess"):
                arrays = build_all(builders, plan.source, sizes, normalization)
            next_plan += 1
            yield WindowInputs(plan.job, plan.source.pose_frames, plan.source.rgb_frames,
                               np.asarray(plan.source.box, np.float32), arrays)


@dataclass
class _Plan:
    """A window whose frames are being read: what its builders read (crops made so far) and the boxes to crop."""

    job: WindowJob
    source: object  # core_model.preprocess.kinds.WindowSource
    boxes: Dict[str, np.ndarray]  # kind -> (T_rgb, P, 4)

    def read_by(self, index: int) -> bool:
        """All the frames this window crops are read once frame ``index`` is."""
        return bool(self.boxes) and int(self.source.rgb_frames.max()) <= index

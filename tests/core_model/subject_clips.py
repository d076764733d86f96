"""Short real clips of the same people in two videos, for the subject suggestion tests (not a test module).

The person is the real cyclist of bikes.mp4 cut out (:func:`core_model.video.crowd.cut_source_people`) with their
clothes dyed one colour per person (:mod:`core_model.video.classroom`'s dye), pasted on a generated background;
the poses are the pasted bodies' boxes with COCO joints laid out in them (what a pose extractor would give)."""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from core_model.pose.format import Poses
from core_model.video.classroom import _recolour
from core_model.video.crowd import Cutout, Walker, _background, _paste, cut_source_people
from core_model.video.encoding import encode_frames

#: COCO-17 joints in a unit body box (x, y)
UNIT = np.array([(.5, .05), (.55, .03), (.45, .03), (.6, .05), (.4, .05), (.7, .2), (.3, .2), (.78, .37), (.22, .37),
                 (.8, .5), (.2, .5), (.62, .52), (.38, .52), (.62, .76), (.38, .76), (.62, .98), (.38, .98)],
                np.float32)
RED, BLUE, YELLOW = 0, 110, 30  # OpenCV hues of the dyed clothes
#: (hue, x, y, height, mirrored, track id) of the people in clip A and clip B: the same red and blue people,
#: elsewhere and at other sizes, with other track ids; a yellow newcomer in B
CLIP_A = [(RED, 40, 40, 180, False, 0), (BLUE, 260, 50, 170, False, 1)]
CLIP_B = [(BLUE, 30, 60, 150, True, 10), (RED, 200, 40, 190, True, 11), (YELLOW, 330, 50, 160, False, 12)]


@functools.lru_cache(maxsize=2)
def source_cutouts(bikes_video):
    """The cyclist cut out of 6 frames (MediaPipe finds them; done once per test session)."""
    return cut_source_people(bikes_video, frames=(108, 114))


def write_clip(path: Path, cuts, people, frames: int = 12, size=(480, 270), seed: int = 0) -> Poses:
    """Write the clip (H.264) and return its poses (track ids as given)."""
    dyed = [[Cutout(_recolour(c, hue, 1.0), c.alpha, c.body) for c in cuts] for hue, *_ in people]
    background = _background(size, seed)
    kp = np.zeros((len(people), frames, 17, 2), np.float32)
    images = []
    for f in range(frames):
        frame = background.copy()
        owner = np.full(frame.shape[:2], -1, np.int32)
        for i, (_hue, x, y, h, mirror, _tid) in enumerate(people):
            box, _ = _paste(frame, owner, dyed[i][f % len(cuts)], Walker(h, (x + 2 * f, y), (x + 2 * f, y), mirror, 0),
                            0.0, i)
            kp[i, f] = box[:2] + UNIT * (box[2:] - box[:2])
        images.append(frame)
    encode_frames(path, images, fps=25.0, options={"crf": "18"})
    return Poses(kp, np.ones(kp.shape[:3], np.float32), [p[5] for p in people], np.arange(frames) / 25.0,
                 (size[1], size[0]), 25.0)


def study_clips(folder: Path, bikes_video):
    """Clip A and clip B in ``folder`` and their poses: ``(a.mp4, poses A, b.mp4, poses B)``."""
    folder.mkdir(parents=True, exist_ok=True)
    cuts = source_cutouts(bikes_video)
    a, b = folder / "lesson1.mp4", folder / "lesson2.mp4"
    return a, write_clip(a, cuts, CLIP_A), b, write_clip(b, cuts, CLIP_B, seed=5)

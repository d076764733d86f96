"""Training and validation clips: the analysis input pipeline, with PYSKL's training randomness.

Validation clips are built exactly as analysis builds a window (``core_model.preprocess.build_inputs``,
test-mode sampling). Training clips add, per clip and epoch (seeded, so a resumed run draws the same):
random uniform sampling (PYSKL ``UniformSampleFrames``), a random resized crop of the compact
person box (``RandomResizedCrop``), and a horizontal flip that mirrors the RGB frames and the
heatmaps together, swapping left and right joints (``Flip``).
"""
from __future__ import annotations

import math
import signal
import sys
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..preprocess.normalization import DEFAULT, Normalization
from ..preprocess.spec import InputSpec
from .data import ClipItem


@dataclass(frozen=True)
class Augment:
    """PYSKL training randomness: crop area and aspect ranges, flip probability."""

    area_range: Tuple[float, float] = (0.56, 1.0)
    aspect_range: Tuple[float, float] = (0.75, 4 / 3)
    flip: float = 0.5


def random_resized_crop(box, rng: np.random.Generator, area_range=(0.56, 1.0), aspect_range=(0.75, 4 / 3),
                        max_attempts: int = 10):
    """A random sub-box of ``box`` (x0, y0, x1, y1), PYSKL ``RandomResizedCrop`` (centre crop fallback)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    ratios = np.exp(rng.uniform(math.log(aspect_range[0]), math.log(aspect_range[1]), size=max_attempts))
    areas = rng.uniform(area_range[0], area_range[1], size=max_attempts) * w * h
    crop_w = np.round(np.sqrt(areas * ratios))
    crop_h = np.round(np.sqrt(areas / ratios))
    for cw, ch in zip(crop_w, crop_h):
        if 1 <= cw <= w and 1 <= ch <= h:
            ox, oy = rng.uniform(0, w - cw), rng.uniform(0, h - ch)
            return (int(round(x0 + ox)), int(round(y0 + oy)), int(round(x0 + ox + cw)), int(round(y0 + oy + ch)))
    side = min(w, h)
    ox, oy = (w - side) / 2, (h - side) / 2
    return (int(x0 + ox), int(y0 + oy), int(x0 + ox + side), int(y0 + oy + side))


def training_clip(keypoint, score, img_shape, frames_fn, num_frames: int, spec: InputSpec, rng, augment: Augment,
                  *, normalization: Normalization = DEFAULT, want_rgb: bool = True, want_pose: bool = True):
    """(rgb (3,T,S,S) | None, heatmaps (17,T',s,s) | None, pose frame indices) of one randomized clip."""
    from ..preprocess.kinds import InputSizes

    kinds = (("rgb",) if want_rgb else ()) + (("heatmaps",) if want_pose else ())
    arrays, pose_frames = training_inputs(keypoint, score, img_shape, frames_fn, num_frames, InputSizes.of(None, spec),
                                          rng, augment, kinds, normalization=normalization)
    return arrays.get("rgb"), arrays.get("heatmaps"), pose_frames


def training_inputs(keypoint, score, img_shape, frames_fn, num_frames: int, sizes, rng, augment: Augment,
                    kinds, *, normalization: Normalization = DEFAULT):
    """({kind: array} of one randomized clip, pose frame indices): the model's inputs ``kinds`` only.

    One random draw for every kind (sampling, crop, flip), so RGB, heatmaps, keypoints and part crops
    of a clip agree; pixels are read only for the kinds that need them (``frames_fn`` may then be None).
    """
    from ..preprocess import compact_box, rgb_from_pose, uniform_sample
    from ..preprocess.kinds import WindowSource, build_all, builders_for, crop_frame_for, frame_boxes

    pose_frames = uniform_sample(num_frames, sizes.pose_frames, train=True, rng=rng)
    rgb_frames = rgb_from_pose(pose_frames, sizes.rgb_frames)
    box = compact_box(keypoint[:, pose_frames], img_shape, score=score[:, pose_frames])
    box = random_resized_crop(box, rng, augment.area_range, augment.aspect_range)
    flip = bool(rng.random() < augment.flip)
    builders = builders_for(kinds)
    source = WindowSource(keypoint, score, img_shape, pose_frames, rgb_frames, box, flip)
    boxes = frame_boxes(builders, source, sizes)
    if boxes:
        frames = np.asarray(frames_fn(rgb_frames))
        for k in range(len(rgb_frames)):
            crop_frame_for(builders, source, sizes, boxes, frames[k], k)
    return build_all(builders, source, sizes, normalization), pose_frames


class ClipDataset(torch.utils.data.Dataset):
    """Map-style dataset over :class:`ClipItem` s; keys are ``(index, epoch)`` (training) or ``index``.

    Returns ``(rgb, heatmaps, label)``; a stream the phase does not use is an empty tensor, so its
    input is never decoded or drawn. Training randomness is drawn from ``default_rng([seed, epoch,
    index])``: the same clip at the same epoch is the same in every process and after a resume.
    """

    def __init__(self, items: Sequence[ClipItem], spec: InputSpec, *, train: bool, seed: int = 0,
                 augment: Augment = Augment(), normalization: Normalization = DEFAULT, want_rgb: bool = True,
                 want_pose: bool = True, kinds: Optional[Sequence[str]] = None, sizes=None) -> None:
        from ..preprocess.kinds import InputSizes

        self.items: List[ClipItem] = list(items)
        self.spec, self.train, self.seed, self.augment = spec, train, int(seed), augment
        self.normalization, self.want_rgb, self.want_pose = normalization, want_rgb, want_pose
        #: the model's input kinds: items are then ({kind: tensor}, label); None: (rgb, heatmaps, label)
        self.kinds = tuple(kinds) if kinds is not None else None
        self.sizes = sizes if sizes is not None else InputSizes.of(None, spec)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key):
        if self.kinds is not None:
            return self._inputs(key)
        index, epoch = (int(key[0]), int(key[1])) if isinstance(key, (tuple, list)) else (int(key), 0)
        item = self.items[index]
        keypoint, score, img_shape = item.load_poses()
        reader = None
        try:
            num_frames = keypoint.shape[1]
            if self.want_rgb and item.video is not None:
                from ..video import VideoReader

                reader = VideoReader(item.video)
                num_frames = min(num_frames, reader.frame_count)
            frames_fn = (lambda idx: reader.get_frames([int(i) for i in idx])) if reader is not None else None
            if self.train:
                rng = np.random.default_rng([self.seed, epoch, index])
                rgb, heat, _ = training_clip(keypoint, score, img_shape, frames_fn, num_frames, self.spec, rng,
                                             self.augment, normalization=self.normalization,
                                             want_rgb=reader is not None, want_pose=self.want_pose)
            else:
                rgb, heat = self._test_clip(keypoint, score, img_shape, frames_fn, num_frames)
        finally:
            if reader is not None:
                reader.close()
        empty = torch.zeros(0)
        return (empty if rgb is None else torch.from_numpy(np.ascontiguousarray(rgb)),
                empty if heat is None or not self.want_pose else torch.from_numpy(np.ascontiguousarray(heat)),
                item.label)

    def _inputs(self, key):
        """``({kind: tensor}, label)``: the inputs the model takes, training or test sampling."""
        from ..preprocess.kinds import BUILDERS

        index, epoch = (int(key[0]), int(key[1])) if isinstance(key, (tuple, list)) else (int(key), 0)
        item = self.items[index]
        keypoint, score, img_shape = item.load_poses()
        reads_pixels = any(BUILDERS[k].frame_boxes is not None for k in self.kinds)
        reader = None
        try:
            num_frames = keypoint.shape[1]
            if reads_pixels and item.video is not None:
                from ..video import VideoReader

                reader = VideoReader(item.video)
                num_frames = min(num_frames, reader.frame_count)
            frames_fn = (lambda idx: reader.get_frames([int(i) for i in idx])) if reader is not None else \
                _no_frames(img_shape)
            arrays = self._arrays(keypoint[:, :num_frames], score[:, :num_frames], img_shape, frames_fn, num_frames,
                                  index, epoch)
        finally:
            if reader is not None:
                reader.close()
        return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}, item.label

    def _arrays(self, keypoint, score, img_shape, frames_fn, num_frames, index, epoch):
        if self.train:
            rng = np.random.default_rng([self.seed, epoch, index])
            return training_inputs(keypoint, score, img_shape, frames_fn, num_frames, self.sizes, rng, self.augment,
                                   self.kinds, normalization=self.normalization)[0]
        from ..preprocess.kinds import WindowSource, build_all, builders_for, crop_frame_for, frame_boxes
        from ..preprocess.inputs import window_box
        from ..preprocess.sampling import window_frames

        pose_frames, rgb_frames = window_frames(0, num_frames, self.sizes.pose_frames, self.sizes.rgb_frames)
        box = window_box(keypoint, score, img_shape, pose_frames)  # as analysis builds a window
        builders = builders_for(self.kinds)
        source = WindowSource(keypoint, score, img_shape, pose_frames, rgb_frames, box)
        boxes = frame_boxes(builders, source, self.sizes)
        if boxes:
            frames = np.asarray(frames_fn(rgb_frames))
            for k in range(len(rgb_frames)):
                crop_frame_for(builders, source, self.sizes, boxes, frames[k], k)
        return build_all(builders, source, self.sizes, self.normalization)

    def _test_clip(self, keypoint, score, img_shape, frames_fn, num_frames):
        from ..preprocess import build_inputs

        s = self.spec
        built = build_inputs(keypoint[:, :num_frames], score[:, :num_frames], img_shape,
                             frames_fn if frames_fn is not None else _no_frames(img_shape), 0, num_frames,
                             normalization=self.normalization, pose_len=s.pose_frames, rgb_len=s.rgb_frames,
                             rgb_size=s.rgb_size if frames_fn is not None else 1, heatmap_size=s.heatmap_size)
        return (built.rgb if frames_fn is not None else None), built.heatmaps


def _no_frames(img_shape):
    """Stand-in frames for pose-only clips (a 1 px RGB crop nobody uses)."""
    h, w = int(img_shape[0]), int(img_shape[1])
    return lambda idx: np.zeros((len(idx), max(h, 1), max(w, 1), 3), np.uint8)


def worker_init(_worker_id: int, trainer_pid: Optional[int] = None) -> None:
    """DataLoader workers: one thread each; Ctrl+C and SIGTERM (sent to the whole process group by a
    terminal or ``timeout``) are left to the main process, which saves, stops and ends its workers.

    ``trainer_pid``: the training process. Workers are forked by multiprocessing's forkserver, not by the
    trainer, so nothing ends them when the trainer is killed (SIGKILL, a crash): they would wait for work
    for ever, and keep the forkserver and the resource tracker alive. A watch thread ends the worker as
    soon as the trainer is gone; the forkserver and the resource tracker then see their pipes close and end.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if trainer_pid is not None:
        exit_with_process(trainer_pid)
    torch.set_num_threads(1)
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover - cv2 is a dependency
        pass


def exit_with_process(pid: int) -> None:
    """End this process (``os._exit``) as soon as process ``pid`` has ended; returns at once.

    Linux: the kernel also kills this process when its parent dies (``PR_SET_PDEATHSIG``), and a
    ``pidfd`` of ``pid`` becomes readable when it ends (no polling, no pid reuse); elsewhere ``pid``
    is polled every half second.
    """
    import os
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def watch() -> None:
        if fd is not None:
            import select

            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while not poller.poll(None):
                pass
        else:
            while not gone():
                time.sleep(0.5)
        os._exit(1)

    if fd is None and gone():
        os._exit(1)
    threading.Thread(target=watch, name="epam-trainer-watch", daemon=True).start()


class EpochSampler(torch.utils.data.Sampler):
    """Yields ``(index, epoch)`` keys: a seeded shuffle per epoch, this process's share under DDP.

    Every process sees the same number of keys (the order is padded by wrapping around, as
    ``DistributedSampler``). ``set_epoch(epoch, start)`` skips the first ``start`` keys of this
    process, so a run stopped in the middle of an epoch resumes at the next batch.
    """

    def __init__(self, size: int, *, shuffle: bool, seed: int = 0, rank: int = 0, world: int = 1,
                 pad: bool = True) -> None:
        self.size, self.shuffle, self.seed, self.rank, self.world, self.pad = size, shuffle, seed, rank, world, pad
        self.epoch, self.start = 0, 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        self.epoch, self.start = int(epoch), int(start)

    def _keys(self) -> np.ndarray:
        order = (np.random.default_rng([self.seed, self.epoch, 7]).permutation(self.size) if self.shuffle
                 else np.arange(self.size))
        if self.world > 1:
            if self.pad:
                total = -(-self.size // self.world) * self.world
                order = np.resize(order, total)  # wraps around
            order = order[self.rank::self.world]
        return order

    def __len__(self) -> int:
        return max(0, len(self._keys()) - self.start)

    def __iter__(self):
        for index in self._keys()[self.start:]:
            yield (int(index), self.epoch)

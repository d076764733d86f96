"""Train/val splits that keep groups together (a video, or a person in a video), stratified by class."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Dict, Hashable, List, Sequence

import numpy as np

from .errors import ExportError
from .layout import SPLIT_BY


def group_key(split_by: str, video_key: str, person: int, index: int) -> Hashable:
    """The unit kept whole by a split: the video, the (video, person) pair, or the clip itself."""
    if split_by == "video":
        return video_key
    if split_by == "person":
        return (video_key, int(person))
    return index


def assign_splits(groups: Sequence[Hashable], labels: Sequence[int], *, ratio: float = 0.8,
                  seed: int = 0) -> List[str]:
    """``'train'``/``'val'`` per item; items of one group always share a split.

    Groups are dealt per class (the class most of their clips have), shuffled with ``seed``;
    ``round(ratio * n)`` groups of each class go to train. With two or more groups in a class and
    ``ratio < 1`` at least one goes to val and one to train.
    """
    if not 0.0 < ratio <= 1.0:
        raise ExportError(f"The train share must be above 0 and at most 1, got {ratio:g}.")
    members: Dict[Hashable, List[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    by_class: Dict[int, List[Hashable]] = defaultdict(list)
    for g, items in members.items():
        counts = Counter(int(labels[i]) for i in items)
        by_class[max(sorted(counts), key=lambda c: counts[c])].append(g)
    rng = np.random.default_rng(seed)
    out = ["train"] * len(groups)
    for cls in sorted(by_class):
        keys = sorted(by_class[cls], key=repr)
        order = rng.permutation(len(keys))
        n = len(keys)
        n_train = int(round(ratio * n))
        if ratio < 1.0 and n >= 2:
            n_train = min(max(n_train, 1), n - 1)
        for rank, k in enumerate(order):
            if rank >= n_train:
                for i in members[keys[k]]:
                    out[i] = "val"
    return out


def check_split_by(split_by: str) -> str:
    if split_by not in SPLIT_BY:
        raise ExportError(f"Split by must be one of {', '.join(SPLIT_BY)}, got '{split_by}'.")
    return split_by

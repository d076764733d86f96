"""What a split choice of the Export dialog gives: classes left without a validation clip, and a better choice.

One labelled video split by video puts every clip in train (Fine-tune then refuses the set); a class with
one segment can never reach validation. :func:`split_warning` says so before the export, and whether a
split by segment (``random``: each clip on its own, stratified by class) would do better.
"""
from __future__ import annotations

from typing import Dict, List, Tuple


def _val_classes(store, options, split_by: str) -> Tuple[Dict[str, int], Dict[str, int]]:
    """(validation clips per class, segments per class) the export with ``split_by`` would give."""
    from core_model.export.project import _segments
    from core_model.export.splits import assign_splits, group_key

    segments, classes, labels = _segments(store, options)
    segments = [s for s in segments if s.end_frame - s.start_frame >= options.min_frames]
    keys = {}
    for seg in segments:
        if seg.video_id not in keys:
            keys[seg.video_id] = store.video(seg.video_id).content_key
    groups = [group_key(split_by, keys[s.video_id], int(s.person), i) for i, s in enumerate(segments)]
    names = [labels[s.label_id] for s in segments]
    splits = assign_splits(groups, [classes.index(n) for n in names], ratio=float(options.split), seed=options.seed)
    val = {c: 0 for c in classes}
    total = {c: 0 for c in classes}
    for name, split in zip(names, splits):
        total[name] += 1
        val[name] += split == "val"
    return val, total


def _names(items: List[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def split_warning(store, options) -> Tuple[str, bool]:
    """(warning, offer "split by segment"); ("", False) when every class gets a validation clip."""
    from core_model.errors import EpamError

    try:
        val, total = _val_classes(store, options, options.split_by)
        better = False
        if options.split_by != "random":
            seg_val, _ = _val_classes(store, options, "random")
            better = sum(v > 0 for v in seg_val.values()) > sum(v > 0 for v in val.values())
    except (EpamError, ValueError):
        return "", False  # nothing to export: the Export button says why
    missing = [c for c, n in val.items() if n == 0]
    if not missing:
        return "", False
    alone = [c for c in missing if total[c] == 1]
    if float(options.split) >= 1.0:
        return ("Train share 1: the set has no validation clips, so Fine-tune needs \"train without validation\"."), False
    if len(missing) == len(val):
        where = {"video": " (each video stays whole in one split)",
                 "person": " (each person of a video stays whole in one split)"}.get(options.split_by, "")
        return (f"This split gives no validation clip{where}: Fine-tune would refuse the set. Split by segment, "
                f"or tick \"train without validation\" in Fine-tune."), better
    if alone and len(alone) == len(missing):
        return (f"{_names(alone)} {'has' if len(alone) == 1 else 'have'} one segment"
                f"{'' if len(alone) == 1 else ' each'}: {'it' if len(alone) == 1 else 'they'} can only be trained "
                f"on, never validated."), better
    return (f"{len(missing)} of {len(val)} classes get no validation clip ({_names(missing)})"
            f"{'; split by segment to validate more of them' if better else ''}."), better

"""Real frames for the pose-model parity tests: the close-up cyclist of bikes.mp4 and a 768x576 crowd made of him."""
from __future__ import annotations

from typing import List, Sequence


def close_up_frames(video, indices: Sequence[int]) -> list:
    """Frames ``indices`` of the close-up video (RGB)."""
    from core_model.video import VideoReader

    with VideoReader(video) as reader:
        return [reader[i] for i in indices]


def crowd_frames(video, indices: Sequence[int], people: int = 8) -> List:
    """Frames ``indices`` of a 48-frame 768x576 crowd of ``people`` cut from the video's cyclist (seed 0)."""
    from core_model.video.crowd import cut_source_people, default_walkers, render_crowd

    walkers, _crossings = default_walkers(people, (768, 576), 48, 0)
    frames = render_crowd(cut_source_people(video), walkers, (768, 576), 48)
    return [f for i, (f, _b, _v) in enumerate(frames) if i in set(indices)]

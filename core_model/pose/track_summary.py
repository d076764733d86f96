"""An honest first look at extracted poses: people found, tracks made, whether tracks look fragmented, and the
extraction settings they came from, in sentences the studio and the CLI show.

- :func:`summarize` -> :class:`TrackSummary` (most people in one frame, tracks, short tracks, fragmented?);
- :func:`extraction_settings` picks the settings an extraction recorded in ``poses.meta``;
- :func:`describe_settings` says them in one line ("detection: tiles (small people), people per frame: no limit").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

#: tracks count as fragmented when there are more than this many per person seen at once
FRAGMENTED_RATIO = 1.3
#: a track shorter than this (seconds) next to others is most likely a piece of somebody's track
SHORT_SECONDS = 2.0
#: the meta keys that say how poses were extracted
SETTING_KEYS = ("backend", "detect", "max_people", "delegate", "engine", "runtime", "device")


@dataclass
class TrackSummary:
    tracks: int
    most_at_once: int  # the most people present in one frame
    short_tracks: int  # tracks present under SHORT_SECONDS
    frames: int

    @property
    def fragmented(self) -> bool:
        """More tracks than people seen at once can explain: somebody's track is in pieces (merge them)."""
        return self.tracks > max(self.most_at_once * FRAGMENTED_RATIO, self.most_at_once + 1)

    def sentence(self) -> str:
        """"Found up to 12 people at once, 15 tracks." plus where to fix fragmented tracks."""
        if self.tracks == 0:
            return "No people found."
        people = "person" if self.most_at_once == 1 else "people"
        tracks = f"{self.tracks} track{'s' if self.tracks != 1 else ''}"
        text = f"Found up to {self.most_at_once} {people} at once, {tracks}."
        if self.fragmented:
            short = (f" ({self.short_tracks} shorter than {SHORT_SECONDS:g} s)" if self.short_tracks else "")
            text += (f" More tracks than people{short}: some people's tracks are in pieces; check them in the People "
                     "dock (select two rows, Merge; Split here where one track holds two people).")
        return text


def summarize(poses) -> TrackSummary:
    """Counts of ``poses`` (a :class:`~.format.Poses`)."""
    if poses is None or poses.num_people == 0:
        return TrackSummary(0, 0, 0, 0 if poses is None else poses.num_frames)
    present = np.asarray(poses.present, bool)
    fps = poses.fps if poses.fps > 0 else 25.0
    lengths = present.sum(axis=1) / fps
    short = int((lengths < SHORT_SECONDS).sum()) if poses.num_frames / fps > 2 * SHORT_SECONDS else 0
    return TrackSummary(int(poses.num_people), int(present.sum(axis=0).max()), short, int(poses.num_frames))


def extraction_settings(meta: Optional[dict]) -> dict:
    """The extraction settings recorded in a pose file's ``meta`` (empty when it records none, e.g. imported)."""
    meta = meta or {}
    return {k: meta[k] for k in SETTING_KEYS if k in meta}


def describe_settings(settings: Optional[dict]) -> str:
    """One line: how the poses were extracted ("" when nothing is known)."""
    if not settings:
        return ""
    parts = []
    detect = settings.get("detect")
    if detect:
        parts.append(f"detection: {detect}" + (" (small people, zoomed tiles)" if detect == "tiles" else
                                               " (whole frames)" if detect == "full" else ""))
    if "max_people" in settings:
        limit = int(settings["max_people"])
        parts.append("people per frame: " + ("no limit" if limit <= 0 else f"at most {limit}"))
    backend = settings.get("engine") or settings.get("backend")
    if backend:
        where = settings.get("device") if settings.get("engine") == "torch" else settings.get("delegate")
        runtime = " (OpenVINO)" if settings.get("runtime") == "openvino" else ""
        parts.append(f"engine: {backend}{runtime}" + (f" on {where.upper()}" if where else ""))
    return "Extraction settings: " + ", ".join(parts) + "." if parts else ""

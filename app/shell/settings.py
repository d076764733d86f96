"""Persisted preferences (QSettings): device, checkpoint, class list, window/stride, overlay defaults.

``EPAM_STUDIO_SETTINGS`` names an .ini file to use instead of the user's settings (tests set it).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Dict, List, Optional

from PySide6.QtCore import QSettings

DEVICES = ("auto", "cpu", "cuda", "mps")  # what a settings file may hold (the CLI accepts them all too)
POSE_ENGINES = ("auto", "mediapipe", "torch")  # core_model.pose.torch_engine.backend.ENGINES
POSE_DEVICES = ("auto", "cpu", "cuda")  # the torch pose engine's devices (MediaPipe runs on the CPU)
CLASS_PRESETS = ("", "ntu60", "ntu120")
MIN_WINDOW_FRAMES = 16  # the model's RGB frames: a shorter window repeats frames and is never useful


def available_devices() -> tuple:
    """The device choices that exist here: "auto", "cpu", then "cuda" / "mps" when PyTorch sees them."""
    import torch

    out = ["auto", "cpu"]
    if torch.cuda.is_available():
        out.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append("mps")
    return tuple(out)


def default_overlays() -> Dict[str, dict]:
    return {
        "skeleton": {"enabled": True, "opacity": 1.0},
        "crop_box": {"enabled": True, "opacity": 1.0},
        "heatmap": {"enabled": False, "opacity": 0.8},
        "attention": {"enabled": True, "opacity": 0.45},
        "sampled": {"enabled": True, "opacity": 1.0},
    }


@dataclass
class StudioSettings:
    """Everything the user can set in the settings dialog (plain data)."""

    device: str = "auto"
    checkpoint: str = ""  # empty = the untrained network
    class_list: str = ""  # preset name or a text file; empty = the model's own list
    window: float = 3.0
    stride: float = 1.5
    unit: str = "s"
    per_person: bool = False
    max_people: int = 0  # pose extraction: 0 = no limit (the video decides)
    pose_engine: str = "auto"  # pose extraction: auto (torch on a GPU, else MediaPipe), mediapipe or torch
    pose_device: str = "auto"  # where the torch pose engine runs: auto (CUDA when there is one), cpu, cuda
    overlays: Dict[str, dict] = field(default_factory=default_overlays)
    pose_only: bool = False
    blur_faces: bool = False  # faces pixelated in the view (View > Blur faces)
    last_dir: str = ""
    recent_projects: List[str] = field(default_factory=list)  # most recent first
    coder: str = ""  # the author of the labels made here; empty = $EPAM_CODER or the login name
    blind_projects: List[str] = field(default_factory=list)  # projects coded blind (other coders' labels hidden)

    def analysis_settings(self):
        """The core_model ``AnalysisSettings`` these preferences describe."""
        from core_model.analysis import AnalysisSettings

        return AnalysisSettings(window=self.window, stride=self.stride, unit=self.unit, per_person=self.per_person,
                                max_people=self.max_people, device=self.device, pose_engine=self.pose_engine)

    def pose_options(self) -> dict:
        """The pose engine and its device, as ``extract_poses`` / ``cached_poses`` take them."""
        return {"engine": self.pose_engine, "device": self.pose_device}

    def stale_reason(self, result) -> Optional[str]:
        """Why ``result`` does not match these settings ("other settings: window", "another model"), or None
        when it does (or when the result does not say how it was made)."""
        summary = getattr(result, "summary", None)
        made = summary.get("settings") if isinstance(summary, dict) else None
        if result is None or not isinstance(made, dict):
            return None
        try:
            wanted = self.analysis_settings().result_key()
        except Exception:  # noqa: BLE001 - settings the core refuses: nothing matches them
            return "other settings"
        differ = [k for k in ("window", "stride", "unit", "per_person", "max_people") if k in made
                  and made[k] != wanted[k]]
        if differ:
            return "other settings: " + ", ".join(n.replace("_", " ") for n in differ)
        info = summary.get("model_info") if isinstance(summary.get("model_info"), dict) else {}
        model = str(info.get("name") or getattr(result, "model", ""))
        expected = Path(self.checkpoint).name if self.checkpoint else "untrained"
        if model and model != expected:
            return "another model"
        return None


def _qsettings() -> QSettings:
    path = os.environ.get("EPAM_STUDIO_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "EPAM", "EPAM Studio")


class SettingsStore:
    """Loads and saves :class:`StudioSettings` and the window geometry."""

    def __init__(self, qsettings: Optional[QSettings] = None) -> None:
        self._q = qsettings if qsettings is not None else _qsettings()

    @property
    def location(self) -> str:
        return self._q.fileName()

    def load(self) -> StudioSettings:
        defaults = StudioSettings()
        values = {}
        for f in fields(StudioSettings):
            raw = self._q.value(f"studio/{f.name}")
            if raw is None:
                continue
            try:
                values[f.name] = self._decode(f.name, raw, getattr(defaults, f.name))
            except (TypeError, ValueError):
                continue  # a damaged value falls back to its default
        settings = StudioSettings(**values)
        merged = default_overlays()
        for key, value in settings.overlays.items():
            if key in merged and isinstance(value, dict):
                merged[key].update(value)
        settings.overlays = merged
        if settings.device not in DEVICES:
            settings.device = "auto"
        if settings.pose_engine not in POSE_ENGINES:
            settings.pose_engine = "auto"
        if settings.pose_device not in POSE_DEVICES:
            settings.pose_device = "auto"
        return settings

    def save(self, settings: StudioSettings) -> None:
        for name, value in asdict(settings).items():
            self._q.setValue(f"studio/{name}", json.dumps(value) if isinstance(value, (dict, list)) else value)
        self._q.sync()

    def save_geometry(self, geometry: bytes, state: bytes) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)
        self._q.sync()

    def geometry(self):
        return self._q.value("window/geometry"), self._q.value("window/state")

    @staticmethod
    def _decode(name: str, raw, default):
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, (dict, list)):
            value = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(value, type(default)):
                raise ValueError(name)
            return value
        return str(raw)

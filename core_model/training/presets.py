"""Training presets: named JSON recipes in ``resources/presets/`` (``paper``, ``cpu-quick``)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..errors import ConfigError
from ..paths import RESOURCES
from ..preprocess.spec import InputSpec

PRESETS_DIR = RESOURCES / "presets"
PHASES = ("rgb", "pose", "joint")
#: ``--phase all`` runs these in order (the paper: streams pre-trained separately, then the whole network).
ALL_PHASES = PHASES


@dataclass(frozen=True)
class PhaseRecipe:
    """One training phase: epochs, total batch size over all processes, peak learning rate."""

    epochs: int
    batch: int
    lr: float


@dataclass
class Preset:
    name: str
    description: str
    inputs: InputSpec
    phases: Dict[str, PhaseRecipe]
    default_phase: str = "joint"
    model: Dict[str, str] = field(default_factory=lambda: {"backbone": "x3d", "attention": "nested"})
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 40.0
    area_range: Tuple[float, float] = (0.56, 1.0)
    aspect_range: Tuple[float, float] = (0.75, 4 / 3)
    flip: float = 0.5
    warmup_epochs: float = 0.0  # linear warm-up of the learning rate before the cosine decay
    #: learning-rate multiplier per part ("rgb", "pose", "attention"); 1 when absent
    stream_lr: Dict[str, float] = field(default_factory=dict)
    #: training clips over which BatchNorm statistics are recomputed after each epoch ("precise BN"; 0: off)
    precise_bn_clips: int = 0
    #: builder config overrides per registered model name (``"models": {"vpn": {"variant": "code"}}``);
    #: ``model`` above is EPAM-Net's (the presets' original key)
    models: Dict[str, Dict[str, object]] = field(default_factory=dict)
    #: the stream a run of this preset holds still ("rgb" or "pose") unless --freeze says otherwise (a model
    #: trained one stream at a time, e.g. hand-glimpse: preset hand-glimpse-pose, then hand-glimpse-rgb)
    freeze: Optional[str] = None

    def model_overrides(self, name: Optional[str]) -> Dict[str, object]:
        """The preset's config overrides for model ``name`` (None: EPAM-Net)."""
        name = name or "epam"
        return dict(self.models.get(name) or (self.model if name == "epam" else {}))

    def phase_names(self, phase: str) -> List[str]:
        """Phases a ``--phase`` choice runs (``all`` = rgb, pose, joint)."""
        return list(ALL_PHASES) if phase == "all" else [phase]

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "inputs": self.inputs.to_dict(),
                "phases": {k: vars(v) for k, v in self.phases.items()}, "default_phase": self.default_phase,
                "model": dict(self.model), "models": {k: dict(v) for k, v in self.models.items()},
                "freeze": self.freeze,
                "optimizer": {"momentum": self.momentum,
                                                         "weight_decay": self.weight_decay,
                                                         "grad_clip": self.grad_clip,
                                                         "warmup_epochs": self.warmup_epochs,
                                                         "stream_lr": dict(self.stream_lr),
                                                         "precise_bn_clips": self.precise_bn_clips},
                "augment": {"area_range": list(self.area_range), "aspect_range": list(self.aspect_range),
                            "flip": self.flip}}


def preset_names() -> List[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.json"))


def load_preset(name_or_path: str) -> Preset:
    """A shipped preset by name, or a preset JSON file by path; ConfigError with one sentence otherwise."""
    path = Path(name_or_path)
    if not (path.suffix == ".json" and path.is_file()):
        path = PRESETS_DIR / f"{name_or_path}.json"
    if not path.is_file():
        raise ConfigError(f"Unknown preset '{name_or_path}': choose one of {', '.join(preset_names())} "
                          f"or give a preset .json file.")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return preset_from_dict(raw, default_name=path.stem)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(f"The preset {path.name} is malformed ({exc}).") from None


def preset_from_dict(raw: dict, default_name: str = "custom") -> Preset:
    phases = {}
    for name, spec in raw["phases"].items():
        if name not in PHASES:
            raise ValueError(f"unknown phase {name!r}")
        phases[name] = PhaseRecipe(int(spec["epochs"]), int(spec["batch"]), float(spec["lr"]))
    opt, aug = raw.get("optimizer", {}), raw.get("augment", {})
    default_phase = raw.get("default_phase", "joint")
    if default_phase != "all" and default_phase not in phases:
        raise ValueError(f"default phase {default_phase!r} has no recipe")
    freeze = raw.get("freeze")
    if freeze not in (None, "rgb", "pose"):
        raise ValueError(f"freeze {freeze!r} is not rgb or pose")
    return Preset(
        name=str(raw.get("name", default_name)), description=str(raw.get("description", "")),
        inputs=InputSpec.from_dict(raw.get("inputs")), phases=phases, default_phase=default_phase,
        model=dict(raw.get("model", {"backbone": "x3d", "attention": "nested"})),
        models={str(k): dict(v) for k, v in (raw.get("models") or {}).items()},
        momentum=float(opt.get("momentum", 0.9)), weight_decay=float(opt.get("weight_decay", 3e-4)),
        grad_clip=float(opt.get("grad_clip", 40.0)), warmup_epochs=float(opt.get("warmup_epochs", 0.0)),
        stream_lr={str(k): float(v) for k, v in (opt.get("stream_lr") or {}).items()},
        precise_bn_clips=int(opt.get("precise_bn_clips", 0)), freeze=freeze,
        area_range=tuple(float(v) for v in aug.get("area_range", (0.56, 1.0))),
        aspect_range=tuple(float(v) for v in aug.get("aspect_range", (0.75, 4 / 3))),
        flip=float(aug.get("flip", 0.5)))

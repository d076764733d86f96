"""One interface for every pose-driven attention model: a registry of named models.

Each entry (:class:`ModelSpec`) says how to build the model (a keyword-only builder), which inputs it
needs (:data:`INPUT_KINDS`), which attention products it gives (:class:`~.products.ProductSpec`) and its
defaults. Models return a :class:`ModelOutput` from ``forward_inputs(inputs)`` and compute their whole
training loss (cross-entropies, regularisers and auxiliary losses) with ``loss(output, labels)``.
Checkpoints record the registry name in their config (``"model"``; absent = ``"epam"``, as old files).
Model names are contracts: ``epam``, ``separable-sta``, ``vpn``, ``p-i3d`` (``hand-glimpse`` and
``skeleton-flow`` come later).
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import torch

from ..errors import ConfigError
from .products import ProductSpec

DEFAULT_MODEL = "epam"

#: what a model may need, with its tensor layout (B = batch)
INPUT_KINDS: Dict[str, str] = {
    "rgb": "(B, 3, T, H, W) normalised clip of the person-centric crop",
    "heatmaps": "(B, 17, T_pose, 56, 56) joint heatmaps of the crop",
    "keypoints": "(B, T_k, M, 17, 3) joints: x, y in the crop's [0, 1] and the joint score; M people",
    "part_crops": "(B, P, 3, T, H, W) normalised clips of body parts (left hand, right hand, full body)",
    "flow": "(B, 2, T, H, W) dense optical flow of the crop",
    "hand_crops": "(B, T, N=4, 3, h, w) normalised crops centred on the wrists of up to two people (absent: zeros)",
}

#: modules whose import registers the built-in models (each calls :func:`register`)
BUILTIN_MODULES = ("core_model.models.epam_spec",
                   "core_model.models.p_i3d",
                   "core_model.models.skeleton_flow",
                   "core_model.models.separable_sta", "core_model.models.vpn",
                   "core_model.models.hand_glimpse",)
#: more modules to import (comma-separated), e.g. a lab's own models or the tests' toy model
EXTRA_MODULES_ENV = "EPAM_MODEL_MODULES"

#: config keys a model may declare in its defaults, and the :class:`~core_model.preprocess.spec.InputSpec`
#: field that sets them when the model is built for given inputs (a training preset, a checkpoint's inputs)
INPUT_SIZE_KEYS: Dict[str, str] = {
    "rgb_frames": "rgb_frames", "rgb_size": "rgb_size", "attention_frames": "rgb_frames", "part_size": "rgb_size",
}


@dataclass
class ModelOutput:
    """One forward pass of any registered model.

    ``logits``: per stream (``"rgb"``, ``"pose"``, ...); ``scores``: fused class probabilities (B, C);
    ``products``: attention products by name (batch first); ``aux_losses``: regularisers and auxiliary
    losses already weighted, added to the cross-entropies by the model's ``loss``.
    """

    logits: Dict[str, torch.Tensor]
    scores: torch.Tensor
    products: Dict[str, torch.Tensor] = field(default_factory=dict)
    aux_losses: Dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def rgb_logits(self) -> Optional[torch.Tensor]:
        return self.logits.get("rgb")

    @property
    def pose_logits(self) -> Optional[torch.Tensor]:
        return self.logits.get("pose")


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its name (contract), a one-line title, how to build it, what it needs and gives."""

    name: str
    title: str
    build: Callable[..., torch.nn.Module]  # build(*, num_classes, class_names=None, **config)
    inputs: Tuple[str, ...]
    products: Tuple[ProductSpec, ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    paper: str = ""
    notes: str = ""
    #: config overrides for a small, fast network (tests, ``--tiny``); input sizes come from the preset
    tiny: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [i for i in self.inputs if i not in INPUT_KINDS]
        if unknown:
            raise ConfigError(f"Model {self.name!r}: unknown inputs {', '.join(unknown)}.")

    def product(self, name: str) -> ProductSpec:
        for spec in self.products:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def describe(self) -> Dict[str, Any]:
        return {"name": self.name, "title": self.title, "inputs": list(self.inputs), "paper": self.paper,
                "notes": self.notes, "defaults": dict(self.defaults), "tiny": dict(self.tiny),
                "products": {p.name: p.to_dict() for p in self.products}}


MODELS: Dict[str, ModelSpec] = {}
_loaded = False


def register(spec: ModelSpec) -> ModelSpec:
    """Add ``spec`` to :data:`MODELS` (a second registration of the same name replaces the first)."""
    MODELS[spec.name] = spec
    return spec


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        extra = [m.strip() for m in os.environ.get(EXTRA_MODULES_ENV, "").split(",") if m.strip()]
        for module in (*BUILTIN_MODULES, *extra):
            try:
                importlib.import_module(module)
            except ImportError as exc:
                if module in BUILTIN_MODULES:
                    raise
                raise ConfigError(f"The model module {module!r} named in {EXTRA_MODULES_ENV} cannot be imported "
                                  f"({exc}).") from None


def model_names() -> List[str]:
    """Registered model names, the default first."""
    _load_builtin()
    return sorted(MODELS, key=lambda n: (n != DEFAULT_MODEL, n))


def get_model_spec(name: Optional[str]) -> ModelSpec:
    """The registry entry of ``name`` (None = the default); a one-sentence error names the choices."""
    _load_builtin()
    name = name or DEFAULT_MODEL
    if name not in MODELS:
        raise ConfigError(f"Unknown model {name!r}: choose one of {', '.join(model_names())}.")
    return MODELS[name]


def build_model(name: Optional[str] = None, *, num_classes: int, class_names=None, **config) -> torch.nn.Module:
    """Build the registered model ``name`` with its defaults overridden by ``config``."""
    spec = get_model_spec(name)
    kwargs = {**dict(spec.defaults), **config}
    return spec.build(num_classes=num_classes, class_names=class_names, **kwargs)


def model_config(name: Optional[str] = None, *, inputs=None, tiny: bool = False,
                 **overrides) -> Dict[str, Any]:
    """The builder config of model ``name``: its defaults, its tiny overrides (``tiny``), input sizes.

    ``inputs`` (an :class:`~core_model.preprocess.spec.InputSpec`) sets every key of
    :data:`INPUT_SIZE_KEYS` the model declares in its defaults (the clip it is built for); ``overrides``
    (e.g. ``variant="code"``) come last.
    """
    spec = get_model_spec(name)
    config = {**dict(spec.defaults), **(dict(spec.tiny) if tiny else {})}
    if inputs is not None:
        for key, field_name in INPUT_SIZE_KEYS.items():
            if key in spec.defaults:
                config[key] = int(getattr(inputs, field_name))
    config.update(overrides)
    return config


def build_named(name: Optional[str] = None, *, num_classes: int, class_names=None, inputs=None, tiny: bool = False,
                normalization=None, **overrides) -> torch.nn.Module:
    """Build model ``name`` for ``inputs`` (see :func:`model_config`); ``normalization`` replaces the default."""
    spec = get_model_spec(name)
    config = model_config(spec.name, inputs=inputs, tiny=tiny, **overrides)
    try:
        model = spec.build(num_classes=num_classes, class_names=class_names, **config)
    except TypeError as exc:
        raise ConfigError(f"Model {spec.name!r} does not take this configuration ({exc}).") from None
    if normalization is not None:
        model.normalization = normalization
    return model


def model_name_of(model_or_config) -> str:
    """The registry name of a model or a checkpoint config (absent = ``"epam"``, as old checkpoints)."""
    config = model_or_config if isinstance(model_or_config, Mapping) else getattr(model_or_config, "config", {})
    return str(config.get("model") or getattr(model_or_config, "model_name", None) or DEFAULT_MODEL)

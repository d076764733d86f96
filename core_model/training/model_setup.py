"""The network a run starts from: a new registered model (``--model``, default EPAM-Net), a checkpoint to
fine-tune (``--init``, its own model), X3D-M RGB weights."""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch

from ..errors import CheckpointError, ConfigError
from .presets import Preset


def resolve_model_name(model: Optional[str], init: Optional[str]) -> str:
    """The registry name a run trains: ``model``, else the ``init`` checkpoint's, else EPAM-Net.

    ``model`` and a checkpoint of another model are refused in one sentence; an unknown name names the choices.
    """
    from ..models.registry import DEFAULT_MODEL, get_model_spec, model_name_of

    if init:
        from ..models import load_checkpoint

        source, _ = load_checkpoint(init)
        held = model_name_of(source)
        if model and model != held:
            raise ConfigError(f"--init {init} holds the model '{held}', not '{model}': leave out --model to "
                              f"fine-tune it, or start '{model}' without --init.")
        return held
    return get_model_spec(model or DEFAULT_MODEL).name


def build_model(preset: Preset, class_names: List[str], *, init: Optional[str] = None,
                rgb_init: Optional[str] = None, seed: int = 0, model_name: Optional[str] = None,
                tiny: bool = False) -> Tuple[torch.nn.Module, dict]:
    """(model, notes). ``init``: start from an EPAM Studio checkpoint (its architecture; a head of another
    class count is replaced by a new one). Otherwise a new ``model_name`` (default EPAM-Net) built for the
    preset's inputs (:func:`~core_model.models.registry.model_config`: EPAM-Net's temporal attention sized for
    the preset's RGB frames, a model's ``rgb_frames``/``rgb_size``/``part_size`` set from them), with the
    preset's overrides for that model and, with ``tiny``, the model's tiny config. ``rgb_init`` then loads
    X3D-M weights (pytorchvideo ``X3D_M.pyth`` or mmaction) into the RGB stream.
    """
    from ..models import load_checkpoint, load_x3d_weights
    from ..models.checkpoints import build_from_config, saved_config
    from ..models.registry import build_named

    torch.manual_seed(seed)  # every process builds the same initial weights
    notes: dict = {}
    if init:
        source, info = load_checkpoint(init)
        config = saved_config(source)
        config["num_classes"] = len(class_names)
        model = build_from_config(config, normalization=source.normalization, class_names=class_names, what=str(init))
        own = model.state_dict()
        kept, replaced = {}, []
        for key, value in source.state_dict().items():
            if key in own and own[key].shape == value.shape:
                kept[key] = value
            elif key in own:
                replaced.append(key)
        bad = [k for k in replaced if own[k].shape[0] != len(class_names)]
        if bad:
            raise CheckpointError(f"{init} does not fit this network ({bad[0]} has another shape).")
        model.load_state_dict(kept, strict=False)
        notes["init"] = {"checkpoint": str(init), "classes_before": len(info.class_names),
                         "heads_replaced": bool(replaced)}
    else:
        model = build_named(model_name, num_classes=len(class_names), class_names=class_names, inputs=preset.inputs,
                            tiny=tiny, **preset.model_overrides(model_name))
    if rgb_init:
        report = load_x3d_weights(model, rgb_init, stream="rgb")
        notes["rgb_init"] = {"file": str(rgb_init), "report": str(report)}
    return model, notes

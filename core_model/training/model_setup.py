"""The network a run starts from: a new EPAM-Net, a checkpoint to fine-tune (``--init``), X3D-M RGB weights."""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch

from ..errors import CheckpointError
from .presets import Preset


def build_model(preset: Preset, class_names: List[str], *, init: Optional[str] = None,
                rgb_init: Optional[str] = None, seed: int = 0) -> Tuple[torch.nn.Module, dict]:
    """(model, notes). ``init``: start from an EPAM Studio checkpoint (its architecture; a head of another
    class count is replaced by a new one). Otherwise a new network of the preset's architecture,
    with the temporal attention sized for the preset's RGB frames. ``rgb_init`` then loads X3D-M
    weights (pytorchvideo ``X3D_M.pyth`` or mmaction) into the RGB stream.
    """
    from ..models import create_epam_net, load_checkpoint, load_x3d_weights

    torch.manual_seed(seed)  # every process builds the same initial weights
    notes: dict = {}
    if init:
        source, info = load_checkpoint(init)
        config = dict(info.config)
        config["num_classes"] = len(class_names)
        model = create_epam_net(normalization=source.normalization, class_names=class_names, **config)
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
        model = create_epam_net(len(class_names), attention_frames=preset.inputs.rgb_frames,
                                class_names=class_names, **preset.model)
    if rgb_init:
        report = load_x3d_weights(model, rgb_init, stream="rgb")
        notes["rgb_init"] = {"file": str(rgb_init), "report": str(report)}
    return model, notes

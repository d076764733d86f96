"""EPAM Studio checkpoints: one file with weights, architecture, class names, normalization, provenance.

The architecture is the model's registry name (``config["model"]``; absent = ``"epam"``, as in files
written before the registry) and its builder config: loading builds any registered model.

The file is a ``torch.save`` of plain containers only (dicts, lists, strings, numbers, tensors), so
it is read back with ``torch.load(weights_only=True)`` and can never run code.  Writes are atomic.
:func:`load_checkpoint` also reads the authors' EPAM-Net files (:mod:`.official`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch

from ..errors import CheckpointError, ConfigError
from ..labels import generic_class_names, load_class_names
from ..preprocess.normalization import IMAGENET_0_255, Normalization
from . import official
from .epamnet import upgrade_config
from .registry import DEFAULT_MODEL, build_named, get_model_spec, model_name_of
from .weights_io import read_torch_file, refuse_non_finite, unwrap_state_dict, write_torch_file

FORMAT = "epam-studio-checkpoint"
FORMAT_VERSION = 1


@dataclass
class CheckpointInfo:
    """Everything in a checkpoint besides the weights; ``info["key"]`` works too."""

    class_names: List[str]
    normalization: Dict[str, Any]
    config: Dict[str, Any]
    format_version: int
    provenance: Dict[str, Any] = field(default_factory=dict)
    trained: bool = False
    path: Optional[str] = None

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


def save_checkpoint(model: torch.nn.Module, path: Union[str, Path], class_names: Optional[Sequence[str]] = None,
                    **meta: Any) -> Path:
    """Write ``model`` to ``path`` atomically; ``meta`` (epochs, dataset, trained=True, ...) goes to provenance.

    ``class_names`` defaults to ``model.class_names``; their number must equal the head size.
    """
    names = list(class_names if class_names is not None else (model.class_names or []))
    if len(names) != model.num_classes:
        raise ConfigError(f"{len(names)} class names were given for a model with {model.num_classes} classes.")
    trained = bool(meta.pop("trained", False))
    provenance = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "torch_version": str(torch.__version__),
        "meta": _plain(meta),
    }
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": _plain(saved_config(model)),
        "class_names": [str(n) for n in names],
        "normalization": model.normalization.to_dict(),
        "provenance": provenance,
        "trained": trained,
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }
    return write_torch_file(payload, path)


def load_checkpoint(path: Union[str, Path], *, expect_classes: Optional[int] = None,
                    class_names: Union[None, str, Sequence[str]] = None,
                    map_location: Union[str, torch.device] = "cpu") -> Tuple[torch.nn.Module, CheckpointInfo]:
    """Rebuild the model saved at ``path`` (in eval mode) and return ``(model, info)``.

    Reads EPAM Studio checkpoints and the authors' two-stream files (see :mod:`.official`): their
    trainer's ``{'epoch', 'model_state_dict', 'optimizer_state_dict'}`` and mmaction ``{'state_dict'}``.
    ``class_names`` (a list, "ntu60"/"ntu120" or a file) replaces the file's names; an authors' file
    has none, so it defaults to NTU-60/120 by class count (else "class 0" ...).

    Raises :class:`CheckpointError` with one sentence for a missing or foreign file, a newer format,
    inconsistent contents, non-finite weights or a class count other than ``expect_classes``.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"The checkpoint {path} does not exist.")
    payload = read_torch_file(path, map_location=map_location, what="an EPAM Studio checkpoint")
    if isinstance(payload, dict) and payload.get("format") == FORMAT:
        model, info = _load_own(payload, path)
    else:
        model, info = _load_foreign(payload, path)
    if class_names is not None:
        names = _class_list(class_names, path.name)
        if len(names) != model.num_classes:
            raise CheckpointError(f"{path.name} predicts {model.num_classes} classes but the class list has "
                                  f"{len(names)} names.")
        model.class_names = list(names)
        info.class_names = list(names)
    if expect_classes is not None and expect_classes != model.num_classes:
        raise CheckpointError(f"{path.name} predicts {model.num_classes} classes, not the expected {expect_classes}.")
    model.eval()
    return model, info


def _load_own(payload: Dict[str, Any], path: Path) -> Tuple[torch.nn.Module, CheckpointInfo]:
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{path.name} has checkpoint format version {version}, newer than the "
                              f"supported {FORMAT_VERSION}: update EPAM Studio.")
    try:
        config = dict(payload["config"])
        names = [str(n) for n in payload["class_names"]]
        normalization = Normalization.from_dict(payload["normalization"])
        state = payload["state_dict"]
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{path.name} is an incomplete EPAM Studio checkpoint.") from None
    if len(names) != config.get("num_classes"):
        raise CheckpointError(f"{path.name} names {len(names)} classes but its model has "
                              f"{config.get('num_classes')} outputs.")
    model = build_from_config(config, normalization=normalization, class_names=names, what=path.name)
    if not isinstance(state, dict):
        raise CheckpointError(f"{path.name} is an incomplete EPAM Studio checkpoint.")
    refuse_non_finite(state, path.name)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError:
        raise CheckpointError(f"{path.name} holds weights that do not fit its own architecture.") from None
    info = CheckpointInfo(class_names=names, normalization=normalization.to_dict(), config=saved_config(model),
                          format_version=version, provenance=dict(payload.get("provenance") or {}),
                          trained=bool(payload.get("trained", False)), path=str(path))
    return model, info


def _load_foreign(payload: Any, path: Path) -> Tuple[torch.nn.Module, CheckpointInfo]:
    """The authors' two-stream files; a clear sentence for other weight files."""
    name = path.name
    state = unwrap_state_dict(payload)
    if state is None:
        raise CheckpointError(f"{name} is not an EPAM Studio checkpoint.")
    if not official.is_official(state):
        stream = official.stream_of(state)
        if stream is not None:
            label = "RGB" if stream == "rgb" else "pose"
            raise CheckpointError(f"{name} holds only the {label} stream, not a full EPAM-Net model: load it "
                                  f"into a model's {label} stream with load_x3d_weights(model, path, "
                                  f"stream=\"{stream}\").")
        if any(k.startswith("blocks.") for k in state):
            raise CheckpointError(f"{name} is an X3D weights file (pytorchvideo), not a full EPAM-Net model: "
                                  f"use it to initialise the RGB stream (load_x3d_weights).")
        raise CheckpointError(f"{name} is not an EPAM Studio checkpoint.")
    refuse_non_finite(state, name)
    names = default_class_names(official.infer_config(state, name)["num_classes"])
    model = official.build_official(state, name, normalization=IMAGENET_0_255, class_names=names)
    kind = "trainer" if isinstance(payload, dict) and "model_state_dict" in payload else "mmaction"
    provenance: Dict[str, Any] = {"source": "the authors' EPAM-Net code", "file_format": kind}
    epoch = payload.get("epoch") if isinstance(payload, dict) else None
    if isinstance(epoch, int):
        provenance["epoch"] = epoch
    info = CheckpointInfo(class_names=names, normalization=IMAGENET_0_255.to_dict(), config=saved_config(model),
                          format_version=0, provenance=provenance, trained=True, path=str(path))
    return model, info


def saved_config(model) -> Dict[str, Any]:
    """What a checkpoint records of ``model``'s architecture: its builder config with ``"model"`` (registry name)."""
    return {"model": model_name_of(model), **model.config}


def build_from_config(config: Dict[str, Any], *, normalization: Normalization, class_names: Sequence[str],
                      what: str) -> torch.nn.Module:
    """A new model of a checkpoint's ``config`` (``"model"`` absent: EPAM-Net, old layouts upgraded), built
    through the registry; one sentence naming ``what`` when this version cannot build it."""
    config = dict(config)
    name = str(config.pop("model", None) or DEFAULT_MODEL)
    num_classes = config.pop("num_classes", None)
    if name == DEFAULT_MODEL:
        config = upgrade_config(config)  # files from before the authors' layout (EPAM-Net only)
    try:
        get_model_spec(name)
    except ConfigError:
        raise CheckpointError(f"{what} holds a model named {name!r}, which this version does not know.") from None
    try:
        return build_named(name, num_classes=num_classes, class_names=list(class_names), normalization=normalization,
                           **config)
    except (ConfigError, TypeError) as exc:
        reason = str(exc).rstrip(".")
        raise CheckpointError(f"{what} describes a model this version cannot build ({reason}).") from None


def default_class_names(num_classes: int) -> List[str]:
    """NTU RGB+D 60/120 names for 60/120 classes, else "class 0" ... "class N-1"."""
    if num_classes in (60, 120):
        return load_class_names(f"ntu{num_classes}")
    return generic_class_names(num_classes)


def _class_list(spec: Union[str, Sequence[str]], name: str) -> List[str]:
    if isinstance(spec, (str, Path)):
        try:
            return load_class_names(str(spec))
        except ConfigError as exc:
            raise CheckpointError(str(exc)) from None
    return [str(n) for n in spec]


def _plain(value: Any) -> Any:
    """Reduce metadata to types ``weights_only`` loading accepts (others become strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)  # also turns str subclasses (e.g. TorchVersion) into plain str

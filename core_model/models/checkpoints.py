"""EPAM Studio checkpoints: one file with weights, architecture, class names, normalization, provenance.

The file is a ``torch.save`` of plain containers only (dicts, lists, strings, numbers, tensors), so
it is read back with ``torch.load(weights_only=True)`` and can never run code.  Writes are atomic.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch

from ..errors import CheckpointError, ConfigError
from ..fileio import atomic_path
from ..preprocess.normalization import Normalization
from .epamnet import EPAMNet, create_epam_net

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


def save_checkpoint(model: EPAMNet, path: Union[str, Path], class_names: Optional[Sequence[str]] = None,
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
        "config": _plain(model.config),
        "class_names": [str(n) for n in names],
        "normalization": model.normalization.to_dict(),
        "provenance": provenance,
        "trained": trained,
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_checkpoint(path: Union[str, Path], *, expect_classes: Optional[int] = None,
                    map_location: Union[str, torch.device] = "cpu") -> Tuple[EPAMNet, CheckpointInfo]:
    """Rebuild the model saved at ``path`` (in eval mode) and return ``(model, info)``.

    Raises :class:`CheckpointError` with one sentence for a missing or foreign file, a newer format,
    inconsistent contents or a class count other than ``expect_classes``.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"The checkpoint {path} does not exist.")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means "not a checkpoint we can read"
        raise CheckpointError(f"{path.name} is not an EPAM Studio checkpoint ({type(exc).__name__}).") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not an EPAM Studio checkpoint.")
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
    if expect_classes is not None and expect_classes != len(names):
        raise CheckpointError(f"{path.name} predicts {len(names)} classes, not the expected {expect_classes}.")
    try:
        model = create_epam_net(normalization=normalization, class_names=names, **config)
    except (ConfigError, TypeError) as exc:
        reason = str(exc).rstrip(".")
        raise CheckpointError(f"{path.name} describes a model this version cannot build ({reason}).") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError:
        raise CheckpointError(f"{path.name} holds weights that do not fit its own architecture.") from None
    model.eval()
    info = CheckpointInfo(class_names=names, normalization=normalization.to_dict(), config=config,
                          format_version=version, provenance=dict(payload.get("provenance") or {}),
                          trained=bool(payload.get("trained", False)), path=str(path))
    return model, info


def _plain(value: Any) -> Any:
    """Reduce metadata to types ``weights_only`` loading accepts (others become strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)  # also turns str subclasses (e.g. TorchVersion) into plain str

"""What the network is fed: crop sizes and clip lengths.

Training records the :class:`InputSpec` a model was trained with in its checkpoint
(``provenance["meta"]["inputs"]``); analysis reads it back so a model is always fed inputs of
the size it learned on (the paper's 224 px / 56 px, 16 / 48 frames unless a preset says otherwise).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping, Optional

from core_model.errors import ConfigError


@dataclass(frozen=True)
class InputSpec:
    """RGB crop side, heatmap side, RGB frames and pose frames per clip (pose frames = k x RGB frames)."""

    rgb_size: int = 224
    heatmap_size: int = 56
    rgb_frames: int = 16
    pose_frames: int = 48

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"The input setting {name} must be a positive integer, not {value!r}.")
        if self.pose_frames % self.rgb_frames:
            raise ConfigError(f"{self.pose_frames} pose frames cannot be split into {self.rgb_frames} RGB frames.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Optional[Mapping[str, Any]]) -> "InputSpec":
        """Build from a dict (missing keys take the paper's values); a bad dict raises ConfigError."""
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise ConfigError("The recorded input sizes are not a table of numbers.")
        known = {k: data[k] for k in ("rgb_size", "heatmap_size", "rgb_frames", "pose_frames") if k in data}
        try:
            return cls(**{k: int(v) for k, v in known.items()})
        except (TypeError, ValueError):
            raise ConfigError(f"The recorded input sizes {dict(known)} are not whole numbers.") from None

    @classmethod
    def from_provenance(cls, provenance: Optional[Mapping[str, Any]]) -> "InputSpec":
        """The spec a checkpoint's provenance records (``meta.inputs``), else the paper's."""
        meta = (provenance or {}).get("meta") or {}
        return cls.from_dict(meta.get("inputs") if isinstance(meta, Mapping) else None)


#: The paper's inputs: 16 RGB frames of 224 x 224, 48 heatmap frames of 56 x 56.
PAPER_INPUTS = InputSpec()

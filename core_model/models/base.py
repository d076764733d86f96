"""What every registered model shares: its rebuild config, class count, class names and input normalization."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ..preprocess.normalization import DEFAULT, Normalization


class ConfiguredModel:
    """Mixin for ``nn.Module`` models built from a config dict (the builder's keyword arguments).

    Call :meth:`_set_identity` in ``__init__`` (after ``super().__init__()``); ``config`` returns a copy that
    rebuilds the architecture and ``num_classes`` reads it.
    """

    _config: Dict[str, Any]
    normalization: Normalization
    class_names: Optional[List[str]]

    def _set_identity(self, config: Dict[str, Any], normalization: Normalization = DEFAULT,
                      class_names: Optional[Sequence[str]] = None) -> None:
        self._config = dict(config)
        self.normalization = normalization
        self.class_names = list(class_names) if class_names is not None else None

    @property
    def config(self) -> Dict[str, Any]:
        """The builder's keyword arguments (with ``"model"`` for registry models) that rebuild this model."""
        return dict(self._config)

    @property
    def num_classes(self) -> int:
        return int(self._config["num_classes"])

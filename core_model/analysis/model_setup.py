"""The network an analysis runs: a user's checkpoint, or an untrained registered model with a fixed seed.

Any registered model runs (``model_name``: its registry name, default EPAM-Net); a checkpoint brings
its own model.

Without a checkpoint the class list defaults to NTU RGB+D 120 (:data:`DEFAULT_CLASSES`): the
paper's reference configuration (Table 4), and a superset of NTU-60 including interactions.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Union

from ..errors import CheckpointError, ConfigError, EpamError
from ..labels import load_class_names
from ..fileio import content_key
from .cache import state_dict_hash

DEFAULT_CLASSES = "ntu120"
UNTRAINED = "untrained"


@dataclass
class PreparedModel:
    """A ready network plus what results must say about it."""

    module: object  # EPAMNet
    class_names: List[str]
    name: str  # "untrained" or the checkpoint's file name
    trained: bool
    key: str  # cache identity: checkpoint hash, or untrained config + seed, or weights hash
    normalization: object  # core_model.preprocess.normalization.Normalization
    info: dict = field(default_factory=dict)  # provenance shown in the summary
    inputs: object = None  # core_model.preprocess.spec.InputSpec the model was trained with (None: the paper's)
    model_name: str = "epam"  # the registry name
    #: its runtime keeps a short run's first batch for the installation's first-use export (``epam analyze``)
    keep_first_batch: bool = False
    _folded: object = field(default=None, repr=False)
    _runtimes: dict = field(default_factory=dict, repr=False)

    def input_sizes(self):
        """The :class:`~core_model.preprocess.kinds.InputSizes` of every input this model takes."""
        from ..preprocess.kinds import InputSizes

        return InputSizes.of(self.info.get("config"), self.inputs)

    def inference_module(self):
        """An eval-mode copy with BatchNorm folded, channels-last weights (made once, then reused)."""
        if self._folded is None:
            from ..models.inference import fuse_for_inference

            self._folded = fuse_for_inference(self.module)
        return self._folded

    def runtime(self, requested: str = "auto", device=None):
        """The :class:`~core_model.runtime.select.ModelRuntime` that runs the inference copy (one per requested
        runtime and device, kept: the videos of a batch share its choice, made at its first batch)."""
        from ..runtime.select import ModelRuntime

        key = (requested, str(device or "cpu"))
        if key not in self._runtimes:
            self._runtimes[key] = ModelRuntime(self, requested, device)
        return self._runtimes[key]

    def model_spec(self):
        """The model's registry entry (its input kinds and products; a run without PyTorch reads them from the
        ready record instead: :class:`~core_model.runtime.ready.GraphPreparedModel`)."""
        from ..models.registry import get_model_spec

        return get_model_spec(self.model_name)

    def release_source(self) -> None:
        """Keep only the inference copy: all a command-line analysis needs (~20 MB less). Made now if needed, by
        folding the source itself (no deep copy: ~0.3 s of a cold ``epam analyze``)."""
        if self._folded is None and self.module is not None:
            from ..models.inference import fuse_for_inference

            self._folded = fuse_for_inference(self.module, copy=False)
        self.module = None

    def describe(self) -> dict:
        return {"name": self.name, "trained": self.trained, "key": self.key, **self.info}


def _resolve_names(class_names: Union[None, str, Sequence[str]], fallback: Optional[List[str]]) -> Optional[List[str]]:
    if class_names is None:
        return fallback
    if isinstance(class_names, (str, Path)):
        return load_class_names(str(class_names))
    return [str(n) for n in class_names]


def _num_classes(module) -> Optional[int]:
    config = getattr(module, "config", None) or {}
    return config.get("num_classes")


def _checkpoint_path(checkpoint) -> Path:
    path = Path(checkpoint)
    if path.is_dir():
        raise CheckpointError(f"Checkpoint '{path}' is a folder, not a checkpoint file.")
    if not path.is_file():
        raise CheckpointError(f"Checkpoint '{path}' does not exist.")
    return path


def _checkpoint_key(path: Path) -> str:
    try:
        return "checkpoint:" + content_key(path, full=True)
    except OSError as exc:
        raise CheckpointError(f"Checkpoint '{path.name}' cannot be read: {exc.strerror or exc}.") from exc


def _untrained_key(seed: int, config: dict) -> str:
    return f"{UNTRAINED}:seed={seed}:" + json.dumps(config, sort_keys=True, default=str)


def _untrained(model_name: Optional[str], num_classes: int):
    """The untrained registered model ``model_name`` (default EPAM-Net) with its default config."""
    from ..models.registry import build_named

    return build_named(model_name, num_classes=num_classes)


def _refuse_other_model(module, model_name: Optional[str], path: Path) -> None:
    from ..models.registry import model_name_of

    if model_name and model_name_of(module) != model_name:
        raise ConfigError(f"The checkpoint {path.name} holds the model '{model_name_of(module)}', not "
                          f"'{model_name}': leave out --model, or give a checkpoint of that model.")


def model_key(checkpoint=None, class_names: Union[None, str, Sequence[str]] = None, *, seed: int = 0,
              model_name: Optional[str] = None) -> str:
    """The cache identity :func:`prepare_model` gives these arguments, without loading or building weights.

    A checkpoint is identified by its content hash; the untrained network by its seed and config
    (read from a copy built on PyTorch's ``meta`` device: no memory, no initialisation).
    """
    if checkpoint is not None:
        return _checkpoint_key(_checkpoint_path(checkpoint))
    import torch

    names = _resolve_names(class_names, None) or load_class_names(DEFAULT_CLASSES)
    with torch.device("meta"):
        module = _untrained(model_name, len(names))
    return _untrained_key(seed, getattr(module, "config", {"num_classes": len(names)}))


def load_model_code_ahead():
    """Import PyTorch, the registered models and the model runtimes in a daemon thread started now, for a caller
    about to extract poses before its analysis (the studio's Analyze): the model's code then loads while the
    poses are made, not after them (~1.5 s of CPU). Returns the thread; errors are left to the analysis itself."""
    import threading

    def load() -> None:
        try:
            from ..models import inference  # noqa: F401 - imported for their import cost
            from ..models.registry import model_names
            from ..runtime import select  # noqa: F401

            model_names()  # imports the built-in models
        except Exception:  # noqa: BLE001 - the analysis reports it, in its own words
            pass

    thread = threading.Thread(target=load, name="epam-model-code", daemon=True)
    thread.start()
    return thread


def prepare_model(
    checkpoint=None,
    class_names: Union[None, str, Sequence[str]] = None,
    *,
    seed: int = 0,
    model=None,
    trained: Optional[bool] = None,
    model_name: Optional[str] = None,
) -> PreparedModel:
    """Load ``checkpoint``, wrap a given ``model``, or build the untrained model ``model_name`` (seeded;
    default EPAM-Net). A checkpoint of another model than a given ``model_name`` is refused.

    ``class_names`` (a list, a preset name or a file) overrides the checkpoint's names and must
    have as many entries as the network has classes.
    """
    import torch

    from ..models import load_checkpoint
    from ..models.registry import model_name_of
    from ..preprocess.normalization import DEFAULT, Normalization
    from ..preprocess.spec import InputSpec

    if model is not None:
        names = _resolve_names(class_names, list(getattr(model, "class_names", None) or []) or None)
        count = _num_classes(model)
        if names is None:
            from ..labels import generic_class_names

            names = generic_class_names(count) if count else None
        if names is None:
            raise ConfigError("Give the class names of this model.")
        prepared = PreparedModel(model, names, getattr(model, "name", "custom model"), bool(trained),
                                 "weights:" + state_dict_hash(model),
                                 getattr(model, "normalization", None) or DEFAULT, {"config": getattr(model, "config", {})},
                                 inputs=getattr(model, "input_spec", None), model_name=model_name_of(model))
    elif checkpoint is not None:
        path = _checkpoint_path(checkpoint)
        try:
            module, info = load_checkpoint(path)
        except EpamError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure to read a user's file is a user error
            raise CheckpointError(f"Checkpoint '{path.name}' could not be loaded: it is damaged or not a "
                                  "checkpoint this version reads.") from exc
        _refuse_other_model(module, model_name, path)
        names = _resolve_names(class_names, list(info.class_names or []) or None)
        if names is None:
            from ..labels import generic_class_names

            names = generic_class_names(_num_classes(module) or 0)
        prepared = PreparedModel(
            module, names, path.name, bool(info.trained), _checkpoint_key(path),
            Normalization.from_dict(info.normalization) if info.normalization else module.normalization,
            {"checkpoint": str(path.resolve()), "config": dict(info.config), "provenance": dict(info.provenance),
             "format_version": info.format_version},
            inputs=InputSpec.from_provenance(info.provenance), model_name=model_name_of(module),
        )
    else:
        names = _resolve_names(class_names, None) or load_class_names(DEFAULT_CLASSES)
        torch.manual_seed(seed)
        module = _untrained(model_name, len(names))
        config = getattr(module, "config", {"num_classes": len(names)})
        prepared = PreparedModel(
            module, names, UNTRAINED, False, _untrained_key(seed, config),
            getattr(module, "normalization", None) or DEFAULT, {"config": config, "seed": seed},
            model_name=model_name_of(module),
        )
    count = _num_classes(prepared.module)
    if count is not None and count != len(prepared.class_names):
        raise ConfigError(f"The model has {count} classes but the class list has {len(prepared.class_names)} names.")
    prepared.module.eval()
    from ..startup_trace import mark

    mark("model_ready")  # benchmarks/cold_analyze.py: command start -> the network built or loaded
    return prepared

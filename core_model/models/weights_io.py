"""Reading weight files safely and checking what they hold.

Every file is read with ``torch.load(weights_only=True)``: nothing in it can run code.  mmcv/mmaction
checkpoints may carry numpy scalars in their ``meta`` (best score, epoch), which that loader refuses
by default; those few numpy types (plain data) are allowed explicitly.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

import torch

from ..errors import CheckpointError


def _numpy_safe_globals() -> list:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        return []
    try:
        from numpy._core.multiarray import scalar  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import scalar  # type: ignore[no-redef]
    dtypes = [type(np.dtype(t)) for t in ("float64", "float32", "int64", "int32", "bool")]
    return [scalar, np.dtype, *dtypes]


def read_torch_file(path: Union[str, Path], *, map_location: Union[str, torch.device] = "cpu",
                    what: str = "a readable PyTorch weights file") -> Any:
    """The object saved in ``path`` (weights only); :class:`CheckpointError` when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"The file {path} does not exist.")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as first:  # noqa: BLE001 - any failure means "not a file we can read"
        if "numpy" in str(first):
            try:
                with torch.serialization.safe_globals(_numpy_safe_globals()):
                    return torch.load(path, map_location=map_location, weights_only=True)
            except Exception:  # noqa: BLE001
                pass
        refused = refusal_reason(first, path)
        if refused is not None:
            raise CheckpointError(f"{path.name} was refused, not read: {refused}, and loading it could run code "
                                  f"(only plain weights are read).") from None
        why = ": the file is empty" if path.stat().st_size == 0 else ": it is damaged, or not a PyTorch file"
        raise CheckpointError(f"{path.name} is not {what}{why}.") from None


def refusal_reason(exc: BaseException, path: Optional[Path] = None) -> Optional[str]:
    """Why torch's weights-only loader refused a file that holds more than plain data, or None.

    Such a file may be intact: it names Python code (a class or function to call while loading, e.g.
    ``builtins.open``). A raw pickle the loader cannot parse is read here without running it
    (``pickletools``) to tell a pickle that calls code from random bytes.
    """
    import re

    text = str(exc)
    if "Weights only load failed" not in text:
        return None
    found = re.search(r"GLOBAL ([A-Za-z_][\w.]*)", text)
    if found:
        return f"it names Python code ({found.group(1)}) besides weights"
    name = _pickled_code(path) if path is not None else None
    return f"it names Python code ({name}) besides weights" if name else None


def _pickled_code(path: Path) -> Optional[str]:
    """The first code a plain pickle file names (``GLOBAL``/``STACK_GLOBAL``), without unpickling it; None if the
    file is not a whole pickle."""
    import pickletools

    try:
        data = path.read_bytes()[: 1 << 24]
        strings, name = [], None
        for op, arg, _pos in pickletools.genops(data):
            if isinstance(arg, str):
                strings.append(arg)
            if name is None and op.name == "GLOBAL":
                name = str(arg).replace(" ", ".")
            elif name is None and op.name == "STACK_GLOBAL" and len(strings) >= 2:
                name = f"{strings[-2]}.{strings[-1]}"
        return name
    except Exception:  # noqa: BLE001 - not a (whole) pickle: damaged or something else
        return None


def write_torch_file(payload: Any, path: Union[str, Path]) -> Path:
    """``torch.save(payload)`` to ``path`` atomically. The bytes are made in memory, then written with Python's
    own file calls, so a full disk raises ``OSError`` (ENOSPC) instead of the zip writer's ``RuntimeError``."""
    import io

    from ..fileio import atomic_path

    buffer = io.BytesIO()
    torch.save(payload, buffer)
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(buffer.getbuffer())
        fh.flush()
        os.fsync(fh.fileno())
    return path


def unwrap_state_dict(obj: Any) -> Optional[Dict[str, torch.Tensor]]:
    """The tensors of a loaded file: a bare state_dict or one under ``model_state_dict`` / ``state_dict`` /
    ``model_state`` / ``model``, with DDP ``module.`` prefixes removed; None if there is none."""
    if not isinstance(obj, Mapping):
        return None
    for wrapper in ("model_state_dict", "state_dict", "model_state", "model"):
        inner = obj.get(wrapper)
        if isinstance(inner, Mapping):
            obj = inner
            break
    if not obj or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        return None
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in obj.items()}


def first_non_finite(state: Mapping[str, torch.Tensor]) -> Optional[str]:
    """The name of the first floating-point tensor holding a NaN or an infinity, or None."""
    for key, value in state.items():
        if isinstance(value, torch.Tensor) and value.is_floating_point() and not bool(torch.isfinite(value).all()):
            return key
    return None


def refuse_non_finite(state: Mapping[str, torch.Tensor], name: str) -> None:
    """Raise :class:`CheckpointError` if any weight in ``state`` is NaN or infinite."""
    bad = first_non_finite(state)
    if bad is not None:
        raise CheckpointError(f"{name} holds non-finite weights (NaN or infinity, first in '{bad}'), "
                              f"so it cannot give meaningful predictions.")

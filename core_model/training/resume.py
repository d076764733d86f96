"""``--resume`` continues a run with the settings it started with: other data or settings are refused.

The options a resumed run keeps are those in its ``train_state.pt``. A data source, preset, phase, epochs,
batch, learning rate, start weights, class list, frozen stream, seed, videos folder or split given again
with another value is named in one sentence, and nothing is trained (a silent "kept the old ones" would
look as if the new ones had been used). What may change between the two: ``--device``, ``--workers`` and
``--log-every``. The data itself is fingerprinted (classes, clip names, labels and splits), so a set
exported again into the same folder is refused too.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from pathlib import Path
from typing import Iterable, List, Optional

from ..errors import ConfigError

#: options a resumed run keeps (in the order they are named)
KEPT = ("data", "model", "preset", "phase", "epochs", "batch", "lr", "init", "rgb_init", "classes", "freeze", "seed",
        "videos", "split", "no_val", "tiny")
#: options that may change when resuming
FREE = ("out_dir", "device", "workers", "resume", "log_every", "given")
_PATHS = ("data", "init", "rgb_init", "videos", "classes", "preset")


def _same_path(a, b) -> bool:
    try:
        return Path(str(a)).expanduser().resolve() == Path(str(b)).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return str(a) == str(b)


def _same(name: str, given, saved) -> bool:
    if given == saved:
        return True
    if name in _PATHS and isinstance(given, str) and isinstance(saved, str):
        return _same_path(given, saved)  # the same file named another way
    if isinstance(given, (int, float)) and isinstance(saved, (int, float)):
        return float(given) == float(saved)
    return False


def changed_settings(given, saved: dict) -> List[str]:
    """``"name (given X, the run uses Y)"`` for each option of ``given`` (TrainOptions) that differs from the run's.

    ``given.given`` lists the options the user typed (the CLI fills it); without it, every option that
    differs from its default counts as given.
    """
    defaults = {f.name: f.default for f in fields(type(given))}
    typed: Optional[Iterable[str]] = getattr(given, "given", None)
    out = []
    for name in KEPT:
        if name not in saved and name != "data":
            continue
        value = getattr(given, name, None)
        was_typed = name == "data" or (name in typed if typed is not None else value != defaults.get(name))
        if not was_typed or _same(name, value, saved.get(name)):
            continue
        out.append(f"{name.replace('_', '-')} (given {_show(name, value)}, the run uses "
                   f"{_show(name, saved.get(name))})")
    return out


def _show(name: str, value) -> str:
    if value is None:
        return "the preset's" if name in ("phase", "epochs", "batch", "lr") else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def refuse_changes(given, saved: dict, out_dir: Path) -> None:
    """Raise :class:`ConfigError` naming every setting of ``given`` that the run in ``out_dir`` does not use."""
    diffs = changed_settings(given, saved)
    if diffs:
        raise ConfigError(f"--resume continues the run in {out_dir} with the settings it started with, and these "
                          f"differ: {'; '.join(diffs)}; leave them out to continue, or start a new run folder.")


def data_digest(data) -> str:
    """A fingerprint of training data (TrainingData): classes, and each clip's name, label and split."""
    payload = {"classes": list(data.classes), "train": [(i.name, int(i.label)) for i in data.train],
               "val": [(i.name, int(i.label)) for i in data.val]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def refuse_changed_data(data, saved_digest: Optional[str], saved_counts: Optional[dict], path: str) -> None:
    """Raise :class:`ConfigError` when the data at the run's path is not what the run started on."""
    if not saved_digest or data_digest(data) == saved_digest:
        return
    now = f"{len(data.train)} training and {len(data.val)} validation clips of {len(data.classes)} classes"
    was = ""
    if saved_counts:
        was = (f", it had {saved_counts.get('train_clips')} and {saved_counts.get('val_clips')} of "
               f"{saved_counts.get('classes')}")
    raise ConfigError(f"The data in {path} changed since this run started (now {now}{was}): --resume would mix two "
                      f"data sets, so start a new run folder.")

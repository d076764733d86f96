"""Training and fine-tuning EPAM-Net from an exported set, a synthetic set or a PYSKL pickle.

``train(TrainOptions(data, out_dir, preset="cpu-quick"))`` or ``epam train DATA -o RUN_DIR`` /
``python -m core_model.training DATA -o RUN_DIR`` (JSON progress lines on stdout).
"""
from .data import ClipItem, DataError, TrainingData, load_training_data
from .loop import TrainOptions, TrainResult, train
from .presets import Preset, load_preset, preset_names

__all__ = ["ClipItem", "DataError", "TrainingData", "load_training_data", "TrainOptions", "TrainResult", "train",
           "Preset", "load_preset", "preset_names"]
